//! Snapshots of every built-in template, rendered from a tracker holding
//! submissions in two distributions and several stages: the submission body,
//! the comment on a changed re-submission, and the announcement (Markdown and
//! HTML) of one distribution's release.

mod support;

use support::rig::{Kind, REPORT, Rig};
use support::{demo_dir, run};

/// Hides what changes from run to run: the temporary directory.
fn stable(rig: &Rig, text: &str) -> String {
    text.replace(&rig.tmp.path().display().to_string(), "[tmp]")
}

#[test]
fn every_template_over_two_distributions_and_several_stages() {
    let rig = Rig::new(Kind::Local);
    let registry = support::manifest_dir().join("examples/tracker/products");
    let dist = demo_dir().join("dist");
    let repo = rig.tmp.path().join("repo");
    // The same release in CMD-ONE too (issue #2), left Unverified.
    let r = run(&mut rig.cmd(&[
        "submit",
        "--policy",
        "cmd-one-1",
        "--registry",
        registry.to_str().unwrap(),
        "--repo",
        repo.to_str().unwrap(),
        "--artifacts",
        dist.to_str().unwrap(),
        "--tag",
        "v1.4.0",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // #1 (CMD-OS) goes to Ready for release.
    rig.at("2026-11-02T10:00:00Z");
    rig.label("alice", "verification");
    rig.label("alice", "staged-rollout");
    rig.say(
        "dave",
        &format!("accept NGI_IT-INFN-CNAF\nreport NGI_IT-INFN-CNAF {REPORT} ok"),
    );
    rig.at("2026-11-09T10:00:00Z");
    rig.label("bob", "ready-for-release");

    let t = rig.tracker();
    let body = t.get_issue(1).unwrap().body;
    insta::assert_snapshot!("submission_body", stable(&rig, &body));

    // A re-submission with the release notes changed: the update comment.
    let notes = rig.tmp.path().join("NOTES.md");
    std::fs::write(&notes, "Rebuilt with a fix to the LDIF output.\n").unwrap();
    let r = run(&mut rig.cmd(&[
        "submit",
        "--policy",
        "cmd-one-1",
        "--registry",
        registry.to_str().unwrap(),
        "--repo",
        repo.to_str().unwrap(),
        "--artifacts",
        dist.to_str().unwrap(),
        "--tag",
        "v1.4.0",
        "--notes",
        notes.to_str().unwrap(),
    ]));
    assert!(r.stdout.contains("updated #2"), "{}", r.stdout);
    let updated = t.list_comments(2).unwrap().pop().unwrap().body;
    // The once-key hashes the new body, whose dates are the run's own.
    let key = updated.lines().last().unwrap().to_string();
    assert!(key.starts_with(umd_release::plan::ONCE_PREFIX), "{updated}");
    let updated = updated.replace(&key, "<!-- umd-release:once [key] -->");
    insta::assert_snapshot!("submission_updated", updated);

    // The announcement takes CMD-OS's ready submission only.
    let html = rig.tmp.path().join("announcement.html");
    let r = run(&mut rig.cmd(&[
        "announce",
        "--distribution",
        "cmd-os-1",
        "--version",
        "1.5.0",
        "--date",
        "2026-11-20",
        "--html",
        html.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("products: site-info-publisher 1.4.0\n"),
        "{}",
        r.stdout
    );
    let ann = t.get_issue(3).unwrap();
    assert!(!ann.body.contains("cmd-one-1"), "{}", ann.body);
    insta::assert_snapshot!("announcement_issue", stable(&rig, &ann.body));
    insta::assert_snapshot!(
        "announcement_page",
        stable(&rig, &std::fs::read_to_string(&html).unwrap())
    );
}
