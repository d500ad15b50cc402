//! The pipeline's moves as policy data: which stage may follow which, and
//! the role that may make the move.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::stage::Stage;

/// One allowed move and the role that may make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub from: Stage,
    pub to: Stage,
    /// Role id, e.g. `qc-verifier`; people hold roles in the tracker configuration.
    pub role: String,
}

/// The seed's moves: QC verifiers start and finish verification (or reject),
/// staged-rollout managers finish staged rollout (or reject), release managers release.
pub fn default_transitions() -> Vec<Transition> {
    use Stage::*;
    let t = |from, to, role: &str| Transition {
        from,
        to,
        role: role.to_string(),
    };
    vec![
        t(Unverified, Verification, "qc-verifier"),
        t(Verification, StagedRollout, "qc-verifier"),
        t(Verification, Rejected, "qc-verifier"),
        t(StagedRollout, ReadyForRelease, "staged-rollout-manager"),
        t(StagedRollout, Rejected, "staged-rollout-manager"),
        t(ReadyForRelease, Released, "release-manager"),
    ]
}
