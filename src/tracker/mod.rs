//! Issue trackers: where a product release's submission issue lives. The
//! [`Tracker`] trait is forge-neutral so the release workflow is written once
//! and runs against GitHub, GitLab or the embedded [`local`] tracker alike.

mod auth;
pub mod github;
pub mod gitlab;
pub mod http;
pub mod local;
pub mod mailing;
mod payload;
pub mod release_source;
mod remote;
pub mod roles;
mod spec;

use std::path::PathBuf;

pub use crate::issue::{Comment, Event, EventKind, Issue, Label};
pub use spec::Spec;

/// Why a tracker operation failed; each message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum TrackerError {
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{message}")]
    Invalid { message: String },
    #[error("{}: {source}\n  check the path and its permissions", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: corrupt tracker file: {message}\n  the file is JSON: fix it by hand (or restore it from version control)",
        path.display()
    )]
    Corrupt { path: PathBuf, message: String },
    /// An e-mail the SMTP server refused or could not take: nothing after it
    /// in the plan was done, and a re-run sends it.
    #[error(
        "{message}\n  check the UMD_RELEASE_SMTP_* settings and the server, then run the command again: what was not sent is sent then, once"
    )]
    Mail { message: String },
    #[error("forge error{}: {message}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    Forge {
        status: Option<u16>,
        message: String,
    },
}

/// Forge-neutral, synchronous; every mutation is done as `actor`.
pub trait Tracker {
    /// Where the tracker is, for messages, e.g. `local:.umd-tracker`.
    fn describe(&self) -> String;
    /// Issues by ascending number, optionally only those with `label` and/or open.
    fn list_issues(&self, label: Option<&str>, open_only: bool)
    -> Result<Vec<Issue>, TrackerError>;
    /// Issues (open or closed) whose body contains `text`: the fallback that finds
    /// a submission whose labels were lost (a crash between create and label).
    /// On GitHub this is the search API, which lags writes by a few seconds.
    fn search_issues(&self, text: &str) -> Result<Vec<Issue>, TrackerError>;
    /// A file of the tracking repository (e.g. `products/NAME.yaml`), `None` if absent.
    fn read_file(&self, path: &str) -> Result<Option<String>, TrackerError>;
    fn get_issue(&self, number: u64) -> Result<Issue, TrackerError>;
    fn create_issue(
        &self,
        actor: &str,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Issue, TrackerError>;
    /// Changes only what is `Some` and differs; an update that changes
    /// nothing leaves `updated_at` alone so re-runs are no-ops.
    fn update_issue(
        &self,
        actor: &str,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
        open: Option<bool>,
    ) -> Result<Issue, TrackerError>;
    /// Returns the labels after; records `Labeled` only for labels not already present.
    fn add_labels(
        &self,
        actor: &str,
        number: u64,
        labels: &[String],
    ) -> Result<Vec<String>, TrackerError>;
    /// Returns the labels after; `NotFound` if the issue lacks it (as GitHub 404s).
    fn remove_label(
        &self,
        actor: &str,
        number: u64,
        label: &str,
    ) -> Result<Vec<String>, TrackerError>;
    fn list_comments(&self, number: u64) -> Result<Vec<Comment>, TrackerError>;
    fn create_comment(&self, actor: &str, number: u64, body: &str)
    -> Result<Comment, TrackerError>;
    /// Edits comment `id` of issue `issue` (GitLab reaches a note only through its issue).
    fn update_comment(
        &self,
        actor: &str,
        issue: u64,
        id: u64,
        body: &str,
    ) -> Result<Comment, TrackerError>;
    fn list_events(&self, number: u64) -> Result<Vec<Event>, TrackerError>;
    fn list_labels(&self) -> Result<Vec<Label>, TrackerError>;
    /// Creates the label or brings its colour and description in line;
    /// true if it created or changed something.
    fn ensure_label(&self, label: &Label) -> Result<bool, TrackerError>;
    /// Whether `login` is an active member of team `team` (its slug) of
    /// organization `org`: a pending invitation grants no role.
    fn team_member(&self, org: &str, team: &str, login: &str) -> Result<bool, TrackerError>;
    /// The login this tracker writes as (the token's user, the App's bot),
    /// read once per run: only issues it opened can be submissions. `None`
    /// for the embedded tracker, whose store nothing but this tool writes.
    /// `UMD_RELEASE_IDENTITY` names it where the forge cannot tell (GitHub
    /// Enterprise Server's GraphQL lives outside the REST base).
    fn identity(&self) -> Result<Option<String>, TrackerError>;
    /// `login`'s permission on the tracking repository, `None` if they have none.
    fn permission(
        &self,
        login: &str,
    ) -> Result<Option<crate::policy::tracker_config::PermissionLevel>, TrackerError>;
    /// Where the executor sends e-mail, held with the tracker as the other
    /// half of its I/O; `None`: mail is off.
    fn mailer(&self) -> Option<&dyn crate::mail::Mailer> {
        None
    }
}

/// The segments of a plain relative path inside the tracker (`products/x.yaml`):
/// no absolute path, no empty, `.` or `..` segment, so a name taken from a card
/// or a form cannot reach outside it.
pub(crate) fn plain_path(path: &str) -> Result<Vec<&str>, TrackerError> {
    let segments: Vec<&str> = path.split('/').collect();
    if segments
        .iter()
        .any(|s| s.is_empty() || *s == "." || *s == ".." || s.contains('\\'))
    {
        return Err(TrackerError::Invalid {
            message: format!("`{path}` is not a plain path inside the tracker"),
        });
    }
    Ok(segments)
}

/// Opens the tracker named by `spec`, e.g. `local:.umd-tracker`.
pub fn open(spec: &str) -> Result<Box<dyn Tracker>, TrackerError> {
    Ok(match spec.parse::<Spec>()? {
        // A replayed command (UMD_RELEASE_NOW) stamps issues and comments at
        // its instant too; forges stamp with their own clocks.
        Spec::Local(path) => match crate::calendar::replayed_now().ok().flatten() {
            Some(t) => {
                let t = t.replace_nanosecond(0).unwrap_or(t);
                Box::new(local::LocalTracker::with_clock(path, Box::new(move || t))?)
            }
            None => Box::new(local::LocalTracker::open(path)?),
        },
        Spec::GitHub { owner, repo } => Box::new(github::GitHubTracker::new(
            github::GitHubConfig::from_env(&format!("{owner}/{repo}"))?,
        )?),
        Spec::GitLab { project } => Box::new(gitlab::GitLabTracker::new(
            gitlab::GitLabConfig::from_env(&project)?,
        )?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_rejects_unknown_and_malformed_specs() {
        for spec in [
            "nope",
            "svn:x",
            "local:",
            "github:not-a-repo",
            "gitlab:not-a-project",
            "gitlab:",
        ] {
            let err = open(spec).err().expect(spec);
            assert!(matches!(err, TrackerError::Invalid { .. }), "{spec}: {err}");
        }
        let msg = open("nope").err().unwrap().to_string();
        assert!(msg.contains("local:PATH") && msg.contains("github:OWNER/REPO"));
        assert!(msg.contains("gitlab:GROUP/PROJECT"));
        let msg = open("gitlab:g").err().unwrap().to_string();
        assert!(msg.contains("GROUP/PROJECT"), "{msg}");
    }

    #[test]
    fn only_plain_paths_inside_the_tracker() {
        assert_eq!(
            plain_path("products/x.yaml").unwrap(),
            ["products", "x.yaml"]
        );
        for bad in [
            "../secrets",
            "/etc/passwd",
            "products//x",
            "./x",
            "a\\..\\b",
            "",
        ] {
            assert!(
                matches!(plain_path(bad), Err(TrackerError::Invalid { .. })),
                "{bad}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let t = local::LocalTracker::open(dir.path()).unwrap();
        assert!(t.read_file("../outside").is_err());
        assert_eq!(t.read_file("products/none.yaml").unwrap(), None);
    }

    #[test]
    fn open_local() {
        let dir = tempfile::tempdir().unwrap();
        let spec = format!("local:{}", dir.path().join("t").display());
        let t = open(&spec).unwrap();
        assert_eq!(t.describe(), spec);
        assert!(t.list_issues(None, false).unwrap().is_empty());
    }

    #[test]
    fn event_serializes_with_kind_tag() {
        let e = Event {
            id: 1,
            issue: 2,
            actor: "a".into(),
            kind: EventKind::Labeled { label: "x".into() },
            at: time::macros::datetime!(2024-01-02 03:04:05 UTC),
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "labeled");
        assert_eq!(v["label"], "x");
        assert_eq!(v["at"], "2024-01-02T03:04:05Z");
        assert_eq!(serde_json::from_value::<Event>(v).unwrap(), e);
    }
}
