//! The pull channel: poll every registered product's releases (GitHub or
//! GitLab, one loop) and file the new ones like `submit`. Which releases are
//! new is decided in [`crate::intake`]; this fetches, stages and files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use time::OffsetDateTime;

use super::check::CheckRequest;
use super::submit::{SubmitRequest, Submitted, submit_release};
use super::{Error, Result, input};
use crate::intake::{self, RemoteRelease, State};
use crate::policy::registry::RegisteredProduct;
use crate::tracker::github::{GitHubConfig, GitHubTracker};
use crate::tracker::gitlab::{GitLabConfig, GitLabTracker};
use crate::tracker::release_source::ReleaseSource;
use crate::tracker::{Spec, Tracker};

/// A product's forge, as the pull channel reads it.
pub enum Source {
    GitHub(GitHubTracker),
    GitLab(GitLabTracker),
}

impl Source {
    /// The forge of a `repository:` value; `None` for one intake cannot poll.
    pub fn open(repository: &str) -> Result<Option<Source>> {
        // Anything but a forge's `github:` or `gitlab:` is skipped, not an error.
        let Ok(spec) = Spec::repository(repository) else {
            if repository.starts_with("github:") || repository.starts_with("gitlab:") {
                Spec::repository(repository)?;
            }
            return Ok(None);
        };
        Ok(Some(match spec {
            Spec::GitHub { owner, repo } => Source::GitHub(GitHubTracker::new(
                GitHubConfig::from_env(&format!("{owner}/{repo}"))?,
            )?),
            Spec::GitLab { project } => {
                Source::GitLab(GitLabTracker::new(GitLabConfig::from_env(&project)?)?)
            }
            Spec::Local(_) => return Ok(None),
        }))
    }

    /// The releases, newest first, and the ETag to send next time; `None`
    /// when unchanged since `etag`. GitLab's API ignores `If-None-Match` (see
    /// `GitLabTracker::releases`): there the handled tags keep re-runs idle.
    #[allow(clippy::type_complexity)]
    fn releases(
        &self,
        etag: Option<&str>,
    ) -> Result<Option<(Vec<RemoteRelease>, Option<String>)>, crate::tracker::TrackerError> {
        match self {
            Source::GitHub(s) => s.releases(etag),
            Source::GitLab(s) => s.releases().map(|r| Some((r, None))),
        }
    }

    /// The release with every package file it has (GitLab: from the generic
    /// package registry when the release links none).
    fn complete(
        &self,
        release: &RemoteRelease,
    ) -> Result<RemoteRelease, crate::tracker::TrackerError> {
        match self {
            Source::GitHub(_) => Ok(release.clone()),
            Source::GitLab(s) => s.with_registry_packages(release),
        }
    }

    pub fn as_release_source(&self) -> &dyn ReleaseSource {
        match self {
            Source::GitHub(s) => s,
            Source::GitLab(s) => s,
        }
    }
}

/// How fetched releases are filed (intake and issue-form requests).
#[derive(Debug, Clone)]
pub struct Filing {
    /// Distributions to file to; empty: those the card's component goes to.
    pub policies: Vec<String>,
    pub registry: Option<PathBuf>,
    pub templates: Option<PathBuf>,
    pub dry_run: bool,
    pub actor: String,
    pub now: OffsetDateTime,
}

/// One thing intake did, in the order it did them.
#[derive(Debug, Clone)]
pub enum Entry {
    /// The product's repository is on neither forge.
    Skipped {
        product: String,
        repository: String,
    },
    /// The forge would not list the product's releases.
    ListFailed {
        product: String,
        repository: String,
        error: String,
    },
    /// The newest release has no package yet: looked at again next run.
    Waits {
        product: String,
        tag: String,
        versions: Vec<String>,
    },
    /// A release was fetched and staged; files without a forge digest had
    /// their sha256 computed from the download.
    Staged {
        product: String,
        tag: String,
        repository: String,
        unverified: Vec<(String, String)>,
    },
    Submitted(Submitted),
    /// A release could not be filed; `forge` failures are tried again next run.
    Failed {
        product: String,
        tag: String,
        error: String,
        forge: bool,
    },
}

/// What one intake run did, and the state to keep for the next.
#[derive(Debug, Clone)]
pub struct Polled {
    pub products: usize,
    pub unchanged: usize,
    pub filed: usize,
    pub entries: Vec<Entry>,
    /// A forge failed somewhere: the run exits 3 and those tags are retried.
    pub forge_failed: bool,
    pub state: State,
}

/// Every registration in `registry`, read before anything is fetched, so
/// that a bad file stops the run cleanly.
pub fn registrations(registry: &Path) -> Result<Vec<RegisteredProduct>> {
    let listing = std::fs::read_dir(registry).with_context(|| {
        format!(
            "cannot read the product registry {} (pass --registry DIR)",
            registry.display()
        )
    })?;
    let mut files: Vec<PathBuf> = listing
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let mut products = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        products.push(RegisteredProduct::parse(&path, &text).map_err(anyhow::Error::from)?);
    }
    Ok(products)
}

/// Reads the state a previous run kept; none yet is an empty one.
pub fn load_state(path: &Path) -> Result<State> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            input(format!(
                "{}: the intake state is not valid JSON ({e})\n  delete it to start afresh: every product's newest release is then looked at again",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(e) => {
            Err(anyhow::Error::new(e).context(format!("cannot read {}", path.display())).into())
        }
    }
}

/// Polls every product and files its new releases.
pub fn poll(
    tracker: &dyn Tracker,
    products: &[RegisteredProduct],
    mut state: State,
    filing: &Filing,
) -> Result<Polled> {
    let mut polled = Polled {
        products: products.len(),
        unchanged: 0,
        filed: 0,
        entries: Vec::new(),
        forge_failed: false,
        state: State::default(),
    };
    for product in products {
        let Some(source) = Source::open(&product.repository)? else {
            polled.entries.push(Entry::Skipped {
                product: product.name.clone(),
                repository: product.repository.clone(),
            });
            continue;
        };
        let known = state.products.get(&product.name).cloned();
        let listed = match source.releases(known.as_ref().and_then(|k| k.etag.as_deref())) {
            Ok(Some(l)) => l,
            Ok(None) => {
                polled.unchanged += 1;
                continue;
            }
            Err(e) => {
                polled.entries.push(Entry::ListFailed {
                    product: product.name.clone(),
                    repository: product.repository.clone(),
                    error: e.to_string(),
                });
                polled.forge_failed = true;
                continue;
            }
        };
        let (releases, etag) = listed;
        let mut next = known.clone().unwrap_or_default();
        next.etag = etag;
        if known.is_none() {
            // First sight: the history counts as handled; only the newest is filed.
            next.seen = intake::first_sight(&releases);
        }
        let fresh = intake::new_releases(known.as_ref(), &releases);
        if fresh.is_empty() {
            polled.unchanged += 1;
        }
        for listed in fresh {
            let outcome = take(
                tracker,
                &source,
                product,
                listed,
                &releases,
                filing,
                &mut polled,
            );
            settle(&mut next, &listed.tag, outcome);
        }
        if known.as_ref() != Some(&next) {
            state.products.insert(product.name.clone(), next);
        }
    }
    polled.state = state;
    Ok(polled)
}

/// What became of one new release, for the state kept between runs.
enum Taken {
    /// Filed or refused for good: not looked at again.
    Handled,
    /// Looked at again next run (no package yet).
    Again,
    /// The forge failed: looked at again, and the listing re-read in full.
    Retry,
}

/// Completes, stages and files one new release, logging what happened.
fn take(
    tracker: &dyn Tracker,
    source: &Source,
    product: &RegisteredProduct,
    listed: &RemoteRelease,
    releases: &[RemoteRelease],
    filing: &Filing,
    polled: &mut Polled,
) -> Taken {
    let tag = listed.tag.clone();
    let result = source
        .complete(listed)
        .map_err(Error::from)
        .and_then(|release| {
            if intake::waits_for_packages(&release, releases) {
                return Ok(None);
            }
            file_release(
                tracker,
                source,
                product,
                &release,
                filing,
                &mut polled.entries,
            )
            .map(Some)
        });
    match result {
        Ok(None) => {
            polled.entries.push(Entry::Waits {
                product: product.name.clone(),
                tag: tag.clone(),
                // GitLab's generic package registry is looked in too.
                versions: match source {
                    Source::GitLab(_) => intake::registry_versions(&tag),
                    Source::GitHub(_) => Vec::new(),
                },
            });
            Taken::Again
        }
        Ok(Some(submitted)) => {
            if !submitted.refused() {
                polled.filed += 1;
            }
            polled.entries.push(Entry::Submitted(submitted));
            Taken::Handled
        }
        Err(e) => {
            let forge = e.is_forge();
            polled.entries.push(Entry::Failed {
                product: product.name.clone(),
                tag,
                error: format!("{e:#}"),
                forge,
            });
            if forge {
                polled.forge_failed = true;
                Taken::Retry
            } else {
                Taken::Handled
            }
        }
    }
}

/// Records in the product's state what became of release `tag`.
fn settle(next: &mut intake::ProductState, tag: &str, taken: Taken) {
    match taken {
        Taken::Handled => mark(&mut next.seen, tag),
        Taken::Again => next.seen.retain(|t| t != tag),
        // Keep the tag unseen so the next run tries again.
        Taken::Retry => {
            next.etag = None;
            next.seen.retain(|t| t != tag);
        }
    }
}

fn mark(seen: &mut Vec<String>, tag: &str) {
    if !seen.iter().any(|t| t == tag) {
        seen.push(tag.to_string());
    }
}

/// Files one release of a registered product: the card and changelogs at its
/// tag, its packages checked against the digests the forge reports (a file
/// without one gets its sha256 computed from the download, and the log says so).
pub fn file_release(
    tracker: &dyn Tracker,
    source: &Source,
    product: &RegisteredProduct,
    release: &RemoteRelease,
    filing: &Filing,
    entries: &mut Vec<Entry>,
) -> Result<Submitted> {
    let from = source.as_release_source();
    if let Some(name) = intake::duplicate_package(&release.assets) {
        return Err(input(format!(
            "two files of the release are named `{name}`: a package is staged under its file name, so each needs its own"
        )));
    }
    let staging = || "cannot make a staging directory";
    let tmp = tempfile::tempdir().context(staging())?;
    let repo = tmp.path().join("repo");
    let dist = tmp.path().join("dist");
    for dir in [&repo, &dist] {
        std::fs::create_dir_all(dir).context(staging())?;
    }
    for file in intake::repo_files(&product.card) {
        if let Some(text) = from.file_at(&file, Some(&release.tag))? {
            // The card goes where `check` looks for it, whatever its path upstream.
            let to = if file == product.card {
                repo.join(crate::policy::card::FILE_NAME)
            } else {
                repo.join(&file)
            };
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(anyhow::Error::new)?;
            }
            std::fs::write(&to, text).map_err(anyhow::Error::new)?;
        }
    }
    let mut downloads = BTreeMap::new();
    let mut unverified = Vec::new();
    for asset in release.assets.iter().filter(|a| a.is_package()) {
        let sha = from.download(asset, &dist.join(&asset.name))?;
        match asset.sha256() {
            Some(want) if want != sha => {
                return Err(input(format!(
                    "{}: the download's sha256 is {sha} but {} reports {want}; the file was altered or the download corrupted",
                    asset.name,
                    from.digest_source()
                )));
            }
            Some(_) => {}
            None => unverified.push((asset.name.clone(), sha)),
        }
        downloads.insert(asset.name.clone(), asset.browser_download_url.clone());
    }
    let notes = tmp.path().join("NOTES.md");
    std::fs::write(&notes, &release.body).map_err(anyhow::Error::new)?;
    let req = SubmitRequest {
        check: CheckRequest {
            repo,
            tag: release.tag.clone(),
            artifacts: Some(dist),
            policies: filing.policies.clone(),
            notes: (!release.body.trim().is_empty()).then_some(notes),
        },
        registry: filing.registry.clone(),
        allow_failures: false,
        dry_run: filing.dry_run,
        actor: filing.actor.clone(),
        templates: filing.templates.clone(),
        downloads,
        download_url_base: None,
        release_notes_url: Some(release.html_url.clone()).filter(|u| !u.is_empty()),
        now: filing.now,
    };
    entries.push(Entry::Staged {
        product: product.name.clone(),
        tag: release.tag.clone(),
        repository: product.repository.clone(),
        unverified,
    });
    submit_release(tracker, &req)
}

/// The log of what intake did, one or more lines per entry.
pub fn log(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        match e {
            Entry::Skipped {
                product,
                repository,
            } => out.push_str(&format!(
                "{product}: skipped: intake polls GitHub and GitLab releases, and `{repository}` is neither `github:OWNER/REPO` nor `gitlab:GROUP/PROJECT`\n"
            )),
            Entry::ListFailed {
                product,
                repository,
                error,
            } => out.push_str(&format!(
                "{product}: cannot list the releases of {repository}: {error}\n"
            )),
            Entry::Waits {
                product,
                tag,
                versions,
            } if versions.is_empty() => out.push_str(&format!(
                "{product} {tag}: no .rpm or .deb yet: looked at again next run\n"
            )),
            Entry::Waits {
                product,
                tag,
                versions,
            } => out.push_str(&format!(
                "{product} {tag}: no .rpm or .deb yet (release links, or generic packages of version {}): looked at again next run\n",
                versions.join(" or ")
            )),
            Entry::Staged {
                product,
                tag,
                repository,
                unverified,
            } => {
                out.push_str(&format!("{product} {tag} ({repository}):\n"));
                for (name, sha) in unverified {
                    out.push_str(&format!(
                        "  {name}: the forge publishes no checksum for this file; its sha256 {sha} was computed from the download\n"
                    ));
                }
            }
            Entry::Submitted(s) => out.push_str(&s.log()),
            Entry::Failed {
                product,
                tag,
                error,
                forge: true,
            } => out.push_str(&format!("{product} {tag}: {error}\n")),
            Entry::Failed {
                product,
                tag,
                error,
                forge: false,
            } => out.push_str(&format!("{product} {tag}: not filed: {error}\n")),
        }
    }
    out
}
