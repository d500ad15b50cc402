//! The GitLab tracker: issues of one project through GitLab's REST API v4,
//! with `reqwest`'s blocking client so that status codes and headers
//! (`x-next-page`, `Retry-After`, `RateLimit-*`) stay visible to us.
//!
//! Requests are strictly serial, like the GitHub tracker's. The client runs its
//! own runtime on a thread of its own, so (unlike the GitHub tracker) it may be
//! used from any thread, but not from inside an async task.
//!
//! What differs from GitHub, and is translated here at the boundary:
//!
//! - **Scoped labels.** The core names labels `state:unverified`,
//!   `dist:cmd-os-1`, `product:x`; on GitLab they are the scoped labels
//!   `state::unverified`, `dist::cmd-os-1`, `product::x` (only these three
//!   prefixes; other labels pass as they are). GitLab makes the labels of one
//!   scope mutually exclusive only on paid tiers; on the free tier an issue can
//!   carry two `state::` labels. Nothing more is needed here: the core already
//!   keeps exactly one state label (it removes the old one when it adds the new).
//! - **Label colours** are `#rrggbb` on GitLab, 6 hex digits without `#` in the core.
//! - **Issue numbers** are GitLab's per-project `iid`; open is `state: opened`.
//! - **Comments** are notes. Notes GitLab writes itself (`system: true`: "changed
//!   the description", label changes on older versions) are not comments.
//!   A note is reached only through its issue (`/issues/:iid/notes/:id`; there is
//!   no endpoint by note id alone), which is why
//!   [`Tracker::update_comment`](crate::tracker::Tracker::update_comment) takes
//!   the issue number too.
//! - **Quick actions.** GitLab runs lines starting with `/` (`/close`,
//!   `/label ~x`) in a note or a new description. The core's text quotes
//!   untrusted input (`> ` lines), so no line it writes starts with `/`.

mod api;
mod config;
mod download;
mod issues;
mod registry;
mod releases;

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ::http::Method;
use ::http::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use crate::labels::scope;
pub use config::GitLabConfig;
pub(crate) use config::parse_project;

use super::TrackerError;
use super::http::{
    self, Answer, Call, ErrorBody, Rules, encode, error_chain, forge, header_str, header_u64,
    invalid, next_link, said, until_reset, with_page,
};

type Res<T> = Result<T, TrackerError>;
/// The wait for a 429 that names none (GitLab's throttles work by the minute).
const RATE_LIMIT_DEFAULT_WAIT: u64 = 60;
const USER_AGENT_VALUE: &str = concat!("umd-release/", env!("CARGO_PKG_VERSION"));

const RULES: Rules = Rules {
    forge: "GitLab",
    rate_limit_wait,
    body: ErrorBody::GitLab,
};

pub struct GitLabTracker {
    client: reqwest::blocking::Client,
    api_url: String,
    project: String,
    /// The project's path URL-encoded, as GitLab takes it for `:id`.
    project_id: String,
    token: HeaderValue,
    max_wait: Duration,
    requests: AtomicU64,
    memory: Mutex<Memory>,
}

/// What the tracker learnt in this process, to spare requests.
#[derive(Default)]
struct Memory {
    /// Username (lowercase) → user id, `None` when GitLab has no such user.
    user_ids: HashMap<String, Option<u64>>,
    /// The token's username, once asked.
    identity: Option<String>,
}

impl fmt::Debug for GitLabTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitLabTracker")
            .field("api_url", &self.api_url)
            .field("project", &self.project)
            .finish_non_exhaustive()
    }
}

/// How long a 429 asks us to wait: `Retry-After`, else until `RateLimit-Reset`,
/// else a minute. Only a 429 is a rate limit on GitLab.
fn rate_limit_wait(code: u16, headers: &HeaderMap, _message: &dyn Fn() -> String) -> Option<u64> {
    if code != 429 {
        return None;
    }
    if let Some(secs) = header_u64(headers, "retry-after") {
        return Some(secs);
    }
    if let Some(reset) = header_u64(headers, "ratelimit-reset") {
        return Some(until_reset(reset));
    }
    Some(RATE_LIMIT_DEFAULT_WAIT)
}

impl GitLabTracker {
    pub fn new(config: GitLabConfig) -> Result<Self, TrackerError> {
        if !(config.api_url.starts_with("https://") || config.api_url.starts_with("http://"))
            || reqwest::Url::parse(&config.api_url).is_err()
        {
            return Err(invalid(format!(
                "GITLAB_API_URL `{}` is not a URL (e.g. https://gitlab.example.org/api/v4)",
                config.api_url
            )));
        }
        let project = parse_project(&config.project)?;
        let mut token = HeaderValue::from_str(config.token.expose()).map_err(|_| {
            invalid(
                "the GitLab token holds characters a header cannot carry (the value is not shown)",
            )
        })?;
        token.set_sensitive(true);
        // One TLS stack for the whole program: rustls with aws-lc-rs, which
        // octocrab already brings. reqwest is built with a `-no-provider`
        // flavour so it pulls in neither ring nor OpenSSL, and then takes the
        // process-wide default provider, which must be installed first (it
        // panics without one). Installing twice fails harmlessly: ignored.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .timeout(config.timeout)
            // Never follow a redirect: the token is a custom header, which
            // reqwest would send along to whatever host a redirect names.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                forge(
                    None,
                    format!("cannot set up the GitLab client: {}", error_chain(&e)),
                )
            })?;
        Ok(GitLabTracker {
            client,
            api_url: config.api_url.trim_end_matches('/').to_string(),
            project_id: encode(&project),
            project,
            token,
            max_wait: config.max_wait,
            requests: AtomicU64::new(0),
            memory: Mutex::new(Memory::default()),
        })
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests_made(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn project_path(&self) -> String {
        format!("/projects/{}", self.project_id)
    }

    fn issue_path(&self, number: u64) -> String {
        format!("{}/issues/{number}", self.project_path())
    }

    /// GitLab answers 404, not 403, for a private project the token cannot see.
    fn project_what(&self) -> String {
        format!("project {} (or the token cannot see it)", self.project)
    }

    fn issue_what(&self, number: u64) -> String {
        format!("issue #{number} in {}", self.project)
    }

    /// Sends one request through [`http::drive`]; every request goes through
    /// here. Returns the final answer whatever its status, except a
    /// redirect; [`GitLabTracker::checked`] maps failures to errors.
    fn exchange(
        &self,
        method: Method,
        pq: &str,
        body: Option<&Value>,
    ) -> Result<Answer, TrackerError> {
        // Every POST here creates something (an issue, a note, a label):
        // PUTs and GETs are idempotent.
        let call = Call {
            method: &method,
            pq,
            max_wait: self.max_wait,
            creates: method == Method::POST,
            explain: true,
        };
        let url = format!("{}{pq}", self.api_url);
        http::drive(&RULES, &call, || self.attempt(&method, pq, &url, body))
    }

    fn attempt(
        &self,
        method: &Method,
        pq: &str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Answer, TrackerError> {
        let mut request = self
            .client
            .request(method.clone(), url)
            .header("PRIVATE-TOKEN", self.token.clone())
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, USER_AGENT_VALUE);
        if let Some(b) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(b).unwrap_or_default());
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = request.send().map_err(|e| {
            forge(
                None,
                format!(
                    "{method} {pq}: cannot reach GitLab at {}: {}\n  check the network and GITLAB_API_URL",
                    self.api_url,
                    error_chain(&e)
                ),
            )
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().map_err(|e| {
            forge(
                Some(status.as_u16()),
                format!("{method} {pq}: reading the response: {}", error_chain(&e)),
            )
        })?;
        if status.is_redirection() {
            let to = header_str(&headers, "location").unwrap_or("elsewhere");
            return Err(forge(
                Some(status.as_u16()),
                format!(
                    "{method} {pq}: GitLab redirects to {to}; the token is not sent after a redirect\n  set GITLAB_API_URL to the API's own address (e.g. https://HOST/api/v4, with https)"
                ),
            ));
        }
        Ok(Answer {
            status,
            headers,
            body: bytes.to_vec(),
        })
    }

    /// [`GitLabTracker::exchange`], with anything but a 2xx as its [`TrackerError`].
    fn checked(
        &self,
        method: Method,
        pq: &str,
        body: Option<&Value>,
    ) -> Result<Answer, TrackerError> {
        let answer = self.exchange(method.clone(), pq, body)?;
        if answer.status.is_success() {
            return Ok(answer);
        }
        Err(self.failure(&method, pq, answer.status.as_u16(), &RULES.message(&answer)))
    }

    /// The error for a failed request that is not worth retrying.
    fn failure(&self, method: &Method, pq: &str, code: u16, message: &str) -> TrackerError {
        let project = &self.project;
        let said = said(message);
        match code {
            401 => forge(
                Some(401),
                "the token was refused (401): check that UMD_RELEASE_TOKEN/GITLAB_TOKEN is a valid GitLab access token, not expired or revoked, with the `api` scope",
            ),
            403 if message.contains("insufficient_scope") => forge(
                Some(403),
                format!(
                    "{method} {pq}: permission denied: the token lacks the `api` scope (a `read_api` token cannot write)\n  create a token with the `api` scope and pass it as UMD_RELEASE_TOKEN"
                ),
            ),
            403 => http::forbidden(
                (method, pq),
                &said,
                format!(
                    "the token needs the `api` scope and at least the Reporter (or Planner) role on {project}"
                ),
            ),
            404 => http::not_found(pq, project),
            400 | 409 | 422 => {
                http::rejected("GitLab", (method, pq, code), message, "invalid request")
            }
            _ => forge(Some(code), format!("{method} {pq}{said}")),
        }
    }

    fn fetch_json<T: DeserializeOwned>(&self, m: Method, pq: &str, body: Option<&Value>) -> Res<T> {
        RULES.json(&self.checked(m, pq, body)?, pq)
    }

    /// Every page of a list: `x-next-page` (GitLab's offset pagination), or a
    /// `Link: rel="next"` on the same API when that header is absent.
    fn collect<T: DeserializeOwned>(&self, first: &str) -> Result<Vec<T>, TrackerError> {
        let mut page = 1u64;
        http::paginate(first, |pq| {
            let answer = self.checked(Method::GET, pq, None)?;
            let items = RULES.json::<Vec<T>>(&answer, pq)?;
            let next = match header_str(&answer.headers, "x-next-page") {
                // Pages only move forward: a server repeating one would loop forever.
                Some(n) => match n.parse::<u64>() {
                    Ok(n) if n > page => {
                        page = n;
                        Some(with_page(pq, n))
                    }
                    _ => None,
                },
                None => next_link(&answer.headers)
                    .and_then(|url| url.strip_prefix(&self.api_url).map(String::from))
                    .filter(|next| next.starts_with('/')),
            };
            Ok((items, next))
        })
    }

    /// A raw file of the repository, `None` when it is not there; a project
    /// GitLab does not show is an error, so that a token that cannot read the
    /// repository does not look like an unregistered product.
    fn raw_file(&self, path: &str, git_ref: &str) -> Result<Option<String>, TrackerError> {
        super::plain_path(path)?;
        let pq = format!(
            "{}/repository/files/{}/raw?ref={}",
            self.project_path(),
            encode(path),
            encode(git_ref)
        );
        let answer = self.exchange(Method::GET, &pq, None)?;
        match answer.status.as_u16() {
            200..=299 => String::from_utf8(answer.body)
                .map(Some)
                .map_err(|_| invalid(format!("`{path}` in {} is not UTF-8 text", self.project))),
            404 if RULES.message(&answer).contains("Project Not Found") => {
                Err(TrackerError::NotFound {
                    what: self.project_what(),
                })
            }
            404 => Ok(None),
            code => Err(self.failure(&Method::GET, &pq, code, &RULES.message(&answer))),
        }
    }
}
