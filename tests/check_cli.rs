//! `umd-release check` end to end: the real binary on real packages, built here
//! with rpmbuild and dpkg-deb or taken from the demo product and the fixtures.

mod support;

use std::path::Path;

use support::pkg::{self, DebSpec, RpmSpec};
use support::{demo_dir, demo_repo, edit, require, run, umd};

/// A demo product's file as SARIF, Code Quality and the annotations name it:
/// from the root of the git checkout holding it (this repository's), else
/// from the demo product itself.
fn demo_from_root(file: &str) -> String {
    if support::manifest_dir().join(".git").exists() {
        format!("examples/demo-product/{file}")
    } else {
        file.to_string()
    }
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

/// Rule ids of every finding of every policy, as `policy:rule`.
fn rules(report: &serde_json::Value) -> Vec<String> {
    report["policies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            let id = p["policy"].as_str().unwrap().to_string();
            p["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |f| format!("{id}:{}", f["rule"].as_str().unwrap()))
        })
        .collect()
}

fn check_json(
    repo: &Path,
    tag: &str,
    artifacts: &Path,
    extra: &[&str],
) -> (i32, serde_json::Value) {
    let mut args = vec![
        "check",
        "--repo",
        repo.to_str().unwrap(),
        "--tag",
        tag,
        "--artifacts",
        artifacts.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let r = run(&mut umd(&args));
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    (r.code, json(&r.stdout))
}

#[test]
fn demo_product_passes_both_cmd_distributions() {
    let demo = demo_dir();
    let r = run(umd(&["check", "--tag", "v1.4.0", "--artifacts", "dist"]).current_dir(&demo));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    insta::assert_snapshot!("demo_text", r.stdout);

    let r = run(umd(&[
        "check",
        "--tag",
        "v1.4.0",
        "--artifacts",
        "dist",
        "--format",
        "json",
    ])
    .current_dir(&demo));
    assert_eq!(r.code, 0);
    let report = json(&r.stdout);
    insta::assert_json_snapshot!("demo_json", report, { ".tool.version" => "[version]" });
    // The JSON carries every package's identity and hash as sha256sum computes it.
    let rpm = demo.join("dist/site-info-publisher-1.4.0-1.el7.noarch.rpm");
    let bytes = std::fs::read(&rpm).unwrap();
    let p = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["format"] == "rpm")
        .unwrap();
    assert_eq!(p["size"], bytes.len() as u64);
    assert_eq!(p["release"], "1.el7");
    assert_eq!(p["license"], "Apache-2.0");
}

#[test]
fn built_packages_for_every_target_and_deb_compression_pass() {
    if !(require("rpmbuild") && require("dpkg-deb")) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    for compression in ["gzip", "xz", "zstd", "none"] {
        let dist = tmp.path().join(format!("dist-{compression}"));
        std::fs::create_dir_all(&dist).unwrap();
        let name = "site-info-publisher";
        pkg::build_rpm(
            &dist,
            &RpmSpec {
                name,
                version: "1.4.0",
                dist: ".el7",
                ..Default::default()
            },
        );
        pkg::build_deb(
            &dist,
            &DebSpec {
                name,
                version: "1.4.0-1~xenial",
                compression,
                ..Default::default()
            },
        );
        let (code, report) = check_json(&repo, "v1.4.0", &dist, &[]);
        assert_eq!(code, 0, "{compression}: {report:#}");
        assert_eq!(
            rules(&report),
            [
                "cmd-os-1:package-unsigned",
                "cmd-os-1:package-unsigned",
                "cmd-one-1:package-unsigned",
                "cmd-one-1:package-unsigned"
            ],
            "{compression}"
        );
        let deb = report["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["format"] == "deb")
            .unwrap();
        assert_eq!(
            (deb["version"].as_str(), deb["release"].as_str()),
            (Some("1.4.0"), Some("1~xenial"))
        );
        assert_eq!(deb["license"], "Apache-2.0", "{compression}");
    }
}

#[test]
fn wrong_version_world_writable_and_wrong_licence_are_findings() {
    if !(require("rpmbuild") && require("dpkg-deb")) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let dist = tmp.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let name = "site-info-publisher";
    pkg::build_rpm(
        &dist,
        &RpmSpec {
            name,
            version: "1.3.9",
            world_writable: true,
            license: "GPL-3.0-or-later",
            ..Default::default()
        },
    );
    pkg::build_deb(
        &dist,
        &DebSpec {
            name,
            version: "1.4.0-1~xenial",
            license: None,
            ..Default::default()
        },
    );
    let (code, report) = check_json(&repo, "v1.4.0", &dist, &["--policy", "cmd-os-1"]);
    assert_eq!(code, 1);
    let found = rules(&report);
    for want in ["package-version", "world-writable", "license-mismatch"] {
        assert!(
            found.contains(&format!("cmd-os-1:{want}")),
            "{want} missing from {found:?}"
        );
    }
    let findings = report["policies"][0]["findings"].as_array().unwrap();
    let ww = findings
        .iter()
        .find(|f| f["rule"] == "world-writable")
        .unwrap();
    assert!(
        ww["message"]
            .as_str()
            .unwrap()
            .contains("/etc/site-info-publisher/open.conf"),
        "{ww}"
    );
    let version = findings
        .iter()
        .find(|f| f["rule"] == "package-version")
        .unwrap();
    assert!(
        version["message"].as_str().unwrap().contains("1.3.9"),
        "{version}"
    );
    // The deb without a copyright file declares no licence at all.
    let lic: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "license-mismatch")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        lic.iter().any(|m| m.contains("GPL-3.0-or-later")),
        "{lic:?}"
    );
    assert!(
        lic.iter().any(|m| m.contains("declares no licence")),
        "{lic:?}"
    );
}

/// Free-form copyright files (copied from real Debian packages, see
/// tests/fixtures/copyright/ORIGIN.md): an Apache-2.0 notice agrees with the
/// demo card's Apache-2.0, a GPL-2+ one is a mismatch, and one naming no
/// licence is a `license-undeclared` warning, not a failing mismatch.
#[test]
fn free_form_deb_copyright_files() {
    if !require("dpkg-deb") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let name = "site-info-publisher";
    let fixture = |f: &str| {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/copyright")
                .join(f),
        )
        .unwrap()
    };
    let license_findings = |file: &str| {
        let dist = tmp.path().join(format!("dist-{file}"));
        std::fs::create_dir_all(&dist).unwrap();
        let copyright = fixture(file);
        pkg::build_deb(
            &dist,
            &DebSpec {
                name,
                version: "1.4.0-1~xenial",
                copyright: Some(&copyright),
                ..Default::default()
            },
        );
        let (code, report) = check_json(&repo, "v1.4.0", &dist, &["--policy", "cmd-os-1"]);
        let findings: Vec<(String, String, String)> = report["policies"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"].as_str().unwrap().starts_with("license"))
            .map(|f| {
                let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
                (
                    s("rule"),
                    s("severity"),
                    format!("{} {}", s("message"), s("hint")),
                )
            })
            .collect();
        (code, report["packages"][0]["license"].clone(), findings)
    };

    let (_, license, findings) = license_findings("apache-2.0");
    assert_eq!(license, "Apache-2.0");
    assert!(findings.is_empty(), "{findings:?}");

    let (code, license, findings) = license_findings("gpl-2-or-later");
    assert_eq!(code, 1);
    assert_eq!(license, "GPL-2.0-or-later");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(
        (findings[0].0.as_str(), findings[0].1.as_str()),
        ("license-mismatch", "error")
    );

    let (_, license, findings) = license_findings("unreadable");
    assert!(license.is_null(), "{license}");
    assert_eq!(findings.len(), 1, "{findings:?}");
    let (rule, severity, text) = &findings[0];
    assert_eq!(
        (rule.as_str(), severity.as_str()),
        ("license-undeclared", "warning")
    );
    for part in [
        "usr/share/doc/site-info-publisher/copyright",
        "declares no licence",
        "DEP-5",
        "License: Apache-2.0",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
}

#[test]
fn missing_target_and_foreign_packages_under_umd5() {
    if !require("rpmbuild") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let dist = tmp.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    pkg::build_rpm(
        &dist,
        &RpmSpec {
            name: "site-info-publisher",
            version: "1.4.0",
            dist: ".el7",
            ..Default::default()
        },
    );
    // A grid product checked against UMD 5 with only an el7 rpm.
    let (code, report) = check_json(&repo, "1.4.0", &dist, &["--policy", "umd-5"]);
    assert_eq!(code, 1);
    let found = rules(&report);
    for want in [
        "umd-5:target-missing",
        "umd-5:package-no-target",
        "umd-5:card-component",
    ] {
        assert!(
            found.contains(&want.to_string()),
            "{want} missing from {found:?}"
        );
    }
    // And an el9 rpm satisfies it.
    pkg::build_rpm(
        &dist,
        &RpmSpec {
            name: "site-info-publisher",
            version: "1.4.0",
            dist: ".el9",
            arch: "noarch",
            ..Default::default()
        },
    );
    let (_, report) = check_json(&repo, "1.4.0", &dist, &["--policy", "umd-5"]);
    assert!(!rules(&report).contains(&"umd-5:target-missing".to_string()));
}

#[test]
fn apel_style_tag_names_version_and_package_release() {
    if !require("rpmbuild") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    edit(
        &repo.join("umd-product.yaml"),
        "component: common",
        "component: grid",
    );
    let dist = tmp.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    pkg::build_rpm(
        &dist,
        &RpmSpec {
            name: "site-info-publisher",
            version: "1.4.0",
            release: "2",
            dist: ".el9",
            ..Default::default()
        },
    );
    // UMD reads `1.4.0-1` as version 1.4.0, package release 1: the rpm is release 2.
    let (code, report) = check_json(&repo, "1.4.0-1", &dist, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["policies"][0]["policy"], "umd-5");
    assert_eq!(report["policies"][0]["tag"]["package_release"], "1");
    let f = &report["policies"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "package-version")
        .unwrap()["message"];
    assert!(f.as_str().unwrap().contains("package release 2"), "{f}");
}

#[test]
fn non_semver_tags_and_changelog_disagreements_name_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, report) = check_json(&repo, "1.4", &empty, &["--policy", "cmd-os-1"]);
    assert_eq!(code, 1);
    let findings = report["policies"][0]["findings"].as_array().unwrap();
    let tag = findings.iter().find(|f| f["rule"] == "tag-semver").unwrap();
    assert!(tag["hint"].as_str().unwrap().contains("1.4.0"), "{tag}");
    // The changelogs say 1.4.0, the semver spelling of `1.4`: one bad tag is one finding, not a cascade.
    assert!(
        !findings
            .iter()
            .any(|f| f["rule"].as_str().unwrap().starts_with("changelog")),
        "{findings:#?}"
    );

    let (code, report) = check_json(&repo, "1.5.0", &empty, &["--policy", "cmd-os-1"]);
    assert_eq!(code, 1);
    let findings = report["policies"][0]["findings"].as_array().unwrap();
    // debian/changelog and the spec say 1.4.0, the tag says 1.5.0: each source named with its line.
    let versions: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["rule"] == "changelog-version")
        .collect();
    assert_eq!(versions.len(), 2, "{findings:#?}");
    for f in versions {
        assert!(f["location"]["line"].as_u64().is_some(), "{f}");
        assert!(f["message"].as_str().unwrap().contains("1.4.0"), "{f}");
        assert!(f["hint"].as_str().unwrap().contains("1.5.0"), "{f}");
    }
    assert!(findings.iter().any(|f| f["rule"] == "changelog-entry"));
    assert!(findings.iter().any(|f| f["rule"] == "target-missing"));
}

#[test]
fn incomplete_card_and_unapproved_licence() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    std::fs::write(
        repo.join("umd-product.yaml"),
        "name: site-info-publisher\ncomponent: openstack\nlicense: CC-BY-NC-4.0\nearly_adopters: [INFN CNAF]\n",
    )
    .unwrap();
    let (code, report) = check_json(&repo, "1.4.0", &demo_dir().join("dist"), &[]);
    assert_eq!(code, 1);
    let p = &report["policies"][0];
    assert_eq!(p["policy"], "cmd-os-1");
    let findings = p["findings"].as_array().unwrap();
    let incomplete: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "card-incomplete")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        incomplete.iter().any(|m| m.contains("ggus_support_unit")),
        "{incomplete:?}"
    );
    assert!(
        incomplete.iter().any(|m| m.contains("contacts.security")),
        "{incomplete:?}"
    );
    let lic = findings
        .iter()
        .find(|f| f["rule"] == "license-not-approved")
        .unwrap();
    assert_eq!(lic["location"]["line"], 3);
    let ea = findings
        .iter()
        .find(|f| f["rule"] == "card-invalid")
        .unwrap();
    assert_eq!(ea["location"]["line"], 4, "{ea}");
}

#[test]
fn policy_severities_are_data() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("umd-6.yaml");
    // A new OS target and a switched-off rule, without touching code.
    let text = include_str!("../policies/umd-5.yaml")
        .replace("id: umd-5", "id: umd-6")
        .replace("name: UMD 5", "name: UMD 6")
        .replace("major: 5", "major: 6")
        .replace("markers: [el9, al9]", "markers: [el10, al10]")
        .replace("require_signatures: false", "require_signatures: false\nrules:\n  package-unsigned: off\n  changelog-version: warning");
    std::fs::write(&policy, text).unwrap();
    let repo = demo_repo(tmp.path());
    let (code, report) = check_json(
        &repo,
        "1.4.0",
        &demo_dir().join("dist"),
        &["--policy", policy.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert_eq!(report["policies"][0]["name"], "UMD 6");
    let found = rules(&report);
    assert!(
        !found.iter().any(|r| r.ends_with("package-unsigned")),
        "{found:?}"
    );
    let missing = report["policies"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "target-missing")
        .unwrap();
    assert!(
        missing["hint"].as_str().unwrap().contains("el10"),
        "{missing}"
    );
}

#[test]
fn every_report_format_renders() {
    let demo = demo_dir();
    let base = [
        "check",
        "--tag",
        "v1.4.0",
        "--artifacts",
        "dist",
        "--format",
    ];
    let md = run(umd(&[&base[..], &["markdown"]].concat()).current_dir(&demo));
    assert_eq!(md.code, 0);
    assert!(
        md.stdout.contains("| Ubuntu 16.04 (Xenial) |"),
        "{}",
        md.stdout
    );

    let sarif = run(umd(&[&base[..], &["sarif"]].concat()).current_dir(&demo));
    let doc = json(&sarif.stdout);
    assert_eq!(doc["version"], "2.1.0");
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for r in doc["runs"][0]["results"].as_array().unwrap() {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        assert!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
    }

    let gh = run(umd(&[&base[..], &["github"]].concat()).current_dir(&demo));
    let dist = format!("::warning file={}", demo_from_root("dist/"));
    assert_eq!(gh.stdout.lines().count(), 2, "{}", gh.stdout);
    assert!(
        gh.stdout.lines().all(|l| l.starts_with(&dist)
            && l.contains(",title=package-unsigned [CMD-OS 1%2C CMD-ONE 1]::")),
        "{}",
        gh.stdout
    );
}

#[test]
fn inside_gitlab_ci_the_log_folds_and_a_code_quality_report_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let cq = tmp.path().join("gl-code-quality-report.json");
    let r = run(umd(&["check", "--tag", "v1.4.0", "--artifacts", "dist"])
        .current_dir(demo_dir())
        .env("GITLAB_CI", "true")
        .env("UMD_RELEASE_CODEQUALITY", &cq));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Passing: the details fold away, the verdict stays visible.
    assert!(
        r.stdout.starts_with("\x1b[0Ksection_start:")
            && r.stdout
                .contains(":umd_release_check[collapsed=true]\r\x1b[0Kumd-release check: v1.4.0\n"),
        "{:?}",
        r.stdout
    );
    assert!(r.stdout.contains("\x1b[0Ksection_end:"), "{:?}", r.stdout);
    assert!(
        r.stdout
            .ends_with("result: the release meets every policy\n"),
        "{:?}",
        r.stdout
    );
    let doc = json(&std::fs::read_to_string(&cq).unwrap());
    let issues = doc.as_array().unwrap();
    assert_eq!(
        issues.len(),
        2,
        "two unsigned packages, each once for both policies"
    );
    for i in issues {
        assert_eq!(i["check_name"], "package-unsigned");
        assert_eq!(i["severity"], "minor");
        assert!(
            i["location"]["path"]
                .as_str()
                .unwrap()
                .starts_with(&demo_from_root("dist/")),
            "{i}"
        );
        assert!(
            i["description"]
                .as_str()
                .unwrap()
                .contains("[CMD-OS 1, CMD-ONE 1]"),
            "{i}"
        );
        assert_eq!(i["location"]["lines"]["begin"], 1);
        assert_eq!(i["fingerprint"].as_str().unwrap().len(), 64);
    }
    let mut prints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), 2, "fingerprints are distinct");
    // --format codequality prints the same report.
    let r = run(umd(&[
        "check",
        "--tag",
        "v1.4.0",
        "--artifacts",
        "dist",
        "--format",
        "codequality",
    ])
    .current_dir(demo_dir()));
    assert_eq!(json(&r.stdout), doc);
}

#[test]
fn inside_github_actions_annotations_summary_and_outputs_are_written() {
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    let output = tmp.path().join("output");
    let report = tmp.path().join("report.json");
    let r = run(umd(&[
        "check",
        "--artifacts",
        "dist",
        "--format",
        "json",
        "--output",
        report.to_str().unwrap(),
    ])
    .current_dir(demo_dir())
    .env("GITHUB_ACTIONS", "true")
    .env("GITHUB_REF_TYPE", "tag")
    .env("GITHUB_REF_NAME", "v1.4.0")
    .env("GITHUB_STEP_SUMMARY", &summary)
    .env("GITHUB_OUTPUT", &output));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let want = format!(
        "::warning file={},title=package-unsigned [CMD-OS 1%2C CMD-ONE 1]::",
        demo_from_root("dist/site-info-publisher-1.4.0-1.el7.noarch.rpm")
    );
    assert!(r.stdout.contains(&want), "{want} not in:\n{}", r.stdout);
    assert!(
        std::fs::read_to_string(&summary)
            .unwrap()
            .contains("umd-release check")
    );
    let out = std::fs::read_to_string(&output).unwrap();
    assert!(out.contains("result<<UMD_RELEASE_EOF\npassed\n"), "{out}");
    assert_eq!(
        json(&std::fs::read_to_string(&report).unwrap())["tag"],
        "v1.4.0"
    );
}

#[test]
fn explain_policies_and_schema() {
    let r = run(&mut umd(&["explain", "world-writable"]));
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("QC_SEC_5"), "{}", r.stdout);
    let r = run(&mut umd(&["explain", "no-such-rule"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no rule `no-such-rule`") && r.stderr.contains("target-missing"),
        "{}",
        r.stderr
    );
    let r = run(&mut umd(&["explain", "--list"]));
    assert_eq!(r.stdout.lines().count(), umd_release::rules::RULES.len());
    let r = run(&mut umd(&["policies"]));
    for id in ["umd-4", "umd-5", "cmd-os-1", "cmd-one-1"] {
        assert!(r.stdout.contains(id), "{}", r.stdout);
    }
    assert!(
        r.stdout.contains("Scientific Linux 6 (retired)"),
        "{}",
        r.stdout
    );
}

#[test]
fn committed_schemas_are_up_to_date() {
    for (kind, file) in [
        ("policy", "schemas/policy.schema.json"),
        ("card", "schemas/umd-product.schema.json"),
        ("tracker", "schemas/tracker.schema.json"),
        ("registry", "schemas/registry.schema.json"),
        ("report", "schemas/report.schema.json"),
    ] {
        let r = run(&mut umd(&["schema", kind]));
        assert_eq!(r.code, 0);
        let committed =
            std::fs::read_to_string(support::manifest_dir().join(file)).unwrap_or_default();
        assert_eq!(
            r.stdout, committed,
            "{file} is stale: run `cargo run -- schema {kind} > {file}`"
        );
    }
}

/// The SARIF results of a run, failing on anything else.
fn sarif_results(stdout: &str) -> Vec<serde_json::Value> {
    let doc = json(stdout);
    assert_eq!(doc["runs"].as_array().map(Vec::len), Some(1), "{doc}");
    doc["runs"][0]["results"].as_array().unwrap().clone()
}

fn uri(result: &serde_json::Value) -> &str {
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
}

#[test]
fn one_sarif_result_per_problem_with_the_policies_it_applies_to() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let all = [
        "--policy",
        "umd-4",
        "--policy",
        "umd-5",
        "--policy",
        "cmd-os-1",
        "--policy",
        "cmd-one-1",
    ];
    let args = |format: &'static str| {
        let mut a = vec!["check", "--repo", repo.to_str().unwrap(), "--tag", "1.4.0"];
        a.extend_from_slice(&all);
        a.extend_from_slice(&["--format", format]);
        a
    };
    // The JSON report keeps one finding per policy, each with a location.
    let r = run(&mut umd(&args("json")));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = json(&r.stdout);
    let missing: Vec<&serde_json::Value> = report["policies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["findings"].as_array().unwrap())
        .filter(|f| f["rule"] == "target-missing")
        .collect();
    assert_eq!(missing.len(), 4, "{missing:?}");
    for f in &missing {
        assert_eq!(
            f["location"],
            serde_json::json!({"file": "umd-product.yaml"})
        );
    }

    let r = run(&mut umd(&args("sarif")));
    let results = sarif_results(&r.stdout);
    let target: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "target-missing")
        .collect();
    assert_eq!(target.len(), 1, "{target:?}");
    assert_eq!(
        target[0]["properties"]["policies"],
        serde_json::json!(["umd-4", "umd-5", "cmd-os-1", "cmd-one-1"])
    );
    assert_eq!(uri(target[0]), "umd-product.yaml");
    assert!(
        target[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("[UMD 4, UMD 5, CMD-OS 1, CMD-ONE 1]"),
        "{}",
        target[0]
    );
    // card-component differs by policy (UMD takes grid only), so stays apart.
    let component: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "card-component")
        .collect();
    assert_eq!(component.len(), 2, "{component:?}");
    // No two results are one problem, and every fingerprint is its own.
    let mut keys: Vec<String> = results
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r["ruleId"],
                uri(r),
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["message"]["text"]
            )
        })
        .collect();
    let mut prints: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["umdReleaseProblem/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    let n = results.len();
    keys.sort();
    keys.dedup();
    prints.sort();
    prints.dedup();
    assert_eq!((keys.len(), prints.len()), (n, n), "{results:?}");
    // The same run gives the same fingerprints.
    let again = sarif_results(&run(&mut umd(&args("sarif"))).stdout);
    assert_eq!(again, results);

    let r = run(&mut umd(&args("codequality")));
    let issues = json(&r.stdout);
    let issues = issues.as_array().unwrap();
    assert_eq!(issues.len(), n, "one Code Quality entry per problem");
    assert_eq!(
        issues
            .iter()
            .filter(|i| i["check_name"] == "target-missing")
            .count(),
        1
    );
}

#[test]
fn in_a_monorepo_reports_name_files_from_the_repository_root() {
    let tmp = tempfile::tempdir().unwrap();
    let mono = tmp.path().join("mono");
    // A worktree's .git is a file; a clone's a directory: either marks the root.
    std::fs::create_dir_all(mono.join("products")).unwrap();
    std::fs::write(
        mono.join(".git"),
        "gitdir: /elsewhere/.git/worktrees/mono\n",
    )
    .unwrap();
    let repo = demo_repo(&mono.join("products"));
    let dist = repo.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    for entry in std::fs::read_dir(demo_dir().join("dist")).unwrap() {
        let from = entry.unwrap().path();
        std::fs::copy(&from, dist.join(from.file_name().unwrap())).unwrap();
    }
    // Tag 1.4.1: findings on the card's changelogs and on the packages alike.
    let from_root = [
        "--repo",
        "products/repo",
        "--artifacts",
        "products/repo/dist",
    ];
    let from_product = ["--repo", ".", "--artifacts", "dist"];
    let mut seen = Vec::new();
    for (cwd, flags) in [(mono.clone(), from_root), (repo.clone(), from_product)] {
        let mut args = vec!["check", "--tag", "1.4.1"];
        args.extend_from_slice(&flags);
        let sarif = run(umd(&[&args[..], &["--format", "sarif"]].concat()).current_dir(&cwd));
        assert_eq!(sarif.code, 1, "{}", sarif.stderr);
        let results = sarif_results(&sarif.stdout);
        let uris: Vec<String> = results.iter().map(|r| uri(r).to_string()).collect();
        for want in [
            "products/repo/CHANGELOG.md",
            "products/repo/debian/changelog",
            "products/repo/dist/site-info-publisher-1.4.0-1.el7.noarch.rpm",
        ] {
            assert!(uris.iter().any(|u| u == want), "{want} not in {uris:?}");
        }
        for u in &uris {
            assert!(mono.join(u).is_file(), "{u} is no file of the repository");
        }
        let cq = run(umd(&[&args[..], &["--format", "codequality"]].concat()).current_dir(&cwd));
        for i in json(&cq.stdout).as_array().unwrap() {
            let path = i["location"]["path"].as_str().unwrap();
            assert!(
                mono.join(path).is_file(),
                "{path} is no file of the repository"
            );
        }
        let gh = run(umd(&[&args[..], &["--format", "github"]].concat()).current_dir(&cwd));
        assert!(!gh.stdout.is_empty());
        for l in gh.stdout.lines() {
            let file = l
                .split_once(" file=")
                .and_then(|(_, rest)| rest.split([',', ':']).next())
                .unwrap_or_else(|| panic!("no file in {l}"));
            assert!(
                mono.join(file).is_file(),
                "{file} is no file of the repository: {l}"
            );
        }
        seen.push(uris);
    }
    assert_eq!(seen[0], seen[1], "the same files from either directory");
    // The text report still names them as the user knows them.
    let text = run(umd(&["check", "--tag", "1.4.1", "--artifacts", "dist"]).current_dir(&repo));
    assert!(text.stdout.contains("--> CHANGELOG.md"), "{}", text.stdout);
}

#[test]
fn no_escape_codes_in_files_nor_under_no_color() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.txt");
    let base = ["check", "--tag", "v1.4.0", "--artifacts", "dist"];
    // CLICOLOR_FORCE stands for a terminal: colour is on...
    let forced = |cmd: &mut std::process::Command| {
        cmd.current_dir(demo_dir())
            .env_remove("NO_COLOR")
            .env("CLICOLOR_FORCE", "1");
    };
    let mut cmd = umd(&base);
    forced(&mut cmd);
    let r = run(&mut cmd);
    assert!(r.stdout.contains("\x1b["), "coloured: {:?}", r.stdout);
    // ...but never in a file...
    let mut cmd = umd(&[&base[..], &["--output", out.to_str().unwrap()]].concat());
    forced(&mut cmd);
    assert_eq!(run(&mut cmd).code, 0);
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.contains("result: the release meets every policy"));
    assert!(!written.contains('\x1b'), "{written:?}");
    // ...and not with NO_COLOR.
    let mut cmd = umd(&base);
    forced(&mut cmd);
    let r = run(cmd.env("NO_COLOR", "1"));
    assert!(!r.stdout.contains('\x1b'), "{:?}", r.stdout);
    // In a GitLab log only the section markers are escape codes.
    let r = run(umd(&base).current_dir(demo_dir()).env("GITLAB_CI", "true"));
    assert!(r.stdout.contains("\x1b[0Ksection_start:"), "{:?}", r.stdout);
    assert!(
        !r.stdout.replace("\x1b[0K", "").contains('\x1b'),
        "{:?}",
        r.stdout
    );
}
