//! A product's own changelog or release notes (`CHANGELOG.md`, `CHANGELOG`,
//! `RELEASE-NOTES`, `NEWS`, `ChangeLog`): which of the common styles the
//! file is written in, then its entries read in that style.

use std::path::Path;

use super::markdown::{atx_heading, looks_like_version, parse_iso_date, read_keep_a_changelog};
use super::rpm::{Macros, rpm_heading};
use super::{ChangelogError, ChangelogKind, Parsed, Pending, Problems, is_blank, numbered_lines};

/// How a changelog or release-notes file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NotesFormat {
    /// Keep a Changelog: `## [1.2.3] - 2024-09-18` under `[Unreleased]`.
    KeepAChangelog,
    /// Other Markdown version headings: release-please's
    /// `## [1.2.3](…compare…) (2024-09-18)`, `## 1.2.3 (2024-09-18)`, `## 1.2.3`.
    Markdown,
    /// rpm `%changelog` headings, `* Mon Jan 01 2024 Name <email> - 1.2.3-1`,
    /// possibly indented or behind `## `.
    RpmStyle,
    /// NEWS style: a version alone at column 0 (`2.11.5:`, `1.2.3 (2024-09-18)`).
    News,
    /// No version headings of any known style (an svn log, an empty file).
    Unknown,
}

/// The style of the first line that is a version heading in any style.
pub fn detect_format(text: &str) -> NotesFormat {
    let kac = text.contains("keepachangelog.com") || text.contains("Keep a Changelog");
    for (_, line) in numbered_lines(text) {
        if rpm_style_heading(line).is_some() {
            return NotesFormat::RpmStyle;
        }
        if let Some((level, title)) = atx_heading(line)
            && level <= 2
        {
            let first = title
                .trim_start_matches('[')
                .split([' ', ']', '\t'])
                .next()
                .unwrap_or_default();
            let second = title.split_whitespace().nth(1).unwrap_or_default();
            if first.eq_ignore_ascii_case("unreleased") || title.starts_with('[') {
                return if kac || title.starts_with('[') && !title.contains("](") {
                    NotesFormat::KeepAChangelog
                } else {
                    NotesFormat::Markdown
                };
            }
            if looks_like_version(first) || looks_like_version(second) {
                return if kac {
                    NotesFormat::KeepAChangelog
                } else {
                    NotesFormat::Markdown
                };
            }
        }
        if news_heading(line).is_some() {
            return NotesFormat::News;
        }
    }
    NotesFormat::Unknown
}

/// Reads the file in the style [`detect_format`] finds.
pub fn read_notes(file: &Path, text: &str) -> Result<Parsed, ChangelogError> {
    let format = detect_format(text);
    let mut parsed = match format {
        NotesFormat::KeepAChangelog | NotesFormat::Markdown => read_keep_a_changelog(file, text)?,
        NotesFormat::RpmStyle => read_rpm_style(file, text)?,
        NotesFormat::News => read_news(file, text),
        NotesFormat::Unknown => Parsed::default(),
    };
    parsed.format = Some(format);
    Ok(parsed)
}

/// `line` from the weekday on, if it is an rpm-style heading: `* Www Mmm …`,
/// `## Www Mmm …` or `  * Www Mmm …`.
fn rpm_style_heading(line: &str) -> Option<&str> {
    let t = line.trim_start().trim_start_matches('#').trim_start();
    let t = t.strip_prefix('*').map_or(t, str::trim_start);
    let mut words = t.split_whitespace();
    let (w, m) = (words.next()?, words.next()?);
    let is = |list: &[&str], x: &str| list.iter().any(|y| y.eq_ignore_ascii_case(x));
    (is(&super::rpm::WEEKDAYS, w) && is(&super::rpm::MONTHS, m)).then_some(t)
}

fn read_rpm_style(file: &Path, text: &str) -> Result<Parsed, ChangelogError> {
    let macros = Macros::default();
    let mut problems = Problems::default();
    let mut entries = Vec::new();
    let mut current: Option<Pending> = None;
    let mut skipping = false;
    for (n, line) in numbered_lines(text) {
        if let Some(from_weekday) = rpm_style_heading(line) {
            if let Some(done) = current.take() {
                entries.push(done.finish(ChangelogKind::ReleaseNotes, file, is_blank));
            }
            // rpm_heading reads what follows the `*`; a space stands for it.
            let after_star = line
                .len()
                .checked_sub(from_weekday.len() + 1)
                .and_then(|i| line.get(i..))
                .unwrap_or(from_weekday);
            // No tool reads release notes: a wrong weekday there harms nothing.
            match rpm_heading(file, n, line, after_star, &macros, &mut problems, false) {
                Ok(p) => {
                    current = Some(p);
                    skipping = false;
                }
                Err(e) if entries.is_empty() => return Err(e),
                Err(e) => {
                    problems.warn(e);
                    skipping = true;
                }
            }
        } else if let Some(cur) = current.as_mut()
            && !skipping
        {
            cur.body.push((n, line));
        }
    }
    if let Some(done) = current {
        entries.push(done.finish(ChangelogKind::ReleaseNotes, file, is_blank));
    }
    Ok(Parsed {
        entries,
        warnings: problems.warnings(),
        name: None,
        format: None,
    })
}

/// A NEWS-style heading at column 0: `2.11.5:`, `v1.2.3`, `1.2.3 (2024-09-18)`,
/// `1.2.3 - 2024-09-18`, `Version 1.2.3`; the version and the date if any.
/// Dates (`2013-05-14 …`) and prose (`1.8 includes …`) are not headings.
fn news_heading(line: &str) -> Option<(&str, Option<time::Date>)> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    let mut words = line.split_whitespace();
    let mut token = words.next()?;
    if ["version", "release"].contains(&token.to_ascii_lowercase().as_str()) {
        token = words.next()?;
    }
    let version = token.trim_end_matches(':');
    let rest: Vec<&str> = words.collect();
    let dotted = version.contains('.')
        && looks_like_version(version)
        && parse_iso_date(version).is_err()
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+~".contains(c));
    if !dotted {
        return None;
    }
    let rest = rest.join(" ");
    let rest = rest.trim_start_matches(['-', '–']).trim();
    let rest = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(rest);
    let date = parse_iso_date(rest.trim()).ok();
    // A version alone, or with its date: anything more is a sentence.
    (token.ends_with(':') && rest.is_empty() || rest.is_empty() || date.is_some())
        .then_some((version, date))
}

fn read_news(file: &Path, text: &str) -> Parsed {
    let mut entries = Vec::new();
    let mut current: Option<Pending> = None;
    for (n, line) in numbered_lines(text) {
        if let Some((version, date)) = news_heading(line) {
            if let Some(done) = current.take() {
                entries.push(done.finish(ChangelogKind::ReleaseNotes, file, is_blank));
            }
            let v = version
                .strip_prefix(['v', 'V'])
                .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
                .unwrap_or(version);
            current = Some(Pending {
                line: n,
                heading: line,
                full_version: version.to_string(),
                expanded: v.to_string(),
                version: v.to_string(),
                date,
                body: Vec::new(),
            });
        } else if let Some(cur) = current.as_mut() {
            cur.body.push((n, line));
        }
    }
    if let Some(done) = current {
        entries.push(done.finish(ChangelogKind::ReleaseNotes, file, is_blank));
    }
    Parsed {
        entries,
        ..Parsed::default()
    }
}
