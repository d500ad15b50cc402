use std::path::Path;

use time::macros::date;

use super::*;

use crate::release::changelog::rpm::rpm_section;

#[test]
fn rpm_basic_spec() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/rpm/rpm-basic.spec"
    ));
    let text = std::fs::read_to_string(path).unwrap();
    let entries = parse_rpm_spec(path, &text).unwrap();
    assert_eq!(
        versions(&entries),
        [
            ("3.3.3", "3.3.3-3", Some(date!(2021 - 06 - 14))),
            ("2.2.2", "2.2.2-2", Some(date!(2021 - 04 - 25))),
            ("1.1.1", "1.1.1-1", Some(date!(2021 - 03 - 31))),
        ]
    );
    let last = &entries[2];
    assert_eq!(
        last.body,
        "- Just because you shot Jesse James, don't make you Jesse James."
    );
    assert_eq!(last.kind, ChangelogKind::RpmSpec);
    assert_eq!(last.body_line, last.line + 1);
}

#[test]
fn rpm_fixture() {
    let (path, text) = fixture("package.spec");
    // A wrong weekday is only an rpm warning ("bogus date").
    assert!(parse_rpm_spec(&path, &text).is_err());
    let read = read_rpm_spec(&path, &text).unwrap();
    assert_eq!(read.warnings.len(), 1);
    assert!(read.warnings[0].message.contains("bogus date"));
    assert_eq!(read.name.as_deref(), Some("keystone-voms"));
    let entries = read.entries;
    assert_eq!(
        versions(&entries),
        [
            ("2.1.0", "2.1.0-1", Some(date!(2024 - 09 - 18))),
            ("2.0.1", "2.0.1-2", Some(date!(2024 - 03 - 04))),
            ("2.0.1", "1:2.0.1-1.el9", Some(date!(2023 - 11 - 17))),
            // Macros are kept as written and expanded from the spec's headers.
            (
                "2.1.0",
                "%{version}-%{release}",
                Some(date!(2023 - 02 - 01))
            ),
        ]
    );
    assert_eq!(entries[3].expanded, "2.1.0-1");
    assert_eq!(entries[0].line, 30);
    assert_eq!(entries[1].body, "- Rebuild for EL9\n  (no code changes)");
}

#[test]
fn rpm_heading_variants_and_sections() {
    let text = "\u{feff}Name: x\r\n%Changelog\r\n\r\n* Mon Jan  1 2024 J <j@x> - 1.0-1\r\n- a\r\n\
                * Mon Jan 01 12:00:00 UTC 2024 J <j@x> - 0.9-1\n\
                * Mon Jan 01 12:00:00 2024 J <j@x> - 0.8-1\n\
                * mon jan 01 2024 Jean-Pierre Dupont - 0.7-1\n\
                * Mon Jan 01 2024 John Doe 0.6-1\n\
                * Mon Jan 01 2024 J <j@x> - 0.5-1 rebuilt for EL9\n\
                - b\n\n%files\n* Tue Feb 30 2024 not in changelog\n%postun -p /sbin/ldconfig\n";
    let entries = rpm(text).unwrap();
    let d = Some(date!(2024 - 01 - 01));
    assert_eq!(
        versions(&entries),
        [
            ("1.0", "1.0-1", d),
            ("0.9", "0.9-1", d),
            ("0.8", "0.8-1", d),
            ("0.7", "0.7-1", d),
            ("0.6", "0.6-1", d),
            ("0.5", "0.5-1", d)
        ]
    );
    assert_eq!((entries[0].body.as_str(), entries[0].body_line), ("- a", 5));
    assert_eq!(entries[5].body, "- b");
    assert!(rpm("Name: x\n").unwrap().is_empty());
    // `%post` must not be mistaken for a prefix of `%postun` etc., and
    // `%{…}` or `%if` lines do not end the section.
    assert!(rpm_section("%postun").is_some() && rpm_section("%posting").is_none());
    let text = "%changelog\n* Mon Jan 01 2024 J <j@x> - 1-1\n%if 0\n- a\n%endif\n%{?x}\n";
    assert_eq!(rpm(text).unwrap()[0].body, "%if 0\n- a\n%endif\n%{?x}");
}

#[test]
fn read_as_rpmbuild_reads() {
    let spec = "%global major 0.6\n%define minor 3\nName: argo-ams-library\n\
                Version: %{major}.%{minor}\nRelease: 1%{?dist}\n%description\nx\n%changelog\n";
    let read = |body: &str| read_rpm_spec(Path::new("x.spec"), &format!("{spec}{body}")).unwrap();
    // The first heading may be indented; later indented `*` lines are body
    // text, as rpm reads them (one entry here, as `rpm -q --changelog` shows).
    let r = read(
        " * Thu May 14 2026 A <a@b.c> - 2.5.0-1\n - x\n\n * Tue May 12 2026 A <a@b.c> - 2.4.1-1\n - y\n",
    );
    assert_eq!(r.entries.len(), 1);
    assert_eq!(r.entries[0].version, "2.5.0");
    assert!(r.entries[0].body.contains("2.4.1-1"));
    // Entries without a version are accepted silently, as rpm does.
    let r = read("* Thu Jul 03 2025 A <a@b.c> - 0.6.3-1\n- x\n* Tue Jan 08 2019 J <j@x>\n- y\n");
    assert_eq!(r.entries.len(), 2);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.entries[1].full_version, "");
    // Macros: the dist tag dropped, headers and definitions substituted.
    for (written, expanded, version) in [
        ("0.6.3-1%{?dist}", "0.6.3-1", "0.6.3"),
        ("1.14.2-1%{dist}", "1.14.2-1", "1.14.2"),
        ("%{version}-%{release}", "0.6.3-1", "0.6.3"),
        ("%{major}.%{minor}-2", "0.6.3-2", "0.6.3"),
        ("%{?epoch:%{epoch}:}%{version}", "0.6.3", "0.6.3"),
        ("%{unknown}-1", "%{unknown}-1", "%{unknown}-1"),
    ] {
        let r = read(&format!("* Thu Jul 03 2025 A <a@b.c> - {written}\n- x\n"));
        let e = &r.entries[0];
        assert_eq!(
            (
                e.full_version.as_str(),
                e.expanded.as_str(),
                e.version.as_str()
            ),
            (written, expanded, version)
        );
    }
    assert_eq!(read("").name.as_deref(), Some("argo-ams-library"));
    // `Version: %{version}` (set by --define at build time) cannot be known:
    // the entry's version stays as written, and reading it terminates.
    let own = "Name: x\nVersion: %{version}\nRelease: 1\n%changelog\n* Thu Jul 03 2025 A <a@b.c> - %{version}-%{release}\n";
    let e = &read_rpm_spec(Path::new("x.spec"), own).unwrap().entries[0];
    assert_eq!(e.expanded, "%{version}-1");
    assert_eq!(e.version, "%{version}-1");
    // A broken older heading is a warning; its entry is skipped.
    let r =
        read("* Thu Jul 03 2025 A <a@b.c> - 2-1\n- x\n* Thu Jul 33 2025 A <a@b.c> - 1-1\n- y\n");
    assert_eq!(r.entries.len(), 1);
    assert_eq!(r.warnings[0].line, 11);
    // Text before the first heading and a broken top heading stop rpmbuild too.
    assert!(read_rpm_spec(Path::new("x.spec"), &format!("{spec}- orphan\n")).is_err());
    assert!(
        read_rpm_spec(
            Path::new("x.spec"),
            &format!("{spec}* Thu Jul 33 2025 A <a@b.c> - 1-1\n")
        )
        .is_err()
    );
}

#[test]
fn rpm_missing_version_fixture() {
    let (path, text) = fixture("spec-missing-version.spec");
    let err = parse_rpm_spec(&path, &text).unwrap_err();
    assert_eq!((err.line(), err.column()), (16, None));
    assert_msg(
        &err,
        "tests/fixtures/changelog/spec-missing-version.spec:16",
        &[
            "no version",
            "`* Mon Jun 03 2024 Anders Waananen <waananen@nbi.dk>`",
            " - VERSION-RELEASE",
            "- 1.2.3-1",
        ],
    );
    for heading in [
        "* Mon Jan 01 2024 J <j@x> -",
        "* Mon Jan 01 2024 John Doe",
        "* Mon Jan 01 2024",
    ] {
        let err = rpm(&format!("%changelog\n{heading}\n")).unwrap_err();
        assert!(
            matches!(err, ChangelogError::RpmMissingVersion { .. }),
            "{heading}: {err}"
        );
        assert_msg(&err, "pkg.spec:2", &[heading, " - VERSION-RELEASE"]);
    }
}

#[test]
fn rpm_date_errors() {
    for (heading, found, why) in [
        ("* Mo Jan 01 2024 J <j@x> - 1-1", "Mo", "not a weekday"),
        (
            "* Mon Janvier 01 2024 J <j@x> - 1-1",
            "Janvier",
            "not an English month",
        ),
        (
            "* Mon Jan 001 2024 J <j@x> - 1-1",
            "001",
            "not a day of the month",
        ),
        (
            "* Mon Jan 1st 2024 J <j@x> - 1-1",
            "1st",
            "not a day of the month",
        ),
        (
            "* Mon Jan 01 24 J <j@x> - 1-1",
            "24",
            "not a four-digit year",
        ),
        (
            "* Fri Feb 30 2024 J <j@x> - 1-1",
            "Fri Feb 30 2024",
            "Feb 30 2024 is not a date that exists",
        ),
        ("* Mon Jan", "Mon Jan", "complete `Www Mmm DD YYYY`"),
        ("*", "", "complete `Www Mmm DD YYYY`"),
    ] {
        let err = rpm(&format!("%changelog\n{heading}\n")).unwrap_err();
        assert!(
            matches!(err, ChangelogError::RpmHeading { .. }),
            "{heading}: {err}"
        );
        assert_msg(
            &err,
            "pkg.spec:2:",
            &[
                &format!("`{found}`"),
                why,
                heading,
                "* Mon Jan 01 2024 Jane Doe",
            ],
        );
    }
    let err = rpm("%changelog\n* Mon Jan 1st 2024 J <j@x> - 1-1\n").unwrap_err();
    assert_eq!(err.column(), Some(11));
}

#[test]
fn rpm_text_before_first_entry() {
    let err = rpm("%changelog\n\n- orphan\n* Mon Jan 01 2024 J <j@x> - 1-1\n").unwrap_err();
    assert!(matches!(err, ChangelogError::RpmUnexpected { .. }));
    assert_msg(
        &err,
        "pkg.spec:3",
        &[
            "`- orphan`",
            "must start with a heading",
            "* Mon Jan 01 2024",
        ],
    );
}

#[test]
fn rpm_error_message_snapshot() {
    let err = rpm("%changelog\n* Mon Jan 01 2024 J <j@x>\n").unwrap_err();
    insta::assert_snapshot!(err, @"pkg.spec:2: rpm %changelog entry heading has no version: found `* Mon Jan 01 2024 J <j@x>`. Append ` - VERSION-RELEASE` after the packager's email, e.g. `* Mon Jan 01 2024 Jane Doe <jane@example.org> - 1.2.3-1`");
}
