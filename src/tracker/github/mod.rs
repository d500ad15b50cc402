//! The GitHub tracker: issues of one repository through the REST API, via
//! octocrab's raw request methods so that status codes and headers (Link,
//! `retry-after`, `x-ratelimit-*`) stay visible to us.
//!
//! The [`Tracker`](crate::tracker::Tracker) trait is synchronous, so the tracker owns a current-thread
//! tokio runtime and blocks on each call. Requests are strictly serial: GitHub
//! asks integrations not to make concurrent requests (secondary rate limits).
//! Must not be used from inside another tokio runtime (`block_on` would panic).

mod api;
mod config;
mod issues;
mod releases;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ::http::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue};
use ::http::{Method, StatusCode};
use octocrab::Octocrab;
use octocrab::models::{AppId, InstallationId};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use super::http::Secret;
pub(crate) use config::parse_owner_repo;
pub use config::{Auth, GitHubConfig};

use super::TrackerError;
use super::http::{
    self, Answer, Call, ErrorBody, Rules, error_chain, forge, header_u64, invalid, next_link,
    path_and_query, said, until_reset,
};

const API_VERSION: &str = "2022-11-28";

type Res<T> = Result<T, TrackerError>;
/// GitHub's advice for a secondary rate limit that names no wait.
const SECONDARY_RATE_LIMIT_WAIT: u64 = 60;

const RULES: Rules = Rules {
    forge: "GitHub",
    rate_limit_wait,
    body: ErrorBody::GitHub,
};

pub struct GitHubTracker {
    rt: tokio::runtime::Runtime,
    octo: Octocrab,
    owner: String,
    repo: String,
    max_wait: Duration,
    requests: AtomicU64,
    identity: std::sync::OnceLock<String>,
}

impl fmt::Debug for GitHubTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHubTracker")
            .field("repo", &format_args!("{}/{}", self.owner, self.repo))
            .finish_non_exhaustive()
    }
}

/// How long a 403/429 asks us to wait, or `None` if it is no rate limit
/// (a 403 for a missing permission). GitHub's documented order: `retry-after`,
/// then `x-ratelimit-remaining: 0` until `x-ratelimit-reset`, then a minute
/// for a secondary limit that names no time.
fn rate_limit_wait(code: u16, headers: &HeaderMap, message: &dyn Fn() -> String) -> Option<u64> {
    if code != 429 && code != 403 {
        return None;
    }
    if let Some(secs) = header_u64(headers, "retry-after") {
        return Some(secs);
    }
    if header_u64(headers, "x-ratelimit-remaining") == Some(0) {
        return Some(until_reset(header_u64(headers, "x-ratelimit-reset")?));
    }
    (code == 429 || message().to_ascii_lowercase().contains("rate limit"))
        .then_some(SECONDARY_RATE_LIMIT_WAIT)
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
            .set_read_timeout(Some(config.timeout))
            .set_write_timeout(Some(config.timeout));
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
            identity: std::sync::OnceLock::new(),
        })
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

    /// Sends one request through [`http::drive`]; every request goes
    /// through here. 2xx and 304 are returned, anything else becomes the
    /// matching [`TrackerError`].
    fn call(&self, method: Method, pq: &str, body: Option<Value>) -> Result<Answer, TrackerError> {
        self.send(method, pq, body.as_ref(), &[], None)
    }

    /// [`GitHubTracker::call`] with extra headers (`If-None-Match`, `Accept`),
    /// and, when `sink` is given, a 2xx body streamed into it instead of returned.
    fn call_with(
        &self,
        method: Method,
        pq: &str,
        headers: &[(HeaderName, HeaderValue)],
        sink: Option<&mut dyn std::io::Write>,
    ) -> Result<Answer, TrackerError> {
        self.send(method, pq, None, headers, sink)
    }

    fn send(
        &self,
        method: Method,
        pq: &str,
        body: Option<&Value>,
        extra: &[(HeaderName, HeaderValue)],
        mut sink: Option<&mut dyn std::io::Write>,
    ) -> Result<Answer, TrackerError> {
        // Every other request here is idempotent, adding labels to an issue included.
        let creates = method == Method::POST
            && !(pq.contains("/issues/") && pq.ends_with("/labels"))
            && pq != "/graphql";
        let call = Call {
            method: &method,
            pq,
            max_wait: self.max_wait,
            creates,
            explain: true,
        };
        let answer = http::drive(&RULES, &call, || {
            let sink = sink.as_mut().map(|s| &mut **s as &mut dyn std::io::Write);
            self.rt
                .block_on(self.attempt(&method, pq, body, extra, sink))
        })?;
        if answer.status.is_success() || answer.status == StatusCode::NOT_MODIFIED {
            return Ok(answer);
        }
        let message = RULES.message(&answer);
        Err(self.refusal(&method, pq, answer.status.as_u16(), &message))
    }

    /// One request, its answer whatever the status.
    async fn attempt(
        &self,
        method: &Method,
        pq: &str,
        body: Option<&Value>,
        extra: &[(HeaderName, HeaderValue)],
        sink: Option<&mut dyn std::io::Write>,
    ) -> Result<Answer, TrackerError> {
        let uri: ::http::Uri = pq
            .parse()
            .map_err(|_| invalid(format!("cannot build a request for `{pq}`")))?;
        let builder = ::http::Request::builder()
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
            && let Some(out) = sink
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
            return Ok(Answer {
                status,
                headers,
                body: Vec::new(),
            });
        }
        let text = self.octo.body_to_string(response).await.map_err(|e| {
            forge(
                Some(status.as_u16()),
                format!("{method} {pq}: reading the response: {}", error_chain(&e)),
            )
        })?;
        Ok(Answer {
            status,
            headers,
            body: text.into_bytes(),
        })
    }

    /// The error for a failed request that is not worth retrying.
    fn refusal(&self, method: &Method, pq: &str, code: u16, message: &str) -> TrackerError {
        let slug = self.slug();
        let said = said(message);
        match code {
            401 => forge(
                Some(401),
                "the token was refused (401): check that UMD_RELEASE_TOKEN/GITHUB_TOKEN is valid and not expired",
            ),
            403 => http::forbidden(
                (method, pq),
                &said,
                format!("the credentials need Issues: read and write on {slug}"),
            ),
            404 => http::not_found(pq, &slug),
            410 => forge(
                Some(410),
                format!(
                    "issues are disabled on {slug}{said}: enable them in the repository settings"
                ),
            ),
            422 => http::rejected("GitHub", (method, pq, 422), message, "validation failed"),
            _ => forge(Some(code), format!("{method} {pq}{said}")),
        }
    }

    fn call_json<T: DeserializeOwned>(&self, m: Method, pq: &str, body: Option<Value>) -> Res<T> {
        RULES.json(&self.call(m, pq, body)?, pq)
    }

    /// Every page of a list, following `Link: rel="next"`; `items` takes one
    /// page's body apart (a plain array, or the search API's object).
    fn list_pages<T>(
        &self,
        first: &str,
        items: impl Fn(&Answer, &str) -> Result<Vec<T>, TrackerError>,
    ) -> Result<Vec<T>, TrackerError> {
        http::paginate(first, |pq| {
            let answer = self.call(Method::GET, pq, None)?;
            // Only path and query of a URL GitHub gave us: octocrab withholds
            // the token from absolute URLs whose host is not api.github.com,
            // and joins relative ones onto the configured base (keeping a
            // GHES `/api/v3` prefix once).
            let next = next_link(&answer.headers).and_then(|next| path_and_query(&next));
            Ok((items(&answer, pq)?, next))
        })
    }

    fn list_all<T: DeserializeOwned>(&self, first: &str) -> Result<Vec<T>, TrackerError> {
        self.list_pages(first, |answer, pq| RULES.json(answer, pq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::http::now_epoch;

    fn none() -> String {
        String::new()
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
            rate_limit_wait(429, &h(&[("retry-after", "3".into())]), &none),
            Some(3)
        );
        let soon = (now_epoch() + 5).to_string();
        let w = rate_limit_wait(
            403,
            &h(&[
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset", soon),
            ]),
            &none,
        )
        .unwrap();
        assert!((5..=6).contains(&w), "{w}");
        let past = (now_epoch() - 100).to_string();
        let h0 = h(&[
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", past),
        ]);
        assert_eq!(rate_limit_wait(403, &h0, &none), Some(1));
        let msg = "You have exceeded a secondary rate limit";
        assert_eq!(
            rate_limit_wait(403, &HeaderMap::new(), &|| msg.to_string()),
            Some(60)
        );
        let h5 = h(&[("x-ratelimit-remaining", "5".into())]);
        assert_eq!(
            rate_limit_wait(403, &h5, &|| "Resource not accessible by integration"
                .into()),
            None
        );
    }
}
