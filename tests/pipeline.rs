//! The pipeline (issue 4): label moves checked against the policy's transitions
//! and the roles in `tracker.yaml`, staged rollout with Early Adopters, the
//! scheduled sweep. Every scenario runs on the embedded tracker, the fake
//! GitHub and the fake GitLab, through the binary, with the clock set by
//! `UMD_RELEASE_NOW`; events come as flags, as GitHub webhook payloads
//! (`GITHUB_EVENT_PATH`) and as GitLab webhook payloads (`TRIGGER_PAYLOAD`).

mod support;

use support::rig::{
    Backend, CONFIG, Ev, Fake, GITLAB_TOKEN, Kind, PROJECT, REPORT, Req, Rig, TOKEN,
};
use support::{run, umd};
use umd_release::submission::State;
use umd_release::tracker::gitlab::scope;

on_all!(
    full_journey_from_unverified_to_released,
    an_unauthorised_move_is_put_back_with_the_role_named,
    a_skipped_stage_or_two_labels_are_put_back,
    a_late_stage_is_delayed_the_provider_told_and_a_second_sweep_does_nothing,
    early_adopters_are_reminded_then_volunteers_called,
    sites_answer_for_themselves_only_and_a_fail_report_holds_ready,
    a_decline_never_blocks_ready,
    the_manager_assigns_sites_and_extends_the_exposure,
    a_delay_explained_by_the_verifier_reaches_the_provider,
    a_rejection_keeps_its_reason_and_report,
    a_stack_s_manager_manages_its_stack_and_reports_name_it,
    a_newer_version_supersedes_an_older_pending_one,
    a_sweep_repairs_a_state_label_removed_by_hand,
    a_state_label_removed_by_hand_is_put_back_by_its_event,
    a_deadline_extended_in_the_policy_lifts_delayed_in_the_one_status_comment,
    a_request_left_unfiled_is_flagged_delayed_once,
    a_rejection_closes_the_submission_and_tells_the_provider,
    a_state_block_edited_to_ready_is_left_out_of_the_announcement,
    a_state_block_edited_forward_is_rebuilt_by_the_next_label_event,
    a_sweep_acts_on_the_recorded_history_not_an_edited_one,
);

on_forges!(Rig:
    an_event_from_another_repository_is_refused,
    a_redelivered_comment_is_handled_once,
);

/// The issue's attack: a `labeled` payload about `evil/other#1`, sent by
/// the verifier, would move the tracker's #1 if the number were all it read.
fn an_event_from_another_repository_is_refused(rig: &Rig) {
    let label = "state:verification".to_string();
    rig.tracker()
        .add_labels("alice", 1, std::slice::from_ref(&label))
        .unwrap();
    let before = rig.state();
    let r = rig.track_in(Some("evil/other"), "alice", Ev::Labeled(&label), &[]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("the event is about evil/other, but the tracker is")
            && r.stderr.contains("refused"),
        "{}",
        r.stderr
    );
    assert_eq!(rig.state(), before, "the foreign event changed the state");
    // The same event from the tracker's own repository is obeyed.
    let r = rig.track("alice", Ev::Labeled(&label));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("moved from Unverified to Verification"),
        "{}",
        r.stdout
    );
}

/// A webhook delivered twice (a re-run job, a retried delivery): the second
/// delivery of the same comment changes nothing and says why.
fn a_redelivered_comment_is_handled_once(rig: &Rig) {
    rig.label("alice", "verification");
    rig.label("alice", "staged-rollout");
    let r = rig.say("dave", "waive the site's problem is local");
    assert!(r.stdout.contains("refused"), "{}", r.stdout);
    let said = rig.said();
    let body = rig.issue().body;
    let id = rig
        .comments()
        .into_iter()
        .find(|c| c.body.starts_with("waive"))
        .unwrap()
        .id;
    let again = rig.track("dave", Ev::Comment(id, "waive the site's problem is local"));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.contains("handled when it was first delivered"),
        "{}",
        again.stdout
    );
    assert_eq!(rig.said(), said, "the refusal was said twice");
    assert_eq!(rig.issue().body, body);
    // Another comment with the same text is another comment: it is answered.
    rig.say("dave", "waive the site's problem is local");
    assert_eq!(rig.said().len(), said.len() + 1);
}

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
        r.stdout
            .contains("NGI_IT-INFN-CNAF takes on the staged rollout"),
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
    rig.say("dave", &format!("report NGI_IT-INFN-CNAF {REPORT} ok"));

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
    // The tool's own comments come back as events (GitHub's issue_comment and
    // GitLab's Note Hook fire for them too), sent by the token's user: none
    // holds a command, and none changes anything.
    let (comments, body) = (rig.comments(), rig.issue().body);
    for text in rig.said().into_iter().chain(rig.status()) {
        let r = rig.track(rig.bot(), Ev::Comment(0, &text));
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains("nothing to do"), "{}", r.stdout);
    }
    assert_eq!(rig.comments(), comments);
    assert_eq!(rig.issue().body, body);
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
    let r = rig.track(rig.bot(), Ev::Labeled("state:unverified"));
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
    let r = rig.track("alice", Ev::Labeled("state:rejected"));
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

/// A site that declines (`reject NGI-Site`) takes no test on: it never holds
/// the release (seed "Staged Rollout": acknowledge with accept or reject).
fn a_decline_never_blocks_ready(rig: &Rig) {
    rig.label("alice", "verification");
    rig.label("alice", "staged-rollout");
    let r = rig.say("erin", "reject NGI_DE-SCAI");
    assert!(
        r.stdout.contains("NGI_DE-SCAI declines the staged rollout"),
        "{}",
        r.stdout
    );
    rig.say(
        "dave",
        &format!("accept NGI_IT-INFN-CNAF\nreport NGI_IT-INFN-CNAF {REPORT} ok"),
    );
    rig.at("2026-11-20T09:00:00Z");
    let r = rig.label("bob", "ready-for-release");
    assert!(
        r.stdout
            .contains("moved from Staged Rollout to Ready for release"),
        "{}",
        r.stdout
    );
    let status = rig.status().pop().unwrap();
    assert!(status.contains("**Status:** Ready for release"), "{status}");
}

const SCAI_REPORT: &str =
    "https://documents.egi.eu/ea-NGI_DE-SCAI-CMD-OS-site-info-publisher-1.4.0.odt";

/// The staged-rollout manager (bob) assigns a site the card did not propose,
/// which is called then and there, and unassigns one; `extend 2` moves the
/// earliest Ready for release two days on.
fn the_manager_assigns_sites_and_extends_the_exposure(rig: &Rig) {
    rig.label("alice", "verification");
    rig.label("alice", "staged-rollout");
    let r = rig.say("dave", "assign NGI_FR-IN2P3");
    assert!(
        r.stdout.contains("refused") && r.stdout.contains("staged-rollout-manager role"),
        "{}",
        r.stdout
    );
    let before = rig.said().len();
    let r = rig.say("bob", "assign NGI_FR-IN2P3\nextend 2");
    assert!(
        r.stdout.contains("#1: assigned NGI_FR-IN2P3"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("exposure extended by 2 day(s)"),
        "{}",
        r.stdout
    );
    let said = rig.said();
    assert_eq!(said.len(), before + 1, "{said:#?}");
    assert!(
        said.last()
            .unwrap()
            .starts_with("@fay: NGI_FR-IN2P3 is assigned to the staged rollout"),
        "{}",
        said.last().unwrap()
    );
    let status = rig.status().pop().unwrap();
    assert!(
        status
            .contains("Early Adopter sites assigned: NGI_DE-SCAI, NGI_FR-IN2P3, NGI_IT-INFN-CNAF."),
        "{status}"
    );
    assert!(
        status.contains("the subject `Staged Rollout: site-info-publisher 1.4.0`"),
        "{status}"
    );
    rig.say("bob", "unassign NGI_IT-INFN-CNAF");
    assert_eq!(
        rig.state().assigned,
        Some(vec!["NGI_DE-SCAI".to_string(), "NGI_FR-IN2P3".to_string()])
    );
    rig.say(
        "fay",
        "accept NGI_FR-IN2P3\nreport NGI_FR-IN2P3 https://documents.egi.eu/ea-NGI_FR-IN2P3-CMD-OS-site-info-publisher-1.4.0.pdf ok",
    );
    // 5 days of exposure would be enough on the 8th; 7 are needed.
    rig.at("2026-11-08T09:30:00Z");
    let r = rig.label("bob", "ready-for-release");
    assert!(
        r.stdout
            .contains("(7 days: the minimum of 5 and 2 more by a manager)"),
        "{}",
        r.stdout
    );
    rig.at("2026-11-10T09:30:00Z");
    let r = rig.label("bob", "ready-for-release");
    assert!(
        r.stdout
            .contains("moved from Staged Rollout to Ready for release"),
        "{}",
        r.stdout
    );
}

/// A verifier explains a delay (`delay REASON`): once the submission is
/// Delayed, the provider is told the explanation, and the status shows it.
fn a_delay_explained_by_the_verifier_reaches_the_provider(rig: &Rig) {
    rig.label("alice", "verification");
    let r = rig.say("dave", "delay waiting for the site");
    assert!(r.stdout.contains("refused"), "{}", r.stdout);
    rig.at("2026-11-10T09:00:00Z");
    rig.sweep();
    assert!(rig.issue().labels.contains(&"delayed".to_string()));
    let r = rig.say(
        "alice",
        "delay the test bed is being upgraded <b>this week</b>",
    );
    assert!(
        r.stdout.contains("delay explained by alice"),
        "{}",
        r.stdout
    );
    let told = rig.said().pop().unwrap();
    assert!(
        told.starts_with("@janedoe: the delay of this submission is explained by alice: the test bed is being upgraded &lt;b&gt;this week&lt;/b&gt;"),
        "{told}"
    );
    let status = rig.status().pop().unwrap();
    assert!(
        status.contains("alice explains the delay: the test bed is being upgraded"),
        "{status}"
    );
}

/// `move --to rejected --reason` keeps the reason and the test report link,
/// and the provider's notice carries both.
fn a_rejection_keeps_its_reason_and_report(rig: &Rig) {
    rig.label("alice", "verification");
    let r = run(&mut rig.cmd(&[
        "move",
        "--submission",
        "site-info-publisher@1.4.0",
        "--distribution",
        "cmd-os-1",
        "--to",
        "rejected",
        "--as",
        "alice",
        "--reason",
        "the BDII crashes on start; report: https://documents.egi.eu/qc-site-info-publisher-1.4.0.pdf",
    ]));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let told = rig.said().pop().unwrap();
    assert!(
        told.contains(
            "was **rejected** in Verification by alice. The reason: the BDII crashes on start"
        ) && told
            .contains("The test report: https://documents.egi.eu/qc-site-info-publisher-1.4.0.pdf"),
        "{told}"
    );
    let rejection = rig.state().rejection.unwrap();
    assert_eq!(
        rejection.report.as_deref(),
        Some("https://documents.egi.eu/qc-site-info-publisher-1.4.0.pdf")
    );
}

fn sites_answer_for_themselves_only_and_a_fail_report_holds_ready(rig: &Rig) {
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
        &format!("accept NGI_IT-INFN-CNAF\nreport NGI_IT-INFN-CNAF {REPORT} ok"),
    );
    let r = rig.say(
        "erin",
        &format!("accept NGI_DE-SCAI\nreport NGI_DE-SCAI {SCAI_REPORT} fail\nggus NGI_DE-SCAI https://helpdesk.ggus.eu/#ticket/zoom/123"),
    );
    assert!(
        r.stdout.contains("NGI_DE-SCAI linked GGUS ticket"),
        "{}",
        r.stdout
    );
    rig.at("2026-11-20T09:00:00Z");
    let r = rig.label("bob", "ready-for-release");
    assert!(
        r.stdout
            .contains("the `fail` report of NGI_DE-SCAI to be answered"),
        "{}",
        r.stdout
    );
    let status = rig.status().pop().unwrap();
    assert!(
        status.contains("- NGI_DE-SCAI: takes it on; report [ea-NGI_DE-SCAI-CMD-OS-site-info-publisher-1.4.0.odt]")
            && status.contains("(fail); GGUS https://helpdesk.ggus.eu/#ticket/zoom/123"),
        "{status}"
    );
    // A comment without a command costs nothing and changes nothing.
    let before = rig.issue();
    let r = rig.say("erin", "We are looking at it.");
    assert!(r.stdout.contains("no command"), "{}", r.stdout);
    // The comment itself moves the issue's `updated_at` on GitLab (as a note
    // does there): all else is as it was.
    let after = rig.issue();
    assert_eq!(
        umd_release::tracker::Issue {
            updated_at: before.updated_at,
            ..after
        },
        before
    );
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

fn a_state_label_removed_by_hand_is_put_back_by_its_event(rig: &Rig) {
    rig.tracker()
        .remove_label("mallory", 1, "state:unverified")
        .unwrap();
    let r = rig.track("mallory", Ev::Unlabeled("state:unverified"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("put back to Unverified")
            && r.stdout.contains("`state:unverified` was removed"),
        "{}",
        r.stdout
    );
    assert_eq!(rig.stages(), ["state:unverified"]);
    assert_eq!(rig.state().history.len(), 1);
    // Nothing is left for the sweep to repair.
    assert!(rig.sweep().stdout.contains("changed 0"));
}

/// A sweep whose only change is to the state (no label, no comment) edits the
/// status comment in place like every other change (on GitLab too, where a
/// note is reached through its issue: the caller names it).
fn a_deadline_extended_in_the_policy_lifts_delayed_in_the_one_status_comment(rig: &Rig) {
    rig.at("2026-12-03T09:00:00Z");
    assert!(rig.sweep().stdout.contains("Delayed"));
    assert!(
        rig.status()[0].contains("**Delayed**"),
        "{:?}",
        rig.status()
    );
    // Someone takes the flag off by hand, and the operator grants 60 days.
    rig.tracker().remove_label("alice", 1, "delayed").unwrap();
    let policy = rig.tmp.path().join("cmd-os-1.yaml");
    let builtin = support::manifest_dir().join("policies/cmd-os-1.yaml");
    std::fs::copy(builtin, &policy).unwrap();
    support::edit(&policy, "unverified_days: 30", "unverified_days: 60");
    let r = run(&mut rig.cmd(&["sweep", "--policy", policy.to_str().unwrap()]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("no longer delayed"), "{}", r.stdout);
    assert_eq!(rig.state().delayed, None);
    let status = rig.status();
    assert_eq!(status.len(), 1, "one status comment, edited: {status:#?}");
    assert!(!status[0].contains("**Delayed**"), "{}", status[0]);
    assert!(status[0].contains("2027-01-01 09:00 UTC"), "{}", status[0]);
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
    let rig = Rig::new(Kind::Local);
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
        r.stdout
            .contains("NGI_IT-INFN-CNAF takes on the staged rollout"),
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
    // Refused: `move` and `comment` exit 1 (a script sees it), having said why.
    let r = mv("released", "dave", &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("put back to Ready for release"),
        "{}",
        r.stdout
    );
    let r = run(&mut rig.cmd(&[
        "comment",
        "--submission",
        "site-info-publisher@1.4.0",
        "--as",
        "dave",
        "--body",
        "extend 3",
    ]));
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("refused:"), "{}", r.stdout);
}

#[test]
fn bad_pipeline_input_is_refused_with_exit_2() {
    let rig = Rig::new(Kind::Local);
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

/// 500 open CMD-OS 1 submissions on `backend`, Unverified since 20 November
/// 2026 except 5 (p7, p107...) Unverified since 1 October, and [`CONFIG`].
fn five_hundred_submissions(backend: &Backend) {
    use umd_release::pipeline::Stage;
    use umd_release::submission::{Key, Transition, compose};
    backend.set_file("tracker.yaml", CONFIG);
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
        let labels = ["state:unverified", "dist:cmd-os-1", &product];
        match &backend.fake {
            Fake::GitHub(gh) => {
                gh.create_issue_direct(
                    "egi",
                    "umd-tracker",
                    &format!("p{i}"),
                    &body,
                    &labels,
                    support::fake_github::DEFAULT_LOGIN,
                );
            }
            Fake::GitLab(gl) => {
                let scoped: Vec<String> = labels.iter().map(|l| scope(l)).collect();
                let scoped: Vec<&str> = scoped.iter().map(String::as_str).collect();
                gl.create_issue_direct(
                    PROJECT,
                    &format!("p{i}"),
                    Some(&body),
                    &scoped,
                    support::fake_gitlab::DEFAULT_USERNAME,
                );
            }
            Fake::Local => unreachable!("a forge"),
        }
    }
}

/// Sweeps `backend` twice at 23 November 2026; the requests of each sweep.
fn sweep_twice(backend: &Backend) -> (Vec<Req>, Vec<Req>) {
    let sweep = || {
        let mut c = umd(&["sweep"]);
        backend.env(&mut c);
        c.env("UMD_RELEASE_NOW", "2026-11-23T09:00:00Z");
        run(&mut c)
    };
    backend.take_requests();
    let r = sweep();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("changed 5 submission(s)"), "{}", r.stdout);
    let first = backend.take_requests();
    let r = sweep();
    assert!(r.stdout.contains("changed 0 submission(s)"), "{}", r.stdout);
    (first, backend.take_requests())
}

/// Who the token is (GraphQL's `viewer` on GitHub, a read sent as a POST;
/// `/user` on GitLab): asked once per run.
fn whoami(q: &Req) -> bool {
    q.path == "/graphql" || q.path == "/api/v4/user"
}

/// The listing pages, the writes and the other reads of a sweep, besides
/// the one question of who the token is.
fn split(log: &[Req]) -> (usize, Vec<String>, usize) {
    assert_eq!(log.iter().filter(|q| whoami(q)).count(), 1, "{log:#?}");
    let log: Vec<&Req> = log.iter().filter(|q| !whoami(q)).collect();
    let log = &log[..];
    let pages = log
        .iter()
        .filter(|q| q.method == "GET" && q.path.ends_with("/issues"))
        .count();
    let writes: Vec<String> = log
        .iter()
        .filter(|q| q.method != "GET")
        .map(ToString::to_string)
        .collect();
    let other = log.len() - pages - writes.len();
    (pages, writes, other)
}

/// The issue's figure: a sweep over 500 open submissions, 5 of them late,
/// lists 5 pages of 100 and touches only the 5.
#[test]
fn a_sweep_over_500_submissions_costs_five_pages_plus_the_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let backend = Backend::start(Kind::GitHub, tmp.path(), TOKEN);
    five_hundred_submissions(&backend);
    let (log, again) = sweep_twice(&backend);
    let (pages, writes, other) = split(&log);
    assert_eq!(pages, 5, "one listing, a page of 100 at a time");
    // Per late submission: the label, the notice, the status comment, the state.
    assert_eq!(writes.len(), 5 * 4, "{writes:#?}");
    // tracker.yaml, and the comments of each notified submission (to post a
    // notice once, and find a status comment whose answer was lost).
    assert_eq!(
        other,
        1 + 5,
        "only tracker.yaml and the 5 submissions' comments are read besides the listing"
    );
    eprintln!(
        "sweep of 500 with 5 delayed: {} requests ({pages} pages, {} writes, {other} read)",
        log.len(),
        writes.len()
    );
    assert_eq!(split(&again).1.len(), 0, "a second sweep writes nothing");
    assert_eq!(again.len(), 7);
}

/// The same on GitLab: the same 5 pages of 100 (`x-next-page`), the same 4
/// writes per late submission (`PUT` of the issue's `add_labels`, the notice
/// and the status comment as notes, `PUT` of the description), tracker.yaml
/// read through the repository files API; a second sweep reads the same 6.
#[test]
fn a_sweep_over_500_submissions_on_gitlab_costs_five_pages_plus_the_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let backend = Backend::start(Kind::GitLab, tmp.path(), GITLAB_TOKEN);
    five_hundred_submissions(&backend);
    let (log, again) = sweep_twice(&backend);
    let (pages, writes, other) = split(&log);
    eprintln!(
        "GitLab sweep of 500 with 5 delayed: {} requests ({pages} pages, {} writes, {other} read)",
        log.len(),
        writes.len()
    );
    assert_eq!(pages, 5, "one listing, a page of 100 at a time");
    assert_eq!(writes.len(), 5 * 4, "{writes:#?}");
    for w in writes.chunks(4) {
        let kinds: Vec<&str> = w
            .iter()
            .map(|w| {
                let (_, rest) = w.split_once(' ').unwrap();
                if rest.ends_with("/notes") {
                    "note"
                } else {
                    rest.split(' ').next().unwrap()
                }
            })
            .collect();
        assert_eq!(kinds, ["PUT", "note", "note", "PUT"], "{writes:#?}");
    }
    // tracker.yaml, and the comments of each notified submission (to post a
    // notice once, and find a status comment whose answer was lost).
    assert_eq!(
        other,
        1 + 5,
        "only tracker.yaml and the 5 submissions' comments are read besides the listing"
    );
    assert!(
        log.iter()
            .any(|q| q.path.ends_with("/repository/files/tracker.yaml/raw"))
    );
    assert_eq!(split(&again).1.len(), 0, "a second sweep writes nothing");
    assert_eq!(again.len(), 7, "{:#?}", again);
}

/// A writer edits the state block of a submission in Staged Rollout to say
/// "Ready for release by bob" and sets the label without `track` seeing it:
/// `announce` leaves it out, saying which step the forge never recorded.
fn a_state_block_edited_to_ready_is_left_out_of_the_announcement(rig: &Rig) {
    use umd_release::stage::Stage;
    use umd_release::submission::{Transition, compose, parse};
    rig.label("alice", "verification");
    rig.label("alice", "staged-rollout");
    let issue = rig.issue();
    let body = parse(&issue.body).unwrap();
    let mut state = body.state.clone().unwrap();
    state.history.push(Transition {
        stage: Stage::ReadyForRelease,
        at: state.history.last().unwrap().at + time::Duration::days(8),
        actor: "bob".into(),
    });
    let forged = compose(&body.key, &body.generated, &state, &body.outside);
    let t = rig.backend.tracker_as("mallory");
    t.update_issue("mallory", 1, None, Some(&forged), None)
        .unwrap();
    t.add_labels("mallory", 1, &["state:ready-for-release".to_string()])
        .unwrap();
    let r = run(&mut rig.cmd(&[
        "announce",
        "--distribution",
        "cmd-os-1",
        "--version",
        "1.5.0",
        "--date",
        "2026-12-20",
        "--dry-run",
    ]));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("#1 site-info-publisher 1.4.0 is left out: Ready for release by bob is in the state block, but the forge records no one adding `state:ready-for-release`"),
        "{}",
        r.stderr
    );
}

/// A writer adds steps the forge never recorded to the state block (as
/// mallory: on a forge the edit is theirs, not the tracker's).
fn forge_steps(rig: &Rig, steps: &[(umd_release::stage::Stage, &str, i64)]) {
    use umd_release::submission::{Transition, compose, parse};
    let issue = rig.issue();
    let body = parse(&issue.body).unwrap();
    let mut state = body.state.clone().unwrap();
    let since = state.history.last().unwrap().at;
    for (stage, actor, minutes) in steps {
        state.history.push(Transition {
            stage: *stage,
            at: since + time::Duration::minutes(*minutes),
            actor: actor.to_string(),
        });
    }
    let forged = compose(&body.key, &body.generated, &state, &body.outside);
    rig.backend
        .tracker_as("mallory")
        .update_issue("mallory", 1, None, Some(&forged), None)
        .unwrap();
}

/// The state block edited to say staged rollout happened and bob made it
/// ready, and the label set to match: the label event finds those steps
/// unrecorded, rebuilds the state to Verification (what the label events
/// bear out), puts the label back and says so once.
fn a_state_block_edited_forward_is_rebuilt_by_the_next_label_event(rig: &Rig) {
    use umd_release::stage::Stage;
    rig.label("alice", "verification");
    forge_steps(
        rig,
        &[
            (Stage::StagedRollout, "alice", 60),
            (Stage::ReadyForRelease, "bob", 9 * 24 * 60),
        ],
    );
    let ready = "state:ready-for-release".to_string();
    rig.backend
        .tracker_as("mallory")
        .add_labels("mallory", 1, std::slice::from_ref(&ready))
        .unwrap();
    let r = rig.track("mallory", Ev::Labeled(&ready));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("warning: #1: state rebuilt from the forge's label events: Staged Rollout by alice is in the state block, but the forge records no one adding `state:staged-rollout` then"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("put back to Verification"),
        "{}",
        r.stdout
    );
    assert_eq!(rig.stages(), ["state:verification"]);
    let state = rig.state();
    assert_eq!(state.stage(), Stage::Verification);
    assert_eq!(state.history.len(), 2, "{:?}", state.history);
    let told: Vec<String> = rig
        .said()
        .into_iter()
        .filter(|c| c.contains("rebuilt this submission's state"))
        .collect();
    assert_eq!(told.len(), 1, "{told:#?}");
    assert!(
        told[0].contains("It is in **Verification** again"),
        "{}",
        told[0]
    );
    // Rebuilt, the history agrees with the forge: the next event changes nothing.
    let comments = rig.comments();
    let r = rig.track("alice", Ev::Labeled("state:verification"));
    assert!(!r.stdout.contains("rebuilt"), "{}", r.stdout);
    assert_eq!(rig.comments(), comments);
}

/// A writer back-dates the submission into Staged Rollout in the state block,
/// so that a sweep would remind the Early Adopters and move things on: the
/// sweep checks the history before it writes, finds the step unrecorded and
/// rebuilds the state, with no reminder.
fn a_sweep_acts_on_the_recorded_history_not_an_edited_one(rig: &Rig) {
    use umd_release::stage::Stage;
    rig.label("alice", "verification");
    forge_steps(rig, &[(Stage::StagedRollout, "alice", 60)]);
    rig.at("2026-11-05T09:00:00Z");
    let r = rig.sweep();
    assert!(
        r.stdout
            .contains("state rebuilt from the label events: Staged Rollout by alice"),
        "{}",
        r.stdout
    );
    assert_eq!(rig.state().stage(), Stage::Verification);
    assert_eq!(rig.stages(), ["state:verification"]);
    let said = rig.said();
    assert!(
        said.iter()
            .all(|c| !c.contains("Early Adopter") && !c.contains("Delayed")),
        "{said:#?}"
    );
    assert_eq!(
        said.iter()
            .filter(|c| c.contains("rebuilt this submission's state"))
            .count(),
        1,
        "{said:#?}"
    );
    let comments = rig.comments();
    let r = rig.sweep();
    assert!(r.stdout.contains("changed 0 submission(s)"), "{}", r.stdout);
    assert_eq!(rig.comments(), comments, "a second sweep posts nothing");
}

/// `UMD_RELEASE_NOW` replays a command at another instant on the embedded
/// tracker too: the issue, its comments and its label events carry that
/// instant, not the wall clock's.
#[test]
fn the_embedded_tracker_stamps_what_it_writes_at_umd_release_now() {
    use time::format_description::well_known::Rfc3339;
    let rig = Rig::new(Kind::Local);
    let t0 = time::OffsetDateTime::parse(support::rig::T0, &Rfc3339).unwrap();
    assert_eq!(rig.issue().created_at, t0);
    rig.at("2026-11-04T10:30:00Z");
    rig.label("alice", "verification");
    let later = time::OffsetDateTime::parse("2026-11-04T10:30:00Z", &Rfc3339).unwrap();
    let comments = rig.comments();
    assert!(!comments.is_empty());
    assert!(
        comments
            .iter()
            .all(|c| c.created_at == t0 || c.created_at == later),
        "{comments:#?}"
    );
    assert!(
        comments.iter().any(|c| c.created_at == later),
        "{comments:#?}"
    );
    // The tool's label events (alice's label was added by the test itself,
    // on the wall clock).
    let events = rig.tracker().list_events(1).unwrap();
    let tools: Vec<_> = events.iter().filter(|e| e.actor != "alice").collect();
    assert!(!tools.is_empty());
    assert!(
        tools.iter().all(|e| e.at == t0 || e.at == later),
        "{events:#?}"
    );
    assert_eq!(rig.issue().updated_at, later);
}

/// tracker.yaml names a staged-rollout manager for the card's middleware
/// stack in this distribution (`stack_managers: {cmd-os-1/Cloud: [sam]}`):
/// sam, who holds no global role, extends and finishes this staged rollout,
/// and a report must name the product's stack.
fn a_stack_s_manager_manages_its_stack_and_reports_name_it(rig: &Rig) {
    rig.backend.set_file(
        "tracker.yaml",
        &format!("{CONFIG}stack_managers:\n  cmd-os-1/Cloud: [sam]\n  cmd-one-1/Other: [tom]\n"),
    );
    let card = rig.tmp.path().join("repo/umd-product.yaml");
    let text = std::fs::read_to_string(&card).unwrap();
    std::fs::write(&card, format!("{text}middleware_stack: Cloud\n")).unwrap();
    let r = run(&mut rig.submit());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(rig.state().stack.as_deref(), Some("Cloud"));
    rig.label("alice", "verification");
    rig.label("alice", "staged-rollout");
    let r = rig.say("tom", "extend 1");
    assert!(
        r.stdout.contains("refused"),
        "another stack's manager: {}",
        r.stdout
    );
    let r = rig.say("sam", "extend 1");
    assert!(
        r.stdout.contains("exposure extended by 1 day(s)"),
        "{}",
        r.stdout
    );
    let r = rig.say(
        "dave",
        &format!("accept NGI_IT-INFN-CNAF\nreport NGI_IT-INFN-CNAF {REPORT} ok"),
    );
    assert!(
        r.stdout
            .contains("names the middleware stack `CMD-OS`, but this submission's is `Cloud`"),
        "{}",
        r.stdout
    );
    rig.say(
        "dave",
        "report NGI_IT-INFN-CNAF https://documents.egi.eu/ea-NGI_IT-INFN-CNAF-Cloud-site-info-publisher-1.4.0.odt ok",
    );
    rig.at("2026-11-10T09:00:00Z");
    let r = rig.label("sam", "ready-for-release");
    assert!(
        r.stdout
            .contains("moved from Staged Rollout to Ready for release by sam"),
        "{}",
        r.stdout
    );
}

/// 1.5.0 submitted while 1.4.0 waits in Verification: 1.4.0 is closed as
/// superseded, each issue links the other, and a re-run repeats nothing.
fn a_newer_version_supersedes_an_older_pending_one(rig: &Rig) {
    rig.label("alice", "verification");
    let mut newer = rig.submit_tag("v1.5.0");
    newer.arg("--allow-failures");
    let r = run(&mut newer);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let old = rig.issue();
    assert!(!old.open, "1.4.0 is closed");
    assert!(
        old.labels.contains(&"superseded".to_string()),
        "{:?}",
        old.labels
    );
    let said = rig.said();
    assert!(
        said.iter().any(|c| c
            .starts_with("Superseded by #2: version 1.5.0 of site-info-publisher was submitted")),
        "{said:#?}"
    );
    let t = rig.tracker();
    let on_new: Vec<String> = t
        .list_comments(2)
        .unwrap()
        .into_iter()
        .map(|c| c.body)
        .filter(|b| b.starts_with("Supersedes #1"))
        .collect();
    assert_eq!(on_new.len(), 1, "{on_new:#?}");
    let before = (rig.comments(), t.list_comments(2).unwrap());
    let mut again = rig.submit_tag("v1.5.0");
    again.arg("--allow-failures");
    assert_eq!(run(&mut again).code, 0);
    assert_eq!(
        (rig.comments(), t.list_comments(2).unwrap()),
        before,
        "a re-run repeats nothing"
    );
}
