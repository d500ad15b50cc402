//! Parser tests: shared helpers here, one file per format.

mod debian;
mod markdown;
mod rpm;

use std::path::{Path, PathBuf};

use time::Date;

use super::*;

fn fixture(name: &str) -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/changelog")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (
        PathBuf::from(format!("tests/fixtures/changelog/{name}")),
        text,
    )
}

/// Asserts the message names the location and contains each fragment.
fn assert_msg(err: &ChangelogError, location: &str, fragments: &[&str]) {
    let msg = err.to_string();
    assert!(msg.contains(location), "no `{location}` in: {msg}");
    for f in fragments {
        assert!(msg.contains(f), "no `{f}` in: {msg}");
    }
    assert!(!msg.contains('\n'), "not one paragraph: {msg}");
}

fn versions(entries: &[ChangelogEntry]) -> Vec<(&str, &str, Option<Date>)> {
    entries
        .iter()
        .map(|e| (e.version.as_str(), e.full_version.as_str(), e.date))
        .collect()
}

fn kac(text: &str) -> Result<Vec<ChangelogEntry>, ChangelogError> {
    parse_keep_a_changelog(Path::new("CHANGELOG.md"), text)
}
fn deb(text: &str) -> Result<Vec<ChangelogEntry>, ChangelogError> {
    parse_debian(Path::new("debian/changelog"), text)
}
fn rpm(text: &str) -> Result<Vec<ChangelogEntry>, ChangelogError> {
    parse_rpm_spec(Path::new("pkg.spec"), text)
}

#[test]
fn decode_locates_invalid_utf8() {
    let err = decode(Path::new("debian/changelog"), b"pkg (1.0)\n  * caf\xe9\n").unwrap_err();
    assert_eq!((err.line(), err.column()), (2, Some(8)));
    assert_msg(&err, "debian/changelog:2:8", &["not valid UTF-8", "iconv"]);
    assert_eq!(decode(Path::new("x"), "é".as_bytes()).unwrap(), "é");
}

#[test]
fn serializes_dates_as_iso_strings() {
    let entries = kac("## [1.0.0] - 2024-01-02\n- x\n## [0.1]\n").unwrap();
    let json = serde_json::to_value(&entries).unwrap();
    assert_eq!(json[0]["date"], "2024-01-02");
    assert_eq!(json[0]["kind"], "keep-a-changelog");
    assert!(json[1]["date"].is_null());
}

#[test]
fn garbage_never_panics() {
    let mut inputs: Vec<String> = [
        "",
        "\u{feff}",
        "\r",
        "\r\n\r\n",
        "#",
        "##",
        "## ",
        "## [",
        "## [é",
        "## ]",
        "## [1]",
        "## [1] -",
        "## [1] – ",
        "## 1 - 2024-01-0é",
        "## [1](",
        "## [1](x",
        "```",
        "~~~\n## [",
        "[",
        "[]:",
        "*",
        "* ",
        "* Mon",
        "* Mon Jan 99 2024",
        "* Mon Jan 01 99999 <",
        "* Mon Jan 01 2024 >",
        "* Mon Jan 01 2024 <é> -",
        "%changelog\n*\tMon Jan 1 2024 é <é> é",
        "%changelog\n* é é é é é",
        "%changelog\n*é",
        "%",
        "%changelog\n%",
        "é (",
        "é (é) é; é",
        "p (",
        "p ()",
        "p (1",
        "p (1)",
        "p (1) ;",
        "p (1) a;",
        "p (1) a; =",
        "p (1) a; ,",
        " --",
        " -- ",
        " -- <",
        " -- a <",
        " -- a <>",
        " -- a <> ",
        " -- a <>  é",
        " -- a <> (",
        "\t",
        "$Id: x $",
        "$",
        "/*",
        ";;",
        "💥 (1) a; u=l\n -- é <é>  Sun, 13 Jan 2019 12:00:00 +0100",
        "\0\0\0",
        "## [1] - 2024-01-01 [YANKED",
        "## [1] [YANKED] [YANKED]",
        " * Mon Jan 01 2024 J <j@x> - %{",
        "%changelog\n* Mon Jan 01 2024 J <j@x> - %{?a:%{b}",
        "%changelog\n* Mon Jan 01 2024 J <j@x> - %{!?é:é}%é%",
        "%global v %{v}\nVersion: %{v}\n%changelog\n* Mon Jan 01 2024 J <j@x> - %{v}",
        "## é 1.2.3 (é)",
        "1.2.é:",
        "## Mon Jan 01",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    inputs.push(format!("## [{}] - {}", "1".repeat(10_000), "9".repeat(500)));
    inputs.push(format!(
        "%changelog\n* Mon Jan 01 {} x <y>",
        "2".repeat(300)
    ));
    let bytes: Vec<u8> = (0u8..=255).collect();
    inputs.push(String::from_utf8_lossy(&bytes).into_owned());
    for s in &inputs {
        for text in [
            s.clone(),
            format!("%changelog\n{s}"),
            format!("p (1) a; u=l\n{s}"),
            format!("## [1]\n{s}"),
        ] {
            let file = Path::new("x");
            for r in [
                parse_keep_a_changelog(file, &text),
                parse_debian(file, &text),
                parse_rpm_spec(file, &text),
            ] {
                if let Err(e) = r {
                    let _ = (e.to_string(), e.line(), e.column());
                }
            }
            for r in [
                read_notes(file, &text),
                read_debian(file, &text),
                read_rpm_spec(file, &text),
            ] {
                match r {
                    Err(e) => {
                        let _ = (e.to_string(), e.line(), e.column());
                    }
                    Ok(p) => assert!(p.warnings.iter().all(|w| w.line >= 1)),
                }
            }
        }
    }
}
