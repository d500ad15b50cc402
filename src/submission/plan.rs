//! Deciding the issue actions: create, update, repair labels, close duplicates.

use serde::Serialize;
use time::OffsetDateTime;

use super::body::{compose, parse};
use super::desired::Desired;
use super::key::Key;
use super::state::{PackageRef, State, Transition};
use crate::issue::Issue;
use crate::plan::{Action, IssueRef, Plan};
use crate::stage::Stage;

/// Labels a submission carries besides its state.
pub fn base_labels(key: &Key) -> Vec<String> {
    vec![key.dist_label(), key.product_label(), key.key_label()]
}

/// Submissions of `key` among `issues`: their first-line marker names the key.
pub fn matching<'a>(key: &Key, issues: &'a [Issue]) -> Vec<&'a Issue> {
    let mut found: Vec<&Issue> = issues
        .iter()
        .filter(|i| parse(&i.body).is_some_and(|b| &b.key == key))
        .collect();
    found.sort_by_key(|i| i.number);
    found.dedup_by_key(|i| i.number);
    found
}

/// Plans a submission given the issues already carrying its key (open or closed,
/// lowest number first). Pure: the caller lists, this decides.
pub fn plan(
    desired: &Desired,
    existing: &[&Issue],
    actor: &str,
    now: OffsetDateTime,
    update_comment: &dyn Fn(&Change) -> String,
) -> Plan {
    let key = &desired.key;
    let Some(issue) = existing.first() else {
        return create(desired, actor, now);
    };
    let mut actions = Vec::new();
    let number = IssueRef::Existing(issue.number);
    // The body parsed for `existing` to contain it; a missing state means the
    // block was damaged by hand: start the history again from the labels.
    let body = parse(&issue.body);
    let old_state = body.as_ref().and_then(|b| b.state.clone());
    let stage_from_labels = issue.labels.iter().find_map(|l| Stage::from_label(l));
    let state = match &old_state {
        Some(s) => refreshed(desired, s.clone()),
        None => started(
            desired,
            Transition {
                stage: stage_from_labels.unwrap_or(Stage::Unverified),
                at: issue.created_at,
                actor: issue.author.clone(),
            },
        ),
    };
    let outside = body.as_ref().map(|b| b.outside.as_str()).unwrap_or("");
    let new_body = compose(key, &desired.generated, &state, outside);
    if new_body != issue.body {
        let change = Change::between(
            old_state.as_ref(),
            &state,
            body.as_ref().map(|b| b.generated.as_str()) != Some(desired.generated.as_str()),
        );
        // The comment first, keyed by the body it announces: a run that
        // failed between the two posts it once and still writes the body.
        if old_state.is_some() && !change.is_empty() {
            actions.push(Action::Comment {
                number,
                body: crate::plan::once(&update_comment(&change), &new_body),
            });
        }
        actions.push(Action::UpdateIssue {
            number,
            title: (issue.title != desired.title).then(|| desired.title.clone()),
            body: Some(new_body),
            open: None,
        });
    } else if issue.title != desired.title {
        actions.push(Action::UpdateIssue {
            number,
            title: Some(desired.title.clone()),
            body: None,
            open: None,
        });
    }
    let missing = missing_labels(key, issue, stage_from_labels.is_none(), &state);
    if !missing.is_empty() {
        actions.push(Action::AddLabels {
            number,
            labels: missing,
        });
    }
    Plan { actions }
}

/// The first run: a new issue, Unverified.
fn create(desired: &Desired, actor: &str, now: OffsetDateTime) -> Plan {
    let key = &desired.key;
    let state = started(
        desired,
        Transition {
            stage: Stage::Unverified,
            at: now,
            actor: actor.to_string(),
        },
    );
    let mut labels = vec![Stage::Unverified.label()];
    labels.extend(base_labels(key));
    Plan {
        actions: vec![Action::CreateIssue {
            title: desired.title.clone(),
            body: compose(key, &desired.generated, &state, ""),
            labels,
        }],
    }
}

/// A state whose history starts at `first`, with what the run found.
fn started(desired: &Desired, first: Transition) -> State {
    refreshed(
        desired,
        State {
            key: desired.key.clone(),
            history: vec![first],
            ..State::default()
        },
    )
}

/// `state` with what this run found; the history and the pipeline's fields stay.
fn refreshed(desired: &Desired, state: State) -> State {
    State {
        packages: desired.packages.clone(),
        passed: desired.passed,
        contacts: desired.contacts.clone(),
        candidates: desired.candidates.clone(),
        stack: desired.stack.clone(),
        release: Some(desired.release.clone()),
        ..state
    }
}

/// Labels lost to a crash or a hand edit; the stage itself is the pipeline's
/// business, so only a missing state label is restored.
fn missing_labels(key: &Key, issue: &Issue, no_stage: bool, state: &State) -> Vec<String> {
    let mut missing: Vec<String> = base_labels(key)
        .into_iter()
        .filter(|l| !issue.labels.contains(l))
        .collect();
    if no_stage {
        missing.insert(0, state.stage().label());
    }
    missing
}

/// What a re-run changed, for the comment that says so.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Change {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub rebuilt: Vec<String>,
    pub verdict: Option<(bool, bool)>,
    pub text_changed: bool,
}

impl Change {
    fn between(old: Option<&State>, new: &State, text_changed: bool) -> Change {
        let Some(old) = old else {
            return Change {
                text_changed,
                ..Change::default()
            };
        };
        let find = |list: &[PackageRef], f: &str| list.iter().find(|p| p.file == f).cloned();
        let mut c = Change {
            text_changed,
            ..Change::default()
        };
        for p in &new.packages {
            match find(&old.packages, &p.file) {
                None => c.added.push(p.file.clone()),
                Some(o) if o.sha256 != p.sha256 => c.rebuilt.push(p.file.clone()),
                Some(_) => {}
            }
        }
        c.removed = old
            .packages
            .iter()
            .filter(|p| find(&new.packages, &p.file).is_none())
            .map(|p| p.file.clone())
            .collect();
        if old.passed != new.passed {
            c.verdict = Some((old.passed, new.passed));
        }
        c
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.rebuilt.is_empty()
            && self.verdict.is_none()
            && !self.text_changed
    }
}

/// Hidden in the comment that closes a duplicate, and in the one that points
/// the survivor at a duplicate's human comments: a repair run finds them and
/// does not say it twice.
fn duplicate_marker(dup: u64) -> String {
    format!("<!-- umd-release:duplicate #{dup} -->")
}

/// Of several open issues for one key (two runs raced, or a racer failed
/// before closing its copy), the lowest number survives; the plan closes the
/// others as duplicates and, where people commented on one, links those
/// comments from the survivor. Every run computes the same survivor, so they
/// converge. `comments` holds the comments of the open issues, by number;
/// `is_bot` tells people from bots, and only a comment by `is_tool` (the
/// tracker) says a duplicate was already announced, since anyone can copy
/// the marker into a comment of their own.
pub fn dedupe(
    existing: &[&Issue],
    comments: &std::collections::BTreeMap<u64, Vec<crate::issue::Comment>>,
    is_bot: &dyn Fn(&str) -> bool,
    is_tool: &dyn Fn(&str) -> bool,
) -> Plan {
    let open: Vec<&&Issue> = existing.iter().filter(|i| i.open).collect();
    let Some(keep) = open.first() else {
        return Plan::default();
    };
    let said = |number: u64, marker: &str| {
        comments.get(&number).is_some_and(|cs| {
            cs.iter()
                .any(|c| is_tool(&c.author) && c.body.contains(marker))
        })
    };
    let mut actions = Vec::new();
    for dup in open.iter().skip(1) {
        let number = IssueRef::Existing(dup.number);
        let marker = duplicate_marker(dup.number);
        let people: Vec<&crate::issue::Comment> = comments
            .get(&dup.number)
            .map(|cs| cs.iter().filter(|c| !is_bot(&c.author)).collect())
            .unwrap_or_default();
        if !people.is_empty() && !said(keep.number, &marker) {
            let mut authors: Vec<String> = people
                .iter()
                .map(|c| crate::markdown::neutralize(&c.author))
                .collect();
            authors.sort();
            authors.dedup();
            actions.push(Action::Comment {
                number: IssueRef::Existing(keep.number),
                body: format!(
                    "{marker}\n#{} was a duplicate of this submission and is closed; it has {} comment(s) by {}: read them there ({}).",
                    dup.number,
                    people.len(),
                    authors.join(", "),
                    dup.url
                ),
            });
        }
        if !said(dup.number, &marker) {
            actions.push(Action::Comment { number, body: format!("{marker}\nDuplicate of #{}: two submissions of this release ran at the same time; umd-release keeps the first issue and closes this one.", keep.number) });
        }
        if !dup.labels.iter().any(|l| l == crate::labels::DUPLICATE) {
            actions.push(Action::AddLabels {
                number,
                labels: vec![crate::labels::DUPLICATE.into()],
            });
        }
        actions.push(Action::UpdateIssue {
            number,
            title: None,
            body: None,
            open: Some(false),
        });
    }
    Plan { actions }
}

/// Renders the comment that says what a re-run changed.
pub fn change_comment(
    change: &Change,
    templates: &crate::render::Templates,
) -> Result<String, crate::render::TemplateError> {
    let data = serde_json::json!({
        "added": change.added, "removed": change.removed, "rebuilt": change.rebuilt,
        "verdict": change.verdict.is_some(), "passed": change.verdict.is_some_and(|(_, new)| new),
        "text_only": change.text_changed && change.added.is_empty() && change.removed.is_empty() && change.rebuilt.is_empty() && change.verdict.is_none(),
    });
    templates.render("submission-updated", &data)
}
