//! The outputs as the ecosystem's own validators see them: the SARIF reports
//! against the OASIS SARIF 2.1.0 schema, the JSON reports against
//! schemas/report.schema.json, our schemas against their drafts' metaschemas, the examples and built-in policies against our schemas (all
//! with Python's `jsonschema`, by tests/validators/validate.py), and what
//! GitHub code scanning and GitLab Code Quality document for their inputs.
//!
//! `.ci/run` installs the validator and brings the SARIF schema (from the npm
//! package @microsoft/jest-sarif 1.0.0-beta.0, MIT, which ships
//! `lib/schemas/sarif-2.1.0-rtm.5.json`; sha256 checked there) to
//! `target/validators/`, naming it in `UMD_RELEASE_SARIF_SCHEMA`. Without
//! them a test prints a skip line, or fails when `UMD_RELEASE_REQUIRE_TOOLS=1`.

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{demo_dir, demo_repo, manifest_dir, run, umd};

/// Whether a validator's piece is here; a skip is printed past the test
/// harness's capture, so that it shows in a passing run.
fn needed(what: &str, here: bool) -> bool {
    if here {
        return true;
    }
    if std::env::var("UMD_RELEASE_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!("{what} is required (UMD_RELEASE_REQUIRE_TOOLS=1): .ci/run installs it");
    }
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {what} is not installed (bash .ci/run installs it)"
    );
    false
}

fn python_jsonschema() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    needed("python3 with the jsonschema package", ok)
}

fn sarif_schema() -> Option<PathBuf> {
    let path = std::env::var_os("UMD_RELEASE_SARIF_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("target/validators/sarif-2.1.0-rtm.5.json"));
    needed(
        &format!("the SARIF 2.1.0 schema ({})", path.display()),
        path.is_file(),
    )
    .then_some(path)
}

/// Runs the validator on `docs` (name, JSON) against `schema`: Ok with its
/// summary, or Err with every error it printed.
fn validate(schema: &Path, docs: &[(String, serde_json::Value)]) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, (name, doc)) in docs.iter().enumerate() {
        let safe: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let file = dir.path().join(format!("{i:02}-{safe}.json"));
        std::fs::write(&file, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
        files.push(file);
    }
    let out = Command::new("python3")
        .arg(manifest_dir().join("tests/validators/validate.py"))
        .arg(schema)
        .args(&files)
        .output()
        .expect("python3 runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn yaml(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Real check runs, each as (name, working directory, arguments without
/// `--format`): a passing release, failing ones, a monorepo, and the corpus of
/// real products. `tmp` holds the copies.
fn check_runs(tmp: &Path) -> Vec<(String, PathBuf, Vec<String>)> {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let demo_dist = demo_dir().join("dist");
    let repo = demo_repo(&tmp.join("plain"));
    let mono = tmp.join("mono");
    std::fs::create_dir_all(mono.join(".git")).unwrap();
    let product = demo_repo(&mono.join("products"));
    let mut runs = vec![
        (
            "demo passes".to_string(),
            demo_dir(),
            s(&["check", "--tag", "v1.4.0", "--artifacts", "dist"]),
        ),
        (
            "no packages under four policies".to_string(),
            repo.clone(),
            s(&[
                "check",
                "--tag",
                "1.4.0",
                "--policy",
                "umd-4",
                "--policy",
                "umd-5",
                "--policy",
                "cmd-os-1",
                "--policy",
                "cmd-one-1",
            ]),
        ),
        (
            "wrong version".to_string(),
            repo.clone(),
            s(&[
                "check",
                "--tag",
                "v.1.4.1",
                "--artifacts",
                demo_dist.to_str().unwrap(),
            ]),
        ),
        (
            "monorepo".to_string(),
            mono.clone(),
            s(&[
                "check",
                "--repo",
                "products/repo",
                "--tag",
                "1.4.1",
                "--artifacts",
                demo_dist.to_str().unwrap(),
            ]),
        ),
    ];
    // A card with gaps and a file name that needs escaping in a URI.
    let card = product.join("umd-product.yaml");
    let text = std::fs::read_to_string(&card).unwrap();
    let gappy = mono.join("products/odd name#1");
    std::fs::create_dir_all(&gappy).unwrap();
    std::fs::write(
        gappy.join("umd-product.yaml"),
        text.replacen("purpose: ", "purpose: \"\"\n# ", 1).replacen(
            "license: Apache-2.0",
            "license: Apache 2",
            1,
        ),
    )
    .unwrap();
    runs.push((
        "odd card".to_string(),
        mono.clone(),
        s(&["check", "--repo", "products/odd name#1", "--tag", "1.4.0"]),
    ));
    let corpus = manifest_dir().join("tests/fixtures/corpus");
    let policy = corpus.join("policy.yaml");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    cases.sort();
    for case in cases {
        let expected = json(&std::fs::read_to_string(case.join("expected.json")).unwrap());
        if expected["exit"] == 2 {
            continue;
        }
        let tag = expected["tag"].as_str().unwrap().to_string();
        runs.push((
            case.file_name().unwrap().to_string_lossy().into_owned(),
            manifest_dir(),
            vec![
                "check".into(),
                "--repo".into(),
                case.join("repo").display().to_string(),
                "--tag".into(),
                tag,
                "--policy".into(),
                policy.display().to_string(),
            ],
        ));
    }
    runs
}

/// Every run's report in `format`, as JSON.
fn reports(tmp: &Path, format: &str) -> Vec<(String, serde_json::Value)> {
    check_runs(tmp)
        .into_iter()
        .map(|(name, cwd, mut args)| {
            args.extend(["--format".to_string(), format.to_string()]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = run(umd(&args).current_dir(&cwd));
            assert!(
                r.code == 0 || r.code == 1,
                "{name}: exit {}: {}",
                r.code,
                r.stderr
            );
            (name, json(&r.stdout))
        })
        .collect()
}

#[test]
fn sarif_reports_are_valid_sarif_2_1_0() {
    if !python_jsonschema() {
        return;
    }
    let Some(schema) = sarif_schema() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let docs = reports(tmp.path(), "sarif");
    assert!(docs.len() >= 20, "{} runs", docs.len());
    let failing = docs
        .iter()
        .filter(|(_, d)| !d["runs"][0]["results"].as_array().unwrap().is_empty())
        .count();
    assert!(failing >= 10, "only {failing} runs with results");
    if let Err(e) = validate(&schema, &docs) {
        panic!("the SARIF reports do not validate:\n{e}");
    }
    // The validator does reject what is not SARIF.
    let mut broken = docs[1].1.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    let err = validate(&schema, &[("broken".into(), broken)]).unwrap_err();
    assert!(
        err.contains("'message' is a required property") && err.contains("'fatal'"),
        "{err}"
    );
}

#[test]
fn json_reports_match_our_report_schema() {
    if !python_jsonschema() {
        return;
    }
    let schema = manifest_dir().join("schemas/report.schema.json");
    let tmp = tempfile::tempdir().unwrap();
    let docs = reports(tmp.path(), "json");
    if let Err(e) = validate(&schema, &docs) {
        panic!("the JSON reports do not match {}:\n{e}", schema.display());
    }
    // Every finding has a location: one without is refused.
    let (name, mut broken) = docs
        .into_iter()
        .find(|(_, d)| !d["policies"][0]["findings"].as_array().unwrap().is_empty())
        .unwrap();
    broken["policies"][0]["findings"][0]
        .as_object_mut()
        .unwrap()
        .remove("location");
    let err = validate(&schema, &[(name, broken)]).unwrap_err();
    assert!(err.contains("'location' is a required property"), "{err}");
}

/// What GitHub code scanning documents for an uploaded SARIF file, beyond the
/// schema: a tool name, rules with an id and descriptions, results with a
/// rule, a message and one location by a relative URI and a start line, and
/// fingerprints; within its limits.
#[test]
fn sarif_reports_follow_github_code_scannings_rules() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, doc) in reports(tmp.path(), "sarif") {
        let runs = doc["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1, "{name}: one run, one tool");
        let driver = &runs[0]["tool"]["driver"];
        assert_eq!(driver["name"], "umd-release", "{name}");
        let rules = driver["rules"].as_array().unwrap();
        assert!(rules.len() <= 25_000);
        for r in rules {
            for field in ["shortDescription", "fullDescription", "help"] {
                let text = r[field]["text"].as_str().unwrap_or_default();
                assert!(!text.is_empty(), "{name}: rule {} has no {field}", r["id"]);
            }
            assert!(r["shortDescription"]["text"].as_str().unwrap().len() <= 1024);
        }
        let results = runs[0]["results"].as_array().unwrap();
        assert!(results.len() <= 25_000);
        let mut prints = Vec::new();
        for res in results {
            let i = res["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], res["ruleId"], "{name}: {res}");
            assert!(!res["message"]["text"].as_str().unwrap().is_empty());
            let locations = res["locations"].as_array().unwrap();
            assert_eq!(locations.len(), 1, "{name}: {res}");
            let physical = &locations[0]["physicalLocation"];
            let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
            assert!(
                !uri.is_empty()
                    && !uri.starts_with('/')
                    && !uri.contains(':')
                    && !uri.contains(' ')
                    && !uri.contains('\\'),
                "{name}: not a relative URI: {uri}"
            );
            assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
            let print = res["partialFingerprints"]["umdReleaseProblem/v1"]
                .as_str()
                .unwrap();
            assert!(print.len() == 64 && print.bytes().all(|b| b.is_ascii_hexdigit()));
            prints.push(print);
            let policies = res["properties"]["policies"].as_array().unwrap();
            assert!(!policies.is_empty(), "{name}: {res}");
        }
        let n = prints.len();
        prints.sort();
        prints.dedup();
        assert_eq!(prints.len(), n, "{name}: fingerprints repeat");
    }
}

/// GitLab's Code Quality report, as its documentation describes it (no JSON
/// schema of GitLab's own is published): an array of issues, each with a
/// description, a check_name, a fingerprint unique in the report, a severity
/// of info, minor, major, critical or blocker, and a location with a relative
/// path and `lines.begin`.
#[test]
fn code_quality_reports_have_gitlabs_required_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = reports(tmp.path(), "codequality");
    let mut any = 0;
    for (name, doc) in docs {
        let issues = doc
            .as_array()
            .unwrap_or_else(|| panic!("{name}: not an array"));
        let mut prints = Vec::new();
        for i in issues {
            any += 1;
            for field in ["description", "check_name", "fingerprint"] {
                assert!(
                    !i[field].as_str().unwrap_or_default().is_empty(),
                    "{name}: no {field}: {i}"
                );
            }
            assert!(
                ["info", "minor", "major", "critical", "blocker"]
                    .contains(&i["severity"].as_str().unwrap_or_default()),
                "{name}: {i}"
            );
            let path = i["location"]["path"].as_str().unwrap_or_default();
            assert!(!path.is_empty() && !path.starts_with('/'), "{name}: {i}");
            assert!(i["location"]["lines"]["begin"].as_u64().unwrap_or(0) >= 1);
            prints.push(i["fingerprint"].as_str().unwrap().to_string());
        }
        let n = prints.len();
        prints.sort();
        prints.dedup();
        assert_eq!(prints.len(), n, "{name}: fingerprints repeat");
    }
    assert!(any >= 20, "only {any} issues in all");
}

#[test]
fn our_schemas_are_valid_for_their_drafts() {
    if !python_jsonschema() {
        return;
    }
    let mut n = 0;
    for entry in std::fs::read_dir(manifest_dir().join("schemas")).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".schema.json") {
            n += 1;
            if let Err(e) = validate(&path, &[]) {
                panic!("{}:\n{e}", path.display());
            }
        }
    }
    assert!(n >= 4, "{n} schemas");
}

#[test]
fn examples_and_built_in_policies_match_our_schemas() {
    if !python_jsonschema() {
        return;
    }
    let schemas = manifest_dir().join("schemas");
    let examples = manifest_dir().join("examples");
    let files = |dir: &Path| {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        v.sort();
        v
    };
    let named = |paths: Vec<PathBuf>| -> Vec<(String, serde_json::Value)> {
        paths
            .into_iter()
            .map(|p| (p.display().to_string(), yaml(&p)))
            .collect()
    };
    let products = named(files(&examples.join("tracker/products")));
    assert!(!products.is_empty());
    let policies = named(files(&manifest_dir().join("policies")));
    assert!(policies.len() >= 4);
    for (schema, docs) in [
        (
            "tracker.schema.json",
            named(vec![examples.join("tracker/tracker.yaml")]),
        ),
        ("registry.schema.json", products.clone()),
        (
            "umd-product.schema.json",
            named(vec![examples.join("demo-product/umd-product.yaml")]),
        ),
        ("policy.schema.json", policies),
    ] {
        if let Err(e) = validate(&schemas.join(schema), &docs) {
            panic!("{schema}:\n{e}");
        }
    }
    // A registration with a misspelt key is refused, as the tracker refuses it.
    let mut wrong = products[0].1.clone();
    wrong["distribution"] = serde_json::json!(["cmd-os-1"]);
    let err = validate(
        &schemas.join("registry.schema.json"),
        &[("misspelt".into(), wrong)],
    )
    .unwrap_err();
    assert!(err.contains("'distribution' was unexpected"), "{err}");
}
