//! The HTTP plumbing the fake forges share (`fake_github.rs`, `fake_gitlab.rs`):
//! a loopback server running a forge's state on a background thread, the
//! request as the forge sees it, replies, injected failures, rate-limit
//! buckets, offset pagination with each forge's header style given as
//! [`PageStyle`] data, credentials, query strings, and a minimal HTTP client
//! for tests that talk to a fake directly.
//!
//! Each fake keeps only its routes, payload shapes, error bodies and header
//! names: what makes it GitHub or GitLab.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::ops::Deref;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

// ---------------------------------------------------------------- server

/// A fake forge's state, answering one request at a time.
pub trait Forge: Send + 'static {
    /// What the forge logs of a request besides the fields of [`Logged`].
    type Extra: Clone + Send;

    fn plumbing(&mut self) -> &mut Plumbing<Self::Extra>;

    /// Answers `rq`, with what to log of it besides (the server logs it).
    fn handle(&mut self, rq: &Incoming) -> (Reply, Self::Extra);

    /// The answer when [`Forge::handle`] panics, in the forge's error style.
    fn panicked() -> Reply;
}

/// What every fake keeps besides its forge's data.
pub struct Plumbing<E> {
    /// The requests answered, in arrival order.
    pub log: Vec<Logged<E>>,
    pub failures: Failures,
    /// `per_page` above it is clamped.
    pub page_cap: usize,
}

impl<E> Default for Plumbing<E> {
    fn default() -> Self {
        Plumbing {
            log: Vec::new(),
            failures: Failures::default(),
            page_cap: 100,
        }
    }
}

/// One request a fake answered; the forge's own fields are in `forge` (and
/// read through it: `r.private_token`).
#[derive(Debug, Clone)]
pub struct Logged<E> {
    pub method: String,
    /// The path as received (still percent-encoded), without the query.
    pub path: String,
    pub query: String,
    pub status: u16,
    pub authorization: Option<String>,
    pub body: String,
    pub forge: E,
}

impl<E> Deref for Logged<E> {
    type Target = E;

    fn deref(&self) -> &E {
        &self.forge
    }
}

/// A forge served on `127.0.0.1:PORT` until dropped.
pub struct Server<S> {
    base: String,
    state: Arc<Mutex<S>>,
    server: Arc<tiny_http::Server>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl<S: Forge> Server<S> {
    /// Binds `127.0.0.1:0` and serves the state `make` builds (given the base
    /// URL, `http://127.0.0.1:PORT`) on a background thread.
    pub fn start_with(make: impl FnOnce(&str) -> S) -> Server<S> {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1:0"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let base = format!("http://127.0.0.1:{port}");
        let state = Arc::new(Mutex::new(make(&base)));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (server, state, stop) = (server.clone(), state.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match server.recv_timeout(Duration::from_millis(50)) {
                        Ok(Some(rq)) => serve(&state, rq),
                        Ok(None) => {}
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Server {
            base,
            state,
            server,
            stop,
            thread: Some(thread),
        }
    }
}

impl<S: Forge> Server<S> {
    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The forge's state, between requests.
    pub fn state(&self) -> MutexGuard<'_, S> {
        lock(&self.state)
    }

    /// The requests answered so far, in arrival order.
    pub fn requests(&self) -> Vec<Logged<S::Extra>> {
        self.state().plumbing().log.clone()
    }

    pub fn clear_log(&self) {
        self.state().plumbing().log.clear();
    }

    /// `per_page` above `n` is clamped (default 100, like both forges).
    pub fn set_page_size_cap(&self, n: usize) {
        self.state().plumbing().page_cap = n.max(1);
    }

    /// The next `times` requests whose `"METHOD PATH"` (path as sent, without
    /// the query) contains `pattern` get `status`, `headers` (overriding the
    /// usual ones) and the forge's error body for `status`.
    pub fn fail_next(&self, pattern: &str, times: usize, status: u16, headers: &[(&str, &str)]) {
        self.state()
            .plumbing()
            .failures
            .push(pattern, times, status, headers);
    }

    /// The forge fails writes from the `nth` one on (1-based, counted from
    /// now) with `status`, as an outage would; with `applied`, only the
    /// `nth` fails, after it was carried out (the answer lost on the way).
    pub fn fail_writes(&self, nth: usize, status: u16, applied: bool) {
        self.fail_write(
            nth,
            if applied {
                WriteFailure::Lost(status)
            } else {
                WriteFailure::Outage(status)
            },
        );
    }

    /// The `nth` write (1-based, counted from now) fails as `failure` says.
    pub fn fail_write(&self, nth: usize, failure: WriteFailure) {
        self.state().plumbing().failures.1 = Some(WriteFault {
            nth,
            failure,
            seen: 0,
        });
    }

    /// No more write faults.
    pub fn heal(&self) {
        self.state().plumbing().failures.1 = None;
    }
}

impl<S> Drop for Server<S> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock<S>(state: &Mutex<S>) -> MutexGuard<'_, S> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

fn serve<S: Forge>(state: &Mutex<S>, mut rq: tiny_http::Request) {
    let incoming = Incoming::read(&mut rq);
    let answer = || {
        let mut st = lock(state);
        let (reply, forge) = st.handle(&incoming);
        st.plumbing().log.push(Logged {
            method: incoming.method.clone(),
            path: incoming.path.clone(),
            query: incoming.raw_query.clone(),
            status: reply.status,
            authorization: incoming.header("Authorization"),
            body: incoming.body_text(),
            forge,
        });
        reply
    };
    let reply =
        std::panic::catch_unwind(AssertUnwindSafe(answer)).unwrap_or_else(|_| S::panicked());
    let mut resp = tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
    for (k, v) in &reply.headers {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            resp.add_header(h);
        }
    }
    match reply.stall {
        // Other requests are served meanwhile, as a forge would.
        Some(d) => {
            std::thread::spawn(move || {
                std::thread::sleep(d);
                let _ = rq.respond(resp);
            });
        }
        None => {
            let _ = rq.respond(resp);
        }
    }
}

/// A request as a forge sees it.
pub struct Incoming {
    /// Uppercase.
    pub method: String,
    /// As received (still percent-encoded), without the query.
    pub path: String,
    pub raw_query: String,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the body could be read whole.
    pub body_ok: bool,
}

impl Incoming {
    fn read(rq: &mut tiny_http::Request) -> Incoming {
        let url = rq.url().to_string();
        let (path, raw_query) = url.split_once('?').unwrap_or((&url, ""));
        let headers = rq
            .headers()
            .iter()
            .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
            .collect();
        let mut body = Vec::new();
        let body_ok = rq.as_reader().read_to_end(&mut body).is_ok();
        Incoming {
            method: rq.method().as_str().to_ascii_uppercase(),
            path: path.to_string(),
            raw_query: raw_query.to_string(),
            headers,
            body,
            body_ok,
        }
    }

    /// A header's value (names compared without case).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    /// `"METHOD PATH"`, what [`Failures`] patterns are matched against.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

// ---------------------------------------------------------------- replies

pub type Res = Result<Reply, Reply>;

/// A reply of a fake; each fake adds its own error constructors.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the request is charged to its rate-limit bucket (for a forge
    /// that decides it per reply).
    pub charged: bool,
    /// Answered only after this long (a connection gone silent).
    pub stall: Option<Duration>,
}

impl Reply {
    pub fn new(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body,
            charged: true,
            stall: None,
        }
    }

    /// Answered only after [`STALL`]: the client has given up by then.
    pub fn stalled(mut self) -> Reply {
        self.stall = Some(STALL);
        self
    }

    /// `v` as JSON, with the forge's JSON `content_type`.
    pub fn json_as(status: u16, v: &Value, content_type: &str) -> Reply {
        let body = serde_json::to_vec(v).unwrap_or_default();
        Reply::new(status, body).header("content-type", content_type)
    }

    pub fn text(status: u16, text: &str) -> Reply {
        Reply::new(status, text.as_bytes().to_vec()).header("content-type", "text/plain")
    }

    /// Bytes as a download.
    pub fn bytes(data: &[u8]) -> Reply {
        Reply::new(200, data.to_vec()).header("content-type", "application/octet-stream")
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Not charged to a rate-limit bucket.
    pub fn free(mut self) -> Reply {
        self.charged = false;
        self
    }

    pub fn is_json(&self) -> bool {
        self.headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("application/json"))
    }

    /// Sets `headers` (names lowercased), replacing headers of the same name.
    pub fn override_headers(&mut self, headers: &[(String, String)]) {
        for (k, v) in headers {
            let k = k.to_ascii_lowercase();
            self.headers.retain(|(h, _)| *h != k);
            self.headers.push((k, v.clone()));
        }
    }

    /// Adds `headers` but for those the reply already has (injected ones win).
    pub fn add_missing_headers(&mut self, mut headers: Vec<(String, String)>) {
        headers.retain(|(k, _)| !self.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(k)));
        self.headers.extend(headers);
    }
}

// ---------------------------------------------------------------- injected failures

/// A failure to answer with instead of the route's reply.
pub struct Failure {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

struct Pending {
    pattern: String,
    times: usize,
    failure: Failure,
}

/// Failures injected by `fail_next`, matched against `"METHOD PATH"`, and
/// by `fail_writes`.
#[derive(Default)]
pub struct Failures(Vec<Pending>, pub Option<WriteFault>);

/// How the `nth` write fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteFailure {
    /// Refused with this status from the `nth` write on, as in an outage.
    Outage(u16),
    /// The `nth` is carried out and its answer lost: this status instead.
    Lost(u16),
    /// The `nth` is carried out, then the connection goes silent for
    /// [`STALL`], past the client's `UMD_RELEASE_HTTP_TIMEOUT`.
    Dropped,
    /// The `nth` is refused once with 429 and `Retry-After: 1` (a secondary
    /// rate limit); sent again, it goes through.
    RateLimited,
}

/// How long a dropped write's connection stays silent.
pub const STALL: Duration = Duration::from_secs(10);

/// The write fault armed by `fail_write`.
pub struct WriteFault {
    nth: usize,
    failure: WriteFailure,
    seen: usize,
}

/// What a write fault does to one request.
pub enum Fault {
    /// Answer with the failure instead of carrying the request out.
    Refuse(Failure),
    /// Carry it out, then answer with the failure.
    Lose(Failure),
    /// Carry it out, then answer only after [`STALL`].
    Stall,
}

impl Failures {
    /// The next `times` requests whose `"METHOD PATH"` contains `pattern` get
    /// `status` and `headers`.
    pub fn push(&mut self, pattern: &str, times: usize, status: u16, headers: &[(&str, &str)]) {
        self.0.push(Pending {
            pattern: pattern.to_string(),
            times,
            failure: Failure {
                status,
                headers: headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
        });
    }

    /// The write fault request `method path` meets, if any. Reads (and
    /// GraphQL's `viewer`, a read sent as a POST) are not counted.
    pub fn write(&mut self, method: &str, path: &str) -> Option<Fault> {
        let w = self.1.as_mut()?;
        if method == "GET" || method == "HEAD" || path.ends_with("/graphql") {
            return None;
        }
        w.seen += 1;
        let failure = |status: u16, headers: &[(&str, &str)]| Failure {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        use std::cmp::Ordering::*;
        match (w.failure, w.seen.cmp(&w.nth)) {
            (_, Less) => None,
            (WriteFailure::Outage(status), _) => Some(Fault::Refuse(failure(status, &[]))),
            (_, Greater) => None,
            (WriteFailure::Lost(status), Equal) => Some(Fault::Lose(failure(status, &[]))),
            (WriteFailure::Dropped, Equal) => Some(Fault::Stall),
            (WriteFailure::RateLimited, Equal) => {
                Some(Fault::Refuse(failure(429, &[("retry-after", "1")])))
            }
        }
    }

    /// The failure `line` gets, if any, using it up once.
    pub fn take(&mut self, line: &str) -> Option<Failure> {
        let p = self
            .0
            .iter_mut()
            .find(|p| p.times > 0 && line.contains(&p.pattern))?;
        p.times -= 1;
        let failure = Failure {
            status: p.failure.status,
            headers: p.failure.headers.clone(),
        };
        self.0.retain(|p| p.times > 0);
        Some(failure)
    }
}

// ---------------------------------------------------------------- rate limits

/// A rate-limit bucket refilled to `limit` every `window` seconds of real time.
pub struct Bucket {
    pub limit: u64,
    pub remaining: u64,
    /// The epoch second it refills at.
    pub reset: u64,
    pub window: u64,
}

impl Bucket {
    pub fn new(limit: u64, remaining: u64, reset: u64, window: u64) -> Bucket {
        Bucket {
            limit,
            remaining: remaining.min(limit),
            reset,
            window,
        }
    }

    /// A full bucket whose window starts now.
    pub fn full(limit: u64, window: u64) -> Bucket {
        Bucket::new(limit, limit, epoch() + window, window)
    }

    /// Refills the bucket if its reset time has passed.
    pub fn refresh(&mut self) {
        let now = epoch();
        if now >= self.reset {
            self.remaining = self.limit;
            self.reset = now + self.window;
        }
    }

    pub fn used(&self) -> u64 {
        self.limit - self.remaining
    }

    pub fn spend(&mut self) {
        self.remaining = self.remaining.saturating_sub(1);
    }

    /// Seconds until the reset, at least 1: a `Retry-After`.
    pub fn retry_after(&self) -> u64 {
        self.reset.saturating_sub(epoch()).max(1)
    }

    /// `(header, value)` for each name of `names`, in the order given.
    pub fn headers(&self, names: &[(&str, RateValue)]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|(name, v)| {
                let value = match v {
                    RateValue::Limit => self.limit.to_string(),
                    RateValue::Remaining => self.remaining.to_string(),
                    RateValue::Used => self.used().to_string(),
                    RateValue::Reset => self.reset.to_string(),
                    RateValue::ResetDate => http_date(self.reset),
                    RateValue::Fixed(s) => s.to_string(),
                };
                (name.to_string(), value)
            })
            .collect()
    }
}

/// What a rate-limit header carries, for [`Bucket::headers`].
#[derive(Clone, Copy)]
pub enum RateValue {
    Limit,
    Remaining,
    Used,
    /// The reset as an epoch second.
    Reset,
    /// The reset as an IMF-fixdate.
    ResetDate,
    Fixed(&'static str),
}

// ---------------------------------------------------------------- pagination

/// How a forge paginates lists: page size and the headers it answers with.
pub struct PageStyle {
    pub default_per_page: usize,
    /// The largest `per_page` honoured whatever the fake's cap.
    pub max_per_page: usize,
    pub headers: PageHeaders,
}

/// The pagination headers of a forge.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PageHeaders {
    /// GitHub's: a `Link` header only across several pages, each relation
    /// only where it leads elsewhere (`prev` past the end is the last page),
    /// links with the request's parameters (`per_page` as sent) and `page=N` last.
    Link,
    /// GitLab's: `x-page`, `x-per-page`, `x-next-page`, `x-prev-page`,
    /// `x-total`, `x-total-pages`, and a `Link` header always, with `first`
    /// and `last` always and `prev` only on a page that exists; links carry
    /// `page=N&per_page=M` first, the request's other parameters after.
    OffsetAndLink,
}

/// Where a list was asked for, as its links need it.
pub struct PageQuery<'a> {
    /// `http://127.0.0.1:PORT`.
    base: &'a str,
    /// The path as requested.
    path: &'a str,
    raw_query: &'a str,
    /// The fake's `set_page_size_cap`.
    cap: usize,
}

impl<'a> PageQuery<'a> {
    pub fn new(base: &'a str, path: &'a str, raw_query: &'a str, cap: usize) -> PageQuery<'a> {
        PageQuery {
            base,
            path,
            raw_query,
            cap,
        }
    }
}

impl PageStyle {
    /// The request's page of `items` and the headers to answer it with.
    pub fn paginate(
        &self,
        q: &PageQuery,
        per_page: Option<String>,
        page: Option<String>,
        items: Vec<Value>,
    ) -> (Vec<Value>, Vec<(String, String)>) {
        let per_page = per_page
            .as_deref()
            .and_then(|p| p.parse::<usize>().ok())
            .filter(|&p| p > 0)
            .unwrap_or(self.default_per_page)
            .min(self.max_per_page)
            .min(q.cap);
        let page = page
            .as_deref()
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let total = items.len();
        let last = total.div_ceil(per_page).max(1);
        let slice: Vec<Value> = items
            .into_iter()
            .skip((page - 1).saturating_mul(per_page))
            .take(per_page)
            .collect();
        let offset = self.headers == PageHeaders::OffsetAndLink;
        let kept: Vec<&str> = q
            .raw_query
            .split('&')
            .filter(|p| {
                let dropped = p.starts_with("page=") || (offset && p.starts_with("per_page="));
                !p.is_empty() && !dropped
            })
            .collect();
        let link_to = |n: usize, rel: &str| {
            let mut params: Vec<String> = Vec::new();
            if offset {
                params.push(format!("page={n}"));
                params.push(format!("per_page={per_page}"));
                params.extend(kept.iter().map(|p| p.to_string()));
            } else {
                params.extend(kept.iter().map(|p| p.to_string()));
                params.push(format!("page={n}"));
            }
            format!("<{}{}?{}>; rel=\"{rel}\"", q.base, q.path, params.join("&"))
        };
        let mut headers = Vec::new();
        if offset {
            let next = if page < last {
                (page + 1).to_string()
            } else {
                String::new()
            };
            let prev = if page > 1 && page <= last {
                (page - 1).to_string()
            } else {
                String::new()
            };
            headers.extend([
                ("x-page".to_string(), page.to_string()),
                ("x-per-page".to_string(), per_page.to_string()),
                ("x-next-page".to_string(), next),
                ("x-prev-page".to_string(), prev),
                ("x-total".to_string(), total.to_string()),
                ("x-total-pages".to_string(), last.to_string()),
            ]);
        }
        let mut links = Vec::new();
        if offset {
            if page > 1 && page <= last {
                links.push(link_to(page - 1, "prev"));
            }
            if page < last {
                links.push(link_to(page + 1, "next"));
            }
            links.push(link_to(1, "first"));
            links.push(link_to(last, "last"));
        } else if last > 1 {
            if page > 1 {
                links.push(link_to(page.min(last + 1) - 1, "prev"));
            }
            if page < last {
                links.push(link_to(page + 1, "next"));
                links.push(link_to(last, "last"));
            }
            if page > 1 {
                links.push(link_to(1, "first"));
            }
        }
        if !links.is_empty() {
            headers.push(("link".to_string(), links.join(", ")));
        }
        (slice, headers)
    }
}

// ---------------------------------------------------------------- data

/// A label as both forges keep one.
pub struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

// ---------------------------------------------------------------- credentials and bodies

/// The credential of an `Authorization` header whose scheme is one of
/// `schemes` (compared without case).
pub fn credential(authorization: Option<&str>, schemes: &[&str]) -> Option<String> {
    let (scheme, value) = authorization?.trim().split_once(' ')?;
    schemes
        .iter()
        .any(|s| s.eq_ignore_ascii_case(scheme))
        .then(|| value.trim().to_string())
}

pub fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// A JSON object body: `Ok(None)` for a blank body, `Err(())` for anything
/// but an object.
pub fn json_object(body: &[u8]) -> Result<Option<Map<String, Value>>, ()> {
    if is_blank(body) {
        return Ok(None);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        _ => Err(()),
    }
}

/// The path's segments after `skip` leading ones, each percent-decoded
/// (split before decoding: `egi%2Fumd-tracker` is one segment).
pub fn segments(path: &str, skip: usize) -> Vec<String> {
    path.split('/').skip(skip).map(pct_decode).collect()
}

// ---------------------------------------------------------------- text

pub fn pct_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hexval = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|&c| hexval(c)),
            b.get(i + 2).and_then(|&c| hexval(c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a=1&b=x+y` as decoded pairs, in order.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                pct_decode(&k.replace('+', " ")),
                pct_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Adds `more`'s fields to the object `v`.
pub fn extend(v: &mut Value, more: Value) {
    if let (Value::Object(a), Value::Object(b)) = (v, more) {
        a.extend(b);
    }
}

pub fn epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// An IMF-fixdate (`Tue, 03 Nov 2026 09:00:00 GMT`).
pub fn http_date(epoch: u64) -> String {
    use time::OffsetDateTime;
    let t = OffsetDateTime::from_unix_timestamp(epoch as i64).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        [t.weekday().number_days_from_monday() as usize];
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][u8::from(t.month()) as usize - 1];
    format!(
        "{day}, {:02} {month} {} {:02}:{:02}:{:02} GMT",
        t.day(),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

// ---------------------------------------------------------------- client

/// A response of [`http`]; header names are lowercase.
#[derive(Debug, Clone)]
pub struct HttpReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A minimal blocking HTTP/1.1 client (`Connection: close`) for `http://` URLs.
pub fn http(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> HttpReply {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = TcpStream::connect(host).unwrap_or_else(|e| panic!("connect {host}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).expect("send the request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the response");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    HttpReply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size_line = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or(0);
        if size == 0 || data.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[(eol + 4 + size).min(data.len())..];
    }
    out
}
