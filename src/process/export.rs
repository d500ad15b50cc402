//! Exporting a published distribution release as EGI's software-releases
//! records: the distribution record and one product record per product.

use super::announce::{DistRelease, find_release};
use super::{Result, input};
use crate::export::egi;
use crate::tracker::Tracker;

/// The files to write: path (relative to the root of EGI's release
/// repository) and JSON, the distribution record first; all or an error.
pub fn egi_records(
    tracker: &dyn Tracker,
    release: &DistRelease,
) -> Result<Vec<(String, serde_json::Value)>> {
    let DistRelease { policy, key } = release;
    let Some((ann, record)) = find_release(tracker, key)? else {
        return Err(input(format!(
            "{} {} was never announced in {}",
            policy.name,
            key.version,
            tracker.describe()
        )));
    };
    let Some(published) = record.published else {
        return Err(input(format!(
            "{} {} is announced (#{}) but not published: run `umd-release publish` first",
            policy.name, key.version, ann.number
        )));
    };
    let mut states = Vec::new();
    for (k, number) in &record.products {
        let issue = tracker.get_issue(*number)?;
        let state = crate::submission::parse(&issue.body)
            .and_then(|b| b.state)
            .filter(|s| &s.key == k)
            .ok_or_else(|| {
                input(format!(
                    "#{number} no longer holds the submission {}: its state block was edited",
                    k.id()
                ))
            })?;
        states.push(state);
    }
    let empty = crate::submission::Release::default();
    let gpgkey = egi::known_gpgkey(policy).unwrap_or("");
    let products: Vec<egi::ProductInput> = states
        .iter()
        .map(|s| egi::ProductInput {
            state: s,
            release: s.release.as_ref().unwrap_or(&empty),
            policy,
            distribution_version: &key.version,
            release_date: published.date(),
            current_state: "Production",
            gpgkey,
        })
        .collect();
    let notes_html = release_notes_html(&products);
    let a = &policy.pipeline.announcement;
    let fill = |s: &str| s.replace("{version}", &key.version);
    let names: Vec<String> = products
        .iter()
        .map(|p| format!("{} {}", p.state.key.product, p.state.key.version))
        .collect();
    let created = ann.created_at;
    egi::release_files(&egi::DistributionInput {
        policy,
        version: &key.version,
        date: published,
        created,
        description: &fill(&a.description),
        release_notes_html: &notes_html,
        installation_notes: &a.installation_notes,
        contact: &a.contact,
        technical_contact: &a.technical_contact,
        known_issues: &a
            .details_url
            .as_deref()
            .map(|u| format!("Please visit {} for known issues.", fill(u)))
            .unwrap_or_default(),
        change_log: &format!("This release adds {}.", names.join(", ")),
        additional_details: &a.details_url.as_deref().map(fill).unwrap_or_default(),
        products,
        id: ann.number,
    })
    .map_err(|e| {
        input(format!(
            "{} {}: cannot export: {e}",
            policy.name, key.version
        ))
    })
}

/// The release notes list the products, as EGI's records do; names are keys
/// (plain), links are escaped by html_escape.
fn release_notes_html(products: &[egi::ProductInput]) -> String {
    let items: Vec<String> = products
        .iter()
        .map(|p| {
            let name = format!("{} {}", p.state.key.product, p.state.key.version);
            match p
                .release
                .release_notes_url
                .as_deref()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            {
                Some(u) => format!(
                    "<li>{} - <a href=\"{}\">{}</a></li>",
                    egi::html_escape(&name),
                    egi::html_escape(u),
                    egi::html_escape(u)
                ),
                None => format!("<li>{}</li>", egi::html_escape(&name)),
            }
        })
        .collect();
    format!(
        "This release contains the following products and updates: <br><ul>{}</ul>",
        items.concat()
    )
}
