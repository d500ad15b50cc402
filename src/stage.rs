//! The pipeline's stages (seed "Cloud Middleware Distribution", release
//! process; seed "Staged Rollout"), as plain data every layer names.

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Unverified,
    Verification,
    StagedRollout,
    ReadyForRelease,
    Released,
    Rejected,
}

use crate::labels::STATE_PREFIX;

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Unverified,
        Stage::Verification,
        Stage::StagedRollout,
        Stage::ReadyForRelease,
        Stage::Released,
        Stage::Rejected,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Stage::Unverified => "unverified",
            Stage::Verification => "verification",
            Stage::StagedRollout => "staged-rollout",
            Stage::ReadyForRelease => "ready-for-release",
            Stage::Released => "released",
            Stage::Rejected => "rejected",
        }
    }

    /// The seed's name for the stage (RT ticket status).
    pub fn name(self) -> &'static str {
        match self {
            Stage::Unverified => "Unverified",
            Stage::Verification => "Verification",
            Stage::StagedRollout => "Staged Rollout",
            Stage::ReadyForRelease => "Ready for release",
            Stage::Released => "Released",
            Stage::Rejected => "Rejected",
        }
    }

    pub fn label(self) -> String {
        format!("{STATE_PREFIX}{}", self.slug())
    }

    pub fn from_label(label: &str) -> Option<Stage> {
        let slug = label.strip_prefix(STATE_PREFIX)?;
        Stage::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// Open stages are those a deadline applies to.
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Released | Stage::Rejected)
    }

    pub fn color(self) -> &'static str {
        match self {
            Stage::Unverified => "ededed",
            Stage::Verification => "1d76db",
            Stage::StagedRollout => "5319e7",
            Stage::ReadyForRelease => "0e8a16",
            Stage::Released => "006b75",
            Stage::Rejected => "b60205",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Stage::Unverified => "Submitted; waiting for a QC verifier to start verification",
            Stage::Verification => "The UMD team is verifying the product in the testbed",
            Stage::StagedRollout => "Early Adopter sites are trying the release in production",
            Stage::ReadyForRelease => {
                "Passed staged rollout; waiting for the next distribution release"
            }
            Stage::Released => "Included in a distribution release",
            Stage::Rejected => "Rejected in verification or staged rollout",
        }
    }
}
