//! Every bad input gets one clear message naming the file (and line), exit 2,
//! no panic, and no half-written report.

mod support;

use std::path::{Path, PathBuf};

use support::pkg::{self, DebSpec};
use support::{demo_dir, demo_repo, edit, require, run, umd};

const FIXTURE_RPM: &str = "tests/fixtures/rpm/v4/rpm-basic-2.3.4-5.el9.noarch.rpm";

/// Runs `check` on `repo` with `artifacts`, expecting exit 2 and a message that
/// contains every `needle`; also asserts the `--output` report was not written.
fn expect_bad(repo: &Path, artifacts: Option<&Path>, extra: &[&str], needles: &[&str]) -> String {
    let out_dir = tempfile::tempdir().unwrap();
    let report = out_dir.path().join("report.json");
    let mut args = vec![
        "check",
        "--repo",
        repo.to_str().unwrap(),
        "--tag",
        "1.4.0",
        "--output",
        report.to_str().unwrap(),
    ];
    if let Some(a) = artifacts {
        args.extend(["--artifacts", a.to_str().unwrap()]);
    }
    args.extend_from_slice(extra);
    let r = run(&mut umd(&args));
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    for n in needles {
        assert!(r.stderr.contains(n), "{n:?} not in: {}", r.stderr);
    }
    assert!(!report.exists(), "a report was written despite the error");
    assert_eq!(
        std::fs::read_dir(out_dir.path()).unwrap().count(),
        0,
        "temp files left behind"
    );
    r.stderr
}

fn artifacts_with(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let a = dir.join("artifacts");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::write(a.join(name), bytes).unwrap();
    a
}

fn fixture() -> Vec<u8> {
    std::fs::read(support::manifest_dir().join(FIXTURE_RPM)).unwrap()
}

#[test]
fn truncated_rpm() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let rpm = fixture();
    for (i, cut) in [200, rpm.len() / 2].into_iter().enumerate() {
        let a = artifacts_with(
            &tmp.path().join(i.to_string()),
            "cut-1.0-1.el7.noarch.rpm",
            &rpm[..cut],
        );
        expect_bad(&repo, Some(&a), &[], &["cut-1.0-1.el7.noarch.rpm"]);
    }
}

#[test]
fn garbage_files_named_as_packages() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let a = artifacts_with(
        tmp.path(),
        "junk.rpm",
        b"this is not a package at all, just text\n",
    );
    expect_bad(&repo, Some(&a), &[], &["junk.rpm"]);
    let b = artifacts_with(&tmp.path().join("b"), "empty.deb", b"");
    expect_bad(&repo, Some(&b), &[], &["empty.deb"]);
}

#[test]
fn absurd_rpm_header_size_fails_fast() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let mut rpm = fixture();
    // The signature header's index count follows the 96-byte lead and 8 bytes of magic and reserved.
    rpm[104..108].copy_from_slice(&u32::MAX.to_be_bytes());
    let a = artifacts_with(tmp.path(), "huge-1.0-1.el7.noarch.rpm", &rpm);
    expect_bad(&repo, Some(&a), &[], &["huge-1.0-1.el7.noarch.rpm"]);
}

/// Builds an ar archive by hand: members as (name, bytes).
fn ar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut b = ar::Builder::new(&mut out);
        for (name, data) in members {
            let header = ar::Header::new(name.as_bytes().to_vec(), data.len() as u64);
            b.append(&header, *data).unwrap();
        }
    }
    out
}

#[test]
fn deb_without_control() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let deb = ar(&[("debian-binary", b"2.0\n"), ("data.tar", &[0u8; 1024])]);
    let a = artifacts_with(tmp.path(), "nocontrol_1.0-1_all.deb", &deb);
    expect_bad(
        &repo,
        Some(&a),
        &[],
        &["nocontrol_1.0-1_all.deb", "control"],
    );
}

#[test]
fn deb_with_unknown_compression() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let deb = ar(&[
        ("debian-binary", b"2.0\n"),
        ("control.tar.bz2", b"BZh91AY&SY"),
        ("data.tar.bz2", b"BZh91AY&SY"),
    ]);
    let a = artifacts_with(tmp.path(), "bz_1.0-1_all.deb", &deb);
    expect_bad(
        &repo,
        Some(&a),
        &[],
        &["bz_1.0-1_all.deb", "control.tar.bz2"],
    );
}

#[test]
fn truncated_deb() {
    if !require("dpkg-deb") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let built = pkg::build_deb(
        tmp.path(),
        &DebSpec {
            compression: "gzip",
            ..Default::default()
        },
    );
    let bytes = std::fs::read(built).unwrap();
    let a = artifacts_with(
        tmp.path(),
        "cut_1.0-1_all.deb",
        &bytes[..bytes.len() * 2 / 3],
    );
    expect_bad(&repo, Some(&a), &[], &["cut_1.0-1_all.deb"]);
}

#[test]
fn unreadable_package_and_symlink_loop() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let a = tmp.path().join("dangling");
    std::fs::create_dir_all(&a).unwrap();
    std::os::unix::fs::symlink("/nonexistent/x.rpm", a.join("gone.rpm")).unwrap();
    expect_bad(&repo, Some(&a), &[], &["gone.rpm"]);

    let l = tmp.path().join("loop");
    std::fs::create_dir_all(l.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", l.join("sub/up")).unwrap();
    expect_bad(&repo, Some(&l), &[], &["loop"]);
}

#[test]
fn missing_directories() {
    let tmp = tempfile::tempdir().unwrap();
    expect_bad(&tmp.path().join("nope"), None, &[], &["nope", "--repo"]);
    let repo = demo_repo(tmp.path());
    expect_bad(
        &repo,
        Some(&tmp.path().join("no-artifacts")),
        &[],
        &["no-artifacts"],
    );
}

#[test]
fn card_with_unknown_key_or_wrong_type() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let card = repo.join("umd-product.yaml");
    edit(&card, "license: Apache-2.0", "licence: Apache-2.0");
    let line = std::fs::read_to_string(&card)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("licence:"))
        .unwrap()
        + 1;
    expect_bad(
        &repo,
        None,
        &[],
        &[
            &format!("umd-product.yaml:{line}:"),
            "licence",
            "umd-release schema card",
        ],
    );
    edit(&card, "licence: Apache-2.0", "capabilities: {a: b}");
    expect_bad(&repo, None, &[], &["umd-product.yaml:"]);
}

#[test]
fn no_card_and_no_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    std::fs::remove_file(repo.join("umd-product.yaml")).unwrap();
    expect_bad(&repo, None, &[], &["no Product ID Card", "--policy"]);
}

#[test]
fn policy_file_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let p = tmp.path().join("umd-6.yaml");
    let text =
        include_str!("../policies/umd-5.yaml").replace("major: 5", "major: 5\nmajor_version: 6");
    std::fs::write(&p, &text).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("major_version"))
        .unwrap()
        + 1;
    expect_bad(
        &repo,
        None,
        &["--policy", p.to_str().unwrap()],
        &[&format!("umd-6.yaml:{line}:"), "major_version"],
    );
    std::fs::write(
        &p,
        include_str!("../policies/umd-5.yaml").replace("major: 5", "major: [5]"),
    )
    .unwrap();
    expect_bad(
        &repo,
        None,
        &["--policy", p.to_str().unwrap()],
        &["umd-6.yaml:"],
    );
    std::fs::write(
        &p,
        format!(
            "{}rules:\n  no-such-rule: error\n",
            include_str!("../policies/umd-5.yaml")
        ),
    )
    .unwrap();
    expect_bad(
        &repo,
        None,
        &["--policy", p.to_str().unwrap()],
        &["no-such-rule", "explain --list"],
    );
    expect_bad(
        &repo,
        None,
        &["--policy", "umd-9"],
        &["unknown policy `umd-9`", "cmd-os-1"],
    );
}

#[test]
fn malformed_changelogs() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    edit(
        &repo.join("CHANGELOG.md"),
        "## [1.4.0] - 2026-11-16",
        "## [1.4.0] - 2026-13-45",
    );
    let line = std::fs::read_to_string(repo.join("CHANGELOG.md"))
        .unwrap()
        .lines()
        .position(|l| l.contains("2026-13-45"))
        .unwrap()
        + 1;
    expect_bad(
        &repo,
        None,
        &[],
        &[&format!("CHANGELOG.md:{line}"), "2026-13-45"],
    );

    let repo = demo_repo(&tmp.path().join("2"));
    edit(
        &repo.join("debian/changelog"),
        "site-info-publisher (1.4.0-1~xenial) xenial; urgency=medium",
        "site-info-publisher 1.4.0-1 xenial urgency=medium",
    );
    expect_bad(&repo, None, &[], &["debian/changelog:1"]);
}

#[test]
fn missing_tag_and_notes_file() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let r = run(&mut umd(&["check", "--repo", repo.to_str().unwrap()]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--tag"), "{}", r.stderr);
    expect_bad(
        &repo,
        None,
        &["--notes", "/nonexistent/NOTES.md"],
        &["/nonexistent/NOTES.md", "--notes"],
    );
}

#[test]
fn usage_errors_exit_2() {
    let r = run(&mut umd(&["check", "--format", "yaml"]));
    assert_eq!(r.code, 2);
    let r = run(&mut umd(&["frobnicate"]));
    assert_eq!(r.code, 2);
    let _ = demo_dir();
}
