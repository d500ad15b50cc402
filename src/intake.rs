//! The pull channel: the tracking repository polls each registered product's
//! releases and files the new ones, so providers need no secret. The decisions
//! (which releases are new, which files to fetch) are pure; the GitHub client
//! does the fetching.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A release as the provider's forge lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteRelease {
    pub id: u64,
    pub tag: String,
    pub html_url: String,
    pub body: String,
    pub draft: bool,
    pub prerelease: bool,
    pub assets: Vec<RemoteAsset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteAsset {
    pub id: u64,
    pub name: String,
    pub size: u64,
    /// `sha256:<hex>` when the forge computed one.
    pub digest: Option<String>,
    /// API URL of the asset (downloaded with `Accept: application/octet-stream`).
    pub url: String,
    /// Public download link, for the submission's package list.
    pub browser_download_url: String,
}

impl RemoteAsset {
    /// Packages only, and only names that are safe as file names.
    pub fn is_package(&self) -> bool {
        safe_file_name(&self.name) && (self.name.ends_with(".rpm") || self.name.ends_with(".deb"))
    }

    /// The sha256 the forge reports, if it reports one.
    pub fn sha256(&self) -> Option<&str> {
        self.digest
            .as_deref()
            .and_then(|d| d.strip_prefix("sha256:"))
    }
}

/// A name with no path in it: a release asset cannot write outside the staging dir.
pub fn safe_file_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0']) && name != ".."
}

/// What intake remembers between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub products: BTreeMap<String, ProductState>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductState {
    /// ETag of the last releases listing: an unchanged repository answers 304,
    /// which does not count against the rate limit.
    pub etag: Option<String>,
    /// Tags already handled (filed, or refused with a reason).
    pub seen: Vec<String>,
}

/// Releases to file, oldest first. The first time a product is seen only its
/// newest release is taken: registering a product must not file its history.
pub fn new_releases<'a>(
    state: Option<&ProductState>,
    releases: &'a [RemoteRelease],
) -> Vec<&'a RemoteRelease> {
    let published: Vec<&RemoteRelease> = releases
        .iter()
        .filter(|r| !r.draft && !r.prerelease)
        .collect();
    let mut out: Vec<&RemoteRelease> = match state {
        None => published.into_iter().take(1).collect(),
        Some(s) => published
            .into_iter()
            .filter(|r| !s.seen.contains(&r.tag))
            .collect(),
    };
    // Forges list newest first; file in release order.
    out.reverse();
    out
}

/// Files read from the provider's repository at the release tag: the card and
/// the changelogs the check compares with the tag.
pub fn repo_files(card: &str) -> Vec<String> {
    let mut files = vec![
        card.to_string(),
        "CHANGELOG.md".into(),
        "CHANGELOG".into(),
        "debian/changelog".into(),
    ];
    files.dedup();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(tag: &str, draft: bool, prerelease: bool) -> RemoteRelease {
        RemoteRelease {
            id: 1,
            tag: tag.into(),
            html_url: String::new(),
            body: String::new(),
            draft,
            prerelease,
            assets: vec![],
        }
    }

    #[test]
    fn first_sight_takes_only_the_newest_published_release() {
        let list = [
            rel("v3", true, false),
            rel("v2", false, false),
            rel("v1", false, false),
        ];
        let tags: Vec<&str> = new_releases(None, &list)
            .iter()
            .map(|r| r.tag.as_str())
            .collect();
        assert_eq!(tags, ["v2"]);
    }

    #[test]
    fn later_polls_take_every_unseen_release_oldest_first() {
        let list = [
            rel("v4", false, false),
            rel("v3", false, true),
            rel("v2", false, false),
            rel("v1", false, false),
        ];
        let state = ProductState {
            etag: None,
            seen: vec!["v1".into()],
        };
        let tags: Vec<&str> = new_releases(Some(&state), &list)
            .iter()
            .map(|r| r.tag.as_str())
            .collect();
        assert_eq!(tags, ["v2", "v4"]);
    }

    #[test]
    fn asset_names_cannot_escape() {
        let a = |name: &str| RemoteAsset {
            id: 1,
            name: name.into(),
            size: 0,
            digest: None,
            url: String::new(),
            browser_download_url: String::new(),
        };
        assert!(a("x-1.0-1.el9.noarch.rpm").is_package());
        assert!(!a("../x.rpm").is_package());
        assert!(!a("x.tar.gz").is_package());
        assert_eq!(a("x.rpm").sha256(), None);
    }
}
