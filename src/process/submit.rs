//! Filing a release: one submission issue per distribution, found again by its
//! key so that every re-run converges. The decisions are in
//! [`crate::submission`]; this is the I/O.

use std::collections::BTreeMap;
use std::path::PathBuf;

use time::OffsetDateTime;

use super::apply::apply;
use super::check::{CheckRequest, Checked, card, check};
use super::{Error, Result, registered};
use crate::check::report::Report;
use crate::issue::Issue;
use crate::plan::{Action, IssueRef, Plan};
use crate::render::Templates;
use crate::submission::{self, Change, Desired, Key};
use crate::tracker::{Tracker, TrackerError};

/// What to file, and how.
#[derive(Debug, Clone)]
pub struct SubmitRequest {
    pub check: CheckRequest,
    /// Product registry directory; `None`: the tracker's own `products/`.
    pub registry: Option<PathBuf>,
    pub allow_failures: bool,
    pub dry_run: bool,
    pub actor: String,
    pub templates: Option<PathBuf>,
    /// Where the packages are downloadable, by file name (intake knows them).
    pub downloads: BTreeMap<String, String>,
    /// URL the packages are downloadable under (file names are appended).
    pub download_url_base: Option<String>,
    pub release_notes_url: Option<String>,
    pub now: OffsetDateTime,
}

/// What happened to one distribution's submission issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing {
    /// A dry run: the plan says what would happen.
    Would,
    Created,
    Unchanged,
    Updated,
}

impl Filing {
    pub fn as_str(self) -> &'static str {
        match self {
            Filing::Would => "would",
            Filing::Created => "created",
            Filing::Unchanged => "unchanged",
            Filing::Updated => "updated",
        }
    }
}

/// One distribution's submission.
#[derive(Debug, Clone)]
pub struct Filed {
    /// The distribution's name, e.g. `CMD-OS 1`.
    pub distribution: String,
    pub title: String,
    pub filing: Filing,
    pub outcome: Outcome,
}

impl Filed {
    /// `CMD-OS 1: created #12 [CMD-OS 1] product 1.4.0`
    pub fn line(&self) -> String {
        let number = self
            .outcome
            .number
            .map(|n| format!(" #{n}"))
            .unwrap_or_default();
        format!(
            "{}: {}{number} {}",
            self.distribution,
            self.filing.as_str(),
            self.title
        )
    }
}

/// The result of one `submit`.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub product: String,
    pub report: Report,
    /// Filed per distribution; empty when the release failed its policy.
    pub filed: Vec<Filed>,
}

impl Submitted {
    /// The log of the run: each policy's verdict, then each submission.
    pub fn log(&self) -> String {
        let mut out = String::new();
        for p in &self.report.policies {
            out.push_str(&format!(
                "check: {} {} {} {} ({} errors, {} warnings)\n",
                self.product,
                self.report.tag,
                if p.passed { "passes" } else { "FAILS" },
                p.name,
                p.errors,
                p.warnings
            ));
        }
        if self.refused() {
            out.push_str(
                "not submitted: the release fails its policy; run `umd-release check` for the findings, fix them and tag again (or pass --allow-failures to file it with its findings)\n",
            );
        }
        for f in &self.filed {
            out.push_str(&f.line());
            out.push('\n');
            if f.filing == Filing::Would {
                for line in f.outcome.plan.to_string().lines() {
                    out.push_str(&format!("  {line}\n"));
                }
            } else if let Some(url) = &f.outcome.url {
                out.push_str(&format!("  {url}\n"));
            }
            for (number, author) in &f.outcome.ignored {
                out.push_str(&format!(
                    "  warning: ignored #{number}: it carries this submission's marker but was opened by {}, not by the tracker; only issues the tracker opens are submissions (close it, or ask its author why)\n",
                    crate::markdown::neutralize(author)
                ));
            }
        }
        out
    }

    /// The release failed its policy and was not filed.
    pub fn refused(&self) -> bool {
        self.filed.is_empty() && !self.report.passed
    }
}

/// Checks a release and files it, one submission per distribution.
pub fn submit_release(tracker: &dyn Tracker, req: &SubmitRequest) -> Result<Submitted> {
    let Checked {
        facts,
        policies,
        report,
    } = check(&req.check)?;
    let card = card(&facts, &req.check.repo)?;
    let templates =
        Templates::load(req.templates.as_deref()).map_err(|e| Error::Input(e.into()))?;
    let registered = registered(tracker, req.registry.as_deref(), &card.name)?;
    for p in &policies {
        registered.allows(&p.id)?;
    }
    let product = card.name.clone();
    if !report.passed && !req.allow_failures {
        return Ok(Submitted {
            product,
            report,
            filed: Vec::new(),
        });
    }
    let downloads: BTreeMap<String, String> = match &req.download_url_base {
        Some(base) => facts
            .packages
            .iter()
            .filter_map(|p| p.file.file_name())
            .map(|n| {
                let n = n.to_string_lossy().into_owned();
                (n.clone(), format!("{}/{n}", base.trim_end_matches('/')))
            })
            .collect(),
        None => req.downloads.clone(),
    };
    let comment = |c: &Change| {
        submission::change_comment(c, &templates)
            .unwrap_or_else(|e| format!("umd-release updated this submission ({e})"))
    };
    let mut filed = Vec::new();
    for (policy, preport) in policies.iter().zip(&report.policies) {
        let desired = submission::desired(
            &submission::Source {
                facts: &facts,
                policy,
                report: preport,
                download_urls: &downloads,
                release_notes_url: req.release_notes_url.as_deref(),
            },
            &templates,
        )
        .map_err(|e| Error::Input(e.into()))?;
        let outcome = submit(
            tracker,
            &req.actor,
            &desired,
            &comment,
            req.dry_run,
            req.now,
        )?;
        let filing = if req.dry_run {
            Filing::Would
        } else if outcome.created {
            Filing::Created
        } else if outcome.plan.is_empty() {
            Filing::Unchanged
        } else {
            Filing::Updated
        };
        filed.push(Filed {
            distribution: policy.name.clone(),
            title: desired.title.clone(),
            filing,
            outcome,
        });
    }
    Ok(Submitted {
        product,
        report,
        filed,
    })
}

/// What filing one distribution's submission did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub key: String,
    pub plan: Plan,
    pub created: bool,
    /// The submission issue's URL (absent in a dry run that would create it).
    pub url: Option<String>,
    pub number: Option<u64>,
    /// Issues that copy this submission's marker but were opened by someone
    /// other than the tracker (number, author): never adopted.
    pub ignored: Vec<(u64, String)>,
}

/// The issues carrying `key` that the tracker itself opened: by its key
/// label (one listing, whatever the product's history), else (labels lost in
/// a crash between create and label, removed by hand, or an issue filed
/// before key labels) by the marker in the body; the labels are then repaired.
pub fn find(tracker: &dyn Tracker, key: &Key) -> Result<Vec<Issue>, TrackerError> {
    Ok(find_all(tracker, key)?.0)
}

/// [`find`], and the issues that copy the key's marker but were opened by
/// someone else: never adopted, reported.
pub fn find_all(
    tracker: &dyn Tracker,
    key: &Key,
) -> Result<(Vec<Issue>, Vec<Issue>), TrackerError> {
    let me = tracker.identity()?;
    let split = |issues: Vec<Issue>| -> (Vec<Issue>, Vec<Issue>) {
        submission::matching(key, &issues)
            .into_iter()
            .cloned()
            .partition(|i| super::opened_by_tracker(i, me.as_deref()))
    };
    let (found, foreign) = split(tracker.list_issues(Some(&key.key_label()), false)?);
    if !found.is_empty() {
        return Ok((found, foreign));
    }
    let (found, mut searched) = split(tracker.search_issues(&key.marker())?);
    searched.extend(foreign);
    searched.sort_by_key(|i| i.number);
    searched.dedup_by_key(|i| i.number);
    Ok((found, searched))
}

/// Closes the open duplicates among `issues` (one key's, lowest first),
/// keeping the lowest; reads the comments it needs to say each thing once.
pub(crate) fn converge(tracker: &dyn Tracker, issues: &[Issue]) -> Result<Plan, TrackerError> {
    let open: Vec<&Issue> = issues.iter().filter(|i| i.open).collect();
    if open.len() < 2 {
        return Ok(Plan::default());
    }
    // People's comments are linked from the survivor; only the tracker's
    // own say that a duplicate was already announced.
    let mut comments = BTreeMap::new();
    for i in &open {
        comments.insert(i.number, tracker.list_comments(i.number)?);
    }
    let me = tracker.identity()?;
    let tool = |login: &str| super::is_tracker(login, me.as_deref());
    let refs: Vec<&Issue> = issues.iter().collect();
    Ok(submission::dedupe(&refs, &comments, &super::is_bot, &tool))
}

/// Files one desired submission: plan from what exists, apply, and converge
/// if another run created the same submission meanwhile, or an earlier run
/// left a duplicate open.
pub fn submit(
    tracker: &dyn Tracker,
    actor: &str,
    desired: &Desired,
    comment: &dyn Fn(&Change) -> String,
    dry_run: bool,
    now: OffsetDateTime,
) -> Result<Outcome, TrackerError> {
    let (existing, foreign) = find_all(tracker, &desired.key)?;
    let refs: Vec<&Issue> = existing.iter().collect();
    let mut plan = submission::plan(desired, &refs, actor, now, comment);
    let repair = converge(tracker, &existing)?;
    plan.extend(repair);
    let keep = existing.iter().find(|i| i.open).or(existing.first());
    let mut outcome = Outcome {
        key: desired.key.id(),
        created: existing.is_empty(),
        url: keep.map(|i| i.url.clone()),
        number: keep.map(|i| i.number),
        plan,
        ignored: foreign
            .iter()
            .map(|i| (i.number, i.author.clone()))
            .collect(),
    };
    if dry_run {
        let number = outcome.number.map_or(IssueRef::Created, IssueRef::Existing);
        let plan = supersede_plan(tracker, desired, number)?;
        outcome.plan.extend(plan);
        return Ok(outcome);
    }
    let applied = apply(tracker, actor, &outcome.plan)?;
    if let Some(created) = applied.created {
        // Another run may have created the same submission meanwhile: both now
        // see both issues and agree on the lowest number.
        let all = find(tracker, &desired.key)?;
        let keep = all.iter().find(|i| i.open).unwrap_or(&created);
        outcome.url = Some(keep.url.clone());
        outcome.number = Some(keep.number);
        outcome.created = keep.number == created.number;
        // Close only the issue this run created: the other racer closes its
        // own, and a racer that failed is repaired by the next run of anything.
        let mine = IssueRef::Existing(created.number);
        let own: Vec<_> = converge(tracker, &all)?
            .actions
            .into_iter()
            .filter(|a| {
                matches!(a, Action::Comment { number, .. } | Action::AddLabels { number, .. } | Action::UpdateIssue { number, .. } if *number == mine)
            })
            .collect();
        if !own.is_empty() {
            let plan = Plan { actions: own };
            apply(tracker, actor, &plan)?;
            outcome.plan.extend(plan);
        }
    }
    if let Some(number) = outcome.number {
        let plan = supersede_plan(tracker, desired, IssueRef::Existing(number))?;
        apply(tracker, actor, &plan)?;
        outcome.plan.extend(plan);
    }
    Ok(outcome)
}

/// Closes (or flags) the older open submissions of the product in the same
/// distribution: one listing of the product's open issues.
fn supersede_plan(
    tracker: &dyn Tracker,
    desired: &Desired,
    number: IssueRef,
) -> Result<Plan, TrackerError> {
    let me = tracker.identity()?;
    let open = tracker.list_issues(Some(&desired.key.product_label()), true)?;
    let others: Vec<(&Issue, submission::State)> = open
        .iter()
        .filter(|i| super::opened_by_tracker(i, me.as_deref()))
        .filter_map(|i| submission::parse(&i.body).map(|b| (i, super::state_of(i, &b))))
        .collect();
    Ok(submission::supersede(
        &desired.key,
        number,
        &others,
        desired.supersede_in_staged_rollout,
    ))
}
