//! Every multi-write step is idempotent under a failure at any of its writes:
//! fail the 1st, 2nd, ... write (refused by a forge in an outage, or carried
//! out with its answer lost), run again with the forge healed, and the issue
//! and its comments are exactly those of a run without faults: no notice
//! lost or repeated, no second status comment.

mod support;

use support::rig::{Fake, Kind, Rig};
use support::run;

/// What a scenario leaves: labels, body, and every comment's author and text.
fn end_state(rig: &Rig) -> (Vec<String>, String, Vec<(String, String)>) {
    let issue = rig.issue();
    let mut labels = issue.labels.clone();
    labels.sort();
    let comments = rig
        .comments()
        .into_iter()
        .map(|c| (c.author, c.body))
        .collect();
    (labels, issue.body, comments)
}

fn fail_writes(rig: &Rig, nth: usize, applied: bool) {
    match &rig.backend.fake {
        Fake::GitHub(gh) => gh.fail_writes(nth, 502, applied),
        Fake::GitLab(gl) => gl.fail_writes(nth, 502, applied),
        Fake::Local => unreachable!("a forge"),
    }
}

fn heal(rig: &Rig) {
    match &rig.backend.fake {
        Fake::GitHub(gh) => gh.heal(),
        Fake::GitLab(gl) => gl.heal(),
        Fake::Local => unreachable!("a forge"),
    }
}

/// Runs `step` on a fresh rig once without faults, then once per write it
/// makes with that write failing (both ways), repaired by `step` again.
fn each_write_fails(kind: Kind, prepare: &dyn Fn(&Rig), step: &dyn Fn(&Rig) -> i32) {
    let clean = Rig::new(kind);
    prepare(&clean);
    clean.backend.take_requests();
    assert_eq!(step(&clean), 0);
    let writes = clean
        .backend
        .take_requests()
        .iter()
        .filter(|q| q.method != "GET" && q.path != "/graphql")
        .count();
    assert!(
        writes >= 3,
        "the step makes {writes} writes: not a multi-write step"
    );
    let want = end_state(&clean);
    for nth in 1..=writes {
        for applied in [false, true] {
            let rig = Rig::new(kind);
            prepare(&rig);
            fail_writes(&rig, nth, applied);
            let code = step(&rig);
            heal(&rig);
            assert!(
                code == 3 || (applied && code == 0),
                "write {nth} failing (applied: {applied}) exited {code}"
            );
            assert_eq!(step(&rig), 0, "the repair run failed");
            let got = end_state(&rig);
            assert_eq!(
                got, want,
                "{kind:?}: write {nth} of {writes} failing (applied: {applied}), then a repair run"
            );
        }
    }
}

fn sweep(rig: &Rig) -> i32 {
    let mut c = rig.cmd(&["sweep"]);
    c.env("UMD_RELEASE_MAX_WAIT", "1");
    let r = run(&mut c);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.code
}

/// The issue's case: a sweep that flags a late submission Delayed (label,
/// notice to the provider, status comment, state).
fn late(rig: &Rig) {
    rig.at("2026-12-03T09:00:00Z");
}

#[test]
fn a_delayed_sweep_failing_at_any_write_is_repaired_exactly_on_github() {
    each_write_fails(Kind::GitHub, &late, &sweep);
}

#[test]
fn a_delayed_sweep_failing_at_any_write_is_repaired_exactly_on_gitlab() {
    each_write_fails(Kind::GitLab, &late, &sweep);
}

/// A rejection by the verifier: the label, the notice, closing, the status
/// comment and the state.
fn in_verification(rig: &Rig) {
    rig.label("alice", "verification");
    rig.tracker()
        .add_labels("alice", 1, &["state:rejected".to_string()])
        .unwrap();
}

fn track_rejection(rig: &Rig) -> i32 {
    let r = rig.track_with("alice", support::rig::Ev::Labeled("state:rejected"), &[]);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.code
}

#[test]
fn a_rejection_failing_at_any_write_is_repaired_exactly_on_github() {
    each_write_fails(Kind::GitHub, &in_verification, &track_rejection);
}

#[test]
fn a_rejection_failing_at_any_write_is_repaired_exactly_on_gitlab() {
    each_write_fails(Kind::GitLab, &in_verification, &track_rejection);
}
