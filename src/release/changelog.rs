//! Changelog parsers for the three formats a UMD/CMD release may ship:
//! Keep a Changelog 1.1.0 (`CHANGELOG.md`), `debian/changelog` (Debian
//! policy 4.4, section 4.4) and the `%changelog` section of an rpm `.spec`.
//!
//! The parsers are pure functions over text. They only reject input that is
//! structurally broken (the "bad input" class: a date that cannot be read, a
//! heading that does not have the required shape, a missing trailer or
//! version); questions of policy (is the version semver, does it match the
//! tag, are the entries in order) are left to the caller, which reports them
//! as findings. Every entry records where its heading and body are, so such
//! findings can point at `path:line`.
//!
//! All parsers accept CRLF line endings and a leading UTF-8 BOM and never
//! panic, whatever the input.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use time::format_description::well_known::Rfc2822;
use time::{Date, Month, OffsetDateTime};

// Serialise dates as `2024-09-18` rather than time's default `[2024, 262]`.
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// The format a changelog is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangelogKind {
    /// Keep a Changelog 1.1.0 Markdown (`CHANGELOG.md`, `CHANGELOG`).
    KeepAChangelog,
    /// `debian/changelog`.
    Debian,
    /// The `%changelog` section of an rpm `.spec` file.
    RpmSpec,
}

/// One released version described in a changelog.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChangelogEntry {
    pub kind: ChangelogKind,
    /// The path as given by the caller.
    pub file: PathBuf,
    /// 1-based line of the entry's heading.
    pub line: usize,
    /// The version as written, reduced to the upstream part: Keep a
    /// Changelog `1.2.3`; Debian without epoch and revision (`1:2.3.4-5` ->
    /// `2.3.4`); rpm without epoch and release (`1:2.3.4-5.el9` -> `2.3.4`).
    /// rpm versions containing macros (`%{version}-%{release}`) are kept raw.
    pub version: String,
    /// Exactly as written in the heading (e.g. `1:2.3.4-5`).
    pub full_version: String,
    /// Release date; `None` only for Keep a Changelog headings without one.
    #[serde(with = "iso_date::option")]
    pub date: Option<Date>,
    /// The entry's text without the heading (and, for Debian, without the
    /// trailer). Leading/trailing blank lines and trailing whitespace are
    /// removed and the common indentation is stripped, but no line is
    /// joined or dropped: line `i` of `body` is line `body_line + i` of the
    /// file, so findings about the body can be located exactly.
    pub body: String,
    /// 1-based line where `body` starts; the heading's line if it is empty.
    pub body_line: usize,
}

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

/// Parses `text` as a changelog of the given kind.
pub fn parse(
    kind: ChangelogKind,
    file: &Path,
    text: &str,
) -> Result<Vec<ChangelogEntry>, ChangelogError> {
    match kind {
        ChangelogKind::KeepAChangelog => parse_keep_a_changelog(file, text),
        ChangelogKind::Debian => parse_debian(file, text),
        ChangelogKind::RpmSpec => parse_rpm_spec(file, text),
    }
}

/// Converts raw file contents to text, locating the first invalid byte.
pub fn decode<'a>(file: &Path, bytes: &'a [u8]) -> Result<&'a str, ChangelogError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = std::str::from_utf8(valid.get(line_start..).unwrap_or_default())
            .map_or(1, |s| s.chars().count() + 1);
        ChangelogError::NotUtf8 {
            file: file.to_path_buf(),
            line: valid.iter().filter(|&&b| b == b'\n').count() + 1,
            column,
        }
    })
}

// ---------------------------------------------------------------------------
// Shared helpers

/// Numbered lines without BOM and without `\r` from CRLF endings.
fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
}

fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// Byte offset of `part` in `line`, if `part` is a subslice of it.
fn offset_in(line: &str, part: &str) -> Option<usize> {
    let offset = (part.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
    (offset + part.len() <= line.len()).then_some(offset)
}

/// 1-based character column of `part`, a subslice of `line` (else 1).
fn column_of(line: &str, part: &str) -> usize {
    offset_in(line, part)
        .and_then(|o| line.get(..o))
        .map_or(1, |p| p.chars().count() + 1)
}

/// `part` with its leading whitespace removed, for error columns.
fn col_trim(line: &str, part: &str) -> usize {
    column_of(line, part.trim_start())
}

/// An entry whose heading has been read and whose body is being collected.
struct Pending<'a> {
    line: usize,
    heading: &'a str,
    full_version: String,
    version: String,
    date: Option<Date>,
    body: Vec<(usize, &'a str)>,
}

impl Pending<'_> {
    /// `drop_tail` removes trailing lines that are not part of the text
    /// (Keep a Changelog link reference definitions).
    fn finish(
        self,
        kind: ChangelogKind,
        file: &Path,
        drop_tail: fn(&str) -> bool,
    ) -> ChangelogEntry {
        let end = self
            .body
            .iter()
            .rposition(|(_, l)| !(is_blank(l) || drop_tail(l)))
            .map_or(0, |i| i + 1);
        let kept = self.body.get(..end).unwrap_or_default();
        let start = kept
            .iter()
            .position(|(_, l)| !is_blank(l))
            .unwrap_or(kept.len());
        let kept = kept.get(start..).unwrap_or_default();
        let indent_of = |l: &str| l.len() - l.trim_start_matches([' ', '\t']).len();
        let indent = kept
            .iter()
            .filter(|(_, l)| !is_blank(l))
            .map(|(_, l)| indent_of(l))
            .min()
            .unwrap_or(0);
        let body = kept
            .iter()
            .map(|(_, l)| {
                // Spaces and tabs are one byte each, so this is a char boundary.
                let cut = indent.min(indent_of(l));
                l.get(cut..).unwrap_or(l).trim_end()
            })
            .collect::<Vec<_>>()
            .join("\n");
        ChangelogEntry {
            kind,
            file: file.to_path_buf(),
            line: self.line,
            version: self.version,
            full_version: self.full_version,
            date: self.date,
            body,
            body_line: kept.first().map_or(self.line, |(n, _)| *n),
        }
    }
}

fn keep_nothing(_: &str) -> bool {
    false
}

/// Strips a numeric epoch (`1:`) if present.
fn strip_epoch(v: &str) -> &str {
    match v.split_once(':') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => v,
    }
}

/// Strips epoch and the part after the last `-` (Debian revision, rpm release).
fn upstream_version(full: &str) -> String {
    let v = strip_epoch(full);
    match v.rsplit_once('-') {
        Some((up, _)) if !up.is_empty() => up.to_string(),
        _ => v.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Keep a Changelog

/// Parses a Keep a Changelog file (`CHANGELOG.md` / `CHANGELOG`). Returns the
/// released entries in file order; `## [Unreleased]` is skipped.
///
/// Version headings are `## [1.2.3] - 2024-09-18`, also without brackets
/// (`## 1.2.3 - 2024-09-18`), with an en dash, with an inline link
/// (`## [1.2.3](https://…) - 2024-09-18`), without a date (date `None`) and
/// with a ` [YANKED]` suffix. Unbracketed level-2 headings that do not start
/// with a digit or `v<digit>` are ordinary sections and end the previous
/// entry. Non-semver versions are kept as written, not rejected.
pub fn parse_keep_a_changelog(
    file: &Path,
    text: &str,
) -> Result<Vec<ChangelogEntry>, ChangelogError> {
    let mut entries = Vec::new();
    let mut current: Option<Pending> = None;
    let mut fence: Option<(char, usize)> = None;
    for (n, line) in numbered_lines(text) {
        // Headings inside fenced code blocks are example text, not entries.
        if let Some((ch, len)) = fence {
            if let Some((c, l, rest)) = fence_marker(line)
                && c == ch
                && l >= len
                && is_blank(rest)
            {
                fence = None;
            }
        } else if let Some((c, l, _)) = fence_marker(line) {
            fence = Some((c, l));
        } else if let Some((level, title)) = atx_heading(line)
            && level <= 2
        {
            if let Some(done) = current.take() {
                entries.push(done.finish(ChangelogKind::KeepAChangelog, file, is_link_definition));
            }
            if level == 2 {
                current = kac_heading(file, n, line, title)?;
            }
            continue;
        }
        if let Some(cur) = current.as_mut() {
            cur.body.push((n, line));
        }
    }
    if let Some(done) = current {
        entries.push(done.finish(ChangelogKind::KeepAChangelog, file, is_link_definition));
    }
    Ok(entries)
}

/// Opening/closing code fence: up to 3 spaces, then 3+ backticks or tildes.
fn fence_marker(line: &str) -> Option<(char, usize, &str)> {
    let t = line.trim_start_matches(' ');
    if line.len() - t.len() > 3 {
        return None;
    }
    let ch = t.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let rest = t.trim_start_matches(ch);
    let len = t.len() - rest.len();
    (len >= 3).then_some((ch, len, rest))
}

/// ATX heading level and title (`## Title` -> `(2, "Title")`).
fn atx_heading(line: &str) -> Option<(usize, &str)> {
    let t = line.trim_start_matches(' ');
    if line.len() - t.len() > 3 {
        return None;
    }
    let rest = t.trim_start_matches('#');
    let level = t.len() - rest.len();
    let spaced = rest.is_empty() || rest.starts_with([' ', '\t']);
    ((1..=6).contains(&level) && spaced).then_some((level, rest.trim()))
}

/// `[label]: destination`, which Markdown renders as nothing.
fn is_link_definition(line: &str) -> bool {
    let t = line.trim_start_matches(' ');
    if line.len() - t.len() > 3 {
        return false;
    }
    t.strip_prefix('[')
        .and_then(|r| r.find("]:"))
        .is_some_and(|i| i > 0)
}

fn looks_like_version(token: &str) -> bool {
    let mut chars = token.chars();
    match chars.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some('v' | 'V') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// Reads a level-2 heading; `None` for `Unreleased` and non-version sections.
fn kac_heading<'a>(
    file: &Path,
    n: usize,
    line: &'a str,
    title: &'a str,
) -> Result<Option<Pending<'a>>, ChangelogError> {
    let version_err = |at: &str, problem: &str| ChangelogError::KacVersion {
        file: file.to_path_buf(),
        line: n,
        column: column_of(line, at),
        heading: line.trim().to_string(),
        problem: problem.to_string(),
    };
    let (version, rest) = if let Some(inner) = title.strip_prefix('[') {
        let Some((label, rest)) = inner.split_once(']') else {
            return Err(version_err(title, "the `[` is never closed with `]`"));
        };
        if label.trim().is_empty() {
            return Err(version_err(title, "the brackets are empty"));
        }
        if label.contains(char::is_whitespace) {
            return Err(version_err(
                inner,
                "the version in brackets contains whitespace",
            ));
        }
        // `[1.2.3](https://…)`: an inline link on the version, as some
        // generators write it; the link target is not part of the heading.
        let rest = match rest.strip_prefix('(').and_then(|r| r.split_once(')')) {
            Some((target, after)) if !target.contains(char::is_whitespace) => after,
            _ => rest,
        };
        (label, rest)
    } else {
        let end = title.find(char::is_whitespace).unwrap_or(title.len());
        let (token, rest) = title.split_at_checked(end).unwrap_or((title, ""));
        if !looks_like_version(token) && !token.eq_ignore_ascii_case("unreleased") {
            return Ok(None);
        }
        (token, rest)
    };
    if version.eq_ignore_ascii_case("unreleased") {
        return Ok(None);
    }
    let mut rest = rest.trim();
    if let Some(cut) = rest.len().checked_sub("[YANKED]".len())
        && rest
            .get(cut..)
            .is_some_and(|s| s.eq_ignore_ascii_case("[YANKED]"))
    {
        rest = rest.get(..cut).unwrap_or_default().trim_end();
    }
    let date = if rest.is_empty() {
        None
    } else {
        let date_err = |found: &str, problem: String| ChangelogError::KacDate {
            file: file.to_path_buf(),
            line: n,
            column: column_of(line, found),
            heading: line.trim().to_string(),
            found: found.to_string(),
            problem,
        };
        let Some(after) = rest.strip_prefix('-').or_else(|| rest.strip_prefix('–')) else {
            return Err(date_err(
                rest,
                "the version must be followed by ` - ` and the date".to_string(),
            ));
        };
        let found = after.trim();
        if found.is_empty() {
            return Err(date_err(
                rest,
                "there is no date after the separator".to_string(),
            ));
        }
        Some(parse_iso_date(found).map_err(|p| date_err(found, p))?)
    };
    Ok(Some(Pending {
        line: n,
        heading: line,
        full_version: version.to_string(),
        version: version.to_string(),
        date,
        body: Vec::new(),
    }))
}

/// Strict `YYYY-MM-DD`; the error is a short description of what is wrong.
fn parse_iso_date(s: &str) -> Result<Date, String> {
    let shape = || "it is not in YYYY-MM-DD form".to_string();
    let mut parts = s.split('-');
    let mut number = |len: usize| {
        parts
            .next()
            .filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse::<u16>().ok())
    };
    let (Some(y), Some(m), Some(d)) = (number(4), number(2), number(2)) else {
        return Err(shape());
    };
    if parts.next().is_some() {
        return Err(shape());
    }
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| format!("there is no month {m}"))?;
    u8::try_from(d)
        .ok()
        .and_then(|d| Date::from_calendar_date(i32::from(y), month, d).ok())
        .ok_or_else(|| format!("{s} is not a date that exists"))
}

// ---------------------------------------------------------------------------
// debian/changelog

/// Parses `debian/changelog`; entries in file order (newest first).
///
/// `version` is the upstream version (epoch and Debian revision stripped);
/// the date comes from the entry's trailer, taken in the trailer's own UTC
/// offset. Parsing stops quietly at an Emacs `Local variables:` block, a
/// `vim:` modeline, or pre-policy text at column 0 (e.g. `Old Changelog:`).
pub fn parse_debian(file: &Path, text: &str) -> Result<Vec<ChangelogEntry>, ChangelogError> {
    enum State<'a> {
        Start,
        Entry(Pending<'a>),
        AfterTrailer,
    }
    let unexpected = |n: usize, line: &str, problem: &str| ChangelogError::DebianUnexpected {
        file: file.to_path_buf(),
        line: n,
        found: line.to_string(),
        problem: problem.to_string(),
    };
    let missing_trailer = |p: &Pending, next_line| ChangelogError::DebianMissingTrailer {
        file: file.to_path_buf(),
        line: p.line,
        heading: p.heading.to_string(),
        next_line,
    };
    let mut entries = Vec::new();
    let mut state = State::Start;
    for (n, line) in numbered_lines(text) {
        if is_blank(line) {
            if let State::Entry(p) = &mut state {
                p.body.push((n, line));
            }
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            match classify_debian_col0(line) {
                Col0::Ignore => continue,
                Col0::Stop => {
                    if let State::Entry(p) = &state {
                        return Err(missing_trailer(p, Some(n)));
                    }
                    break;
                }
                Col0::Heading => {
                    if let State::Entry(p) = &state {
                        return Err(missing_trailer(p, Some(n)));
                    }
                    let full = debian_heading(file, n, line)?;
                    state = State::Entry(Pending {
                        line: n,
                        heading: line,
                        version: upstream_version(full),
                        full_version: full.to_string(),
                        date: None,
                        body: Vec::new(),
                    });
                }
            }
        } else if let Some(rest) = line.strip_prefix(" --")
            && (rest.is_empty() || rest.starts_with([' ', '\t']))
        {
            let State::Entry(mut p) = std::mem::replace(&mut state, State::AfterTrailer) else {
                return Err(unexpected(
                    n,
                    line,
                    "this trailer line does not close any entry (its heading is missing)",
                ));
            };
            p.date = Some(debian_trailer_date(file, n, line, rest)?);
            entries.push(p.finish(ChangelogKind::Debian, file, keep_nothing));
        } else {
            match &mut state {
                State::Entry(p) => p.body.push((n, line)),
                State::Start => {
                    return Err(unexpected(
                        n,
                        line,
                        "change text appears before the first entry heading",
                    ));
                }
                State::AfterTrailer => {
                    return Err(unexpected(
                        n,
                        line,
                        "change text follows the trailer of the previous entry (is this entry's \
                         heading missing?)",
                    ));
                }
            }
        }
    }
    if let State::Entry(p) = &state {
        return Err(missing_trailer(p, None));
    }
    Ok(entries)
}

enum Col0 {
    Heading,
    Ignore,
    Stop,
}

/// What a non-indented line means, following dpkg's parser.
fn classify_debian_col0(line: &str) -> Col0 {
    let lower = line.to_ascii_lowercase();
    let emacs = lower
        .strip_prefix(";;")
        .map_or(lower.as_str(), str::trim_start);
    if emacs.starts_with("local variables:") || lower.starts_with("vim:") {
        return Col0::Stop;
    }
    // Comments and RCS keywords ($Id: …$) are tolerated by dpkg.
    let rcs = line.strip_prefix('$').is_some_and(|r| {
        r.split_once(':')
            .is_some_and(|(k, v)| !k.is_empty() && v.ends_with('$'))
    });
    if line.starts_with("# ") || (line.starts_with("/*") && line.contains("*/")) || rcs {
        return Col0::Ignore;
    }
    // A lowercase package name (policy 5.6.1), or any name directly followed
    // by `(`, is meant as a heading; anything else is pre-policy history.
    let end = line
        .find(|c: char| c.is_whitespace() || c == '(')
        .unwrap_or(line.len());
    let (name, after) = line.split_at_checked(end).unwrap_or((line, ""));
    let policy_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase() || matches!(c, '+' | '-' | '.'));
    if policy_name || (!name.is_empty() && after.trim_start().starts_with('(')) {
        Col0::Heading
    } else {
        Col0::Stop
    }
}

/// Validates `package (version) dist…; key=value, …`; returns the version.
fn debian_heading<'a>(file: &Path, n: usize, line: &'a str) -> Result<&'a str, ChangelogError> {
    let err = |at: &str, problem: String| ChangelogError::DebianHeading {
        file: file.to_path_buf(),
        line: n,
        column: column_of(line, at),
        heading: line.to_string(),
        problem,
    };
    let end = line
        .find(|c: char| c.is_whitespace() || c == '(')
        .unwrap_or(line.len());
    let (name, rest) = line.split_at_checked(end).unwrap_or((line, ""));
    let name_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !name_ok {
        return Err(err(
            name,
            format!(
                "`{name}` is not a valid package name (letters, digits, `+`, `-`, `.`; \
                 starting with a letter or digit)"
            ),
        ));
    }
    let after_name = rest.trim_start();
    let Some(inner) = after_name.strip_prefix('(') else {
        return Err(err(
            after_name,
            "the version is not enclosed in parentheses after the package name".to_string(),
        ));
    };
    if after_name.len() == rest.len() {
        return Err(err(
            after_name,
            "a space is needed between the package name and `(`".to_string(),
        ));
    }
    let Some((version, after_version)) = inner.split_once(')') else {
        return Err(err(
            inner,
            "the `(` before the version is never closed".to_string(),
        ));
    };
    if version.is_empty() || version.contains(|c: char| c.is_whitespace() || c == '(') {
        return Err(err(
            inner,
            "the version in parentheses must be non-empty and contain no spaces".to_string(),
        ));
    }
    let Some((dists, fields)) = after_version.split_once(';') else {
        return Err(err(
            after_version,
            "there is no `;` between the distribution(s) and `urgency=…`".to_string(),
        ));
    };
    if dists.trim().is_empty() || !dists.starts_with([' ', '\t']) {
        return Err(err(
            after_version,
            "a space and at least one distribution (e.g. `unstable`) must follow the version"
                .to_string(),
        ));
    }
    if let Some(bad) = dists.split_whitespace().find(|d| {
        !d.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    }) {
        return Err(err(
            bad,
            format!("`{bad}` is not a valid distribution name"),
        ));
    }
    if !fields.trim().is_empty()
        && let Some(bad) = fields.split(',').find(|kv| {
            kv.split_once('=')
                .is_none_or(|(k, v)| k.trim().is_empty() || v.trim().is_empty())
        })
    {
        return Err(err(
            bad.trim_start(),
            format!(
                "`{}` after `;` is not a `key=value` field such as `urgency=medium`",
                bad.trim()
            ),
        ));
    }
    Ok(version)
}

/// Reads the date of ` -- Name <email>  date` (`rest` follows ` --`).
fn debian_trailer_date(
    file: &Path,
    n: usize,
    line: &str,
    rest: &str,
) -> Result<Date, ChangelogError> {
    let err = |found: &str, problem: String| ChangelogError::DebianTrailer {
        file: file.to_path_buf(),
        line: n,
        column: col_trim(line, found),
        trailer: line.to_string(),
        found: found.trim().to_string(),
        problem,
    };
    let Some((name, after_lt)) = rest.split_once('<') else {
        return Err(err(
            rest,
            "the maintainer's `<email>` is missing".to_string(),
        ));
    };
    if is_blank(name) {
        return Err(err(rest, "the maintainer's name is missing".to_string()));
    }
    let Some((_, date_part)) = after_lt.split_once('>') else {
        return Err(err(
            after_lt,
            "the `<` of the email is never closed".to_string(),
        ));
    };
    // Policy wants two spaces here; dpkg accepts one, so do we.
    if !date_part.starts_with([' ', '\t']) || is_blank(date_part) {
        return Err(err(
            date_part,
            "two spaces and the date must follow the email".to_string(),
        ));
    }
    let mut date_text = date_part.trim();
    // dpkg allows a trailing zone comment such as `(CET)`.
    if date_text.ends_with(')')
        && let Some((d, _)) = date_text.rsplit_once('(')
    {
        date_text = d.trim_end();
    }
    let normalized = date_text.split_whitespace().collect::<Vec<_>>().join(" ");
    OffsetDateTime::parse(&normalized, &Rfc2822)
        .map(OffsetDateTime::date)
        .map_err(|e| err(date_part, format!("the date is not an RFC 2822 date ({e})")))
}

// ---------------------------------------------------------------------------
// rpm spec %changelog

/// Section macros that end `%changelog` when they start a line.
const RPM_SECTIONS: &[&str] = &[
    "package",
    "description",
    "prep",
    "generate_buildrequires",
    "conf",
    "build",
    "install",
    "check",
    "clean",
    "files",
    "changelog",
    "pre",
    "post",
    "preun",
    "postun",
    "pretrans",
    "posttrans",
    "preuntrans",
    "postuntrans",
    "verifyscript",
    "triggerprein",
    "triggerin",
    "triggerun",
    "triggerpostun",
    "filetriggerin",
    "filetriggerun",
    "filetriggerpostun",
    "transfiletriggerin",
    "transfiletriggerun",
    "transfiletriggerpostun",
    "sourcelist",
    "patchlist",
];

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Extracts the `%changelog` section of an rpm `.spec` and parses its
/// entries (newest first). A spec without `%changelog` yields no entries.
///
/// Headings are `* Www Mmm DD YYYY Name <email> - VERSION-RELEASE`; the dash
/// may be glued to the email or omitted (`<email> 1.0-1`), and the date may
/// carry a time and zone as `date` prints it (`* Mon Jan 01 12:00:00 UTC
/// 2024 …`). A weekday that disagrees with the date is accepted, as
/// rpmbuild only warns ("bogus date"). Versions with macros are kept raw.
pub fn parse_rpm_spec(file: &Path, text: &str) -> Result<Vec<ChangelogEntry>, ChangelogError> {
    let mut entries = Vec::new();
    let mut in_changelog = false;
    let mut current: Option<Pending> = None;
    for (n, line) in numbered_lines(text) {
        if let Some(section) = rpm_section(line) {
            if let Some(done) = current.take() {
                entries.push(done.finish(ChangelogKind::RpmSpec, file, keep_nothing));
            }
            in_changelog = section == "changelog";
            continue;
        }
        if !in_changelog {
            continue;
        }
        if let Some(after_star) = line.strip_prefix('*')
            && (after_star.is_empty() || after_star.starts_with([' ', '\t']))
        {
            if let Some(done) = current.take() {
                entries.push(done.finish(ChangelogKind::RpmSpec, file, keep_nothing));
            }
            current = Some(rpm_heading(file, n, line, after_star)?);
        } else if let Some(cur) = current.as_mut() {
            cur.body.push((n, line));
        } else if !is_blank(line) {
            return Err(ChangelogError::RpmUnexpected {
                file: file.to_path_buf(),
                line: n,
                found: line.to_string(),
            });
        }
    }
    if let Some(done) = current {
        entries.push(done.finish(ChangelogKind::RpmSpec, file, keep_nothing));
    }
    Ok(entries)
}

/// The lowercase section name if `line` starts a spec section.
fn rpm_section(line: &str) -> Option<String> {
    let rest = line.strip_prefix('%')?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let (name, after) = rest.split_at_checked(end)?;
    let name = name.to_ascii_lowercase();
    (RPM_SECTIONS.contains(&name.as_str()) && (after.is_empty() || after.starts_with([' ', '\t'])))
        .then_some(name)
}

/// Parses `* Www Mmm DD YYYY rest`, taking the version from `rest`.
fn rpm_heading<'a>(
    file: &Path,
    n: usize,
    line: &'a str,
    after_star: &'a str,
) -> Result<Pending<'a>, ChangelogError> {
    let err = |found: &str, problem: String| ChangelogError::RpmHeading {
        file: file.to_path_buf(),
        line: n,
        column: column_of(line, found),
        heading: line.to_string(),
        found: found.to_string(),
        problem,
    };
    let tokens: Vec<&str> = after_star.split_whitespace().collect();
    let incomplete = || {
        err(
            after_star.trim(),
            "the heading does not start with a complete `Www Mmm DD YYYY` date".to_string(),
        )
    };
    let (Some(&wday), Some(&mon), Some(&day)) = (tokens.first(), tokens.get(1), tokens.get(2))
    else {
        return Err(incomplete());
    };
    if !WEEKDAYS.iter().any(|w| w.eq_ignore_ascii_case(wday)) {
        return Err(err(
            wday,
            format!("`{wday}` is not a weekday abbreviation (Mon, Tue, Wed, Thu, Fri, Sat, Sun)"),
        ));
    }
    let Some(month) = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(mon))
        .and_then(|i| u8::try_from(i + 1).ok())
        .and_then(|m| Month::try_from(m).ok())
    else {
        return Err(err(
            mon,
            format!("`{mon}` is not an English month abbreviation (Jan … Dec)"),
        ));
    };
    let day_num = (!day.is_empty() && day.len() <= 2 && day.bytes().all(|b| b.is_ascii_digit()))
        .then(|| day.parse::<u8>().ok())
        .flatten();
    let Some(day_num) = day_num else {
        return Err(err(
            day,
            format!("`{day}` is not a day of the month (1 or 2 digits)"),
        ));
    };
    // `date`-style headings put `HH:MM:SS [ZONE]` before the year.
    let mut i = 3;
    if tokens.get(i).is_some_and(|t| t.contains(':')) {
        i += 1;
        if tokens
            .get(i)
            .is_some_and(|t| !(t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit())))
        {
            i += 1;
        }
    }
    let Some(&year) = tokens.get(i) else {
        return Err(incomplete());
    };
    let Some(year_num) = (year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
        .then(|| year.parse::<i32>().ok())
        .flatten()
    else {
        return Err(err(year, format!("`{year}` is not a four-digit year")));
    };
    let year_end = offset_in(line, year).map_or(line.len(), |o| o + year.len());
    let date = Date::from_calendar_date(year_num, month, day_num).map_err(|_| {
        let whole_date = offset_in(line, wday)
            .and_then(|start| line.get(start..year_end))
            .unwrap_or(year);
        err(
            whole_date,
            format!("{mon} {day} {year} is not a date that exists"),
        )
    })?;
    let rest = line.get(year_end..).unwrap_or_default();
    let Some(full) = rpm_heading_version(rest) else {
        return Err(ChangelogError::RpmMissingVersion {
            file: file.to_path_buf(),
            line: n,
            heading: line.to_string(),
        });
    };
    let version = if full.contains('%') {
        full.to_string()
    } else {
        upstream_version(full)
    };
    Ok(Pending {
        line: n,
        heading: line,
        full_version: full.to_string(),
        version,
        date: Some(date),
        body: Vec::new(),
    })
}

/// The version at the end of `Name <email> - 1.0-1`, `Name <email>- 1.0-1`,
/// `Name <email> 1.0-1` or `Name - 1.0-1` (first word only).
fn rpm_heading_version(rest: &str) -> Option<&str> {
    let rest = rest.trim();
    let tail = if let Some((_, after_email)) = rest.rsplit_once('>') {
        let t = after_email.trim();
        t.strip_prefix('-').map_or(t, str::trim_start)
    } else {
        // Without an email a bare word could be part of the name, so only a
        // ` - ` separated or digit/macro-led last word counts as a version.
        let dash = rest.match_indices('-').rev().find(|(i, _)| {
            *i == 0
                || rest
                    .get(..*i)
                    .and_then(|p| p.chars().next_back())
                    .is_some_and(char::is_whitespace)
        });
        match dash {
            Some((i, _)) => rest.get(i + 1..).unwrap_or_default().trim(),
            None => rest
                .split_whitespace()
                .next_back()
                .filter(|w| w.starts_with(|c: char| c.is_ascii_digit() || c == '%'))
                .unwrap_or_default(),
        }
    };
    tail.split_whitespace().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn fixture(name: &str) -> (PathBuf, String) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/changelog")
            .join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        (
            PathBuf::from(format!("tests/fixtures/changelog/{name}")),
            text,
        )
    }

    /// Asserts the message names the location and contains each fragment.
    fn assert_msg(err: &ChangelogError, location: &str, fragments: &[&str]) {
        let msg = err.to_string();
        assert!(msg.contains(location), "no `{location}` in: {msg}");
        for f in fragments {
            assert!(msg.contains(f), "no `{f}` in: {msg}");
        }
        assert!(!msg.contains('\n'), "not one paragraph: {msg}");
    }

    fn versions(entries: &[ChangelogEntry]) -> Vec<(&str, &str, Option<Date>)> {
        entries
            .iter()
            .map(|e| (e.version.as_str(), e.full_version.as_str(), e.date))
            .collect()
    }

    fn kac(text: &str) -> Result<Vec<ChangelogEntry>, ChangelogError> {
        parse_keep_a_changelog(Path::new("CHANGELOG.md"), text)
    }
    fn deb(text: &str) -> Result<Vec<ChangelogEntry>, ChangelogError> {
        parse_debian(Path::new("debian/changelog"), text)
    }
    fn rpm(text: &str) -> Result<Vec<ChangelogEntry>, ChangelogError> {
        parse_rpm_spec(Path::new("pkg.spec"), text)
    }

    // --- Keep a Changelog ---------------------------------------------------

    #[test]
    fn kac_fixture() {
        let (path, text) = fixture("keep-a-changelog.md");
        let entries = parse_keep_a_changelog(&path, &text).unwrap();
        assert_eq!(
            versions(&entries),
            [
                ("2.1.0", "2.1.0", Some(date!(2024 - 09 - 18))),
                ("2.0.1", "2.0.1", Some(date!(2024 - 03 - 04))),
                ("2.0.0", "2.0.0", Some(date!(2023 - 11 - 20))),
                ("1.9.1", "1.9.1", None),
            ]
        );
        let first = &entries[0];
        assert_eq!(
            (first.kind, first.line, first.body_line),
            (ChangelogKind::KeepAChangelog, 14, 16)
        );
        assert_eq!(first.file, path);
        // The fenced `## [...]` line is body text, not a heading.
        assert!(
            first
                .body
                .contains("## [this is not a heading]\n[unloader]")
        );
        assert!(first.body.starts_with("### Added\n\n- `--dry-run`"));
        assert!(first.body.ends_with("```"));
        // Link reference definitions at the end are not part of the last body.
        assert_eq!(
            entries[3].body,
            "### Fixed\n\n- Packaging: include the systemd unit in the RPM."
        );
        // Body lines map 1:1 to file lines.
        let lines: Vec<&str> = text.lines().collect();
        for e in &entries {
            for (i, l) in e.body.lines().enumerate() {
                assert_eq!(lines[e.body_line - 1 + i].trim(), l.trim());
            }
        }
    }

    #[test]
    fn kac_heading_variants() {
        let text = "## [1.0.0] - 2024-01-02\n## 0.9 - 2023-12-01\n## [0.8] – 2023-11-01\n\
                    ## [0.7] - 2023-10-01 [YANKED]\n## [0.6] [yanked]\n## [0.5]-2023-08-01\n\
                    ## [0.4](https://example.org/compare/0.3...0.4) - 2023-07-01\n## v0.3\n\
                    ## [not-semver_1] - 2023-06-01\n";
        assert_eq!(
            versions(&kac(text).unwrap()),
            [
                ("1.0.0", "1.0.0", Some(date!(2024 - 01 - 02))),
                ("0.9", "0.9", Some(date!(2023 - 12 - 01))),
                ("0.8", "0.8", Some(date!(2023 - 11 - 01))),
                ("0.7", "0.7", Some(date!(2023 - 10 - 01))),
                ("0.6", "0.6", None),
                ("0.5", "0.5", Some(date!(2023 - 08 - 01))),
                ("0.4", "0.4", Some(date!(2023 - 07 - 01))),
                ("v0.3", "v0.3", None),
                ("not-semver_1", "not-semver_1", Some(date!(2023 - 06 - 01))),
            ]
        );
    }

    #[test]
    fn kac_unreleased_and_sections_skipped() {
        let text = "# Changelog\n## [UNRELEASED]\n- wip\n## Unreleased - 2024-01-01\n- wip\n\
                    ## [1.0.0] - 2024-01-02\n- done\n## Contributors\n- someone\n### 1.2.3\n";
        let entries = kac(text).unwrap();
        assert_eq!(
            versions(&entries),
            [("1.0.0", "1.0.0", Some(date!(2024 - 01 - 02)))]
        );
        // A non-version `##` section ends the entry; `###` does not.
        assert_eq!(entries[0].body, "- done");
        assert_eq!((entries[0].line, entries[0].body_line), (6, 7));
    }

    #[test]
    fn kac_crlf_bom_and_empty_body() {
        let text = "\u{feff}# Changelog\r\n\r\n## [1.0.1] - 2024-02-03\r\n\r\n## [1.0.0] - 2024-01-02\r\n- first  \r\n\r\n";
        let entries = kac(text).unwrap();
        assert_eq!(entries[0].body, "");
        assert_eq!(entries[0].body_line, 3);
        assert_eq!(entries[1].body, "- first");
        assert_eq!(entries[1].body_line, 6);
        assert!(kac("").unwrap().is_empty());
    }

    #[test]
    fn kac_code_fence_variants() {
        let text = "## [1.0.0] - 2024-01-02\n~~~~markdown\n## [9.9.9] - bad\n```\n## [8] - bad\n~~~~\n\
                    ## [0.1.0] - 2023-01-01\n";
        let entries = kac(text).unwrap();
        assert_eq!(versions(&entries).len(), 2);
        assert!(entries[0].body.contains("## [8] - bad"));
    }

    #[test]
    fn kac_bad_date_fixture() {
        let (path, text) = fixture("kac-bad-date.md");
        let err = parse_keep_a_changelog(&path, &text).unwrap_err();
        assert_eq!(
            (err.file(), err.line(), err.column()),
            (path.as_path(), 5, Some(15))
        );
        assert_msg(
            &err,
            "tests/fixtures/changelog/kac-bad-date.md:5",
            &["`18/09/2024`", "YYYY-MM-DD", "## [1.2.3] - 2024-09-18"],
        );
    }

    #[test]
    fn kac_date_errors() {
        for (heading, found, why) in [
            (
                "## [1.0.0] - 2024-13-45",
                "2024-13-45",
                "there is no month 13",
            ),
            (
                "## [1.0.0] - 2023-02-29",
                "2023-02-29",
                "not a date that exists",
            ),
            (
                "## [1.0.0] - 2024-9-8",
                "2024-9-8",
                "not in YYYY-MM-DD form",
            ),
            (
                "## [1.0.0] (2024-09-18)",
                "(2024-09-18)",
                "followed by ` - `",
            ),
            ("## [1.0.0] -", "-", "no date after the separator"),
            (
                "## 1.0.0 - 2024-09-18 extra",
                "2024-09-18 extra",
                "YYYY-MM-DD form",
            ),
        ] {
            let err = kac(&format!("# Changelog\n\n{heading}\n")).unwrap_err();
            assert!(matches!(err, ChangelogError::KacDate { .. }), "{heading}");
            assert_msg(
                &err,
                "CHANGELOG.md:3:",
                &[&format!("`{found}`"), why, "YYYY-MM-DD", heading],
            );
        }
    }

    #[test]
    fn kac_version_errors() {
        for (heading, why) in [
            ("## [] - 2024-09-18", "empty"),
            ("## [ ] - 2024-09-18", "empty"),
            ("## [1.0 beta] - 2024-09-18", "whitespace"),
            ("## [1.0.0 - 2024-09-18", "never closed"),
        ] {
            let err = kac(&format!("{heading}\n")).unwrap_err();
            assert!(
                matches!(err, ChangelogError::KacVersion { .. }),
                "{heading}"
            );
            assert_eq!(err.line(), 1);
            assert_msg(
                &err,
                "CHANGELOG.md:1:",
                &[why, heading, "## [1.2.3] - 2024-09-18"],
            );
        }
    }

    #[test]
    fn kac_error_message_snapshot() {
        let err = kac("## [1.0.0] - 2024-13-45\n").unwrap_err();
        insta::assert_snapshot!(err, @"CHANGELOG.md:1:14: invalid release date in Keep a Changelog heading: there is no month 13; found `2024-13-45` in `## [1.0.0] - 2024-13-45`. The date must be YYYY-MM-DD (ISO 8601) after a `-` separator, e.g. `## [1.2.3] - 2024-09-18`, optionally followed by ` [YANKED]`");
    }

    // --- debian/changelog ---------------------------------------------------

    #[test]
    fn debian_fixture() {
        let (path, text) = fixture("debian-changelog");
        let entries = parse_debian(&path, &text).unwrap();
        assert_eq!(
            versions(&entries),
            [
                ("0.13.1", "1:0.13.1-2", Some(date!(2024 - 09 - 18))),
                // 23:30 at -0500 is already the next day in UTC: keep the local date.
                ("0.13.1", "1:0.13.1-1", Some(date!(2024 - 03 - 04))),
                ("0.12.0", "0.12.0-1", Some(date!(2023 - 01 - 03))),
            ]
        );
        let e = &entries[1];
        assert_eq!(
            (e.kind, e.line, e.body_line),
            (ChangelogKind::Debian, 8, 10)
        );
        assert_eq!(
            e.body,
            "* New upstream release.\n  - Fix flavour discovery when the GPU vendor is unset.\n* Switch to debhelper-compat 13."
        );
    }

    #[test]
    fn debian_versions_and_layout() {
        let text = "\u{feff}pkg (2.0) UNRELEASED; urgency=low\r\n\r\n  * Native.\r\n\r\n -- A B <a@b.c>  Sun, 13 Jan 2019 12:00:00 +0100\r\n\r\n\r\n\
                    pkg (1.0~rc1-0ubuntu1) jammy focal-backports; urgency=high, binary-only=yes\n  * x\n -- A <a@b.c> Sat, 12 Jan 2019 12:00:00 +0000 (UTC)\n\
                    # a comment dpkg tolerates\n\
                    pkg (0.9-1) unstable; urgency=low\n -- A <a@b.c>  Fri, 11 Jan 2019 12:00:00 +0000\n\
                    ;; Local Variables:\n;; mode: debian-changelog\n\
                    broken heading that is ignored";
        let entries = deb(text).unwrap();
        assert_eq!(
            versions(&entries),
            [
                ("2.0", "2.0", Some(date!(2019 - 01 - 13))),
                ("1.0~rc1", "1.0~rc1-0ubuntu1", Some(date!(2019 - 01 - 12))),
                ("0.9", "0.9-1", Some(date!(2019 - 01 - 11))),
            ]
        );
        assert_eq!(
            (entries[0].body.as_str(), entries[0].body_line),
            ("* Native.", 3)
        );
        assert_eq!((entries[2].body.as_str(), entries[2].body_line), ("", 12));
        assert!(deb("").unwrap().is_empty());
        assert!(deb("Old Changelog:\nfoo\n").unwrap().is_empty());
        assert!(deb("vim: set ft=changelog:\n").unwrap().is_empty());
    }

    #[test]
    fn debian_bad_heading_fixture() {
        let (path, text) = fixture("debian-bad-heading");
        let err = parse_debian(&path, &text).unwrap_err();
        assert_eq!(err.line(), 7);
        assert_msg(
            &err,
            "tests/fixtures/changelog/debian-bad-heading:7",
            &[
                "not enclosed in parentheses",
                "`argo-probe-htcondor 0.1.0-1 unstable urgency=medium`",
                "`package (version) distribution(s); urgency=level`",
            ],
        );
    }

    #[test]
    fn debian_heading_errors() {
        for (heading, why) in [
            ("pkg (1.0 unstable; urgency=low", "never closed"),
            ("pkg () unstable; urgency=low", "non-empty"),
            ("pkg (1.0) unstable urgency=low", "no `;`"),
            ("pkg (1.0); urgency=low", "at least one distribution"),
            (
                "pkg (1.0)unstable; urgency=low",
                "at least one distribution",
            ),
            (
                "pkg (1.0) unstable; urgency",
                "`urgency` after `;` is not a `key=value`",
            ),
            (
                "pkg (1.0) uns/table; urgency=low",
                "`uns/table` is not a valid distribution",
            ),
            ("pkg(1.0) unstable; urgency=low", "a space is needed"),
            (
                "Pkg_x (1.0) unstable; urgency=low",
                "`Pkg_x` is not a valid package name",
            ),
        ] {
            let err = deb(&format!(
                "{heading}\n -- A <a@b.c>  Sun, 13 Jan 2019 12:00:00 +0100\n"
            ))
            .unwrap_err();
            assert!(
                matches!(err, ChangelogError::DebianHeading { .. }),
                "{heading}: {err}"
            );
            assert_msg(
                &err,
                "debian/changelog:1:",
                &[why, heading, "urgency=medium"],
            );
        }
    }

    #[test]
    fn debian_missing_trailer_fixture() {
        let (path, text) = fixture("debian-missing-trailer");
        let err = parse_debian(&path, &text).unwrap_err();
        assert_eq!((err.line(), err.column()), (1, None));
        assert_msg(
            &err,
            "tests/fixtures/changelog/debian-missing-trailer:1",
            &[
                "before line 5",
                "`fts-rest (3.12.2-1) unstable; urgency=medium`",
                " -- Jane Doe <jane@example.org>  Sun, 13 Jan 2019",
            ],
        );
        let err = deb("pkg (1.0) unstable; urgency=low\n  * x\n").unwrap_err();
        assert_msg(
            &err,
            "debian/changelog:1",
            &["before the end of the file", "pkg (1.0)"],
        );
        let err = deb("pkg (1.0) unstable; urgency=low\n  * x\nOld Changelog:\n").unwrap_err();
        assert_msg(&err, "debian/changelog:1", &["before line 3"]);
    }

    #[test]
    fn debian_trailer_errors() {
        let head = "pkg (1.0-1) unstable; urgency=low\n  * x\n";
        for (trailer, found, why) in [
            (
                " -- A <a@b.c>  18/09/2024",
                "18/09/2024",
                "not an RFC 2822 date",
            ),
            (
                " -- A <a@b.c>  Sun, 31 Feb 2019 12:00:00 +0100",
                "Sun, 31 Feb 2019 12:00:00 +0100",
                "not an RFC 2822 date",
            ),
            (" -- A <a@b.c>", "", "the date must follow"),
            (
                " -- A <a@b.c>Sun, 13 Jan 2019 12:00:00 +0100",
                "Sun, 13 Jan",
                "the date must follow",
            ),
            (
                " -- A a@b.c  Sun, 13 Jan 2019 12:00:00 +0100",
                "A a@b.c",
                "`<email>` is missing",
            ),
            (
                " -- <a@b.c>  Sun, 13 Jan 2019 12:00:00 +0100",
                "<a@b.c>",
                "name is missing",
            ),
            (
                " -- A <a@b.c  Sun, 13 Jan 2019 12:00:00 +0100",
                "a@b.c",
                "never closed",
            ),
        ] {
            let err = deb(&format!("{head}{trailer}\n")).unwrap_err();
            assert!(
                matches!(err, ChangelogError::DebianTrailer { .. }),
                "{trailer}: {err}"
            );
            assert_msg(
                &err,
                "debian/changelog:3:",
                &[found, why, trailer, "date -R"],
            );
        }
        let err = deb(&format!("{head} -- A <a@b.c>  18/09/2024\n")).unwrap_err();
        assert_eq!(err.column(), Some(16));
    }

    #[test]
    fn debian_unexpected_lines() {
        let trailer = " -- A <a@b.c>  Sun, 13 Jan 2019 12:00:00 +0100";
        for (text, line, why) in [
            (
                format!("  * orphan\npkg (1.0) unstable; urgency=low\n{trailer}\n"),
                1,
                "before the first entry heading",
            ),
            (
                format!("pkg (1.0) unstable; urgency=low\n{trailer}\n  * stray\n"),
                3,
                "heading missing",
            ),
            (format!("{trailer}\n"), 1, "does not close any entry"),
        ] {
            let err = deb(&text).unwrap_err();
            assert!(
                matches!(err, ChangelogError::DebianUnexpected { .. }),
                "{err}"
            );
            assert_msg(
                &err,
                &format!("debian/changelog:{line}"),
                &[why, "urgency=medium"],
            );
        }
    }

    #[test]
    fn debian_error_message_snapshot() {
        let err = deb("pkg 1.0 unstable; urgency=low\n").unwrap_err();
        insta::assert_snapshot!(err, @"debian/changelog:1:5: malformed debian/changelog entry heading: the version is not enclosed in parentheses after the package name; found `pkg 1.0 unstable; urgency=low`. An entry heading starts at column 0 and has the form `package (version) distribution(s); urgency=level`, e.g. `mypackage (1:2.3.4-1) unstable; urgency=medium`");
    }

    // --- rpm spec -----------------------------------------------------------

    #[test]
    fn rpm_basic_spec() {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/rpm/rpm-basic.spec"
        ));
        let text = std::fs::read_to_string(path).unwrap();
        let entries = parse_rpm_spec(path, &text).unwrap();
        assert_eq!(
            versions(&entries),
            [
                ("3.3.3", "3.3.3-3", Some(date!(2021 - 06 - 14))),
                ("2.2.2", "2.2.2-2", Some(date!(2021 - 04 - 25))),
                ("1.1.1", "1.1.1-1", Some(date!(2021 - 03 - 31))),
            ]
        );
        let last = &entries[2];
        assert_eq!(
            last.body,
            "- Just because you shot Jesse James, don't make you Jesse James."
        );
        assert_eq!(last.kind, ChangelogKind::RpmSpec);
        assert_eq!(last.body_line, last.line + 1);
    }

    #[test]
    fn rpm_fixture() {
        let (path, text) = fixture("package.spec");
        let entries = parse_rpm_spec(&path, &text).unwrap();
        assert_eq!(
            versions(&entries),
            [
                ("2.1.0", "2.1.0-1", Some(date!(2024 - 09 - 18))),
                ("2.0.1", "2.0.1-2", Some(date!(2024 - 03 - 04))),
                ("2.0.1", "1:2.0.1-1.el9", Some(date!(2023 - 11 - 17))),
                // Macros are kept raw; a wrong weekday is only an rpm warning.
                (
                    "%{version}-%{release}",
                    "%{version}-%{release}",
                    Some(date!(2023 - 02 - 01))
                ),
            ]
        );
        assert_eq!(entries[0].line, 30);
        assert_eq!(entries[1].body, "- Rebuild for EL9\n  (no code changes)");
    }

    #[test]
    fn rpm_heading_variants_and_sections() {
        let text = "\u{feff}Name: x\r\n%Changelog\r\n\r\n* Mon Jan  1 2024 J <j@x> - 1.0-1\r\n- a\r\n\
                    * Mon Jan 01 12:00:00 UTC 2024 J <j@x> - 0.9-1\n\
                    * Mon Jan 01 12:00:00 2024 J <j@x> - 0.8-1\n\
                    * mon jan 01 2024 Jean-Pierre Dupont - 0.7-1\n\
                    * Mon Jan 01 2024 John Doe 0.6-1\n\
                    * Mon Jan 01 2024 J <j@x> - 0.5-1 rebuilt for EL9\n\
                    - b\n\n%files\n* Tue Feb 30 2024 not in changelog\n%postun -p /sbin/ldconfig\n";
        let entries = rpm(text).unwrap();
        let d = Some(date!(2024 - 01 - 01));
        assert_eq!(
            versions(&entries),
            [
                ("1.0", "1.0-1", d),
                ("0.9", "0.9-1", d),
                ("0.8", "0.8-1", d),
                ("0.7", "0.7-1", d),
                ("0.6", "0.6-1", d),
                ("0.5", "0.5-1", d)
            ]
        );
        assert_eq!((entries[0].body.as_str(), entries[0].body_line), ("- a", 5));
        assert_eq!(entries[5].body, "- b");
        assert!(rpm("Name: x\n").unwrap().is_empty());
        // `%post` must not be mistaken for a prefix of `%postun` etc., and
        // `%{…}` or `%if` lines do not end the section.
        assert!(rpm_section("%postun").is_some() && rpm_section("%posting").is_none());
        let text = "%changelog\n* Mon Jan 01 2024 J <j@x> - 1-1\n%if 0\n- a\n%endif\n%{?x}\n";
        assert_eq!(rpm(text).unwrap()[0].body, "%if 0\n- a\n%endif\n%{?x}");
    }

    #[test]
    fn rpm_missing_version_fixture() {
        let (path, text) = fixture("spec-missing-version.spec");
        let err = parse_rpm_spec(&path, &text).unwrap_err();
        assert_eq!((err.line(), err.column()), (16, None));
        assert_msg(
            &err,
            "tests/fixtures/changelog/spec-missing-version.spec:16",
            &[
                "no version",
                "`* Mon Jun 03 2024 Anders Waananen <waananen@nbi.dk>`",
                " - VERSION-RELEASE",
                "- 1.2.3-1",
            ],
        );
        for heading in [
            "* Mon Jan 01 2024 J <j@x> -",
            "* Mon Jan 01 2024 John Doe",
            "* Mon Jan 01 2024",
        ] {
            let err = rpm(&format!("%changelog\n{heading}\n")).unwrap_err();
            assert!(
                matches!(err, ChangelogError::RpmMissingVersion { .. }),
                "{heading}: {err}"
            );
            assert_msg(&err, "pkg.spec:2", &[heading, " - VERSION-RELEASE"]);
        }
    }

    #[test]
    fn rpm_date_errors() {
        for (heading, found, why) in [
            ("* Mo Jan 01 2024 J <j@x> - 1-1", "Mo", "not a weekday"),
            (
                "* Mon Janvier 01 2024 J <j@x> - 1-1",
                "Janvier",
                "not an English month",
            ),
            (
                "* Mon Jan 001 2024 J <j@x> - 1-1",
                "001",
                "not a day of the month",
            ),
            (
                "* Mon Jan 1st 2024 J <j@x> - 1-1",
                "1st",
                "not a day of the month",
            ),
            (
                "* Mon Jan 01 24 J <j@x> - 1-1",
                "24",
                "not a four-digit year",
            ),
            (
                "* Fri Feb 30 2024 J <j@x> - 1-1",
                "Fri Feb 30 2024",
                "Feb 30 2024 is not a date that exists",
            ),
            ("* Mon Jan", "Mon Jan", "complete `Www Mmm DD YYYY`"),
            ("*", "", "complete `Www Mmm DD YYYY`"),
        ] {
            let err = rpm(&format!("%changelog\n{heading}\n")).unwrap_err();
            assert!(
                matches!(err, ChangelogError::RpmHeading { .. }),
                "{heading}: {err}"
            );
            assert_msg(
                &err,
                "pkg.spec:2:",
                &[
                    &format!("`{found}`"),
                    why,
                    heading,
                    "* Mon Jan 01 2024 Jane Doe",
                ],
            );
        }
        let err = rpm("%changelog\n* Mon Jan 1st 2024 J <j@x> - 1-1\n").unwrap_err();
        assert_eq!(err.column(), Some(11));
    }

    #[test]
    fn rpm_text_before_first_entry() {
        let err = rpm("%changelog\n\n- orphan\n* Mon Jan 01 2024 J <j@x> - 1-1\n").unwrap_err();
        assert!(matches!(err, ChangelogError::RpmUnexpected { .. }));
        assert_msg(
            &err,
            "pkg.spec:3",
            &[
                "`- orphan`",
                "must start with a heading",
                "* Mon Jan 01 2024",
            ],
        );
    }

    #[test]
    fn rpm_error_message_snapshot() {
        let err = rpm("%changelog\n* Mon Jan 01 2024 J <j@x>\n").unwrap_err();
        insta::assert_snapshot!(err, @"pkg.spec:2: rpm %changelog entry heading has no version: found `* Mon Jan 01 2024 J <j@x>`. Append ` - VERSION-RELEASE` after the packager's email, e.g. `* Mon Jan 01 2024 Jane Doe <jane@example.org> - 1.2.3-1`");
    }

    // --- shared -------------------------------------------------------------

    #[test]
    fn decode_locates_invalid_utf8() {
        let err = decode(Path::new("debian/changelog"), b"pkg (1.0)\n  * caf\xe9\n").unwrap_err();
        assert_eq!((err.line(), err.column()), (2, Some(8)));
        assert_msg(&err, "debian/changelog:2:8", &["not valid UTF-8", "iconv"]);
        assert_eq!(decode(Path::new("x"), "é".as_bytes()).unwrap(), "é");
    }

    #[test]
    fn serializes_dates_as_iso_strings() {
        let entries = kac("## [1.0.0] - 2024-01-02\n- x\n## [0.1]\n").unwrap();
        let json = serde_json::to_value(&entries).unwrap();
        assert_eq!(json[0]["date"], "2024-01-02");
        assert_eq!(json[0]["kind"], "keep-a-changelog");
        assert!(json[1]["date"].is_null());
    }

    #[test]
    fn garbage_never_panics() {
        let mut inputs: Vec<String> = [
            "",
            "\u{feff}",
            "\r",
            "\r\n\r\n",
            "#",
            "##",
            "## ",
            "## [",
            "## [é",
            "## ]",
            "## [1]",
            "## [1] -",
            "## [1] – ",
            "## 1 - 2024-01-0é",
            "## [1](",
            "## [1](x",
            "```",
            "~~~\n## [",
            "[",
            "[]:",
            "*",
            "* ",
            "* Mon",
            "* Mon Jan 99 2024",
            "* Mon Jan 01 99999 <",
            "* Mon Jan 01 2024 >",
            "* Mon Jan 01 2024 <é> -",
            "%changelog\n*\tMon Jan 1 2024 é <é> é",
            "%changelog\n* é é é é é",
            "%changelog\n*é",
            "%",
            "%changelog\n%",
            "é (",
            "é (é) é; é",
            "p (",
            "p ()",
            "p (1",
            "p (1)",
            "p (1) ;",
            "p (1) a;",
            "p (1) a; =",
            "p (1) a; ,",
            " --",
            " -- ",
            " -- <",
            " -- a <",
            " -- a <>",
            " -- a <> ",
            " -- a <>  é",
            " -- a <> (",
            "\t",
            "$Id: x $",
            "$",
            "/*",
            ";;",
            "💥 (1) a; u=l\n -- é <é>  Sun, 13 Jan 2019 12:00:00 +0100",
            "\0\0\0",
            "## [1] - 2024-01-01 [YANKED",
            "## [1] [YANKED] [YANKED]",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        inputs.push(format!("## [{}] - {}", "1".repeat(10_000), "9".repeat(500)));
        inputs.push(format!(
            "%changelog\n* Mon Jan 01 {} x <y>",
            "2".repeat(300)
        ));
        let bytes: Vec<u8> = (0u8..=255).collect();
        inputs.push(String::from_utf8_lossy(&bytes).into_owned());
        for s in &inputs {
            for text in [
                s.clone(),
                format!("%changelog\n{s}"),
                format!("p (1) a; u=l\n{s}"),
                format!("## [1]\n{s}"),
            ] {
                let file = Path::new("x");
                for r in [
                    parse_keep_a_changelog(file, &text),
                    parse_debian(file, &text),
                    parse_rpm_spec(file, &text),
                ] {
                    if let Err(e) = r {
                        let _ = (e.to_string(), e.line(), e.column());
                    }
                }
            }
        }
    }
}
