//! The status dashboard (seed "Cloud Middleware Distribution": the RT Software
//! Provisioning Dashboard): one static HTML page with its CSS and a little
//! vanilla JS, listing every submission. Pure: issues in, files out.
//!
//! Everything read from issues is untrusted (product text, site names, actors,
//! links): every interpolated value goes through [`escape`], and only
//! `http(s)://` URLs become links. The page loads nothing from elsewhere and
//! its Content-Security-Policy forbids inline script, so even a missed escape
//! could not run code. The output depends only on the input, so it can be
//! snapshot-tested and published without spurious diffs.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::issue::Issue;
use crate::pipeline::calendar::when;
use crate::pipeline::rollout::called_sites;
use crate::pipeline::sweep::{stage_deadline, waiting_for};
use crate::pipeline::{DELAYED_LABEL, Stage};
use crate::policy::Policy;
use crate::policy::governing;
use crate::policy::tracker_config::TrackerConfig;
use crate::submission::State;

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("app.js");

/// One submission as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub number: u64,
    pub url: String,
    pub product: String,
    pub version: String,
    /// The policy id (`cmd-os-1`).
    pub distribution: String,
    /// The policy's name (`CMD-OS 1`), the id when the policy is unknown.
    pub distribution_name: String,
    /// Serialized as the stage's slug (`staged-rollout`).
    pub stage: Stage,
    pub stage_name: &'static str,
    pub open: bool,
    /// Flagged Delayed: the `delayed` label, or the state's flag for the current stage.
    pub delayed: bool,
    /// When the current stage was entered.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// Whole days since [`Row::since`].
    pub days_in_stage: i64,
    /// The current stage's deadline; none for final stages and Ready for release.
    pub deadline: Option<Deadline>,
    /// What an open submission waits for (Markdown code spans in backticks).
    pub waiting: Vec<String>,
    /// The release passed its policy check when submitted.
    pub passed: bool,
    pub provider: String,
    pub description: String,
    pub release_notes_url: Option<String>,
    /// Sites called to (or answering) the staged rollout, by name.
    pub early_adopters: Vec<EarlyAdopter>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// What must happen, e.g. `staged rollout to complete`.
    pub what: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub due: OffsetDateTime,
    /// Whole days until `due`: 0 on its last day, negative (at least -1) once it has passed.
    pub days_left: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Acknowledgement {
    Accepted,
    Rejected,
    Waiting,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarlyAdopter {
    pub site: String,
    pub answer: Acknowledgement,
    /// Who answered, and when.
    pub actor: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub at: Option<OffsetDateTime>,
    pub reports: Vec<ReportLink>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportLink {
    pub file: String,
    pub url: String,
}

/// The dashboard's rows from the tracker's issues (submissions only): open
/// ones, and closed ones that reached a final stage. Open first, Delayed first,
/// then by distribution, product and version.
pub fn rows(
    issues: &[Issue],
    policies: &[Policy],
    config: &TrackerConfig,
    now: OffsetDateTime,
) -> Vec<Row> {
    // Built-in policies are parsed on each lookup: once per distribution is enough.
    let mut known: BTreeMap<String, Option<Cow<Policy>>> = BTreeMap::new();
    let mut out = Vec::new();
    for issue in issues {
        let Some(body) = crate::submission::parse(&issue.body) else {
            continue;
        };
        let policy = known
            .entry(body.key.dist.clone())
            .or_insert_with(|| governing(&body.key.dist, policies))
            .as_deref();
        out.extend(row(issue, body, policy, config, now));
    }
    out.sort_by(order);
    out
}

fn row(
    issue: &Issue,
    body: crate::submission::Body,
    policy: Option<&Policy>,
    config: &TrackerConfig,
    now: OffsetDateTime,
) -> Option<Row> {
    let state = body.state.as_ref();
    // The label is what people see and move (as `status` shows it); a body
    // whose state block was damaged still counts from its label.
    let stage = issue
        .labels
        .iter()
        .find_map(|l| Stage::from_label(l))
        .or(state.map(State::stage))
        .unwrap_or(Stage::Unverified);
    // A closed issue in an open stage (a duplicate, one closed by hand) says
    // nothing about where the product stands.
    if !issue.open && stage.is_open() {
        return None;
    }
    let since = state
        .and_then(|s| s.history.iter().rev().find(|t| t.stage == stage))
        .map_or(issue.created_at, |t| t.at);
    let active = issue.open && stage.is_open();
    // Deadlines come from the state only when it agrees with the label (the
    // sweep puts a disagreement right) and its dates can be computed with.
    let live = state
        .filter(|s| active && s.stage() == stage)
        .zip(policy)
        .filter(|(s, p)| computable(s, p, now));
    let deadline = live
        .and_then(|(s, p)| stage_deadline(s, p))
        .map(|(what, due)| Deadline {
            what,
            due,
            days_left: signed_days(due - now),
        });
    let waiting = live
        .map(|(s, p)| waiting_for(s, p, config, now))
        .unwrap_or_default();
    let delayed = active
        && (issue.labels.iter().any(|l| l == DELAYED_LABEL)
            || state.is_some_and(|s| s.delayed == Some(stage)));
    let release = state.and_then(|s| s.release.as_ref());
    let key = body.key;
    Some(Row {
        number: issue.number,
        url: issue.url.clone(),
        distribution_name: policy.map_or_else(|| key.dist.clone(), |p| p.name.clone()),
        product: key.product,
        version: key.version,
        distribution: key.dist,
        stage,
        stage_name: stage.name(),
        open: issue.open,
        delayed,
        since,
        days_in_stage: (now - since).whole_days().max(0),
        deadline,
        waiting,
        passed: state.is_none_or(|s| s.passed),
        provider: release.map(|r| r.provider.clone()).unwrap_or_default(),
        description: release.map(|r| r.description.clone()).unwrap_or_default(),
        release_notes_url: release.and_then(|r| r.release_notes_url.clone()),
        early_adopters: state
            .map(|s| early_adopters(s, stage, config))
            .unwrap_or_default(),
    })
}

/// Whole days in `d` (truncated), but at least one day late once it is
/// negative: "10 days late" 10 days and 3 hours after, never "0 days late".
fn signed_days(d: Duration) -> i64 {
    match d.whole_days() {
        0 if d.is_negative() => -1,
        n => n,
    }
}

/// Whether the deadline arithmetic (which adds days and panics beyond year
/// 9999) is safe on these dates and policy numbers; a hand-edited state block
/// can hold any date.
fn computable(state: &State, policy: &Policy, now: OffsetDateTime) -> bool {
    const MAX_DAYS: u32 = 100_000;
    let d = &policy.pipeline.deadlines;
    let sane = |t: OffsetDateTime| (1..=9000).contains(&t.year());
    sane(now)
        && state.history.iter().all(|t| sane(t.at))
        && [
            d.unverified_days,
            d.verification_days,
            d.staged_rollout_days,
            d.min_exposure_days,
            d.ea_ack_working_days,
        ]
        .iter()
        .all(|n| *n <= MAX_DAYS)
}

/// The sites of the staged rollout: those called (the card's candidates the
/// tracker knows, else every site) while it runs, the card's candidates, and
/// every site that answered or reported. None before staged rollout.
fn early_adopters(state: &State, stage: Stage, config: &TrackerConfig) -> Vec<EarlyAdopter> {
    let rollout = state
        .history
        .iter()
        .any(|t| t.stage == Stage::StagedRollout);
    if !rollout && state.sites.is_empty() {
        return Vec::new();
    }
    let mut names: Vec<&String> = state.candidates.iter().chain(state.sites.keys()).collect();
    if stage == Stage::StagedRollout {
        names.extend(called_sites(state, config));
    }
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let site = state.sites.get(name);
            let answer = site.and_then(|s| s.answer.as_ref());
            EarlyAdopter {
                site: name.clone(),
                answer: match answer {
                    None => Acknowledgement::Waiting,
                    Some(a) if a.accepted => Acknowledgement::Accepted,
                    Some(_) => Acknowledgement::Rejected,
                },
                actor: answer.map(|a| a.actor.clone()),
                at: answer.map(|a| a.at),
                reports: site
                    .map(|s| {
                        s.reports
                            .iter()
                            .map(|r| ReportLink {
                                file: r.file.clone(),
                                url: r.url.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Open first, Delayed first, then distribution, product, version (numerically
/// where both are versions), and the issue number so the order is total.
fn order(a: &Row, b: &Row) -> Ordering {
    (!a.open, !a.delayed, &a.distribution, &a.product)
        .cmp(&(!b.open, !b.delayed, &b.distribution, &b.product))
        .then_with(|| version_key(&a.version).cmp(&version_key(&b.version)))
        .then_with(|| a.number.cmp(&b.number))
}

/// Semantic versions before anything else, so `1.10.0` follows `1.9.0`; the
/// text breaks ties. A key (not a pairwise rule) keeps the order total.
fn version_key(v: &str) -> (bool, Option<semver::Version>, &str) {
    let parsed = semver::Version::parse(v).ok();
    (parsed.is_none(), parsed, v)
}

/// The site: (relative path, contents) of every file, written as they are.
pub fn render(rows: &[Row], tracker: &str, now: OffsetDateTime) -> Vec<(String, String)> {
    vec![
        ("index.html".into(), page(rows, tracker, now)),
        ("style.css".into(), STYLE.into()),
        ("app.js".into(), SCRIPT.into()),
    ]
}

/// HTML-escapes text for element content and quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `url` when it may become a link: http(s) only (never `javascript:` or a
/// local path), without whitespace or control characters.
fn web_url(url: &str) -> Option<&str> {
    let scheme = |s: &str| {
        url.get(..s.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(s))
    };
    let rest = if scheme("https://") {
        &url[8..]
    } else if scheme("http://") {
        &url[7..]
    } else {
        return None;
    };
    (!rest.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control())).then_some(url)
}

/// `text` as a link to `url` when that is a web URL, else as plain text.
fn link(text: &str, url: &str) -> String {
    match web_url(url) {
        Some(u) => format!("<a href=\"{}\">{}</a>", escape(u), escape(text)),
        None => escape(text),
    }
}

/// Escaped text with its Markdown code spans (`` `x` ``) as `<code>`: the
/// waiting-for lines name labels and commands that way.
fn with_code(text: &str) -> String {
    let escaped = escape(text);
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len().is_multiple_of(2) {
        // An unpaired backtick: leave it as written.
        return escaped;
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn days(n: i64) -> String {
    if n == 1 || n == -1 {
        format!("{n} day")
    } else {
        format!("{n} days")
    }
}

fn page(rows: &[Row], tracker: &str, now: OffsetDateTime) -> String {
    let tracker = escape(tracker);
    let generated = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut out = String::with_capacity(4096 + rows.len() * 2048);
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="umd-release">
<title>Software Provisioning Dashboard: {tracker}</title>
<link rel="stylesheet" href="style.css">
<script src="app.js" defer></script>
</head>
<body>
<header>
<h1>Software Provisioning Dashboard</h1>
<p class="meta">Submissions in <strong>{tracker}</strong>, generated <time datetime="{generated}">{when}</time>.</p>
</header>
<main>
"#,
        generated = escape(&generated),
        when = when(now),
    );
    counts(&mut out, rows);
    filters(&mut out, rows);
    if rows.is_empty() {
        out.push_str("<p class=\"empty\">No submissions yet.</p>\n");
    } else {
        let _ = write!(
            out,
            r#"<table id="submissions">
<caption>{} submission(s): open ones first, Delayed first among them.</caption>
<thead>
<tr><th scope="col">Issue</th><th scope="col">Product</th><th scope="col">Distribution</th><th scope="col">Stage</th><th scope="col">In stage</th><th scope="col">Deadline</th><th scope="col">Waiting for</th><th scope="col">Early Adopters</th><th scope="col">Check</th></tr>
</thead>
<tbody>
"#,
            rows.len()
        );
        for r in rows {
            row_html(&mut out, r);
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str(
        "</main>\n<footer>\n<p>Written by umd-release from the tracker's issues; each row names its issue. Without JavaScript every submission is shown.</p>\n</footer>\n</body>\n</html>\n",
    );
    out
}

/// How many submissions are in each stage, and how many are Delayed.
fn counts(out: &mut String, rows: &[Row]) {
    out.push_str("<section aria-labelledby=\"counts-title\">\n<h2 id=\"counts-title\">Submissions per stage</h2>\n<ul class=\"counts\">\n");
    for stage in Stage::ALL {
        let n = rows.iter().filter(|r| r.stage == stage).count();
        let _ = writeln!(
            out,
            "<li class=\"count stage-{slug}\" data-stage=\"{slug}\"><span class=\"n\">{n}</span> {name}</li>",
            slug = stage.slug(),
            name = stage.name()
        );
    }
    let late = rows.iter().filter(|r| r.delayed).count();
    let _ = writeln!(
        out,
        "<li class=\"count is-delayed\" data-stage=\"delayed\"><span class=\"n\">{late}</span> Delayed</li>"
    );
    out.push_str("</ul>\n</section>\n");
}

/// The filter form: hidden until app.js shows it, as it does nothing without.
fn filters(out: &mut String, rows: &[Row]) {
    let mut dists: BTreeMap<&str, &str> = BTreeMap::new();
    for r in rows {
        dists.insert(&r.distribution, &r.distribution_name);
    }
    out.push_str("<form id=\"filters\" class=\"filters\" hidden>\n<label for=\"filter-distribution\">Distribution</label>\n<select id=\"filter-distribution\" name=\"distribution\">\n<option value=\"\">All distributions</option>\n");
    for (id, name) in dists {
        let _ = writeln!(
            out,
            "<option value=\"{}\">{}</option>",
            escape(id),
            escape(name)
        );
    }
    out.push_str("</select>\n<label for=\"filter-stage\">Stage</label>\n<select id=\"filter-stage\" name=\"stage\">\n<option value=\"\">All stages</option>\n");
    for stage in Stage::ALL {
        let _ = writeln!(
            out,
            "<option value=\"{}\">{}</option>",
            stage.slug(),
            stage.name()
        );
    }
    out.push_str("<option value=\"delayed\">Delayed</option>\n</select>\n<output id=\"shown\" aria-live=\"polite\"></output>\n</form>\n");
}

/// A cell; an empty one shows a dash, and phones leave it out of the card.
fn cell(out: &mut String, label: &str, html: &str) {
    if html.is_empty() {
        let _ = writeln!(out, "<td class=\"none\" data-label=\"{label}\">—</td>");
    } else {
        let _ = writeln!(out, "<td data-label=\"{label}\">{html}</td>");
    }
}

fn row_html(out: &mut String, r: &Row) {
    let mut class = vec!["submission"];
    if r.delayed {
        class.push("is-delayed");
    }
    if !r.open {
        class.push("is-closed");
    }
    let _ = writeln!(
        out,
        "<tr id=\"issue-{n}\" class=\"{class}\" data-distribution=\"{dist}\" data-stage=\"{slug}\" data-open=\"{open}\" data-delayed=\"{delayed}\">",
        n = r.number,
        class = class.join(" "),
        dist = escape(&r.distribution),
        slug = r.stage.slug(),
        open = r.open,
        delayed = r.delayed,
    );

    // Issue: a link on the forge; the embedded tracker's path as text.
    let issue = match web_url(&r.url) {
        Some(u) => format!("<a href=\"{}\">#{}</a>", escape(u), r.number),
        None if r.url.is_empty() => format!("#{}", r.number),
        None => format!(
            "#{} <span class=\"path\">{}</span>",
            r.number,
            escape(&r.url)
        ),
    };
    let _ = writeln!(out, "<td data-label=\"Issue\">{issue}</td>");

    let _ = writeln!(out, "<td data-label=\"Product\">{}</td>", product_html(r));

    let _ = writeln!(
        out,
        "<td data-label=\"Distribution\">{} <span class=\"id\">{}</span></td>",
        escape(&r.distribution_name),
        escape(&r.distribution)
    );

    // Delayed is said in words, not only by colour.
    let flag = if r.delayed {
        " <strong class=\"badge delayed\">Delayed</strong>"
    } else {
        ""
    };
    let closed = if r.open {
        ""
    } else {
        " <span class=\"closed\">(closed)</span>"
    };
    let _ = writeln!(
        out,
        "<td data-label=\"Stage\"><span class=\"stage stage-{}\">{}</span>{flag}{closed}</td>",
        r.stage.slug(),
        r.stage.name()
    );

    let _ = writeln!(
        out,
        "<td data-label=\"In stage\">{}<br><span class=\"since\">since {}</span></td>",
        days(r.days_in_stage),
        when(r.since)
    );

    cell(out, "Deadline", &deadline_html(r));

    waiting_cell(out, r);
    early_adopters_cell(out, r);

    let check = if r.passed {
        "<span class=\"passed\">passed</span>"
    } else {
        "<strong class=\"failed\">failed</strong>"
    };
    let _ = writeln!(out, "<td data-label=\"Check\">{check}</td>\n</tr>");
}

/// Product, version, provider, description and the release notes link.
fn product_html(r: &Row) -> String {
    let mut product = format!(
        "<strong class=\"product\">{}</strong> <span class=\"version\">{}</span>",
        escape(&r.product),
        escape(&r.version)
    );
    if !r.provider.is_empty() {
        let _ = write!(
            product,
            "<br><span class=\"provider\">{}</span>",
            escape(&r.provider)
        );
    }
    if !r.description.is_empty() {
        let _ = write!(
            product,
            "<br><span class=\"description\">{}</span>",
            escape(&r.description)
        );
    }
    if let Some(u) = r.release_notes_url.as_deref().and_then(web_url) {
        let _ = write!(
            product,
            "<br><a class=\"notes\" href=\"{}\">release notes</a>",
            escape(u)
        );
    }
    product
}

/// The current stage's deadline and how much time is left.
fn deadline_html(r: &Row) -> String {
    match &r.deadline {
        None if r.stage.is_open() && r.open => "none".to_string(),
        None => String::new(),
        Some(d) => {
            let left = match d.days_left {
                n if n < 0 => format!("<strong class=\"late\">{} late</strong>", days(-n)),
                0 => "<strong class=\"soon\">less than a day left</strong>".to_string(),
                n => format!("{} left", days(n)),
            };
            format!("{} by {} ({left})", d.what, when(d.due))
        }
    }
}

/// What the submission waits for, a list.
fn waiting_cell(out: &mut String, r: &Row) {
    if r.waiting.is_empty() {
        cell(out, "Waiting for", "");
    } else {
        out.push_str("<td data-label=\"Waiting for\"><ul>");
        for w in &r.waiting {
            let _ = write!(out, "<li>{}</li>", with_code(w));
        }
        out.push_str("</ul></td>\n");
    }
}

/// Each Early Adopter site: its answer, who gave it, and its reports.
fn early_adopters_cell(out: &mut String, r: &Row) {
    if r.early_adopters.is_empty() {
        cell(out, "Early Adopters", "");
    } else {
        out.push_str("<td data-label=\"Early Adopters\"><ul class=\"sites\">");
        for ea in &r.early_adopters {
            let answer = match ea.answer {
                Acknowledgement::Accepted => "<span class=\"ack accepted\">accepted</span>",
                Acknowledgement::Rejected => "<strong class=\"ack rejected\">rejected</strong>",
                Acknowledgement::Waiting if r.stage == Stage::StagedRollout => {
                    "<span class=\"ack waiting\">waiting</span>"
                }
                Acknowledgement::Waiting => "<span class=\"ack waiting\">no answer</span>",
            };
            let by = match (&ea.actor, ea.at) {
                (Some(who), Some(at)) => format!(" by {}, {}", escape(who), when(at)),
                (Some(who), None) => format!(" by {}", escape(who)),
                _ => String::new(),
            };
            let _ = write!(
                out,
                "<li><span class=\"site\">{}</span>: {answer}{by}",
                escape(&ea.site)
            );
            if !ea.reports.is_empty() {
                let links: Vec<String> = ea
                    .reports
                    .iter()
                    .map(|rep| link(&rep.file, &rep.url))
                    .collect();
                let _ = write!(out, "; report: {}", links.join(", "));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul></td>\n");
    }
}

#[cfg(test)]
mod tests;
