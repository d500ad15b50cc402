//! What the GitHub and GitLab trackers share on the wire: the credential
//! type, one retry and rate-limit driver, pagination, header parsing, query
//! building, percent-encoding and the mapping of error bodies to messages,
//! and the reading of JSON bodies. Each forge
//! sends through its own transport (octocrab, reqwest) and supplies only
//! what differs as [`Rules`].

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::HeaderMap;
use http::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::TrackerError;

/// Items asked for per page of a list, the most both forges give.
pub(crate) const PER_PAGE: u32 = 100;
/// Backoff before each retry of a 5xx: 1 s, 2 s, 4 s.
const SERVER_ERROR_RETRIES: u32 = 3;
/// Rate-limit retries of one call; the wait itself is capped by `max_wait`,
/// this only stops a server that keeps saying "retry after 0 s".
const RATE_LIMIT_RETRIES: u32 = 5;

pub use crate::secret::Secret;

pub(crate) fn invalid(message: impl Into<String>) -> TrackerError {
    TrackerError::Invalid {
        message: message.into(),
    }
}

pub(crate) fn forge(status: Option<u16>, message: impl Into<String>) -> TrackerError {
    TrackerError::Forge {
        status,
        message: message.into(),
    }
}

/// Renames the generic `NotFound` of a request to what the caller was after.
pub(crate) fn not_found_as(what: String) -> impl FnOnce(TrackerError) -> TrackerError {
    move |e| match e {
        TrackerError::NotFound { .. } => TrackerError::NotFound { what },
        e => e,
    }
}

/// A 403 that is a missing permission, as the forges' error mapping words
/// it, and not a rate limit we gave up waiting for (also a 403).
pub(crate) fn refused(e: &TrackerError) -> bool {
    matches!(e, TrackerError::Forge { status: Some(403), message } if message.contains(": permission denied"))
}

/// `e`, or when it is a missing permission, the reason `why` for the read of `pq`.
pub(crate) fn denied(e: TrackerError, pq: &str, why: String) -> TrackerError {
    if refused(&e) {
        forge(Some(403), format!("GET {pq}: permission denied: {why}"))
    } else {
        e
    }
}

/// A request the forge rejected as invalid, with what it said (else `default`).
pub(crate) fn rejected(
    forge_name: &str,
    call: (&Method, &str, u16),
    message: &str,
    default: &str,
) -> TrackerError {
    let (method, pq, code) = call;
    let said = if message.is_empty() { default } else { message };
    invalid(format!(
        "{forge_name} rejected {method} {pq} ({code}): {said}"
    ))
}

/// A 403 of `method pq`, with what the forge said and what the credentials need.
pub(crate) fn forbidden(call: (&Method, &str), said: &str, advice: String) -> TrackerError {
    let (method, pq) = call;
    forge(
        Some(403),
        format!("{method} {pq}: permission denied{said}\n  {advice}"),
    )
}

/// A 404 of `pq` in `place`: forges answer 404, not 403, for what the token cannot see.
pub(crate) fn not_found(pq: &str, place: &str) -> TrackerError {
    TrackerError::NotFound {
        what: format!("`{pq}` in {place} (or the token cannot see {place})"),
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters, for a path
/// segment or a query value: `state:unverified` → `state%3Aunverified`.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A request's path and query, built a parameter at a time with each value
/// percent-encoded: `/p/issues?state=all&labels=state%3Aunverified`.
pub(crate) struct Query(String);

impl Query {
    pub(crate) fn new(path: impl Into<String>) -> Query {
        Query(path.into())
    }

    /// `key=value`, in the order added.
    pub(crate) fn arg(mut self, key: &str, value: impl fmt::Display) -> Query {
        let sep = if self.0.contains('?') { '&' } else { '?' };
        self.0 = format!("{}{sep}{key}={}", self.0, encode(&value.to_string()));
        self
    }

    pub(crate) fn args(self, pairs: &[(&str, &str)]) -> Query {
        pairs.iter().fold(self, |q, (k, v)| q.arg(k, v))
    }

    /// A full page of a list.
    pub(crate) fn per_page(self) -> Query {
        self.arg("per_page", PER_PAGE)
    }

    /// `labels=label`, if any. Both forges split `labels` on commas, so a
    /// label holding one is left out, for the caller to filter by.
    pub(crate) fn label(self, label: Option<&str>) -> Query {
        match label.filter(|l| !l.contains(',')) {
            Some(l) => self.arg("labels", l),
            None => self,
        }
    }
}

impl From<Query> for String {
    fn from(q: Query) -> String {
        q.0
    }
}

/// Percent-decodes a URL path segment.
pub(crate) fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
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

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

pub(crate) fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    header_str(headers, name)?.parse().ok()
}

pub(crate) fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Seconds until the epoch second `reset`, +1: the reset second itself may
/// still be limited.
pub(crate) fn until_reset(reset: u64) -> u64 {
    reset.saturating_sub(now_epoch()) + 1
}

/// The `rel="next"` target of a `Link` header. Parsed by angle brackets,
/// not by splitting on commas: URLs may hold commas (`labels=a,b`).
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all(http::header::LINK) {
        let mut rest = value.to_str().ok()?;
        while let Some(start) = rest.find('<') {
            let end = start + rest[start..].find('>')?;
            let url = &rest[start + 1..end];
            rest = &rest[end + 1..];
            let params = rest[..rest.find('<').unwrap_or(rest.len())]
                .trim_end()
                .trim_end_matches(',');
            let is_next = params.split(';').any(|p| {
                p.trim()
                    .strip_prefix("rel=")
                    .is_some_and(|r| r.trim_matches('"').split_whitespace().any(|r| r == "next"))
            });
            if is_next {
                return Some(url.to_string());
            }
        }
    }
    None
}

/// Only path and query of a URL.
pub(crate) fn path_and_query(url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    uri.path_and_query().map(|pq| pq.as_str().to_string())
}

/// `pq` with its `page` parameter set to `page`.
pub(crate) fn with_page(pq: &str, page: u64) -> String {
    let (path, query) = pq.split_once('?').unwrap_or((pq, ""));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page="))
        .collect();
    let page = format!("page={page}");
    params.push(&page);
    format!("{path}?{}", params.join("&"))
}

/// Every page of a list: `page` fetches one and names the next, if any. A
/// server repeating the same page would loop forever, so that ends it.
pub(crate) fn paginate<T>(
    first: &str,
    mut page: impl FnMut(&str) -> Result<(Vec<T>, Option<String>), TrackerError>,
) -> Result<Vec<T>, TrackerError> {
    let mut out = Vec::new();
    let mut pq = first.to_string();
    loop {
        let (items, next) = page(&pq)?;
        out.extend(items);
        match next {
            Some(next) if next != pq => pq = next,
            _ => return Ok(out),
        }
    }
}

/// The error and its sources on one line. Neither transport names a URL
/// with credentials (the token travels in a header), but the chain is
/// what says "connection refused" or "certificate".
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg = format!("{msg}: {text}");
        }
        source = s.source();
    }
    msg
}

pub(crate) fn or_status(message: &str, status: StatusCode) -> String {
    if message.is_empty() {
        format!("HTTP {}", status.as_u16())
    } else {
        format!("HTTP {}: {message}", status.as_u16())
    }
}

/// ` (message)`, or nothing for an empty one.
pub(crate) fn said(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" ({message})")
    }
}

/// The sha256 of what was hashed, as lowercase hex.
pub(crate) fn hex_digest(hash: sha2::Sha256) -> String {
    use sha2::Digest;
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// How a forge words an error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorBody {
    /// `message`, and the details of a 422's `errors`.
    GitHub,
    /// `message` (a string, or field → errors for a validation failure) or
    /// `error` (a missing or bad parameter); a throttled request's body is plain text.
    GitLab,
}

impl ErrorBody {
    pub(crate) fn message(self, body: &str) -> String {
        match self {
            ErrorBody::GitHub => github_message(body),
            ErrorBody::GitLab => gitlab_message(body),
        }
    }
}

fn github_message(body: &str) -> String {
    #[derive(serde::Deserialize, Default)]
    struct ApiError {
        #[serde(default)]
        message: String,
        #[serde(default)]
        errors: Vec<Value>,
    }
    let Ok(err) = serde_json::from_str::<ApiError>(body) else {
        return String::new();
    };
    let details: Vec<String> = err.errors.iter().filter_map(github_detail).collect();
    if details.is_empty() {
        err.message
    } else {
        format!("{}: {}", err.message, details.join("; "))
    }
}

fn github_detail(e: &Value) -> Option<String> {
    match e {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => {
            if let Some(Value::String(m)) = o.get("message") {
                return Some(m.clone());
            }
            let part = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("?").to_string();
            Some(format!(
                "{} {} {}",
                part("resource"),
                part("field"),
                part("code")
            ))
        }
        _ => None,
    }
}

fn gitlab_message(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        let text = body.trim();
        return if text.len() <= 200 && !text.starts_with('<') {
            text.to_string()
        } else {
            String::new()
        };
    };
    let mut parts = Vec::new();
    match v.get("message") {
        Some(Value::String(s)) => parts.push(s.clone()),
        Some(Value::Object(fields)) => {
            for (field, errors) in fields {
                let errors: Vec<String> = match errors {
                    Value::Array(a) => a
                        .iter()
                        .map(|e| e.as_str().map_or_else(|| e.to_string(), String::from))
                        .collect(),
                    Value::String(s) => vec![s.clone()],
                    other => vec![other.to_string()],
                };
                parts.push(format!("{field} {}", errors.join(", ")));
            }
        }
        Some(Value::Array(a)) => {
            parts.extend(a.iter().filter_map(|e| e.as_str().map(String::from)))
        }
        _ => {}
    }
    for key in ["error", "error_description"] {
        if let Some(Value::String(s)) = v.get(key) {
            parts.push(s.clone());
        }
    }
    parts.join(": ")
}

/// What differs between the forges in retrying: their name in messages,
/// how they say "rate limited", how their error bodies read.
pub(crate) struct Rules {
    pub forge: &'static str,
    /// The seconds an answer asks us to wait, `None` when it is no rate limit.
    pub rate_limit_wait: fn(u16, &HeaderMap, &dyn Fn() -> String) -> Option<u64>,
    pub body: ErrorBody,
}

impl Rules {
    /// A JSON body of `pq` as `T`, or an error naming the forge that sent something else.
    pub(crate) fn json<T: DeserializeOwned>(
        &self,
        answer: &Answer,
        pq: &str,
    ) -> Result<T, TrackerError> {
        serde_json::from_slice(&answer.body).map_err(|e| {
            forge(
                Some(answer.status.as_u16()),
                format!("{pq}: unexpected response from {}: {e}", self.forge),
            )
        })
    }

    /// What an answer's error body says, as this forge words it.
    pub(crate) fn message(&self, answer: &impl Reply) -> String {
        self.body.message(&answer.text())
    }
}

/// An answer as the driver sees it, whatever the transport.
pub(crate) trait Reply {
    fn status(&self) -> StatusCode;
    fn headers(&self) -> &HeaderMap;
    /// The body as text, for the error message; empty when not kept.
    fn text(&self) -> String;
}

/// An answer with its whole body.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply for Answer {
    fn status(&self) -> StatusCode {
        self.status
    }
    fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One call as the driver retries it.
pub(crate) struct Call<'a> {
    pub method: &'a Method,
    pub pq: &'a str,
    pub max_wait: Duration,
    /// A create after a 5xx is not retried: the forge often did the work
    /// before failing, and a retry would create twice.
    pub creates: bool,
    /// An API call says why it gave up (`kept rate-limiting`, `failed 4
    /// times`); a download gives its last answer back instead, and takes a
    /// rate limit of 0 s as final.
    pub explain: bool,
}

/// Sends `send` until its answer is final: rate limits are waited out and
/// server errors retried (1 s, 2 s, 4 s), all within `max_wait`. Whatever
/// is not retried is returned as it is, for the forge to map.
pub(crate) fn drive<A: Reply>(
    rules: &Rules,
    call: &Call<'_>,
    mut send: impl FnMut() -> Result<A, TrackerError>,
) -> Result<A, TrackerError> {
    let mut state = Backoff::default();
    loop {
        let answer = send()?;
        match state.next(rules, call, &answer)? {
            Some(wait) => std::thread::sleep(Duration::from_secs(wait)),
            None => return Ok(answer),
        }
    }
}

#[derive(Default)]
struct Backoff {
    waited: u64,
    server_retries: u32,
    rate_retries: u32,
}

impl Backoff {
    /// The seconds to wait before sending again, `None` to take `answer`.
    fn next(
        &mut self,
        rules: &Rules,
        call: &Call<'_>,
        answer: &impl Reply,
    ) -> Result<Option<u64>, TrackerError> {
        let status = answer.status();
        if status.is_success() || status.is_redirection() {
            return Ok(None);
        }
        let code = status.as_u16();
        let message = || rules.body.message(&answer.text());
        if let Some(wait) = (rules.rate_limit_wait)(code, answer.headers(), &message) {
            return self.rate_limited(rules, call, code, wait);
        }
        if !status.is_server_error() || call.creates {
            return Ok(None);
        }
        if !call.explain {
            if self.server_retries >= SERVER_ERROR_RETRIES {
                return Ok(None);
            }
            self.server_retries += 1;
            return Ok(self.quiet(call, 1 << (self.server_retries - 1)));
        }
        let (forge_name, method, pq) = (rules.forge, call.method, call.pq);
        let said = or_status(&message(), status);
        if self.server_retries >= SERVER_ERROR_RETRIES {
            return Err(forge(
                Some(code),
                format!(
                    "{method} {pq}: {forge_name} failed {} times in a row ({said}); retry later",
                    self.server_retries + 1,
                ),
            ));
        }
        let wait = 1u64 << self.server_retries;
        self.server_retries += 1;
        let cap = call.max_wait.as_secs();
        if self.waited + wait > cap {
            return Err(forge(
                Some(code),
                format!(
                    "{method} {pq}: {forge_name} failed ({said}) and retrying would wait past the UMD_RELEASE_MAX_WAIT cap of {cap} s; retry later or raise the cap"
                ),
            ));
        }
        self.waited += wait;
        Ok(Some(wait))
    }

    fn rate_limited(
        &mut self,
        rules: &Rules,
        call: &Call<'_>,
        code: u16,
        wait: u64,
    ) -> Result<Option<u64>, TrackerError> {
        if !call.explain {
            if self.rate_retries >= RATE_LIMIT_RETRIES {
                return Ok(None);
            }
            self.rate_retries += 1;
            return Ok(self.quiet(call, wait));
        }
        let (forge_name, method, pq) = (rules.forge, call.method, call.pq);
        self.rate_retries += 1;
        if self.rate_retries > RATE_LIMIT_RETRIES {
            return Err(forge(
                Some(code),
                format!(
                    "{forge_name} kept rate-limiting {method} {pq} after {RATE_LIMIT_RETRIES} retries; retry later"
                ),
            ));
        }
        let cap = call.max_wait.as_secs();
        if self.waited + wait > cap {
            return Err(forge(
                Some(code),
                format!(
                    "{forge_name} asked us to wait {wait} s (rate limit), more than the UMD_RELEASE_MAX_WAIT cap of {cap} s; retry later or raise the cap"
                ),
            ));
        }
        self.waited += wait;
        Ok(Some(wait))
    }

    /// A download's wait: within the cap and not 0, else its answer is final.
    fn quiet(&mut self, call: &Call<'_>, wait: u64) -> Option<u64> {
        if wait > 0 && self.waited + wait <= call.max_wait.as_secs() {
            self.waited += wait;
            Some(wait)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::HeaderValue;

    #[test]
    fn encode_keeps_only_unreserved() {
        assert_eq!(encode("state:unverified"), "state%3Aunverified");
        assert_eq!(encode("a b/c,d~e_f.g-h"), "a%20b%2Fc%2Cd~e_f.g-h");
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn next_link_by_rel_not_by_comma() {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::LINK,
            HeaderValue::from_static(
                r#"<https://api.github.com/repos/o/r/issues?labels=a,b&page=2>; rel="next", <https://api.github.com/repos/o/r/issues?labels=a,b&page=5>; rel="last""#,
            ),
        );
        let next = next_link(&h).unwrap();
        assert_eq!(
            next,
            "https://api.github.com/repos/o/r/issues?labels=a,b&page=2"
        );
        assert_eq!(
            path_and_query(&next).unwrap(),
            "/repos/o/r/issues?labels=a,b&page=2"
        );
        h.insert(
            http::header::LINK,
            HeaderValue::from_static(
                r#"<https://x/y?page=1>; rel="prev", <https://x/y?page=1>; rel="first""#,
            ),
        );
        assert_eq!(next_link(&h), None);
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn pages() {
        assert_eq!(
            with_page("/p/issues?a=1&page=2&b=2", 3),
            "/p/issues?a=1&b=2&page=3"
        );
        assert_eq!(with_page("/p/issues", 2), "/p/issues?page=2");
    }

    #[test]
    fn error_bodies() {
        let body = r#"{"message":"Validation Failed","errors":[{"resource":"Label","code":"already_exists","field":"name"},{"code":"custom","message":"title is too long"}],"documentation_url":"x"}"#;
        assert_eq!(
            ErrorBody::GitHub.message(body),
            "Validation Failed: Label name already_exists; title is too long"
        );
        assert_eq!(ErrorBody::GitHub.message("<html>"), "");
        let gl = |b: &str| ErrorBody::GitLab.message(b);
        assert_eq!(
            gl(r#"{"message":"404 Project Not Found"}"#),
            "404 Project Not Found"
        );
        assert_eq!(
            gl(
                r#"{"message":{"title":["can't be blank"],"color":["must be a valid color code"]}}"#
            ),
            "color must be a valid color code: title can't be blank"
        );
        assert_eq!(gl(r#"{"error":"title is missing"}"#), "title is missing");
        assert_eq!(gl("Retry later\n"), "Retry later");
        assert_eq!(gl("<html>x</html>"), "");
    }

    #[test]
    fn refused_is_a_missing_permission_not_a_rate_limit() {
        assert!(refused(&forge(
            Some(403),
            "GET /orgs/o/teams/t/memberships/u: permission denied (Must have admin rights)"
        )));
        assert!(!refused(&forge(
            Some(403),
            "GitHub asked us to wait 600 s (rate limit), more than the UMD_RELEASE_MAX_WAIT cap of 120 s; retry later or raise the cap"
        )));
        assert!(!refused(&forge(Some(401), "x: permission denied")));
    }
}
