//! The provisioning pipeline's stages (seed "Cloud Middleware Distribution",
//! release process; seed "Staged Rollout"). Stages are labels on the submission
//! issue; Delayed is a second label beside the stage, never a stage of its own.

pub mod effect;
pub mod rollout;
pub mod sweep;
pub mod transition;

pub use crate::calendar;
pub use crate::stage::Stage;

/// Label prefix of the state labels on GitHub (GitLab uses scoped `state::`).
pub const STATE_PREFIX: &str = crate::labels::STATE_PREFIX;
pub const DELAYED_LABEL: &str = crate::labels::DELAYED;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::from_label(&s.label()), Some(s));
        }
        assert_eq!(Stage::from_label("state:nope"), None);
        assert_eq!(Stage::from_label("unverified"), None);
    }
}
