//! Where every submission stands: `status`, the dashboard's rows, and the
//! labels `init` creates.

use serde::Serialize;
use time::OffsetDateTime;

use super::apply::apply_unless;
use super::{Result, policy_of};
use crate::issue::Label;
use crate::pipeline::Stage;
use crate::plan::{Action, Plan};
use crate::policy::tracker_config::TrackerConfig;
use crate::submission;
use crate::tracker::Tracker;

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
    /// The release passed its policy check when submitted.
    pub passed: bool,
    /// With `explain`: what an open submission waits for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting: Option<Vec<String>>,
    /// With `explain`: the current stage's deadline.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub deadline: Option<OffsetDateTime>,
}

/// What `status --explain` needs to say what submissions wait for.
pub struct Explain<'a> {
    pub config: &'a TrackerConfig,
    pub policies: &'a [crate::policy::Policy],
    pub now: OffsetDateTime,
}

/// Every submission in the tracker, from one listing.
pub fn status(tracker: &dyn Tracker, explain: Option<&Explain>) -> Result<Vec<StatusRow>> {
    let issues = super::tracker_issues(tracker, tracker.list_issues(None, false)?)?;
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
            let mut waiting = None;
            let mut deadline = None;
            if let Some(x) = explain
                && let Some(state) = &body.state
                && let Some(policy) = policy_of(&body.key, x.policies)
                && i.open
            {
                waiting = Some(crate::pipeline::sweep::waiting_for(
                    state, &policy, x.config, x.now,
                ));
                deadline = crate::pipeline::sweep::stage_deadline(state, &policy).map(|(_, d)| d);
            }
            Some(StatusRow {
                passed: body.state.as_ref().is_none_or(|s| s.passed),
                waiting,
                deadline,
                product: body.key.product,
                version: body.key.version,
                distribution: body.key.dist,
                stage,
                delayed: i.labels.iter().any(|l| l == crate::labels::DELAYED),
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
pub fn pipeline_labels(policies: &[crate::policy::Policy]) -> Vec<Label> {
    let mut out: Vec<Label> = Stage::ALL
        .iter()
        .map(|s| Label {
            name: s.label(),
            color: s.color().into(),
            description: s.description().into(),
        })
        .collect();
    out.extend(crate::labels::FLAGS.iter().map(|(n, c, d)| Label {
        name: (*n).into(),
        color: (*c).into(),
        description: (*d).into(),
    }));
    out.extend(policies.iter().map(|p| Label {
        name: crate::labels::dist(&p.id),
        color: "c5def5".into(),
        description: format!("Submitted to {}", p.name),
    }));
    out
}

/// `init`: every label the pipeline uses, created or brought in line.
/// Returns the plan and the labels that changed (none in a dry run).
pub fn init(tracker: &dyn Tracker, dry_run: bool) -> Result<(Plan, Vec<String>)> {
    let plan = Plan {
        actions: pipeline_labels(&crate::policy::Policy::all_builtin())
            .into_iter()
            .map(Action::EnsureLabel)
            .collect(),
    };
    if dry_run {
        let (plan, _) = apply_unless(true, tracker, crate::labels::TOOL_LOGIN, plan)?;
        return Ok((plan, Vec::new()));
    }
    // Label by label, to say which changed (ensure_label tells).
    let mut changed = Vec::new();
    for action in &plan.actions {
        if let Action::EnsureLabel(l) = action
            && tracker.ensure_label(l)?
        {
            changed.push(l.name.clone());
        }
    }
    Ok((plan, changed))
}

/// The dashboard's files (index.html, style.css, app.js) and its row count.
pub fn dashboard(
    tracker: &dyn Tracker,
    rules: &super::Rules,
    now: OffsetDateTime,
) -> Result<(usize, Vec<(String, String)>)> {
    let issues = super::tracker_issues(tracker, tracker.list_issues(None, false)?)?;
    let rows = crate::dashboard::rows(&issues, &rules.policies, &rules.config, now);
    let files = crate::dashboard::render(&rows, &tracker.describe(), now);
    Ok((rows.len(), files))
}
