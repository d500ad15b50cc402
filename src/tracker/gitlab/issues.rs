//! The issue tracker's requests on GitLab: routes, payloads and the
//! translation of label names at the boundary.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::super::http::{PER_PAGE, Query, denied, encode, forge, invalid, not_found_as};
use super::super::payload;
use super::super::remote::{IssueChange, Remote};
use super::super::{Comment, Event, Issue, Label, TrackerError};
use super::api::{
    ApiIssue, ApiLabel, ApiLabelEvent, ApiMember, ApiNote, ApiStateEvent, ApiUserEntry,
    access_level, note,
};
use super::{GitLabTracker, RULES};
use crate::labels::scope;
use crate::policy::tracker_config::PermissionLevel;

type Res<T> = Result<T, TrackerError>;

/// The order of GitLab's lists, oldest first.
const OLDEST_FIRST: &[(&str, &str)] = &[("order_by", "created_at"), ("sort", "asc")];

/// A label list as GitLab takes it: scoped names, comma-separated.
fn gitlab_list(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| scope(l))
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether a member's account and membership are active (not blocked, not
/// awaiting approval).
fn active(m: &ApiMember) -> bool {
    m.state.as_deref().is_none_or(|s| s == "active")
        && m.membership_state.as_deref().is_none_or(|s| s == "active")
}

impl GitLabTracker {
    /// The project's issues in `state`.
    fn issues_query(&self, state: &str) -> Query {
        Query::new(format!("{}/issues", self.project_path())).arg("state", state)
    }

    /// The user id of `login`, `None` if GitLab has no such user; asked once per process.
    fn user_id(&self, login: &str) -> Result<Option<u64>, TrackerError> {
        let key = login.to_ascii_lowercase();
        if let Some(id) = self.memory().user_ids.get(&key) {
            return Ok(*id);
        }
        let pq = format!("/users?username={}", encode(login));
        let users: Vec<ApiUserEntry> = self.fetch_json(Method::GET, &pq, None)?;
        let id = users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(login))
            .map(|u| u.id);
        self.memory().user_ids.insert(key, id);
        Ok(id)
    }

    /// `Some(member)` or `None` for a 404 that is about the member; a 404
    /// about `what` itself (a group or project GitLab does not show) is an error.
    fn member(&self, pq: &str, what: &str) -> Result<Option<ApiMember>, TrackerError> {
        let answer = self.exchange(Method::GET, pq, None)?;
        match answer.status.as_u16() {
            200..=299 => RULES.json(&answer, pq).map(Some),
            404 => {
                let message = RULES.message(&answer);
                if message.contains("Group Not Found") || message.contains("Project Not Found") {
                    Err(TrackerError::NotFound {
                        what: format!("{what} (or the token cannot see it)"),
                    })
                } else {
                    Ok(None)
                }
            }
            code => Err(self.failure(&Method::GET, pq, code, &RULES.message(&answer))),
        }
    }

    /// The PUT of a note's body through its issue.
    fn put_note(&self, issue: u64, id: u64, body: &str) -> Result<Comment, TrackerError> {
        let pq = format!("{}/notes/{id}", self.issue_path(issue));
        let reply: ApiNote = self.fetch_json(Method::PUT, &pq, Some(&json!({ "body": body })))?;
        Ok(note(reply, issue))
    }
    fn put_issue(&self, number: u64, body: &Value) -> Res<ApiIssue> {
        self.fetch_json(Method::PUT, &self.issue_path(number), Some(body))
            .map_err(not_found_as(self.issue_what(number)))
    }
}

impl Remote for GitLabTracker {
    fn spec(&self) -> String {
        format!("gitlab:{}", self.project)
    }

    /// GitLab takes label lists comma-separated, and refuses commas in names.
    fn label_rule(&self, label: &str) -> Res<()> {
        if label.contains(',') {
            return Err(invalid(format!(
                "label `{label}`: GitLab label names cannot contain a comma"
            )));
        }
        Ok(())
    }

    fn query_issues(&self, label: Option<&str>, open_only: bool) -> Res<Vec<Issue>> {
        let pq: String = self
            .issues_query(if open_only { "opened" } else { "all" })
            .args(OLDEST_FIRST)
            .per_page()
            .label(label.map(scope).as_deref())
            .into();
        let items: Vec<ApiIssue> = self
            .collect(&pq)
            .map_err(not_found_as(self.project_what()))?;
        Ok(items.into_iter().map(Issue::from).collect())
    }

    /// GitLab's `search` matches words of the title and description.
    fn find_issues(&self, text: &str) -> Res<Vec<Issue>> {
        let pq: String = self
            .issues_query("all")
            .args(&[("search", text.trim()), ("in", "description")])
            .args(OLDEST_FIRST)
            .per_page()
            .into();
        let found = self.collect::<ApiIssue>(&pq);
        let items = found.map_err(not_found_as(self.project_what()))?;
        Ok(items.into_iter().map(Issue::from).collect())
    }

    fn fetch_issue(&self, number: u64) -> Res<Issue> {
        let issue: ApiIssue = self
            .fetch_json(Method::GET, &self.issue_path(number), None)
            .map_err(not_found_as(self.issue_what(number)))?;
        Ok(issue.into())
    }

    fn post_issue(&self, title: &str, body: &str, labels: &[String]) -> Res<Issue> {
        let pq = format!("{}/issues", self.project_path());
        let request = json!({ "title": title, "description": body, "labels": gitlab_list(labels) });
        let api = self.fetch_json::<ApiIssue>(Method::POST, &pq, Some(&request));
        Ok(api.map_err(not_found_as(self.project_what()))?.into())
    }

    /// A PUT of what is `Some`; GitLab changes nothing (no `updated_at`, no
    /// system note) for values an issue already has.
    fn patch_issue(&self, number: u64, change: &IssueChange<'_>) -> Res<Issue> {
        let put = change.to_json("description", ("state_event", ["reopen", "close"]));
        Ok(self.put_issue(number, &put)?.into())
    }

    fn put_labels(&self, number: u64, labels: &[String]) -> Res<Vec<String>> {
        let issue = self.put_issue(number, &json!({ "add_labels": gitlab_list(labels) }))?;
        Ok(Issue::from(issue).labels)
    }

    /// GitLab removes an absent label without a word, so the issue is read
    /// first to answer `NotFound` as the trait asks.
    fn drop_label(&self, number: u64, label: &str) -> Res<Vec<String>> {
        let current = self.fetch_issue(number)?;
        if !current.labels.iter().any(|l| l == label) {
            return Err(TrackerError::NotFound {
                what: format!("label `{label}` on {}", self.issue_what(number)),
            });
        }
        let issue = self.put_issue(number, &json!({ "remove_labels": scope(label) }))?;
        Ok(Issue::from(issue).labels)
    }

    /// Notes oldest first (GitLab's default is newest first), without system notes.
    fn fetch_comments(&self, number: u64) -> Res<Vec<Comment>> {
        let pq = format!(
            "{}/notes?sort=asc&order_by=created_at&per_page={PER_PAGE}",
            self.issue_path(number)
        );
        let notes = self.collect::<ApiNote>(&pq);
        let notes = notes.map_err(not_found_as(self.issue_what(number)))?;
        let kept = notes.into_iter().filter(|n| !n.own.system);
        Ok(kept.map(|n| note(n, number)).collect())
    }

    fn post_comment(&self, number: u64, body: &str) -> Res<Comment> {
        let pq = format!("{}/notes", self.issue_path(number));
        let answer = self
            .checked(Method::POST, &pq, Some(&json!({ "body": body })))
            .map_err(not_found_as(self.issue_what(number)))?;
        // 202: the body held only quick actions, which GitLab ran instead of
        // keeping a note.
        if answer.status == StatusCode::ACCEPTED {
            return Err(forge(
                Some(202),
                format!(
                    "POST {pq}: GitLab ran the comment as quick actions and kept no note (a line starting with `/`)"
                ),
            ));
        }
        let reply: ApiNote = RULES.json(&answer, &pq)?;
        Ok(note(reply, number))
    }

    /// GitLab reaches a note only through its issue, which the caller names.
    /// A note that is gone (or on another issue) is `NotFound`, which the core
    /// answers by posting a new comment, as for one deleted by hand.
    fn patch_comment(&self, issue: u64, id: u64, body: &str) -> Res<Comment> {
        self.put_note(issue, id, body)
    }

    /// Labels from `resource_label_events`, closing and reopening from
    /// `resource_state_events` (GitLab 13.2 and later; absent before, then
    /// skipped). The two kinds are numbered apart by GitLab, so ids may
    /// repeat across kinds.
    fn later_events(&self, number: u64) -> Res<Vec<Event>> {
        let base = self.issue_path(number);
        let labels: Vec<ApiLabelEvent> = self
            .collect(&format!("{base}/resource_label_events?per_page={PER_PAGE}"))
            .map_err(not_found_as(self.issue_what(number)))?;
        let states: Vec<ApiStateEvent> =
            match self.collect(&format!("{base}/resource_state_events?per_page={PER_PAGE}")) {
                Ok(s) => s,
                Err(TrackerError::NotFound { .. }) => Vec::new(),
                Err(e) => return Err(e),
            };
        let labelled = payload::events(number, labels);
        let mut events: Vec<Event> = labelled.chain(payload::events(number, states)).collect();
        // Stable: events of one instant keep labels before states, each in GitLab's order.
        events.sort_by_key(|e| e.at);
        Ok(events)
    }

    /// The project's labels and those it inherits from its groups.
    fn fetch_labels(&self) -> Res<Vec<Label>> {
        let pq = format!("{}/labels?per_page={PER_PAGE}", self.project_path());
        let items = self.collect::<ApiLabel>(&pq);
        let items = items.map_err(not_found_as(self.project_what()))?;
        Ok(items.iter().map(ApiLabel::to_label).collect())
    }

    /// Found by `search` (one short list; a title in the path would meet
    /// GitLab's format suffixes, `.json`), changed by id.
    fn sync_label(&self, wanted: &Label) -> Res<bool> {
        let name = scope(&wanted.name);
        let labels_pq = format!("{}/labels", self.project_path());
        // Twice at most: a label created meanwhile by someone else (409) is then compared.
        for _ in 0..2 {
            let pq = format!("{labels_pq}?search={}&per_page={PER_PAGE}", encode(&name));
            let found: Vec<ApiLabel> = self
                .collect(&pq)
                .map_err(not_found_as(self.project_what()))?;
            let Some(current) = found.into_iter().find(|l| l.name == name) else {
                let body = json!({
                    "name": name,
                    "color": format!("#{}", wanted.color),
                    "description": wanted.description,
                });
                match self.checked(Method::POST, &labels_pq, Some(&body)) {
                    Ok(_) => return Ok(true),
                    Err(TrackerError::Invalid { message }) if message.contains("(409)") => continue,
                    Err(e) => return Err(not_found_as(self.project_what())(e)),
                }
            };
            if current.to_label() == *wanted {
                return Ok(false);
            }
            if current.is_project_label == Some(false) {
                return Err(invalid(format!(
                    "label `{name}` is a group label of {}'s group: change its colour or description in the group's labels (a project token cannot)",
                    self.project
                )));
            }
            let body = json!({
                "color": format!("#{}", wanted.color),
                "description": wanted.description,
            });
            let pq = format!("{labels_pq}/{}", current.id);
            self.checked(Method::PUT, &pq, Some(&body))?;
            return Ok(true);
        }
        Err(forge(
            None,
            format!("label `{name}`: created by someone else meanwhile, and then not found; retry"),
        ))
    }

    /// `@ORG/TEAM` is the GitLab group `ORG/TEAM` (a subgroup); its members
    /// include those inherited from parent groups, as GitLab grants them
    /// access. An unknown user, a non-member, a blocked user, a membership
    /// awaiting approval and Minimal Access grant nothing.
    fn member_of(&self, org: &str, team: &str, login: &str) -> Res<bool> {
        let Some(user) = self.user_id(login)? else {
            return Ok(false);
        };
        let group = format!("{org}/{team}");
        let pq = format!("/groups/{}/members/all/{user}", encode(&group));
        match self.member(&pq, &format!("GitLab group {group}")) {
            Ok(member) => Ok(member.is_some_and(|m| m.access_level >= 10 && active(&m))),
            Err(TrackerError::NotFound { what }) => Err(TrackerError::NotFound {
                what: format!(
                    "{what}: a project access token sees only its project; use a group access token, or list logins in tracker.yaml"
                ),
            }),
            Err(e) => Err(denied(
                e,
                &pq,
                format!(
                    "the token cannot read the members of group {group}\n  use a group access token with the `api` scope, or list logins in tracker.yaml instead"
                ),
            )),
        }
    }

    /// From the member's access level on the project, inherited ones included.
    fn whoami(&self) -> Res<String> {
        if let Some(name) = self.memory().identity.clone() {
            return Ok(name);
        }
        let me: ApiUserEntry = self.fetch_json(Method::GET, "/user", None)?;
        self.memory().identity = Some(me.username.clone());
        Ok(me.username)
    }

    fn level_of(&self, login: &str) -> Res<Option<PermissionLevel>> {
        let Some(user) = self.user_id(login)? else {
            return Ok(None);
        };
        let pq = format!("{}/members/all/{user}", self.project_path());
        match self.member(&pq, &format!("project {}", self.project)) {
            Ok(member) => Ok(member
                .filter(active)
                .and_then(|m| access_level(m.access_level))),
            Err(e) => Err(denied(
                e,
                &pq,
                format!(
                    "the token cannot read the members of {project}\n  give the token the Reporter role or higher, or list logins in tracker.yaml instead",
                    project = self.project
                ),
            )),
        }
    }
}
