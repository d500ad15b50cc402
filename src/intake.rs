//! The pull channel: the tracking repository polls each registered product's
//! releases and files the new ones, so providers need no secret. The decisions
//! (which releases are new, which files to fetch) are pure; the GitHub and
//! GitLab clients do the fetching (`tracker::release_source`).

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

/// Tags counted as handled the first time a product is seen: its published
/// releases. A draft, or a GitLab release still upcoming, is filed once it is
/// published.
pub fn first_sight(releases: &[RemoteRelease]) -> Vec<String> {
    releases
        .iter()
        .filter(|r| !r.draft && !r.prerelease)
        .map(|r| r.tag.clone())
        .collect()
}

/// Whether a release that has no package yet is looked at again on the next
/// run rather than taken as it is: only the newest published release waits,
/// as its packages may still be uploading (on GitLab the release and the
/// package registry are written apart). An older one is not waited for.
pub fn waits_for_packages(release: &RemoteRelease, releases: &[RemoteRelease]) -> bool {
    !release.assets.iter().any(RemoteAsset::is_package)
        && releases
            .iter()
            .find(|r| !r.draft && !r.prerelease)
            .is_some_and(|newest| newest.tag == release.tag)
}

/// The versions a release's packages may have in GitLab's generic package
/// registry, in the order they are looked for: the tag without its `v`
/// (`v1.4.0` is `1.4.0`, the registry's usual form), then the tag itself.
pub fn registry_versions(tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = tag
        .strip_prefix(['v', 'V'])
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
    {
        out.push(v.to_string());
    }
    out.push(tag.to_string());
    out
}

/// A package file name that two assets of a release share: staged side by
/// side, one would overwrite the other.
pub fn duplicate_package(assets: &[RemoteAsset]) -> Option<&str> {
    let packages: Vec<&RemoteAsset> = assets.iter().filter(|a| a.is_package()).collect();
    packages
        .iter()
        .enumerate()
        .find(|(i, a)| packages[..*i].iter().any(|b| b.name == a.name))
        .map(|(_, a)| a.name.as_str())
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

    fn with_assets(mut r: RemoteRelease, names: &[&str]) -> RemoteRelease {
        r.assets = names
            .iter()
            .map(|n| RemoteAsset {
                id: 1,
                name: n.to_string(),
                size: 0,
                digest: None,
                url: String::new(),
                browser_download_url: String::new(),
            })
            .collect();
        r
    }

    #[test]
    fn first_sight_handles_only_published_releases() {
        let list = [
            rel("v3", true, false),
            rel("v2", false, false),
            rel("v1", false, false),
        ];
        assert_eq!(first_sight(&list), ["v2", "v1"]);
        // The upcoming v3, once published, is new: it is filed.
        let state = ProductState {
            etag: None,
            seen: first_sight(&list),
        };
        let now = [
            rel("v3", false, false),
            rel("v2", false, false),
            rel("v1", false, false),
        ];
        let tags: Vec<&str> = new_releases(Some(&state), &now)
            .iter()
            .map(|r| r.tag.as_str())
            .collect();
        assert_eq!(tags, ["v3"]);
    }

    #[test]
    fn only_the_newest_release_waits_for_its_packages() {
        let list = [
            rel("v4", true, false),
            with_assets(rel("v3", false, false), &["notes.txt"]),
            rel("v2", false, false),
            with_assets(rel("v1", false, false), &["x-1-1.el9.noarch.rpm"]),
        ];
        assert!(waits_for_packages(&list[1], &list));
        assert!(!waits_for_packages(&list[2], &list));
        assert!(!waits_for_packages(&list[3], &list));
        let packaged = with_assets(rel("v3", false, false), &["x-3-1.el9.noarch.rpm"]);
        assert!(!waits_for_packages(
            &packaged,
            std::slice::from_ref(&packaged)
        ));
    }

    #[test]
    fn registry_versions_try_the_tag_without_its_v_first() {
        assert_eq!(registry_versions("v1.4.0"), ["1.4.0", "v1.4.0"]);
        assert_eq!(registry_versions("1.4.0"), ["1.4.0"]);
        assert_eq!(registry_versions("version-2"), ["version-2"]);
    }

    #[test]
    fn a_package_name_used_twice_is_found() {
        let r = with_assets(
            rel("v1", false, false),
            &["a.rpm", "notes", "b.deb", "notes", "a.rpm"],
        );
        assert_eq!(duplicate_package(&r.assets), Some("a.rpm"));
        let r = with_assets(rel("v1", false, false), &["a.rpm", "b.deb"]);
        assert_eq!(duplicate_package(&r.assets), None);
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
