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
//!   no endpoint by note id alone), while [`Tracker::update_comment`] gets only
//!   the id: see [`GitLabTracker::update_comment`].
//! - **Quick actions.** GitLab runs lines starting with `/` (`/close`,
//!   `/label ~x`) in a note or a new description. The core's text quotes
//!   untrusted input (`> ` lines), so no line it writes starts with `/`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::github::{Secret, encode};
use super::{Comment, Event, EventKind, Issue, Label, Tracker, TrackerError};
use crate::forge::event::unscope;
use crate::policy::tracker_config::PermissionLevel;

const DEFAULT_API_URL: &str = "https://gitlab.com/api/v4";
const DEFAULT_MAX_WAIT_SECS: u64 = 120;
const PER_PAGE: u32 = 100;
/// Backoff before each retry of a 5xx: 1 s, 2 s, 4 s.
const SERVER_ERROR_RETRIES: u32 = 3;
/// Rate-limit retries of one call; the wait itself is capped by `max_wait`.
const RATE_LIMIT_RETRIES: u32 = 5;
/// The wait for a 429 that names none (GitLab's throttles work by the minute).
const RATE_LIMIT_DEFAULT_WAIT: u64 = 60;
/// GitLab gives the work of a deleted account to its "Ghost User", `ghost`.
const GHOST: &str = "ghost";
/// The core's label prefixes that are scoped labels on GitLab.
const SCOPED: [&str; 3] = ["state", "dist", "product"];

const TOKEN_VARS: [&str; 2] = ["UMD_RELEASE_TOKEN", "GITLAB_TOKEN"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitLabConfig {
    /// The REST API's base, e.g. `https://gitlab.com/api/v4` or `https://HOST/api/v4`.
    pub api_url: String,
    /// The project's full path, `GROUP/PROJECT` (subgroups too: `group/sub/project`).
    pub project: String,
    /// A project, group or personal access token with the `api` scope, sent
    /// as `PRIVATE-TOKEN`.
    pub token: Secret,
    /// The most one call may sleep in total waiting out rate limits and
    /// server errors before it gives up.
    pub max_wait: Duration,
}

impl GitLabConfig {
    /// Reads the configuration from the environment; see [`GitLabConfig::from_lookup`].
    pub fn from_env(project: &str) -> Result<GitLabConfig, TrackerError> {
        Self::from_lookup(project, |name| std::env::var(name).ok())
    }

    /// As [`GitLabConfig::from_env`], with variables from `var`. Empty
    /// variables count as unset, as CI systems expand missing secrets to "".
    ///
    /// The API base: `GITLAB_API_URL`, else `CI_API_V4_URL` (set in every
    /// GitLab CI job), else gitlab.com. The token: `UMD_RELEASE_TOKEN`, else
    /// `GITLAB_TOKEN`. `CI_JOB_TOKEN` is never used: a job token cannot read
    /// or write issues and labels.
    pub fn from_lookup(
        project: &str,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<GitLabConfig, TrackerError> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let project = parse_project(project)?;
        let api_url = var("GITLAB_API_URL")
            .or_else(|| var("CI_API_V4_URL"))
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .unwrap_or_else(|| DEFAULT_API_URL.into());
        let max_wait = match var("UMD_RELEASE_MAX_WAIT") {
            None => Duration::from_secs(DEFAULT_MAX_WAIT_SECS),
            Some(v) => Duration::from_secs(v.trim().parse().map_err(|_| {
                invalid(format!(
                    "UMD_RELEASE_MAX_WAIT=`{v}` is not a number of seconds (e.g. 120)"
                ))
            })?),
        };
        let token = match TOKEN_VARS.iter().find_map(|n| var(n)) {
            Some(t) => Secret::new(t.trim()),
            None if var("CI_JOB_TOKEN").is_some() => {
                return Err(invalid(format!(
                    "no GitLab token for gitlab:{project}: only CI_JOB_TOKEN is set, and CI_JOB_TOKEN cannot read or write issues and labels\n  create a project access token with the `api` scope (role Reporter or Planner) in {project}'s Settings > Access tokens,\n  store it as a masked CI/CD variable and pass it as UMD_RELEASE_TOKEN"
                )));
            }
            None => {
                return Err(invalid(format!(
                    "no GitLab token for gitlab:{project}\n  set UMD_RELEASE_TOKEN (or GITLAB_TOKEN) to a project access token with the `api` scope (role Reporter or Planner),\n  or a group or personal access token with the `api` scope"
                )));
            }
        };
        Ok(GitLabConfig {
            api_url,
            project,
            token,
            max_wait,
        })
    }
}

/// `GROUP/PROJECT`, subgroups allowed; GitLab path characters only, so the
/// URL-encoded form is the path with `/` as `%2F`.
fn parse_project(path: &str) -> Result<String, TrackerError> {
    let ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && !s.starts_with('-')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    let segments: Vec<&str> = path.split('/').collect();
    if segments.len() >= 2 && segments.iter().all(|s| ok(s)) {
        Ok(path.to_string())
    } else {
        Err(invalid(format!(
            "`{path}` is not a GitLab project: expected GROUP/PROJECT (or GROUP/SUBGROUP/PROJECT), e.g. `gitlab:egi/umd-tracker`"
        )))
    }
}

/// The GitLab name of a core label: `state:x` is the scoped label `state::x`.
pub fn scope(label: &str) -> String {
    for prefix in SCOPED {
        if let Some(rest) = label.strip_prefix(prefix).and_then(|r| r.strip_prefix(':'))
            && !rest.starts_with(':')
        {
            return format!("{prefix}::{rest}");
        }
    }
    label.to_string()
}

/// GitLab's `#RRGGBB` (or `#RGB`) as the core's 6 lowercase hex digits.
fn core_color(color: &str) -> String {
    let c = color.trim().trim_start_matches('#').to_ascii_lowercase();
    if c.len() == 3 && c.bytes().all(|b| b.is_ascii_hexdigit()) {
        return c.chars().flat_map(|ch| [ch, ch]).collect();
    }
    c
}

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
}

impl fmt::Debug for GitLabTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitLabTracker")
            .field("api_url", &self.api_url)
            .field("project", &self.project)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct ApiUser {
    username: String,
}

/// Labels are names, or objects with `with_labels_details=true`.
#[derive(Deserialize)]
#[serde(untagged)]
enum ApiLabelRef {
    Name(String),
    Object { name: String },
}

impl ApiLabelRef {
    fn into_core(self) -> String {
        match self {
            ApiLabelRef::Name(name) | ApiLabelRef::Object { name } => unscope(&name),
        }
    }
}

#[derive(Deserialize)]
struct ApiIssue {
    iid: u64,
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    labels: Vec<ApiLabelRef>,
    state: String,
    #[serde(default)]
    author: Option<ApiUser>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    web_url: String,
}

impl From<ApiIssue> for Issue {
    fn from(i: ApiIssue) -> Issue {
        Issue {
            number: i.iid,
            title: i.title,
            body: i.description.unwrap_or_default(),
            labels: i.labels.into_iter().map(ApiLabelRef::into_core).collect(),
            open: i.state == "opened",
            author: username(i.author),
            created_at: i.created_at,
            updated_at: i.updated_at,
            url: i.web_url,
        }
    }
}

#[derive(Deserialize)]
struct ApiNote {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    author: Option<ApiUser>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    #[serde(default)]
    system: bool,
    #[serde(default)]
    noteable_iid: Option<u64>,
}

impl ApiNote {
    fn into_comment(self, issue: u64) -> Comment {
        Comment {
            id: self.id,
            issue: self.noteable_iid.unwrap_or(issue),
            author: username(self.author),
            body: self.body.unwrap_or_default(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[derive(Deserialize)]
struct ApiLabelEvent {
    id: u64,
    #[serde(default)]
    user: Option<ApiUser>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    /// `null` once the label was deleted.
    #[serde(default)]
    label: Option<ApiLabelRef>,
    action: String,
}

#[derive(Deserialize)]
struct ApiStateEvent {
    id: u64,
    #[serde(default)]
    user: Option<ApiUser>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    state: String,
}

#[derive(Deserialize)]
struct ApiLabel {
    id: u64,
    name: String,
    color: String,
    #[serde(default)]
    description: Option<String>,
    /// `false` for a label inherited from a group.
    #[serde(default)]
    is_project_label: Option<bool>,
}

impl ApiLabel {
    fn to_label(&self) -> Label {
        Label {
            name: unscope(&self.name),
            color: core_color(&self.color),
            description: self.description.clone().unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
struct ApiUserEntry {
    id: u64,
    username: String,
}

#[derive(Deserialize)]
struct ApiMember {
    #[serde(default)]
    access_level: u64,
    /// The user's state: `active`, `blocked`, `deactivated`...
    #[serde(default)]
    state: Option<String>,
    /// `awaiting` while a membership waits for an administrator's approval.
    #[serde(default)]
    membership_state: Option<String>,
}

fn username(user: Option<ApiUser>) -> String {
    user.map_or_else(|| GHOST.into(), |u| u.username)
}

fn invalid(message: impl Into<String>) -> TrackerError {
    TrackerError::Invalid {
        message: message.into(),
    }
}

fn forge(status: Option<u16>, message: impl Into<String>) -> TrackerError {
    TrackerError::Forge {
        status,
        message: message.into(),
    }
}

/// Renames the generic `NotFound` of [`GitLabTracker::send`] to what the caller was after.
fn not_found_as(what: String) -> impl FnOnce(TrackerError) -> TrackerError {
    move |e| match e {
        TrackerError::NotFound { .. } => TrackerError::NotFound { what },
        e => e,
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    header_str(headers, name)?.parse().ok()
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// GitLab's error text: `message` (a string, or field → errors for a
/// validation failure) or `error` (a missing or bad parameter).
fn error_message(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        // A throttled request's body is plain text ("Retry later").
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

/// The error and its sources on one line. reqwest's errors name the URL,
/// which holds no credentials (the token travels in a header).
fn error_chain(e: &dyn std::error::Error) -> String {
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

/// `pq` with its `page` parameter set to `page`.
fn with_page(pq: &str, page: u64) -> String {
    let (path, query) = pq.split_once('?').unwrap_or((pq, ""));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page="))
        .collect();
    let page = format!("page={page}");
    params.push(&page);
    format!("{path}?{}", params.join("&"))
}

/// The `rel="next"` target of a `Link` header, parsed by angle brackets (URLs
/// may hold commas: `labels=a,b`).
fn next_link(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all(http::header::LINK) {
        let mut rest = value.to_str().ok()?;
        while let Some(start) = rest.find('<') {
            let end = start + rest[start..].find('>')?;
            let url = &rest[start + 1..end];
            rest = &rest[end + 1..];
            let params = &rest[..rest.find('<').unwrap_or(rest.len())];
            let is_next = params.split([';', ',']).any(|p| {
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

/// How long a 429 asks us to wait: `Retry-After`, else until `RateLimit-Reset`,
/// else a minute.
fn rate_limit_wait(headers: &HeaderMap) -> u64 {
    if let Some(secs) = header_u64(headers, "retry-after") {
        return secs;
    }
    if let Some(reset) = header_u64(headers, "ratelimit-reset") {
        // +1: the reset second itself may still be limited.
        return reset.saturating_sub(now_epoch()) + 1;
    }
    RATE_LIMIT_DEFAULT_WAIT
}

fn check_labels(labels: &[String]) -> Result<Vec<String>, TrackerError> {
    let mut out: Vec<String> = Vec::new();
    for l in labels {
        if l.trim().is_empty() {
            return Err(invalid("a label name cannot be empty"));
        }
        // GitLab takes label lists comma-separated, and refuses commas in names.
        if l.contains(',') {
            return Err(invalid(format!(
                "label `{l}`: GitLab label names cannot contain a comma"
            )));
        }
        if !out.contains(l) {
            out.push(l.clone());
        }
    }
    Ok(out)
}

fn gitlab_list(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| scope(l))
        .collect::<Vec<_>>()
        .join(",")
}

fn sorted(mut issues: Vec<Issue>) -> Vec<Issue> {
    issues.sort_by_key(|i| i.number);
    // Pages shift when issues are created while we list: drop repeats.
    issues.dedup_by_key(|i| i.number);
    issues
}

/// An answer, whatever its status.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn parse<T: DeserializeOwned>(
    status: StatusCode,
    pq: &str,
    body: &[u8],
) -> Result<T, TrackerError> {
    serde_json::from_slice(body).map_err(|e| {
        forge(
            Some(status.as_u16()),
            format!("{pq}: unexpected response from GitLab: {e}"),
        )
    })
}

/// The level of a GitLab access level: 10 Guest and 15 Planner read, 20
/// Reporter triages, 30 Developer writes, 40 Maintainer maintains, 50 Owner
/// administers; 5 (Minimal Access) and 0 are none.
fn access_level(level: u64) -> Option<PermissionLevel> {
    match level {
        50.. => Some(PermissionLevel::Admin),
        40..50 => Some(PermissionLevel::Maintain),
        30..40 => Some(PermissionLevel::Write),
        20..30 => Some(PermissionLevel::Triage),
        10..20 => Some(PermissionLevel::Read),
        _ => None,
    }
}

/// A 403 that is a missing permission, as [`GitLabTracker::error_for`] words it.
fn refused(e: &TrackerError) -> bool {
    matches!(e, TrackerError::Forge { status: Some(403), message } if message.contains(": permission denied"))
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
            .timeout(Duration::from_secs(60))
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

    /// Sends one request, waiting out rate limits and retrying server errors;
    /// every request goes through here. Returns the final answer whatever its
    /// status, except a redirect; [`GitLabTracker::send`] maps failures to errors.
    fn send_raw(
        &self,
        method: Method,
        pq: &str,
        body: Option<&Value>,
    ) -> Result<Answer, TrackerError> {
        // Every POST here creates something (an issue, a note, a label):
        // retried after a 5xx it might create it twice, as GitLab often did
        // the work before failing. PUTs and GETs are idempotent.
        let creates = method == Method::POST;
        let cap = self.max_wait.as_secs();
        let url = format!("{}{pq}", self.api_url);
        let mut waited = 0u64;
        let (mut server_retries, mut rate_retries) = (0u32, 0u32);
        loop {
            let mut request = self
                .client
                .request(method.clone(), &url)
                .header("PRIVATE-TOKEN", self.token.clone())
                .header(ACCEPT, "application/json")
                .header(
                    USER_AGENT,
                    concat!("umd-release/", env!("CARGO_PKG_VERSION")),
                );
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
            let answer = Answer {
                status,
                headers,
                body: bytes.to_vec(),
            };
            let code = status.as_u16();
            if status.is_redirection() {
                let to = header_str(&answer.headers, "location").unwrap_or("elsewhere");
                return Err(forge(
                    Some(code),
                    format!(
                        "{method} {pq}: GitLab redirects to {to}; the token is not sent after a redirect\n  set GITLAB_API_URL to the API's own address (e.g. https://HOST/api/v4, with https)"
                    ),
                ));
            }
            let wait = if code == 429 {
                let wait = rate_limit_wait(&answer.headers);
                rate_retries += 1;
                if rate_retries > RATE_LIMIT_RETRIES {
                    return Err(forge(
                        Some(code),
                        format!(
                            "GitLab kept rate-limiting {method} {pq} after {RATE_LIMIT_RETRIES} retries; retry later"
                        ),
                    ));
                }
                if waited + wait > cap {
                    return Err(forge(
                        Some(code),
                        format!(
                            "GitLab asked us to wait {wait} s (rate limit), more than the UMD_RELEASE_MAX_WAIT cap of {cap} s; retry later or raise the cap"
                        ),
                    ));
                }
                wait
            } else if status.is_server_error() && !creates {
                let said = or_status(&error_message(&answer.text()), status);
                if server_retries >= SERVER_ERROR_RETRIES {
                    return Err(forge(
                        Some(code),
                        format!(
                            "{method} {pq}: GitLab failed {} times in a row ({said}); retry later",
                            server_retries + 1,
                        ),
                    ));
                }
                let wait = 1u64 << server_retries;
                server_retries += 1;
                if waited + wait > cap {
                    return Err(forge(
                        Some(code),
                        format!(
                            "{method} {pq}: GitLab failed ({said}) and retrying would wait past the UMD_RELEASE_MAX_WAIT cap of {cap} s; retry later or raise the cap"
                        ),
                    ));
                }
                wait
            } else {
                return Ok(answer);
            };
            waited += wait;
            std::thread::sleep(Duration::from_secs(wait));
        }
    }

    /// [`GitLabTracker::send_raw`], with anything but a 2xx as its [`TrackerError`].
    fn send(&self, method: Method, pq: &str, body: Option<&Value>) -> Result<Answer, TrackerError> {
        let answer = self.send_raw(method.clone(), pq, body)?;
        if answer.status.is_success() {
            return Ok(answer);
        }
        let message = error_message(&answer.text());
        Err(self.error_for(&method, pq, answer.status.as_u16(), &message))
    }

    /// The error for a failed request that is not worth retrying.
    fn error_for(&self, method: &Method, pq: &str, code: u16, message: &str) -> TrackerError {
        let project = &self.project;
        let said = if message.is_empty() {
            String::new()
        } else {
            format!(" ({message})")
        };
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
            403 => forge(
                Some(403),
                format!(
                    "{method} {pq}: permission denied{said}\n  the token needs the `api` scope and at least the Reporter (or Planner) role on {project}"
                ),
            ),
            404 => TrackerError::NotFound {
                what: format!("`{pq}` in {project} (or the token cannot see {project})"),
            },
            400 | 409 | 422 => invalid(format!(
                "GitLab rejected {method} {pq} ({code}): {}",
                if message.is_empty() {
                    "invalid request"
                } else {
                    message
                }
            )),
            _ => forge(Some(code), format!("{method} {pq}{said}")),
        }
    }

    fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        pq: &str,
        body: Option<&Value>,
    ) -> Result<T, TrackerError> {
        let answer = self.send(method, pq, body)?;
        parse(answer.status, pq, &answer.body)
    }

    /// Every page of a list: `x-next-page` (GitLab's offset pagination), or a
    /// `Link: rel="next"` on the same API when that header is absent.
    fn get_all<T: DeserializeOwned>(&self, first: &str) -> Result<Vec<T>, TrackerError> {
        let mut out = Vec::new();
        let mut pq = first.to_string();
        let mut page = 1u64;
        loop {
            let answer = self.send(Method::GET, &pq, None)?;
            out.extend(parse::<Vec<T>>(answer.status, &pq, &answer.body)?);
            let next = match header_str(&answer.headers, "x-next-page") {
                // Pages only move forward: a server repeating one would loop forever.
                Some(n) => match n.parse::<u64>() {
                    Ok(n) if n > page => {
                        page = n;
                        Some(with_page(&pq, n))
                    }
                    _ => None,
                },
                None => next_link(&answer.headers)
                    .and_then(|url| url.strip_prefix(&self.api_url).map(String::from))
                    .filter(|next| next.starts_with('/') && *next != pq),
            };
            match next {
                Some(next) => pq = next,
                None => return Ok(out),
            }
        }
    }

    /// The user id of `login`, `None` if GitLab has no such user; asked once per process.
    fn user_id(&self, login: &str) -> Result<Option<u64>, TrackerError> {
        let key = login.to_ascii_lowercase();
        if let Some(id) = self.memory().user_ids.get(&key) {
            return Ok(*id);
        }
        let pq = format!("/users?username={}", encode(login));
        let users: Vec<ApiUserEntry> = self.send_json(Method::GET, &pq, None)?;
        let id = users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(login))
            .map(|u| u.id);
        self.memory().user_ids.insert(key, id);
        Ok(id)
    }

    /// `Some(member)` or `None` for a 404 that is about the member; a 404
    /// about `what` itself (a group or project GitLab does not show) is an error.
    fn member(&self, pq: &str, what: &str) -> Result<Option<ApiMember>, TrackerError> {
        let answer = self.send_raw(Method::GET, pq, None)?;
        match answer.status.as_u16() {
            200..=299 => parse(answer.status, pq, &answer.body).map(Some),
            404 => {
                let message = error_message(&answer.text());
                if message.contains("Group Not Found") || message.contains("Project Not Found") {
                    Err(TrackerError::NotFound {
                        what: format!("{what} (or the token cannot see it)"),
                    })
                } else {
                    Ok(None)
                }
            }
            code => Err(self.error_for(&Method::GET, pq, code, &error_message(&answer.text()))),
        }
    }

    /// The PUT of a note's body through its issue.
    fn put_note(&self, issue: u64, id: u64, body: &str) -> Result<Comment, TrackerError> {
        let pq = format!("{}/notes/{id}", self.issue_path(issue));
        let note: ApiNote = self.send_json(Method::PUT, &pq, Some(&json!({ "body": body })))?;
        Ok(note.into_comment(issue))
    }
}

fn or_status(message: &str, status: StatusCode) -> String {
    if message.is_empty() {
        format!("HTTP {}", status.as_u16())
    } else {
        format!("HTTP {}: {message}", status.as_u16())
    }
}

impl Tracker for GitLabTracker {
    fn describe(&self) -> String {
        format!("gitlab:{}", self.project)
    }

    fn list_issues(
        &self,
        label: Option<&str>,
        open_only: bool,
    ) -> Result<Vec<Issue>, TrackerError> {
        let state = if open_only { "opened" } else { "all" };
        let mut pq = format!(
            "{}/issues?state={state}&order_by=created_at&sort=asc&per_page={PER_PAGE}",
            self.project_path()
        );
        // GitLab splits `labels` on commas, so such a label is filtered here only.
        if let Some(l) = label.filter(|l| !l.contains(',')) {
            pq.push_str(&format!("&labels={}", encode(&scope(l))));
        }
        let items: Vec<ApiIssue> = self
            .get_all(&pq)
            .map_err(not_found_as(self.project_what()))?;
        let issues = items
            .into_iter()
            .map(Issue::from)
            .filter(|i| label.is_none_or(|l| i.labels.iter().any(|x| x == l)))
            .filter(|i| !open_only || i.open)
            .collect();
        Ok(sorted(issues))
    }

    /// GitLab's `search` matches words of the title and description; the exact
    /// substring is checked here, as the local tracker would.
    fn search_issues(&self, text: &str) -> Result<Vec<Issue>, TrackerError> {
        if text.trim().is_empty() {
            return self.list_issues(None, false);
        }
        let pq = format!(
            "{}/issues?state=all&search={}&in=description&order_by=created_at&sort=asc&per_page={PER_PAGE}",
            self.project_path(),
            encode(text.trim())
        );
        let items: Vec<ApiIssue> = self
            .get_all(&pq)
            .map_err(not_found_as(self.project_what()))?;
        let issues = items
            .into_iter()
            .map(Issue::from)
            .filter(|i| i.body.contains(text))
            .collect();
        Ok(sorted(issues))
    }

    /// From the default branch (`ref=HEAD`), raw. A file that is not there is
    /// `None`; a project GitLab does not show is an error, so that a token
    /// that cannot read the repository does not look like an unregistered product.
    fn read_file(&self, path: &str) -> Result<Option<String>, TrackerError> {
        super::plain_path(path)?;
        let pq = format!(
            "{}/repository/files/{}/raw?ref=HEAD",
            self.project_path(),
            encode(path)
        );
        let answer = self.send_raw(Method::GET, &pq, None)?;
        match answer.status.as_u16() {
            200..=299 => String::from_utf8(answer.body)
                .map(Some)
                .map_err(|_| invalid(format!("`{path}` in {} is not UTF-8 text", self.project))),
            404 if error_message(&answer.text()).contains("Project Not Found") => {
                Err(TrackerError::NotFound {
                    what: self.project_what(),
                })
            }
            404 => Ok(None),
            code => Err(self.error_for(&Method::GET, &pq, code, &error_message(&answer.text()))),
        }
    }

    fn get_issue(&self, number: u64) -> Result<Issue, TrackerError> {
        let issue: ApiIssue = self
            .send_json(Method::GET, &self.issue_path(number), None)
            .map_err(not_found_as(self.issue_what(number)))?;
        Ok(issue.into())
    }

    /// The actor is whoever owns the token: GitLab records that, not `actor`.
    fn create_issue(
        &self,
        actor: &str,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Issue, TrackerError> {
        if title.trim().is_empty() {
            return Err(invalid("an issue title cannot be empty"));
        }
        let labels = check_labels(labels)?;
        let pq = format!("{}/issues", self.project_path());
        // Labels in the same request: the issue never exists unlabelled.
        let request =
            json!({ "title": title, "description": body, "labels": gitlab_list(&labels) });
        let api: ApiIssue = self
            .send_json(Method::POST, &pq, Some(&request))
            .map_err(not_found_as(self.project_what()))?;
        let mut issue = Issue::from(api);
        // GitLab drops labels set by a Guest; adding them now either succeeds
        // or fails with a clear 403.
        if labels.iter().any(|l| !issue.labels.contains(l)) {
            issue.labels = self.add_labels(actor, issue.number, &labels)?;
        }
        Ok(issue)
    }

    /// PUTs what is `Some`; GitLab changes nothing (no `updated_at`, no
    /// system note) for values an issue already has, so re-runs stay harmless.
    fn update_issue(
        &self,
        _actor: &str,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
        open: Option<bool>,
    ) -> Result<Issue, TrackerError> {
        if title.is_some_and(|t| t.trim().is_empty()) {
            return Err(invalid("an issue title cannot be empty"));
        }
        if title.is_none() && body.is_none() && open.is_none() {
            return self.get_issue(number);
        }
        let mut put = serde_json::Map::new();
        if let Some(t) = title {
            put.insert("title".into(), t.into());
        }
        if let Some(b) = body {
            put.insert("description".into(), b.into());
        }
        if let Some(o) = open {
            put.insert(
                "state_event".into(),
                if o { "reopen" } else { "close" }.into(),
            );
        }
        let issue: ApiIssue = self
            .send_json(
                Method::PUT,
                &self.issue_path(number),
                Some(&Value::Object(put)),
            )
            .map_err(not_found_as(self.issue_what(number)))?;
        Ok(issue.into())
    }

    fn add_labels(
        &self,
        _actor: &str,
        number: u64,
        labels: &[String],
    ) -> Result<Vec<String>, TrackerError> {
        let labels = check_labels(labels)?;
        if labels.is_empty() {
            return Ok(self.get_issue(number)?.labels);
        }
        let issue: ApiIssue = self
            .send_json(
                Method::PUT,
                &self.issue_path(number),
                Some(&json!({ "add_labels": gitlab_list(&labels) })),
            )
            .map_err(not_found_as(self.issue_what(number)))?;
        Ok(Issue::from(issue).labels)
    }

    /// GitLab removes an absent label without a word, so the issue is read
    /// first to answer `NotFound` as the trait asks.
    fn remove_label(
        &self,
        _actor: &str,
        number: u64,
        label: &str,
    ) -> Result<Vec<String>, TrackerError> {
        let current = self.get_issue(number)?;
        if !current.labels.iter().any(|l| l == label) {
            return Err(TrackerError::NotFound {
                what: format!("label `{label}` on {}", self.issue_what(number)),
            });
        }
        let issue: ApiIssue = self
            .send_json(
                Method::PUT,
                &self.issue_path(number),
                Some(&json!({ "remove_labels": scope(label) })),
            )
            .map_err(not_found_as(self.issue_what(number)))?;
        Ok(Issue::from(issue).labels)
    }

    /// Notes oldest first (GitLab's default is newest first), without system notes.
    fn list_comments(&self, number: u64) -> Result<Vec<Comment>, TrackerError> {
        let pq = format!(
            "{}/notes?sort=asc&order_by=created_at&per_page={PER_PAGE}",
            self.issue_path(number)
        );
        let notes: Vec<ApiNote> = self
            .get_all(&pq)
            .map_err(not_found_as(self.issue_what(number)))?;
        let comments: Vec<Comment> = notes
            .into_iter()
            .filter(|n| !n.system)
            .map(|n| n.into_comment(number))
            .collect();
        Ok(comments)
    }

    fn create_comment(
        &self,
        _actor: &str,
        number: u64,
        body: &str,
    ) -> Result<Comment, TrackerError> {
        let pq = format!("{}/notes", self.issue_path(number));
        let answer = self
            .send(Method::POST, &pq, Some(&json!({ "body": body })))
            .map_err(not_found_as(self.issue_what(number)))?;
        // 202: the body held only quick actions, which GitLab ran instead of
        // keeping a note.
        if answer.status == StatusCode::ACCEPTED {
            return Err(forge(
                Some(202),
                format!(
                    "POST {pq}: GitLab ran the comment as quick actions and kept no note (a line starting with `/`)"
                ),
            ));
        }
        let note: ApiNote = parse(answer.status, &pq, &answer.body)?;
        Ok(note.into_comment(number))
    }

    /// GitLab reaches a note only through its issue, which the caller names.
    /// A note that is gone (or on another issue) is `NotFound`, which the core
    /// answers by posting a new comment, as for one deleted by hand.
    fn update_comment(
        &self,
        _actor: &str,
        issue: u64,
        id: u64,
        body: &str,
    ) -> Result<Comment, TrackerError> {
        self.put_note(issue, id, body)
    }

    /// `Opened` is made from the issue itself, with id 0; labels from
    /// `resource_label_events`, closing and reopening from
    /// `resource_state_events` (GitLab 13.2 and later; absent before, then skipped).
    /// The two kinds are numbered apart by GitLab, so ids may repeat across kinds.
    fn list_events(&self, number: u64) -> Result<Vec<Event>, TrackerError> {
        let issue = self.get_issue(number)?;
        let base = self.issue_path(number);
        let labels: Vec<ApiLabelEvent> = self
            .get_all(&format!("{base}/resource_label_events?per_page={PER_PAGE}"))
            .map_err(not_found_as(self.issue_what(number)))?;
        let states: Vec<ApiStateEvent> =
            match self.get_all(&format!("{base}/resource_state_events?per_page={PER_PAGE}")) {
                Ok(s) => s,
                Err(TrackerError::NotFound { .. }) => Vec::new(),
                Err(e) => return Err(e),
            };
        let mut events = Vec::new();
        for e in labels {
            let label = e.label.map(ApiLabelRef::into_core).unwrap_or_default();
            let kind = match e.action.as_str() {
                "add" => EventKind::Labeled { label },
                "remove" => EventKind::Unlabeled { label },
                _ => continue,
            };
            events.push(Event {
                id: e.id,
                issue: number,
                actor: username(e.user),
                kind,
                at: e.created_at,
            });
        }
        for e in states {
            let kind = match e.state.as_str() {
                "closed" => EventKind::Closed,
                "reopened" => EventKind::Reopened,
                _ => continue,
            };
            events.push(Event {
                id: e.id,
                issue: number,
                actor: username(e.user),
                kind,
                at: e.created_at,
            });
        }
        // Stable: events of one instant keep labels before states, each in GitLab's order.
        events.sort_by_key(|e| e.at);
        events.insert(
            0,
            Event {
                id: 0,
                issue: number,
                actor: issue.author,
                kind: EventKind::Opened,
                at: issue.created_at,
            },
        );
        Ok(events)
    }

    /// The project's labels and those it inherits from its groups.
    fn list_labels(&self) -> Result<Vec<Label>, TrackerError> {
        let pq = format!("{}/labels?per_page={PER_PAGE}", self.project_path());
        let items: Vec<ApiLabel> = self
            .get_all(&pq)
            .map_err(not_found_as(self.project_what()))?;
        Ok(items.iter().map(ApiLabel::to_label).collect())
    }

    /// Found by `search` (one short list; a title in the path would meet
    /// GitLab's format suffixes, `.json`), changed by id.
    fn ensure_label(&self, label: &Label) -> Result<bool, TrackerError> {
        if label.name.trim().is_empty() {
            return Err(invalid("a label name cannot be empty"));
        }
        check_labels(std::slice::from_ref(&label.name))?;
        if label.color.len() != 6 || !label.color.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(format!(
                "label `{}`: colour `{}` is not 6 hex digits (e.g. `0e8a16`, without `#`)",
                label.name, label.color
            )));
        }
        let wanted = Label {
            color: label.color.to_ascii_lowercase(),
            ..label.clone()
        };
        let name = scope(&wanted.name);
        let labels_pq = format!("{}/labels", self.project_path());
        // Twice at most: a label created meanwhile by someone else (409) is then compared.
        for _ in 0..2 {
            let pq = format!("{labels_pq}?search={}&per_page={PER_PAGE}", encode(&name));
            let found: Vec<ApiLabel> = self
                .get_all(&pq)
                .map_err(not_found_as(self.project_what()))?;
            let Some(current) = found.into_iter().find(|l| l.name == name) else {
                let body = json!({
                    "name": name,
                    "color": format!("#{}", wanted.color),
                    "description": wanted.description,
                });
                match self.send(Method::POST, &labels_pq, Some(&body)) {
                    Ok(_) => return Ok(true),
                    Err(TrackerError::Invalid { message }) if message.contains("(409)") => continue,
                    Err(e) => return Err(not_found_as(self.project_what())(e)),
                }
            };
            if current.to_label() == wanted {
                return Ok(false);
            }
            if current.is_project_label == Some(false) {
                return Err(invalid(format!(
                    "label `{name}` is a group label of {}'s group: change its colour or description in the group's labels (a project token cannot)",
                    self.project
                )));
            }
            let body = json!({
                "color": format!("#{}", wanted.color),
                "description": wanted.description,
            });
            self.send(
                Method::PUT,
                &format!("{labels_pq}/{}", current.id),
                Some(&body),
            )?;
            return Ok(true);
        }
        Err(forge(
            None,
            format!("label `{name}`: created by someone else meanwhile, and then not found; retry"),
        ))
    }

    /// `@ORG/TEAM` is the GitLab group `ORG/TEAM` (a subgroup); its members
    /// include those inherited from parent groups, as GitLab grants them
    /// access. An unknown user, a non-member, a blocked user, a membership
    /// awaiting approval and Minimal Access grant nothing.
    fn team_member(&self, org: &str, team: &str, login: &str) -> Result<bool, TrackerError> {
        if [org, team, login].iter().any(|s| s.trim().is_empty()) {
            return Ok(false);
        }
        let Some(user) = self.user_id(login)? else {
            return Ok(false);
        };
        let group = format!("{org}/{team}");
        let pq = format!("/groups/{}/members/all/{user}", encode(&group));
        match self.member(&pq, &format!("GitLab group {group}")) {
            Ok(member) => Ok(member.is_some_and(|m| {
                m.access_level >= 10
                    && m.state.as_deref().is_none_or(|s| s == "active")
                    && m.membership_state.as_deref().is_none_or(|s| s == "active")
            })),
            Err(TrackerError::NotFound { what }) => Err(TrackerError::NotFound {
                what: format!(
                    "{what}: a project access token sees only its project; use a group access token, or list logins in tracker.yaml"
                ),
            }),
            Err(e) if refused(&e) => Err(forge(
                Some(403),
                format!(
                    "GET {pq}: permission denied: the token cannot read the members of group {group}\n  use a group access token with the `api` scope, or list logins in tracker.yaml instead"
                ),
            )),
            Err(e) => Err(e),
        }
    }

    /// From the member's access level on the project, inherited ones included.
    fn permission(&self, login: &str) -> Result<Option<PermissionLevel>, TrackerError> {
        if login.trim().is_empty() {
            return Ok(None);
        }
        let Some(user) = self.user_id(login)? else {
            return Ok(None);
        };
        let pq = format!("{}/members/all/{user}", self.project_path());
        match self.member(&pq, &format!("project {}", self.project)) {
            Ok(member) => Ok(member
                .filter(|m| m.state.as_deref().is_none_or(|s| s == "active"))
                .filter(|m| m.membership_state.as_deref().is_none_or(|s| s == "active"))
                .and_then(|m| access_level(m.access_level))),
            Err(e) if refused(&e) => Err(forge(
                Some(403),
                format!(
                    "GET {pq}: permission denied: the token cannot read the members of {project}\n  give the token the Reporter role or higher, or list logins in tracker.yaml instead",
                    project = self.project
                ),
            )),
            Err(e) => Err(e),
        }
    }
}

// ---------------------------------------------------------------- intake

/// The most a downloaded package may weigh when GitLab reports no size for it.
const MAX_DOWNLOAD_BYTES: u64 = 2 << 30;
/// Redirects a download follows (GitLab's object storage answers with one).
const MAX_REDIRECTS: usize = 5;

/// A release as `GET /projects/:id/releases` lists it.
#[derive(Deserialize)]
struct ApiRelease {
    /// Absent when the token cannot read the repository's code.
    #[serde(default)]
    tag_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    upcoming_release: Option<bool>,
    #[serde(default)]
    assets: Option<ApiReleaseAssets>,
    #[serde(default, rename = "_links")]
    links: Option<ApiReleaseUrls>,
}

#[derive(Deserialize)]
struct ApiReleaseAssets {
    #[serde(default)]
    links: Option<Vec<ApiReleaseLink>>,
}

#[derive(Deserialize)]
struct ApiReleaseUrls {
    #[serde(default, rename = "self")]
    self_url: Option<String>,
}

/// A release link: `name` is free text, `url` where the file is,
/// `direct_asset_url` GitLab's permanent link to it (the same as `url` when
/// the link has no `filepath`).
#[derive(Deserialize)]
struct ApiReleaseLink {
    id: u64,
    name: String,
    url: String,
    #[serde(default)]
    direct_asset_url: Option<String>,
}

#[derive(Deserialize)]
struct ApiPackage {
    id: u64,
    name: String,
    #[serde(default)]
    version: Option<String>,
    package_type: String,
    /// `default`, `hidden`, `processing`, `error`, `pending_destruction`,
    /// `deprecated` (absent before GitLab 13.x).
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct ApiPackageFile {
    id: u64,
    file_name: String,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    file_sha256: Option<String>,
}

/// A file of the generic package registry, as a download URL names it:
/// `API/projects/:id/packages/generic/:name/:version/:file`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct GenericFile {
    /// The project as the URL gives it, still percent-encoded (`24`, `g%2Fp`).
    project: String,
    name: String,
    version: String,
    file: String,
}

/// Percent-decodes a URL path segment.
fn pct_decode(s: &str) -> String {
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

/// `url` without its query and fragment: a pre-signed object-storage URL
/// carries its signature there, which no message should show.
fn shown(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// The file a release link stands for: its name when that is a package file
/// name (`x-1.0-1.el9.noarch.rpm`), else the last segment of its URL. Names
/// that are neither stay as they are and are not taken as packages.
fn link_file_name(name: &str, urls: &[&str]) -> String {
    let package =
        |n: &str| crate::intake::safe_file_name(n) && (n.ends_with(".rpm") || n.ends_with(".deb"));
    if package(name.trim()) {
        return name.trim().to_string();
    }
    for url in urls {
        if let Ok(u) = reqwest::Url::parse(url)
            && let Some(last) = u.path_segments().and_then(|mut s| s.next_back())
        {
            let last = pct_decode(last);
            if package(&last) {
                return last;
            }
        }
    }
    name.to_string()
}

impl GitLabTracker {
    /// The releases of this project, newest first (`released_at`; one page of
    /// 100), their links as assets without a digest: see
    /// [`GitLabTracker::with_registry_packages`]. A release still upcoming
    /// (`released_at` in the future) is a draft until that date.
    ///
    /// Unlike GitHub's, this listing is not conditional: GitLab's REST API
    /// sends weak ETags but ignores `If-None-Match` on API calls
    /// (gitlab-org/gitlab#14357), and counts every request against its rate
    /// limits, a 304 included.
    pub fn releases(&self) -> Result<Vec<crate::intake::RemoteRelease>, TrackerError> {
        let pq = format!("{}/releases?per_page={PER_PAGE}", self.project_path());
        let list: Vec<ApiRelease> = self
            .send_json(Method::GET, &pq, None)
            .map_err(not_found_as(self.project_what()))?;
        list.into_iter().map(|r| self.remote_release(r)).collect()
    }

    fn remote_release(&self, r: ApiRelease) -> Result<crate::intake::RemoteRelease, TrackerError> {
        let Some(tag) = r.tag_name.filter(|t| !t.is_empty()) else {
            return Err(forge(
                Some(403),
                format!(
                    "GitLab hides the tags of {}'s releases from this token: it cannot read the repository\n  use a token that can read {} (at least the Reporter role on a private project)",
                    self.project, self.project
                ),
            ));
        };
        let links = r.assets.and_then(|a| a.links).unwrap_or_default();
        Ok(crate::intake::RemoteRelease {
            // GitLab's releases API shows no release id.
            id: 0,
            tag,
            html_url: r.links.and_then(|l| l.self_url).unwrap_or_default(),
            body: r.description.unwrap_or_default(),
            draft: r.upcoming_release.unwrap_or(false),
            prerelease: false,
            assets: links.into_iter().map(|l| self.link_asset(l)).collect(),
        })
    }

    fn link_asset(&self, l: ApiReleaseLink) -> crate::intake::RemoteAsset {
        let direct = l.direct_asset_url.filter(|u| !u.trim().is_empty());
        let name = match self.generic_file(&l.url) {
            Some(g) => g.file,
            None => link_file_name(&l.name, &[&l.url, direct.as_deref().unwrap_or("")]),
        };
        crate::intake::RemoteAsset {
            id: l.id,
            name,
            size: 0,
            digest: None,
            browser_download_url: direct.unwrap_or_else(|| l.url.clone()),
            url: l.url,
        }
    }

    /// The generic package file `url` downloads, when it is one on this
    /// GitLab (`API/projects/:id/packages/generic/:name/:version/:file`).
    fn generic_file(&self, url: &str) -> Option<GenericFile> {
        let api = reqwest::Url::parse(&self.api_url).ok()?;
        let u = reqwest::Url::parse(url).ok()?;
        if u.origin() != api.origin() {
            return None;
        }
        let rest = u
            .path()
            .strip_prefix(api.path().trim_end_matches('/'))?
            .strip_prefix("/projects/")?;
        let segs: Vec<&str> = rest.split('/').collect();
        let [project, "packages", "generic", name, version, file] = segs[..] else {
            return None;
        };
        let project_ok = !project.is_empty()
            && project
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"%._-".contains(&b));
        let (name, version, file) = (pct_decode(name), pct_decode(version), pct_decode(file));
        (project_ok && [&name, &version, &file].iter().all(|s| !s.is_empty())).then(|| {
            GenericFile {
                project: project.to_string(),
                name,
                version,
                file,
            }
        })
    }

    /// The download URL of a generic package file of this project.
    fn generic_url(&self, project: &str, name: &str, version: &str, file: &str) -> String {
        format!(
            "{}/projects/{project}/packages/generic/{}/{}/{}",
            self.api_url,
            encode(name),
            encode(version),
            encode(file)
        )
    }

    /// The files of the generic packages of `project` (as a URL gives it)
    /// with this version (and name), the newest upload of each file name only,
    /// as the registry's download endpoint serves it.
    fn generic_files(
        &self,
        project: &str,
        name: Option<&str>,
        version: &str,
    ) -> Result<Vec<(String, ApiPackageFile)>, TrackerError> {
        // `package_version` filters since GitLab 16.6 and is ignored before,
        // and `package_name` is a fuzzy search: both are checked here too.
        let mut pq = format!(
            "/projects/{project}/packages?package_type=generic&package_version={}&per_page={PER_PAGE}",
            encode(version)
        );
        if let Some(n) = name {
            pq.push_str(&format!("&package_name={}", encode(n)));
        }
        let packages: Vec<ApiPackage> = self.get_all(&pq).map_err(not_found_as(format!(
            "project {} (or the token cannot see it)",
            pct_decode(project)
        )))?;
        let mut newest: Vec<(String, ApiPackageFile)> = Vec::new();
        for p in packages.into_iter().filter(|p| {
            p.package_type == "generic"
                && p.version.as_deref() == Some(version)
                && name.is_none_or(|n| p.name == n)
                && !matches!(
                    p.status.as_deref(),
                    Some("processing" | "error" | "pending_destruction")
                )
        }) {
            let pq = format!(
                "/projects/{project}/packages/{}/package_files?per_page={PER_PAGE}",
                p.id
            );
            let files: Vec<ApiPackageFile> = self.get_all(&pq)?;
            for f in files {
                match newest
                    .iter_mut()
                    .find(|(n, g)| *n == p.name && g.file_name == f.file_name)
                {
                    Some((_, g)) if g.id >= f.id => {}
                    Some(slot) => slot.1 = f,
                    None => newest.push((p.name.clone(), f)),
                }
            }
        }
        Ok(newest)
    }

    /// `release` with its packages from GitLab's generic package registry.
    /// When the release links packages (`.rpm`, `.deb`), those are its
    /// packages, and the links into the registry get the registry's
    /// `file_sha256` and size, so that the download is verified; links
    /// elsewhere have no digest. A release that links no package gets the
    /// generic packages of its version instead (the tag without its `v`, else
    /// the tag), every file with its sha256.
    pub fn with_registry_packages(
        &self,
        release: &crate::intake::RemoteRelease,
    ) -> Result<crate::intake::RemoteRelease, TrackerError> {
        let mut out = release.clone();
        if out.assets.iter().any(|a| a.is_package()) {
            let mut listed: HashMap<(String, String, String), Vec<(String, ApiPackageFile)>> =
                HashMap::new();
            for asset in out.assets.iter_mut().filter(|a| a.is_package()) {
                let Some(g) = self.generic_file(&asset.url) else {
                    continue;
                };
                let key = (g.project.clone(), g.name.clone(), g.version.clone());
                if !listed.contains_key(&key) {
                    let files = self.generic_files(&g.project, Some(&g.name), &g.version)?;
                    listed.insert(key.clone(), files);
                }
                let Some((_, f)) = listed[&key].iter().find(|(_, f)| f.file_name == g.file) else {
                    return Err(invalid(format!(
                        "release {} links `{}` to the generic package file {}/{}/{}, which the package registry does not hold",
                        release.tag, asset.name, g.name, g.version, g.file
                    )));
                };
                asset.id = f.id;
                asset.size = f.size;
                asset.digest = f
                    .file_sha256
                    .as_deref()
                    .map(|h| format!("sha256:{}", h.trim().to_ascii_lowercase()));
            }
            return Ok(out);
        }
        for version in crate::intake::registry_versions(&release.tag) {
            let files = self.generic_files(&self.project_id, None, &version)?;
            if files.is_empty() {
                continue;
            }
            for (package, f) in files {
                let url = self.generic_url(&self.project_id, &package, &version, &f.file_name);
                out.assets.push(crate::intake::RemoteAsset {
                    id: f.id,
                    name: f.file_name,
                    size: f.size,
                    digest: f
                        .file_sha256
                        .as_deref()
                        .map(|h| format!("sha256:{}", h.trim().to_ascii_lowercase())),
                    browser_download_url: url.clone(),
                    url,
                });
            }
            break;
        }
        Ok(out)
    }

    /// A file of this project's repository at `git_ref` (a tag; the default
    /// branch when `None`), raw; `None` when the file is not there. A project
    /// GitLab does not show is an error.
    pub fn file_at(
        &self,
        path: &str,
        git_ref: Option<&str>,
    ) -> Result<Option<String>, TrackerError> {
        super::plain_path(path)?;
        let pq = format!(
            "{}/repository/files/{}/raw?ref={}",
            self.project_path(),
            encode(path),
            encode(git_ref.unwrap_or("HEAD"))
        );
        let answer = self.send_raw(Method::GET, &pq, None)?;
        match answer.status.as_u16() {
            200..=299 => String::from_utf8(answer.body)
                .map(Some)
                .map_err(|_| invalid(format!("`{path}` in {} is not UTF-8 text", self.project))),
            404 if error_message(&answer.text()).contains("Project Not Found") => {
                Err(TrackerError::NotFound {
                    what: self.project_what(),
                })
            }
            404 => Ok(None),
            code => Err(self.error_for(&Method::GET, &pq, code, &error_message(&answer.text()))),
        }
    }

    /// Downloads a release asset into `to`, returning the sha256 of what was
    /// written. The token goes only to this GitLab (same scheme, host and
    /// port as the API); a link to another host, or a redirect to one (the
    /// registry's object storage), is fetched without it. Redirects are
    /// followed by hand, never from https to http. A download larger than the
    /// size GitLab reports (else than 2 GiB) is refused.
    pub fn download(
        &self,
        asset: &crate::intake::RemoteAsset,
        to: &std::path::Path,
    ) -> Result<String, TrackerError> {
        let api = reqwest::Url::parse(&self.api_url)
            .map_err(|_| invalid(format!("GITLAB_API_URL `{}` is not a URL", self.api_url)))?;
        let mut url = reqwest::Url::parse(&asset.url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                invalid(format!(
                    "`{}` links to `{}`, which is not an http(s) address",
                    asset.name, asset.url
                ))
            })?;
        if asset.size > MAX_DOWNLOAD_BYTES {
            return Err(invalid(format!(
                "`{}` weighs {} bytes, more than the {MAX_DOWNLOAD_BYTES} a package may",
                asset.name, asset.size
            )));
        }
        let mut hops = 0;
        let response = loop {
            let response = self.fetch(&url, url.origin() == api.origin(), &asset.name)?;
            if !response.status().is_redirection() {
                break response;
            }
            hops += 1;
            let next = header_str(response.headers(), "location")
                .and_then(|l| url.join(l).ok())
                .filter(|n| matches!(n.scheme(), "http" | "https"));
            let Some(next) = next else {
                return Err(forge(
                    Some(response.status().as_u16()),
                    format!("GET {}: a redirect without a usable Location", shown(&url)),
                ));
            };
            if hops > MAX_REDIRECTS {
                return Err(forge(
                    None,
                    format!("GET {}: more than {MAX_REDIRECTS} redirects", shown(&url)),
                ));
            }
            if url.scheme() == "https" && next.scheme() == "http" {
                return Err(forge(
                    None,
                    format!(
                        "GET {}: redirected from https to http ({}); refused",
                        shown(&url),
                        shown(&next)
                    ),
                ));
            }
            url = next;
        };
        let limit = if asset.size > 0 {
            asset.size
        } else {
            MAX_DOWNLOAD_BYTES
        };
        let too_large = || {
            if asset.size > 0 {
                invalid(format!(
                    "`{}`: the download is larger than the {} bytes GitLab reports; the file was altered",
                    asset.name, asset.size
                ))
            } else {
                invalid(format!(
                    "`{}`: the download is larger than {MAX_DOWNLOAD_BYTES} bytes, the most a package may weigh",
                    asset.name
                ))
            }
        };
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let written = self.stream_to(response, to, limit, &url, too_large);
        if written.is_err() {
            let _ = std::fs::remove_file(to);
        }
        written
    }

    /// The body of `response` into `to`, at most `limit` bytes, hashed.
    fn stream_to(
        &self,
        mut response: reqwest::blocking::Response,
        to: &std::path::Path,
        limit: u64,
        url: &reqwest::Url,
        too_large: impl Fn() -> TrackerError,
    ) -> Result<String, TrackerError> {
        use sha2::Digest;
        use std::io::{Read, Write};
        let io_err = |source| TrackerError::Io {
            path: to.to_path_buf(),
            source,
        };
        let mut out = std::io::BufWriter::new(std::fs::File::create(to).map_err(io_err)?);
        let mut hash = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            let n = response.read(&mut buf).map_err(|e| {
                forge(
                    None,
                    format!("GET {}: reading the download: {e}", shown(url)),
                )
            })?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > limit {
                return Err(too_large());
            }
            hash.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(io_err)?;
        }
        out.flush().map_err(io_err)?;
        Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }

    /// One GET of a download, with the token only when `ours`; rate limits
    /// and server errors are waited out as for the API. A 2xx or a redirect
    /// is returned, its body unread.
    fn fetch(
        &self,
        url: &reqwest::Url,
        ours: bool,
        name: &str,
    ) -> Result<reqwest::blocking::Response, TrackerError> {
        let cap = self.max_wait.as_secs();
        let mut waited = 0u64;
        let (mut server_retries, mut rate_retries) = (0u32, 0u32);
        loop {
            let mut request = self.client.get(url.clone()).header(ACCEPT, "*/*").header(
                USER_AGENT,
                concat!("umd-release/", env!("CARGO_PKG_VERSION")),
            );
            if ours {
                request = request.header("PRIVATE-TOKEN", self.token.clone());
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            let response = request.send().map_err(|e| {
                forge(
                    None,
                    format!(
                        "GET {}: cannot download `{name}`: {}\n  check the network",
                        shown(url),
                        error_chain(&e.without_url())
                    ),
                )
            })?;
            let status = response.status();
            if status.is_success() || status.is_redirection() {
                return Ok(response);
            }
            let code = status.as_u16();
            let headers = response.headers().clone();
            let text = response.text().unwrap_or_default();
            let wait = if code == 429 && rate_retries < RATE_LIMIT_RETRIES {
                rate_retries += 1;
                rate_limit_wait(&headers)
            } else if status.is_server_error() && server_retries < SERVER_ERROR_RETRIES {
                server_retries += 1;
                1u64 << (server_retries - 1)
            } else {
                0
            };
            if wait > 0 && waited + wait <= cap {
                waited += wait;
                std::thread::sleep(Duration::from_secs(wait));
                continue;
            }
            if ours {
                // As the API's errors name it: the path below the API's base.
                let base = reqwest::Url::parse(&self.api_url)
                    .map(|a| a.path().trim_end_matches('/').to_string())
                    .unwrap_or_default();
                let path = url.path();
                let pq = path.strip_prefix(base.as_str()).unwrap_or(path);
                return Err(self.error_for(&Method::GET, pq, code, &error_message(&text)));
            }
            return Err(match code {
                404 | 410 => TrackerError::NotFound {
                    what: format!("`{name}` at {}", shown(url)),
                },
                _ => forge(
                    Some(code),
                    format!("GET {}: cannot download `{name}` (HTTP {code})", shown(url)),
                ),
            });
        }
    }
}

#[cfg(test)]
mod intake_tests {
    use super::*;

    fn tracker(api: &str) -> GitLabTracker {
        GitLabTracker::new(GitLabConfig {
            api_url: api.into(),
            project: "example-org/site-info-publisher".into(),
            token: Secret::new("t"),
            max_wait: Duration::from_secs(1),
        })
        .unwrap()
    }

    #[test]
    fn generic_package_links_are_recognised_on_this_gitlab_only() {
        let t = tracker("https://gitlab.example.org/api/v4");
        let g = t
            .generic_file("https://gitlab.example.org/api/v4/projects/24/packages/generic/sip/1.4.0/sip-1.4.0-1.el9.noarch.rpm")
            .unwrap();
        assert_eq!(
            g,
            GenericFile {
                project: "24".into(),
                name: "sip".into(),
                version: "1.4.0".into(),
                file: "sip-1.4.0-1.el9.noarch.rpm".into()
            }
        );
        let g = t
            .generic_file("https://gitlab.example.org/api/v4/projects/example-org%2Fsip/packages/generic/sip/v1.4.0/a%2Bb.deb?x=1")
            .unwrap();
        assert_eq!(
            (g.project.as_str(), g.file.as_str()),
            ("example-org%2Fsip", "a+b.deb")
        );
        for other in [
            "https://evil.example/api/v4/projects/24/packages/generic/sip/1.4.0/x.rpm",
            "http://gitlab.example.org/api/v4/projects/24/packages/generic/sip/1.4.0/x.rpm",
            "https://gitlab.example.org:8443/api/v4/projects/24/packages/generic/sip/1.4.0/x.rpm",
            "https://gitlab.example.org/api/v4/projects/24/packages/generic/sip/1.4.0/sub/x.rpm",
            "https://gitlab.example.org/api/v4/projects/24/packages/maven/sip/1.4.0/x.rpm",
            "https://gitlab.example.org/g/p/-/releases/v1/downloads/x.rpm",
        ] {
            assert_eq!(t.generic_file(other), None, "{other}");
        }
    }

    #[test]
    fn link_names_come_from_the_name_else_the_url() {
        assert_eq!(
            link_file_name("x-1.0-1.el9.noarch.rpm", &["https://h/a/b"]),
            "x-1.0-1.el9.noarch.rpm"
        );
        assert_eq!(
            link_file_name(
                "RPM for EL9",
                &["https://h/dl/x-1.0-1.el9.noarch.rpm?token=1", ""]
            ),
            "x-1.0-1.el9.noarch.rpm"
        );
        assert_eq!(
            link_file_name("Debian", &["https://h/dl/x_1.0-1~bpo_all.deb"]),
            "x_1.0-1~bpo_all.deb"
        );
        assert_eq!(
            link_file_name("../x.rpm", &["https://h/dl/..%2Fy.rpm"]),
            "../x.rpm"
        );
        assert_eq!(link_file_name("Docs", &["https://h/docs"]), "Docs");
    }

    #[test]
    fn shown_urls_keep_no_query() {
        let u = reqwest::Url::parse("https://s3.example/b/o.rpm?X-Amz-Signature=secret#f").unwrap();
        assert_eq!(shown(&u), "https://s3.example/b/o.rpm");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn config_from_lookup() {
        let c = GitLabConfig::from_lookup(
            "egi/sub/umd-tracker",
            lookup(&[
                ("CI_API_V4_URL", "https://ci.example/api/v4"),
                ("GITLAB_API_URL", "https://gl.example/api/v4/"),
                ("GITLAB_TOKEN", "glpat-generic"),
                ("UMD_RELEASE_TOKEN", "glpat-specific"),
                ("CI_JOB_TOKEN", "job"),
                ("UMD_RELEASE_MAX_WAIT", "7"),
            ]),
        )
        .unwrap();
        assert_eq!(c.api_url, "https://gl.example/api/v4");
        assert_eq!(c.project, "egi/sub/umd-tracker");
        assert_eq!(c.token, Secret::new("glpat-specific"));
        assert_eq!(c.max_wait, Duration::from_secs(7));
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("glpat-specific") && shown.contains("***"),
            "{shown}"
        );

        let c = GitLabConfig::from_lookup(
            "g/p",
            lookup(&[
                ("UMD_RELEASE_TOKEN", " "),
                ("GITLAB_TOKEN", "glpat-x"),
                ("CI_API_V4_URL", "https://ci.example/api/v4"),
            ]),
        )
        .unwrap();
        assert_eq!(c.api_url, "https://ci.example/api/v4");
        assert_eq!(c.token, Secret::new("glpat-x"));
        assert_eq!(c.max_wait, Duration::from_secs(DEFAULT_MAX_WAIT_SECS));
        let c = GitLabConfig::from_lookup("g/p", lookup(&[("GITLAB_TOKEN", "t")])).unwrap();
        assert_eq!(c.api_url, DEFAULT_API_URL);
    }

    #[test]
    fn config_errors() {
        let err = |project: &str, vars: &[(&str, &str)]| {
            let e = GitLabConfig::from_lookup(project, lookup(vars)).unwrap_err();
            assert!(matches!(e, TrackerError::Invalid { .. }), "{e}");
            e.to_string()
        };
        let msg = err("g/p", &[("CI_JOB_TOKEN", "secret-job-token")]);
        assert!(
            msg.contains("CI_JOB_TOKEN cannot read or write issues and labels"),
            "{msg}"
        );
        assert!(
            msg.contains("`api` scope") && msg.contains("UMD_RELEASE_TOKEN"),
            "{msg}"
        );
        assert!(!msg.contains("secret-job-token"));
        let msg = err("g/p", &[]);
        assert!(
            msg.contains("UMD_RELEASE_TOKEN") && msg.contains("GITLAB_TOKEN"),
            "{msg}"
        );
        for bad in ["p", "g/", "/p", "g//p", "g p/x", "../p", "g/-p", ""] {
            err(bad, &[("UMD_RELEASE_TOKEN", "t")]);
        }
        err(
            "g/p",
            &[("UMD_RELEASE_TOKEN", "t"), ("UMD_RELEASE_MAX_WAIT", "2m")],
        );
    }

    #[test]
    fn scoped_labels_both_ways() {
        for (core, gl) in [
            ("state:unverified", "state::unverified"),
            ("dist:cmd-os-1", "dist::cmd-os-1"),
            (
                "product:site-info-publisher",
                "product::site-info-publisher",
            ),
            ("umd-submission", "umd-submission"),
            ("other:x", "other:x"),
            ("stateful:x", "stateful:x"),
        ] {
            assert_eq!(scope(core), gl);
            assert_eq!(unscope(gl), core);
        }
        assert_eq!(scope("state::x"), "state::x");
    }

    #[test]
    fn colours_and_levels() {
        assert_eq!(core_color("#0E8A16"), "0e8a16");
        assert_eq!(core_color("#abc"), "aabbcc");
        assert_eq!(core_color("0e8a16"), "0e8a16");
        use PermissionLevel::*;
        for (level, want) in [
            (0, None),
            (5, None),
            (10, Some(Read)),
            (15, Some(Read)),
            (20, Some(Triage)),
            (30, Some(Write)),
            (40, Some(Maintain)),
            (50, Some(Admin)),
            (60, Some(Admin)),
        ] {
            assert_eq!(access_level(level), want, "{level}");
        }
    }

    #[test]
    fn pages_and_errors() {
        assert_eq!(
            with_page("/p/issues?a=1&page=2&b=2", 3),
            "/p/issues?a=1&b=2&page=3"
        );
        assert_eq!(with_page("/p/issues", 2), "/p/issues?page=2");
        let mut h = HeaderMap::new();
        h.insert(
            http::header::LINK,
            HeaderValue::from_static(
                r#"<https://gl/api/v4/projects/1/issues?labels=a,b&page=2>; rel="next", <https://gl/api/v4/projects/1/issues?page=5>; rel="last""#,
            ),
        );
        assert_eq!(
            next_link(&h).unwrap(),
            "https://gl/api/v4/projects/1/issues?labels=a,b&page=2"
        );
        assert_eq!(
            error_message(r#"{"message":"404 Project Not Found"}"#),
            "404 Project Not Found"
        );
        assert_eq!(
            error_message(
                r#"{"message":{"title":["can't be blank"],"color":["must be a valid color code"]}}"#
            ),
            "color must be a valid color code: title can't be blank"
        );
        assert_eq!(
            error_message(r#"{"error":"title is missing"}"#),
            "title is missing"
        );
        assert_eq!(error_message("Retry later\n"), "Retry later");
        assert_eq!(error_message("<html>x</html>"), "");
    }
}

impl crate::intake::ReleaseSource for GitLabTracker {
    fn digest_source(&self) -> &'static str {
        "GitLab's package registry"
    }
    fn file_at(&self, path: &str, git_ref: Option<&str>) -> Result<Option<String>, TrackerError> {
        GitLabTracker::file_at(self, path, git_ref)
    }
    fn download(
        &self,
        asset: &crate::intake::RemoteAsset,
        to: &std::path::Path,
    ) -> Result<String, TrackerError> {
        GitLabTracker::download(self, asset, to)
    }
}
