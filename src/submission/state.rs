//! The machine-readable state kept in the body, and what it records.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::key::Key;
use crate::stage::Stage;

/// One stage change, as recorded in the machine block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub stage: Stage,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
}

/// A package as the submission records it, to tell what changed on a re-run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRef {
    pub file: String,
    pub sha256: String,
}

/// The machine-readable block kept in the body. Fields after `passed` came
/// with the pipeline; they default so older bodies still parse.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct State {
    pub key: Key,
    pub history: Vec<Transition>,
    pub packages: Vec<PackageRef>,
    pub passed: bool,
    /// The Technology Provider's GitHub handles (Product ID Card), told about delays.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    /// Early Adopter sites the Product ID Card proposes (`NGI-Site`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
    /// The Product ID Card's middleware stack (staged-rollout managers, report names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// Staged rollout: each site's acknowledgement and reports.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sites: BTreeMap<String, Site>,
    /// The stage that was flagged Delayed (the flag goes with the stage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delayed: Option<Stage>,
    /// Early Adopters were reminded (and volunteers called) in this staged rollout.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reminded: bool,
    /// A staged-rollout manager's written reason to finish staged rollout
    /// without the usual exposure, report or acceptance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Note>,
    /// The one status comment, edited in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_comment: Option<u64>,
    /// What announcements and EGI's release records need, captured at submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<Release>,
    /// The Early Adopter sites a staged-rollout manager assigned; `None`: the
    /// Product ID Card's candidates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned: Option<Vec<String>>,
    /// Days a staged-rollout manager added to the exposure (`extend N`); the
    /// staged rollout deadline moves with it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub extended_days: u32,
    /// The explanation for a delay, by a verifier or manager (`delay REASON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_reason: Option<Note>,
    /// Why the submission was rejected, and the test report if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<Rejection>,
    /// The latest comments handled (forge ids, at most [`HANDLED_MAX`]), so
    /// that a redelivered comment event is not answered twice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub handled: Vec<u64>,
}

/// How many handled comment ids the state keeps: redeliveries come within
/// minutes, and the body must not grow with a long staged rollout.
pub const HANDLED_MAX: usize = 50;

impl State {
    /// Records that comment `id` was handled; false if it already was.
    pub fn handle_once(&mut self, id: u64) -> bool {
        if self.handled.contains(&id) {
            return false;
        }
        self.handled.push(id);
        if self.handled.len() > HANDLED_MAX {
            self.handled.remove(0);
        }
        true
    }
}

/// A product release as the distribution's records describe it, from the
/// Product ID Card and the check at submission time. Untrusted text: escape
/// it where it is rendered.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Release {
    pub tag: String,
    pub provider: String,
    pub description: String,
    /// Support address (EGI's `contact`).
    pub contact: String,
    /// Team leader's address (EGI's `technicalContact`), else the support address.
    pub technical_contact: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_notes_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installation_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_issues_url: Option<String>,
    /// Documentation links (installation, configuration, others).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documentation: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    /// The release notes (the changelog section), cut to [`NOTES_MAX`] characters.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Targets the release ships packages for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<ReleaseTarget>,
}

/// The release notes kept in the state block are cut here: the body has them whole.
pub const NOTES_MAX: usize = 4000;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReleaseTarget {
    /// Target id, e.g. `centos7` (EGI's `platform`).
    pub id: String,
    pub name: String,
    pub arch: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Package file names, or their download URLs when known.
    pub packages: Vec<String>,
}

/// What a site said during staged rollout.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Site {
    /// The latest acknowledgement: accept (true) or reject (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<Report>,
    /// GGUS tickets about problems the site found (EGI's RelatedGGUSTickets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ggus: Vec<String>,
}

impl Site {
    /// The verdict of the site's latest report: a later report supersedes.
    pub fn verdict(&self) -> Option<Verdict> {
        self.reports.last().map(|r| r.verdict)
    }
}

/// What an Early Adopter's tests found (`report NGI-Site LINK ok|issues|fail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Works in production: counts toward Ready for release. Reports recorded
    /// before verdicts existed were all taken as this.
    #[default]
    Ok,
    /// Works, with problems worth knowing (a GGUS ticket, known issues).
    Issues,
    /// Does not work: holds Ready for release until a later `ok` or a waiver.
    Fail,
}

impl Verdict {
    pub fn parse(word: &str) -> Option<Verdict> {
        match word.to_ascii_lowercase().as_str() {
            "ok" => Some(Verdict::Ok),
            "issues" => Some(Verdict::Issues),
            "fail" => Some(Verdict::Fail),
            _ => None,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Issues => "issues",
            Verdict::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub accepted: bool,
    pub actor: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A staged rollout report: a link whose file name follows the seed's convention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub url: String,
    pub file: String,
    pub actor: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(default)]
    pub verdict: Verdict,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A rejection's reason (`move --to rejected --reason`) and test report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub reason: Note,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

/// Something a person wrote that the pipeline keeps (a waiver's reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub text: String,
    pub actor: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl State {
    pub fn stage(&self) -> Stage {
        self.history.last().map_or(Stage::Unverified, |t| t.stage)
    }

    /// The explanation a verifier or manager gave for a delay in the current stage.
    pub fn delay_explained(&self) -> Option<&Note> {
        self.delay_reason
            .as_ref()
            .filter(|n| self.since().is_none_or(|since| n.at >= since))
    }

    /// When the current stage was entered.
    pub fn since(&self) -> Option<OffsetDateTime> {
        self.history.last().map(|t| t.at)
    }
}
