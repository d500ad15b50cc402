//! Keep a Changelog 1.1.0 (`CHANGELOG.md`, `CHANGELOG`).

use std::path::Path;

use time::{Date, Month};

use super::{
    ChangelogEntry, ChangelogError, ChangelogKind, Parsed, Pending, Problems, column_of, is_blank,
    numbered_lines, offset_in,
};

/// Parses a Keep a Changelog file (`CHANGELOG.md` / `CHANGELOG`) strictly.
/// Returns the released entries in file order; `## [Unreleased]` is skipped.
///
/// Version headings are `## [1.2.3] - 2024-09-18`, also without brackets
/// (`## 1.2.3 - 2024-09-18`), with an en dash, with an inline link
/// (`## [1.2.3](https://…) - 2024-09-18`), with the date in parentheses or
/// without a dash (release-please's `## [1.2.3](…) (2024-09-18)`, `## 1.2.3
/// (2024-09-18)`, `## [1.2.3] 2024-09-18`), after the product's name
/// (`## oidc-agent 5.3.3`), without a date (date `None`) and with a
/// ` [YANKED]` suffix. A level-2 heading that names a kind of change
/// (`## Fixed`) belongs to the entry above it; other unbracketed level-2
/// headings that do not start with a version are ordinary sections and end
/// the previous entry. Non-semver versions are kept as written.
pub fn parse_keep_a_changelog(
    file: &Path,
    text: &str,
) -> Result<Vec<ChangelogEntry>, ChangelogError> {
    let (entries, problems) = markdown(file, text)?;
    problems.strict(entries)
}

/// Reads a Markdown changelog leniently: a heading that cannot be read below
/// the first version is a warning and its section is skipped, so a mistake
/// years old does not block today's release.
pub fn read_keep_a_changelog(file: &Path, text: &str) -> Result<Parsed, ChangelogError> {
    let (entries, problems) = markdown(file, text)?;
    Ok(Parsed {
        entries,
        warnings: problems.warnings(),
        name: None,
        format: None,
    })
}

fn markdown(file: &Path, text: &str) -> Result<(Vec<ChangelogEntry>, Problems), ChangelogError> {
    let mut problems = Problems::default();
    let mut entries = Vec::new();
    let mut current: Option<Pending> = None;
    let mut fence: Option<(char, usize)> = None;
    // `## oidc-agent 5.3.1 and 5.3.2`: one section for several versions.
    let mut aliases: Vec<String> = Vec::new();
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
            && !(level == 2 && current.is_some() && is_change_kind(title))
        {
            if let Some(done) = current.take() {
                push_with_aliases(
                    &mut entries,
                    done.finish(ChangelogKind::KeepAChangelog, file, is_link_definition),
                    &aliases,
                );
            }
            aliases.clear();
            if level == 2 {
                match kac_heading(file, n, line, title) {
                    Ok(p) => {
                        if p.is_some() {
                            aliases = also_released(title);
                        }
                        current = p;
                    }
                    Err(e) if entries.is_empty() => return Err(e),
                    Err(e) => problems.warn(e),
                }
            }
            continue;
        }
        if let Some(cur) = current.as_mut() {
            cur.body.push((n, line));
        }
    }
    if let Some(done) = current {
        push_with_aliases(
            &mut entries,
            done.finish(ChangelogKind::KeepAChangelog, file, is_link_definition),
            &aliases,
        );
    }
    Ok((entries, problems))
}

/// The entry, then a copy of it for each further version its heading names.
fn push_with_aliases(entries: &mut Vec<ChangelogEntry>, entry: ChangelogEntry, aliases: &[String]) {
    for a in aliases {
        let mut e = entry.clone();
        e.full_version = a.clone();
        e.expanded = a.clone();
        e.version = a.clone();
        entries.push(e);
    }
    entries.insert(entries.len() - aliases.len(), entry);
}

/// Further versions after the first in `5.3.1 and 5.3.2` or `1.0, 1.1`.
fn also_released(title: &str) -> Vec<String> {
    let words: Vec<&str> = title.split_whitespace().collect();
    let Some(first) = words
        .iter()
        .position(|w| looks_like_version(w.trim_matches(['[', ']', ','])))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut i = first + 1;
    while let Some(w) = words.get(i) {
        let joined = *w == "and" || *w == "&" || words.get(i - 1).is_some_and(|p| p.ends_with(','));
        let v = if *w == "and" || *w == "&" {
            words.get(i + 1).copied()
        } else {
            Some(*w)
        };
        match v.map(|v| v.trim_matches(['[', ']', ','])) {
            Some(v) if joined && looks_like_version(v) && v.contains('.') => {
                out.push(v.trim_start_matches(['v', 'V']).to_string());
                i += if *w == "and" || *w == "&" { 2 } else { 1 };
            }
            _ => break,
        }
    }
    out
}

/// Keep a Changelog's kinds of change and the section titles generators
/// (release-please, GitHub's release notes) use, which some files put at
/// level 2 under the version.
fn is_change_kind(title: &str) -> bool {
    const KINDS: &[&str] = &[
        "added",
        "changed",
        "deprecated",
        "removed",
        "fixed",
        "security",
        "bug fixes",
        "bugfixes",
        "features",
        "new features",
        "improvements",
        "enhancements",
        "breaking changes",
        "dependencies",
        "documentation",
        "what's changed",
        "miscellaneous",
        "other changes",
        "performance improvements",
    ];
    let t = title
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_ascii_lowercase();
    KINDS.contains(&t.as_str())
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
pub(super) fn atx_heading(line: &str) -> Option<(usize, &str)> {
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

pub(super) fn looks_like_version(token: &str) -> bool {
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
        let mut words = title.split_whitespace();
        let first = words.next().unwrap_or_default();
        if first.eq_ignore_ascii_case("unreleased") {
            return Ok(None);
        }
        // `## 1.2.3 …`, or `## oidc-agent 5.3.3` / `## Version 1.2.3`: the
        // version may follow the product's name.
        let token = if looks_like_version(first) {
            first
        } else {
            match words.next() {
                Some(second) if looks_like_version(second) && !first.starts_with('[') => second,
                _ => return Ok(None),
            }
        };
        let after = offset_in(title, token).map_or(title.len(), |o| o + token.len());
        (token, title.get(after..).unwrap_or_default())
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
    let date_err = |found: &str, problem: String| ChangelogError::KacDate {
        file: file.to_path_buf(),
        line: n,
        column: column_of(line, found),
        heading: line.trim().to_string(),
        found: found.to_string(),
        problem,
    };
    let dashed = rest.strip_prefix(['-', '–', '—']);
    let after_dash = dashed.unwrap_or(rest).trim();
    // `(2024-09-18)`: release-please and others put the date in parentheses.
    let found = after_dash
        .strip_prefix('(')
        .and_then(|d| d.strip_suffix(')'))
        .map_or(after_dash, str::trim);
    let date = if found.is_empty() {
        if dashed.is_some() {
            return Err(date_err(
                rest,
                "there is no date after the separator".to_string(),
            ));
        }
        None
    } else if found.starts_with(|c: char| c.is_ascii_digit()) || dashed.is_some() {
        Some(parse_iso_date(found).map_err(|p| date_err(found, p))?)
    } else {
        // Words after the version (`## 2.0.0 Codename`) are a title, not a date.
        None
    };
    let v = version
        .strip_prefix(['v', 'V'])
        .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(version);
    Ok(Some(Pending {
        line: n,
        heading: line,
        full_version: version.to_string(),
        expanded: v.to_string(),
        version: v.to_string(),
        date,
        body: Vec::new(),
    }))
}

/// Strict `YYYY-MM-DD`; the error is a short description of what is wrong.
pub(super) fn parse_iso_date(s: &str) -> Result<Date, String> {
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
