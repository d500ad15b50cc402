//! Keep a Changelog 1.1.0 (`CHANGELOG.md`, `CHANGELOG`).

use std::path::Path;

use time::{Date, Month};

use super::{
    ChangelogEntry, ChangelogError, ChangelogKind, Pending, column_of, is_blank, numbered_lines,
};

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
