//! Malformed changelog input and its one-paragraph messages.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// Malformed changelog input. `Display` is a single paragraph saying what is
/// wrong, where (`path:line[:column]`), what was found and the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChangelogError {
    /// The file is not UTF-8; `line`/`column` locate the first bad byte.
    NotUtf8 {
        file: PathBuf,
        line: usize,
        column: usize,
    },
    /// A Keep a Changelog `## [` heading whose bracket is empty, contains
    /// spaces or is never closed.
    KacVersion {
        file: PathBuf,
        line: usize,
        column: usize,
        heading: String,
        problem: String,
    },
    /// A Keep a Changelog heading whose date is not `YYYY-MM-DD` (or has
    /// something other than `- DATE` after the version).
    KacDate {
        file: PathBuf,
        line: usize,
        column: usize,
        heading: String,
        found: String,
        problem: String,
    },
    /// A `debian/changelog` heading not of the form
    /// `package (version) distribution(s); key=value`.
    DebianHeading {
        file: PathBuf,
        line: usize,
        column: usize,
        heading: String,
        problem: String,
    },
    /// A `debian/changelog` trailer (` -- Name <email>  date`) that cannot be
    /// read.
    DebianTrailer {
        file: PathBuf,
        line: usize,
        column: usize,
        trailer: String,
        found: String,
        problem: String,
    },
    /// A `debian/changelog` entry (heading at `line`) that has no trailer
    /// before `next_line` (the next heading), or before EOF if `None`.
    DebianMissingTrailer {
        file: PathBuf,
        line: usize,
        heading: String,
        next_line: Option<usize>,
    },
    /// A `debian/changelog` line that belongs to no entry.
    DebianUnexpected {
        file: PathBuf,
        line: usize,
        found: String,
        problem: String,
    },
    /// An rpm `%changelog` heading whose date cannot be read or does not
    /// exist.
    RpmHeading {
        file: PathBuf,
        line: usize,
        column: usize,
        heading: String,
        found: String,
        problem: String,
    },
    /// An rpm `%changelog` heading without ` - VERSION-RELEASE`.
    RpmMissingVersion {
        file: PathBuf,
        line: usize,
        heading: String,
    },
    /// Text in `%changelog` before the first `* ` heading.
    RpmUnexpected {
        file: PathBuf,
        line: usize,
        found: String,
    },
}

impl ChangelogError {
    /// The file the error is in, as given by the caller.
    pub fn file(&self) -> &Path {
        match self {
            Self::NotUtf8 { file, .. }
            | Self::KacVersion { file, .. }
            | Self::KacDate { file, .. }
            | Self::DebianHeading { file, .. }
            | Self::DebianTrailer { file, .. }
            | Self::DebianMissingTrailer { file, .. }
            | Self::DebianUnexpected { file, .. }
            | Self::RpmHeading { file, .. }
            | Self::RpmMissingVersion { file, .. }
            | Self::RpmUnexpected { file, .. } => file,
        }
    }

    /// 1-based line of the error.
    pub fn line(&self) -> usize {
        match self {
            Self::NotUtf8 { line, .. }
            | Self::KacVersion { line, .. }
            | Self::KacDate { line, .. }
            | Self::DebianHeading { line, .. }
            | Self::DebianTrailer { line, .. }
            | Self::DebianMissingTrailer { line, .. }
            | Self::DebianUnexpected { line, .. }
            | Self::RpmHeading { line, .. }
            | Self::RpmMissingVersion { line, .. }
            | Self::RpmUnexpected { line, .. } => *line,
        }
    }

    /// 1-based column (in characters) where it is meaningful.
    pub fn column(&self) -> Option<usize> {
        match self {
            Self::NotUtf8 { column, .. }
            | Self::KacVersion { column, .. }
            | Self::KacDate { column, .. }
            | Self::DebianHeading { column, .. }
            | Self::DebianTrailer { column, .. }
            | Self::RpmHeading { column, .. } => Some(*column),
            Self::DebianMissingTrailer { .. }
            | Self::DebianUnexpected { .. }
            | Self::RpmMissingVersion { .. }
            | Self::RpmUnexpected { .. } => None,
        }
    }
}

const KAC_EXAMPLE: &str = "`## [1.2.3] - 2024-09-18`";
const DEB_HEADING_EXAMPLE: &str = "`mypackage (1:2.3.4-1) unstable; urgency=medium`";
const DEB_TRAILER_EXAMPLE: &str =
    "` -- Jane Doe <jane@example.org>  Sun, 13 Jan 2019 12:00:00 +0100`";
const RPM_EXAMPLE: &str = "`* Mon Jan 01 2024 Jane Doe <jane@example.org> - 1.2.3-1`";

impl fmt::Display for ChangelogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = Loc(self.file(), self.line(), self.column());
        match self {
            Self::NotUtf8 { file, .. } => write!(
                f,
                "{at}: the changelog is not valid UTF-8 (invalid byte sequence at this position); \
                 re-encode the file as UTF-8, e.g. `iconv -f ISO-8859-1 -t UTF-8 {0} > {0}.utf8` \
                 and move it back",
                file.display()
            ),
            Self::KacVersion { .. } | Self::KacDate { .. } => self.fmt_kac(f, &at),
            Self::DebianHeading { .. }
            | Self::DebianTrailer { .. }
            | Self::DebianMissingTrailer { .. }
            | Self::DebianUnexpected { .. } => self.fmt_debian(f, &at),
            Self::RpmHeading { .. }
            | Self::RpmMissingVersion { .. }
            | Self::RpmUnexpected { .. } => self.fmt_rpm(f, &at),
        }
    }
}

// One message writer per format, so each format's wording reads together.
impl ChangelogError {
    /// Keep a Changelog messages.
    fn fmt_kac(&self, f: &mut fmt::Formatter<'_>, at: &Loc<'_>) -> fmt::Result {
        match self {
            Self::KacVersion {
                heading, problem, ..
            } => write!(
                f,
                "{at}: invalid version in Keep a Changelog heading: {problem}; found `{}`. \
                 Write the version in brackets, without spaces, followed by the release date, \
                 e.g. {KAC_EXAMPLE} (or `## [Unreleased]` for changes not yet released)",
                clip(heading)
            ),
            Self::KacDate {
                heading,
                found,
                problem,
                ..
            } => write!(
                f,
                "{at}: invalid release date in Keep a Changelog heading: {problem}; found `{}` \
                 in `{}`. The date must be YYYY-MM-DD (ISO 8601) after a `-` separator, e.g. \
                 {KAC_EXAMPLE}, optionally followed by ` [YANKED]`",
                clip(found),
                clip(heading)
            ),
            // `fmt` dispatches by family, so no other variant arrives here; if
            // one did, its fields still say what went wrong.
            other => {
                debug_assert!(false, "{other:?} is not a Keep a Changelog error");
                write!(f, "{other:?}")
            }
        }
    }

    /// `debian/changelog` messages.
    fn fmt_debian(&self, f: &mut fmt::Formatter<'_>, at: &Loc<'_>) -> fmt::Result {
        match self {
            Self::DebianHeading {
                heading, problem, ..
            } => write!(
                f,
                "{at}: malformed debian/changelog entry heading: {problem}; found `{}`. An entry \
                 heading starts at column 0 and has the form \
                 `package (version) distribution(s); urgency=level`, e.g. {DEB_HEADING_EXAMPLE}",
                clip(heading)
            ),
            Self::DebianTrailer {
                trailer,
                found,
                problem,
                ..
            } => write!(
                f,
                "{at}: malformed debian/changelog trailer line: {problem}; found `{}` in `{}`. \
                 The trailer has the form {DEB_TRAILER_EXAMPLE}: a space, two dashes, a space, \
                 the maintainer's name and email, two spaces, then an RFC 2822 date as printed \
                 by `date -R`",
                clip(found),
                clip(trailer)
            ),
            Self::DebianMissingTrailer {
                heading, next_line, ..
            } => {
                let before = match next_line {
                    Some(n) => Cow::Owned(format!("line {n}")),
                    None => Cow::Borrowed("the end of the file"),
                };
                write!(
                    f,
                    "{at}: debian/changelog entry has no trailer line before {before}; found the \
                     heading `{}` but no ` -- ` line closing it. End every entry with a trailer \
                     such as {DEB_TRAILER_EXAMPLE} (`dch` writes it for you)",
                    clip(heading)
                )
            }
            Self::DebianUnexpected { found, problem, .. } => write!(
                f,
                "{at}: unexpected line in debian/changelog: {problem}; found `{}`. Every entry \
                 is a heading at column 0 such as {DEB_HEADING_EXAMPLE}, change lines indented \
                 by two spaces, and a trailer such as {DEB_TRAILER_EXAMPLE}",
                clip(found)
            ),
            // `fmt` dispatches by family, so no other variant arrives here; if
            // one did, its fields still say what went wrong.
            other => {
                debug_assert!(false, "{other:?} is not a debian/changelog error");
                write!(f, "{other:?}")
            }
        }
    }

    /// rpm `%changelog` messages.
    fn fmt_rpm(&self, f: &mut fmt::Formatter<'_>, at: &Loc<'_>) -> fmt::Result {
        match self {
            Self::RpmHeading {
                heading,
                found,
                problem,
                ..
            } => write!(
                f,
                "{at}: invalid date in rpm %changelog entry heading: {problem}; found `{}` in \
                 `{}`. Entry headings have the form `* Www Mmm DD YYYY Name <email> - \
                 VERSION-RELEASE` with English weekday and month abbreviations, e.g. \
                 {RPM_EXAMPLE}",
                clip(found),
                clip(heading)
            ),
            Self::RpmMissingVersion { heading, .. } => write!(
                f,
                "{at}: rpm %changelog entry heading has no version: found `{}`. Append \
                 ` - VERSION-RELEASE` after the packager's email, e.g. {RPM_EXAMPLE}",
                clip(heading)
            ),
            Self::RpmUnexpected { found, .. } => write!(
                f,
                "{at}: text before the first entry of the rpm %changelog section: found `{}`. \
                 Every %changelog entry must start with a heading line such as {RPM_EXAMPLE} \
                 (rpmbuild rejects this too)",
                clip(found)
            ),
            // `fmt` dispatches by family, so no other variant arrives here; if
            // one did, its fields still say what went wrong.
            other => {
                debug_assert!(false, "{other:?} is not an rpm error");
                write!(f, "{other:?}")
            }
        }
    }
}

/// Formats `path:line` or `path:line:column`.
struct Loc<'a>(&'a Path, usize, Option<usize>);

impl fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.0.display(), self.1)?;
        match self.2 {
            Some(c) => write!(f, ":{c}"),
            None => Ok(()),
        }
    }
}

/// Keeps messages readable when the offending line is huge (e.g. garbage).
fn clip(s: &str) -> Cow<'_, str> {
    const MAX: usize = 120;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => Cow::Owned(format!("{}…", s.get(..i).unwrap_or(s))),
        None => Cow::Borrowed(s),
    }
}
