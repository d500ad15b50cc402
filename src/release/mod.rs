//! One release as facts, gathered once from the provider repository and the
//! artifacts directory, then handed to the pure rules in [`crate::check`].

pub mod changelog;
pub mod tag;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::package::{self, Package, PackageError};
use crate::policy::ProductCard;
use crate::policy::card::{self, CardError};
use changelog::{ChangelogEntry, ChangelogError, ChangelogKind};

/// A changelog file found in the repository and its parsed entries.
#[derive(Debug, Clone, Serialize)]
pub struct Changelog {
    pub kind: ChangelogKind,
    /// Path relative to the repository root.
    pub file: PathBuf,
    pub entries: Vec<ChangelogEntry>,
}

/// Release notes given explicitly with `--notes`.
#[derive(Debug, Clone, Serialize)]
pub struct Notes {
    pub file: PathBuf,
    pub text: String,
}

/// Everything the rules look at, read once.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseFacts {
    pub repo: PathBuf,
    pub tag: String,
    #[serde(skip)]
    pub card: Option<ProductCard>,
    pub changelogs: Vec<Changelog>,
    pub notes: Option<Notes>,
    /// `None` when no artifacts directory was given.
    pub artifacts: Option<PathBuf>,
    pub packages: Vec<Package>,
}

/// What to gather.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    pub repo: &'a Path,
    pub tag: &'a str,
    pub artifacts: Option<&'a Path>,
    pub notes: Option<&'a Path>,
}

/// Input that cannot be checked at all: the CLI exits 2 with this message.
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    #[error(
        "{}: the repository directory does not exist or is not a directory\n  pass the provider repository's root with --repo DIR",
        .0.display()
    )]
    MissingRepo(PathBuf),
    #[error("{}: cannot read {what}: {source}\n  check that the file exists and is readable", path.display())]
    Read {
        path: PathBuf,
        what: &'static str,
        source: std::io::Error,
    },
    #[error(transparent)]
    Card(#[from] CardError),
    #[error(transparent)]
    Changelog(#[from] ChangelogError),
    #[error(transparent)]
    Package(#[from] PackageError),
}

/// Directories searched for rpm spec files, relative to the repository root.
const SPEC_DIRS: &[&str] = &["", "rpm", "packaging", "packaging/rpm", "redhat", "spec"];

pub fn gather(inputs: &Inputs) -> Result<ReleaseFacts, GatherError> {
    let repo = inputs.repo;
    if !repo.is_dir() {
        return Err(GatherError::MissingRepo(repo.to_path_buf()));
    }
    let card = ProductCard::load(repo)?.map(|(_, c)| c);
    let changelogs = find_changelogs(repo)?;
    let notes = match inputs.notes {
        Some(path) => Some(Notes {
            file: path.to_path_buf(),
            text: std::fs::read_to_string(path).map_err(|source| GatherError::Read {
                path: path.to_path_buf(),
                what: "the release notes (--notes)",
                source,
            })?,
        }),
        None => None,
    };
    let packages = match inputs.artifacts {
        Some(dir) => package::discover(dir)?,
        None => Vec::new(),
    };
    Ok(ReleaseFacts {
        repo: repo.to_path_buf(),
        tag: inputs.tag.to_string(),
        card,
        changelogs,
        notes,
        artifacts: inputs.artifacts.map(Path::to_path_buf),
        packages,
    })
}

fn read(repo: &Path, rel: &Path) -> Result<Option<Vec<u8>>, GatherError> {
    let path = repo.join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                || e.kind() == std::io::ErrorKind::IsADirectory =>
        {
            Ok(None)
        }
        Err(source) => Err(GatherError::Read {
            path,
            what: "a changelog",
            source,
        }),
    }
}

/// Changelog files the repository may have, by kind, in the order reports list them.
fn changelog_candidates(repo: &Path) -> Vec<(ChangelogKind, PathBuf)> {
    let mut out = Vec::new();
    if let Some(name) = ["CHANGELOG.md", "CHANGELOG"]
        .into_iter()
        .find(|n| repo.join(n).is_file())
    {
        out.push((ChangelogKind::KeepAChangelog, PathBuf::from(name)));
    }
    out.push((ChangelogKind::Debian, PathBuf::from("debian/changelog")));
    for dir in SPEC_DIRS {
        let Ok(listing) = std::fs::read_dir(repo.join(dir)) else {
            continue;
        };
        let mut specs: Vec<PathBuf> = listing
            .filter_map(Result::ok)
            .map(|e| Path::new(dir).join(e.file_name()))
            .filter(|p| p.extension().is_some_and(|x| x == "spec"))
            .collect();
        specs.sort();
        out.extend(specs.into_iter().map(|p| (ChangelogKind::RpmSpec, p)));
    }
    out
}

fn find_changelogs(repo: &Path) -> Result<Vec<Changelog>, GatherError> {
    let mut out = Vec::new();
    for (kind, rel) in changelog_candidates(repo) {
        let Some(bytes) = read(repo, &rel)? else {
            continue;
        };
        let text = changelog::decode(&rel, &bytes)?;
        let entries = changelog::parse(kind, &rel, text)?;
        out.push(Changelog {
            kind,
            file: rel,
            entries,
        });
    }
    Ok(out)
}

impl ReleaseFacts {
    /// Repository-relative path of the Product ID Card.
    pub fn card_file() -> PathBuf {
        PathBuf::from(card::FILE_NAME)
    }
}
