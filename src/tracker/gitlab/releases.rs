//! Release intake from GitLab: a project's releases, its files at a tag.
//! The package registry is in `registry.rs`, downloads in `download.rs`.

use http::Method;
use serde::Deserialize;

use super::super::TrackerError;
use super::super::http::{PER_PAGE, forge, not_found_as, pct_decode};
use super::super::release_source::ReleaseSource;
use super::GitLabTracker;
use crate::intake::{RemoteAsset, RemoteRelease};

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
    pub fn releases(&self) -> Result<Vec<RemoteRelease>, TrackerError> {
        let pq = format!("{}/releases?per_page={PER_PAGE}", self.project_path());
        let list: Vec<ApiRelease> = self
            .fetch_json(Method::GET, &pq, None)
            .map_err(not_found_as(self.project_what()))?;
        list.into_iter().map(|r| self.remote_release(r)).collect()
    }

    fn remote_release(&self, r: ApiRelease) -> Result<RemoteRelease, TrackerError> {
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
        Ok(RemoteRelease {
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

    fn link_asset(&self, l: ApiReleaseLink) -> RemoteAsset {
        let direct = l.direct_asset_url.filter(|u| !u.trim().is_empty());
        let name = match self.generic_file(&l.url) {
            Some(g) => g.file,
            None => link_file_name(&l.name, &[&l.url, direct.as_deref().unwrap_or("")]),
        };
        RemoteAsset {
            id: l.id,
            name,
            size: 0,
            digest: None,
            browser_download_url: direct.unwrap_or_else(|| l.url.clone()),
            url: l.url,
        }
    }
}

impl ReleaseSource for GitLabTracker {
    fn digest_source(&self) -> &'static str {
        "GitLab's package registry"
    }
    /// Raw, at a tag (the default branch when `None`).
    fn file_at(&self, path: &str, git_ref: Option<&str>) -> Result<Option<String>, TrackerError> {
        self.raw_file(path, git_ref.unwrap_or("HEAD"))
    }
    fn download(&self, asset: &RemoteAsset, to: &std::path::Path) -> Result<String, TrackerError> {
        self.download_asset(asset, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
