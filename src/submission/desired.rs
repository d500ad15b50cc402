//! What a run wants the submission to be, built from the release and its check.

use super::key::Key;
use super::state::{NOTES_MAX, PackageRef, Release, ReleaseTarget};
use crate::policy::ProductCard;

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
    /// The card's middleware stack.
    pub stack: Option<String>,
    /// The policy's choice for an older version in Staged Rollout.
    pub supersede_in_staged_rollout: bool,
    pub release: Release,
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
    let contacts = contact_lines(card);
    let notes_link = src
        .release_notes_url
        .map(str::to_string)
        .or_else(|| card.and_then(|c| c.documentation.release_notes.clone()));
    let packages = packages_json(src);
    let notes = safe_notes(
        crate::check::release_notes(src.facts, &src.report.tag).unwrap_or(""),
        notes_link.as_deref(),
    );
    let notes = notes.as_str();
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
        contacts: github_handles(card),
        candidates: card
            .map(|c| {
                c.early_adopters
                    .iter()
                    .map(|s| s.value().to_string())
                    .collect()
            })
            .unwrap_or_default(),
        stack: card
            .and_then(|c| c.middleware_stack.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        supersede_in_staged_rollout: src.policy.pipeline.supersede_in_staged_rollout,
        release: release_record(src, notes, notes_link),
    })
}

/// The card's contacts as the submission lists them: support, team leader,
/// security, then GitHub handles.
fn contact_lines(card: Option<&ProductCard>) -> Vec<String> {
    card.map(|c| {
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
    .unwrap_or_default()
}

/// The TP's GitHub handles without `@`, told about delays.
fn github_handles(card: Option<&ProductCard>) -> Vec<String> {
    card.map(|c| {
        c.contacts
            .github
            .iter()
            .map(|h| h.trim_start_matches('@').to_string())
            .collect()
    })
    .unwrap_or_default()
}

/// The package table's rows, each with its download link and target.
fn packages_json(src: &Source) -> Vec<serde_json::Value> {
    use crate::render::md_link;
    let target_of = |file: &std::path::Path| {
        src.report
            .targets
            .iter()
            .find(|t| t.packages.iter().any(|p| p == file))
            .map(|t| t.name.clone())
            .unwrap_or_else(|| "none".into())
    };
    src.facts
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
        .collect()
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

/// Release notes with only http(s) links, and images only from the
/// release's own forge.
fn safe_notes(notes: &str, release_page: Option<&str>) -> String {
    let hosts = crate::markdown::image_hosts(release_page);
    let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
    crate::markdown::safe_links(notes, &hosts)
}
