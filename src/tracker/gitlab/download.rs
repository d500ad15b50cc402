//! Downloads of release assets from GitLab and wherever its links point.

use ::http::Method;
use ::http::header::{ACCEPT, HeaderMap, USER_AGENT};
use std::sync::atomic::Ordering;

use super::super::TrackerError;
use super::super::http::{self, Answer, Call, Reply, error_chain, forge, header_str, invalid};
use super::{GitLabTracker, RULES, USER_AGENT_VALUE};
use crate::intake::RemoteAsset;

/// The most a downloaded package may weigh when GitLab reports no size for it.
const MAX_DOWNLOAD_BYTES: u64 = 2 << 30;
/// Redirects a download follows (GitLab's object storage answers with one).
const MAX_REDIRECTS: usize = 5;

/// `url` without its query and fragment: a pre-signed object-storage URL
/// carries its signature there, which no message should show.
fn shown(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// A download's answer: its body still unread, or the failure read whole.
enum Fetched {
    Body(reqwest::blocking::Response),
    Failed(Answer),
}

impl Reply for Fetched {
    fn status(&self) -> ::http::StatusCode {
        match self {
            Fetched::Body(r) => r.status(),
            Fetched::Failed(a) => a.status,
        }
    }
    fn headers(&self) -> &HeaderMap {
        match self {
            Fetched::Body(r) => r.headers(),
            Fetched::Failed(a) => &a.headers,
        }
    }
    fn text(&self) -> String {
        match self {
            Fetched::Body(_) => String::new(),
            Fetched::Failed(a) => a.text(),
        }
    }
}

impl GitLabTracker {
    /// Downloads a release asset into `to`, returning the sha256 of what was
    /// written. The token goes only to this GitLab (same scheme, host and
    /// port as the API); a link to another host, or a redirect to one (the
    /// registry's object storage), is fetched without it. Redirects are
    /// followed by hand, never from https to http. A download larger than the
    /// size GitLab reports (else than 2 GiB) is refused.
    pub(crate) fn download_asset(
        &self,
        asset: &RemoteAsset,
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
            let response = self.get_download(&url, url.origin() == api.origin(), &asset.name)?;
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
    fn get_download(
        &self,
        url: &reqwest::Url,
        ours: bool,
        name: &str,
    ) -> Result<reqwest::blocking::Response, TrackerError> {
        let call = Call {
            method: &Method::GET,
            pq: url.path(),
            max_wait: self.max_wait,
            creates: false,
            explain: false,
        };
        let got = http::drive(&RULES, &call, || {
            let mut request = self
                .client
                .get(url.clone())
                .header(ACCEPT, "*/*")
                .header(USER_AGENT, USER_AGENT_VALUE);
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
                return Ok(Fetched::Body(response));
            }
            let headers = response.headers().clone();
            let body = response.text().unwrap_or_default().into_bytes();
            Ok(Fetched::Failed(Answer {
                status,
                headers,
                body,
            }))
        })?;
        let answer = match got {
            Fetched::Body(response) => return Ok(response),
            Fetched::Failed(answer) => answer,
        };
        let code = answer.status.as_u16();
        if ours {
            // As the API's errors name it: the path below the API's base.
            let base = reqwest::Url::parse(&self.api_url)
                .map(|a| a.path().trim_end_matches('/').to_string())
                .unwrap_or_default();
            let path = url.path();
            let pq = path.strip_prefix(base.as_str()).unwrap_or(path);
            return Err(self.failure(&Method::GET, pq, code, &RULES.message(&answer)));
        }
        Err(match code {
            404 | 410 => TrackerError::NotFound {
                what: format!("`{name}` at {}", shown(url)),
            },
            _ => forge(
                Some(code),
                format!("GET {}: cannot download `{name}` (HTTP {code})", shown(url)),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_urls_keep_no_query() {
        let u = reqwest::Url::parse("https://s3.example/b/o.rpm?X-Amz-Signature=secret#f").unwrap();
        assert_eq!(shown(&u), "https://s3.example/b/o.rpm");
    }
}
