//! GitLab's payloads, as the REST API v4 sends them.

use serde::Deserialize;

use super::super::payload::{self, EventFields, IssueFields, LabelRef};
use super::super::{Comment, EventKind, Label};
use crate::labels::unscope;
use crate::policy::tracker_config::PermissionLevel;

#[derive(Deserialize)]
pub(crate) struct ApiUser {
    pub(crate) username: String,
}

/// A label name as the core knows it: unscoped.
pub(crate) fn core_label(label: LabelRef) -> String {
    unscope(&label.into_name())
}

/// An issue's fields under GitLab's names.
#[derive(Deserialize)]
pub(crate) struct IssueOwn {
    iid: u64,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    author: Option<ApiUser>,
    web_url: String,
}

impl IssueFields for IssueOwn {
    const OPEN: &'static str = "opened";
    fn label(name: String) -> String {
        unscope(&name)
    }
    fn into_parts(self) -> (u64, Option<String>, Option<String>, String) {
        let author = username(self.author);
        (self.iid, self.description, author, self.web_url)
    }
}

pub(crate) type ApiIssue = payload::ApiIssue<IssueOwn>;

/// A note's fields under GitLab's names.
#[derive(Deserialize)]
pub(crate) struct NoteOwn {
    #[serde(default)]
    author: Option<ApiUser>,
    #[serde(default)]
    pub(crate) system: bool,
    #[serde(default)]
    noteable_iid: Option<u64>,
}

pub(crate) type ApiNote = payload::ApiComment<NoteOwn>;

/// The note as a comment, on the issue it names, else on `issue`.
pub(crate) fn note(n: ApiNote, issue: u64) -> Comment {
    let issue = n.own.noteable_iid.unwrap_or(issue);
    n.into_core(issue, |own| username(own.author))
}

/// A label event's fields under GitLab's names.
#[derive(Deserialize)]
pub(crate) struct LabelEventOwn {
    #[serde(default)]
    user: Option<ApiUser>,
    /// `null` once the label was deleted.
    #[serde(default)]
    label: Option<LabelRef>,
    action: String,
}

impl EventFields for LabelEventOwn {
    fn read(self) -> Option<(Option<String>, EventKind)> {
        let label = self.label.map(core_label).unwrap_or_default();
        let kind = match self.action.as_str() {
            "add" => EventKind::Labeled { label },
            "remove" => EventKind::Unlabeled { label },
            _ => return None,
        };
        Some((username(self.user), kind))
    }
}

/// A state event's fields under GitLab's names.
#[derive(Deserialize)]
pub(crate) struct StateEventOwn {
    #[serde(default)]
    user: Option<ApiUser>,
    state: String,
}

impl EventFields for StateEventOwn {
    fn read(self) -> Option<(Option<String>, EventKind)> {
        let kind = match self.state.as_str() {
            "closed" => EventKind::Closed,
            "reopened" => EventKind::Reopened,
            _ => return None,
        };
        Some((username(self.user), kind))
    }
}

pub(crate) type ApiLabelEvent = payload::ApiEvent<LabelEventOwn>;
pub(crate) type ApiStateEvent = payload::ApiEvent<StateEventOwn>;

#[derive(Deserialize)]
pub(crate) struct ApiLabel {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) color: String,
    #[serde(default)]
    pub(crate) description: Option<String>,
    /// `false` for a label inherited from a group.
    #[serde(default)]
    pub(crate) is_project_label: Option<bool>,
}

impl ApiLabel {
    pub(crate) fn to_label(&self) -> Label {
        Label {
            name: unscope(&self.name),
            color: core_color(&self.color),
            description: self.description.clone().unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ApiUserEntry {
    pub(crate) id: u64,
    pub(crate) username: String,
}

#[derive(Deserialize)]
pub(crate) struct ApiMember {
    #[serde(default)]
    pub(crate) access_level: u64,
    /// The user's state: `active`, `blocked`, `deactivated`...
    #[serde(default)]
    pub(crate) state: Option<String>,
    /// `awaiting` while a membership waits for an administrator's approval.
    #[serde(default)]
    pub(crate) membership_state: Option<String>,
}

pub(crate) fn username(user: Option<ApiUser>) -> Option<String> {
    user.map(|u| u.username)
}

/// GitLab's `#RRGGBB` (or `#RGB`) as the core's 6 lowercase hex digits.
fn core_color(color: &str) -> String {
    let c = color.trim().trim_start_matches('#').to_ascii_lowercase();
    if c.len() == 3 && c.bytes().all(|b| b.is_ascii_hexdigit()) {
        return c.chars().flat_map(|ch| [ch, ch]).collect();
    }
    c
}

/// The level of a GitLab access level: 10 Guest and 15 Planner read, 20
/// Reporter triages, 30 Developer writes, 40 Maintainer maintains, 50 Owner
/// administers; 5 (Minimal Access) and 0 are none.
pub(crate) fn access_level(level: u64) -> Option<PermissionLevel> {
    match level {
        50.. => Some(PermissionLevel::Admin),
        40..50 => Some(PermissionLevel::Maintain),
        30..40 => Some(PermissionLevel::Write),
        20..30 => Some(PermissionLevel::Triage),
        10..20 => Some(PermissionLevel::Read),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_levels() {
        assert_eq!(core_color("#0E8A16"), "0e8a16");
        assert_eq!(core_color("#abc"), "aabbcc");
        assert_eq!(core_color("0e8a16"), "0e8a16");
        use PermissionLevel::*;
        for (level, want) in [
            (0, None),
            (5, None),
            (10, Some(Read)),
            (15, Some(Read)),
            (20, Some(Triage)),
            (30, Some(Write)),
            (40, Some(Maintain)),
            (50, Some(Admin)),
            (60, Some(Admin)),
        ] {
            assert_eq!(access_level(level), want, "{level}");
        }
    }
}
