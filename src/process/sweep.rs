//! The schedule's step: deadlines over every open submission, request and review.

use serde::Serialize;
use time::OffsetDateTime;

use super::apply::apply_unless;
use super::track::carry_out;
use super::{Result, Rules, state_of, unknown_policy};
use crate::announce::{Review, ReviewStep, parse, review_step, with_record};
use crate::issue::Issue;
use crate::labels::{self, TOOL_LOGIN};
use crate::plan::{Action, IssueRef, Plan};
use crate::policy::Policy;
use crate::submission::{self, Key};
use crate::tracker::Tracker;

/// What a sweep did to one submission, request or review.
#[derive(Debug, Clone, Serialize)]
pub struct Swept {
    pub number: u64,
    pub key: String,
    pub notes: Vec<String>,
    /// What was done (or, in a dry run, would be).
    #[serde(skip)]
    pub plan: Plan,
}

/// Applies the deadlines to every open submission: one listing (a page of 100
/// at a time), decisions from each issue's recorded state, requests only for
/// the submissions that change. A second sweep finds nothing to do.
pub fn sweep(
    tracker: &dyn Tracker,
    rules: &Rules,
    dry_run: bool,
    now: OffsetDateTime,
) -> Result<Vec<Swept>> {
    let mut out = Vec::new();
    let builtin = Policy::builtins();
    let me = tracker.identity()?;
    let listed = tracker.list_issues(None, true)?;
    let closed = duplicates(tracker, &listed, me.as_deref(), dry_run, &mut out)?;
    for issue in listed {
        if closed.contains(&issue.number) {
            continue;
        }
        // Requests are the providers' own issues; everything else is the tracker's.
        let ours = super::opened_by_tracker(&issue, me.as_deref());
        if ours && issue.labels.iter().any(|l| l == labels::REVIEW) {
            out.extend(review(tracker, &issue, rules, dry_run, now)?);
            continue;
        }
        if issue.labels.iter().any(|l| l == labels::REQUEST) {
            out.extend(request(tracker, &issue, rules, builtin, dry_run, now)?);
            continue;
        }
        let Some(body) = submission::parse(&issue.body).filter(|_| ours) else {
            continue;
        };
        let Some(policy) = rules.policy_of(&body.key) else {
            out.push(Swept {
                number: issue.number,
                key: body.key.id(),
                notes: vec![format!("skipped: {}", unknown_policy(&body.key))],
                plan: Plan::default(),
            });
            continue;
        };
        let state = state_of(&issue, &body);
        let mut fx =
            crate::pipeline::sweep::sweep(&issue.labels, &state, &policy, &rules.config, now);
        if fx.is_empty() && fx.state == state {
            continue;
        }
        // About to write: only from a history the forge's label events bear out.
        let (checked, rebuilt) = super::checked_state(tracker, &issue, &body)?;
        if !rebuilt.is_empty() {
            fx =
                crate::pipeline::sweep::sweep(&issue.labels, &checked, &policy, &rules.config, now);
            fx.comments
                .insert(0, super::rebuilt_notice(&fx.state, &rebuilt));
            fx.notes.extend(
                rebuilt
                    .iter()
                    .map(|w| format!("state rebuilt from the label events: {w}")),
            );
        }
        let plan = carry_out(tracker, &issue, &fx, &policy, &rules.config, now, dry_run)?;
        out.push(Swept {
            number: issue.number,
            key: body.key.id(),
            notes: fx.notes,
            plan,
        });
    }
    Ok(out)
}

/// Closes the open duplicates of each key (a racing `submit` that failed
/// before closing its copy), keeping the lowest; returns the numbers closed.
fn duplicates(
    tracker: &dyn Tracker,
    listed: &[Issue],
    me: Option<&str>,
    dry_run: bool,
    out: &mut Vec<Swept>,
) -> Result<std::collections::BTreeSet<u64>> {
    let mut by_key: std::collections::BTreeMap<Key, Vec<Issue>> = Default::default();
    for issue in listed.iter().filter(|i| super::opened_by_tracker(i, me)) {
        if let Some(body) = submission::parse(&issue.body) {
            by_key.entry(body.key).or_default().push(issue.clone());
        }
    }
    let mut closed = std::collections::BTreeSet::new();
    for (key, mut issues) in by_key.into_iter().filter(|(_, v)| v.len() > 1) {
        issues.sort_by_key(|i| i.number);
        let plan = super::submit::converge(tracker, &issues)?;
        let (mut plan, _) = apply_unless(dry_run, tracker, TOOL_LOGIN, plan)?;
        for dup in &issues[1..] {
            closed.insert(dup.number);
            out.push(Swept {
                number: dup.number,
                key: key.id(),
                notes: vec![format!("closed as a duplicate of #{}", issues[0].number)],
                plan: std::mem::take(&mut plan),
            });
        }
    }
    Ok(closed)
}

/// An issue-form request not filed within the injection deadline is flagged.
fn request(
    tracker: &dyn Tracker,
    issue: &Issue,
    rules: &Rules,
    builtin: &[Policy],
    dry_run: bool,
    now: OffsetDateTime,
) -> Result<Option<Swept>> {
    // Which distribution the request names decides the deadline; all agree by default.
    let deadlines = crate::request::parse(&issue.body, builtin)
        .ok()
        .and_then(|r| {
            rules.policy_of(&Key {
                dist: r.distribution,
                ..Key::default()
            })
        })
        .map(|p| p.pipeline.deadlines.clone())
        .unwrap_or_default();
    let Some(text) = crate::pipeline::sweep::request_overdue(
        issue.created_at,
        &issue.author,
        &issue.labels,
        &deadlines,
        now,
    ) else {
        return Ok(None);
    };
    let number = IssueRef::Existing(issue.number);
    let plan = Plan {
        actions: vec![
            Action::AddLabels {
                number,
                labels: vec![labels::DELAYED.into()],
            },
            Action::Comment { number, body: text },
        ],
    };
    let (plan, _) = apply_unless(dry_run, tracker, TOOL_LOGIN, plan)?;
    Ok(Some(Swept {
        number: issue.number,
        key: format!("request #{}", issue.number),
        notes: vec!["Delayed: the request was not filed within the injection deadline".into()],
        plan,
    }))
}

/// Applies the review deadlines to an open review issue.
fn review(
    tracker: &dyn Tracker,
    issue: &Issue,
    rules: &Rules,
    dry_run: bool,
    now: OffsetDateTime,
) -> Result<Option<Swept>> {
    let Some((key, mut review)) = parse::<Review>(&issue.body, "review") else {
        return Ok(None);
    };
    if now <= review.due {
        return Ok(None);
    }
    let days = rules
        .policy_of(&Key {
            dist: key.dist.clone(),
            ..Key::default()
        })
        .map(|p| p.pipeline.deadlines.review_days)
        .unwrap_or(7);
    // Answered: someone other than the tool, which opened the issue, commented.
    let answered = tracker
        .list_comments(issue.number)?
        .iter()
        .any(|c| c.author != issue.author);
    let number = IssueRef::Existing(issue.number);
    let (note, actions) = match review_step(&review, answered, days, now) {
        ReviewStep::Nothing => return Ok(None),
        ReviewStep::Remind(text) => {
            review.reminded = true;
            let body = with_record(&issue.body, &key, "review", &review);
            (
                "review reminded",
                vec![
                    Action::Comment { number, body: text },
                    Action::UpdateIssue {
                        number,
                        title: None,
                        body: Some(body),
                        open: None,
                    },
                ],
            )
        }
        ReviewStep::Close(text) => (
            "review closed as unanswered",
            vec![
                Action::Comment { number, body: text },
                Action::AddLabels {
                    number,
                    labels: vec![labels::UNANSWERED.into()],
                },
                Action::UpdateIssue {
                    number,
                    title: None,
                    body: None,
                    open: Some(false),
                },
            ],
        ),
    };
    let (plan, _) = apply_unless(dry_run, tracker, TOOL_LOGIN, Plan { actions })?;
    Ok(Some(Swept {
        number: issue.number,
        key: format!("review {}/{}", key.dist, key.version),
        notes: vec![note.into()],
        plan,
    }))
}
