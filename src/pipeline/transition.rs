//! Which stage moves are legal and who may make them (seed "Cloud Middleware
//! Distribution", release process steps 3 to 6). The moves are policy data; the
//! decision on one label event is a pure function.

use super::Stage;

pub use crate::policy::transitions::{Transition, default_transitions};

/// What to do about the state labels after a label event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The move stands: record it, drop the old state label.
    Accept { from: Stage, to: Stage },
    /// Put the labels back to `restore`, saying why and what would be needed.
    Revert { restore: Stage, reason: String },
    /// Labels agree with the recorded stage: nothing to do (our own changes land here).
    Nothing,
}

/// Decides a label change. `current` is the recorded stage, `labels` the state
/// labels the issue carries now, `roles` the roles `actor` holds.
pub fn decide(
    transitions: &[Transition],
    current: Stage,
    labels: &[Stage],
    actor: &str,
    roles: &[String],
) -> Decision {
    let new: Vec<Stage> = labels.iter().copied().filter(|s| *s != current).collect();
    match new.as_slice() {
        [] if labels.contains(&current) => Decision::Nothing,
        [] => Decision::Revert {
            restore: current,
            reason: format!(
                "the state label `{}` was removed; a submission always has exactly one stage",
                current.label()
            ),
        },
        [to] => {
            let to = *to;
            match transitions.iter().find(|t| t.from == current && t.to == to) {
                None => {
                    let legal: Vec<String> = transitions
                        .iter()
                        .filter(|t| t.from == current)
                        .map(|t| format!("`{}` (by a {})", t.to.label(), t.role))
                        .collect();
                    Decision::Revert {
                        restore: current,
                        reason: format!(
                            "{} cannot move to {}: from {} the next stage is {}",
                            current.name(),
                            to.name(),
                            current.name(),
                            if legal.is_empty() {
                                "none (it is final)".to_string()
                            } else {
                                legal.join(" or ")
                            }
                        ),
                    }
                }
                Some(t) if roles.iter().any(|r| r == &t.role) => {
                    Decision::Accept { from: current, to }
                }
                Some(t) => Decision::Revert {
                    restore: current,
                    reason: format!(
                        "moving {} to {} needs the {} role, which @{actor} does not hold",
                        current.name(),
                        to.name(),
                        t.role
                    ),
                },
            }
        }
        _ => Decision::Revert {
            restore: current,
            reason: "two new state labels at once; move one stage at a time".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;

    fn roles(r: &[&str]) -> Vec<String> {
        r.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_legal_move_by_the_role_is_accepted() {
        let d = decide(
            &default_transitions(),
            Unverified,
            &[Unverified, Verification],
            "ana",
            &roles(&["qc-verifier"]),
        );
        assert_eq!(
            d,
            Decision::Accept {
                from: Unverified,
                to: Verification
            }
        );
    }

    #[test]
    fn a_person_without_the_role_is_reverted_with_the_role_named() {
        let d = decide(
            &default_transitions(),
            StagedRollout,
            &[StagedRollout, ReadyForRelease],
            "bob",
            &roles(&["qc-verifier"]),
        );
        let Decision::Revert { restore, reason } = d else {
            panic!("{d:?}")
        };
        assert_eq!(restore, StagedRollout);
        assert!(
            reason.contains("staged-rollout-manager") && reason.contains("@bob"),
            "{reason}"
        );
    }

    #[test]
    fn skips_backwards_moves_and_double_labels_are_reverted() {
        let t = default_transitions();
        let all = roles(&["qc-verifier", "staged-rollout-manager", "release-manager"]);
        for labels in [
            vec![Unverified, Released],
            vec![Verification, Unverified],
            vec![Verification, StagedRollout, Rejected],
        ] {
            let current = labels[0];
            assert!(
                matches!(decide(&t, current, &labels, "x", &all), Decision::Revert { restore, .. } if restore == current),
                "{labels:?}"
            );
        }
        let Decision::Revert { reason, .. } =
            decide(&t, Unverified, &[Unverified, Released], "x", &all)
        else {
            panic!()
        };
        assert!(
            reason.contains("`state:verification` (by a qc-verifier)"),
            "{reason}"
        );
    }

    #[test]
    fn unchanged_or_removed_labels() {
        let t = default_transitions();
        assert_eq!(
            decide(&t, Verification, &[Verification], "x", &[]),
            Decision::Nothing
        );
        assert!(matches!(
            decide(&t, Verification, &[], "x", &[]),
            Decision::Revert {
                restore: Verification,
                ..
            }
        ));
    }
}
