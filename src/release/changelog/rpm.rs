//! The `%changelog` section of an rpm `.spec` file.

use std::path::Path;

use time::{Date, Month};

use super::{
    ChangelogEntry, ChangelogError, ChangelogKind, Parsed, Pending, Problems, column_of, is_blank,
    keep_nothing, numbered_lines, offset_in, upstream_version,
};

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

pub(super) const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
pub(super) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Extracts the `%changelog` section of an rpm `.spec` and parses its
/// entries (newest first), strictly. A spec without `%changelog` yields no entries.
///
/// Headings are `* Www Mmm DD YYYY Name <email> - VERSION-RELEASE`; the dash
/// may be glued to the email or omitted (`<email> 1.0-1`), and the date may
/// carry a time and zone as `date` prints it (`* Mon Jan 01 12:00:00 UTC
/// 2024 …`). Versions with macros are kept raw in `full_version` and expanded
/// in `expanded` and `version`.
pub fn parse_rpm_spec(file: &Path, text: &str) -> Result<Vec<ChangelogEntry>, ChangelogError> {
    let (entries, problems, _) = rpm(file, text)?;
    problems.strict(entries)
}

/// Reads a spec's `%changelog` as rpmbuild does: the first heading may be
/// indented, later ones start at column 0 (an indented `* …` line is body
/// text, as rpm reads it); an entry without a version is accepted; a weekday
/// that disagrees with the date is a warning ("bogus date"), and so is a
/// broken heading below the top one. Only a top entry that cannot be read, or
/// text before it, is an error, as it is for rpmbuild.
pub fn read_rpm_spec(file: &Path, text: &str) -> Result<Parsed, ChangelogError> {
    let (entries, problems, name) = rpm(file, text)?;
    Ok(Parsed {
        entries,
        warnings: problems.warnings(),
        name,
        format: None,
    })
}

fn rpm(
    file: &Path,
    text: &str,
) -> Result<(Vec<ChangelogEntry>, Problems, Option<String>), ChangelogError> {
    let macros = Macros::of_spec(text);
    let mut problems = Problems::default();
    let mut entries = Vec::new();
    let mut in_changelog = false;
    let mut current: Option<Pending> = None;
    // Past a broken older heading, its body is skipped.
    let mut skipping = false;
    for (n, line) in numbered_lines(text) {
        if let Some(section) = rpm_section(line) {
            if let Some(done) = current.take() {
                entries.push(done.finish(ChangelogKind::RpmSpec, file, keep_nothing));
            }
            in_changelog = section == "changelog";
            skipping = false;
            continue;
        }
        if !in_changelog {
            continue;
        }
        let first = entries.is_empty() && current.is_none() && !skipping;
        let candidate = if first { line.trim_start() } else { line };
        if let Some(after_star) = candidate.strip_prefix('*')
            && (after_star.is_empty() || after_star.starts_with([' ', '\t']))
        {
            if let Some(done) = current.take() {
                entries.push(done.finish(ChangelogKind::RpmSpec, file, keep_nothing));
            }
            skipping = false;
            match rpm_heading(file, n, line, after_star, &macros, &mut problems, true) {
                Ok(p) => current = Some(p),
                Err(e) if first => return Err(e),
                Err(e) => {
                    problems.warn(e);
                    skipping = true;
                }
            }
        } else if let Some(cur) = current.as_mut() {
            cur.body.push((n, line));
        } else if !(skipping || is_blank(line)) {
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
    let name = macros.get("name").map(str::to_string);
    Ok((entries, problems, name))
}

/// The macros a changelog version may use, from the spec's own `Name:`,
/// `Version:`, `Release:` and `Epoch:` headers and `%global`/`%define` lines.
/// Nothing is evaluated: `%if` is not followed and `%(…)` is not run, so
/// what cannot be known stays unexpanded.
#[derive(Debug, Default)]
pub(super) struct Macros(Vec<(String, String)>);

impl Macros {
    pub(super) fn of_spec(text: &str) -> Macros {
        let mut m = Macros::default();
        for (_, line) in numbered_lines(text) {
            if rpm_section(line).is_some_and(|s| s != "package") {
                // Headers and definitions of the main package come first;
                // a later `%define` inside a scriptlet is not the package's.
                break;
            }
            let t = line.trim();
            if let Some(def) = t
                .strip_prefix("%global")
                .or_else(|| t.strip_prefix("%define"))
                .filter(|r| r.starts_with([' ', '\t']))
            {
                let mut parts = def.trim().splitn(2, char::is_whitespace);
                if let (Some(k), Some(v)) = (parts.next(), parts.next())
                    && !k.contains('(')
                {
                    m.set(k, v.trim());
                }
            } else if let Some((tag, value)) = t.split_once(':') {
                let tag = tag.trim().to_ascii_lowercase();
                if ["name", "version", "release", "epoch"].contains(&tag.as_str())
                    && !value.trim().is_empty()
                {
                    m.set(&tag, value.trim());
                }
            }
        }
        m
    }

    /// A definition, unless an earlier one of the same macro is already
    /// fully known (specs give `Version:` once per `%if` branch).
    fn set(&mut self, k: &str, v: &str) {
        match self.0.iter_mut().find(|(name, _)| name == k) {
            Some((_, old)) if old.contains('%') => *old = v.to_string(),
            Some(_) => {}
            None => self.0.push((k.to_string(), v.to_string())),
        }
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
    }

    /// Expands `%{name}`, `%name`, `%{?name}`, `%{?name:text}`,
    /// `%{!?name:text}`; `dist` is always empty, since the changelog names
    /// the release without the target's dist tag.
    pub(super) fn expand(&self, s: &str) -> String {
        self.expand_depth(s, 0)
    }

    fn expand_depth(&self, s: &str, depth: usize) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find('%') {
            out.push_str(rest.get(..i).unwrap_or_default());
            let after = rest.get(i + 1..).unwrap_or_default();
            let (raw_len, body, braced) = if let Some(inner) = after.strip_prefix('{') {
                match closing_brace(inner) {
                    Some(end) => (end + 3, inner.get(..end).unwrap_or_default(), true),
                    None => (1, "", false),
                }
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (end + 1, after.get(..end).unwrap_or_default(), false)
            };
            let raw = rest.get(i..i + raw_len).unwrap_or(rest);
            rest = rest.get(i + raw_len..).unwrap_or_default();
            if body.is_empty() {
                out.push_str(raw);
                continue;
            }
            let (negate, optional, name_text) = match body.strip_prefix("!?") {
                Some(b) => (true, true, b),
                None => match body.strip_prefix('?') {
                    Some(b) => (false, true, b),
                    None => (false, false, body),
                },
            };
            let (name, alt) = match name_text.split_once(':') {
                Some((n, t)) if braced => (n, Some(t)),
                _ => (name_text, None),
            };
            let value = if name == "dist" {
                Some("")
            } else {
                self.get(name)
            };
            let expanded = match (negate, optional, alt, value) {
                (true, _, Some(t), None) => self.expand_depth(t, depth + 1),
                (true, _, _, _) => String::new(),
                (false, true, Some(t), Some(v)) if !(name == "dist" && v.is_empty()) => {
                    self.expand_depth(t, depth + 1)
                }
                (false, true, Some(_), _) => String::new(),
                (false, _, None, Some(v)) if depth < 8 => self.expand_depth(v, depth + 1),
                (false, true, None, None) => String::new(),
                _ => raw.to_string(),
            };
            out.push_str(&expanded);
        }
        out.push_str(rest);
        out
    }
}

/// Byte offset of the `}` that closes a `%{` whose body starts `inner`.
fn closing_brace(inner: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The lowercase section name if `line` starts a spec section.
pub(super) fn rpm_section(line: &str) -> Option<String> {
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
pub(super) fn rpm_heading<'a>(
    file: &Path,
    n: usize,
    line: &'a str,
    after_star: &'a str,
    macros: &Macros,
    problems: &mut Problems,
    check_weekday: bool,
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
    let weekday_written = WEEKDAYS.iter().position(|w| w.eq_ignore_ascii_case(wday));
    if check_weekday
        && weekday_written != Some(usize::from(date.weekday().number_days_from_monday()))
    {
        let whole_date = offset_in(line, wday)
            .and_then(|start| line.get(start..year_end))
            .unwrap_or(wday);
        problems.warn(err(
            whole_date,
            format!(
                "{mon} {day} {year} is a {}, not a {wday} (rpmbuild warns: bogus date)",
                date.weekday()
            ),
        ));
    }
    let rest = line.get(year_end..).unwrap_or_default();
    let full = match rpm_heading_version(rest) {
        Some(full) => full,
        None => {
            // rpm needs no version in a heading; only the strict reader asks.
            problems.quiet(ChangelogError::RpmMissingVersion {
                file: file.to_path_buf(),
                line: n,
                heading: line.to_string(),
            });
            ""
        }
    };
    let expanded = macros.expand(full);
    let version = if expanded.contains('%') {
        expanded.clone()
    } else {
        upstream_version(&expanded)
    };
    Ok(Pending {
        line: n,
        heading: line,
        full_version: full.to_string(),
        expanded,
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
