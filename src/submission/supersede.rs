//! Superseding: a newer version of a product for a distribution closes the
//! older submissions still before Staged Rollout, with a link both ways; one
//! already in Staged Rollout is flagged for the staged-rollout manager (or
//! closed too, as the policy says). Pure: issues and states in, a plan out.

use super::{Key, State};
use crate::issue::Issue;
use crate::plan::{Action, IssueRef, Plan, once};
use crate::stage::Stage;

/// The plan that supersedes, in favour of `new` (issue `number`), the older
/// open submissions among `others` (the same distribution's and product's;
/// anything else is ignored). Keyed notices: a re-run repeats nothing.
pub fn supersede(
    new: &Key,
    number: IssueRef,
    others: &[(&Issue, State)],
    close_in_staged_rollout: bool,
) -> Plan {
    let mut plan = Plan::default();
    let Ok(newer) = semver::Version::parse(&new.version) else {
        return plan;
    };
    let shown = match number {
        IssueRef::Existing(n) => format!("#{n}"),
        IssueRef::Created => "the new submission".to_string(),
    };
    let mut olders: Vec<&(&Issue, State)> = others
        .iter()
        .filter(|(i, s)| {
            i.open
                && s.key.dist == new.dist
                && s.key.product == new.product
                && semver::Version::parse(&s.key.version).is_ok_and(|v| v < newer)
                && IssueRef::Existing(i.number) != number
        })
        .collect();
    olders.sort_by_key(|(i, _)| i.number);
    for (issue, state) in olders {
        let old = IssueRef::Existing(issue.number);
        let material = format!(
            "supersede #{} by {} {}",
            issue.number,
            new.id(),
            state.key.version
        );
        let stage = state.stage();
        let closes = matches!(stage, Stage::Unverified | Stage::Verification)
            || (stage == Stage::StagedRollout && close_in_staged_rollout);
        if closes {
            plan.push(Action::Comment {
                number: old,
                body: once(
                    &format!(
                        "Superseded by {shown}: version {} of {} was submitted for this distribution, so this submission of {} is closed (it was in {}).",
                        new.version,
                        new.product,
                        state.key.version,
                        stage.name()
                    ),
                    &material,
                ),
            });
            plan.push(Action::AddLabels {
                number: old,
                labels: vec![crate::labels::SUPERSEDED.into()],
            });
            plan.push(Action::UpdateIssue {
                number: old,
                title: None,
                body: None,
                open: Some(false),
            });
            plan.push(Action::Comment {
                number,
                body: once(
                    &format!(
                        "Supersedes #{} ({} {}, closed).",
                        issue.number, state.key.product, state.key.version
                    ),
                    &material,
                ),
            });
        } else if stage == Stage::StagedRollout {
            plan.push(Action::Comment {
                number: old,
                body: once(
                    &format!(
                        "A newer version, {} {} ({shown}), was submitted while this one is in Staged Rollout: a staged-rollout manager decides whether to finish this rollout or to reject it in favour of the newer one.",
                        new.product, new.version
                    ),
                    &material,
                ),
            });
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::submission::Transition;

    fn sub(number: u64, version: &str, stage: Stage) -> (Issue, State) {
        let at = time::macros::datetime!(2026-11-02 09:00 UTC);
        let key = Key {
            dist: "cmd-os-1".into(),
            product: "demo".into(),
            version: version.into(),
        };
        let issue = Issue {
            number,
            title: String::new(),
            body: String::new(),
            labels: Vec::new(),
            open: true,
            author: "umd-release".into(),
            created_at: at,
            updated_at: at,
            url: String::new(),
        };
        let state = State {
            key,
            history: vec![Transition {
                stage,
                at,
                actor: "x".into(),
            }],
            ..State::default()
        };
        (issue, state)
    }

    #[test]
    fn older_pending_versions_close_and_one_in_staged_rollout_is_flagged() {
        let new = Key {
            dist: "cmd-os-1".into(),
            product: "demo".into(),
            version: "1.4.1".into(),
        };
        let subs = [
            sub(1, "1.4.0", Stage::Unverified),
            sub(2, "1.3.0", Stage::StagedRollout),
            sub(3, "1.5.0", Stage::Unverified),
            sub(4, "1.2.0", Stage::ReadyForRelease),
            sub(5, "1.4.1", Stage::Unverified),
        ];
        let refs: Vec<(&Issue, State)> = subs.iter().map(|(i, s)| (i, s.clone())).collect();
        let plan = supersede(&new, IssueRef::Existing(5), &refs, false);
        let closed: Vec<&IssueRef> = plan
            .actions
            .iter()
            .filter_map(|a| match a {
                Action::UpdateIssue {
                    number,
                    open: Some(false),
                    ..
                } => Some(number),
                _ => None,
            })
            .collect();
        assert_eq!(closed, [&IssueRef::Existing(1)]);
        let text = plan.to_string();
        assert!(text.contains("Superseded by #5"), "{text}");
        assert!(text.contains("Supersedes #1"), "{text}");
        assert!(text.contains("a staged-rollout manager decides"), "{text}");
        // The policy may close one in Staged Rollout too.
        let plan = supersede(&new, IssueRef::Existing(5), &refs, true);
        let n = plan
            .actions
            .iter()
            .filter(|a| {
                matches!(
                    a,
                    Action::UpdateIssue {
                        open: Some(false),
                        ..
                    }
                )
            })
            .count();
        assert_eq!(n, 2);
    }
}
