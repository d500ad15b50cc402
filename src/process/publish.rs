//! Publishing an announced distribution release: its submissions move to
//! Released (each through the same checks as a label move), the
//! announcement records it, and a post-implementation review opens.

use time::OffsetDateTime;

use super::announce::{DistRelease, find_release};
use super::apply::apply_unless;
use super::track::move_to;
use super::{Result, Rules, input};
use crate::announce::{self, REVIEW_LABEL, Review};
use crate::issue::Issue;
use crate::labels::{self, TOOL_LOGIN};
use crate::pipeline::effect::RepositoryTransition;
use crate::pipeline::{Stage, transition::Decision};
use crate::plan::{Action, IssueRef, Plan};
use crate::submission::Key;
use crate::tracker::Tracker;

/// What became of one announced product.
#[derive(Debug, Clone)]
pub enum Product {
    AlreadyReleased,
    Released {
        key: Key,
        transition: Option<RepositoryTransition>,
    },
    /// Why it could not be released.
    Blocked(String),
}

/// What publishing did.
#[derive(Debug, Clone)]
pub struct Published {
    /// The announcement's number.
    pub announcement: u64,
    /// Published before this run: nothing was done.
    pub already: bool,
    /// Each announced product: its issue number, `product version`, and fate.
    pub products: Vec<(u64, String, Product)>,
    /// The review issue (absent in a dry run, or when something was blocked).
    pub review: Option<Issue>,
    pub emergency: bool,
    pub plan: Plan,
}

impl Published {
    /// Every product was released, so the release is published.
    pub fn complete(&self) -> bool {
        !self
            .products
            .iter()
            .any(|(_, _, p)| matches!(p, Product::Blocked(_)))
    }
}

pub fn publish(
    tracker: &dyn Tracker,
    rules: &Rules,
    release: &DistRelease,
    actor: &str,
    now: OffsetDateTime,
    dry_run: bool,
) -> Result<Published> {
    let DistRelease { policy, key } = release;
    let Some((ann, mut record)) = find_release(tracker, key)? else {
        return Err(input(format!(
            "{} {} was never announced: run `umd-release announce --distribution {} --version {} --date YYYY-MM-DD` first",
            policy.name, key.version, policy.id, key.version
        )));
    };
    let mut published = Published {
        announcement: ann.number,
        already: record.published.is_some(),
        products: Vec::new(),
        review: None,
        emergency: record.emergency,
        plan: Plan::default(),
    };
    if published.already {
        return Ok(published);
    }
    if now.date().to_string() < record.date && !record.emergency {
        return Err(input(format!(
            "{} {} is announced for {}: publish on or after that date",
            policy.name, key.version, record.date
        )));
    }
    for (k, number) in &record.products {
        let name = format!("{} {}", k.product, k.version);
        let step = Step {
            release,
            announcement: ann.number,
            actor,
            now,
            dry_run,
        };
        let fate = release_product(tracker, rules, &step, *number, &name, &mut published.plan)?;
        published.products.push((*number, name, fate));
    }
    if !published.complete() {
        return Ok(published);
    }
    let due = crate::pipeline::calendar::add_days(now, policy.pipeline.deadlines.review_days);
    let review = Review {
        key: key.clone(),
        due,
        reminded: false,
    };
    let text = announce::review_text(policy, &key.version, ann.number, record.emergency, due);
    let open = Plan {
        actions: vec![Action::CreateIssue {
            title: format!(
                "[{}] Post-implementation review of {}",
                policy.name, key.version
            ),
            body: announce::compose(key, "review", &text, &review),
            labels: vec![REVIEW_LABEL.to_string(), labels::dist(&policy.id)],
        }],
    };
    let (open, applied) = apply_unless(dry_run, tracker, TOOL_LOGIN, open)?;
    published.plan.extend(open);
    record.published = Some(now);
    record.review = applied.created.as_ref().map(|i| i.number);
    published.review = applied.created;
    let body = announce::with_record(&ann.body, key, "announcement", &record);
    let close = Plan {
        actions: vec![Action::UpdateIssue {
            number: IssueRef::Existing(ann.number),
            title: None,
            body: Some(body),
            open: Some(false),
        }],
    };
    let (close, _) = apply_unless(dry_run, tracker, TOOL_LOGIN, close)?;
    published.plan.extend(close);
    Ok(published)
}

/// What releasing one product needs to know.
struct Step<'a> {
    release: &'a DistRelease,
    announcement: u64,
    actor: &'a str,
    now: OffsetDateTime,
    dry_run: bool,
}

/// Moves one announced product to Released, through the same checks as a
/// label move, and notes the release on its issue.
fn release_product(
    tracker: &dyn Tracker,
    rules: &Rules,
    step: &Step,
    number: u64,
    name: &str,
    plan: &mut Plan,
) -> Result<Product> {
    let DistRelease { policy, key } = step.release;
    let issue = tracker.get_issue(number)?;
    let stage = crate::submission::parse(&issue.body)
        .and_then(|b| b.state)
        .map(|s| s.stage());
    match stage {
        Some(Stage::Released) => return Ok(Product::AlreadyReleased),
        Some(Stage::ReadyForRelease) => {}
        other => {
            return Ok(Product::Blocked(format!(
                "#{number} {name} is {}, not Ready for release",
                other.map_or("not a submission", |s| s.name())
            )));
        }
    }
    let handled = move_to(
        tracker,
        &issue,
        Stage::Released,
        step.actor,
        rules,
        None,
        step.now,
        step.dry_run,
    )?;
    let Some(h) = handled else {
        return Ok(Product::Blocked(format!("#{number} {name}: not moved")));
    };
    plan.extend(h.plan);
    match h.decision {
        Decision::Accept { .. } => {
            let note = Plan {
                actions: vec![Action::Comment {
                    number: IssueRef::Existing(number),
                    body: format!(
                        "Released in {} {} on {} (announced in #{}).",
                        policy.name,
                        key.version,
                        step.now.date(),
                        step.announcement
                    ),
                }],
            };
            let (note, _) = apply_unless(step.dry_run, tracker, TOOL_LOGIN, note)?;
            plan.extend(note);
            Ok(Product::Released {
                key: h.key,
                transition: h.effect.repository,
            })
        }
        Decision::Revert { reason, .. } => {
            Ok(Product::Blocked(format!("#{number} {name}: {reason}")))
        }
        Decision::Nothing => Ok(Product::Blocked(format!("#{number} {name}: not moved"))),
    }
}
