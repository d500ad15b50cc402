use time::macros::date;

use super::*;

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
            ("0.3", "v0.3", None),
            ("not-semver_1", "not-semver_1", Some(date!(2023 - 06 - 01))),
        ]
    );
}

#[test]
fn real_world_heading_styles() {
    // Each seen in a real product's CHANGELOG (see tests/fixtures/corpus).
    let text = "# Changelog\n\
                ## [5.2.2](https://github.com/o/r/compare/v5.2.1...v5.2.2) (2026-07-15)\n- a\n\
                ## 1.8.1 (2025-04-24)\n- b\n\
                ## [2.1.0] 2023-01-10\n- c\n\
                ## [v1.14.2] - (2025-11-27)\n- d\n\
                ## oidc-agent 5.3.3\n- e\n\
                ## [0.4.0-1] - 2023-01-01\n- f\n\
                ## 2.0.0 Codename\n- g\n";
    assert_eq!(
        versions(&kac(text).unwrap()),
        [
            ("5.2.2", "5.2.2", Some(date!(2026 - 07 - 15))),
            ("1.8.1", "1.8.1", Some(date!(2025 - 04 - 24))),
            ("2.1.0", "2.1.0", Some(date!(2023 - 01 - 10))),
            ("1.14.2", "v1.14.2", Some(date!(2025 - 11 - 27))),
            ("5.3.3", "5.3.3", None),
            ("0.4.0-1", "0.4.0-1", Some(date!(2023 - 01 - 01))),
            ("2.0.0", "2.0.0", None),
        ]
    );
}

#[test]
fn one_section_for_several_versions() {
    let text = "## oidc-agent 5.3.1 and 5.3.2\n- fix\n## [1.1.0], [1.0.9] - 2024-01-01\n- b\n## 1.0.0\n- a\n";
    let entries = kac(text).unwrap();
    let v: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.version.as_str(), e.body.as_str()))
        .collect();
    assert_eq!(
        v,
        [
            ("5.3.1", "- fix"),
            ("5.3.2", "- fix"),
            ("1.1.0", "- b"),
            ("1.0.9", "- b"),
            ("1.0.0", "- a")
        ]
    );
}

#[test]
fn change_kinds_at_level_two_stay_in_their_entry() {
    let text = "## [1.15.0] - 2025-01-24\n\n## Fixed\n\n- a bug\n\n## Removed\n\n- a flag\n\n\
                ## [1.14.2] - 2024-04-28\n- older\n";
    let entries = kac(text).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[0].body,
        "## Fixed\n\n- a bug\n\n## Removed\n\n- a flag"
    );
}

#[test]
fn a_broken_older_heading_is_a_warning_and_a_broken_top_one_an_error() {
    let text =
        "## [2.0.0] - 2026-01-02\n- new\n## [1.0.0] - 18/09/2014\n- old\n## [0.9.0] - 2013-01-01\n";
    let read = read_keep_a_changelog(Path::new("CHANGELOG.md"), text).unwrap();
    let v: Vec<&str> = read.entries.iter().map(|e| e.version.as_str()).collect();
    assert_eq!(v, ["2.0.0", "0.9.0"]);
    assert_eq!(read.warnings.len(), 1);
    assert_eq!(read.warnings[0].line, 3);
    assert!(
        read.warnings[0].message.contains("CHANGELOG.md:3:"),
        "{:?}",
        read.warnings
    );
    // The strict reader refuses it, and both refuse a broken top heading.
    assert!(kac(text).is_err());
    assert!(read_keep_a_changelog(Path::new("CHANGELOG.md"), "## [1.0.0] - 2024-13-45\n").is_err());
}

#[test]
fn formats_are_detected_before_reading() {
    for (text, format, top) in [
        (
            "# Changelog\nThe format is based on [Keep a Changelog](https://keepachangelog.com/)\n## [Unreleased]\n## [1.0.0] - 2024-01-01\n- a\n",
            NotesFormat::KeepAChangelog,
            Some("1.0.0"),
        ),
        (
            "# Changelog\n## [1.2.0](https://x/compare/v1.1.0...v1.2.0) (2024-01-01)\n- a\n",
            NotesFormat::Markdown,
            Some("1.2.0"),
        ),
        (
            "# Changelog\n## 1.2.0 (2024-01-01)\n- a\n",
            NotesFormat::Markdown,
            Some("1.2.0"),
        ),
        (
            "* Fri Aug 30 2024 A <a@b.c> - 3.4.1-1\n - a\n\n * Wed Feb 21 2024 A <a@b.c> - 3.4.0-1\n - b\n",
            NotesFormat::RpmStyle,
            Some("3.4.1"),
        ),
        (
            "gfal2 release notes\n===\n\n## Tue Oct 21 2025 M <m at cern.ch> - 2.23.5\n### Task\n",
            NotesFormat::RpmStyle,
            Some("2.23.5"),
        ),
        (
            "2.11.5:\n  * [client] a fix\n\n2.11.4:\n  * b\n",
            NotesFormat::News,
            Some("2.11.5"),
        ),
        (
            "Version 1.8, including workarounds for broken CAs.\n------\nr2565 | andrea | 2013-05-14\n",
            NotesFormat::Unknown,
            None,
        ),
        ("", NotesFormat::Unknown, None),
    ] {
        assert_eq!(detect_format(text), format, "{text}");
        let read = read_notes(Path::new("NEWS"), text).unwrap();
        assert_eq!(
            read.entries.first().map(|e| e.version.as_str()),
            top,
            "{text}"
        );
        assert_eq!(read.format, Some(format));
    }
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
