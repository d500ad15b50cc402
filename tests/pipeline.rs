//! The pipeline (issue 4): label moves checked against the policy's transitions
//! and the roles in `tracker.yaml`, staged rollout with Early Adopters, the
//! scheduled sweep. Every scenario runs on the embedded tracker and on the fake
//! GitHub, through the binary, with the clock set by `UMD_RELEASE_NOW`.

mod support;

use support::fake_github::FakeGitHub;
use support::rig::{CONFIG, REPORT, Rig, TOKEN};
use support::{run, umd};
use umd_release::submission::State;

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod local {
            $(#[test] fn $name() { super::$name(&super::Rig::new(false)) })*
        }
        mod github {
            $(#[test] fn $name() { super::$name(&super::Rig::new(true)) })*
        }
    };
}

on_both!(
    full_journey_from_unverified_to_released,
    an_unauthorised_move_is_put_back_with_the_role_named,
    a_skipped_stage_or_two_labels_are_put_back,
    a_late_stage_is_delayed_the_provider_told_and_a_second_sweep_does_nothing,
    early_adopters_are_reminded_then_volunteers_called,
    sites_answer_for_themselves_only_and_a_rejection_holds_ready,
    a_sweep_repairs_a_state_label_removed_by_hand,
    a_request_left_unfiled_is_flagged_delayed_once,
    a_rejection_closes_the_submission_and_tells_the_provider,
);

fn a_rejection_closes_the_submission_and_tells_the_provider(rig: &Rig) {
    rig.label("alice", "verification");
    let r = rig.label("alice", "rejected");
    assert!(
        r.stdout
            .contains("moved from Verification to Rejected by alice"),
        "{}",
        r.stdout
    );
    assert!(!rig.issue().open);
    let said = rig.said();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with(
            "@janedoe: site-info-publisher 1.4.0 was **rejected** in Verification by alice"
        ),
        "{}",
        said[0]
    );
    // Final: a sweep leaves a closed submission alone, and no move leaves Rejected.
    assert!(rig.sweep().stdout.contains("changed 0"));
    assert!(
        rig.status()[0].contains("**Status:** Rejected"),
        "{:?}",
        rig.status()
    );
}

fn full_journey_from_unverified_to_released(rig: &Rig) {
    rig.at("2026-11-02T10:00:00Z");
    let r = rig.label("alice", "verification");
    assert!(
        r.stdout
            .contains("moved from Unverified to Verification by alice"),
        "{}",
        r.stdout
    );
    // Accepted moves are quiet: no new comment, one status comment.
    assert!(rig.said().is_empty(), "{:?}", rig.said());
    assert_eq!(rig.status().len(), 1);

    rig.at("2026-11-04T10:00:00Z");
    let r = rig.label("alice", "staged-rollout");
    assert!(
        r.stdout.contains(
            "repository transition: site-info-publisher 1.4.0 for cmd-os-1: untested -> testing"
        ),
        "{}",
        r.stdout
    );
    let said = rig.said();
    assert_eq!(said.len(), 1, "{said:?}");
    // The call goes to the card's candidates that the tracker knows.
    assert!(
        said[0].starts_with(
            "@erin @dave: staged rollout of **site-info-publisher 1.4.0** for CMD-OS 1"
        ),
        "{}",
        said[0]
    );
    assert!(
        said[0].contains("`sw/testing/cmd-os/1/centos7/x86_64`"),
        "{}",
        said[0]
    );

    rig.at("2026-11-04T12:00:00Z");
    let r = rig.say("dave", "Thanks, we take it.\naccept NGI_IT-INFN-CNAF");
    assert!(
        r.stdout.contains("NGI_IT-INFN-CNAF accepted"),
        "{}",
        r.stdout
    );
    let r = rig.say(
        "dave",
        "report NGI_IT-INFN-CNAF https://documents.egi.eu/report.odt",
    );
    assert!(r.stdout.contains("refused"), "{}", r.stdout);
    let refusal = rig.said().pop().unwrap();
    assert!(
        refusal.contains("ea-NGI_IT-INFN-CNAF-&lt;MW stack&gt;-site-info-publisher-1.4.0.odt"),
        "{refusal}"
    );
    rig.at("2026-11-06T12:00:00Z");
    rig.say("dave", &format!("report NGI_IT-INFN-CNAF {REPORT}"));

    // Too early: the minimum exposure is 5 days.
    rig.at("2026-11-07T10:00:00Z");
    let r = rig.label("bob", "ready-for-release");
    assert!(
        r.stdout.contains("put back to Staged Rollout")
            && r.stdout.contains("exposure until 2026-11-09 10:00 UTC"),
        "{}",
        r.stdout
    );
    assert_eq!(rig.stages(), ["state:staged-rollout"]);
    rig.at("2026-11-10T10:00:00Z");
    let r = rig.label("bob", "ready-for-release");
    assert!(
        r.stdout
            .contains("moved from Staged Rollout to Ready for release by bob"),
        "{}",
        r.stdout
    );
    rig.at("2026-11-12T10:00:00Z");
    let r = rig.label("carol", "released");
    assert!(r.stdout.contains("testing -> production"), "{}", r.stdout);

    let issue = rig.issue();
    assert!(!issue.open, "a released submission is closed");
    assert_eq!(rig.stages(), ["state:released"]);
    let state = rig.state();
    let h: Vec<(&str, &str)> = state
        .history
        .iter()
        .map(|t| (t.stage.slug(), t.actor.as_str()))
        .collect();
    assert_eq!(
        h[1..],
        [
            ("verification", "alice"),
            ("staged-rollout", "alice"),
            ("ready-for-release", "bob"),
            ("released", "carol")
        ]
    );
    assert_eq!(state.sites["NGI_IT-INFN-CNAF"].reports[0].url, REPORT);
    // The body shows the table of sites, and still one status comment, edited in place.
    assert!(issue.body.contains("| NGI\\_IT-INFN-CNAF | accepted by dave, 2026-11-04 12:00 UTC | [ea-NGI\\_IT-INFN-CNAF-CMD-OS-site-info-publisher-1.4.0.odt]("), "{}", issue.body);
    assert!(
        issue.body.contains("| NGI\\_DE-SCAI | waiting |"),
        "{}",
        issue.body
    );
    let status = rig.status();
    assert_eq!(status.len(), 1, "{status:?}");
    assert!(
        status[0].contains("**Status:** Released since 2026-11-12 10:00 UTC (by carol)"),
        "{}",
        status[0]
    );
    // Nobody was mentioned except in the call.
    let mentions: usize = rig.said().iter().map(|c| c.matches('@').count()).sum();
    assert_eq!(mentions, 3, "{:?}", rig.said());
}

fn an_unauthorised_move_is_put_back_with_the_role_named(rig: &Rig) {
    let r = rig.label("mallory", "verification");
    assert!(r.stdout.contains("put back to Unverified"), "{}", r.stdout);
    assert_eq!(rig.stages(), ["state:unverified"]);
    assert_eq!(rig.state().history.len(), 1);
    let said = rig.said();
    assert!(
        said[0].contains("needs the qc-verifier role") && said[0].contains("mallory"),
        "{}",
        said[0]
    );
    // The tool's own label change, seen again as an event, changes nothing.
    let r = rig.track("issues.labeled", "umd-release", |p| {
        p["label"]["name"] = "state:unverified".into()
    });
    assert!(r.stdout.contains("labels agree"), "{}", r.stdout);
    assert_eq!(rig.said().len(), 1);
}

fn a_skipped_stage_or_two_labels_are_put_back(rig: &Rig) {
    let r = rig.label("carol", "released");
    assert!(r.stdout.contains("put back to Unverified"), "{}", r.stdout);
    assert!(
        rig.said()[0].contains("`state:verification` (by a qc-verifier)"),
        "{:?}",
        rig.said()
    );
    rig.tracker()
        .add_labels(
            "alice",
            1,
            &["state:verification".into(), "state:rejected".into()],
        )
        .unwrap();
    let r = rig.track("issues.labeled", "alice", |p| {
        p["label"]["name"] = "state:rejected".into()
    });
    assert!(r.stdout.contains("two new state labels"), "{}", r.stdout);
    assert_eq!(rig.stages(), ["state:unverified"]);
    // A backwards move.
    rig.label("alice", "verification");
    let r = rig.label("alice", "unverified");
    assert!(
        r.stdout.contains("labels agree") || r.stdout.contains("put back to Verification"),
        "{}",
        r.stdout
    );
    assert_eq!(rig.stages(), ["state:verification"]);
}

fn a_late_stage_is_delayed_the_provider_told_and_a_second_sweep_does_nothing(rig: &Rig) {
    rig.at("2026-11-20T09:00:00Z");
    let r = rig.sweep();
    assert!(r.stdout.contains("changed 0 submission(s)"), "{}", r.stdout);
    // Unverified for more than 30 days.
    rig.at("2026-12-03T09:00:00Z");
    let r = rig.sweep();
    assert!(
        r.stdout
            .contains("Delayed: verification to start was due 2026-12-02 09:00 UTC"),
        "{}",
        r.stdout
    );
    assert!(rig.issue().labels.contains(&"delayed".to_string()));
    let said = rig.said();
    assert_eq!(said.len(), 1);
    assert!(
        said[0].starts_with("@janedoe: this submission is **Delayed**"),
        "{}",
        said[0]
    );
    assert!(
        said[0].contains("a qc-verifier to move it to Verification"),
        "{}",
        said[0]
    );
    let comments = rig.comments();
    let r = rig.sweep();
    assert!(r.stdout.contains("changed 0 submission(s)"), "{}", r.stdout);
    assert_eq!(rig.comments(), comments, "a second sweep posts nothing");
    // `status --explain` says it is late and what it waits for.
    let r = run(&mut rig.cmd(&["status", "--explain"]));
    assert!(
        r.stdout.contains("Unverified (Delayed)")
            && r.stdout.contains("Delayed, was due 2026-12-02 09:00 UTC"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("- a qc-verifier to move it to Verification"),
        "{}",
        r.stdout
    );
    // Moving on drops the flag.
    rig.label("alice", "verification");
    assert!(!rig.issue().labels.contains(&"delayed".to_string()));
    assert_eq!(rig.state().delayed, None);
}

fn early_adopters_are_reminded_then_volunteers_called(rig: &Rig) {
    rig.label("alice", "verification");
    rig.at("2026-11-06T15:00:00Z"); // a Friday
    rig.label("alice", "staged-rollout");
    rig.at("2026-11-09T14:00:00Z"); // one working day is Monday 15:00
    assert!(rig.sweep().stdout.contains("changed 0"));
    rig.at("2026-11-09T16:00:00Z");
    let r = rig.sweep();
    assert!(r.stdout.contains("Early Adopters reminded"), "{}", r.stdout);
    let last = rig.said().pop().unwrap();
    assert!(last.starts_with("@erin @dave: reminder"), "{last}");
    assert!(
        last.contains("@fay: no Early Adopter site has accepted"),
        "{last}"
    );
    assert!(rig.sweep().stdout.contains("changed 0"));
}

fn sites_answer_for_themselves_only_and_a_rejection_holds_ready(rig: &Rig) {
    rig.label("alice", "verification");
    rig.label("alice", "staged-rollout");
    let r = rig.say("erin", "accept NGI_IT-INFN-CNAF");
    assert!(
        r.stdout
            .contains("refused: erin is not a member of NGI_IT-INFN-CNAF"),
        "{}",
        r.stdout
    );
    rig.say(
        "dave",
        &format!("accept NGI_IT-INFN-CNAF\nreport NGI_IT-INFN-CNAF {REPORT}"),
    );
    rig.say("erin", "reject NGI_DE-SCAI");
    rig.at("2026-11-20T09:00:00Z");
    let r = rig.label("bob", "ready-for-release");
    assert!(
        r.stdout.contains("a rejection by NGI_DE-SCAI"),
        "{}",
        r.stdout
    );
    // A comment without a command costs nothing and changes nothing.
    let before = rig.issue();
    let r = rig.say("erin", "We are looking at it.");
    assert!(r.stdout.contains("no command"), "{}", r.stdout);
    assert_eq!(rig.issue(), before);
    // The manager waives in writing; the move then stands.
    let r = rig.say("dave", "waive the site's problem is local");
    assert!(
        r.stdout.contains("refused") && r.stdout.contains("staged-rollout-manager"),
        "{}",
        r.stdout
    );
    rig.say(
        "bob",
        "waive NGI_DE-SCAI's failure is a local misconfiguration (GGUS 123)",
    );
    let r = rig.label("bob", "ready-for-release");
    assert!(
        r.stdout
            .contains("moved from Staged Rollout to Ready for release"),
        "{}",
        r.stdout
    );
    assert!(
        rig.issue().body.contains("Staged rollout waived by bob"),
        "{}",
        rig.issue().body
    );
}

fn a_sweep_repairs_a_state_label_removed_by_hand(rig: &Rig) {
    rig.tracker()
        .remove_label("mallory", 1, "state:unverified")
        .unwrap();
    let r = rig.sweep();
    assert!(
        r.stdout
            .contains("state label repaired to state:unverified"),
        "{}",
        r.stdout
    );
    assert_eq!(rig.stages(), ["state:unverified"]);
    assert!(
        rig.said()[0].contains("the labels said none"),
        "{:?}",
        rig.said()
    );
    assert!(rig.sweep().stdout.contains("changed 0"));
}

fn a_request_left_unfiled_is_flagged_delayed_once(rig: &Rig) {
    let t = rig.tracker();
    let req = t
        .create_issue(
            "tp-user",
            "Submission request",
            "### Product\n\nnothing",
            &["submission-request".into()],
        )
        .unwrap();
    let later = (time::OffsetDateTime::now_utc() + time::Duration::days(10))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    rig.at(&later);
    let r = rig.sweep();
    assert!(
        r.stdout
            .contains(&format!("#{} request #{}: Delayed", req.number, req.number)),
        "{}",
        r.stdout
    );
    let comments = t.list_comments(req.number).unwrap();
    assert_eq!(comments.len(), 1);
    assert!(
        comments[0]
            .body
            .contains("should have been filed within 5 working days"),
        "{}",
        comments[0].body
    );
    assert!(
        t.get_issue(req.number)
            .unwrap()
            .labels
            .contains(&"delayed".to_string())
    );
    rig.sweep();
    assert_eq!(
        t.list_comments(req.number).unwrap().len(),
        1,
        "flagged once"
    );
}

#[test]
fn move_and_comment_commands_work_on_the_embedded_tracker() {
    let rig = Rig::new(false);
    let mv = |to: &str, who: &str, extra: &[&str]| {
        let mut args = vec![
            "move",
            "--submission",
            "site-info-publisher@1.4.0",
            "--to",
            to,
            "--as",
            who,
        ];
        args.extend(extra);
        run(&mut rig.cmd(&args))
    };
    assert_eq!(mv("verification", "alice", &[]).code, 0);
    assert_eq!(mv("staged-rollout", "alice", &[]).code, 0);
    let r = run(&mut rig.cmd(&[
        "comment",
        "--submission",
        "site-info-publisher@1.4.0",
        "--as",
        "dave",
        "--body",
        "accept NGI_IT-INFN-CNAF",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("NGI_IT-INFN-CNAF accepted"),
        "{}",
        r.stdout
    );
    let r = mv(
        "ready-for-release",
        "bob",
        &["--reason", "security fix; verified on the testbed"],
    );
    assert!(
        r.stdout
            .contains("moved from Staged Rollout to Ready for release"),
        "{}",
        r.stdout
    );
    assert_eq!(
        rig.state().waiver.unwrap().text,
        "security fix; verified on the testbed"
    );
}

#[test]
fn bad_pipeline_input_is_refused_with_exit_2() {
    let rig = Rig::new(false);
    let r = run(&mut rig.cmd(&[
        "move",
        "--submission",
        "site-info-publisher@1.4.0",
        "--to",
        "done",
        "--as",
        "alice",
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no stage `done`") && r.stderr.contains("staged-rollout"),
        "{}",
        r.stderr
    );
    let r = run(&mut rig.cmd(&[
        "move",
        "--submission",
        "nothing",
        "--to",
        "verification",
        "--as",
        "alice",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("PRODUCT@VERSION"), "{}", r.stderr);
    let r = run(rig.cmd(&["sweep"]).env("UMD_RELEASE_NOW", "yesterday"));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("UMD_RELEASE_NOW is `yesterday`"),
        "{}",
        r.stderr
    );
    let r = run(&mut rig.cmd(&["track"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--event labeled|unlabeled|comment"),
        "{}",
        r.stderr
    );
    std::fs::write(rig.tmp.path().join("tracker/tracker.yaml"), "role: {}\n").unwrap();
    let r = run(&mut rig.cmd(&["sweep"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("tracker.yaml:1"), "{}", r.stderr);
    let r = run(&mut rig.cmd(&["sweep", "--config", "/nonexistent/tracker.yaml"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("/nonexistent/tracker.yaml"),
        "{}",
        r.stderr
    );
}

/// The issue's figure: a sweep over 500 open submissions, 5 of them late,
/// lists 5 pages of 100 and touches only the 5.
#[test]
fn a_sweep_over_500_submissions_costs_five_pages_plus_the_changes() {
    use umd_release::pipeline::Stage;
    use umd_release::submission::{Key, Transition, compose};
    let gh = FakeGitHub::start();
    gh.add_repo("egi", "umd-tracker");
    gh.set_token(TOKEN);
    gh.set_file("egi", "umd-tracker", "tracker.yaml", CONFIG);
    let at = |s: &str| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
    };
    for i in 0..500 {
        let key = Key {
            dist: "cmd-os-1".into(),
            product: format!("p{i}"),
            version: "1.0.0".into(),
        };
        let since = if i % 100 == 7 {
            "2026-10-01T09:00:00Z"
        } else {
            "2026-11-20T09:00:00Z"
        };
        let state = State {
            key: key.clone(),
            history: vec![Transition {
                stage: Stage::Unverified,
                at: at(since),
                actor: "bot".into(),
            }],
            passed: true,
            contacts: vec!["tp".into()],
            ..State::default()
        };
        let body = compose(&key, "## p\n", &state, "");
        let product = key.product_label();
        gh.create_issue_direct(
            "egi",
            "umd-tracker",
            &format!("p{i}"),
            &body,
            &["state:unverified", "dist:cmd-os-1", &product],
            "bot",
        );
    }
    gh.clear_log();
    let sweep = || {
        let mut c = umd(&["sweep", "--tracker", "github:egi/umd-tracker"]);
        c.env("GITHUB_API_URL", gh.url())
            .env("GITHUB_TOKEN", TOKEN)
            .env("UMD_RELEASE_NOW", "2026-11-23T09:00:00Z");
        run(&mut c)
    };
    let r = sweep();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("changed 5 submission(s)"), "{}", r.stdout);
    let log = gh.requests();
    let pages = log
        .iter()
        .filter(|q| q.method == "GET" && q.path.ends_with("/issues"))
        .count();
    let writes: Vec<String> = log
        .iter()
        .filter(|q| q.method != "GET")
        .map(|q| format!("{} {}", q.method, q.path))
        .collect();
    let other = log.len() - pages - writes.len();
    assert_eq!(pages, 5, "one listing, a page of 100 at a time");
    // Per late submission: the label, the notice, the status comment, the state.
    assert_eq!(writes.len(), 5 * 4, "{writes:#?}");
    assert_eq!(other, 1, "only tracker.yaml is read besides the listing");
    eprintln!(
        "sweep of 500 with 5 delayed: {} requests ({pages} pages, {} writes, {other} read)",
        log.len(),
        writes.len()
    );
    gh.clear_log();
    let r = sweep();
    assert!(r.stdout.contains("changed 0 submission(s)"), "{}", r.stdout);
    let log = gh.requests();
    assert_eq!(
        log.iter().filter(|q| q.method != "GET").count(),
        0,
        "a second sweep writes nothing"
    );
    assert_eq!(log.len(), 6);
}
