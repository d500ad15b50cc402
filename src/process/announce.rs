//! Announcing the next distribution release: what is Ready for release, in
//! one announcement issue for the OMB (created, or brought up to date).

use time::{Date, OffsetDateTime};

use super::{Result, Rules, input};
use crate::announce::{self, ANNOUNCEMENT_LABEL, Record, ReleaseKey};
use crate::issue::Issue;
use crate::labels::{self, TOOL_LOGIN};
use crate::plan::{Action, IssueRef, Plan};
use crate::policy::Policy;
use crate::render::Templates;
use crate::tracker::{Tracker, TrackerError};

/// A distribution release: its policy and key.
#[derive(Debug, Clone)]
pub struct DistRelease {
    pub policy: Policy,
    pub key: ReleaseKey,
}

impl DistRelease {
    /// `version` of distribution `id` (a built-in policy or one of `rules`).
    pub fn new(rules: &Rules, id: &str, version: &str) -> Result<DistRelease> {
        Self::check_version(version)?;
        let policy = rules.distribution(id)?;
        let key = ReleaseKey {
            dist: policy.id.clone(),
            version: version.to_string(),
        };
        Ok(DistRelease { policy, key })
    }
}

impl DistRelease {
    /// A distribution release is X.Y.Z.
    pub fn check_version(version: &str) -> Result<()> {
        semver::Version::parse(version).map(|_| ()).map_err(|_| {
            input(format!(
                "`{version}` is not a distribution release X.Y.Z, e.g. 1.3.0"
            ))
        })
    }
}

/// The announcement issue of a distribution release and its record, if any.
pub fn find_release(
    tracker: &dyn Tracker,
    key: &ReleaseKey,
) -> Result<Option<(Issue, Record)>, TrackerError> {
    let issues = super::tracker_issues(
        tracker,
        tracker.list_issues(Some(ANNOUNCEMENT_LABEL), false)?,
    )?;
    for issue in issues {
        if let Some((k, record)) = announce::parse::<Record>(&issue.body, "announcement")
            && &k == key
        {
            return Ok(Some((issue, record)));
        }
    }
    Ok(None)
}

/// What to announce.
pub struct AnnounceRequest<'a> {
    pub release: &'a DistRelease,
    pub date: Date,
    pub emergency: bool,
    pub templates: &'a Templates,
    pub now: OffsetDateTime,
}

/// What announcing did.
#[derive(Debug, Clone)]
pub struct Announced {
    /// Ready submissions left out: their recorded history is not what the
    /// forge's label events say (a state block edited by hand).
    pub unverified: Vec<String>,
    /// A notice shorter than usual, allowed for an emergency.
    pub warning: Option<String>,
    pub title: String,
    pub markdown: String,
    pub html: String,
    /// The announcement issue (absent in a dry run that would create it).
    pub issue: Option<Issue>,
    /// `None`: created; `Some(changed)` otherwise.
    pub changed: Option<bool>,
    /// `product version` of each product announced.
    pub products: Vec<String>,
    pub plan: Plan,
}

/// Prepares the announcement and its plan; [`file()`] applies it.
pub fn announce(tracker: &dyn Tracker, req: &AnnounceRequest) -> Result<Announced> {
    let DistRelease { policy, key } = req.release;
    let warning = announce::check_date(
        req.date,
        req.now.date(),
        policy.pipeline.deadlines.notice_days,
        req.emergency,
    )
    .map_err(input)?;
    let existing = find_release(tracker, key)?;
    if let Some((issue, record)) = &existing
        && record.published.is_some()
    {
        return Err(input(format!(
            "{} {} was already published (#{}); announce the next version",
            policy.name, key.version, issue.number
        )));
    }
    let issues = super::tracker_issues(tracker, tracker.list_issues(None, true)?)?;
    let (ready, unverified) = verified(tracker, announce::ready(&issues, &policy.id))?;
    if ready.is_empty() {
        let why = unverified
            .iter()
            .map(|w| format!("\n  {w}"))
            .collect::<String>();
        return Err(input(format!(
            "nothing is Ready for release in {} ({}): move submissions to `state:ready-for-release` first{why}",
            policy.name,
            tracker.describe()
        )));
    }
    let data = announce::data(policy, &key.version, req.date, req.emergency, &ready);
    let markdown = req
        .templates
        .render("announcement", &data)
        .map_err(anyhow::Error::from)?;
    let html = req
        .templates
        .render_html("announcement", &data)
        .map_err(anyhow::Error::from)?;
    let record = Record {
        key: key.clone(),
        date: req.date.to_string(),
        emergency: req.emergency,
        products: ready
            .iter()
            .map(|c| (c.state.key.clone(), c.number))
            .collect(),
        published: None,
        review: None,
    };
    let title = format!("[{}] Release {} announcement", policy.name, key.version);
    let body = announce::compose(key, "announcement", &markdown, &record);
    let existing = existing.map(|(i, _)| i);
    let (action, changed) = match &existing {
        None => (
            Some(Action::CreateIssue {
                title: title.clone(),
                body,
                labels: vec![ANNOUNCEMENT_LABEL.to_string(), labels::dist(&policy.id)],
            }),
            None,
        ),
        Some(i) if i.body == body && i.title == title => (None, Some(false)),
        Some(i) => (
            Some(Action::UpdateIssue {
                number: IssueRef::Existing(i.number),
                title: (i.title != title).then(|| title.clone()),
                body: (i.body != body).then_some(body),
                open: None,
            }),
            Some(true),
        ),
    };
    let number = match &existing {
        Some(i) => IssueRef::Existing(i.number),
        None => IssueRef::Created,
    };
    let mut plan = Plan {
        actions: action.into_iter().collect(),
    };
    plan.actions
        .extend(omb_mail(policy, number, &title, &markdown, &html));
    Ok(Announced {
        unverified,
        warning,
        title,
        markdown,
        html,
        issue: existing,
        changed,
        products: ready
            .iter()
            .map(|c| format!("{} {}", c.state.key.product, c.state.key.version))
            .collect(),
        plan,
    })
}

/// The announcement e-mailed to the OMB list the policy names, once per
/// text: keyed by it, and recorded by a comment on the announcement issue.
fn omb_mail(
    policy: &Policy,
    number: IssueRef,
    title: &str,
    markdown: &str,
    html: &str,
) -> Option<Action> {
    let list = policy.pipeline.announcement.omb_email.as_deref()?;
    let (to, warnings) = crate::mail::recipients([list]);
    for w in warnings {
        eprintln!("warning: policy {}: announcement.omb_email: {w}", policy.id);
    }
    if to.is_empty() {
        return None;
    }
    let keyed = crate::plan::once("", &format!("announcement mail {title}\n{markdown}"));
    Some(Action::Mail {
        number,
        key: crate::plan::once_key(&keyed)?.to_string(),
        record: Some(format!(
            "This announcement was e-mailed to the OMB list ({}).",
            to.join(", ")
        )),
        to,
        subject: title.to_string(),
        text: markdown.to_string(),
        html: html.to_string(),
    })
}

/// Files the announcement as prepared: creates or updates its issue.
pub fn file(tracker: &dyn Tracker, mut announced: Announced) -> Result<Announced> {
    let applied = super::apply(tracker, TOOL_LOGIN, &announced.plan)?;
    if let Some(created) = applied.created {
        announced.issue = Some(created);
    }
    Ok(announced)
}

/// The candidates whose recorded history the forge's label events bear out,
/// and a line for each one left out.
fn verified(
    tracker: &dyn Tracker,
    ready: Vec<announce::Candidate>,
) -> Result<(Vec<announce::Candidate>, Vec<String>)> {
    let me = tracker.identity()?;
    let is_tool = |a: &str| super::is_tool(a, me.as_deref());
    let mut kept = Vec::new();
    let mut left_out = Vec::new();
    for c in ready {
        let events = tracker.list_events(c.number)?;
        let missing = crate::submission::unrecorded(&c.state, &events, &is_tool);
        if missing.is_empty() {
            kept.push(c);
        } else {
            left_out.push(format!(
                "#{} {} {} is left out: {}",
                c.number,
                c.state.key.product,
                c.state.key.version,
                missing.join("; ")
            ));
        }
    }
    Ok((kept, left_out))
}
