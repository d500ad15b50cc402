//! The issue tracker's requests on GitHub: routes and payloads.

use http::Method;
use serde_json::{Value, json};

use super::super::http::{PER_PAGE, Query, denied, encode, not_found_as};
use super::super::payload::{self, LabelRef};
use super::super::remote::{IssueChange, Remote};
use super::super::{Comment, Event, Issue, Label, TrackerError};
use super::api::{ApiComment, ApiEvent, ApiIssue, ApiLabel, SearchPage, comment, permission_level};
use super::{GitHubTracker, RULES};
use crate::policy::tracker_config::PermissionLevel;

type Res<T> = Result<T, TrackerError>;

impl GitHubTracker {
    /// GitHub answers 404, not 403, for a private repository the token cannot see.
    fn repo_what(&self) -> String {
        format!("repository {} (or the token cannot see it)", self.slug())
    }

    fn issue_what(&self, number: u64) -> String {
        format!("issue #{number} in {}", self.slug())
    }

    fn issue_labels_path(&self, number: u64) -> String {
        format!("{}/issues/{number}/labels", self.repo_path())
    }

    /// Issues of a list, without the pull requests the issues API lists too.
    fn only_issues(items: Vec<ApiIssue>) -> Vec<Issue> {
        let issues = items.into_iter().filter(|i| i.own.pull_request.is_none());
        issues.map(Issue::from).collect()
    }

    fn label_names(labels: Vec<LabelRef>) -> Vec<String> {
        labels.into_iter().map(LabelRef::into_name).collect()
    }
}

impl Remote for GitHubTracker {
    fn spec(&self) -> String {
        format!("github:{}", self.slug())
    }

    fn query_issues(&self, label: Option<&str>, open_only: bool) -> Res<Vec<Issue>> {
        let pq: String = Query::new(format!("{}/issues", self.repo_path()))
            .arg("state", if open_only { "open" } else { "all" })
            .args(&[("sort", "created"), ("direction", "asc")])
            .per_page()
            .label(label)
            .into();
        let items = self.list_all(&pq).map_err(not_found_as(self.repo_what()))?;
        Ok(Self::only_issues(items))
    }

    fn find_issues(&self, text: &str) -> Res<Vec<Issue>> {
        // A `"` would end the quoted phrase; the exact match is checked by the caller anyway.
        let phrase = text.replace('"', " ");
        let q = format!(
            "repo:{} is:issue in:body \"{}\"",
            self.slug(),
            phrase.trim()
        );
        let pq: String = Query::new("/search/issues").arg("q", q).per_page().into();
        let items = self.list_pages(&pq, |answer, pq| {
            RULES.json::<SearchPage>(answer, pq).map(|p| p.items)
        })?;
        Ok(Self::only_issues(items))
    }

    fn fetch_issue(&self, number: u64) -> Res<Issue> {
        let pq = format!("{}/issues/{number}", self.repo_path());
        let issue: ApiIssue = self
            .call_json(Method::GET, &pq, None)
            .map_err(not_found_as(self.issue_what(number)))?;
        if issue.own.pull_request.is_some() {
            return Err(TrackerError::NotFound {
                what: format!("{} (#{number} is a pull request)", self.issue_what(number)),
            });
        }
        Ok(issue.into())
    }

    fn post_issue(&self, title: &str, body: &str, labels: &[String]) -> Res<Issue> {
        let pq = format!("{}/issues", self.repo_path());
        let request = json!({ "title": title, "body": body, "labels": labels });
        let api: ApiIssue = self
            .call_json(Method::POST, &pq, Some(request))
            .map_err(not_found_as(self.repo_what()))?;
        Ok(api.into())
    }

    /// A PATCH of what is `Some`.
    fn patch_issue(&self, number: u64, change: &IssueChange<'_>) -> Res<Issue> {
        let patch = change.to_json("body", ("state", ["open", "closed"]));
        let pq = format!("{}/issues/{number}", self.repo_path());
        let reply = self.call_json::<ApiIssue>(Method::PATCH, &pq, Some(patch));
        Ok(reply.map_err(not_found_as(self.issue_what(number)))?.into())
    }

    fn put_labels(&self, number: u64, labels: &[String]) -> Res<Vec<String>> {
        let pq = self.issue_labels_path(number);
        let after = self.call_json(Method::POST, &pq, Some(json!({ "labels": labels })));
        Ok(Self::label_names(
            after.map_err(not_found_as(self.issue_what(number)))?,
        ))
    }

    fn drop_label(&self, number: u64, label: &str) -> Res<Vec<String>> {
        let pq = format!("{}/{}", self.issue_labels_path(number), encode(label));
        let what = format!("label `{label}` on {}", self.issue_what(number));
        let after = self.call_json(Method::DELETE, &pq, None);
        Ok(Self::label_names(after.map_err(not_found_as(what))?))
    }

    fn fetch_comments(&self, number: u64) -> Res<Vec<Comment>> {
        let repo = self.repo_path();
        let pq = format!("{repo}/issues/{number}/comments?per_page={PER_PAGE}");
        let items: Vec<ApiComment> = self
            .list_all(&pq)
            .map_err(not_found_as(self.issue_what(number)))?;
        items.into_iter().map(comment).collect()
    }

    fn post_comment(&self, number: u64, body: &str) -> Res<Comment> {
        let pq = format!("{}/issues/{number}/comments", self.repo_path());
        let reply = self.call_json::<ApiComment>(Method::POST, &pq, Some(json!({ "body": body })));
        comment(reply.map_err(not_found_as(self.issue_what(number)))?)
    }

    /// GitHub reaches a comment by its id alone.
    fn patch_comment(&self, _issue: u64, id: u64, body: &str) -> Res<Comment> {
        let pq = format!("{}/issues/comments/{id}", self.repo_path());
        let what = format!("comment {id} in {}", self.slug());
        let reply = self.call_json::<ApiComment>(Method::PATCH, &pq, Some(json!({ "body": body })));
        comment(reply.map_err(not_found_as(what))?)
    }

    fn later_events(&self, number: u64) -> Res<Vec<Event>> {
        let repo = self.repo_path();
        let pq = format!("{repo}/issues/{number}/events?per_page={PER_PAGE}");
        let items: Vec<ApiEvent> = self
            .list_all(&pq)
            .map_err(not_found_as(self.issue_what(number)))?;
        Ok(payload::events(number, items).collect())
    }

    fn fetch_labels(&self) -> Res<Vec<Label>> {
        let pq = format!("{}/labels?per_page={PER_PAGE}", self.repo_path());
        let items: Vec<ApiLabel> = self.list_all(&pq).map_err(not_found_as(self.repo_what()))?;
        Ok(items.into_iter().map(Label::from).collect())
    }

    /// Read by name, created (POST) or changed (PATCH).
    fn sync_label(&self, wanted: &Label) -> Res<bool> {
        let path = format!("{}/labels/{}", self.repo_path(), encode(&wanted.name));
        let current: ApiLabel = match self.call_json(Method::GET, &path, None) {
            Ok(l) => l,
            Err(TrackerError::NotFound { .. }) => {
                let pq = format!("{}/labels", self.repo_path());
                let body = json!({
                    "name": wanted.name,
                    "color": wanted.color,
                    "description": wanted.description,
                });
                self.call(Method::POST, &pq, Some(body))
                    .map_err(not_found_as(self.repo_what()))?;
                return Ok(true);
            }
            Err(e) => return Err(e),
        };
        // GitHub matches label names case-insensitively: `new_name` fixes the case too.
        if Label::from(current) == *wanted {
            return Ok(false);
        }
        let body = json!({
            "new_name": wanted.name,
            "color": wanted.color,
            "description": wanted.description,
        });
        self.call(Method::PATCH, &path, Some(body))?;
        Ok(true)
    }

    /// GitHub answers 404 for a non-member, and also for a team the
    /// credentials cannot see: both grant nothing.
    fn member_of(&self, org: &str, team: &str, login: &str) -> Res<bool> {
        let (o, t, l) = (encode(org), encode(team), encode(login));
        let pq = format!("/orgs/{o}/teams/{t}/memberships/{l}");
        match self.call_json::<Value>(Method::GET, &pq, None) {
            Ok(reply) => Ok(reply.get("state").and_then(Value::as_str) == Some("active")),
            Err(TrackerError::NotFound { .. }) => Ok(false),
            Err(e) => Err(denied(
                e,
                &pq,
                format!(
                    "the credentials cannot read the members of team @{org}/{team}\n  a classic token needs `read:org`, a fine-grained token or GitHub App Members: read on {org}; or list logins in tracker.yaml instead"
                ),
            )),
        }
    }

    /// Read raw: octocrab's typed call fails on GitHub's `write`. A
    /// non-collaborator gets 404, which is no permission.
    fn level_of(&self, login: &str) -> Res<Option<PermissionLevel>> {
        let repo = self.repo_path();
        let pq = format!("{repo}/collaborators/{}/permission", encode(login));
        match self.call_json::<Value>(Method::GET, &pq, None) {
            Ok(reply) => Ok(permission_level(&reply)),
            Err(TrackerError::NotFound { .. }) => Ok(None),
            Err(e) => Err(denied(
                e,
                &pq,
                format!(
                    "the credentials cannot read permissions on {slug}\n  a fine-grained token or GitHub App needs Metadata: read on {slug}; or list logins in tracker.yaml instead",
                    slug = self.slug()
                ),
            )),
        }
    }

    /// GraphQL's `viewer`: it answers a personal token and an App's or the
    /// workflow's installation token alike, where REST `/user` refuses the latter.
    fn whoami(&self) -> Res<String> {
        if let Some(login) = self.identity.get() {
            return Ok(login.clone());
        }
        let answer: Value = self.call_json(
            Method::POST,
            "/graphql",
            Some(json!({"query": "{ viewer { login } }"})),
        )?;
        let login = answer["data"]["viewer"]["login"]
            .as_str()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| {
                super::super::http::forge(
                    None,
                    format!(
                        "GitHub did not say which account the token acts as ({}); set UMD_RELEASE_IDENTITY to the login the tracker writes as (e.g. github-actions[bot])",
                        answer["errors"][0]["message"].as_str().unwrap_or("no viewer in the answer")
                    ),
                )
            })?
            .to_string();
        Ok(self.identity.get_or_init(|| login).clone())
    }
}
