//! `check` on real release material: every case under tests/fixtures/corpus/
//! (one product's changelogs and specs at one real tag, see its ORIGIN) must
//! give the exit code, changelogs and findings its expected.json names.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use support::{manifest_dir, run, umd};

fn corpus() -> PathBuf {
    manifest_dir().join("tests/fixtures/corpus")
}

fn cases() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    out.sort();
    out
}

#[derive(Debug, PartialEq)]
struct Outcome {
    exit: i32,
    /// file -> top version as read.
    changelogs: BTreeMap<String, String>,
    /// `severity rule file`, distinct and sorted.
    findings: Vec<String>,
}

fn expected(case: &Path) -> Outcome {
    let path = case.join("expected.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        v["why"].as_str().is_some_and(|w| !w.is_empty()),
        "{}: say why",
        path.display()
    );
    Outcome {
        exit: v["exit"].as_i64().unwrap() as i32,
        changelogs: v["changelogs"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect(),
        findings: {
            let mut f: Vec<String> = v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect();
            f.sort();
            f.dedup();
            f
        },
    }
}

fn tag(case: &Path) -> String {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).unwrap())
            .unwrap();
    v["tag"].as_str().unwrap().to_string()
}

/// Runs the real binary on a case; the second value is stderr, for reports.
fn actual(case: &Path) -> (Outcome, String) {
    let repo = case.join("repo");
    let policy = corpus().join("policy.yaml");
    let tag = tag(case);
    let r = run(&mut umd(&[
        "check",
        "--repo",
        repo.to_str().unwrap(),
        "--tag",
        &tag,
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let mut out = Outcome {
        exit: r.code,
        changelogs: BTreeMap::new(),
        findings: Vec::new(),
    };
    if r.code == 2 {
        return (out, r.stderr);
    }
    let report: serde_json::Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", case.display(), r.stdout));
    for c in report["changelogs"].as_array().unwrap() {
        let top = c["versions"][0].as_str().unwrap_or("(none)").to_string();
        out.changelogs
            .insert(c["file"].as_str().unwrap().to_string(), top);
    }
    for p in report["policies"].as_array().unwrap() {
        for f in p["findings"].as_array().unwrap() {
            // Every finding has a location, a missing file's the one expected.
            let file = f["location"]["file"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: a finding without a location: {f}", case.display()));
            out.findings.push(format!(
                "{} {} {file}",
                f["severity"].as_str().unwrap(),
                f["rule"].as_str().unwrap()
            ));
        }
    }
    out.findings.sort();
    out.findings.dedup();
    (out, r.stderr)
}

#[test]
fn every_corpus_case_gives_its_expected_findings() {
    let cases = cases();
    assert!(cases.len() >= 20, "the corpus has {} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let want = expected(case);
        let (got, stderr) = actual(case);
        if got != want {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            wrong.push(format!(
                "{name}:\n  want {want:?}\n  got  {got:?}\n  stderr: {}",
                stderr.trim()
            ));
        }
    }
    let right = cases.len() - wrong.len();
    eprintln!("{right}/{} real cases right", cases.len());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_case_names_its_origin() {
    for case in cases() {
        let origin = std::fs::read_to_string(case.join("ORIGIN")).unwrap();
        for key in ["repository: https://", "tag: ", "commit: ", "licence: "] {
            assert!(origin.contains(key), "{}: no `{key}`", case.display());
        }
        // Every file the ORIGIN lists is in the case, and nothing else.
        let listed: Vec<&str> = origin
            .lines()
            .filter_map(|l| l.trim().strip_prefix("- "))
            .collect();
        let repo = case.join("repo");
        let present: Vec<String> = walkdir::WalkDir::new(&repo)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(&repo)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        for f in &present {
            assert!(listed.contains(&f.as_str()), "{f} is not in its ORIGIN");
        }
        assert_eq!(listed.len(), present.len(), "{}", case.display());
    }
}

// ---------------------------------------------------------------------------
// Property: whatever dpkg-parsechangelog (resp. rpmspec) reads, ours reads to
// the same top version, over the corpus's real files and generated ones.

use proptest::prelude::*;
use umd_release::release::changelog::{read_debian, read_rpm_spec};

/// The top version dpkg-parsechangelog reads, if it reads one.
fn dpkg_top(path: &Path) -> Option<String> {
    let out = std::process::Command::new("dpkg-parsechangelog")
        .args(["-S", "Version", "-l"])
        .arg(path)
        .output()
        .unwrap();
    let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !v.is_empty() && v != "unknown").then_some(v)
}

/// The version at the end of the top %changelog name rpmspec reads (`Name
/// <email> - 1.2-1`), if rpmspec can parse the spec at all.
fn rpm_top(path: &Path) -> Option<String> {
    let out = std::process::Command::new("rpmspec")
        .args(["-q", "--srpm", "--qf", "[%{CHANGELOGNAME}\\n]"])
        .arg(path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next()?;
    if !out.status.success() {
        return None;
    }
    let after = first.rsplit_once('>').map_or(first, |(_, a)| a).trim();
    let after = after.strip_prefix('-').map_or(after, str::trim_start);
    // rpm expands the name's macros; `%{dist}` is undefined here and stays
    // as written, where ours drops it as it drops `%{?dist}`.
    let v = after.split_whitespace().next().unwrap_or_default();
    Some(v.replace("%{dist}", ""))
}

fn ours_debian(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).unwrap();
    read_debian(path, &text)
        .ok()
        .and_then(|p| p.entries.first().map(|e| e.full_version.clone()))
}

/// Our top version with the spec's macros expanded, as rpm expands them.
fn ours_rpm(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).unwrap();
    read_rpm_spec(path, &text)
        .ok()
        .and_then(|p| p.entries.first().map(|e| e.expanded.clone()))
}

#[test]
fn the_corpus_reads_as_dpkg_and_rpmspec_read_it() {
    if !(support::require("dpkg-parsechangelog") && support::require("rpmspec")) {
        return;
    }
    let (mut debs, mut specs) = (0, 0);
    for entry in walkdir::WalkDir::new(corpus())
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy();
        let in_debian = path
            .parent()
            .is_some_and(|p| p.components().any(|c| c.as_os_str() == "debian"));
        if name == "changelog" && in_debian {
            let want = dpkg_top(path);
            assert!(
                want.is_some(),
                "dpkg reads no version in {}",
                path.display()
            );
            assert_eq!(ours_debian(path), want, "{}", path.display());
            debs += 1;
        } else if name.ends_with(".spec") || name.ends_with(".spec.in") {
            // Some specs need their build's macros for rpmspec to parse them
            // (HTCondor-CE, XRootD, a cmake template); their %changelog is
            // checked by the corpus cases instead.
            if let Some(want) = rpm_top(path) {
                assert_eq!(
                    ours_rpm(path).as_deref(),
                    Some(want.as_str()),
                    "{}",
                    path.display()
                );
                specs += 1;
            }
        }
    }
    assert!(
        debs >= 10 && specs >= 20,
        "{debs} debian changelogs, {specs} specs"
    );
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn version() -> impl Strategy<Value = String> {
    (
        prop::option::of(1u8..3),
        1u8..30,
        0u8..20,
        prop::option::of(0u8..20),
        prop::option::of(1u8..9),
    )
        .prop_map(|(epoch, a, b, c, rel)| {
            let mut v = epoch.map(|e| format!("{e}:")).unwrap_or_default();
            v.push_str(&format!("{a}.{b}"));
            if let Some(c) = c {
                v.push_str(&format!(".{c}"));
            }
            if let Some(r) = rel {
                v.push_str(&format!("-{r}"));
            }
            v
        })
}

/// A date as (weekday index, day, month index, year), the weekday right or not.
fn date() -> impl Strategy<Value = (usize, u8, usize, u16, bool)> {
    (0usize..7, 1u8..29, 0usize..12, 2000u16..2030, any::<bool>())
}

fn real_weekday(day: u8, month: usize, year: u16) -> usize {
    let m = time::Month::try_from(month as u8 + 1).unwrap();
    let d = time::Date::from_calendar_date(i32::from(year), m, day).unwrap();
    usize::from(d.weekday().number_days_from_monday())
}

/// A debian/changelog entry; the trailer well formed, with one space before
/// its date, with a date that is not RFC 2822, or missing (all only warnings
/// for dpkg).
fn debian_entry() -> impl Strategy<Value = String> {
    (version(), date(), 0u8..4, "[a-z]{3,8}").prop_map(
        |(v, (_, day, mon, year, _), trailer, word)| {
            let wd = WEEKDAYS[real_weekday(day, mon, year)];
            let m = MONTHS[mon];
            let trailer = match trailer {
                0 => format!(
                    " -- Jane Doe <jd@example.org>  {wd}, {day:02} {m} {year} 12:00:00 +0100\n"
                ),
                1 => format!(
                    " -- Jane Doe <jd@example.org> {wd}, {day:02} {m} {year} 12:00:00 +0100\n"
                ),
                2 => format!(" -- Jane Doe <jd@example.org>  {wd}, {m} {day:02} {year} 14:00\n"),
                _ => String::new(),
            };
            format!("pkg-{word} ({v}) unstable; urgency=low\n\n  * {word}\n\n{trailer}\n")
        },
    )
}

/// An rpm %changelog heading: indented or not, the weekday right or not, with
/// or without a version, with `%{?dist}`.
fn rpm_entry() -> impl Strategy<Value = (String, bool)> {
    (version(), date(), any::<bool>(), any::<bool>(), 0u8..4).prop_map(
        |(v, (w, day, mon, year, right), indent, with_version, glue)| {
            let wd = if right {
                WEEKDAYS[real_weekday(day, mon, year)]
            } else {
                WEEKDAYS[w]
            };
            let ver = match (with_version, glue) {
                (false, _) => String::new(),
                (true, 0) => format!(" - {v}"),
                (true, 1) => format!(" {v}%{{?dist}}"),
                (true, 2) => " %{version}-%{release}".to_string(),
                (true, _) => format!("- {v}"),
            };
            let lead = if indent { " " } else { "" };
            (
                format!(
                    "{lead}* {wd} {} {day:02} {year} Jane Doe <jd@example.org>{ver}\n- change\n\n",
                    MONTHS[mon]
                ),
                indent,
            )
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_debian_changelogs_read_as_dpkg_reads_them(entries in prop::collection::vec(debian_entry(), 1..4)) {
        if !support::require("dpkg-parsechangelog") {
            return Ok(());
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("changelog");
        std::fs::write(&path, entries.concat()).unwrap();
        let want = dpkg_top(&path);
        prop_assert!(want.is_some());
        prop_assert_eq!(ours_debian(&path), want);
    }

    #[test]
    fn generated_spec_changelogs_read_as_rpmspec_reads_them(entries in prop::collection::vec(rpm_entry(), 1..4)) {
        if !support::require("rpmspec") {
            return Ok(());
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.spec");
        // rpm reads an indented heading only as the first one; later ones
        // are text of the entry above, for rpm as for us.
        let body: String = entries.iter().map(|(e, _)| e.as_str()).collect();
        let spec = format!("Name: x\nVersion: 1\nRelease: 1%{{?dist}}\nSummary: x\nLicense: MIT\n%description\nx\n%changelog\n{body}");
        std::fs::write(&path, spec).unwrap();
        let want = rpm_top(&path);
        prop_assert!(want.is_some());
        prop_assert_eq!(ours_rpm(&path), want);
    }
}

#[test]
fn the_card_names_the_changelogs_when_discovery_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("cvmfs");
    let from = corpus().join("cvmfs-2.11.5/repo");
    for e in walkdir::WalkDir::new(&from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let to = repo.join(e.path().strip_prefix(&from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    let card = |files: &str| {
        std::fs::write(
            repo.join("umd-product.yaml"),
            format!("name: cvmfs\ncomponent: grid\nchangelogs:\n{files}"),
        )
        .unwrap();
    };
    let check = || {
        run(&mut umd(&[
            "check",
            "--repo",
            repo.to_str().unwrap(),
            "--tag",
            "v2.1.0",
            "--policy",
            corpus().join("policy.yaml").to_str().unwrap(),
            "--format",
            "json",
        ]))
    };
    // Without the setting, cvmfs's own files are read (see the corpus case).
    card(
        "  - packaging/rpm/cvmfs-config-default.spec\n  - packaging/debian/config-default/changelog\n",
    );
    let r = check();
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let files: Vec<&str> = report["changelogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "packaging/rpm/cvmfs-config-default.spec",
            "packaging/debian/config-default/changelog"
        ]
    );
    assert_eq!(report["changelogs"][1]["versions"][0], "2.1");
    // A file the card names that is not there is bad input, named.
    card("  - packaging/rpm/nope.spec\n");
    let r = check();
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("nope.spec") && r.stderr.contains("changelogs"),
        "{}",
        r.stderr
    );
}

/// `check --format json` on a corpus case's files with another tag or a card.
fn check_case(repo: &Path, tag: &str) -> serde_json::Value {
    let r = run(&mut umd(&[
        "check",
        "--repo",
        repo.to_str().unwrap(),
        "--tag",
        tag,
        "--policy",
        corpus().join("policy.yaml").to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

fn findings_of<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["policies"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

#[test]
fn a_changelog_disagreement_says_which_part_differs() {
    let repo = corpus().join("apel-2.5.0-1/repo");
    // APEL's tags name the package release: 2.5.0-2 is the same version, another release.
    let report = check_case(&repo, "2.5.0-2");
    let f = findings_of(&report, "changelog-version");
    assert_eq!(f.len(), 1, "{f:?}");
    let m = f[0]["message"].as_str().unwrap();
    assert!(
        m.contains("version 2.5.0 is right but its release 1 is not 2"),
        "{m}"
    );
    assert_eq!(f[0]["location"]["line"], 202);
    assert!(f[0]["hint"].as_str().unwrap().contains("2.5.0-2"), "{f:?}");
    let report = check_case(&repo, "2.6.0-1");
    let m = findings_of(&report, "changelog-version")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(m.contains("its version 2.5.0 is not 2.6.0"), "{m}");
    // Macros in the version are expanded, and the message shows what was written.
    let report = check_case(&corpus().join("argo-ams-library-v.0.6.3/repo"), "v0.6.4");
    let f = findings_of(&report, "changelog-version");
    let m = f[0]["message"].as_str().unwrap();
    assert!(m.contains("0.6.3-1 (written `0.6.3-1%{?dist}`)"), "{m}");
    let hint = f[0]["hint"].as_str().unwrap();
    assert!(
        !hint.contains("v0.6.4") && hint.contains("0.6.4-1"),
        "{hint}"
    );
}

#[test]
fn card_findings_point_at_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("umd-product.yaml"),
        "name: x\ncomponent: grid\ncontacts:\n  support_email: not-an-address\n  website: ftp://example.org\nlicense: Apache 2.0\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("CHANGELOG.md"),
        "## [1.0.0] - 2026-01-01\n- x\n",
    )
    .unwrap();
    let report = check_case(tmp.path(), "v1.0.0");
    let lines: Vec<(String, u64)> = findings_of(&report, "card-invalid")
        .iter()
        .map(|f| {
            (
                f["message"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        lines
            .iter()
            .any(|(m, l)| m.contains("support_email") && *l == 4),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|(m, l)| m.contains("website") && *l == 5),
        "{lines:?}"
    );
    let spdx = findings_of(&report, "license-spdx");
    assert_eq!(spdx[0]["location"]["line"], 6);
    assert!(
        spdx[0]["hint"].as_str().unwrap().contains("`Apache-2.0`"),
        "{spdx:?}"
    );
    // An empty key's line, or its parent's when absent.
    let incomplete = findings_of(&report, "card-incomplete");
    let security = incomplete
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("contacts.security"))
        .unwrap();
    assert_eq!(security["location"]["line"], 3);
}
