//! One release as facts, gathered once from the provider repository and the
//! artifacts directory, then handed to the pure rules in [`crate::check`].

pub mod changelog;
pub mod tag;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::package::{self, Package, PackageError};
use crate::policy::ProductCard;
use crate::policy::card::{self, CardError};
use changelog::{ChangelogEntry, ChangelogError, ChangelogKind, NotesFormat, Warning};

/// A changelog file found in the repository and its parsed entries.
#[derive(Debug, Clone, Serialize)]
pub struct Changelog {
    pub kind: ChangelogKind,
    /// Path relative to the repository root.
    pub file: PathBuf,
    /// How a CHANGELOG or release-notes file is written.
    pub format: Option<NotesFormat>,
    pub entries: Vec<ChangelogEntry>,
    /// What its tool would only warn about, or problems in older entries.
    pub warnings: Vec<Warning>,
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
    /// Line of each key of the card (`contacts.support_email` -> 12), so card
    /// findings point at the key rather than at the top of the file.
    #[serde(skip)]
    pub card_lines: std::collections::BTreeMap<String, usize>,
    pub changelogs: Vec<Changelog>,
    /// Specs or debian changelogs found several at a time, none named as the
    /// product (separately versioned sub-packages): not compared with the tag.
    pub unchosen: Vec<PathBuf>,
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

/// The product's own changelog or release notes, most usual name first; the
/// first that names any version is read.
const NOTES_FILES: &[(&str, ChangelogKind)] = &[
    ("CHANGELOG.md", ChangelogKind::KeepAChangelog),
    ("CHANGELOG", ChangelogKind::KeepAChangelog),
    ("CHANGELOG.rst", ChangelogKind::KeepAChangelog),
    ("CHANGES.md", ChangelogKind::KeepAChangelog),
    ("RELEASE-NOTES.md", ChangelogKind::ReleaseNotes),
    ("RELEASE-NOTES", ChangelogKind::ReleaseNotes),
    ("RELEASE_NOTES.md", ChangelogKind::ReleaseNotes),
    ("NEWS.md", ChangelogKind::ReleaseNotes),
    ("NEWS", ChangelogKind::ReleaseNotes),
    ("ChangeLog", ChangelogKind::ReleaseNotes),
];

/// Directories searched for rpm spec files (`*.spec`, `*.spec.in`),
/// relative to the repository root.
const SPEC_DIRS: &[&str] = &[
    "",
    "rpm",
    "spec",
    "specs",
    "redhat",
    "fedora",
    "packaging",
    "packaging/rpm",
    "packaging/redhat",
    "packaging/fedora",
    "packaging/rhel",
    "packaging/centos",
];

pub fn gather(inputs: &Inputs) -> Result<ReleaseFacts, GatherError> {
    let repo = inputs.repo;
    if !repo.is_dir() {
        return Err(GatherError::MissingRepo(repo.to_path_buf()));
    }
    let (card, card_lines) = match ProductCard::load(repo)? {
        Some((path, c)) => {
            // The card was just read; if it cannot be read again, lines are 1.
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            (Some(c), key_lines(&text))
        }
        None => (None, Default::default()),
    };
    let (changelogs, unchosen) = match card.as_ref().filter(|c| !c.changelogs.is_empty()) {
        Some(c) => (named_changelogs(repo, &c.changelogs)?, Vec::new()),
        None => find_changelogs(repo, &product_names(repo, inputs.tag, card.as_ref()))?,
    };
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
        card_lines,
        changelogs,
        unchosen,
        notes,
        artifacts: inputs.artifacts.map(Path::to_path_buf),
        packages,
    })
}

/// Names the product may go by, to tell its spec and debian/changelog from
/// those of separately versioned sub-packages: the card's name, the name a
/// tag such as `cvmfs-2.11.5` starts with, the repository's directory name.
fn product_names(repo: &Path, tag: &str, card: Option<&ProductCard>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    out.extend(card.map(|c| c.name.clone()));
    out.extend(tag::name_prefix(tag).map(str::to_string));
    let dir = std::fs::canonicalize(repo).unwrap_or_else(|_| repo.to_path_buf());
    out.extend(
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty()),
    );
    out.iter_mut().for_each(|n| *n = n.to_ascii_lowercase());
    out
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

/// Files in `dir` (relative to `repo`) whose name satisfies `keep`, sorted.
fn files_in(repo: &Path, dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(listing) = std::fs::read_dir(repo.join(dir)) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            keep(&name).then(|| dir.join(name))
        })
        .collect();
    out.sort();
    out
}

/// Subdirectories of `dir` (relative to `repo`), sorted.
fn dirs_in(repo: &Path, dir: &Path) -> Vec<PathBuf> {
    let Ok(listing) = std::fs::read_dir(repo.join(dir)) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| dir.join(e.file_name()))
        .collect();
    out.sort();
    out
}

/// Spec files: `*.spec`, and `*.spec.in` templates that have no `.spec` beside them.
fn spec_candidates(repo: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in SPEC_DIRS {
        let specs = files_in(repo, Path::new(dir), |n| {
            n.ends_with(".spec") || n.ends_with(".spec.in")
        });
        for s in &specs {
            let name = s.to_string_lossy();
            if let Some(base) = name.strip_suffix(".in")
                && specs.iter().any(|o| o.to_string_lossy() == base)
            {
                continue;
            }
            out.push(s.clone());
        }
    }
    out
}

/// debian/changelog where products keep it: `debian/`, `packaging/debian/`,
/// `packaging/*/debian/` and, one per binary package, `packaging/debian/*/`.
fn debian_candidates(repo: &Path) -> Vec<PathBuf> {
    let mut out = vec![
        PathBuf::from("debian/changelog"),
        PathBuf::from("packaging/debian/changelog"),
    ];
    for d in dirs_in(repo, Path::new("packaging")) {
        out.push(d.join("debian/changelog"));
    }
    for d in dirs_in(repo, Path::new("packaging/debian")) {
        out.push(d.join("changelog"));
    }
    out.retain(|p| repo.join(p).is_file());
    out.dedup();
    out
}

/// A file read, and the package it names (a spec's `Name:`, debian's source).
type Read = Result<Option<(Changelog, Option<String>)>, GatherError>;

/// Reads one file; `None` when it does not exist.
fn read_changelog(repo: &Path, kind: ChangelogKind, rel: &Path) -> Read {
    let Some(bytes) = read(repo, rel)? else {
        return Ok(None);
    };
    let text = changelog::decode(rel, &bytes)?;
    let mut parsed = changelog::read(kind, rel, text)?;
    for e in &mut parsed.entries {
        e.kind = kind;
    }
    Ok(Some((
        Changelog {
            kind,
            file: rel.to_path_buf(),
            format: parsed.format,
            entries: parsed.entries,
            warnings: parsed.warnings,
        },
        parsed.name,
    )))
}

/// Of several packaging changelogs, those of the product: named as it is (by
/// the package name inside, or the file's stem), or the only one. When
/// several have entries and none is named so, none is the product's: they
/// come back second, to be reported rather than compared with the tag.
fn of_the_product(
    repo: &Path,
    kind: ChangelogKind,
    files: &[PathBuf],
    names: &[String],
) -> Result<(Vec<Changelog>, Vec<PathBuf>), GatherError> {
    let stem = |p: &Path| -> String {
        let n = p.file_name().unwrap_or_default().to_string_lossy();
        let n = n.strip_suffix(".in").unwrap_or(&n);
        let n = n.strip_suffix(".spec").unwrap_or(n);
        if n == "changelog" {
            // packaging/debian/cvmfs/changelog is cvmfs's.
            p.parent()
                .and_then(Path::file_name)
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default()
        } else {
            n.to_string()
        }
    };
    let named = |p: &Path, name: Option<&str>| {
        let ours = |n: &str| names.iter().any(|w| w.eq_ignore_ascii_case(n));
        name.is_some_and(ours) || ours(&stem(p))
    };
    // A spec's name is inside it, so every file is read before choosing; a
    // broken one is only fatal if it is the product's, or all are read.
    let read: Vec<(&PathBuf, Read)> = files
        .iter()
        .map(|f| (f, read_changelog(repo, kind, f)))
        .collect();
    let is_ours =
        |f: &PathBuf, r: &Result<Option<(Changelog, Option<String>)>, GatherError>| match r {
            Ok(Some((_, name))) => named(f, name.as_deref()),
            _ => named(f, None),
        };
    let any_ours = read.iter().any(|(f, r)| is_ours(f, r));
    let mut out = Vec::new();
    for (f, r) in read {
        if any_ours && !is_ours(f, &r) {
            continue;
        }
        // An empty %changelog is none, as `rpm -q --changelog` shows.
        out.extend(r?.map(|(c, _)| c).filter(|c| !c.entries.is_empty()));
    }
    if !any_ours && out.len() > 1 {
        return Ok((Vec::new(), out.into_iter().map(|c| c.file).collect()));
    }
    Ok((out, Vec::new()))
}

/// The files the card's `changelogs` names, each read by what its name says.
fn named_changelogs(repo: &Path, files: &[String]) -> Result<Vec<Changelog>, GatherError> {
    let mut out = Vec::new();
    for f in files {
        let rel = PathBuf::from(f);
        let name = rel.file_name().unwrap_or_default().to_string_lossy();
        let kind = if name.ends_with(".spec") || name.ends_with(".spec.in") {
            ChangelogKind::RpmSpec
        } else if name == "changelog" {
            ChangelogKind::Debian
        } else if name.to_ascii_uppercase().starts_with("CHANGELOG") {
            ChangelogKind::KeepAChangelog
        } else {
            ChangelogKind::ReleaseNotes
        };
        match read_changelog(repo, kind, &rel)? {
            Some((log, _)) => out.push(log),
            None => {
                return Err(GatherError::Read {
                    path: repo.join(&rel),
                    what: "a changelog the Product ID Card names (`changelogs`)",
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                });
            }
        }
    }
    Ok(out)
}

/// The changelogs read, and packaging changelogs none of which is the product's.
type Found = (Vec<Changelog>, Vec<PathBuf>);

fn find_changelogs(repo: &Path, names: &[String]) -> Result<Found, GatherError> {
    let mut out = Vec::new();
    // The product's changelog: the first that names a version, else the
    // first that is not empty (so a missing section is reported against it).
    let mut fallback = None;
    for (name, kind) in NOTES_FILES {
        let rel = Path::new(name);
        if !repo.join(rel).is_file() {
            continue;
        }
        let Some((log, _)) = read_changelog(repo, *kind, rel)? else {
            continue;
        };
        if !log.entries.is_empty() {
            out.push(log);
            fallback = None;
            break;
        }
        let empty = std::fs::metadata(repo.join(rel)).is_ok_and(|m| m.len() == 0);
        // An svn log kept as ChangeLog names no version and is no changelog;
        // a CHANGELOG that names none is one with its sections missing.
        let versioned =
            *kind == ChangelogKind::KeepAChangelog || log.format != Some(NotesFormat::Unknown);
        if fallback.is_none() && !empty && versioned {
            fallback = Some(log);
        }
    }
    out.extend(fallback);
    let (debian, mut unchosen) =
        of_the_product(repo, ChangelogKind::Debian, &debian_candidates(repo), names)?;
    out.extend(debian);
    let (specs, more) =
        of_the_product(repo, ChangelogKind::RpmSpec, &spec_candidates(repo), names)?;
    out.extend(specs);
    unchosen.extend(more);
    Ok((out, unchosen))
}

/// The 1-based line of every mapping key of a YAML block document, by dotted
/// path (`contacts.support_email`); keys inside sequences are named after the
/// sequence (`support_calendar.end_of_support`). First occurrence wins.
pub fn key_lines(text: &str) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let mut indent = line.len() - body.len();
        // `- key: value` opens a mapping inside a sequence item.
        let body = match body.strip_prefix("- ") {
            Some(rest) => {
                indent += 2;
                rest.trim_start()
            }
            None => body,
        };
        let Some((key, _)) = body.split_once(':') else {
            continue;
        };
        let key = key.trim().trim_matches(['"', '\'']);
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        while stack.last().is_some_and(|(d, _)| *d >= indent) {
            stack.pop();
        }
        let path = stack
            .iter()
            .map(|(_, k)| k.as_str())
            .chain([key])
            .collect::<Vec<_>>()
            .join(".");
        out.entry(path).or_insert(i + 1);
        stack.push((indent, key.to_string()));
    }
    out
}

impl ReleaseFacts {
    /// Line of a card key, or 1 when the card does not have it.
    pub fn card_line(&self, key: &str) -> usize {
        self.card_lines.get(key).copied().unwrap_or(1)
    }

    /// Repository-relative path of the Product ID Card.
    pub fn card_file() -> PathBuf {
        PathBuf::from(card::FILE_NAME)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_keys_have_their_lines() {
        let text = "name: x\ncontacts:\n  # a comment\n  support_email: nope\n  github:\n    - a b\n\
                    support_calendar:\n  - version: \"1\"\n    end_of_support: 2026-13-01\ndocumentation:\n  installation: ftp://x\n";
        let lines = key_lines(text);
        for (key, line) in [
            ("name", 1),
            ("contacts", 2),
            ("contacts.support_email", 4),
            ("contacts.github", 5),
            ("support_calendar.version", 8),
            ("support_calendar.end_of_support", 9),
            ("documentation.installation", 11),
        ] {
            assert_eq!(lines.get(key), Some(&line), "{key}: {lines:?}");
        }
    }

    #[test]
    fn product_names_come_from_the_card_the_tag_and_the_directory() {
        let names = product_names(Path::new("/nonexistent/cvmfs"), "cvmfs-2.11.5", None);
        assert_eq!(names, ["cvmfs", "cvmfs"]);
        assert_eq!(
            product_names(Path::new("/x/repo"), "v1.0.0", None),
            ["repo"]
        );
    }
}
