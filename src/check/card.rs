//! The Product ID Card: `card-missing`, `card-component`, `card-incomplete`,
//! `card-invalid`.

use crate::policy::ProductCard;
use crate::rules;

use super::{CARD_FILE, Ctx, Location, Sink, card_loc};

pub(super) fn check_card(ctx: &Ctx, sink: &mut Sink) {
    let Some(card) = &ctx.facts.card else {
        sink.push(
            &rules::CARD_MISSING,
            format!("the repository has no Product ID Card ({CARD_FILE})"),
            Location::file(CARD_FILE),
            format!("add {CARD_FILE} at the repository root; `umd-release schema card` prints its schema"),
        );
        return;
    };
    if !ctx.policy.components.contains(card.component.get()) {
        sink.push(
            &rules::CARD_COMPONENT,
            format!(
                "the card declares component `{}`, which does not go to {} (it takes: {})",
                serde_json::to_value(card.component.get()).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
                ctx.policy.name,
                ctx.policy
                    .components
                    .iter()
                    .filter_map(|c| serde_json::to_value(c).ok().and_then(|v| v.as_str().map(String::from)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            card_loc(card.component.line()),
            "omit --policy to check against the distributions the card's component goes to, or correct `component`".into(),
        );
    }
    for (field, hint) in missing_fields(card) {
        // An empty key is pointed at; a missing one at its parent, else the top.
        let parent = field.rsplit_once('.').map_or("", |(p, _)| p);
        let line = ctx
            .facts
            .card_lines
            .get(field)
            .or_else(|| ctx.facts.card_lines.get(parent))
            .copied()
            .unwrap_or(1);
        sink.push(
            &rules::CARD_INCOMPLETE,
            format!("the Product ID Card has no `{field}`"),
            card_loc(line),
            format!("add `{field}`: {hint}"),
        );
    }
    for (line, message, hint) in invalid_values(card, &|k| ctx.facts.card_line(k)) {
        sink.push(&rules::CARD_INVALID, message, card_loc(line), hint);
    }
}

/// Fields UMD asks for that the card leaves empty, with what to put there.
fn missing_fields(card: &ProductCard) -> Vec<(&'static str, &'static str)> {
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    let mut out = Vec::new();
    let mut need = |missing: bool, field, hint| {
        if missing {
            out.push((field, hint));
        }
    };
    need(
        blank(&card.description),
        "description",
        "what the product is, in a paragraph",
    );
    need(
        blank(&card.purpose),
        "purpose",
        "what it is for, in a sentence or two",
    );
    need(
        blank(&card.technology_provider),
        "technology_provider",
        "the Technology Provider team registered in URT",
    );
    need(
        card.team_leader.is_none(),
        "team_leader",
        "`{name: ..., email: ...}` of the team leader",
    );
    need(
        blank(&card.contacts.support_email),
        "contacts.support_email",
        "the support mailing address",
    );
    need(
        blank(&card.contacts.website),
        "contacts.website",
        "the product's web site",
    );
    need(
        blank(&card.contacts.security),
        "contacts.security",
        "who to tell about security issues (an e-mail address)",
    );
    need(
        blank(&card.ggus_support_unit),
        "ggus_support_unit",
        "the GGUS Support Unit that handles the product's incidents",
    );
    need(
        card.license
            .as_ref()
            .is_none_or(|l| l.value().trim().is_empty()),
        "license",
        "the SPDX licence expression, e.g. `Apache-2.0`",
    );
    need(
        card.release_channels.is_empty(),
        "release_channels",
        "where releases are published, e.g. the GitHub releases page",
    );
    need(
        blank(&card.documentation.installation),
        "documentation.installation",
        "a link to the installation and configuration guide",
    );
    need(
        blank(&card.documentation.release_notes),
        "documentation.release_notes",
        "a link to where release notes are published",
    );
    need(
        card.support_calendar.is_empty(),
        "support_calendar",
        "the supported release lines and their end of support",
    );
    need(
        card.early_adopters.is_empty(),
        "early_adopters",
        "candidate Early Adopter sites as `NGI-Site` names",
    );
    need(
        card.capabilities.is_empty(),
        "capabilities",
        "what the product provides, e.g. `Accounting`",
    );
    out
}

/// Malformed card values: (line, message, hint); `line_of` finds a key's line.
fn invalid_values(
    card: &ProductCard,
    line_of: &dyn Fn(&str) -> usize,
) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let emails = [
        (
            "team_leader.email",
            card.team_leader.as_ref().map(|p| p.email.as_str()),
        ),
        (
            "contacts.support_email",
            card.contacts.support_email.as_deref(),
        ),
        ("contacts.security", card.contacts.security.as_deref()),
    ];
    for (field, value) in emails {
        if let Some(v) = value.filter(|v| !v.trim().is_empty())
            && !is_email(v)
        {
            out.push((
                line_of(field),
                format!("`{field}` is `{v}`, which is not an e-mail address"),
                "write an address such as `support@example.org`".into(),
            ));
        }
    }
    let docs = &card.documentation;
    let links = [
        ("contacts.website", card.contacts.website.as_deref()),
        ("documentation.installation", docs.installation.as_deref()),
        ("documentation.configuration", docs.configuration.as_deref()),
        ("documentation.release_notes", docs.release_notes.as_deref()),
        ("documentation.known_issues", docs.known_issues.as_deref()),
    ];
    for (field, value) in links.into_iter().chain(
        docs.other
            .iter()
            .map(|o| ("documentation.other", Some(o.as_str()))),
    ) {
        if let Some(v) = value.filter(|v| !v.trim().is_empty())
            && !(v.starts_with("https://") || v.starts_with("http://"))
        {
            out.push((
                line_of(field),
                format!("`{field}` is `{v}`, which is not an http(s) link"),
                "write a full URL starting with https://".into(),
            ));
        }
    }
    for line in &card.support_calendar {
        for (field, v) in [
            ("end_of_support", Some(&line.end_of_support)),
            ("end_of_security", line.end_of_security.as_ref()),
        ] {
            if let Some(v) = v
                && time::Date::parse(
                    v,
                    &time::macros::format_description!("[year]-[month]-[day]"),
                )
                .is_err()
            {
                out.push((
                    line_of(&format!("support_calendar.{field}")),
                    format!(
                        "support_calendar {}: `{field}: {v}` is not a date",
                        line.version
                    ),
                    "write dates as YYYY-MM-DD".into(),
                ));
            }
        }
    }
    for site in &card.early_adopters {
        if !is_site_name(site.value()) {
            out.push((
                site.line(),
                format!("early Adopter site `{}` is not an `<NGI>-<Site-name>` name", site.value()),
                "name the site as the Staged Rollout procedure does, NGI then site, e.g. `NGI_IT-INFN-CNAF`".into(),
            ));
        }
    }
    for handle in &card.contacts.github {
        let h = handle.trim_start_matches('@');
        let valid = !h.is_empty()
            && h.len() <= 39
            && !h.starts_with('-')
            && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid {
            out.push((
                line_of("contacts.github"),
                format!("`contacts.github` has `{handle}`, which is not a GitHub login"),
                "write logins without spaces, e.g. `jdoe`".into(),
            ));
        }
    }
    out
}

fn is_email(v: &str) -> bool {
    let mut parts = v.trim().splitn(2, '@');
    let (Some(user), Some(host)) = (parts.next(), parts.next()) else {
        return false;
    };
    !user.is_empty() && host.contains('.') && !v.contains(char::is_whitespace)
}

/// `<NGI>-<Site-name>` (seed "Staged Rollout"): two non-empty parts, no spaces.
pub fn is_site_name(v: &str) -> bool {
    match v.split_once('-') {
        Some((ngi, site)) => {
            !ngi.is_empty()
                && !site.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        }
        None => false,
    }
}
