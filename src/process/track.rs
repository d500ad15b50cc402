//! Tracking a submission: a label change moves it through the pipeline, a
//! comment carries Early Adopter answers, reports and waivers. The decisions
//! are [`crate::pipeline`]'s; this reads the issue and applies their plan.

use std::borrow::Cow;

use time::OffsetDateTime;

use super::apply::apply_unless;
use super::{Result, Rules, unknown_policy};
use crate::issue::Issue;
use crate::labels::TOOL_LOGIN;
use crate::pipeline::Stage;
use crate::pipeline::effect::Effect;
use crate::pipeline::rollout::{self, Command, Context, Outcome};
use crate::pipeline::transition::Decision;
use crate::plan::{Action, IssueRef, Plan};
use crate::policy::Policy;
use crate::policy::tracker_config::TrackerConfig;
use crate::submission::{self, Body, Key, State};
use crate::tracker::{Tracker, TrackerError};

/// The label changes and comments of an effect, and the status comment when
/// the state changed.
fn effect_plan(
    issue: &Issue,
    fx: &Effect,
    old: Option<&State>,
    policy: &Policy,
    config: &TrackerConfig,
    now: OffsetDateTime,
) -> Plan {
    let number = IssueRef::Existing(issue.number);
    let mut plan = Plan::default();
    for label in &fx.remove_labels {
        plan.push(Action::RemoveLabel {
            number,
            label: label.clone(),
        });
    }
    if !fx.add_labels.is_empty() {
        plan.push(Action::AddLabels {
            number,
            labels: fx.add_labels.clone(),
        });
    }
    // Keyed by the stage entry (and the comment being handled) they belong
    // to: a run repairing a failure after a notice does not post it again.
    let entry = fx.state.history.last().map(|t| t.at.unix_timestamp());
    for (i, c) in fx.comments.iter().enumerate() {
        let material = format!(
            "#{} {entry:?} {:?} {c}",
            issue.number,
            fx.state.handled.last()
        );
        let body = crate::plan::once(c, &material);
        // The e-mail of a notice goes right before its comment, under the
        // comment's key: see `Action::Mail`.
        for m in fx.mails.iter().filter(|m| m.comment == i) {
            let text = format!("{}\n\n{}\n", crate::mail::plain(c), mail_footer(issue));
            plan.push(Action::Mail {
                number,
                key: crate::plan::once_key(&body).unwrap_or_default().to_string(),
                to: m.to.clone(),
                subject: m.subject.clone(),
                html: crate::mail::html(&text),
                text,
                record: None,
            });
        }
        plan.push(Action::Comment { number, body });
    }
    if let Some(old) = old
        && &fx.state != old
    {
        plan.push(Action::StatusComment {
            number,
            id: fx.state.status_comment,
            body: crate::pipeline::sweep::status_text(&fx.state, policy, config, now),
        });
    }
    plan
}

/// Where a notice e-mail points to: the submission issue.
fn mail_footer(issue: &Issue) -> String {
    if issue.url.is_empty() {
        format!("The submission is issue #{}.", issue.number)
    } else {
        format!("The submission: {}", issue.url)
    }
}

/// The body with the new state, and closing the issue if the effect does.
fn body_plan(issue: &Issue, body: &Body, state: &State, close: bool) -> Plan {
    let new_body = submission::compose(&body.key, &body.generated, state, &body.outside);
    let close = close && issue.open;
    let mut plan = Plan::default();
    if new_body != issue.body || close {
        plan.push(Action::UpdateIssue {
            number: IssueRef::Existing(issue.number),
            title: None,
            body: (new_body != issue.body).then_some(new_body),
            open: close.then_some(false),
        });
    }
    plan
}

/// Carries out an [`Effect`] on a submission issue: labels, comments, then the
/// status comment and the state. The body is written last, so a run cut short
/// is redone by the next event or sweep. Returns what it did (or would do).
pub fn carry_out(
    tracker: &dyn Tracker,
    issue: &Issue,
    fx: &Effect,
    policy: &Policy,
    config: &TrackerConfig,
    now: OffsetDateTime,
    dry_run: bool,
) -> Result<Plan, TrackerError> {
    let body = submission::parse(&issue.body);
    let old = body.as_ref().map(|b| b.state.clone().unwrap_or_default());
    let first = effect_plan(issue, fx, old.as_ref(), policy, config, now);
    let (mut plan, applied) = apply_unless(dry_run, tracker, TOOL_LOGIN, first)?;
    let Some(body) = body else {
        return Ok(plan);
    };
    let mut state = fx.state.clone();
    if let Some(id) = applied.status_comment {
        state.status_comment = Some(id);
    }
    let (second, _) = apply_unless(
        dry_run,
        tracker,
        TOOL_LOGIN,
        body_plan(issue, &body, &state, fx.close),
    )?;
    plan.extend(second);
    Ok(plan)
}

/// `roles` and, for a staged-rollout manager of the submission's middleware
/// stack (`stack_managers` in tracker.yaml), the role that finishes staged
/// rollout in this policy.
fn with_stack_role(
    mut roles: Vec<String>,
    config: &TrackerConfig,
    actor: &str,
    state: &State,
    policy: &Policy,
) -> Vec<String> {
    if config.manages_stack(actor, &state.key.dist, state.stack.as_deref()) {
        for t in policy
            .pipeline
            .transitions
            .iter()
            .filter(|t| t.from == Stage::StagedRollout && t.to == Stage::ReadyForRelease)
        {
            if !roles.contains(&t.role) {
                roles.push(t.role.clone());
            }
        }
    }
    roles
}

/// A submission as [`submission_of`] reads it.
struct Read<'r> {
    body: Body,
    policy: Cow<'r, Policy>,
    /// The recorded state, as the forge's label events bear it out.
    state: State,
    /// The steps of the state block the forge does not record (it was rebuilt).
    rebuilt: Vec<String>,
}

/// The submission an issue holds: its body, the policy that governs it and
/// its recorded state checked against the label events; `None` for an issue
/// that is not a submission. An issue someone else opened is never a
/// submission, whatever its body says.
fn submission_of<'r>(
    tracker: &dyn Tracker,
    issue: &Issue,
    rules: &'r Rules,
) -> Result<Option<Read<'r>>> {
    let Some(body) = submission::parse(&issue.body) else {
        return Ok(None);
    };
    if !super::opened_by_tracker(issue, tracker.identity()?.as_deref()) {
        return Ok(None);
    }
    let Some(policy) = rules.policy_of(&body.key) else {
        return Err(unknown_policy(&body.key).into());
    };
    let (state, rebuilt) = super::checked_state(tracker, issue, &body)?;
    Ok(Some(Read {
        body,
        policy,
        state,
        rebuilt,
    }))
}

/// What handling one label change did.
#[derive(Debug, Clone)]
pub struct Handled {
    pub number: u64,
    pub key: Key,
    pub decision: Decision,
    pub effect: Effect,
    /// What was done (or, in a dry run, would be).
    pub plan: Plan,
    /// The state block's steps the forge does not record: it was rebuilt.
    pub rebuilt: Vec<String>,
}

/// Handles a label change on `issue` by `actor`: decides from the recorded
/// stage and the labels as they are now, then carries it out. Issues that are
/// not submissions are left alone (`None`).
pub fn labels_changed(
    tracker: &dyn Tracker,
    issue: &Issue,
    actor: &str,
    rules: &Rules,
    reason: Option<&str>,
    now: OffsetDateTime,
    dry_run: bool,
) -> Result<Option<Handled>> {
    let Some(Read {
        body,
        policy,
        state,
        rebuilt,
    }) = submission_of(tracker, issue, rules)?
    else {
        return Ok(None);
    };
    // The tool's own changes come back as events: they find labels and history agreeing.
    let on: Vec<Stage> = issue
        .labels
        .iter()
        .filter_map(|l| Stage::from_label(l))
        .collect();
    let roles = if on.iter().any(|s| *s != state.stage()) {
        let held = crate::tracker::roles::roles_of(tracker, &rules.config, actor)?;
        with_stack_role(held, &rules.config, actor, &state, &policy)
    } else {
        Vec::new()
    };
    let (decision, fx) = crate::pipeline::effect::on_labels(
        &issue.labels,
        &state,
        &policy,
        &rules.config,
        actor,
        &roles,
        reason,
        now,
    );
    let mut fx = fx;
    if !rebuilt.is_empty() {
        fx.comments
            .insert(0, super::rebuilt_notice(&fx.state, &rebuilt));
    }
    let plan = if !fx.is_empty() || fx.state != state || !rebuilt.is_empty() {
        carry_out(tracker, issue, &fx, &policy, &rules.config, now, dry_run)?
    } else {
        Plan::default()
    };
    Ok(Some(Handled {
        number: issue.number,
        key: body.key,
        decision,
        effect: fx,
        plan,
        rebuilt,
    }))
}

/// A label event on issue `number`: reads the issue as it is now.
pub fn label_event(
    tracker: &dyn Tracker,
    number: u64,
    actor: &str,
    rules: &Rules,
    now: OffsetDateTime,
    dry_run: bool,
) -> Result<Option<Handled>> {
    let issue = tracker.get_issue(number)?;
    labels_changed(tracker, &issue, actor, rules, None, now, dry_run)
}

/// `move`: `actor` puts the stage label of `to` on the submission, and the
/// move is checked like any label change (and put back if it is not allowed).
#[allow(clippy::too_many_arguments)]
pub fn move_to(
    tracker: &dyn Tracker,
    issue: &Issue,
    to: Stage,
    actor: &str,
    rules: &Rules,
    reason: Option<&str>,
    now: OffsetDateTime,
    dry_run: bool,
) -> Result<Option<Handled>> {
    let add = Plan {
        actions: vec![Action::AddLabels {
            number: IssueRef::Existing(issue.number),
            labels: vec![to.label()],
        }],
    };
    let (add, _) = apply_unless(dry_run, tracker, actor, add)?;
    let after = if dry_run {
        let mut i = issue.clone();
        if !i.labels.contains(&to.label()) {
            i.labels.push(to.label());
        }
        i
    } else {
        tracker.get_issue(issue.number)?
    };
    let handled = labels_changed(tracker, &after, actor, rules, reason, now, dry_run)?;
    Ok(handled.map(|mut h| {
        let mut plan = add;
        plan.extend(h.plan);
        h.plan = plan;
        h
    }))
}

/// What handling one comment did: each command's outcome.
#[derive(Debug, Clone)]
pub struct Commented {
    pub number: u64,
    pub key: Key,
    pub outcomes: Vec<Outcome>,
    pub plan: Plan,
    /// The forge delivered this comment before, and it was handled then.
    pub repeated: bool,
    /// The state block's steps the forge does not record: it was rebuilt.
    pub rebuilt: Vec<String>,
}

/// Whether an event's repository (`owner/repo`, a GitLab project path) is
/// the tracker `spec` (`github:owner/repo`); events given with flags name
/// none, and the embedded tracker has no repository to compare with.
pub fn same_repository(spec: &str, repository: Option<&str>) -> Result<(), String> {
    let Some(repository) = repository else {
        return Ok(());
    };
    let tracker = spec
        .strip_prefix("github:")
        .or_else(|| spec.strip_prefix("gitlab:"));
    match tracker {
        Some(t) if !t.eq_ignore_ascii_case(repository) => Err(format!(
            "the event is about {}, but the tracker is {spec}: refused, since only the tracker's own events may change its submissions\n  check where the workflow's event comes from and UMD_RELEASE_TRACKER / --tracker",
            crate::markdown::neutralize(repository)
        )),
        _ => Ok(()),
    }
}

/// A comment as the forge delivered it: who wrote what, and its id (0 when
/// not known yet), which keys it so that a redelivery is handled once.
#[derive(Debug, Clone, Copy)]
pub struct Remark<'a> {
    pub id: u64,
    pub author: &'a str,
    pub text: &'a str,
}

/// Handles a comment on `issue`: Early Adopter answers and reports, and
/// waivers; a comment handled before (a redelivered event) changes nothing.
pub fn commented(
    tracker: &dyn Tracker,
    issue: &Issue,
    remark: Remark<'_>,
    rules: &Rules,
    now: OffsetDateTime,
    dry_run: bool,
) -> Result<Option<Commented>> {
    let Remark { id, author, text } = remark;
    let cmds = rollout::commands(text);
    if cmds.is_empty() {
        return Ok(None);
    }
    let Some(Read {
        body,
        policy,
        state: before,
        rebuilt,
    }) = submission_of(tracker, issue, rules)?
    else {
        return Ok(None);
    };
    let mut state = before.clone();
    if id != 0 && !state.handle_once(id) {
        return Ok(Some(Commented {
            number: issue.number,
            key: body.key,
            outcomes: Vec::new(),
            plan: Plan::default(),
            repeated: true,
            rebuilt,
        }));
    }
    let roles = if cmds.iter().any(Command::needs_roles) {
        let held = crate::tracker::roles::roles_of(tracker, &rules.config, author)?;
        with_stack_role(held, &rules.config, author, &state, &policy)
    } else {
        Vec::new()
    };
    let cx = Context {
        config: &rules.config,
        transitions: &policy.pipeline.transitions,
        actor: author,
        roles: &roles,
        now,
    };
    let outcomes: Vec<Outcome> = cmds
        .iter()
        .map(|c| rollout::apply(&mut state, c, &cx))
        .collect();
    let refused: Vec<String> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Refused(why) => Some(format!("- {}", submission::neutralize(why))),
            Outcome::Recorded(_) => None,
        })
        .collect();
    let mut fx = Effect::unchanged(&state);
    if !rebuilt.is_empty() {
        fx.comments.push(super::rebuilt_notice(&state, &rebuilt));
    }
    fx.comments.extend(crate::pipeline::effect::told(
        &before,
        &state,
        &policy,
        &rules.config,
    ));
    if !refused.is_empty() {
        fx.comments.push(format!(
            "umd-release could not record everything in that comment:\n\n{}",
            refused.join("\n")
        ));
    }
    let plan = if !fx.is_empty() || state != before || !rebuilt.is_empty() {
        carry_out(tracker, issue, &fx, &policy, &rules.config, now, dry_run)?
    } else {
        Plan::default()
    };
    Ok(Some(Commented {
        number: issue.number,
        key: body.key,
        outcomes,
        plan,
        repeated: false,
        rebuilt,
    }))
}

/// A comment event on issue `number`. A comment without a command costs no request.
pub fn comment_event(
    tracker: &dyn Tracker,
    number: u64,
    remark: Remark<'_>,
    rules: &Rules,
    now: OffsetDateTime,
    dry_run: bool,
) -> Result<Option<Commented>> {
    if rollout::commands(remark.text).is_empty() {
        return Ok(None);
    }
    let issue = tracker.get_issue(number)?;
    commented(tracker, &issue, remark, rules, now, dry_run)
}

/// `comment`: `author` comments on the submission, and the comment is handled
/// as the event it raises.
pub fn comment_on(
    tracker: &dyn Tracker,
    issue: &Issue,
    author: &str,
    text: &str,
    rules: &Rules,
    now: OffsetDateTime,
    dry_run: bool,
) -> Result<(Plan, Option<Commented>)> {
    let post = Plan {
        actions: vec![Action::Comment {
            number: IssueRef::Existing(issue.number),
            body: text.to_string(),
        }],
    };
    let (mut plan, _) = apply_unless(dry_run, tracker, author, post)?;
    // The tool's own comments (and other bots') carry no commands.
    let handled = if super::is_bot(author) {
        None
    } else {
        // Not delivered by a forge: no id to key it by.
        let remark = Remark {
            id: 0,
            author,
            text,
        };
        if dry_run {
            commented(tracker, issue, remark, rules, now, true)?
        } else {
            comment_event(tracker, issue.number, remark, rules, now, false)?
        }
    };
    if let Some(h) = &handled {
        plan.extend(h.plan.clone());
    }
    Ok((plan, handled))
}
