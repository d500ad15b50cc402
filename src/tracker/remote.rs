//! The [`Tracker`] of a forge, written once: the checks, filters and
//! orderings both forges apply, around the requests that differ, which each
//! forge supplies as a [`Remote`].

use super::release_source::ReleaseSource;
use super::{Comment, Event, EventKind, Issue, Label, Tracker, TrackerError};
use crate::policy::tracker_config::PermissionLevel;

/// Fields of an issue to change; `None` leaves one as it is.
pub(crate) struct IssueChange<'a> {
    pub title: Option<&'a str>,
    pub body: Option<&'a str>,
    pub open: Option<bool>,
}

impl IssueChange<'_> {
    /// What is `Some` as a JSON object, under the forge's names: `body` for
    /// the body, `state` with its value for open and closed.
    pub fn to_json(&self, body: &str, state: (&str, [&str; 2])) -> serde_json::Value {
        let mut fields = serde_json::Map::new();
        if let Some(t) = self.title {
            fields.insert("title".into(), t.into());
        }
        if let Some(b) = self.body {
            fields.insert(body.into(), b.into());
        }
        if let Some(o) = self.open {
            let [open, closed] = state.1;
            fields.insert(state.0.into(), if o { open } else { closed }.into());
        }
        serde_json::Value::Object(fields)
    }
}

type Res<T> = Result<T, TrackerError>;

/// The requests of one forge. Inputs are checked before they get here.
pub(crate) trait Remote: ReleaseSource {
    fn spec(&self) -> String;
    /// A label name the forge refuses beyond an empty one.
    fn label_rule(&self, _label: &str) -> Res<()> {
        Ok(())
    }
    /// Issues, unfiltered and in any order: the label and state only narrow the query.
    fn query_issues(&self, label: Option<&str>, open_only: bool) -> Res<Vec<Issue>>;
    /// Issues the forge's search finds for `text` (words, not substrings).
    fn find_issues(&self, text: &str) -> Res<Vec<Issue>>;
    fn fetch_issue(&self, number: u64) -> Res<Issue>;
    fn post_issue(&self, title: &str, body: &str, labels: &[String]) -> Res<Issue>;
    fn patch_issue(&self, number: u64, change: &IssueChange<'_>) -> Res<Issue>;
    fn put_labels(&self, number: u64, labels: &[String]) -> Res<Vec<String>>;
    fn drop_label(&self, number: u64, label: &str) -> Res<Vec<String>>;
    fn fetch_comments(&self, number: u64) -> Res<Vec<Comment>>;
    fn post_comment(&self, number: u64, body: &str) -> Res<Comment>;
    fn patch_comment(&self, issue: u64, id: u64, body: &str) -> Res<Comment>;
    /// The events after the opening, oldest first.
    fn later_events(&self, number: u64) -> Res<Vec<Event>>;
    fn fetch_labels(&self) -> Res<Vec<Label>>;
    /// Creates `wanted` or brings it in line; true if it changed something.
    fn sync_label(&self, wanted: &Label) -> Res<bool>;
    fn member_of(&self, org: &str, team: &str, login: &str) -> Res<bool>;
    fn level_of(&self, login: &str) -> Res<Option<PermissionLevel>>;
    /// The login the credentials act as, asked of the forge once per process.
    fn whoami(&self) -> Res<String>;
}

/// Names checked and each kept once, in order.
fn check_labels(remote: &impl Remote, labels: &[String]) -> Res<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for l in labels {
        if l.trim().is_empty() {
            return Err(super::http::invalid("a label name cannot be empty"));
        }
        remote.label_rule(l)?;
        if !out.contains(l) {
            out.push(l.clone());
        }
    }
    Ok(out)
}

fn sorted(mut issues: Vec<Issue>) -> Vec<Issue> {
    issues.sort_by_key(|i| i.number);
    // Pages shift when issues are created while we list: drop repeats.
    issues.dedup_by_key(|i| i.number);
    issues
}

fn no_empty_title(title: &str) -> Res<()> {
    if title.trim().is_empty() {
        return Err(super::http::invalid("an issue title cannot be empty"));
    }
    Ok(())
}

impl<R: Remote> Tracker for R {
    fn describe(&self) -> String {
        self.spec()
    }

    fn list_issues(&self, label: Option<&str>, open_only: bool) -> Res<Vec<Issue>> {
        let issues = self
            .query_issues(label, open_only)?
            .into_iter()
            .filter(|i| label.is_none_or(|l| i.labels.iter().any(|x| x == l)))
            .filter(|i| !open_only || i.open)
            .collect();
        Ok(sorted(issues))
    }

    /// The search matches words; the exact substring is checked here, as the
    /// local tracker would.
    fn search_issues(&self, text: &str) -> Res<Vec<Issue>> {
        if text.trim().is_empty() {
            return self.list_issues(None, false);
        }
        let found = self.find_issues(text)?;
        Ok(sorted(
            found
                .into_iter()
                .filter(|i| i.body.contains(text))
                .collect(),
        ))
    }

    /// From the default branch.
    fn read_file(&self, path: &str) -> Res<Option<String>> {
        self.file_at(path, None)
    }

    fn get_issue(&self, number: u64) -> Res<Issue> {
        self.fetch_issue(number)
    }

    /// The actor is whoever owns the credentials: the forge records that, not `actor`.
    fn create_issue(&self, actor: &str, title: &str, body: &str, labels: &[String]) -> Res<Issue> {
        no_empty_title(title)?;
        let labels = check_labels(self, labels)?;
        // Labels in the same request: the issue never exists unlabelled.
        let mut issue = self.post_issue(title, body, &labels)?;
        // Both forges silently drop labels set at creation without the right
        // role; adding them now either succeeds or fails with a clear 403.
        if labels.iter().any(|l| !issue.labels.contains(l)) {
            issue.labels = self.add_labels(actor, issue.number, &labels)?;
        }
        Ok(issue)
    }

    /// Sends what is `Some`: neither forge records an event for values an
    /// issue already has, so re-runs stay harmless.
    fn update_issue(
        &self,
        _actor: &str,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
        open: Option<bool>,
    ) -> Res<Issue> {
        if let Some(t) = title {
            no_empty_title(t)?;
        }
        if title.is_none() && body.is_none() && open.is_none() {
            return self.get_issue(number);
        }
        self.patch_issue(number, &IssueChange { title, body, open })
    }

    fn add_labels(&self, _actor: &str, number: u64, labels: &[String]) -> Res<Vec<String>> {
        let labels = check_labels(self, labels)?;
        if labels.is_empty() {
            return Ok(self.get_issue(number)?.labels);
        }
        self.put_labels(number, &labels)
    }

    fn remove_label(&self, _actor: &str, number: u64, label: &str) -> Res<Vec<String>> {
        self.drop_label(number, label)
    }

    fn list_comments(&self, number: u64) -> Res<Vec<Comment>> {
        self.fetch_comments(number)
    }

    fn create_comment(&self, _actor: &str, number: u64, body: &str) -> Res<Comment> {
        self.post_comment(number, body)
    }

    fn update_comment(&self, _actor: &str, issue: u64, id: u64, body: &str) -> Res<Comment> {
        self.patch_comment(issue, id, body)
    }

    /// Neither forge records an "opened" event: it is made from the issue
    /// itself, with id 0 (real event ids are never 0).
    fn list_events(&self, number: u64) -> Res<Vec<Event>> {
        let issue = self.get_issue(number)?;
        let mut events = vec![Event {
            id: 0,
            issue: number,
            actor: issue.author,
            kind: EventKind::Opened,
            at: issue.created_at,
        }];
        events.extend(self.later_events(number)?);
        Ok(events)
    }

    fn list_labels(&self) -> Res<Vec<Label>> {
        self.fetch_labels()
    }

    fn ensure_label(&self, label: &Label) -> Res<bool> {
        if label.name.trim().is_empty() {
            return Err(super::http::invalid("a label name cannot be empty"));
        }
        self.label_rule(&label.name)?;
        if label.color.len() != 6 || !label.color.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(super::http::invalid(format!(
                "label `{}`: colour `{}` is not 6 hex digits (e.g. `0e8a16`, without `#`)",
                label.name, label.color
            )));
        }
        let wanted = Label {
            color: label.color.to_ascii_lowercase(),
            ..label.clone()
        };
        self.sync_label(&wanted)
    }

    fn team_member(&self, org: &str, team: &str, login: &str) -> Res<bool> {
        if [org, team, login].iter().any(|s| s.trim().is_empty()) {
            return Ok(false);
        }
        self.member_of(org, team, login)
    }

    fn identity(&self) -> Res<Option<String>> {
        if let Some(given) = std::env::var("UMD_RELEASE_IDENTITY")
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            return Ok(Some(given.trim().to_string()));
        }
        self.whoami().map(Some)
    }

    fn permission(&self, login: &str) -> Res<Option<PermissionLevel>> {
        if login.trim().is_empty() {
            return Ok(None);
        }
        self.level_of(login)
    }
}
