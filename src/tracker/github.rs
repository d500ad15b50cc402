//! The GitHub tracker: issues of one repository through the REST API, via
//! octocrab's raw request methods so that status codes and headers (Link,
//! `retry-after`, `x-ratelimit-*`) stay visible to us.
//!
//! The [`Tracker`] trait is synchronous, so the tracker owns a current-thread
//! tokio runtime and blocks on each call. Requests are strictly serial: GitHub
//! asks integrations not to make concurrent requests (secondary rate limits).
//! Must not be used from inside another tokio runtime (`block_on` would panic).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use octocrab::Octocrab;
use octocrab::models::{AppId, InstallationId};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Comment, Event, EventKind, Issue, Label, Tracker, TrackerError};
use crate::policy::tracker_config::PermissionLevel;

const DEFAULT_API_URL: &str = "https://api.github.com";
const DEFAULT_MAX_WAIT_SECS: u64 = 120;
const API_VERSION: &str = "2022-11-28";
const PER_PAGE: u32 = 100;
/// Backoff before each retry of a 5xx: 1 s, 2 s, 4 s.
const SERVER_ERROR_RETRIES: u32 = 3;
/// Rate-limit retries of one call; the wait itself is capped by `max_wait`,
/// this only stops a server that keeps saying "retry after 0 s".
const RATE_LIMIT_RETRIES: u32 = 5;
/// GitHub's advice for a secondary rate limit that names no wait.
const SECONDARY_RATE_LIMIT_WAIT: u64 = 60;
/// Names the user of a deleted account, as GitHub shows it.
const GHOST: &str = "ghost";

const TOKEN_VARS: [&str; 3] = ["UMD_RELEASE_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"];
const APP_VARS: [&str; 3] = [
    "UMD_RELEASE_APP_ID",
    "UMD_RELEASE_APP_PRIVATE_KEY",
    "UMD_RELEASE_APP_INSTALLATION_ID",
];

/// A credential: its `Debug` and `Display` print `***`, so it cannot leak
/// into logs, errors or output by accident; [`Secret::expose`] is explicit.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// A personal access token or an Actions `GITHUB_TOKEN`.
    Token(Secret),
    /// A GitHub App installation; octocrab mints and refreshes its token.
    App {
        app_id: u64,
        private_key_pem: Secret,
        installation_id: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubConfig {
    /// E.g. `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
    pub api_url: String,
    pub owner: String,
    pub repo: String,
    pub auth: Auth,
    /// The most one call may sleep in total waiting out rate limits and
    /// server errors before it gives up.
    pub max_wait: Duration,
}

impl GitHubConfig {
    /// Reads the configuration from the environment; see [`GitHubConfig::from_lookup`].
    pub fn from_env(owner_repo: &str) -> Result<GitHubConfig, TrackerError> {
        Self::from_lookup(owner_repo, |name| std::env::var(name).ok())
    }

    /// As [`GitHubConfig::from_env`], with variables from `var` (so tests need
    /// not mutate the process environment). Empty variables count as unset, as
    /// CI systems expand missing secrets to "".
    ///
    /// Credentials, first found wins: `UMD_RELEASE_TOKEN`; a GitHub App
    /// (`UMD_RELEASE_APP_ID`, `UMD_RELEASE_APP_PRIVATE_KEY` as PEM text or a
    /// file path, `UMD_RELEASE_APP_INSTALLATION_ID`); `GITHUB_TOKEN`;
    /// `GH_TOKEN`. The App comes before the generic tokens because its
    /// variables can only have been set for this tool.
    pub fn from_lookup(
        owner_repo: &str,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<GitHubConfig, TrackerError> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let (owner, repo) = parse_owner_repo(owner_repo)?;
        let api_url = var("GITHUB_API_URL")
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
        let token = |name: &str| var(name).map(|t| Auth::Token(Secret(t.trim().to_string())));
        let auth = match token(TOKEN_VARS[0]) {
            Some(auth) => auth,
            None => match app_from_lookup(&var)? {
                Some(auth) => auth,
                None => token(TOKEN_VARS[1])
                    .or_else(|| token(TOKEN_VARS[2]))
                    .ok_or_else(|| {
                        invalid(format!(
                            "no GitHub credentials for github:{owner}/{repo}\n  set UMD_RELEASE_TOKEN (or GITHUB_TOKEN or GH_TOKEN) to a token with Issues: read and write,\n  or set {} for a GitHub App",
                            APP_VARS.join(", ")
                        ))
                    })?,
            },
        };
        Ok(GitHubConfig {
            api_url,
            owner,
            repo,
            auth,
            max_wait,
        })
    }
}

fn parse_owner_repo(owner_repo: &str) -> Result<(String, String), TrackerError> {
    // GitHub names: letters, digits, `-`, `_`, `.`; anything else would
    // need escaping in every path we build.
    let ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    match owner_repo.split_once('/') {
        Some((o, r)) if ok(o) && ok(r) => Ok((o.into(), r.into())),
        _ => Err(invalid(format!(
            "`{owner_repo}` is not a GitHub repository: expected OWNER/REPO, e.g. `github:EGI-Federation/umd-release`"
        ))),
    }
}

/// The App credentials, if any App variable is set; all three are then required.
fn app_from_lookup(var: &impl Fn(&str) -> Option<String>) -> Result<Option<Auth>, TrackerError> {
    let values: Vec<Option<String>> = APP_VARS.iter().map(|n| var(n)).collect();
    if values.iter().all(Option::is_none) {
        return Ok(None);
    }
    let missing: Vec<&str> = APP_VARS
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(invalid(format!(
            "GitHub App credentials are incomplete: set {} too (or unset the App variables and use UMD_RELEASE_TOKEN)",
            missing.join(" and ")
        )));
    }
    let [Some(id), Some(key), Some(installation)] =
        <[Option<String>; 3]>::try_from(values).expect("three App variables")
    else {
        unreachable!("all three checked above")
    };
    let number = |name: &str, v: &str| {
        v.trim()
            .parse::<u64>()
            .map_err(|_| invalid(format!("{name}=`{v}` is not a number")))
    };
    let app_id = number(APP_VARS[0], &id)?;
    let installation_id = number(APP_VARS[2], &installation)?;
    let pem = if key.trim_start().starts_with("-----BEGIN") {
        key
    } else {
        // Not PEM text, so it should be a path; never echo it, in case it
        // is a mangled key rather than a path.
        std::fs::read_to_string(key.trim()).map_err(|e| {
            invalid(format!(
                "UMD_RELEASE_APP_PRIVATE_KEY is neither PEM text nor a readable file ({}); the value is not shown",
                e.kind()
            ))
        })?
    };
    Ok(Some(Auth::App {
        app_id,
        private_key_pem: Secret(pem),
        installation_id,
    }))
}

pub struct GitHubTracker {
    rt: tokio::runtime::Runtime,
    octo: Octocrab,
    owner: String,
    repo: String,
    max_wait: Duration,
    requests: AtomicU64,
}

impl fmt::Debug for GitHubTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHubTracker")
            .field("repo", &format_args!("{}/{}", self.owner, self.repo))
            .finish_non_exhaustive()
    }
}

/// What GitHub says in an error body; `errors` detail a 422.
#[derive(Deserialize, Default)]
struct ApiError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errors: Vec<Value>,
}

#[derive(Deserialize)]
struct ApiUser {
    login: String,
}

/// Labels come as objects, but GitHub documents plain strings too.
#[derive(Deserialize)]
#[serde(untagged)]
enum ApiLabelRef {
    Object { name: String },
    Name(String),
}

impl ApiLabelRef {
    fn into_name(self) -> String {
        match self {
            ApiLabelRef::Object { name } | ApiLabelRef::Name(name) => name,
        }
    }
}

#[derive(Deserialize)]
struct ApiIssue {
    number: u64,
    title: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    labels: Vec<ApiLabelRef>,
    state: String,
    #[serde(default)]
    user: Option<ApiUser>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    html_url: String,
    /// Present on pull requests, which the issues API lists too.
    #[serde(default)]
    pull_request: Option<Value>,
}

impl From<ApiIssue> for Issue {
    fn from(i: ApiIssue) -> Issue {
        Issue {
            number: i.number,
            title: i.title,
            body: i.body.unwrap_or_default(),
            labels: i.labels.into_iter().map(ApiLabelRef::into_name).collect(),
            open: i.state == "open",
            author: login(i.user),
            created_at: i.created_at,
            updated_at: i.updated_at,
            url: i.html_url,
        }
    }
}

#[derive(Deserialize)]
struct ApiComment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    user: Option<ApiUser>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    /// `.../repos/O/R/issues/N`: the only place a comment names its issue.
    issue_url: String,
}

impl ApiComment {
    fn into_comment(self) -> Result<Comment, TrackerError> {
        let issue = self
            .issue_url
            .rsplit('/')
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| forge(None, format!("comment {}: unexpected issue_url", self.id)))?;
        Ok(Comment {
            id: self.id,
            issue,
            author: login(self.user),
            body: self.body.unwrap_or_default(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Deserialize)]
struct ApiEvent {
    id: u64,
    #[serde(default)]
    actor: Option<ApiUser>,
    event: String,
    #[serde(default)]
    label: Option<ApiLabelRef>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

#[derive(Deserialize)]
struct ApiLabel {
    name: String,
    color: String,
    #[serde(default)]
    description: Option<String>,
}

impl From<ApiLabel> for Label {
    fn from(l: ApiLabel) -> Label {
        Label {
            name: l.name,
            color: l.color.to_ascii_lowercase(),
            description: l.description.unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
struct SearchPage {
    items: Vec<ApiIssue>,
}

/// `GET /repos/{o}/{r}/contents/{path}` for a file.
#[derive(Deserialize)]
struct ApiContent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    encoding: Option<String>,
    #[serde(default)]
    content: Option<String>,
}

/// Standard base64 with the line breaks GitHub puts in file contents.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn login(user: Option<ApiUser>) -> String {
    user.map_or_else(|| GHOST.into(), |u| u.login)
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

/// Renames the generic `NotFound` of [`GitHubTracker::send`] to what the caller was after.
fn not_found_as(what: String) -> impl FnOnce(TrackerError) -> TrackerError {
    move |e| match e {
        TrackerError::NotFound { .. } => TrackerError::NotFound { what },
        e => e,
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

/// The `rel="next"` target of a `Link` header. Parsed by angle brackets,
/// not by splitting on commas: URLs may hold commas (`labels=a,b`).
fn next_link(headers: &HeaderMap) -> Option<String> {
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

/// Only path and query of a URL GitHub gave us: octocrab withholds the token
/// from absolute URLs whose host is not api.github.com, and joins relative
/// ones onto the configured base (keeping a GHES `/api/v3` prefix once).
fn path_and_query(url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    uri.path_and_query().map(|pq| pq.as_str().to_string())
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// GitHub's message plus the details of a 422's `errors`.
fn error_message(body: &str) -> String {
    let Ok(err) = serde_json::from_str::<ApiError>(body) else {
        return String::new();
    };
    let mut msg = err.message;
    let details: Vec<String> = err
        .errors
        .iter()
        .filter_map(|e| match e {
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
        })
        .collect();
    if !details.is_empty() {
        msg = format!("{msg}: {}", details.join("; "));
    }
    msg
}

/// The error and its sources on one line. octocrab's errors name no URL
/// with credentials (the token travels in a header), but the chain is
/// what says "connection refused" or "certificate".
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

impl GitHubTracker {
    pub fn new(config: GitHubConfig) -> Result<Self, TrackerError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| forge(None, format!("cannot start the HTTP runtime: {e}")))?;
        // hyper's client and octocrab's token cache expect to be made inside a runtime.
        let _guard = rt.enter();
        let builder = Octocrab::builder()
            .base_uri(config.api_url.as_str())
            .map_err(|_| {
                invalid(format!(
                    "GITHUB_API_URL `{}` is not a URL (e.g. https://api.github.com)",
                    config.api_url
                ))
            })?
            .set_connect_timeout(Some(Duration::from_secs(30)))
            .set_read_timeout(Some(Duration::from_secs(60)))
            .set_write_timeout(Some(Duration::from_secs(60)));
        let built = match &config.auth {
            Auth::Token(token) => builder.personal_token(token.expose().to_string()).build(),
            Auth::App {
                app_id,
                private_key_pem,
                installation_id,
            } => {
                let key = octocrab::EncodingKey::from_rsa_pem(private_key_pem.expose().as_bytes())
                    .map_err(|_| {
                        invalid(
                            "UMD_RELEASE_APP_PRIVATE_KEY is not an RSA private key in PEM form (the value is not shown)",
                        )
                    })?;
                builder
                    .app(AppId(*app_id), key)
                    .build()
                    .and_then(|app| app.installation(InstallationId(*installation_id)))
            }
        };
        let octo = built.map_err(|e| {
            forge(
                None,
                format!("cannot set up the GitHub client: {}", error_chain(&e)),
            )
        })?;
        Ok(GitHubTracker {
            rt,
            octo,
            owner: config.owner,
            repo: config.repo,
            max_wait: config.max_wait,
            requests: AtomicU64::new(0),
        })
    }

    /// A file of this repository at `git_ref` (default branch when `None`),
    /// through the contents API (files up to 1 MB); `None` when absent.
    pub fn file_at(
        &self,
        path: &str,
        git_ref: Option<&str>,
    ) -> Result<Option<String>, TrackerError> {
        let segments = super::plain_path(path)?;
        let encoded: Vec<String> = segments.iter().map(|s| encode(s)).collect();
        let mut pq = format!("{}/contents/{}", self.repo_path(), encoded.join("/"));
        if let Some(r) = git_ref {
            pq.push_str(&format!("?ref={}", encode(r)));
        }
        let value: Value = match self.send_json(Method::GET, &pq, None) {
            Ok(v) => v,
            Err(TrackerError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let where_ = || format!("`{path}` in {}", self.slug());
        let content: ApiContent = serde_json::from_value(value)
            .map_err(|_| invalid(format!("{} is a directory, not a file", where_())))?;
        if content.kind != "file" {
            return Err(invalid(format!(
                "{} is a {}, not a file",
                where_(),
                content.kind
            )));
        }
        if content.encoding.as_deref() != Some("base64") {
            return Err(forge(
                None,
                format!(
                    "{} is too large for GitHub's contents API (over 1 MB)",
                    where_()
                ),
            ));
        }
        let bytes = base64_decode(content.content.as_deref().unwrap_or_default())
            .ok_or_else(|| forge(None, format!("{}: GitHub sent invalid base64", where_())))?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| invalid(format!("{} is not UTF-8 text", where_())))
    }

    /// The newest releases of this repository (one page), or `None` when they are
    /// unchanged since `etag`: GitHub answers 304, which costs no rate limit.
    #[allow(clippy::type_complexity)]
    pub fn releases(
        &self,
        etag: Option<&str>,
    ) -> Result<Option<(Vec<crate::intake::RemoteRelease>, Option<String>)>, TrackerError> {
        let pq = format!("{}/releases?per_page=30", self.repo_path());
        let mut headers = Vec::new();
        if let Some(tag) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
            headers.push((http::header::IF_NONE_MATCH, tag));
        }
        let (status, h, text) = self.send_with(Method::GET, &pq, &headers, None)?;
        if status == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        let list: Vec<crate::intake::RemoteRelease> = parse::<Vec<ApiRelease>>(status, &pq, &text)?
            .into_iter()
            .map(Into::into)
            .collect();
        let etag = h
            .get(http::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        Ok(Some((list, etag)))
    }

    /// The release of this repository with tag `tag`, `None` if there is none.
    pub fn release_by_tag(
        &self,
        tag: &str,
    ) -> Result<Option<crate::intake::RemoteRelease>, TrackerError> {
        let pq = format!("{}/releases/tags/{}", self.repo_path(), encode(tag));
        match self.send_json::<ApiRelease>(Method::GET, &pq, None) {
            Ok(r) => Ok(Some(r.into())),
            Err(TrackerError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Downloads a release asset into `to`, returning the sha256 of what was written.
    pub fn download(
        &self,
        asset: &crate::intake::RemoteAsset,
        to: &std::path::Path,
    ) -> Result<String, TrackerError> {
        use sha2::Digest;
        struct Hashing<W> {
            out: W,
            hash: sha2::Sha256,
        }
        impl<W: std::io::Write> std::io::Write for Hashing<W> {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                let n = self.out.write(b)?;
                self.hash.update(&b[..n]);
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                self.out.flush()
            }
        }
        let pq = path_and_query(&asset.url)
            .ok_or_else(|| invalid(format!("asset `{}` has no API URL", asset.name)))?;
        let io_err = |source| TrackerError::Io {
            path: to.to_path_buf(),
            source,
        };
        let file = std::fs::File::create(to).map_err(io_err)?;
        let mut sink = Hashing {
            out: std::io::BufWriter::new(file),
            hash: sha2::Sha256::new(),
        };
        let headers = [(ACCEPT, HeaderValue::from_static("application/octet-stream"))];
        self.send_with(Method::GET, &pq, &headers, Some(&mut sink))?;
        std::io::Write::flush(&mut sink).map_err(io_err)?;
        Ok(sink
            .hash
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests_made(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn slug(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    fn repo_path(&self) -> String {
        format!("/repos/{}/{}", self.owner, self.repo)
    }

    /// GitHub answers 404, not 403, for a private repository the token cannot see.
    fn repo_what(&self) -> String {
        format!("repository {} (or the token cannot see it)", self.slug())
    }

    fn issue_what(&self, number: u64) -> String {
        format!("issue #{number} in {}", self.slug())
    }

    /// Sends one request, waiting out rate limits and retrying server errors;
    /// every request goes through here. 2xx and 304 are returned, anything
    /// else becomes the matching [`TrackerError`].
    fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, HeaderMap, String), TrackerError> {
        self.rt
            .block_on(self.send_async(method, path_and_query, body.as_ref(), &[], None))
    }

    /// [`GitHubTracker::send`] with extra headers (`If-None-Match`, `Accept`),
    /// and, when `sink` is given, a 2xx body streamed into it instead of returned.
    fn send_with(
        &self,
        method: Method,
        pq: &str,
        headers: &[(HeaderName, HeaderValue)],
        sink: Option<&mut dyn std::io::Write>,
    ) -> Result<(StatusCode, HeaderMap, String), TrackerError> {
        self.rt
            .block_on(self.send_async(method, pq, None, headers, sink))
    }

    async fn send_async(
        &self,
        method: Method,
        pq: &str,
        body: Option<&Value>,
        extra: &[(HeaderName, HeaderValue)],
        mut sink: Option<&mut dyn std::io::Write>,
    ) -> Result<(StatusCode, HeaderMap, String), TrackerError> {
        // Retrying a create after a 5xx may create twice (GitHub often did
        // the work before failing); every other request here is idempotent,
        // adding labels to an issue included.
        let creates =
            method == Method::POST && !(pq.contains("/issues/") && pq.ends_with("/labels"));
        let cap = self.max_wait.as_secs();
        let mut waited = 0u64;
        let (mut server_retries, mut rate_retries) = (0u32, 0u32);
        loop {
            let uri: http::Uri = pq
                .parse()
                .map_err(|_| invalid(format!("cannot build a request for `{pq}`")))?;
            let builder = http::Request::builder()
                .method(method.clone())
                .uri(uri)
                .header(ACCEPT, "application/vnd.github+json");
            let mut request = self
                .octo
                .build_request(builder, body)
                .map_err(|e| forge(None, format!("cannot build a request: {e}")))?;
            // octocrab adds this header itself today; `insert` keeps exactly
            // one value whatever it does tomorrow (`add_header` would append a second).
            request.headers_mut().insert(
                HeaderName::from_static("x-github-api-version"),
                HeaderValue::from_static(API_VERSION),
            );
            for (name, value) in extra {
                request.headers_mut().insert(name.clone(), value.clone());
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            let response = self.octo.execute(request).await.map_err(|e| match e {
                // Only the App's token exchange, inside octocrab, ends in a GitHub error here.
                octocrab::Error::GitHub { source, .. } => forge(
                    Some(source.status_code.as_u16()),
                    format!(
                        "GitHub refused to make an installation token for the App ({}): check UMD_RELEASE_APP_ID, UMD_RELEASE_APP_INSTALLATION_ID and UMD_RELEASE_APP_PRIVATE_KEY",
                        source.message
                    ),
                ),
                e => forge(
                    None,
                    format!(
                        "{method} {pq}: cannot reach GitHub: {}\n  check the network and GITHUB_API_URL",
                        error_chain(&e)
                    ),
                ),
            })?;
            let status = response.status();
            let headers = response.headers().clone();
            if status.is_success()
                && let Some(out) = sink.as_mut()
            {
                // Packages can be large: stream them, never hold them whole.
                use http_body_util::BodyExt;
                let mut body = response.into_body();
                while let Some(frame) = body.frame().await {
                    let frame = frame.map_err(|e| {
                        forge(
                            Some(status.as_u16()),
                            format!("{method} {pq}: download cut short: {}", error_chain(&e)),
                        )
                    })?;
                    if let Ok(data) = frame.into_data() {
                        out.write_all(&data).map_err(|e| {
                            forge(
                                None,
                                format!("{method} {pq}: cannot write the download: {e}"),
                            )
                        })?;
                    }
                }
                return Ok((status, headers, String::new()));
            }
            let text = self.octo.body_to_string(response).await.map_err(|e| {
                forge(
                    Some(status.as_u16()),
                    format!("{method} {pq}: reading the response: {}", error_chain(&e)),
                )
            })?;
            if status.is_success() || status == StatusCode::NOT_MODIFIED {
                return Ok((status, headers, text));
            }
            let code = status.as_u16();
            let message = error_message(&text);
            let wait = if code == 429 || code == 403 {
                match rate_limit_wait(code, &headers, &message) {
                    Some(wait) => {
                        rate_retries += 1;
                        if rate_retries > RATE_LIMIT_RETRIES {
                            return Err(forge(
                                Some(code),
                                format!(
                                    "GitHub kept rate-limiting {method} {pq} after {RATE_LIMIT_RETRIES} retries; retry later"
                                ),
                            ));
                        }
                        if waited + wait > cap {
                            return Err(forge(
                                Some(code),
                                format!(
                                    "GitHub asked us to wait {wait} s (rate limit), more than the UMD_RELEASE_MAX_WAIT cap of {cap} s; retry later or raise the cap"
                                ),
                            ));
                        }
                        wait
                    }
                    None => return Err(self.error_for(&method, pq, code, &message)),
                }
            } else if status.is_server_error() && !creates {
                if server_retries >= SERVER_ERROR_RETRIES {
                    return Err(forge(
                        Some(code),
                        format!(
                            "{method} {pq}: GitHub failed {} times in a row ({}); retry later",
                            server_retries + 1,
                            or_status(&message, status)
                        ),
                    ));
                }
                let wait = 1u64 << server_retries;
                server_retries += 1;
                if waited + wait > cap {
                    return Err(forge(
                        Some(code),
                        format!(
                            "{method} {pq}: GitHub failed ({}) and retrying would wait past the UMD_RELEASE_MAX_WAIT cap of {cap} s; retry later or raise the cap",
                            or_status(&message, status)
                        ),
                    ));
                }
                wait
            } else {
                return Err(self.error_for(&method, pq, code, &message));
            };
            waited += wait;
            tokio::time::sleep(Duration::from_secs(wait)).await;
        }
    }

    /// The error for a failed request that is not worth retrying.
    fn error_for(&self, method: &Method, pq: &str, code: u16, message: &str) -> TrackerError {
        let slug = self.slug();
        let said = if message.is_empty() {
            String::new()
        } else {
            format!(" ({message})")
        };
        match code {
            401 => forge(
                Some(401),
                "the token was refused (401): check that UMD_RELEASE_TOKEN/GITHUB_TOKEN is valid and not expired",
            ),
            403 => forge(
                Some(403),
                format!(
                    "{method} {pq}: permission denied{said}\n  the credentials need Issues: read and write on {slug}"
                ),
            ),
            404 => TrackerError::NotFound {
                what: format!("`{pq}` in {slug} (or the token cannot see {slug})"),
            },
            410 => forge(
                Some(410),
                format!(
                    "issues are disabled on {slug}{said}: enable them in the repository settings"
                ),
            ),
            422 => invalid(format!(
                "GitHub rejected {method} {pq} (422): {}",
                if message.is_empty() {
                    "validation failed"
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
        body: Option<Value>,
    ) -> Result<T, TrackerError> {
        let (status, _, text) = self.send(method, pq, body)?;
        parse(status, pq, &text)
    }

    /// Every page of a list, following `Link: rel="next"`; `items` takes one
    /// page's body apart (a plain array, or the search API's object).
    fn get_pages<T>(
        &self,
        first: &str,
        items: impl Fn(StatusCode, &str, &str) -> Result<Vec<T>, TrackerError>,
    ) -> Result<Vec<T>, TrackerError> {
        let mut out = Vec::new();
        let mut pq = first.to_string();
        loop {
            let (status, headers, text) = self.send(Method::GET, &pq, None)?;
            out.extend(items(status, &pq, &text)?);
            match next_link(&headers).and_then(|next| path_and_query(&next)) {
                // A server repeating the same page would loop forever.
                Some(next) if next != pq => pq = next,
                _ => return Ok(out),
            }
        }
    }

    fn get_all<T: DeserializeOwned>(&self, first: &str) -> Result<Vec<T>, TrackerError> {
        self.get_pages(first, parse)
    }

    fn issue_labels_path(&self, number: u64) -> String {
        format!("{}/issues/{number}/labels", self.repo_path())
    }
}

fn or_status(message: &str, status: StatusCode) -> String {
    if message.is_empty() {
        format!("HTTP {}", status.as_u16())
    } else {
        format!("HTTP {}: {message}", status.as_u16())
    }
}

/// How long a 403/429 asks us to wait, or `None` if it is no rate limit
/// (a 403 for a missing permission). GitHub's documented order: `retry-after`,
/// then `x-ratelimit-remaining: 0` until `x-ratelimit-reset`, then a minute
/// for a secondary limit that names no time.
fn rate_limit_wait(code: u16, headers: &HeaderMap, message: &str) -> Option<u64> {
    if let Some(secs) = header_u64(headers, "retry-after") {
        return Some(secs);
    }
    if header_u64(headers, "x-ratelimit-remaining") == Some(0) {
        let reset = header_u64(headers, "x-ratelimit-reset")?;
        // +1: the reset second itself may still be limited.
        return Some(reset.saturating_sub(now_epoch()) + 1);
    }
    (code == 429 || message.to_ascii_lowercase().contains("rate limit"))
        .then_some(SECONDARY_RATE_LIMIT_WAIT)
}

fn parse<T: DeserializeOwned>(status: StatusCode, pq: &str, text: &str) -> Result<T, TrackerError> {
    serde_json::from_str(text).map_err(|e| {
        forge(
            Some(status.as_u16()),
            format!("{pq}: unexpected response from GitHub: {e}"),
        )
    })
}

fn check_labels(labels: &[String]) -> Result<Vec<String>, TrackerError> {
    let mut out: Vec<String> = Vec::new();
    for l in labels {
        if l.trim().is_empty() {
            return Err(invalid("a label name cannot be empty"));
        }
        if !out.contains(l) {
            out.push(l.clone());
        }
    }
    Ok(out)
}

fn sorted(mut issues: Vec<Issue>) -> Vec<Issue> {
    issues.sort_by_key(|i| i.number);
    // Pages shift when issues are created while we list: drop repeats.
    issues.dedup_by_key(|i| i.number);
    issues
}

impl Tracker for GitHubTracker {
    fn describe(&self) -> String {
        format!("github:{}", self.slug())
    }

    fn list_issues(
        &self,
        label: Option<&str>,
        open_only: bool,
    ) -> Result<Vec<Issue>, TrackerError> {
        let state = if open_only { "open" } else { "all" };
        let mut pq = format!(
            "{}/issues?state={state}&sort=created&direction=asc&per_page={PER_PAGE}",
            self.repo_path()
        );
        // GitHub splits `labels` on commas, so such a label is filtered here only.
        if let Some(l) = label.filter(|l| !l.contains(',')) {
            pq.push_str(&format!("&labels={}", encode(l)));
        }
        let items: Vec<ApiIssue> = self.get_all(&pq).map_err(not_found_as(self.repo_what()))?;
        let issues = items
            .into_iter()
            .filter(|i| i.pull_request.is_none())
            .map(Issue::from)
            .filter(|i| label.is_none_or(|l| i.labels.iter().any(|x| x == l)))
            .filter(|i| !open_only || i.open)
            .collect();
        Ok(sorted(issues))
    }

    /// From the default branch, through the contents API (files up to 1 MB).
    fn read_file(&self, path: &str) -> Result<Option<String>, TrackerError> {
        self.file_at(path, None)
    }

    fn search_issues(&self, text: &str) -> Result<Vec<Issue>, TrackerError> {
        if text.trim().is_empty() {
            return self.list_issues(None, false);
        }
        // A `"` would end the quoted phrase; the exact match is checked below anyway.
        let phrase = text.replace('"', " ");
        let q = format!(
            "repo:{} is:issue in:body \"{}\"",
            self.slug(),
            phrase.trim()
        );
        let pq = format!("/search/issues?q={}&per_page={PER_PAGE}", encode(&q));
        let items = self.get_pages(&pq, |status, pq, body| {
            parse::<SearchPage>(status, pq, body).map(|p| p.items)
        })?;
        // Search matches words, not substrings: keep what the local tracker would.
        let issues = items
            .into_iter()
            .filter(|i| i.pull_request.is_none())
            .map(Issue::from)
            .filter(|i| i.body.contains(text))
            .collect();
        Ok(sorted(issues))
    }

    fn get_issue(&self, number: u64) -> Result<Issue, TrackerError> {
        let pq = format!("{}/issues/{number}", self.repo_path());
        let issue: ApiIssue = self
            .send_json(Method::GET, &pq, None)
            .map_err(not_found_as(self.issue_what(number)))?;
        if issue.pull_request.is_some() {
            return Err(TrackerError::NotFound {
                what: format!("{} (#{number} is a pull request)", self.issue_what(number)),
            });
        }
        Ok(issue.into())
    }

    /// The actor is whoever owns the credentials: GitHub records that, not `actor`.
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
        let pq = format!("{}/issues", self.repo_path());
        // Labels in the same request: the issue never exists unlabelled.
        let request = json!({ "title": title, "body": body, "labels": labels });
        let api: ApiIssue = self
            .send_json(Method::POST, &pq, Some(request))
            .map_err(not_found_as(self.repo_what()))?;
        let mut issue = Issue::from(api);
        // GitHub silently drops labels set at creation without push access;
        // adding them now either succeeds or fails with a clear 403.
        if labels.iter().any(|l| !issue.labels.contains(l)) {
            issue.labels = self.add_labels(actor, issue.number, &labels)?;
        }
        Ok(issue)
    }

    /// PATCHes what is `Some`, unread first: a PATCH to the values an issue
    /// already has records no event on GitHub, so re-runs stay harmless.
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
        let mut patch = serde_json::Map::new();
        if let Some(t) = title {
            patch.insert("title".into(), t.into());
        }
        if let Some(b) = body {
            patch.insert("body".into(), b.into());
        }
        if let Some(o) = open {
            patch.insert("state".into(), if o { "open" } else { "closed" }.into());
        }
        let pq = format!("{}/issues/{number}", self.repo_path());
        let issue: ApiIssue = self
            .send_json(Method::PATCH, &pq, Some(Value::Object(patch)))
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
        let after: Vec<ApiLabelRef> = self
            .send_json(
                Method::POST,
                &self.issue_labels_path(number),
                Some(json!({ "labels": labels })),
            )
            .map_err(not_found_as(self.issue_what(number)))?;
        Ok(after.into_iter().map(ApiLabelRef::into_name).collect())
    }

    fn remove_label(
        &self,
        _actor: &str,
        number: u64,
        label: &str,
    ) -> Result<Vec<String>, TrackerError> {
        let pq = format!("{}/{}", self.issue_labels_path(number), encode(label));
        let after: Vec<ApiLabelRef> =
            self.send_json(Method::DELETE, &pq, None)
                .map_err(not_found_as(format!(
                    "label `{label}` on {}",
                    self.issue_what(number)
                )))?;
        Ok(after.into_iter().map(ApiLabelRef::into_name).collect())
    }

    fn list_comments(&self, number: u64) -> Result<Vec<Comment>, TrackerError> {
        let pq = format!(
            "{}/issues/{number}/comments?per_page={PER_PAGE}",
            self.repo_path()
        );
        let items: Vec<ApiComment> = self
            .get_all(&pq)
            .map_err(not_found_as(self.issue_what(number)))?;
        items.into_iter().map(ApiComment::into_comment).collect()
    }

    fn create_comment(
        &self,
        _actor: &str,
        number: u64,
        body: &str,
    ) -> Result<Comment, TrackerError> {
        let pq = format!("{}/issues/{number}/comments", self.repo_path());
        let comment: ApiComment = self
            .send_json(Method::POST, &pq, Some(json!({ "body": body })))
            .map_err(not_found_as(self.issue_what(number)))?;
        comment.into_comment()
    }

    fn update_comment(
        &self,
        _actor: &str,
        _issue: u64,
        id: u64,
        body: &str,
    ) -> Result<Comment, TrackerError> {
        let pq = format!("{}/issues/comments/{id}", self.repo_path());
        let comment: ApiComment = self
            .send_json(Method::PATCH, &pq, Some(json!({ "body": body })))
            .map_err(not_found_as(format!("comment {id} in {}", self.slug())))?;
        comment.into_comment()
    }

    /// GitHub records no "opened" event: it is made from the issue itself,
    /// with id 0 (real event ids are never 0).
    fn list_events(&self, number: u64) -> Result<Vec<Event>, TrackerError> {
        let issue = self.get_issue(number)?;
        let pq = format!(
            "{}/issues/{number}/events?per_page={PER_PAGE}",
            self.repo_path()
        );
        let items: Vec<ApiEvent> = self
            .get_all(&pq)
            .map_err(not_found_as(self.issue_what(number)))?;
        let mut events = vec![Event {
            id: 0,
            issue: number,
            actor: issue.author,
            kind: EventKind::Opened,
            at: issue.created_at,
        }];
        for e in items {
            let label = || e.label.map(ApiLabelRef::into_name).unwrap_or_default();
            let kind = match e.event.as_str() {
                "labeled" => EventKind::Labeled { label: label() },
                "unlabeled" => EventKind::Unlabeled { label: label() },
                "closed" => EventKind::Closed,
                "reopened" => EventKind::Reopened,
                _ => continue,
            };
            events.push(Event {
                id: e.id,
                issue: number,
                actor: login(e.actor),
                kind,
                at: e.created_at,
            });
        }
        Ok(events)
    }

    fn list_labels(&self) -> Result<Vec<Label>, TrackerError> {
        let pq = format!("{}/labels?per_page={PER_PAGE}", self.repo_path());
        let items: Vec<ApiLabel> = self.get_all(&pq).map_err(not_found_as(self.repo_what()))?;
        Ok(items.into_iter().map(Label::from).collect())
    }

    fn ensure_label(&self, label: &Label) -> Result<bool, TrackerError> {
        if label.name.trim().is_empty() {
            return Err(invalid("a label name cannot be empty"));
        }
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
        let path = format!("{}/labels/{}", self.repo_path(), encode(&wanted.name));
        let current: ApiLabel = match self.send_json(Method::GET, &path, None) {
            Ok(l) => l,
            Err(TrackerError::NotFound { .. }) => {
                let pq = format!("{}/labels", self.repo_path());
                let body = json!({
                    "name": wanted.name,
                    "color": wanted.color,
                    "description": wanted.description,
                });
                self.send(Method::POST, &pq, Some(body))
                    .map_err(not_found_as(self.repo_what()))?;
                return Ok(true);
            }
            Err(e) => return Err(e),
        };
        // GitHub matches label names case-insensitively: `new_name` fixes the case too.
        if Label::from(current) == wanted {
            return Ok(false);
        }
        let body = json!({
            "new_name": wanted.name,
            "color": wanted.color,
            "description": wanted.description,
        });
        self.send(Method::PATCH, &path, Some(body))?;
        Ok(true)
    }

    /// GitHub answers 404 for a non-member, and also for a team the
    /// credentials cannot see: both grant nothing.
    fn team_member(&self, org: &str, team: &str, login: &str) -> Result<bool, TrackerError> {
        if [org, team, login].iter().any(|s| s.trim().is_empty()) {
            return Ok(false);
        }
        let pq = format!(
            "/orgs/{}/teams/{}/memberships/{}",
            encode(org),
            encode(team),
            encode(login)
        );
        match self.send_json::<Value>(Method::GET, &pq, None) {
            Ok(reply) => Ok(reply.get("state").and_then(Value::as_str) == Some("active")),
            Err(TrackerError::NotFound { .. }) => Ok(false),
            Err(e) if refused(&e) => Err(forge(
                Some(403),
                format!(
                    "GET {pq}: permission denied: the credentials cannot read the members of team @{org}/{team}\n  a classic token needs `read:org`, a fine-grained token or GitHub App Members: read on {org}; or list logins in tracker.yaml instead"
                ),
            )),
            Err(e) => Err(e),
        }
    }

    /// Read raw: octocrab's typed call fails on GitHub's `write`. A
    /// non-collaborator gets 404, which is no permission.
    fn permission(&self, login: &str) -> Result<Option<PermissionLevel>, TrackerError> {
        if login.trim().is_empty() {
            return Ok(None);
        }
        let pq = format!(
            "{}/collaborators/{}/permission",
            self.repo_path(),
            encode(login)
        );
        match self.send_json::<Value>(Method::GET, &pq, None) {
            Ok(reply) => Ok(permission_level(&reply)),
            Err(TrackerError::NotFound { .. }) => Ok(None),
            Err(e) if refused(&e) => Err(forge(
                Some(403),
                format!(
                    "GET {pq}: permission denied: the credentials cannot read permissions on {slug}\n  a fine-grained token or GitHub App needs Metadata: read on {slug}; or list logins in tracker.yaml instead",
                    slug = self.slug()
                ),
            )),
            Err(e) => Err(e),
        }
    }
}

/// A 403 that is a missing permission, as [`GitHubTracker::error_for`] words
/// it, and not a rate limit we gave up waiting for (also a 403).
fn refused(e: &TrackerError) -> bool {
    matches!(e, TrackerError::Forge { status: Some(403), message } if message.contains(": permission denied"))
}

/// The level in a `collaborators/{user}/permission` reply: `role_name` tells
/// maintain and triage apart (`permission` folds them into write and read);
/// a custom role's name is none of ours, so its base `permission` decides.
fn permission_level(reply: &Value) -> Option<PermissionLevel> {
    let field = |key: &str| reply.get(key).and_then(Value::as_str);
    field("role_name")
        .and_then(PermissionLevel::from_name)
        .or_else(|| field("permission").and_then(PermissionLevel::from_name))
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
    fn config_from_lookup() {
        let c = GitHubConfig::from_lookup(
            "EGI-Federation/umd-release",
            lookup(&[
                ("GITHUB_API_URL", "https://ghe.example/api/v3/"),
                ("GITHUB_TOKEN", "ghs_generic"),
                ("UMD_RELEASE_TOKEN", "ghp_specific"),
                ("UMD_RELEASE_MAX_WAIT", "7"),
            ]),
        )
        .unwrap();
        assert_eq!(c.api_url, "https://ghe.example/api/v3");
        assert_eq!(
            (c.owner.as_str(), c.repo.as_str()),
            ("EGI-Federation", "umd-release")
        );
        assert_eq!(c.auth, Auth::Token(Secret::new("ghp_specific")));
        assert_eq!(c.max_wait, Duration::from_secs(7));
        // Secrets never print, not even through the config's Debug.
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("ghp_specific") && shown.contains("***"),
            "{shown}"
        );

        // Empty counts as unset; defaults apply.
        let c = GitHubConfig::from_lookup(
            "o/r",
            lookup(&[("UMD_RELEASE_TOKEN", ""), ("GH_TOKEN", "gho_x")]),
        )
        .unwrap();
        assert_eq!(c.api_url, DEFAULT_API_URL);
        assert_eq!(c.auth, Auth::Token(Secret::new("gho_x")));
        assert_eq!(c.max_wait, Duration::from_secs(DEFAULT_MAX_WAIT_SECS));
    }

    #[test]
    fn config_app_and_errors() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nsecretstuff\n-----END RSA PRIVATE KEY-----\n";
        let c = GitHubConfig::from_lookup(
            "o/r",
            lookup(&[
                ("GITHUB_TOKEN", "ghs_generic"),
                ("UMD_RELEASE_APP_ID", "12"),
                ("UMD_RELEASE_APP_PRIVATE_KEY", pem),
                ("UMD_RELEASE_APP_INSTALLATION_ID", "34"),
            ]),
        )
        .unwrap();
        assert_eq!(
            c.auth,
            Auth::App {
                app_id: 12,
                private_key_pem: Secret::new(pem),
                installation_id: 34
            }
        );
        assert!(!format!("{c:?}").contains("secretstuff"));

        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.pem");
        std::fs::write(&key, pem).unwrap();
        let c = GitHubConfig::from_lookup(
            "o/r",
            lookup(&[
                ("UMD_RELEASE_APP_ID", "12"),
                ("UMD_RELEASE_APP_PRIVATE_KEY", key.to_str().unwrap()),
                ("UMD_RELEASE_APP_INSTALLATION_ID", "34"),
            ]),
        )
        .unwrap();
        assert!(
            matches!(c.auth, Auth::App { ref private_key_pem, .. } if private_key_pem.expose() == pem)
        );

        let err = |owner_repo: &str, vars: &[(&str, &str)]| {
            let e = GitHubConfig::from_lookup(owner_repo, lookup(vars)).unwrap_err();
            assert!(matches!(e, TrackerError::Invalid { .. }), "{e}");
            e.to_string()
        };
        let msg = err("o/r", &[]);
        assert!(
            msg.contains("UMD_RELEASE_TOKEN") && msg.contains("UMD_RELEASE_APP_ID"),
            "{msg}"
        );
        let msg = err("o/r", &[("UMD_RELEASE_APP_ID", "1")]);
        assert!(
            msg.contains("UMD_RELEASE_APP_PRIVATE_KEY and UMD_RELEASE_APP_INSTALLATION_ID"),
            "{msg}"
        );
        let msg = err(
            "o/r",
            &[
                ("UMD_RELEASE_APP_ID", "1"),
                ("UMD_RELEASE_APP_PRIVATE_KEY", "not-a-key-nor-a-file"),
                ("UMD_RELEASE_APP_INSTALLATION_ID", "2"),
            ],
        );
        assert!(!msg.contains("not-a-key-nor-a-file"), "{msg}");
        for bad in ["o", "o/", "/r", "o/r/x", "o r/x", "../r"] {
            err(bad, &[("UMD_RELEASE_TOKEN", "t")]);
        }
        err(
            "o/r",
            &[("UMD_RELEASE_TOKEN", "t"), ("UMD_RELEASE_MAX_WAIT", "2m")],
        );
    }

    #[test]
    fn rate_limit_classification() {
        let h = |pairs: &[(&'static str, String)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_str(v).unwrap());
            }
            m
        };
        assert_eq!(
            rate_limit_wait(429, &h(&[("retry-after", "3".into())]), ""),
            Some(3)
        );
        let soon = (now_epoch() + 5).to_string();
        let w = rate_limit_wait(
            403,
            &h(&[
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset", soon),
            ]),
            "",
        )
        .unwrap();
        assert!((5..=6).contains(&w), "{w}");
        let past = (now_epoch() - 100).to_string();
        let h0 = h(&[
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", past),
        ]);
        assert_eq!(rate_limit_wait(403, &h0, ""), Some(1));
        let msg = "You have exceeded a secondary rate limit";
        assert_eq!(rate_limit_wait(403, &HeaderMap::new(), msg), Some(60));
        let h5 = h(&[("x-ratelimit-remaining", "5".into())]);
        assert_eq!(
            rate_limit_wait(403, &h5, "Resource not accessible by integration"),
            None
        );
    }

    #[test]
    fn base64_with_line_breaks() {
        assert_eq!(base64_decode("aGVs\nbG8=\n").unwrap(), b"hello");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert_eq!(base64_decode("YWI=").unwrap(), b"ab");
        assert!(base64_decode("a$b").is_none());
    }

    #[test]
    fn validation_message_has_details() {
        let body = r#"{"message":"Validation Failed","errors":[{"resource":"Label","code":"already_exists","field":"name"},{"code":"custom","message":"title is too long"}],"documentation_url":"x"}"#;
        assert_eq!(
            error_message(body),
            "Validation Failed: Label name already_exists; title is too long"
        );
        assert_eq!(error_message("<html>"), "");
    }

    #[test]
    fn permission_from_role_name_then_permission() {
        use PermissionLevel::*;
        for (reply, want) in [
            (
                json!({"permission": "write", "role_name": "maintain"}),
                Some(Maintain),
            ),
            (
                json!({"permission": "read", "role_name": "triage"}),
                Some(Triage),
            ),
            (
                json!({"permission": "write", "role_name": "write"}),
                Some(Write),
            ),
            (
                json!({"permission": "admin", "role_name": "admin"}),
                Some(Admin),
            ),
            // A custom role: its base permission decides.
            (
                json!({"permission": "write", "role_name": "release-bot"}),
                Some(Write),
            ),
            (json!({"permission": "read"}), Some(Read)),
            (json!({"permission": "none", "role_name": "none"}), None),
            (json!({"message": "Not Found"}), None),
            (json!({"permission": 3, "role_name": null}), None),
        ] {
            assert_eq!(permission_level(&reply), want, "{reply}");
        }
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

#[derive(Deserialize)]
struct ApiRelease {
    id: u64,
    tag_name: String,
    #[serde(default)]
    html_url: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    prerelease: bool,
    #[serde(default)]
    assets: Vec<ApiAsset>,
}

#[derive(Deserialize)]
struct ApiAsset {
    id: u64,
    name: String,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    digest: Option<String>,
    url: String,
    #[serde(default)]
    browser_download_url: String,
}

impl From<ApiRelease> for crate::intake::RemoteRelease {
    fn from(r: ApiRelease) -> Self {
        crate::intake::RemoteRelease {
            id: r.id,
            tag: r.tag_name,
            html_url: r.html_url,
            body: r.body.unwrap_or_default(),
            draft: r.draft,
            prerelease: r.prerelease,
            assets: r
                .assets
                .into_iter()
                .map(|a| crate::intake::RemoteAsset {
                    id: a.id,
                    name: a.name,
                    size: a.size,
                    digest: a.digest,
                    url: a.url,
                    browser_download_url: a.browser_download_url,
                })
                .collect(),
        }
    }
}

impl crate::intake::ReleaseSource for GitHubTracker {
    fn digest_source(&self) -> &'static str {
        "GitHub"
    }
    fn file_at(&self, path: &str, git_ref: Option<&str>) -> Result<Option<String>, TrackerError> {
        GitHubTracker::file_at(self, path, git_ref)
    }
    fn download(
        &self,
        asset: &crate::intake::RemoteAsset,
        to: &std::path::Path,
    ) -> Result<String, TrackerError> {
        GitHubTracker::download(self, asset, to)
    }
}
