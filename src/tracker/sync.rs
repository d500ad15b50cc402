//! Filing a submission: find the issue by its key, plan, apply, and converge if
//! two runs raced. The decisions are in [`crate::submission`]; this is the I/O.

use serde::Serialize;
use time::OffsetDateTime;

use super::{Issue, Tracker, TrackerError, apply};
use crate::pipeline::Stage;
use crate::pipeline::effect::Effect;
use crate::pipeline::transition::Decision;
use crate::plan::Plan;
use crate::policy::registry::{self, RegisteredProduct, RegistryError};
use crate::policy::tracker_config::TrackerConfig;
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
pub fn status(
    tracker: &dyn Tracker,
    explain: Option<&Explain>,
) -> Result<Vec<StatusRow>, TrackerError> {
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
    out.extend(crate::labels::FLAGS.iter().map(|(n, c, d)| super::Label {
        name: (*n).into(),
        color: (*c).into(),
        description: (*d).into(),
    }));
    out.extend(policies.iter().map(|p| super::Label {
        name: crate::labels::dist(&p.id),
        color: "c5def5".into(),
        description: format!("Submitted to {}", p.name),
    }));
    out
}

/// The policy that governs a submission: the built-in one its key names, or
/// one given with `--policy` by id.
pub fn policy_of<'a>(
    key: &Key,
    given: &'a [crate::policy::Policy],
) -> Option<std::borrow::Cow<'a, crate::policy::Policy>> {
    use std::borrow::Cow;
    given
        .iter()
        .find(|p| p.id == key.dist)
        .map(Cow::Borrowed)
        .or_else(|| crate::policy::Policy::builtin(&key.dist).map(Cow::Owned))
}

/// Carries out an [`Effect`] on a submission issue: labels, comments, then the
/// status comment and the state. The body is written last, so a run cut short
/// is redone by the next event or sweep.
pub fn carry_out(
    tracker: &dyn Tracker,
    issue: &Issue,
    fx: &Effect,
    policy: &crate::policy::Policy,
    config: &TrackerConfig,
    now: OffsetDateTime,
) -> Result<(), TrackerError> {
    const ME: &str = crate::labels::TOOL_LOGIN;
    let n = issue.number;
    for label in &fx.remove_labels {
        match tracker.remove_label(ME, n, label) {
            Ok(_) | Err(TrackerError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    if !fx.add_labels.is_empty() {
        tracker.add_labels(ME, n, &fx.add_labels)?;
    }
    for c in &fx.comments {
        tracker.create_comment(ME, n, c)?;
    }
    let Some(body) = submission::parse(&issue.body) else {
        return Ok(());
    };
    let old = body.state.clone().unwrap_or_default();
    let mut state = fx.state.clone();
    if state != old {
        let text = crate::pipeline::sweep::status_text(&state, policy, config, now);
        let edited = match state.status_comment {
            Some(id) => match tracker.update_comment(ME, n, id, &text) {
                Ok(_) => true,
                // Deleted by hand: post a new one.
                Err(TrackerError::NotFound { .. }) => false,
                Err(e) => return Err(e),
            },
            None => false,
        };
        if !edited {
            state.status_comment = Some(tracker.create_comment(ME, n, &text)?.id);
        }
    }
    let new_body = submission::compose(&body.key, &body.generated, &state, &body.outside);
    let close = fx.close && issue.open;
    if new_body != issue.body || close {
        tracker.update_issue(
            ME,
            n,
            None,
            (new_body != issue.body).then_some(new_body.as_str()),
            close.then_some(false),
        )?;
    }
    Ok(())
}

/// What handling one label event did.
#[derive(Debug, Clone)]
pub struct Handled {
    pub key: Key,
    pub decision: Decision,
    pub effect: Effect,
}

/// Handles a label change on issue `number` by `actor`: decides from the
/// recorded stage and the labels as they are now, then carries it out.
/// Issues that are not submissions are left alone (`None`).
#[allow(clippy::too_many_arguments)]
pub fn track_labels(
    tracker: &dyn Tracker,
    number: u64,
    actor: &str,
    policies: &[crate::policy::Policy],
    config: &TrackerConfig,
    reason: Option<&str>,
    now: OffsetDateTime,
) -> Result<Option<Handled>, TrackerError> {
    let issue = tracker.get_issue(number)?;
    let Some(body) = submission::parse(&issue.body) else {
        return Ok(None);
    };
    let Some(policy) = policy_of(&body.key, policies) else {
        return Err(unknown_policy(&body.key));
    };
    let state = state_of(&issue, &body);
    // The tool's own changes come back as events: they find labels and history agreeing.
    let on: Vec<Stage> = issue
        .labels
        .iter()
        .filter_map(|l| Stage::from_label(l))
        .collect();
    let roles = if on.iter().any(|s| *s != state.stage()) {
        super::roles::roles_of(tracker, config, actor)?
    } else {
        Vec::new()
    };
    let (decision, fx) = crate::pipeline::effect::on_labels(
        &issue.labels,
        &state,
        &policy,
        config,
        actor,
        &roles,
        reason,
        now,
    );
    if !fx.is_empty() || fx.state != state {
        carry_out(tracker, &issue, &fx, &policy, config, now)?;
    }
    Ok(Some(Handled {
        key: body.key,
        decision,
        effect: fx,
    }))
}

fn unknown_policy(key: &Key) -> TrackerError {
    TrackerError::Invalid {
        message: format!(
            "the submission {} names the distribution `{}`, which is not a built-in policy; give its policy file with --policy",
            key.id(),
            key.dist
        ),
    }
}

/// The recorded state, or one rebuilt from the labels if the block was damaged.
fn state_of(issue: &Issue, body: &submission::Body) -> submission::State {
    body.state.clone().unwrap_or_else(|| submission::State {
        key: body.key.clone(),
        history: vec![submission::Transition {
            stage: issue
                .labels
                .iter()
                .find_map(|l| Stage::from_label(l))
                .unwrap_or(Stage::Unverified),
            at: issue.created_at,
            actor: issue.author.clone(),
        }],
        ..submission::State::default()
    })
}

/// What handling one comment did: each command's outcome.
#[derive(Debug, Clone)]
pub struct Commented {
    pub key: Key,
    pub outcomes: Vec<crate::pipeline::rollout::Outcome>,
}

/// Handles a comment on issue `number` by `author`: Early Adopter answers and
/// reports, and waivers. A comment without a command costs no request.
#[allow(clippy::too_many_arguments)]
pub fn track_comment(
    tracker: &dyn Tracker,
    number: u64,
    author: &str,
    text: &str,
    policies: &[crate::policy::Policy],
    config: &TrackerConfig,
    now: OffsetDateTime,
) -> Result<Option<Commented>, TrackerError> {
    use crate::pipeline::rollout::{Context, Outcome, apply, commands};
    let cmds = commands(text);
    if cmds.is_empty() {
        return Ok(None);
    }
    let issue = tracker.get_issue(number)?;
    let Some(body) = submission::parse(&issue.body) else {
        return Ok(None);
    };
    let Some(policy) = policy_of(&body.key, policies) else {
        return Err(unknown_policy(&body.key));
    };
    let before = state_of(&issue, &body);
    let mut state = before.clone();
    let roles = if cmds
        .iter()
        .any(|c| matches!(c, crate::pipeline::rollout::Command::Waive { .. }))
    {
        super::roles::roles_of(tracker, config, author)?
    } else {
        Vec::new()
    };
    let cx = Context {
        config,
        transitions: &policy.pipeline.transitions,
        actor: author,
        roles: &roles,
        now,
    };
    let outcomes: Vec<Outcome> = cmds.iter().map(|c| apply(&mut state, c, &cx)).collect();
    let refused: Vec<String> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Refused(why) => Some(format!("- {}", submission::neutralize(why))),
            Outcome::Recorded(_) => None,
        })
        .collect();
    let mut fx = Effect::unchanged(&state);
    if !refused.is_empty() {
        fx.comments.push(format!(
            "umd-release could not record everything in that comment:\n\n{}",
            refused.join("\n")
        ));
    }
    if !fx.is_empty() || state != before {
        carry_out(tracker, &issue, &fx, &policy, config, now)?;
    }
    Ok(Some(Commented {
        key: body.key,
        outcomes,
    }))
}

/// What a sweep did to one submission.
#[derive(Debug, Clone, Serialize)]
pub struct Swept {
    pub number: u64,
    pub key: String,
    pub notes: Vec<String>,
}

/// Applies the deadlines to every open submission: one listing (a page of 100
/// at a time), decisions from each issue's recorded state, requests only for
/// the submissions that change. A second sweep finds nothing to do.
pub fn sweep(
    tracker: &dyn Tracker,
    policies: &[crate::policy::Policy],
    config: &TrackerConfig,
    dry_run: bool,
    now: OffsetDateTime,
) -> Result<Vec<Swept>, TrackerError> {
    let mut out = Vec::new();
    for issue in tracker.list_issues(None, true)? {
        if issue
            .labels
            .iter()
            .any(|l| l == crate::announce::REVIEW_LABEL)
        {
            out.extend(sweep_review(tracker, &issue, policies, dry_run, now)?);
            continue;
        }
        if issue
            .labels
            .iter()
            .any(|l| l == crate::request::REQUEST_LABEL)
        {
            // Which distribution the request names decides the deadline; all agree by default.
            let deadlines =
                crate::request::parse(&issue.body, &crate::policy::Policy::all_builtin())
                    .ok()
                    .and_then(|r| {
                        policy_of(
                            &Key {
                                dist: r.distribution,
                                ..Key::default()
                            },
                            policies,
                        )
                    })
                    .map(|p| p.pipeline.deadlines.clone())
                    .unwrap_or_default();
            if let Some(text) = crate::pipeline::sweep::request_overdue(
                issue.created_at,
                &issue.author,
                &issue.labels,
                &deadlines,
                now,
            ) {
                if !dry_run {
                    tracker.add_labels(
                        crate::labels::TOOL_LOGIN,
                        issue.number,
                        &[crate::pipeline::DELAYED_LABEL.into()],
                    )?;
                    tracker.create_comment(crate::labels::TOOL_LOGIN, issue.number, &text)?;
                }
                out.push(Swept {
                    number: issue.number,
                    key: format!("request #{}", issue.number),
                    notes: vec![
                        "Delayed: the request was not filed within the injection deadline".into(),
                    ],
                });
            }
            continue;
        }
        let Some(body) = submission::parse(&issue.body) else {
            continue;
        };
        let Some(policy) = policy_of(&body.key, policies) else {
            out.push(Swept {
                number: issue.number,
                key: body.key.id(),
                notes: vec![format!("skipped: {}", unknown_policy(&body.key))],
            });
            continue;
        };
        let state = state_of(&issue, &body);
        let fx = crate::pipeline::sweep::sweep(&issue.labels, &state, &policy, config, now);
        if fx.is_empty() && fx.state == state {
            continue;
        }
        if !dry_run {
            carry_out(tracker, &issue, &fx, &policy, config, now)?;
        }
        out.push(Swept {
            number: issue.number,
            key: body.key.id(),
            notes: fx.notes,
        });
    }
    Ok(out)
}

/// The announcement issue of a distribution release and its record, if any.
pub fn find_release(
    tracker: &dyn Tracker,
    key: &crate::announce::ReleaseKey,
) -> Result<Option<(Issue, crate::announce::Record)>, TrackerError> {
    use crate::announce::{ANNOUNCEMENT_LABEL, Record, parse};
    for issue in tracker.list_issues(Some(ANNOUNCEMENT_LABEL), false)? {
        if let Some((k, record)) = parse::<Record>(&issue.body, "announcement")
            && &k == key
        {
            return Ok(Some((issue, record)));
        }
    }
    Ok(None)
}

/// Creates the announcement issue or brings it up to date; returns the issue
/// and whether it changed (`None`: created).
pub fn file_announcement(
    tracker: &dyn Tracker,
    existing: Option<&Issue>,
    title: &str,
    body: &str,
    dist: &str,
) -> Result<(Issue, Option<bool>), TrackerError> {
    const ME: &str = crate::labels::TOOL_LOGIN;
    match existing {
        None => {
            let labels = [
                crate::announce::ANNOUNCEMENT_LABEL.to_string(),
                crate::labels::dist(dist),
            ];
            Ok((tracker.create_issue(ME, title, body, &labels)?, None))
        }
        Some(i) if i.body == body && i.title == title => Ok((i.clone(), Some(false))),
        Some(i) => {
            let issue = tracker.update_issue(
                ME,
                i.number,
                (i.title != title).then_some(title),
                (i.body != body).then_some(body),
                None,
            )?;
            Ok((issue, Some(true)))
        }
    }
}

/// Applies the review deadlines to an open review issue (from `sweep`).
fn sweep_review(
    tracker: &dyn Tracker,
    issue: &Issue,
    policies: &[crate::policy::Policy],
    dry_run: bool,
    now: OffsetDateTime,
) -> Result<Option<Swept>, TrackerError> {
    use crate::announce::{Review, ReviewStep, parse, review_step, with_record};
    let Some((key, mut review)) = parse::<Review>(&issue.body, "review") else {
        return Ok(None);
    };
    if now <= review.due {
        return Ok(None);
    }
    let days = policy_of(
        &Key {
            dist: key.dist.clone(),
            ..Key::default()
        },
        policies,
    )
    .map(|p| p.pipeline.deadlines.review_days)
    .unwrap_or(7);
    // Answered: someone other than the tool, which opened the issue, commented.
    let answered = tracker
        .list_comments(issue.number)?
        .iter()
        .any(|c| c.author != issue.author);
    let step = review_step(&review, answered, days, now);
    let note = match &step {
        ReviewStep::Nothing => return Ok(None),
        ReviewStep::Remind(_) => "review reminded",
        ReviewStep::Close(_) => "review closed as unanswered",
    };
    if !dry_run {
        match step {
            ReviewStep::Remind(text) => {
                tracker.create_comment(crate::labels::TOOL_LOGIN, issue.number, &text)?;
                review.reminded = true;
                let body = with_record(&issue.body, &key, "review", &review);
                tracker.update_issue(
                    crate::labels::TOOL_LOGIN,
                    issue.number,
                    None,
                    Some(&body),
                    None,
                )?;
            }
            ReviewStep::Close(text) => {
                tracker.create_comment(crate::labels::TOOL_LOGIN, issue.number, &text)?;
                tracker.add_labels(
                    crate::labels::TOOL_LOGIN,
                    issue.number,
                    &[crate::labels::UNANSWERED.into()],
                )?;
                tracker.update_issue(
                    crate::labels::TOOL_LOGIN,
                    issue.number,
                    None,
                    None,
                    Some(false),
                )?;
            }
            ReviewStep::Nothing => {}
        }
    }
    Ok(Some(Swept {
        number: issue.number,
        key: format!("review {}/{}", key.dist, key.version),
        notes: vec![note.into()],
    }))
}
