//! The submission issue: one per (distribution, product, version). Its body holds
//! a hidden key marker on the first line, a block the tool owns (regenerated on
//! every run, with a machine-readable state), and whatever humans write outside
//! it, which is never touched. Everything here is pure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::issue::Issue;
use crate::plan::{Action, IssueRef, Plan};
use crate::stage::Stage;

const MARKER_PREFIX: &str = "<!-- umd-release:submission ";
const BEGIN: &str = "<!-- umd-release:begin: text up to the end marker is rewritten by umd-release; write below it -->";
const BEGIN_PREFIX: &str = "<!-- umd-release:begin";
const END: &str = "<!-- umd-release:end -->";
const STATE_PREFIX: &str = "<!-- umd-release:state ";
/// Starts the part of the block drawn from the state (stage history, Early
/// Adopters); `parse` leaves it out of `generated`, `compose` redraws it.
const PIPELINE: &str = "<!-- umd-release:pipeline -->";
const COMMENT_END: &str = " -->";

/// Identifies a submission: distribution policy, product and version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub dist: String,
    pub product: String,
    pub version: String,
}

impl Key {
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.dist, self.product, self.version)
    }

    /// The hidden first line of the issue body.
    pub fn marker(&self) -> String {
        format!("{MARKER_PREFIX}{}{COMMENT_END}", self.id())
    }

    fn parse(id: &str) -> Option<Key> {
        let mut parts = id.splitn(3, '/');
        let (dist, product, version) = (parts.next()?, parts.next()?, parts.next()?);
        let ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._+~-".contains(c))
        };
        (ok(dist) && ok(product) && ok(version)).then(|| Key {
            dist: dist.into(),
            product: product.into(),
            version: version.into(),
        })
    }

    pub fn product_label(&self) -> String {
        crate::labels::product(&self.product)
    }

    pub fn dist_label(&self) -> String {
        crate::labels::dist(&self.dist)
    }
}

/// One stage change, as recorded in the machine block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub stage: Stage,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
}

/// A package as the submission records it, to tell what changed on a re-run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRef {
    pub file: String,
    pub sha256: String,
}

/// The machine-readable block kept in the body. Fields after `passed` came
/// with the pipeline; they default so older bodies still parse.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct State {
    pub key: Key,
    pub history: Vec<Transition>,
    pub packages: Vec<PackageRef>,
    pub passed: bool,
    /// The Technology Provider's GitHub handles (Product ID Card), told about delays.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    /// Early Adopter sites the Product ID Card proposes (`NGI-Site`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
    /// Staged rollout: each site's acknowledgement and reports.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sites: BTreeMap<String, Site>,
    /// The stage that was flagged Delayed (the flag goes with the stage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delayed: Option<Stage>,
    /// Early Adopters were reminded (and volunteers called) in this staged rollout.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reminded: bool,
    /// A staged-rollout manager's written reason to finish staged rollout
    /// without the usual exposure, report or acceptance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Note>,
    /// The one status comment, edited in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_comment: Option<u64>,
    /// What announcements and EGI's release records need, captured at submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<Release>,
}

/// A product release as the distribution's records describe it, from the
/// Product ID Card and the check at submission time. Untrusted text: escape
/// it where it is rendered.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Release {
    pub tag: String,
    pub provider: String,
    pub description: String,
    /// Support address (EGI's `contact`).
    pub contact: String,
    /// Team leader's address (EGI's `technicalContact`), else the support address.
    pub technical_contact: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_notes_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installation_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_issues_url: Option<String>,
    /// Documentation links (installation, configuration, others).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documentation: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    /// The release notes (the changelog section), cut to [`NOTES_MAX`] characters.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Targets the release ships packages for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<ReleaseTarget>,
}

/// The release notes kept in the state block are cut here: the body has them whole.
pub const NOTES_MAX: usize = 4000;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReleaseTarget {
    /// Target id, e.g. `centos7` (EGI's `platform`).
    pub id: String,
    pub name: String,
    pub arch: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Package file names, or their download URLs when known.
    pub packages: Vec<String>,
}

/// What a site said during staged rollout.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Site {
    /// The latest acknowledgement: accept (true) or reject (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<Report>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub accepted: bool,
    pub actor: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A staged rollout report: a link whose file name follows the seed's convention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub url: String,
    pub file: String,
    pub actor: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Something a person wrote that the pipeline keeps (a waiver's reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub text: String,
    pub actor: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl State {
    pub fn stage(&self) -> Stage {
        self.history.last().map_or(Stage::Unverified, |t| t.stage)
    }

    /// When the current stage was entered.
    pub fn since(&self) -> Option<OffsetDateTime> {
        self.history.last().map(|t| t.at)
    }
}

/// A submission issue body taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub key: Key,
    /// The tool's block, without the state line.
    pub generated: String,
    pub state: Option<State>,
    /// Human text outside the tool's block.
    pub outside: String,
}

/// Parses a body written by [`compose`]. Only a marker on the very first line
/// counts, so release notes quoting a marker cannot claim another issue.
pub fn parse(body: &str) -> Option<Body> {
    let (first, rest) = body.split_once('\n').unwrap_or((body, ""));
    let id = first
        .trim_end()
        .strip_prefix(MARKER_PREFIX)?
        .strip_suffix(COMMENT_END)?;
    let key = Key::parse(id)?;
    let (before, tail) = match rest.find(BEGIN_PREFIX) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => {
            return Some(Body {
                key,
                generated: String::new(),
                state: None,
                outside: rest.to_string(),
            });
        }
    };
    let tail = tail.split_once('\n').map_or("", |(_, t)| t);
    let (block, after) = match tail.find(END) {
        Some(i) => (
            &tail[..i],
            tail[i + END.len()..]
                .strip_prefix('\n')
                .unwrap_or(&tail[i + END.len()..]),
        ),
        None => (tail, ""),
    };
    let mut generated = String::new();
    let mut state = None;
    let mut drawn = false;
    for line in block.lines() {
        if line == PIPELINE {
            drawn = true;
            continue;
        }
        match line
            .strip_prefix(STATE_PREFIX)
            .and_then(|l| l.strip_suffix(COMMENT_END))
        {
            Some(json) => {
                state = serde_json::from_str::<State>(json)
                    .ok()
                    .filter(|s| s.key == key)
            }
            None if !drawn => {
                generated.push_str(line);
                generated.push('\n');
            }
            None => {}
        }
    }
    Some(Body {
        key,
        generated,
        state,
        outside: format!("{before}{after}"),
    })
}

/// Writes a body: marker, the tool's block with its state, then the human text.
pub fn compose(key: &Key, generated: &str, state: &State, outside: &str) -> String {
    // `<`, `>` and `@` only occur inside JSON strings: escaping them keeps untrusted
    // text (release notes) from closing the comment, forging a marker or mentioning.
    let json = serde_json::to_string(state)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('@', "\\u0040");
    let mut out = format!("{}\n{BEGIN}\n{}", key.marker(), generated);
    if !generated.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(PIPELINE);
    out.push('\n');
    out.push_str(&pipeline_section(state));
    out.push_str(&format!("{STATE_PREFIX}{json}{COMMENT_END}\n{END}\n"));
    out.push_str(outside.trim_start_matches('\n'));
    out
}

/// The stage history and, from staged rollout on, the Early Adopter table.
/// Site names are configured ones; report links were checked; actors are
/// written without `@` so the body mentions nobody.
fn pipeline_section(state: &State) -> String {
    use crate::render::md_link;
    use std::fmt::Write;
    let day = crate::calendar::when;
    let mut out = String::from("\n### Pipeline\n\n| stage | since | by |\n|---|---|---|\n");
    for t in &state.history {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            t.stage.name(),
            day(t.at),
            neutralize(t.actor.trim_start_matches('@'))
        );
    }
    if let Some(w) = &state.waiver {
        let _ = writeln!(
            out,
            "\nStaged rollout waived by {} on {}: {}",
            neutralize(&w.actor),
            day(w.at),
            crate::check::report::md_escape(&neutralize(&w.text))
        );
    }
    let rollout = state
        .history
        .iter()
        .any(|t| t.stage == Stage::StagedRollout);
    if rollout || !state.sites.is_empty() {
        out.push_str("\n### Staged rollout\n\n| site | answer | reports |\n|---|---|---|\n");
        let mut names: Vec<&String> = state.candidates.iter().collect();
        names.extend(state.sites.keys());
        names.sort();
        names.dedup();
        for name in names {
            let site = state.sites.get(name).cloned().unwrap_or_default();
            let answer = match &site.answer {
                None => "waiting".to_string(),
                Some(a) => format!(
                    "{} by {}, {}",
                    if a.accepted {
                        "accepted"
                    } else {
                        "**rejected**"
                    },
                    neutralize(&a.actor),
                    day(a.at)
                ),
            };
            let reports: Vec<String> = site
                .reports
                .iter()
                .map(|r| md_link(&r.file, Some(&r.url)))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {answer} | {} |",
                crate::check::report::md_escape(&neutralize(name)),
                reports.join(", ")
            );
        }
    }
    out
}

pub use crate::markdown::neutralize;

/// What a run wants the submission to look like.
#[derive(Debug, Clone)]
pub struct Desired {
    pub key: Key,
    pub title: String,
    /// The rendered block (already neutralized where it embeds untrusted text).
    pub generated: String,
    pub packages: Vec<PackageRef>,
    pub passed: bool,
    /// GitHub handles of the TP and the card's Early Adopter candidates.
    pub contacts: Vec<String>,
    pub candidates: Vec<String>,
    pub release: Release,
}

/// Labels a submission carries besides its state.
pub fn base_labels(key: &Key) -> Vec<String> {
    vec![key.dist_label(), key.product_label()]
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
        let state = State {
            key: key.clone(),
            history: vec![Transition {
                stage: Stage::Unverified,
                at: now,
                actor: actor.to_string(),
            }],
            packages: desired.packages.clone(),
            passed: desired.passed,
            contacts: desired.contacts.clone(),
            candidates: desired.candidates.clone(),
            release: Some(desired.release.clone()),
            ..State::default()
        };
        let mut labels = vec![Stage::Unverified.label()];
        labels.extend(base_labels(key));
        return Plan {
            actions: vec![Action::CreateIssue {
                title: desired.title.clone(),
                body: compose(key, &desired.generated, &state, ""),
                labels,
            }],
        };
    };
    let mut actions = Vec::new();
    let number = IssueRef::Existing(issue.number);
    // The body parsed for `existing` to contain it; a missing state means the
    // block was damaged by hand: start the history again from the labels.
    let body = parse(&issue.body);
    let old_state = body.as_ref().and_then(|b| b.state.clone());
    let stage_from_labels = issue.labels.iter().find_map(|l| Stage::from_label(l));
    let state = match &old_state {
        Some(s) => State {
            packages: desired.packages.clone(),
            passed: desired.passed,
            contacts: desired.contacts.clone(),
            candidates: desired.candidates.clone(),
            release: Some(desired.release.clone()),
            ..s.clone()
        },
        None => State {
            key: key.clone(),
            history: vec![Transition {
                stage: stage_from_labels.unwrap_or(Stage::Unverified),
                at: issue.created_at,
                actor: issue.author.clone(),
            }],
            packages: desired.packages.clone(),
            passed: desired.passed,
            contacts: desired.contacts.clone(),
            candidates: desired.candidates.clone(),
            release: Some(desired.release.clone()),
            ..State::default()
        },
    };
    let outside = body.as_ref().map(|b| b.outside.as_str()).unwrap_or("");
    let new_body = compose(key, &desired.generated, &state, outside);
    if new_body != issue.body {
        let change = Change::between(
            old_state.as_ref(),
            &state,
            body.as_ref().map(|b| b.generated.as_str()) != Some(desired.generated.as_str()),
        );
        actions.push(Action::UpdateIssue {
            number,
            title: (issue.title != desired.title).then(|| desired.title.clone()),
            body: Some(new_body),
            open: None,
        });
        if old_state.is_some() && !change.is_empty() {
            actions.push(Action::Comment {
                number,
                body: update_comment(&change),
            });
        }
    } else if issue.title != desired.title {
        actions.push(Action::UpdateIssue {
            number,
            title: Some(desired.title.clone()),
            body: None,
            open: None,
        });
    }
    // Repair labels lost to a crash or a hand edit; the stage itself is the
    // pipeline's business, so only a missing state label is restored.
    let mut missing: Vec<String> = base_labels(key)
        .into_iter()
        .filter(|l| !issue.labels.contains(l))
        .collect();
    if stage_from_labels.is_none() {
        missing.insert(0, state.stage().label());
    }
    if !missing.is_empty() {
        actions.push(Action::AddLabels {
            number,
            labels: missing,
        });
    }
    Plan { actions }
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

/// Of several open issues for one key (two runs raced), the lowest number
/// survives; the plan closes the others as duplicates. Every racer computes
/// the same survivor, so they converge.
pub fn dedupe(existing: &[&Issue]) -> Plan {
    let open: Vec<&&Issue> = existing.iter().filter(|i| i.open).collect();
    let Some(keep) = open.first() else {
        return Plan::default();
    };
    let mut actions = Vec::new();
    for dup in open.iter().skip(1) {
        let number = IssueRef::Existing(dup.number);
        actions.push(Action::Comment { number, body: format!("Duplicate of #{}: two submissions of this release ran at the same time; umd-release keeps the first issue and closes this one.", keep.number) });
        actions.push(Action::AddLabels {
            number,
            labels: vec![crate::labels::DUPLICATE.into()],
        });
        actions.push(Action::UpdateIssue {
            number,
            title: None,
            body: None,
            open: Some(false),
        });
    }
    Plan { actions }
}

/// Everything a submission is built from.
pub struct Source<'a> {
    pub facts: &'a crate::release::ReleaseFacts,
    pub policy: &'a crate::policy::Policy,
    pub report: &'a crate::check::PolicyReport,
    /// Where the packages can be downloaded, by file name (intake knows; push may not).
    pub download_urls: &'a std::collections::BTreeMap<String, String>,
    /// Link to the release notes (the release page), when known.
    pub release_notes_url: Option<&'a str>,
}

/// Builds the desired submission for one distribution: key, title and the
/// rendered block. Untrusted text is escaped by the templates or quoted here.
pub fn desired(
    src: &Source,
    templates: &crate::render::Templates,
) -> Result<Desired, crate::render::TemplateError> {
    use crate::render::{md_link, quote};
    let card = src.facts.card.as_ref();
    let product = card
        .map(|c| c.name.clone())
        .unwrap_or_else(|| "unknown-product".into());
    let version = src.report.tag.wanted().to_string();
    let key = Key {
        dist: src.policy.id.clone(),
        product: product.clone(),
        version: version.clone(),
    };
    let contacts: Vec<String> = card
        .map(|c| {
            let mut v: Vec<String> = [
                c.contacts.support_email.clone(),
                c.team_leader
                    .as_ref()
                    .map(|t| format!("{} <{}>", t.name, t.email)),
                c.contacts
                    .security
                    .clone()
                    .map(|s| format!("security: {s}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            v.extend(
                c.contacts
                    .github
                    .iter()
                    .map(|h| format!("{} (GitHub)", h.trim_start_matches('@'))),
            );
            v
        })
        .unwrap_or_default();
    let notes_link = src
        .release_notes_url
        .map(str::to_string)
        .or_else(|| card.and_then(|c| c.documentation.release_notes.clone()));
    let target_of = |file: &std::path::Path| {
        src.report
            .targets
            .iter()
            .find(|t| t.packages.iter().any(|p| p == file))
            .map(|t| t.name.clone())
            .unwrap_or_else(|| "none".into())
    };
    let packages: Vec<serde_json::Value> = src
        .facts
        .packages
        .iter()
        .map(|p| {
            let file = p.file.display().to_string();
            let name = p
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.clone());
            serde_json::json!({
                "file_link": md_link(&file, src.download_urls.get(&name).map(String::as_str)),
                "name": p.name, "version": p.version, "release": p.release, "arch": p.arch,
                "target": target_of(&p.file), "size": p.size, "sha256": p.sha256,
            })
        })
        .collect();
    let notes = crate::check::release_notes(src.facts, &src.report.tag).unwrap_or("");
    let findings: Vec<serde_json::Value> = src
        .report
        .findings
        .iter()
        .filter(|f| f.severity >= crate::policy::Severity::Warning)
        .map(|f| serde_json::json!({"severity": f.severity.as_str(), "rule": f.rule, "message": f.message}))
        .collect();
    let data = serde_json::json!({
        "product": product,
        "description": card.and_then(|c| c.description.clone()).unwrap_or_default(),
        "version": version,
        "tag": src.report.tag.tag,
        "distribution": {"id": src.policy.id, "name": src.policy.name},
        "provider": card.and_then(|c| c.technology_provider.clone()).unwrap_or_default(),
        "contacts": contacts,
        "support_unit": card.and_then(|c| c.ggus_support_unit.clone()).unwrap_or_default(),
        "release_notes_link": md_link(notes_link.as_deref().unwrap_or("(not given)"), notes_link.as_deref()),
        "check": {"passed": src.report.passed, "errors": src.report.errors, "warnings": src.report.warnings},
        "packages": packages,
        "notes": quote(notes),
        "findings": findings,
    });
    let generated = templates.render("submission", &data)?;
    Ok(Desired {
        title: format!("[{}] {} {}", src.policy.name, product, key.version),
        key,
        generated,
        packages: src
            .facts
            .packages
            .iter()
            .map(|p| PackageRef {
                file: p.file.display().to_string(),
                sha256: p.sha256.clone(),
            })
            .collect(),
        passed: src.report.passed,
        contacts: card
            .map(|c| {
                c.contacts
                    .github
                    .iter()
                    .map(|h| h.trim_start_matches('@').to_string())
                    .collect()
            })
            .unwrap_or_default(),
        candidates: card
            .map(|c| {
                c.early_adopters
                    .iter()
                    .map(|s| s.value().to_string())
                    .collect()
            })
            .unwrap_or_default(),
        release: release_record(src, notes, notes_link),
    })
}

/// The release record kept in the state (see [`Release`]).
fn release_record(src: &Source, notes: &str, notes_link: Option<String>) -> Release {
    let card = src.facts.card.as_ref();
    let support = card
        .and_then(|c| c.contacts.support_email.clone())
        .unwrap_or_default();
    let leader = card
        .and_then(|c| c.team_leader.as_ref().map(|t| t.email.clone()))
        .unwrap_or_default();
    let mut notes = notes.trim().to_string();
    if notes.len() > NOTES_MAX {
        let mut cut = NOTES_MAX;
        while !notes.is_char_boundary(cut) {
            cut -= 1;
        }
        notes.truncate(cut);
        notes.push_str(" …");
    }
    let name_of = |p: &std::path::Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let targets = src
        .report
        .targets
        .iter()
        .filter(|t| !t.packages.is_empty())
        .map(|t| {
            let pkgs: Vec<&crate::package::Package> = src
                .facts
                .packages
                .iter()
                .filter(|p| t.packages.contains(&p.file))
                .collect();
            // EGI records one architecture per target: the binary one if any.
            let arch = pkgs
                .iter()
                .map(|p| p.arch.as_str())
                .find(|a| !["noarch", "all", "src"].contains(a))
                .or_else(|| pkgs.first().map(|p| p.arch.as_str()))
                .unwrap_or_default()
                .to_string();
            ReleaseTarget {
                id: t.id.clone(),
                name: t.name.clone(),
                arch,
                repository: src
                    .policy
                    .targets
                    .iter()
                    .find(|p| p.id == t.id)
                    .and_then(|p| p.repository.clone()),
                packages: pkgs
                    .iter()
                    .map(|p| {
                        let name = name_of(&p.file);
                        src.download_urls.get(&name).cloned().unwrap_or(name)
                    })
                    .collect(),
            }
        })
        .collect();
    let doc = card.map(|c| &c.documentation);
    Release {
        tag: src.report.tag.tag.clone(),
        provider: card
            .and_then(|c| c.technology_provider.clone())
            .unwrap_or_default(),
        description: card.and_then(|c| c.description.clone()).unwrap_or_default(),
        technical_contact: if leader.is_empty() {
            support.clone()
        } else {
            leader
        },
        contact: support,
        release_notes_url: notes_link,
        installation_url: doc.and_then(|d| d.installation.clone()),
        known_issues_url: doc.and_then(|d| d.known_issues.clone()),
        documentation: doc
            .map(|d| {
                [d.installation.clone(), d.configuration.clone()]
                    .into_iter()
                    .flatten()
                    .chain(d.other.iter().cloned())
                    .collect()
            })
            .unwrap_or_default(),
        capabilities: card.map(|c| c.capabilities.clone()).unwrap_or_default(),
        notes,
        targets,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key {
            dist: "cmd-os-1".into(),
            product: "demo".into(),
            version: "1.4.0".into(),
        }
    }

    fn state() -> State {
        State {
            key: key(),
            history: vec![Transition {
                stage: Stage::Unverified,
                at: OffsetDateTime::UNIX_EPOCH,
                actor: "bot".into(),
            }],
            packages: vec![PackageRef {
                file: "a.rpm".into(),
                sha256: "00".into(),
            }],
            passed: true,
            ..State::default()
        }
    }

    #[test]
    fn compose_then_parse_round_trips_and_keeps_human_text() {
        let body = compose(&key(), "## demo 1.4.0\n", &state(), "Human note.\n");
        let parsed = parse(&body).unwrap();
        assert_eq!(parsed.key, key());
        assert_eq!(parsed.generated, "## demo 1.4.0\n");
        assert_eq!(parsed.state, Some(state()));
        assert_eq!(parsed.outside, "Human note.\n");
        // Recomposing with the same parts gives the same body.
        assert_eq!(
            compose(
                &parsed.key,
                &parsed.generated,
                parsed.state.as_ref().unwrap(),
                &parsed.outside
            ),
            body
        );
    }

    #[test]
    fn a_marker_not_on_the_first_line_is_ignored() {
        let forged = format!("Release notes\n{}\n", key().marker());
        assert!(parse(&forged).is_none());
        let neutral = neutralize(&key().marker());
        assert!(!neutral.contains("<!--"), "{neutral}");
    }

    #[test]
    fn a_state_with_another_key_is_ignored() {
        let mut other = state();
        other.key.version = "9.9.9".into();
        let body = compose(&key(), "x\n", &other, "");
        assert_eq!(parse(&body).unwrap().state, None);
    }

    #[test]
    fn neutralize_breaks_html_and_mentions() {
        let s = neutralize("<!-- x --> @team <script> a@b.org");
        assert_eq!(s, "&lt;!-- x --&gt; @\u{200b}team &lt;script&gt; a@b.org");
    }
}
