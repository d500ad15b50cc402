//! A tracker with a [`Mailer`]: what the executor writes goes to the inner
//! tracker, the e-mails of a plan to the mailer.

use super::{Comment, Event, Issue, Label, Tracker, TrackerError};
use crate::mail::Mailer;
use crate::policy::tracker_config::PermissionLevel;

pub struct Mailing {
    inner: Box<dyn Tracker>,
    mailer: Box<dyn Mailer>,
}

impl Mailing {
    pub fn new(inner: Box<dyn Tracker>, mailer: Box<dyn Mailer>) -> Mailing {
        Mailing { inner, mailer }
    }
}

impl Tracker for Mailing {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn list_issues(
        &self,
        label: Option<&str>,
        open_only: bool,
    ) -> Result<Vec<Issue>, TrackerError> {
        self.inner.list_issues(label, open_only)
    }
    fn search_issues(&self, text: &str) -> Result<Vec<Issue>, TrackerError> {
        self.inner.search_issues(text)
    }
    fn read_file(&self, path: &str) -> Result<Option<String>, TrackerError> {
        self.inner.read_file(path)
    }
    fn get_issue(&self, number: u64) -> Result<Issue, TrackerError> {
        self.inner.get_issue(number)
    }
    fn create_issue(
        &self,
        actor: &str,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Issue, TrackerError> {
        self.inner.create_issue(actor, title, body, labels)
    }
    fn update_issue(
        &self,
        actor: &str,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
        open: Option<bool>,
    ) -> Result<Issue, TrackerError> {
        self.inner.update_issue(actor, number, title, body, open)
    }
    fn add_labels(
        &self,
        actor: &str,
        number: u64,
        labels: &[String],
    ) -> Result<Vec<String>, TrackerError> {
        self.inner.add_labels(actor, number, labels)
    }
    fn remove_label(
        &self,
        actor: &str,
        number: u64,
        label: &str,
    ) -> Result<Vec<String>, TrackerError> {
        self.inner.remove_label(actor, number, label)
    }
    fn list_comments(&self, number: u64) -> Result<Vec<Comment>, TrackerError> {
        self.inner.list_comments(number)
    }
    fn create_comment(
        &self,
        actor: &str,
        number: u64,
        body: &str,
    ) -> Result<Comment, TrackerError> {
        self.inner.create_comment(actor, number, body)
    }
    fn update_comment(
        &self,
        actor: &str,
        issue: u64,
        id: u64,
        body: &str,
    ) -> Result<Comment, TrackerError> {
        self.inner.update_comment(actor, issue, id, body)
    }
    fn list_events(&self, number: u64) -> Result<Vec<Event>, TrackerError> {
        self.inner.list_events(number)
    }
    fn list_labels(&self) -> Result<Vec<Label>, TrackerError> {
        self.inner.list_labels()
    }
    fn ensure_label(&self, label: &Label) -> Result<bool, TrackerError> {
        self.inner.ensure_label(label)
    }
    fn team_member(&self, org: &str, team: &str, login: &str) -> Result<bool, TrackerError> {
        self.inner.team_member(org, team, login)
    }
    fn identity(&self) -> Result<Option<String>, TrackerError> {
        self.inner.identity()
    }
    fn permission(&self, login: &str) -> Result<Option<PermissionLevel>, TrackerError> {
        self.inner.permission(login)
    }
    fn mailer(&self) -> Option<&dyn Mailer> {
        Some(self.mailer.as_ref())
    }
}
