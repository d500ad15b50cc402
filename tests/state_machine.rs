//! Property tests of the pipeline's state machine, through the real event
//! handlers (`process::track`, `process::sweep`) on the embedded tracker: random label changes,
//! comments and sweeps by random people, at random times, keep the invariants.
//!
//! - exactly one state label, and it is the recorded stage;
//! - the history only grows, and every step in it is a legal move made by
//!   someone holding its role (Ready for release only with its conditions met);
//! - the issue is closed exactly when the stage is final.

mod support;

use proptest::prelude::*;
use time::{Duration, OffsetDateTime};
use umd_release::pipeline::Stage;
use umd_release::policy::Policy;
use umd_release::policy::tracker_config::TrackerConfig;
use umd_release::process::{Rules, sweep, track};
use umd_release::submission::{self, Key, State, Transition};
use umd_release::tracker::{Tracker, local::LocalTracker};

const CONFIG: &str = "roles:
  qc-verifier: [alice]
  staged-rollout-manager: [bob]
  release-manager: [carol]
early_adopters:
  NGI_IT-INFN-CNAF: [dave]
  NGI_DE-SCAI: [erin]
";
const PEOPLE: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "mallory"];
const SITES: [&str; 3] = ["NGI_IT-INFN-CNAF", "NGI_DE-SCAI", "NGI_XX-NOWHERE"];

#[derive(Debug, Clone)]
enum Step {
    /// Adds the label of the stage after the current one: the moves that make progress.
    Next(usize),
    AddLabel(usize, Stage),
    RemoveLabel(usize, Stage),
    Comment(usize, String),
    Sweep,
    Wait(i64),
}

fn step() -> impl Strategy<Value = Step> {
    let who = 0..PEOPLE.len();
    let stage = proptest::sample::select(Stage::ALL.to_vec());
    let site = proptest::sample::select(SITES.to_vec());
    let comment = prop_oneof![
        site.clone().prop_map(|s| format!("accept {s}")),
        site.clone().prop_map(|s| format!("reject {s}")),
        (site, proptest::sample::select(vec!["ok", "issues", "fail"])).prop_map(|(s, v)| format!(
            "report {s} https://documents.egi.eu/ea-{s}-CMD-demo-1.0.0.odt {v}"
        )),
        Just("waive tested enough".to_string()),
        Just("just a remark".to_string()),
    ];
    prop_oneof![
        4 => (0..3usize).prop_map(Step::Next),
        1 => (who.clone()).prop_map(Step::Next),
        3 => (who.clone(), stage.clone()).prop_map(|(w, s)| Step::AddLabel(w, s)),
        1 => (who.clone(), stage).prop_map(|(w, s)| Step::RemoveLabel(w, s)),
        3 => (who, comment).prop_map(|(w, c)| Step::Comment(w, c)),
        1 => Just(Step::Sweep),
        2 => (1i64..(24 * 9)).prop_map(Step::Wait),
    ]
}

fn state_of(t: &LocalTracker) -> State {
    submission::parse(&t.get_issue(1).unwrap().body)
        .unwrap()
        .state
        .unwrap()
}

fn check_invariants(t: &LocalTracker, before: &State, config: &TrackerConfig, policy: &Policy) {
    let issue = t.get_issue(1).unwrap();
    let after = state_of(t);
    let on: Vec<Stage> = issue
        .labels
        .iter()
        .filter_map(|l| Stage::from_label(l))
        .collect();
    assert_eq!(on, [after.stage()], "exactly the recorded stage's label");
    assert!(
        after.history.starts_with(&before.history),
        "the history only grows"
    );
    for pair in after.history.windows(2) {
        let (from, to) = (&pair[0], &pair[1]);
        let t = policy
            .pipeline
            .transitions
            .iter()
            .find(|t| t.from == from.stage && t.to == to.stage)
            .unwrap_or_else(|| panic!("illegal move {:?} -> {:?}", from.stage, to.stage));
        assert!(
            config.roles_of(&to.actor).contains(&t.role),
            "{} moved to {:?} without the {} role",
            to.actor,
            to.stage,
            t.role
        );
    }
    if let Some(ready) = after
        .history
        .iter()
        .find(|s| s.stage == Stage::ReadyForRelease)
        && after.waiver.is_none()
    {
        let start = after
            .history
            .iter()
            .rev()
            .find(|s| s.stage == Stage::StagedRollout)
            .unwrap()
            .at;
        assert!(
            ready.at - start >= Duration::days(5),
            "Ready before the minimum exposure"
        );
        use umd_release::submission::Verdict;
        assert!(
            after
                .sites
                .values()
                .any(|s| s.verdict() == Some(Verdict::Ok)),
            "Ready without an `ok` report"
        );
        assert!(
            after
                .sites
                .values()
                .all(|s| s.verdict() != Some(Verdict::Fail)),
            "Ready over a standing `fail` report"
        );
    }
    assert_eq!(issue.open, after.stage().is_open(), "closed iff final");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_events_keep_the_invariants(steps in proptest::collection::vec(step(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let t = LocalTracker::open(dir.path()).unwrap();
        let config = TrackerConfig::parse(std::path::Path::new("tracker.yaml"), CONFIG).unwrap();
        let policy = Policy::builtin("cmd-os-1").unwrap();
        let policies = [policy.clone()];
        let mut now = time::macros::datetime!(2026-11-02 09:00 UTC);
        let key = Key { dist: "cmd-os-1".into(), product: "demo".into(), version: "1.0.0".into() };
        let state = State {
            key: key.clone(),
            history: vec![Transition { stage: Stage::Unverified, at: now, actor: "tp".into() }],
            passed: true,
            contacts: vec!["tp".into()],
            candidates: vec!["NGI_IT-INFN-CNAF".into()],
            ..State::default()
        };
        let body = submission::compose(&key, "## demo 1.0.0\n", &state, "");
        t.create_issue("tp", "[CMD-OS 1] demo 1.0.0", &body, &[Stage::Unverified.label()]).unwrap();
        for s in steps {
            let before = state_of(&t);
            let open = t.get_issue(1).unwrap().open;
            match s {
                Step::Next(w) if open => {
                    let next = match before.stage() {
                        Stage::Unverified => Stage::Verification,
                        Stage::Verification => Stage::StagedRollout,
                        Stage::StagedRollout => Stage::ReadyForRelease,
                        _ => Stage::Released,
                    };
                    t.add_labels(PEOPLE[w], 1, &[next.label()]).unwrap();
                    track::label_event(&t, 1, PEOPLE[w], &rules(&policies, &config), now, false).unwrap();
                }
                Step::AddLabel(w, stage) if open => {
                    t.add_labels(PEOPLE[w], 1, &[stage.label()]).unwrap();
                    track::label_event(&t, 1, PEOPLE[w], &rules(&policies, &config), now, false).unwrap();
                }
                Step::RemoveLabel(w, stage) if open => {
                    match t.remove_label(PEOPLE[w], 1, &stage.label()) {
                        Ok(_) => {
                            track::label_event(&t, 1, PEOPLE[w], &rules(&policies, &config), now, false).unwrap();
                        }
                        Err(umd_release::tracker::TrackerError::NotFound { .. }) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
                Step::Comment(w, text) if open => {
                    t.create_comment(PEOPLE[w], 1, &text).unwrap();
                    let remark = track::Remark { id: 0, author: PEOPLE[w], text: &text };
                    track::comment_event(&t, 1, remark, &rules(&policies, &config), now, false).unwrap();
                }
                Step::Sweep => {
                    sweep::sweep(&t, &rules(&policies, &config), false, now).unwrap();
                    // A second sweep at the same instant changes nothing.
                    let again = sweep::sweep(&t, &rules(&policies, &config), false, now).unwrap();
                    prop_assert!(again.is_empty(), "{again:?}");
                }
                Step::Wait(hours) => now += Duration::hours(hours),
                _ => {}
            }
            check_invariants(&t, &before, &config, &policy);
        }
    }
}

/// Sanity of the generator: the machine does reach its final stages, so the
/// property above is not only exercised on the first stage.
#[test]
fn scripted_walk_reaches_released() {
    let dir = tempfile::tempdir().unwrap();
    let t = LocalTracker::open(dir.path()).unwrap();
    let config = TrackerConfig::parse(std::path::Path::new("tracker.yaml"), CONFIG).unwrap();
    let policies = [Policy::builtin("cmd-os-1").unwrap()];
    let mut now: OffsetDateTime = time::macros::datetime!(2026-11-02 09:00 UTC);
    let key = Key {
        dist: "cmd-os-1".into(),
        product: "demo".into(),
        version: "1.0.0".into(),
    };
    let state = State {
        key: key.clone(),
        history: vec![Transition {
            stage: Stage::Unverified,
            at: now,
            actor: "tp".into(),
        }],
        ..State::default()
    };
    let body = submission::compose(&key, "x\n", &state, "");
    t.create_issue("tp", "t", &body, &[Stage::Unverified.label()])
        .unwrap();
    let label = |who: &str, s: Stage, now| {
        t.add_labels(who, 1, &[s.label()]).unwrap();
        track::label_event(&t, 1, who, &rules(&policies, &config), now, false).unwrap();
    };
    label("alice", Stage::Verification, now);
    label("alice", Stage::StagedRollout, now);
    let text = "accept NGI_IT-INFN-CNAF\nreport NGI_IT-INFN-CNAF https://d.org/ea-NGI_IT-INFN-CNAF-CMD-demo-1.0.0.odt ok";
    let remark = track::Remark {
        id: 0,
        author: "dave",
        text,
    };
    track::comment_event(&t, 1, remark, &rules(&policies, &config), now, false).unwrap();
    now += Duration::days(6);
    label("bob", Stage::ReadyForRelease, now);
    label("carol", Stage::Released, now);
    let s = submission::parse(&t.get_issue(1).unwrap().body)
        .unwrap()
        .state
        .unwrap();
    assert_eq!(s.stage(), Stage::Released);
    assert!(!t.get_issue(1).unwrap().open);
}

fn rules(policies: &[Policy], config: &TrackerConfig) -> Rules {
    Rules {
        config: config.clone(),
        policies: policies.to_vec(),
    }
}
