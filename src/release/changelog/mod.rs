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

// One file per format; they share the entry type and the line helpers below.
mod debian;
mod error;
mod markdown;
mod rpm;

use std::path::{Path, PathBuf};

use time::Date;

pub use debian::parse_debian;
pub use error::ChangelogError;
pub use markdown::parse_keep_a_changelog;
pub use rpm::parse_rpm_spec;

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

#[cfg(test)]
mod tests;
