//! Changelog parsers for the three formats a UMD/CMD release may ship:
//! Keep a Changelog 1.1.0 (`CHANGELOG.md`), `debian/changelog` (Debian
//! policy 4.4, section 4.4) and the `%changelog` section of an rpm `.spec`.
//!
//! The parsers are pure functions over text. Each format has two readers:
//! `read_*` accepts what the format's own tool accepts (rpmbuild,
//! dpkg-parsechangelog) and returns the problems that tool would only warn
//! about, or would only meet in an older entry, as [`Warning`]s; `parse_*` is
//! strict and turns the first such problem into an error. Either rejects a
//! file whose top entry cannot be read at all (the "bad input" class).
//! Questions of policy (is the version semver, does it match the tag) are
//! left to the caller, which reports them as findings. Every entry records
//! where its heading and body are, so such findings can point at `path:line`.
//!
//! All parsers accept CRLF line endings and a leading UTF-8 BOM and never
//! panic, whatever the input.

// One file per format; they share the entry type and the line helpers below.
mod debian;
mod error;
mod markdown;
mod notes;
mod rpm;

use std::path::{Path, PathBuf};

use time::Date;

pub use debian::parse_debian;
pub use debian::read_debian;
pub use error::ChangelogError;
pub use markdown::{parse_keep_a_changelog, read_keep_a_changelog};
pub use notes::{NotesFormat, detect_format, read_notes};
pub use rpm::{parse_rpm_spec, read_rpm_spec};

// Serialise dates as `2024-09-18` rather than time's default `[2024, 262]`.
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// The format a changelog is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ChangelogKind {
    /// Keep a Changelog 1.1.0 Markdown (`CHANGELOG.md`, `CHANGELOG`).
    KeepAChangelog,
    /// `debian/changelog`.
    Debian,
    /// The `%changelog` section of an rpm `.spec` file.
    RpmSpec,
    /// Release notes kept as `NEWS`, `ChangeLog` or `RELEASE-NOTES`.
    ReleaseNotes,
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
    /// Exactly as written in the heading (e.g. `1:2.3.4-5`, `0.6.3-1%{?dist}`).
    pub full_version: String,
    /// `full_version` with rpm macros expanded from the spec's own headers and
    /// `%global`/`%define` lines and `%{?dist}` dropped (`0.6.3-1`); for the
    /// other formats `full_version` without a leading `v`.
    pub expanded: String,
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

/// A problem that does not stop the file from being read: one the format's
/// tool only warns about, or one in an entry older than the top one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    pub file: PathBuf,
    pub line: usize,
    /// One paragraph: what, where and how to fix it.
    pub message: String,
}

/// What a lenient reader made of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Newest first, as in the file.
    pub entries: Vec<ChangelogEntry>,
    pub warnings: Vec<Warning>,
    /// The package the file is about: a spec's `Name:` (expanded), the
    /// source package of debian/changelog's top entry.
    pub name: Option<String>,
    /// How a release-notes file is written, when it is one.
    pub format: Option<NotesFormat>,
}

/// Problems met while reading, in file order. `quiet` ones are accepted
/// silently by the format's tool (rpm's entries without a version), so only
/// the strict reader reports them.
#[derive(Default)]
struct Problems(Vec<(ChangelogError, bool)>);

impl Problems {
    fn warn(&mut self, e: ChangelogError) {
        self.0.push((e, false));
    }
    fn quiet(&mut self, e: ChangelogError) {
        self.0.push((e, true));
    }
    /// The strict reading: the first problem is an error.
    fn strict(self, entries: Vec<ChangelogEntry>) -> Result<Vec<ChangelogEntry>, ChangelogError> {
        match self.0.into_iter().next() {
            Some((e, _)) => Err(e),
            None => Ok(entries),
        }
    }
    fn warnings(self) -> Vec<Warning> {
        self.0
            .into_iter()
            .filter(|(_, quiet)| !quiet)
            .map(|(e, _)| Warning {
                file: e.file().to_path_buf(),
                line: e.line(),
                message: e.to_string(),
            })
            .collect()
    }
}

/// Reads `text` as a changelog of the given kind, as its tool would.
pub fn read(kind: ChangelogKind, file: &Path, text: &str) -> Result<Parsed, ChangelogError> {
    match kind {
        ChangelogKind::KeepAChangelog | ChangelogKind::ReleaseNotes => read_notes(file, text),
        ChangelogKind::Debian => read_debian(file, text),
        ChangelogKind::RpmSpec => read_rpm_spec(file, text),
    }
}

/// Parses `text` strictly as a changelog of the given kind.
pub fn parse(
    kind: ChangelogKind,
    file: &Path,
    text: &str,
) -> Result<Vec<ChangelogEntry>, ChangelogError> {
    match kind {
        ChangelogKind::KeepAChangelog | ChangelogKind::ReleaseNotes => {
            parse_keep_a_changelog(file, text)
        }
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
    expanded: String,
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
            expanded: self.expanded,
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

#[cfg(test)]
mod tests;
