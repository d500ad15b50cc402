//! The `%changelog` section of an rpm `.spec` file.

use std::path::Path;

use time::{Date, Month};

use super::{
    ChangelogEntry, ChangelogError, ChangelogKind, Pending, column_of, is_blank, keep_nothing,
    numbered_lines, offset_in, upstream_version,
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
