//! GitLab's generic package registry: the packages of a release, with the
//! sha256 the registry reports for each file.

use std::collections::HashMap;

use serde::Deserialize;

use super::super::TrackerError;
use super::super::http::{PER_PAGE, encode, invalid, not_found_as, pct_decode};
use super::GitLabTracker;
use crate::intake::{RemoteAsset, RemoteRelease};

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
pub(crate) struct GenericFile {
    /// The project as the URL gives it, still percent-encoded (`24`, `g%2Fp`).
    pub(crate) project: String,
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) file: String,
}

impl GitLabTracker {
    /// The generic package file `url` downloads, when it is one on this
    /// GitLab (`API/projects/:id/packages/generic/:name/:version/:file`).
    pub(crate) fn generic_file(&self, url: &str) -> Option<GenericFile> {
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
        let packages: Vec<ApiPackage> = self.collect(&pq).map_err(not_found_as(format!(
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
            let files: Vec<ApiPackageFile> = self.collect(&pq)?;
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
        release: &RemoteRelease,
    ) -> Result<RemoteRelease, TrackerError> {
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
                out.assets.push(RemoteAsset {
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
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::tracker::gitlab::GitLabConfig;
    use crate::tracker::http::Secret;

    fn tracker(api: &str) -> GitLabTracker {
        GitLabTracker::new(GitLabConfig {
            api_url: api.into(),
            project: "example-org/site-info-publisher".into(),
            token: Secret::new("t"),
            max_wait: Duration::from_secs(1),
            timeout: Duration::from_secs(5),
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
}
