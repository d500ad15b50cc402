//! The one executor: every step's changes to a tracker go through [`apply`].

use crate::issue::{Comment, Issue};
use crate::plan::{Action, IssueRef, Plan};
use crate::tracker::{Tracker, TrackerError};

/// What applying a plan did.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// The issue the plan created, if it created one.
    pub created: Option<Issue>,
    /// The status comment the plan posted, if it posted a new one.
    pub status_comment: Option<u64>,
    pub actions: usize,
}

/// Applies a plan action by action, in order (serial mutations: forges rate-limit
/// bursts of writes). Stops at the first failure: a re-run plans from what exists.
/// Removing a label that is already gone is done, not an error.
pub fn apply(tracker: &dyn Tracker, actor: &str, plan: &Plan) -> Result<Applied, TrackerError> {
    let mut applied = Applied::default();
    let mailer = tracker.mailer();
    // The comments of issues a keyed or new status comment goes to, read once.
    let mut seen: std::collections::BTreeMap<u64, Vec<Comment>> = Default::default();
    for action in &plan.actions {
        let n = |r: &IssueRef| resolve(*r, &applied.created);
        match action {
            Action::EnsureLabel(l) => {
                tracker.ensure_label(l)?;
            }
            Action::CreateIssue {
                title,
                body,
                labels,
            } => {
                applied.created = Some(tracker.create_issue(actor, title, body, labels)?);
            }
            Action::UpdateIssue {
                number,
                title,
                body,
                open,
            } => {
                tracker.update_issue(
                    actor,
                    n(number)?,
                    title.as_deref(),
                    body.as_deref(),
                    *open,
                )?;
            }
            Action::AddLabels { number, labels } => {
                tracker.add_labels(actor, n(number)?, labels)?;
            }
            Action::RemoveLabel { number, label } => {
                match tracker.remove_label(actor, n(number)?, label) {
                    Ok(_) | Err(TrackerError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            Action::Comment { number, body } => {
                let number = n(number)?;
                let posted = match crate::plan::once_key(body) {
                    Some(key) => comments(tracker, &mut seen, number)?
                        .iter()
                        .any(|c| c.body.lines().any(|l| l == key)),
                    None => false,
                };
                if !posted {
                    tracker.create_comment(actor, number, body)?;
                }
            }
            Action::EditComment { number, id, body } => {
                tracker.update_comment(actor, n(number)?, *id, body)?;
            }
            Action::Mail {
                number,
                key,
                to,
                subject,
                text,
                html,
                record,
            } => {
                let Some(mailer) = mailer else {
                    continue;
                };
                let number = n(number)?;
                // Once only: the key on the tracker's own comments says the
                // mail went out. A notice's keyed comment comes right after
                // its mail, so a failed send posts nothing and the next run
                // sends both; only a failure between the two (mail sent,
                // comment not posted) sends the mail again, never none.
                let sent = comments(tracker, &mut seen, number)?
                    .iter()
                    .any(|c| c.body.lines().any(|l| l == key));
                if !sent {
                    let mail = crate::mail::Mail {
                        to,
                        subject,
                        text,
                        html,
                    };
                    mailer
                        .send(&mail)
                        .map_err(|e| TrackerError::Mail { message: e.message })?;
                    if let Some(record) = record {
                        tracker.create_comment(actor, number, &format!("{record}\n{key}"))?;
                    }
                }
            }
            Action::StatusComment { number, id, body } => {
                let number = n(number)?;
                let edited = match id {
                    Some(id) => match tracker.update_comment(actor, number, *id, body) {
                        Ok(_) => true,
                        // Deleted by hand: post a new one.
                        Err(TrackerError::NotFound { .. }) => false,
                        Err(e) => return Err(e),
                    },
                    None => false,
                };
                if !edited {
                    // A status comment posted by a run whose answer was lost
                    // is the tracker's own comment with the marker: edit it.
                    let lost = comments(tracker, &mut seen, number)?
                        .iter()
                        .find(|c| c.body.starts_with(crate::pipeline::sweep::STATUS_MARKER))
                        .map(|c| c.id);
                    let id = match lost {
                        Some(id) => tracker.update_comment(actor, number, id, body)?.id,
                        None => tracker.create_comment(actor, number, body)?.id,
                    };
                    applied.status_comment = Some(id);
                }
            }
        }
        applied.actions += 1;
    }
    Ok(applied)
}

/// The tracker's own comments on issue `number`, listed once per plan:
/// only they can say a keyed comment was posted, since anyone can write
/// its key line in a comment of their own.
fn comments<'a>(
    tracker: &dyn Tracker,
    seen: &'a mut std::collections::BTreeMap<u64, Vec<Comment>>,
    number: u64,
) -> Result<&'a [Comment], TrackerError> {
    Ok(match seen.entry(number) {
        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::btree_map::Entry::Vacant(e) => {
            let me = tracker.identity()?;
            let mut own = tracker.list_comments(number)?;
            own.retain(|c| super::is_tracker(&c.author, me.as_deref()));
            e.insert(own)
        }
    })
}

fn resolve(r: IssueRef, created: &Option<Issue>) -> Result<u64, TrackerError> {
    match r {
        IssueRef::Existing(n) => Ok(n),
        IssueRef::Created => {
            created
                .as_ref()
                .map(|i| i.number)
                .ok_or_else(|| TrackerError::Invalid {
                    message:
                        "the plan refers to a new issue before creating one (a bug in umd-release)"
                            .into(),
                })
        }
    }
}

/// Applies `plan` unless this is a dry run; either way the plan is returned
/// for the log.
pub fn apply_unless(
    dry_run: bool,
    tracker: &dyn Tracker,
    actor: &str,
    plan: Plan,
) -> Result<(Plan, Applied), TrackerError> {
    let plan = if tracker.mailer().is_some() {
        plan
    } else {
        plan.without_mail()
    };
    let applied = if dry_run {
        Applied::default()
    } else {
        apply(tracker, actor, &plan)?
    };
    Ok((plan, applied))
}
