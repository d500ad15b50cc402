//! `debian/changelog` (Debian policy 4.4, section 4.4), read as dpkg does.

use std::path::Path;

use time::format_description::well_known::Rfc2822;
use time::{Date, OffsetDateTime};

use super::{
    ChangelogEntry, ChangelogError, ChangelogKind, Parsed, Pending, Problems, col_trim, column_of,
    is_blank, keep_nothing, numbered_lines, upstream_version,
};

/// Parses `debian/changelog` strictly; entries in file order (newest first).
///
/// `version` is the upstream version (epoch and Debian revision stripped);
/// the date comes from the entry's trailer, taken in the trailer's own UTC
/// offset. Parsing stops quietly at an Emacs `Local variables:` block, a
/// `vim:` modeline, or pre-policy text at column 0 (e.g. `Old Changelog:`).
pub fn parse_debian(file: &Path, text: &str) -> Result<Vec<ChangelogEntry>, ChangelogError> {
    let (entries, problems, _) = debian(file, text)?;
    problems.strict(entries)
}

/// Reads `debian/changelog` as dpkg-parsechangelog does: a missing or
/// malformed trailer, or a broken entry below the top one, is a warning (the
/// entry then has no date, or is skipped); only a top entry whose heading
/// cannot be read is an error.
pub fn read_debian(file: &Path, text: &str) -> Result<Parsed, ChangelogError> {
    let (entries, problems, name) = debian(file, text)?;
    Ok(Parsed {
        entries,
        warnings: problems.warnings(),
        name,
        format: None,
    })
}

type Read = (Vec<ChangelogEntry>, Problems, Option<String>);

fn debian(file: &Path, text: &str) -> Result<Read, ChangelogError> {
    enum State<'a> {
        Start,
        Entry(Pending<'a>),
        AfterTrailer,
        /// Inside an older entry whose heading could not be read.
        Skipping,
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
    let mut problems = Problems::default();
    let mut entries = Vec::new();
    let mut name = None;
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
                    if let State::Entry(p) = std::mem::replace(&mut state, State::Skipping) {
                        problems.warn(missing_trailer(&p, Some(n)));
                        entries.push(p.finish(ChangelogKind::Debian, file, keep_nothing));
                    }
                    break;
                }
                Col0::Heading => {
                    if let State::Entry(p) = std::mem::replace(&mut state, State::Skipping) {
                        problems.warn(missing_trailer(&p, Some(n)));
                        entries.push(p.finish(ChangelogKind::Debian, file, keep_nothing));
                    }
                    let full = match debian_heading(file, n, line) {
                        Ok(full) => full,
                        // dpkg reads no version at all past a broken top heading.
                        Err(e) if entries.is_empty() => return Err(e),
                        Err(e) => {
                            problems.warn(e);
                            continue;
                        }
                    };
                    if entries.is_empty() {
                        name = line.split_whitespace().next().map(str::to_string);
                    }
                    state = State::Entry(Pending {
                        line: n,
                        heading: line,
                        version: upstream_version(full),
                        full_version: full.to_string(),
                        expanded: full.to_string(),
                        date: None,
                        body: Vec::new(),
                    });
                }
            }
        } else if let Some(rest) = line.strip_prefix(" --")
            && (rest.is_empty() || rest.starts_with([' ', '\t']))
        {
            match std::mem::replace(&mut state, State::AfterTrailer) {
                State::Entry(mut p) => {
                    match debian_trailer_date(file, n, line, rest) {
                        Ok(d) => {
                            p.date = Some(d);
                            if let Some(e) = one_space_before_date(file, n, line) {
                                problems.warn(e);
                            }
                        }
                        Err(e) => problems.warn(e),
                    }
                    entries.push(p.finish(ChangelogKind::Debian, file, keep_nothing));
                }
                State::Skipping => {}
                State::Start | State::AfterTrailer => problems.warn(unexpected(
                    n,
                    line,
                    "this trailer line does not close any entry (its heading is missing)",
                )),
            }
        } else {
            match &mut state {
                State::Entry(p) => p.body.push((n, line)),
                State::Skipping => {}
                State::Start => {
                    return Err(unexpected(
                        n,
                        line,
                        "change text appears before the first entry heading",
                    ));
                }
                State::AfterTrailer => {
                    problems.warn(unexpected(
                        n,
                        line,
                        "change text follows the trailer of the previous entry (is this entry's \
                         heading missing?)",
                    ));
                    state = State::Skipping;
                }
            }
        }
    }
    if let State::Entry(p) = state {
        problems.warn(missing_trailer(&p, None));
        entries.push(p.finish(ChangelogKind::Debian, file, keep_nothing));
    }
    Ok((entries, problems, name))
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

/// Policy wants two spaces between the email and the date; dpkg reads the
/// date after one but warns ("badly formatted trailer line").
fn one_space_before_date(file: &Path, n: usize, line: &str) -> Option<ChangelogError> {
    let (_, after) = line.rsplit_once('>')?;
    let date = after.trim_start();
    (after.len() - date.len() == 1).then(|| ChangelogError::DebianTrailer {
        file: file.to_path_buf(),
        line: n,
        column: column_of(line, date),
        trailer: line.to_string(),
        found: date.to_string(),
        problem: "two spaces, not one, must separate the email from the date".to_string(),
    })
}
