//! What handling one event does to a submission, as data: the new state, the
//! label changes and the comments. Deciding is pure; `process::track` carries
//! an [`Effect`] out and keeps the status comment.

use time::OffsetDateTime;

use super::rollout::{called_sites, mentions, ready_blockers};
use super::transition::{Decision, decide};
use super::{DELAYED_LABEL, Stage};
use crate::policy::Policy;
use crate::policy::tracker_config::TrackerConfig;
use crate::submission::{State, Transition};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effect {
    /// The state afterwards (equal to the one before if nothing was recorded).
    pub state: State,
    pub add_labels: Vec<String>,
    pub remove_labels: Vec<String>,
    /// New comments; each is for someone who must read it.
    pub comments: Vec<String>,
    /// E-mails to the provider, each with the comment it carries.
    pub mails: Vec<crate::mail::Notice>,
    /// Close the issue (Released, Rejected).
    pub close: bool,
    /// A move of the packages between repositories that other jobs carry out.
    pub repository: Option<RepositoryTransition>,
    /// One line per thing done, for the log.
    pub notes: Vec<String>,
}

impl Effect {
    pub fn unchanged(state: &State) -> Effect {
        Effect {
            state: state.clone(),
            ..Effect::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.add_labels.is_empty()
            && self.remove_labels.is_empty()
            && self.comments.is_empty()
            && !self.close
    }
}

/// Staged rollout moves packages from `untested` to `testing`; release, from
/// `testing` to `production` (seed "Staged Rollout": transitions marked TR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RepositoryTransition {
    pub from: &'static str,
    pub to: &'static str,
}

/// Handles a label change: checks the move against the policy and roles, the
/// staged rollout conditions before Ready for release, and plans the comments.
/// `reason` is a written reason given with the move (it waives the conditions).
#[allow(clippy::too_many_arguments)]
pub fn on_labels(
    labels: &[String],
    state: &State,
    policy: &Policy,
    config: &TrackerConfig,
    actor: &str,
    roles: &[String],
    reason: Option<&str>,
    now: OffsetDateTime,
) -> (Decision, Effect) {
    let on: Vec<Stage> = labels.iter().filter_map(|l| Stage::from_label(l)).collect();
    let current = state.stage();
    let mut decision = decide(&policy.pipeline.transitions, current, &on, actor, roles);
    let mut state = state.clone();
    gate_ready(&mut decision, &mut state, policy, actor, reason, now);
    let mut fx = Effect {
        state: state.clone(),
        ..Effect::default()
    };
    match &decision {
        Decision::Nothing => return (decision, Effect::unchanged(&state)),
        Decision::Revert { restore, reason } => {
            put_back(&mut fx, &on, *restore, reason);
        }
        Decision::Accept { from, to } => {
            if on.contains(from) {
                fx.remove_labels.push(from.label());
            }
            if labels.iter().any(|l| l == DELAYED_LABEL) {
                fx.remove_labels.push(DELAYED_LABEL.into());
            }
            fx.state.history.push(Transition {
                stage: *to,
                at: now,
                actor: actor.trim_start_matches('@').to_string(),
            });
            fx.state.delayed = None;
            fx.state.reminded = false;
            fx.state.delay_reason = None;
            if *to == Stage::Rejected {
                fx.state.rejection = rejection(reason, actor, now);
            }
            fx.close = !to.is_open();
            fx.notes.push(format!(
                "moved from {} to {} by {actor}",
                from.name(),
                to.name()
            ));
            arrive(&mut fx, &state, *from, *to, policy, config, actor);
        }
    }
    (decision, fx)
}

/// Ready for release waits for the staged rollout conditions unless a written
/// reason waives them: a move without either is reverted.
fn gate_ready(
    decision: &mut Decision,
    state: &mut State,
    policy: &Policy,
    actor: &str,
    reason: Option<&str>,
    now: OffsetDateTime,
) {
    let current = state.stage();
    if let Decision::Accept {
        to: Stage::ReadyForRelease,
        ..
    } = *decision
    {
        if let Some(text) = reason.map(str::trim).filter(|r| !r.is_empty()) {
            state.waiver = Some(crate::submission::Note {
                text: text.to_string(),
                actor: actor.trim_start_matches('@').to_string(),
                at: now,
            });
        }
        let blockers = ready_blockers(state, &policy.pipeline.deadlines, now);
        if !blockers.is_empty() {
            *decision = Decision::Revert {
                restore: current,
                reason: format!(
                    "Ready for release needs {}; a staged-rollout manager who moves it anyway writes why with `waive REASON` in a comment (or `move --reason`)",
                    blockers.join(", ")
                ),
            };
            state.waiver = None;
        }
    }
}

/// Undoes a refused move: the labels back to `restore`, and a comment saying why.
fn put_back(fx: &mut Effect, on: &[Stage], restore: Stage, reason: &str) {
    for s in on.iter().filter(|s| **s != restore) {
        fx.remove_labels.push(s.label());
    }
    if !on.contains(&restore) {
        fx.add_labels.push(restore.label());
    }
    fx.comments.push(format!(
        "umd-release put this submission back to **{}**: {}.",
        restore.name(),
        crate::submission::neutralize(reason)
    ));
    fx.notes
        .push(format!("put back to {}: {reason}", restore.name()));
}

/// What entering `to` brings besides the history: a repository move, the call
/// to Early Adopters, the provider told of a rejection.
fn arrive(
    fx: &mut Effect,
    state: &State,
    from: Stage,
    to: Stage,
    policy: &Policy,
    config: &TrackerConfig,
    actor: &str,
) {
    match to {
        Stage::StagedRollout => {
            fx.repository = Some(RepositoryTransition {
                from: "untested",
                to: "testing",
            });
            fx.comments.push(call(&fx.state, policy, config));
        }
        Stage::Released => {
            fx.repository = Some(RepositoryTransition {
                from: "testing",
                to: "production",
            });
        }
        // The provider must act on a rejection: the one time a move mentions them.
        Stage::Rejected => {
            let who: Vec<String> = state
                .contacts
                .iter()
                .map(|c| format!("@{}", c.trim_start_matches('@')))
                .collect();
            let why = match &fx.state.rejection {
                Some(r) => {
                    let report = match &r.report {
                        Some(url) => format!(" The test report: {url}"),
                        None => " The test report, when there is one, follows in a comment.".into(),
                    };
                    format!(
                        " The reason: {}{report}",
                        crate::markdown::neutralize(&r.reason.text)
                    )
                }
                None => " The reasons are in the comments above.".into(),
            };
            fx.mails.extend(crate::mail::notice(
                state,
                fx.comments.len(),
                format!(
                    "{} {} was rejected in {}",
                    state.key.product,
                    state.key.version,
                    from.name()
                ),
                &mut fx.notes,
            ));
            fx.comments.push(format!(
                "{}{} {} was **rejected** in {} by {}.{why} A fixed release is a new submission.",
                if who.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", who.join(" "))
                },
                state.key.product,
                state.key.version,
                from.name(),
                actor.trim_start_matches('@')
            ));
        }
        _ => {}
    }
}

/// A rejection's written reason (`move --to rejected --reason`), and the
/// test report: the first https link in it.
fn rejection(
    reason: Option<&str>,
    actor: &str,
    now: OffsetDateTime,
) -> Option<crate::submission::Rejection> {
    let text = reason.map(str::trim).filter(|r| !r.is_empty())?;
    let report = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| "<>()[],.;".contains(c)))
        .find(|w| w.starts_with("https://") && crate::markdown::host_of(w).is_some())
        .map(str::to_string);
    Some(crate::submission::Rejection {
        reason: crate::submission::Note {
            text: text.to_string(),
            actor: actor.trim_start_matches('@').to_string(),
            at: now,
        },
        report,
    })
}

/// The call to Early Adopters (seed "Staged Rollout", steps 3 to 6).
pub fn call(state: &State, policy: &Policy, config: &TrackerConfig) -> String {
    use std::fmt::Write;
    let sites = called_sites(state, config);
    let who = mentions(config, &sites);
    let names: Vec<&str> = sites.iter().map(|s| s.as_str()).collect();
    let mut out = String::new();
    if who.is_empty() {
        out.push_str("Staged rollout has started, but tracker.yaml lists no Early Adopter site to call: a staged-rollout manager must find volunteers.\n");
    } else {
        let _ = writeln!(
            out,
            "{}: staged rollout of **{} {}** for {} has started. Early Adopter sites called: {}.",
            who.join(" "),
            state.key.product,
            state.key.version,
            policy.name,
            names.join(", ")
        );
    }
    // Seed step 3: the staged rollout manager follows the rollout.
    let managers: Vec<String> = policy
        .pipeline
        .transitions
        .iter()
        .filter(|t| t.from == Stage::StagedRollout && t.to == Stage::ReadyForRelease)
        .flat_map(|t| config.roles.get(&t.role).into_iter().flatten())
        .filter(|e| !e.contains('/') && !e.contains(':'))
        .map(|e| format!("@{}", e.trim_start_matches('@')))
        .collect();
    if !managers.is_empty() {
        let _ = writeln!(out, "Staged rollout manager: {}.", managers.join(" "));
    }
    let _ = write!(
        out,
        "\nThe release notes and the packages are in the description above. Install from the testing repository:\n\n"
    );
    for t in &policy.targets {
        if let Some(repo) = &t.repository {
            let _ = writeln!(
                out,
                "- {}: `{}`",
                t.name,
                repo.replacen("/production/", "/testing/", 1)
            );
        }
    }
    let _ = write!(
        out,
        "\nWithin {} working day(s), answer on a line of its own `accept NGI-Site` to take the test on, or `reject NGI-Site` to decline it (another site can take it). After at least {} days in production, report with `report NGI-Site LINK ok|issues|fail`, the file named `ea-<NGI>-<Site-name>-<MW stack>-{}-{}.odt` (or .doc, .docx, .pdf). A problem found goes to GGUS with the subject `{}`; link the ticket here with `ggus NGI-Site TICKET-URL`.\n",
        policy.pipeline.deadlines.ea_ack_working_days,
        policy.pipeline.deadlines.min_exposure_days,
        state.key.product,
        state.key.version,
        super::rollout::ggus_subject(state)
    );
    out
}

/// Who must hear of what a comment changed: sites newly assigned during
/// Staged Rollout get the call, and the provider a delay's explanation.
pub fn told(before: &State, after: &State, policy: &Policy, config: &TrackerConfig) -> Vec<String> {
    let mut out = Vec::new();
    if after.stage() == Stage::StagedRollout {
        let was = called_sites(before, config);
        let new: Vec<&String> = called_sites(after, config)
            .into_iter()
            .filter(|s| !was.contains(s))
            .collect();
        let who = mentions(config, &new);
        if !who.is_empty() {
            let names: Vec<&str> = new.iter().map(|s| s.as_str()).collect();
            out.push(format!(
                "{}: {} assigned to the staged rollout of **{} {}** for {}. Answer with `accept NGI-Site` to take the test on or `reject NGI-Site` to decline it, then `report NGI-Site LINK ok|issues|fail`.",
                who.join(" "),
                if names.len() == 1 { format!("{} is", names[0]) } else { format!("{} are", names.join(", ")) },
                after.key.product,
                after.key.version,
                policy.name
            ));
        }
    }
    if after.delayed.is_some()
        && after.delay_reason != before.delay_reason
        && let Some(n) = after.delay_explained()
    {
        let who: Vec<String> = after
            .contacts
            .iter()
            .map(|c| format!("@{}", c.trim_start_matches('@')))
            .collect();
        out.push(format!(
            "{}the delay of this submission is explained by {}: {}",
            if who.is_empty() {
                String::new()
            } else {
                format!("{}: ", who.join(" "))
            },
            n.actor,
            crate::markdown::neutralize(&n.text)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::submission::Key;
    use time::macros::datetime;

    fn config() -> TrackerConfig {
        TrackerConfig::parse(
            std::path::Path::new("tracker.yaml"),
            "roles:\n  qc-verifier: [ana]\n  staged-rollout-manager: [sam]\nearly_adopters:\n  NGI_IT-INFN-CNAF: [dave]\n  NGI_DE-SCAI: [erin]\n",
        )
        .unwrap()
    }

    fn state(stage: Stage, t: OffsetDateTime) -> State {
        State {
            key: Key {
                dist: "cmd-os-1".into(),
                product: "demo".into(),
                version: "1.4.0".into(),
            },
            history: vec![Transition {
                stage,
                at: t,
                actor: "bot".into(),
            }],
            candidates: vec!["NGI_DE-SCAI".into()],
            ..State::default()
        }
    }

    fn labels(s: &[Stage]) -> Vec<String> {
        s.iter().map(|s| s.label()).collect()
    }

    #[test]
    fn entering_staged_rollout_calls_the_candidate_sites() {
        let p = Policy::builtin("cmd-os-1").unwrap();
        let now = datetime!(2026-11-23 10:00 UTC);
        let s = state(Stage::Verification, now);
        let (d, fx) = on_labels(
            &labels(&[Stage::Verification, Stage::StagedRollout]),
            &s,
            &p,
            &config(),
            "ana",
            &["qc-verifier".into()],
            None,
            now,
        );
        assert!(matches!(d, Decision::Accept { .. }));
        assert_eq!(fx.remove_labels, ["state:verification"]);
        assert_eq!(
            fx.repository,
            Some(RepositoryTransition {
                from: "untested",
                to: "testing"
            })
        );
        let c = &fx.comments[0];
        assert!(
            c.starts_with("@erin: staged rollout of **demo 1.4.0** for CMD-OS 1"),
            "{c}"
        );
        assert!(c.contains("`sw/testing/cmd-os/1/centos7/x86_64`"), "{c}");
        assert_eq!(fx.state.stage(), Stage::StagedRollout);
        insta::assert_snapshot!("early_adopter_call", c);
    }

    #[test]
    fn ready_is_refused_until_the_conditions_hold_unless_a_reason_is_given() {
        let p = Policy::builtin("cmd-os-1").unwrap();
        let now = datetime!(2026-11-23 10:00 UTC);
        let s = state(Stage::StagedRollout, now);
        let l = labels(&[Stage::StagedRollout, Stage::ReadyForRelease]);
        let roles = ["staged-rollout-manager".to_string()];
        let (d, fx) = on_labels(&l, &s, &p, &config(), "sam", &roles, None, now);
        let Decision::Revert { reason, .. } = &d else {
            panic!("{d:?}")
        };
        assert!(
            reason.contains("exposure until 2026-11-28") && reason.contains("waive REASON"),
            "{reason}"
        );
        assert_eq!(fx.remove_labels, ["state:ready-for-release"]);
        assert!(fx.state.waiver.is_none());
        let (d, fx) = on_labels(
            &l,
            &s,
            &p,
            &config(),
            "sam",
            &roles,
            Some("urgent security fix"),
            now,
        );
        assert!(matches!(d, Decision::Accept { .. }), "{d:?}");
        assert_eq!(
            fx.state.waiver.as_ref().unwrap().text,
            "urgent security fix"
        );
    }
}
