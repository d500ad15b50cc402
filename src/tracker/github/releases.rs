//! Release intake from GitHub: a repository's releases, its files at a
//! tag, and the download of release assets.

use http::header::{ACCEPT, HeaderValue};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use super::super::TrackerError;
use super::super::http::{Answer, encode, forge, hex_digest, invalid, path_and_query};
use super::super::release_source::ReleaseSource;
use super::GitHubTracker;
use super::api::{ApiContent, base64_decode};
use crate::intake::{RemoteAsset, RemoteRelease};

impl GitHubTracker {
    /// The newest releases of this repository (one page), or `None` when they are
    /// unchanged since `etag`: GitHub answers 304, which costs no rate limit.
    #[allow(clippy::type_complexity)]
    pub fn releases(
        &self,
        etag: Option<&str>,
    ) -> Result<Option<(Vec<RemoteRelease>, Option<String>)>, TrackerError> {
        let pq = format!("{}/releases?per_page=30", self.repo_path());
        let mut headers = Vec::new();
        if let Some(tag) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
            headers.push((http::header::IF_NONE_MATCH, tag));
        }
        let answer = self.call_with(Method::GET, &pq, &headers, None)?;
        if answer.status == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        let list: Vec<RemoteRelease> = super::RULES
            .json::<Vec<ApiRelease>>(&answer, &pq)?
            .into_iter()
            .map(Into::into)
            .collect();
        let etag = answer
            .headers
            .get(http::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        Ok(Some((list, etag)))
    }

    /// The release of this repository with tag `tag`, `None` if there is none.
    pub fn release_by_tag(&self, tag: &str) -> Result<Option<RemoteRelease>, TrackerError> {
        let pq = format!("{}/releases/tags/{}", self.repo_path(), encode(tag));
        match self.call_json::<ApiRelease>(Method::GET, &pq, None) {
            Ok(r) => Ok(Some(r.into())),
            Err(TrackerError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A file of this repository at `git_ref` (default branch when `None`),
    /// through the contents API (files up to 1 MB); `None` when absent.
    fn contents(&self, path: &str, git_ref: Option<&str>) -> Result<Option<String>, TrackerError> {
        let segments = super::super::plain_path(path)?;
        let encoded: Vec<String> = segments.iter().map(|s| encode(s)).collect();
        let mut pq = format!("{}/contents/{}", self.repo_path(), encoded.join("/"));
        if let Some(r) = git_ref {
            pq.push_str(&format!("?ref={}", encode(r)));
        }
        let value: Value = match self.call_json(Method::GET, &pq, None) {
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

    /// Downloads a release asset into `to`, returning the sha256 of what was written.
    fn download_asset(
        &self,
        asset: &RemoteAsset,
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
        let _: Answer = self.call_with(Method::GET, &pq, &headers, Some(&mut sink))?;
        std::io::Write::flush(&mut sink).map_err(io_err)?;
        Ok(hex_digest(sink.hash))
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

impl From<ApiRelease> for RemoteRelease {
    fn from(r: ApiRelease) -> Self {
        RemoteRelease {
            id: r.id,
            tag: r.tag_name,
            html_url: r.html_url,
            body: r.body.unwrap_or_default(),
            draft: r.draft,
            prerelease: r.prerelease,
            assets: r
                .assets
                .into_iter()
                .map(|a| RemoteAsset {
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

impl ReleaseSource for GitHubTracker {
    fn digest_source(&self) -> &'static str {
        "GitHub"
    }
    fn file_at(&self, path: &str, git_ref: Option<&str>) -> Result<Option<String>, TrackerError> {
        self.contents(path, git_ref)
    }
    fn download(&self, asset: &RemoteAsset, to: &std::path::Path) -> Result<String, TrackerError> {
        self.download_asset(asset, to)
    }
}
