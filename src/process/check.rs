//! The provider's step on every tag: gather the release's facts and check them
//! against the policies that apply.

use std::path::PathBuf;

use super::{Error, Result};
use crate::check::{self, report};
use crate::policy::{self, Policy};
use crate::release::{self, Inputs};

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    /// Root of the provider repository.
    pub repo: PathBuf,
    pub tag: String,
    pub artifacts: Option<PathBuf>,
    /// Policies by built-in name or file; empty: the card's component decides.
    pub policies: Vec<String>,
    pub notes: Option<PathBuf>,
}

/// A checked release: the facts, the policies that apply and their verdicts.
pub struct Checked {
    pub facts: release::ReleaseFacts,
    pub policies: Vec<Policy>,
    pub report: report::Report,
}

/// The release's Product ID Card, which filing it needs.
pub fn card<'a>(
    facts: &'a release::ReleaseFacts,
    repo: &std::path::Path,
) -> Result<&'a policy::ProductCard> {
    facts.card.as_ref().ok_or_else(|| {
        Error::Input(
            policy::card::CardError::Missing {
                dir: repo.to_path_buf(),
            }
            .into(),
        )
    })
}

pub fn check(req: &CheckRequest) -> Result<Checked> {
    let mut policies = Vec::new();
    for spec in &req.policies {
        policies.push(Policy::load(spec).map_err(|e| Error::Input(e.into()))?);
    }
    let facts = release::gather(&Inputs {
        repo: &req.repo,
        tag: &req.tag,
        artifacts: req.artifacts.as_deref(),
        notes: req.notes.as_deref(),
    })
    .map_err(|e| Error::Input(e.into()))?;
    if policies.is_empty() {
        let Some(card) = &facts.card else {
            return Err(Error::Input(
                policy::card::CardError::Missing {
                    dir: req.repo.clone(),
                }
                .into(),
            ));
        };
        policies = Policy::for_component(*card.component.get());
    }
    let reports = policies.iter().map(|p| check::check(&facts, p)).collect();
    let report = report::Report::new(&facts, reports);
    Ok(Checked {
        facts,
        policies,
        report,
    })
}
