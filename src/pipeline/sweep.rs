//! Deadlines, what a submission waits for, and the scheduled sweep (seed "Cloud
//! Middleware Distribution": the Delayed status; seed "Staged Rollout": one
//! working day to acknowledge). Pure: the caller lists the issues once, this
//! decides from each one's labels and recorded state.

use time::OffsetDateTime;

use super::calendar::{add_days, add_working_days, holidays, when};
use super::effect::Effect;
use super::rollout::{called_sites, mentions, ready_blockers, silent_sites};
use super::{DELAYED_LABEL, Stage};
use crate::policy::Policy;
use crate::policy::tracker_config::TrackerConfig;
use crate::submission::State;

/// The deadline of the current stage: what must happen, and by when.
pub fn stage_deadline(state: &State, policy: &Policy) -> Option<(&'static str, OffsetDateTime)> {
    let since = state.since()?;
    let d = &policy.pipeline.deadlines;
    let (what, days) = match state.stage() {
        Stage::Unverified => ("verification to start", d.unverified_days),
        Stage::Verification => ("verification to complete", d.verification_days),
        // A manager's `extend N` moves the deadline with the exposure.
        Stage::StagedRollout => (
            "staged rollout to complete",
            d.staged_rollout_days + state.extended_days,
        ),
        _ => return None,
    };
    Some((what, add_days(since, days)))
}

/// When Early Adopters must have acknowledged the call (working days).
pub fn ack_due(state: &State, policy: &Policy) -> Option<OffsetDateTime> {
    (state.stage() == Stage::StagedRollout).then(|| {
        add_working_days(
            state.since().unwrap_or(OffsetDateTime::UNIX_EPOCH),
            policy.pipeline.deadlines.ea_ack_working_days,
            &holidays(&policy.pipeline.deadlines.holidays),
        )
    })
}

/// What the submission waits for, in the order people act. Dates are absolute
/// so the text only changes when the state does.
pub fn waiting_for(
    state: &State,
    policy: &Policy,
    config: &TrackerConfig,
    now: OffsetDateTime,
) -> Vec<String> {
    let stage = state.stage();
    let mut out = Vec::new();
    if !stage.is_open() {
        return out;
    }
    if stage == Stage::StagedRollout {
        let silent = silent_sites(state, config);
        let anyone = state.sites.values().any(|s| s.answer.is_some());
        if !silent.is_empty() && !anyone {
            let names: Vec<&str> = silent.iter().map(|s| s.as_str()).collect();
            out.push(format!(
                "an Early Adopter acknowledgement (`accept NGI-Site` or `reject NGI-Site`) from {}, due {}",
                names.join(", "),
                ack_due(state, policy).map(when).unwrap_or_default()
            ));
        }
        out.extend(ready_blockers(state, &policy.pipeline.deadlines, now));
    }
    let mut next: Vec<String> = Vec::new();
    for t in policy
        .pipeline
        .transitions
        .iter()
        .filter(|t| t.from == stage && t.to != Stage::Rejected)
    {
        next.push(format!(
            "a {} to move it to {} (label `{}`)",
            t.role,
            t.to.name(),
            t.to.label()
        ));
    }
    if !next.is_empty() {
        let then = if out.is_empty() { "" } else { "then " };
        out.push(format!("{then}{}", next.join(" or ")));
    }
    out
}

/// The text of the one status comment, edited in place.
pub fn status_text(
    state: &State,
    policy: &Policy,
    config: &TrackerConfig,
    now: OffsetDateTime,
) -> String {
    use std::fmt::Write;
    let stage = state.stage();
    let mut out = format!("{STATUS_MARKER}\n**Status:** {}", stage.name());
    if let Some(t) = state.history.last() {
        let _ = write!(
            out,
            " since {} (by {})",
            when(t.at),
            t.actor.trim_start_matches('@')
        );
    }
    out.push_str(".\n");
    if !state.passed {
        out.push_str("\n**Failed:** the release does not pass the distribution's policy check; the Technology Provider must submit a fixed release (`umd-release check` lists the findings).\n");
    }
    if let Some(delayed) = state.delayed.filter(|d| *d == stage)
        && let Some((what, due)) = stage_deadline(state, policy)
    {
        let _ = writeln!(
            out,
            "\n**Delayed** in {}: {what} was due {}.",
            delayed.name(),
            when(due)
        );
    }
    if let Some(n) = state
        .delay_explained()
        .filter(|_| state.delayed == Some(stage))
    {
        let _ = writeln!(
            out,
            "\n{} explains the delay: {}",
            n.actor,
            crate::markdown::neutralize(&n.text)
        );
    }
    if stage == Stage::StagedRollout {
        let called: Vec<&str> = super::rollout::called_sites(state, config)
            .into_iter()
            .map(String::as_str)
            .collect();
        let _ = writeln!(
            out,
            "\nEarly Adopter sites {}: {}.",
            if state.assigned.is_some() {
                "assigned"
            } else {
                "called"
            },
            if called.is_empty() {
                "none".to_string()
            } else {
                called.join(", ")
            }
        );
        for line in super::rollout::site_lines(state) {
            let _ = writeln!(out, "- {line}");
        }
        let _ = writeln!(
            out,
            "\nA problem found goes to GGUS with the subject `{}`, linked here with `ggus NGI-Site TICKET-URL`.",
            super::rollout::ggus_subject(state)
        );
    }
    let waits = waiting_for(state, policy, config, now);
    if !waits.is_empty() {
        out.push_str("\nWaiting for:\n");
        for w in &waits {
            let _ = writeln!(out, "- {w}");
        }
    }
    if state.delayed != Some(stage)
        && let Some((what, due)) = stage_deadline(state, policy)
    {
        let _ = writeln!(out, "\nDeadline: {what} by {}.", when(due));
    }
    out.push_str("\n_umd-release edits this comment as the submission moves; it mentions people only when they must act._\n");
    out
}

/// First line of the status comment; the tool finds its own comment by the id
/// kept in the state, never by this text, so a copy of it claims nothing.
pub const STATUS_MARKER: &str = "<!-- umd-release:status -->";

/// Decides the sweep of one open submission from its labels and state.
pub fn sweep(
    labels: &[String],
    state: &State,
    policy: &Policy,
    config: &TrackerConfig,
    now: OffsetDateTime,
) -> Effect {
    let mut s = Effect::unchanged(state);
    let stage = state.stage();
    repair_stage_label(&mut s, labels, state);
    flag_delayed(&mut s, labels, state, policy, config, now);
    if stage == Stage::StagedRollout
        && !state.reminded
        && ack_due(state, policy).is_some_and(|due| now > due)
    {
        remind_early_adopters(&mut s, state, policy, config);
    }
    s
}

/// Drift: the labels must show exactly the recorded stage.
fn repair_stage_label(s: &mut Effect, labels: &[String], state: &State) {
    let stage = state.stage();
    let on: Vec<Stage> = labels.iter().filter_map(|l| Stage::from_label(l)).collect();
    if on != [stage] {
        for extra in on.iter().filter(|l| **l != stage) {
            s.remove_labels.push(extra.label());
        }
        if !on.contains(&stage) {
            s.add_labels.push(stage.label());
        }
        let shown: Vec<String> = on.iter().map(|l| format!("`{}`", l.label())).collect();
        s.comments.push(format!(
            "umd-release put the state label back to `{}`: the recorded history says {} (since {}), the labels said {}. Move a submission one stage at a time by changing its label; the history is in the description.",
            stage.label(),
            stage.name(),
            state.since().map(when).unwrap_or_default(),
            if shown.is_empty() { "none".into() } else { shown.join(" and ") }
        ));
        s.notes
            .push(format!("state label repaired to {}", stage.label()));
    }
}

/// Delayed goes with the stage: set once when its deadline passes, dropped when the stage moves on.
fn flag_delayed(
    s: &mut Effect,
    labels: &[String],
    state: &State,
    policy: &Policy,
    config: &TrackerConfig,
    now: OffsetDateTime,
) {
    let stage = state.stage();
    let has_delayed = labels.iter().any(|l| l == DELAYED_LABEL);
    let late = stage_deadline(state, policy).filter(|(_, due)| now > *due);
    match (late, state.delayed == Some(stage)) {
        (Some((what, due)), false) => {
            s.state.delayed = Some(stage);
            if !has_delayed {
                s.add_labels.push(DELAYED_LABEL.into());
            }
            let who: Vec<String> = state
                .contacts
                .iter()
                .map(|c| format!("@{}", c.trim_start_matches('@')))
                .collect();
            let waits = waiting_for(state, policy, config, now);
            let why = state
                .delay_explained()
                .map(|n| {
                    format!(
                        "\n\n{} explains: {}",
                        n.actor,
                        crate::markdown::neutralize(&n.text)
                    )
                })
                .unwrap_or_default();
            s.mails.extend(crate::mail::notice(
                state,
                s.comments.len(),
                format!(
                    "{} {} is delayed in {}",
                    state.key.product,
                    state.key.version,
                    stage.name()
                ),
                &mut s.notes,
            ));
            s.comments.push(format!(
                "{}this submission is **Delayed**: in {}, {what} was due {}. It is waiting for {}.{why}",
                if who.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", who.join(" "))
                },
                stage.name(),
                when(due),
                if waits.is_empty() {
                    "nothing the tool knows of".into()
                } else {
                    waits.join("; ")
                }
            ));
            s.notes
                .push(format!("Delayed: {what} was due {}", when(due)));
        }
        (Some(_), true) if !has_delayed => {
            s.add_labels.push(DELAYED_LABEL.into());
            s.notes.push("the delayed label put back".into());
        }
        (None, _) if has_delayed || state.delayed.is_some() => {
            if has_delayed {
                s.remove_labels.push(DELAYED_LABEL.into());
            }
            s.state.delayed = None;
            s.notes.push("no longer delayed".into());
        }
        _ => {}
    }
}

/// Early Adopters: one reminder after the acknowledgement deadline, with a
/// call for volunteers to every other site if nobody has accepted.
fn remind_early_adopters(s: &mut Effect, state: &State, policy: &Policy, config: &TrackerConfig) {
    let called = called_sites(state, config);
    let silent = silent_sites(state, config);
    let accepted = state
        .sites
        .values()
        .any(|r| r.answer.as_ref().is_some_and(|a| a.accepted));
    let others: Vec<&String> = config
        .early_adopters
        .keys()
        .filter(|n| !called.contains(n))
        .collect();
    let mut text = String::new();
    if !silent.is_empty() {
        let names: Vec<&str> = silent.iter().map(|s| s.as_str()).collect();
        text.push_str(&format!(
            "{}: reminder: the staged rollout call has had no answer from {} (due {}). Answer with `accept NGI-Site` or `reject NGI-Site` on a line of its own.",
            mentions(config, &silent).join(" "),
            names.join(", "),
            ack_due(state, policy).map(when).unwrap_or_default()
        ));
    }
    if !accepted && !others.is_empty() {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&format!(
            "{}: no Early Adopter site has accepted this staged rollout yet. Volunteers are welcome: answer `accept NGI-Site` to take it.",
            mentions(config, &others).join(" ")
        ));
    }
    s.state.reminded = true;
    if !text.is_empty() {
        s.comments.push(text);
        s.notes.push("Early Adopters reminded".into());
    }
}

/// A submission request (issue form) still open after the injection deadline
/// (seed: injection within 5 working days): the comment that flags it, once.
pub fn request_overdue(
    created: OffsetDateTime,
    author: &str,
    labels: &[String],
    deadlines: &crate::policy::Deadlines,
    now: OffsetDateTime,
) -> Option<String> {
    if labels.iter().any(|l| l == DELAYED_LABEL) {
        return None;
    }
    let due = add_working_days(
        created,
        deadlines.injection_working_days,
        &holidays(&deadlines.holidays),
    );
    (now > due).then(|| {
        format!(
            "@{}: this submission request is **Delayed**: it should have been filed within {} working days (by {}). The comments above say what stops it; edit the request to fix it, or ask the UMD team here.",
            author.trim_start_matches('@'),
            deadlines.injection_working_days,
            when(due)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::submission::{Answer, Key, Site, Transition};
    use time::macros::datetime;

    fn policy() -> Policy {
        Policy::builtin("cmd-os-1").unwrap()
    }

    fn config() -> TrackerConfig {
        TrackerConfig::parse(
            std::path::Path::new("tracker.yaml"),
            "roles:\n  qc-verifier: [ana]\nearly_adopters:\n  NGI_IT-INFN-CNAF: [dave]\n  NGI_DE-SCAI: [erin]\n  NGI_FR-IN2P3: [fay]\n",
        )
        .unwrap()
    }

    fn at(stage: Stage, t: OffsetDateTime) -> State {
        State {
            key: Key {
                dist: "cmd-os-1".into(),
                product: "demo".into(),
                version: "1.4.0".into(),
            },
            history: vec![Transition {
                stage,
                at: t,
                actor: "ana".into(),
            }],
            passed: true,
            contacts: vec!["janedoe".into()],
            candidates: vec!["NGI_IT-INFN-CNAF".into()],
            ..State::default()
        }
    }

    fn labels(stage: Stage) -> Vec<String> {
        vec![stage.label(), "dist:cmd-os-1".into()]
    }

    #[test]
    fn a_late_stage_is_delayed_once_and_the_tp_is_told() {
        let s = at(Stage::Verification, datetime!(2026-11-02 09:00 UTC));
        let before = sweep(
            &labels(Stage::Verification),
            &s,
            &policy(),
            &config(),
            datetime!(2026-11-09 08:00 UTC),
        );
        assert!(before.is_empty(), "{before:?}");
        let late = sweep(
            &labels(Stage::Verification),
            &s,
            &policy(),
            &config(),
            datetime!(2026-11-09 10:00 UTC),
        );
        assert_eq!(late.add_labels, ["delayed"]);
        assert_eq!(late.state.delayed, Some(Stage::Verification));
        assert!(late.comments[0].starts_with("@janedoe: this submission is **Delayed**: in Verification, verification to complete was due 2026-11-09 09:00 UTC"), "{}", late.comments[0]);
        let mut l = labels(Stage::Verification);
        l.push("delayed".into());
        let again = sweep(
            &l,
            &late.state,
            &policy(),
            &config(),
            datetime!(2026-11-10 10:00 UTC),
        );
        assert!(again.is_empty() && again.state == late.state, "{again:?}");
        // The label removed by hand comes back, without a new comment.
        let back = sweep(
            &labels(Stage::Verification),
            &late.state,
            &policy(),
            &config(),
            datetime!(2026-11-10 10:00 UTC),
        );
        assert_eq!(
            (back.add_labels.as_slice(), back.comments.len()),
            (&["delayed".to_string()][..], 0)
        );
    }

    #[test]
    fn moving_on_clears_delayed() {
        let mut s = at(Stage::Verification, datetime!(2026-11-02 09:00 UTC));
        s.delayed = Some(Stage::Unverified);
        let mut l = labels(Stage::Verification);
        l.push("delayed".into());
        let out = sweep(
            &l,
            &s,
            &policy(),
            &config(),
            datetime!(2026-11-03 09:00 UTC),
        );
        assert_eq!(out.remove_labels, ["delayed"]);
        assert_eq!(out.state.delayed, None);
        assert!(out.comments.is_empty());
    }

    #[test]
    fn drifted_labels_are_put_right_with_a_comment() {
        let s = at(Stage::Verification, datetime!(2026-11-02 09:00 UTC));
        let now = datetime!(2026-11-03 09:00 UTC);
        let out = sweep(&["dist:cmd-os-1".into()], &s, &policy(), &config(), now);
        assert_eq!(out.add_labels, ["state:verification"]);
        assert!(out.comments[0].contains("the labels said none"), "{out:?}");
        let two = sweep(
            &[Stage::Verification.label(), Stage::Released.label()],
            &s,
            &policy(),
            &config(),
            now,
        );
        assert_eq!(two.remove_labels, ["state:released"]);
        assert!(two.add_labels.is_empty());
    }

    #[test]
    fn early_adopters_are_reminded_after_one_working_day_and_volunteers_called() {
        // Entered Friday 10:00: due Monday 10:00.
        let s = at(Stage::StagedRollout, datetime!(2026-11-20 10:00 UTC));
        let l = labels(Stage::StagedRollout);
        assert!(
            sweep(
                &l,
                &s,
                &policy(),
                &config(),
                datetime!(2026-11-23 09:59 UTC)
            )
            .is_empty()
        );
        let out = sweep(
            &l,
            &s,
            &policy(),
            &config(),
            datetime!(2026-11-23 10:01 UTC),
        );
        assert_eq!(out.comments.len(), 1);
        let c = &out.comments[0];
        assert!(c.starts_with("@dave: reminder"), "{c}");
        assert!(
            c.contains("@erin @fay: no Early Adopter site has accepted"),
            "{c}"
        );
        assert!(out.state.reminded);
        assert!(
            sweep(
                &l,
                &out.state,
                &policy(),
                &config(),
                datetime!(2026-11-24 10:00 UTC)
            )
            .is_empty()
        );
        // A site that accepted in time: nothing to remind.
        let mut ok = s.clone();
        ok.sites.insert(
            "NGI_IT-INFN-CNAF".into(),
            Site {
                answer: Some(Answer {
                    accepted: true,
                    actor: "dave".into(),
                    at: datetime!(2026-11-20 11:00 UTC),
                }),
                reports: vec![],
                ggus: vec![],
            },
        );
        let out = sweep(
            &l,
            &ok,
            &policy(),
            &config(),
            datetime!(2026-11-23 10:01 UTC),
        );
        assert!(out.comments.is_empty() && out.state.reminded, "{out:?}");
    }

    #[test]
    fn a_request_not_filed_in_five_working_days_is_flagged_once() {
        let d = crate::policy::Deadlines::default();
        let created = datetime!(2026-11-19 12:00 UTC); // Thursday
        let l = vec!["submission-request".to_string()];
        assert_eq!(
            request_overdue(created, "tp", &l, &d, datetime!(2026-11-26 11:00 UTC)),
            None
        );
        let c = request_overdue(created, "tp", &l, &d, datetime!(2026-11-26 13:00 UTC)).unwrap();
        assert!(
            c.starts_with("@tp: this submission request is **Delayed**")
                && c.contains("by 2026-11-26 12:00 UTC"),
            "{c}"
        );
        let flagged = vec!["submission-request".to_string(), "delayed".into()];
        assert_eq!(
            request_overdue(created, "tp", &flagged, &d, datetime!(2026-12-26 13:00 UTC)),
            None
        );
    }

    #[test]
    fn the_status_says_what_it_waits_for() {
        let s = at(Stage::StagedRollout, datetime!(2026-11-20 10:00 UTC));
        let text = status_text(&s, &policy(), &config(), datetime!(2026-11-21 10:00 UTC));
        assert!(text.starts_with(STATUS_MARKER));
        assert!(
            text.contains("from NGI_IT-INFN-CNAF, due 2026-11-23 10:00 UTC"),
            "{text}"
        );
        assert!(
            text.contains("- exposure until 2026-11-25 10:00 UTC"),
            "{text}"
        );
        assert!(
            text.contains("- then a staged-rollout-manager to move it to Ready for release"),
            "{text}"
        );
        assert!(
            text.contains("Deadline: staged rollout to complete by 2026-12-20 10:00 UTC."),
            "{text}"
        );
        insta::assert_snapshot!("status_in_staged_rollout", text);
        // Released: nothing to wait for, no deadline.
        let done = at(Stage::Released, datetime!(2026-11-20 10:00 UTC));
        let text = status_text(&done, &policy(), &config(), datetime!(2026-11-21 10:00 UTC));
        assert!(
            !text.contains("Waiting for") && !text.contains("Deadline"),
            "{text}"
        );
    }
}
