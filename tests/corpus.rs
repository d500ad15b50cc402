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
            let file = f["location"]["file"].as_str().unwrap_or("-");
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
