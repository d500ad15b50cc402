use time::macros::date;

use super::*;

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
    // One space before the date: dpkg reads it and warns, so only the strict reader refuses it.
    assert!(deb(text).is_err());
    let read = read_debian(Path::new("debian/changelog"), text).unwrap();
    assert_eq!(read.name.as_deref(), Some("pkg"));
    assert_eq!(read.warnings.len(), 1);
    assert!(read.warnings[0].message.contains("two spaces, not one"));
    let entries = read.entries;
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
fn what_dpkg_only_warns_about_is_a_warning() {
    let ok = " -- A <a@b.c>  Sun, 13 Jan 2019 12:00:00 +0100";
    for (text, line, what) in [
        // The top entry without its trailer (dpkg: "found start of entry where expected … trailer").
        (
            format!(
                "p (2.0-1) unstable; urgency=low\n  * x\n\np (1.0-1) unstable; urgency=low\n  * y\n{ok}\n"
            ),
            1,
            "no trailer line before line 4",
        ),
        // A trailer date that is not RFC 2822 (dpkg: "badly formatted trailer line").
        (
            "p (2.0-1) unstable; urgency=low\n  * x\n -- A <a@b.c>  Tue, Oct 21 2025 14:00\n"
                .to_string(),
            3,
            "not an RFC 2822 date",
        ),
        // Text after a trailer, and a broken heading below the top one.
        (
            format!(
                "p (2.0-1) unstable; urgency=low\n  * x\n{ok}\n  * stray\np 1.0 unstable\n  * z\n{ok}\n"
            ),
            4,
            "follows the trailer",
        ),
    ] {
        assert!(deb(&text).is_err(), "strict: {text}");
        let read = read_debian(Path::new("debian/changelog"), &text).unwrap();
        assert_eq!(read.entries[0].full_version, "2.0-1", "{text}");
        assert_eq!(read.warnings[0].line, line, "{text}");
        assert!(
            read.warnings[0].message.contains(what),
            "{:?}",
            read.warnings
        );
    }
    // A top heading dpkg cannot read leaves no version at all: still an error.
    assert!(read_debian(Path::new("debian/changelog"), "p 2.0 unstable\n  * x\n").is_err());
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
