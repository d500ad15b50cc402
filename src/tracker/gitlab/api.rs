//! GitLab's payloads, as the REST API v4 sends them.

use serde::Deserialize;
use time::OffsetDateTime;

use super::super::{Comment, Issue, Label};
use crate::labels::unscope;
use crate::policy::tracker_config::PermissionLevel;

/// GitLab gives the work of a deleted account to its "Ghost User", `ghost`.
const GHOST: &str = "ghost";

#[derive(Deserialize)]
pub(crate) struct ApiUser {
    pub(crate) username: String,
}

/// Labels are names, or objects with `with_labels_details=true`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum ApiLabelRef {
    Name(String),
    Object { name: String },
}

impl ApiLabelRef {
    pub(crate) fn into_core(self) -> String {
        match self {
            ApiLabelRef::Name(name) | ApiLabelRef::Object { name } => unscope(&name),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ApiIssue {
    pub(crate) iid: u64,
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) labels: Vec<ApiLabelRef>,
    pub(crate) state: String,
    #[serde(default)]
    pub(crate) author: Option<ApiUser>,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) updated_at: OffsetDateTime,
    pub(crate) web_url: String,
}

impl From<ApiIssue> for Issue {
    fn from(i: ApiIssue) -> Issue {
        Issue {
            number: i.iid,
            title: i.title,
            body: i.description.unwrap_or_default(),
            labels: i.labels.into_iter().map(ApiLabelRef::into_core).collect(),
            open: i.state == "opened",
            author: username(i.author),
            created_at: i.created_at,
            updated_at: i.updated_at,
            url: i.web_url,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ApiNote {
    pub(crate) id: u64,
    #[serde(default)]
    pub(crate) body: Option<String>,
    #[serde(default)]
    pub(crate) author: Option<ApiUser>,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) updated_at: OffsetDateTime,
    #[serde(default)]
    pub(crate) system: bool,
    #[serde(default)]
    pub(crate) noteable_iid: Option<u64>,
}

impl ApiNote {
    pub(crate) fn into_comment(self, issue: u64) -> Comment {
        Comment {
            id: self.id,
            issue: self.noteable_iid.unwrap_or(issue),
            author: username(self.author),
            body: self.body.unwrap_or_default(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ApiLabelEvent {
    pub(crate) id: u64,
    #[serde(default)]
    pub(crate) user: Option<ApiUser>,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created_at: OffsetDateTime,
    /// `null` once the label was deleted.
    #[serde(default)]
    pub(crate) label: Option<ApiLabelRef>,
    pub(crate) action: String,
}

#[derive(Deserialize)]
pub(crate) struct ApiStateEvent {
    pub(crate) id: u64,
    #[serde(default)]
    pub(crate) user: Option<ApiUser>,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created_at: OffsetDateTime,
    pub(crate) state: String,
}

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

pub(crate) fn username(user: Option<ApiUser>) -> String {
    user.map_or_else(|| GHOST.into(), |u| u.username)
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
