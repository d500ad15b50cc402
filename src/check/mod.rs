//! Rules: pure functions from release facts and a policy to findings. Nothing
//! here reads a file or talks to a network; [`crate::release::gather`] did that.

// One file per rule family; each pushes its findings into the `Sink`.
mod card;
mod changelog;
mod contents;
pub mod license;
pub mod report;
mod targets;
mod versions;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::package::Package;
use crate::policy::card::FILE_NAME as CARD_FILE;
use crate::policy::{Policy, Severity};
use crate::release::ReleaseFacts;
use crate::release::tag::{self, TagVersion};
use crate::rules::Rule;

pub use card::is_site_name;
pub use changelog::release_notes;
pub use targets::target_of;

/// Where a finding points: a file and, where there is one, a line. A
/// finding about a file that is missing points at the file it expected, with
/// no line; one about the release as a whole (its tag, its packages when
/// there are none) at the Product ID Card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Location {
    pub file: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What `file` is relative to; the reports for code scanning and merge
    /// requests turn both into paths from the repository root.
    #[serde(skip)]
    pub base: Base,
}

/// What a [`Location`]'s path is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Base {
    /// The provider repository (`--repo`): the card and the changelogs.
    #[default]
    Repo,
    /// The working directory, as the user gave the path: packages (under
    /// `--artifacts`), the artifacts directory itself, `--notes`.
    Given,
}

impl Location {
    fn file(file: impl Into<PathBuf>) -> Self {
        Location {
            file: file.into(),
            line: None,
            base: Base::Repo,
        }
    }
    fn at(file: impl Into<PathBuf>, line: usize) -> Self {
        Location {
            file: file.into(),
            line: Some(line),
            base: Base::Repo,
        }
    }
    /// A path as the user gave it on the command line (or under one).
    fn given(file: impl Into<PathBuf>) -> Self {
        Location {
            file: file.into(),
            line: None,
            base: Base::Given,
        }
    }
}

/// One problem, like a compiler diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    pub hint: String,
    /// The seed section or Quality Criterion the rule enforces.
    pub source: &'static str,
}

/// Which packages a target got.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TargetCoverage {
    pub id: String,
    pub name: String,
    pub required: bool,
    pub retired: bool,
    /// Package files (relative to the artifacts directory) built for the target.
    pub packages: Vec<PathBuf>,
}

/// The verdict of one policy on one release.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PolicyReport {
    pub policy: String,
    pub name: String,
    pub passed: bool,
    pub tag: TagVersion,
    pub targets: Vec<TargetCoverage>,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub findings: Vec<Finding>,
}

/// Collects findings, applying the policy's severities.
struct Sink<'a> {
    policy: &'a Policy,
    findings: Vec<Finding>,
}

impl Sink<'_> {
    /// `rule` is one of the registry's constants (`&rules::TAG_SEMVER`), so
    /// a misspelt rule does not compile.
    fn push(&mut self, rule: &Rule, message: String, location: Location, hint: String) {
        let severity = self.policy.severity(rule);
        if severity == Severity::Off {
            return;
        }
        self.findings.push(Finding {
            rule: rule.id,
            severity,
            message,
            location,
            hint,
            source: rule.source,
        });
    }
}

/// What every rule sees.
struct Ctx<'a> {
    facts: &'a ReleaseFacts,
    policy: &'a Policy,
    tag: &'a TagVersion,
    /// The packages' paths as the user knows them (artifacts dir joined).
    artifacts: &'a Path,
}

impl Ctx<'_> {
    fn package_path(&self, p: &Package) -> PathBuf {
        self.artifacts.join(&p.file)
    }
}

/// Checks a release against one policy.
pub fn check(facts: &ReleaseFacts, policy: &Policy) -> PolicyReport {
    let tag = tag::parse(&facts.tag, &policy.tag);
    let artifacts = facts.artifacts.clone().unwrap_or_default();
    let ctx = Ctx {
        facts,
        policy,
        tag: &tag,
        artifacts: &artifacts,
    };
    let mut sink = Sink {
        policy,
        findings: Vec::new(),
    };
    versions::check_tag(&ctx, &mut sink);
    let targets = targets::check_targets(&ctx, &mut sink);
    versions::check_versions(&ctx, &mut sink);
    card::check_card(&ctx, &mut sink);
    license::check_license(&ctx, &mut sink);
    changelog::check_changelogs(&ctx, &mut sink);
    changelog::check_release_notes(&ctx, &mut sink);
    contents::check_contents(&ctx, &mut sink);

    let mut findings = sink.findings;
    // Most severe first, then in file order, so reports read top-down.
    findings.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| {
            (a.location.base, &a.location.file, a.location.line).cmp(&(
                b.location.base,
                &b.location.file,
                b.location.line,
            ))
        })
    });
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    PolicyReport {
        policy: policy.id.clone(),
        name: policy.name.clone(),
        passed: count(Severity::Error) == 0,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notes: count(Severity::Note),
        tag,
        targets,
        findings,
    }
}

/// A place in the Product ID Card, for the card and licence rules.
fn card_loc(line: usize) -> Location {
    Location::at(CARD_FILE, line)
}

#[cfg(test)]
mod tests;
