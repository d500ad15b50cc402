//! A submission request opened through the issue form: validated, its
//! packages fetched from the product's own GitHub releases, and filed, or
//! answered with what is wrong. Only the forge's records decide: the form's
//! text names a release, it never vouches for one.

use super::apply::apply_unless;
use super::intake::{Entry, Filing, Source, file_release};
use super::submit::Submitted;
use super::{RegisteredError, Result, registered};
use crate::labels::TOOL_LOGIN;
use crate::plan::{Action, IssueRef, Plan};
use crate::policy::Policy;
use crate::submission::neutralize;
use crate::tracker::Tracker;

/// How a request was answered.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Something the requester must fix: the reply lists it.
    Refused(Vec<String>),
    /// Filed: the submissions, one line each.
    Filed(Vec<String>),
    /// The release fails its policy: not filed, the reply shows the check.
    Failed,
}

/// What handling the request did.
#[derive(Debug, Clone)]
pub struct Handled {
    pub answer: Answer,
    /// What intake did, for the log.
    pub entries: Vec<Entry>,
    /// The reply and, when filed, closing the request.
    pub plan: Plan,
}

/// Handles request `number`, opened by `author` with `body`.
pub fn handle(
    tracker: &dyn Tracker,
    number: u64,
    author: &str,
    body: &str,
    filing: &Filing,
) -> Result<Handled> {
    let mut entries = Vec::new();
    let answer = decide(tracker, body, filing, &mut entries)?;
    // The submitter must act on what is wrong: the one mention the tool makes.
    let mention = format!("@{}", author.trim_start_matches('@'));
    let issue = IssueRef::Existing(number);
    let mut plan = Plan::default();
    match &answer {
        Answer::Refused(problems) => {
            let list: Vec<String> = problems.iter().map(|p| format!("- {p}")).collect();
            plan.push(Action::Comment {
                number: issue,
                body: format!(
                    "{mention}, this submission request cannot be filed yet:\n\n{}\n\nEdit the issue to fix it, or open a new request.",
                    list.join("\n")
                ),
            });
        }
        Answer::Filed(lines) => {
            let list: Vec<String> = lines
                .iter()
                .map(|l| format!("- {}", neutralize(l)))
                .collect();
            plan.push(Action::Comment {
                number: issue,
                body: format!(
                    "Filed by umd-release:\n\n{}\n\nThe submission continues there; this request is closed.",
                    list.join("\n")
                ),
            });
            plan.push(Action::UpdateIssue {
                number: issue,
                title: None,
                body: None,
                open: Some(false),
            });
        }
        Answer::Failed => {
            plan.push(Action::Comment {
                number: issue,
                body: format!(
                    "{mention}, the release does not meet the distribution's policy, so it was not filed:\n\n```text\n{}\n```\n\nRun `umd-release check` on the release for the findings and how to fix them.",
                    super::intake::log(&entries).replace("```", "` ` `")
                ),
            });
        }
    }
    let (plan, _) = apply_unless(filing.dry_run, tracker, TOOL_LOGIN, plan)?;
    Ok(Handled {
        answer,
        entries,
        plan,
    })
}

fn decide(
    tracker: &dyn Tracker,
    body: &str,
    filing: &Filing,
    entries: &mut Vec<Entry>,
) -> Result<Answer> {
    let refuse = |problems: Vec<String>| Ok(Answer::Refused(problems));
    let request = match crate::request::parse(body, &Policy::all_builtin()) {
        Ok(r) => r,
        Err(problems) => return refuse(problems),
    };
    let registered = match registered(tracker, filing.registry.as_deref(), &request.product) {
        Ok(r) => r,
        Err(RegisteredError::Registry(e)) => return refuse(vec![neutralize(&e.to_string())]),
        Err(e) => return Err(e.into()),
    };
    if let Err(e) = registered.allows(&request.distribution) {
        return refuse(vec![neutralize(&e.to_string())]);
    }
    let Some(repo) = registered.repository.strip_prefix("github:") else {
        return refuse(vec![format!(
            "`{}` is not on GitHub: its packages cannot be fetched through the forge",
            registered.repository
        )]);
    };
    let mut wanted = Vec::new();
    let mut problems = Vec::new();
    for url in &request.packages {
        match crate::request::release_asset(url, repo) {
            Some(found) => wanted.push(found),
            None => problems.push(format!(
                "**Packages**: `{}` is not a release download of {repo} (`https://github.com/{repo}/releases/download/TAG/FILE`)",
                neutralize(url)
            )),
        }
    }
    let tags: std::collections::BTreeSet<String> = wanted.iter().map(|(t, _)| t.clone()).collect();
    if tags.len() > 1 {
        problems.push(
            "**Packages** come from more than one release: list the packages of one release".into(),
        );
    }
    if !problems.is_empty() {
        return refuse(problems);
    }
    let Some(tag) = tags.into_iter().next() else {
        return refuse(vec!["**Packages** is empty".into()]);
    };
    let Some(Source::GitHub(github)) = Source::open(&registered.repository)? else {
        return refuse(vec![format!(
            "`{}` is not on GitHub",
            registered.repository
        )]);
    };
    let Some(mut release) = github.release_by_tag(&tag)? else {
        return refuse(vec![format!(
            "{repo} has no release `{}`",
            neutralize(&tag)
        )]);
    };
    let missing: Vec<String> = wanted
        .iter()
        .filter(|(_, n)| !release.assets.iter().any(|a| &a.name == n))
        .map(|(_, n)| format!("**Packages**: the release {tag} has no asset `{n}`"))
        .collect();
    if !missing.is_empty() {
        return refuse(missing);
    }
    release
        .assets
        .retain(|a| wanted.iter().any(|(_, n)| n == &a.name));
    let filing = Filing {
        policies: vec![request.distribution.clone()],
        ..filing.clone()
    };
    let source = Source::GitHub(github);
    match file_release(tracker, &source, &registered, &release, &filing, entries) {
        Ok(submitted) if submitted.refused() => {
            entries.push(Entry::Submitted(submitted));
            Ok(Answer::Failed)
        }
        Ok(submitted) => {
            let lines = filed_lines(&submitted);
            entries.push(Entry::Submitted(submitted));
            Ok(Answer::Filed(lines))
        }
        Err(e) if e.is_forge() => Err(e),
        Err(e) => refuse(vec![neutralize(&format!("{e:#}"))]),
    }
}

/// `CMD-OS 1: created #12 [CMD-OS 1] product 1.4.0`, one per distribution.
fn filed_lines(submitted: &Submitted) -> Vec<String> {
    submitted.filed.iter().map(|f| f.line()).collect()
}
