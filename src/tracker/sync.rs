//! Filing a submission: find the issue by its key, plan, apply, and converge if
//! two runs raced. The decisions are in [`crate::submission`]; this is the I/O.

use serde::Serialize;
use time::OffsetDateTime;

use super::{Issue, Tracker, TrackerError, apply};
use crate::pipeline::Stage;
use crate::plan::Plan;
use crate::policy::registry::{self, RegisteredProduct, RegistryError};
use crate::submission::{self, Change, Desired, Key};

/// The result of one `submit`.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub key: String,
    pub plan: Plan,
    pub created: bool,
    /// The submission issue's URL (absent in a dry run that would create it).
    pub url: Option<String>,
    pub number: Option<u64>,
}

/// The issues carrying `key`: by the product label, else (labels lost in a crash
/// between create and label, or removed by hand) by the marker in the body.
pub fn find(tracker: &dyn Tracker, key: &Key) -> Result<Vec<Issue>, TrackerError> {
    let labelled = tracker.list_issues(Some(&key.product_label()), false)?;
    let found: Vec<Issue> = submission::matching(key, &labelled)
        .into_iter()
        .cloned()
        .collect();
    if !found.is_empty() {
        return Ok(found);
    }
    let searched = tracker.search_issues(&key.marker())?;
    Ok(submission::matching(key, &searched)
        .into_iter()
        .cloned()
        .collect())
}

pub fn submit(
    tracker: &dyn Tracker,
    actor: &str,
    desired: &Desired,
    comment: &dyn Fn(&Change) -> String,
    dry_run: bool,
    now: OffsetDateTime,
) -> Result<Outcome, TrackerError> {
    let existing = find(tracker, &desired.key)?;
    let refs: Vec<&Issue> = existing.iter().collect();
    let plan = submission::plan(desired, &refs, actor, now, comment);
    let mut outcome = Outcome {
        key: desired.key.id(),
        created: existing.is_empty(),
        url: existing.first().map(|i| i.url.clone()),
        number: existing.first().map(|i| i.number),
        plan,
    };
    if dry_run {
        return Ok(outcome);
    }
    let applied = apply(tracker, actor, &outcome.plan)?;
    if let Some(created) = applied.created {
        // Another run may have created the same submission meanwhile: both now
        // see both issues and agree on the lowest number.
        let all = find(tracker, &desired.key)?;
        let refs: Vec<&Issue> = all.iter().collect();
        let dedupe = submission::dedupe(&refs);
        let keep = refs.iter().find(|i| i.open).copied().unwrap_or(&created);
        outcome.url = Some(keep.url.clone());
        outcome.number = Some(keep.number);
        outcome.created = keep.number == created.number;
        // Close only the issue this run created: the other racer closes its own.
        let mine = crate::plan::IssueRef::Existing(created.number);
        let own: Vec<_> = dedupe
            .actions
            .into_iter()
            .filter(|a| matches!(a, crate::plan::Action::Comment { number, .. } | crate::plan::Action::AddLabels { number, .. } | crate::plan::Action::UpdateIssue { number, .. } if *number == mine))
            .collect();
        if !own.is_empty() {
            let plan = Plan { actions: own };
            apply(tracker, actor, &plan)?;
            outcome.plan.extend(plan);
        }
    }
    Ok(outcome)
}

/// Reads `products/<name>.yaml` from a registry directory or the tracker itself.
pub fn registered(
    tracker: &dyn Tracker,
    registry_dir: Option<&std::path::Path>,
    product: &str,
) -> Result<RegisteredProduct, SyncError> {
    let where_ = match registry_dir {
        Some(d) => d.display().to_string(),
        None => format!("{}, products/", tracker.describe()),
    };
    let not_registered = || {
        SyncError::Registry(RegistryError::NotRegistered {
            product: product.to_string(),
            where_: where_.clone(),
        })
    };
    let Some(rel) = registry::file_name(product) else {
        return Err(not_registered());
    };
    let text = match registry_dir {
        Some(dir) => {
            let path = dir.join(rel.trim_start_matches("products/"));
            match std::fs::read_to_string(&path) {
                Ok(t) => Some(t),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(source) => return Err(SyncError::Tracker(TrackerError::Io { path, source })),
            }
        }
        None => tracker.read_file(&rel)?,
    };
    let text = text.ok_or_else(not_registered)?;
    let entry =
        RegisteredProduct::parse(std::path::Path::new(&rel), &text).map_err(RegistryError::from)?;
    if entry.name != product {
        return Err(not_registered());
    }
    Ok(entry)
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Tracker(#[from] TrackerError),
}

/// One line of `status`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusRow {
    pub product: String,
    pub version: String,
    pub distribution: String,
    pub stage: Stage,
    pub delayed: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    pub open: bool,
    pub number: u64,
    pub url: String,
}

/// Every submission in the tracker, from one listing.
pub fn status(tracker: &dyn Tracker) -> Result<Vec<StatusRow>, TrackerError> {
    let issues = tracker.list_issues(None, false)?;
    let mut rows: Vec<StatusRow> = issues
        .iter()
        .filter_map(|i| {
            let body = submission::parse(&i.body)?;
            // The label is what people see and move; the history says since when.
            let stage = i
                .labels
                .iter()
                .find_map(|l| Stage::from_label(l))
                .or(body.state.as_ref().map(|s| s.stage()))?;
            let since = body
                .state
                .as_ref()
                .and_then(|s| {
                    s.history
                        .iter()
                        .rev()
                        .find(|t| t.stage == stage)
                        .map(|t| t.at)
                })
                .unwrap_or(i.created_at);
            Some(StatusRow {
                product: body.key.product,
                version: body.key.version,
                distribution: body.key.dist,
                stage,
                delayed: i.labels.iter().any(|l| l == crate::pipeline::DELAYED_LABEL),
                since,
                open: i.open,
                number: i.number,
                url: i.url.clone(),
            })
        })
        .filter(|r| r.open || r.stage == Stage::Released || r.stage == Stage::Rejected)
        .collect();
    rows.sort_by(|a, b| {
        (&a.product, &a.version, &a.distribution).cmp(&(&b.product, &b.version, &b.distribution))
    });
    Ok(rows)
}

/// Labels the pipeline uses, for `init`.
pub fn pipeline_labels(policies: &[crate::policy::Policy]) -> Vec<super::Label> {
    let mut out: Vec<super::Label> = Stage::ALL
        .iter()
        .map(|s| super::Label {
            name: s.label(),
            color: s.color().into(),
            description: s.description().into(),
        })
        .collect();
    let extra = [
        (
            crate::pipeline::DELAYED_LABEL,
            "d93f0b",
            "Past the stage's deadline; the Technology Provider was told",
        ),
        (
            "duplicate",
            "cfd3d7",
            "A second issue for a submission that already has one",
        ),
        (
            "submission-request",
            "fbca04",
            "A submission filed through the issue form, waiting to be turned into a submission",
        ),
        (
            "announcement",
            "0052cc",
            "A distribution release announcement",
        ),
    ];
    out.extend(extra.iter().map(|(n, c, d)| super::Label {
        name: (*n).into(),
        color: (*c).into(),
        description: (*d).into(),
    }));
    out.extend(policies.iter().map(|p| super::Label {
        name: format!("dist:{}", p.id),
        color: "c5def5".into(),
        description: format!("Submitted to {}", p.name),
    }));
    out
}

/// Handles a label change on issue `number` by `actor`: decides from the
/// recorded stage and the labels as they are now, then applies the plan.
/// Issues that are not submissions are left alone.
pub fn track_labels(
    tracker: &dyn Tracker,
    number: u64,
    actor: &str,
    roles: &[String],
    transitions: &[crate::pipeline::transition::Transition],
    now: OffsetDateTime,
) -> Result<Option<crate::pipeline::transition::Decision>, TrackerError> {
    let issue = tracker.get_issue(number)?;
    let Some(body) = submission::parse(&issue.body) else {
        return Ok(None);
    };
    let labels: Vec<Stage> = issue
        .labels
        .iter()
        .filter_map(|l| Stage::from_label(l))
        .collect();
    let current = body
        .state
        .as_ref()
        .map(|s| s.stage())
        .unwrap_or(Stage::Unverified);
    let decision = crate::pipeline::transition::decide(transitions, current, &labels, actor, roles);
    let plan = submission::plan_stage(&issue, &decision, actor, now);
    // The tool's own changes come back as events: they find labels and history agreeing.
    apply(tracker, "umd-release", &plan)?;
    Ok(Some(decision))
}
