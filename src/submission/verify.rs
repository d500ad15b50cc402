//! The recorded history checked against the forge's own record: a state
//! block is text that a writer can edit, the label events are not.

use super::state::State;
use crate::issue::{Event, EventKind};

/// The transitions of `state` that no label event bears out, as messages.
/// Each transition after the first (the filing) must match, in order, an
/// event adding its stage's label, by the actor it names or by the tracker
/// itself (`is_tool`: a `move` made with the tracker's token, a sweep).
pub fn unrecorded(state: &State, events: &[Event], is_tool: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut rest = events.iter();
    let mut missing = Vec::new();
    for t in state.history.iter().skip(1) {
        let label = t.stage.label();
        let found = rest.by_ref().any(|e| {
            matches!(&e.kind, EventKind::Labeled { label: l } if *l == label)
                && (e.actor.eq_ignore_ascii_case(&t.actor) || is_tool(&e.actor))
        });
        if !found {
            missing.push(format!(
                "{} by {} is in the state block, but the forge records no one adding `{label}` then",
                t.stage.name(),
                crate::markdown::neutralize(&t.actor)
            ));
            // Later transitions are matched after what was found so far.
            rest = events.iter();
        }
    }
    missing
}

/// The state rebuilt from the forge's record when the recorded history is not
/// borne out: the history up to its first unrecorded step (the stage the
/// label events do support), the flags of a stage it no longer reaches
/// dropped; `None` when every step is recorded. With it, what was wrong.
pub fn rebuilt(
    state: &State,
    events: &[Event],
    is_tool: &dyn Fn(&str) -> bool,
) -> Option<(State, Vec<String>)> {
    let missing = unrecorded(state, events, is_tool);
    if missing.is_empty() {
        return None;
    }
    let mut rest = events.iter();
    let kept = 1 + state
        .history
        .iter()
        .skip(1)
        .take_while(|t| {
            let label = t.stage.label();
            rest.by_ref().any(|e| {
                matches!(&e.kind, EventKind::Labeled { label: l } if *l == label)
                    && (e.actor.eq_ignore_ascii_case(&t.actor) || is_tool(&e.actor))
            })
        })
        .count();
    let mut fixed = state.clone();
    fixed.history.truncate(kept.min(state.history.len()));
    let stage = fixed.stage();
    if fixed.delayed.is_some_and(|d| d != stage) {
        fixed.delayed = None;
    }
    if stage != state.stage() {
        // Reminders and waivers belong to the stage entry that was not recorded.
        fixed.reminded = false;
        fixed.waiver = None;
    }
    Some((fixed, missing))
}

#[cfg(test)]
mod tests {
    use super::unrecorded;
    use crate::issue::{Event, EventKind};
    use crate::stage::Stage;
    use crate::submission::{State, Transition};

    fn at(min: i64) -> time::OffsetDateTime {
        time::macros::datetime!(2026-11-02 09:00 UTC) + time::Duration::minutes(min)
    }

    fn step(stage: Stage, actor: &str, min: i64) -> Transition {
        Transition {
            stage,
            at: at(min),
            actor: actor.into(),
        }
    }

    fn labeled(stage: Stage, actor: &str, min: i64) -> Event {
        Event {
            id: min as u64,
            issue: 1,
            actor: actor.into(),
            kind: EventKind::Labeled {
                label: stage.label(),
            },
            at: at(min),
        }
    }

    fn state(history: Vec<Transition>) -> State {
        State {
            history,
            ..State::default()
        }
    }

    const TOOL: &dyn Fn(&str) -> bool = &|a: &str| a == "umd-release[bot]";

    #[test]
    fn a_history_the_events_bear_out_passes() {
        let s = state(vec![
            step(Stage::Unverified, "umd-release", 0),
            step(Stage::Verification, "alice", 5),
            step(Stage::StagedRollout, "alice", 9),
        ]);
        let events = [
            labeled(Stage::Unverified, "umd-release[bot]", 0),
            labeled(Stage::Verification, "alice", 5),
            // `move --as alice` applies the label with the tracker's token.
            labeled(Stage::StagedRollout, "umd-release[bot]", 9),
        ];
        assert!(unrecorded(&s, &events, TOOL).is_empty());
    }

    #[test]
    fn an_edited_history_is_caught() {
        let s = state(vec![
            step(Stage::Unverified, "umd-release", 0),
            step(Stage::Verification, "alice", 5),
            step(Stage::ReadyForRelease, "bob", 9),
        ]);
        // Bob never added the label; mallory did (and was put back).
        let events = [
            labeled(Stage::Verification, "alice", 5),
            labeled(Stage::ReadyForRelease, "mallory", 9),
        ];
        let missing = unrecorded(&s, &events, TOOL);
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert!(
            missing[0].starts_with("Ready for release by bob"),
            "{}",
            missing[0]
        );
        // Nothing recorded at all.
        assert_eq!(unrecorded(&s, &[], TOOL).len(), 2);
    }

    #[test]
    fn a_forged_history_is_rebuilt_to_what_the_events_bear_out() {
        let mut s = state(vec![
            step(Stage::Unverified, "umd-release", 0),
            step(Stage::Verification, "alice", 5),
            step(Stage::StagedRollout, "alice", 7),
            step(Stage::ReadyForRelease, "bob", 9),
        ]);
        s.delayed = Some(Stage::ReadyForRelease);
        s.reminded = true;
        let events = [
            labeled(Stage::Verification, "alice", 5),
            labeled(Stage::ReadyForRelease, "mallory", 9),
        ];
        let (fixed, why) = super::rebuilt(&s, &events, TOOL).expect("tampered");
        assert_eq!(fixed.history, s.history[..2].to_vec());
        assert_eq!(fixed.stage(), Stage::Verification);
        assert_eq!(fixed.delayed, None);
        assert!(!fixed.reminded);
        assert_eq!(why.len(), 2, "{why:?}");
        // A history the events bear out is left as it is.
        assert!(super::rebuilt(&fixed, &events, TOOL).is_none());
    }
}
