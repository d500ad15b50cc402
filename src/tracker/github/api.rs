//! GitHub's payloads, as the REST API sends them.

use serde::Deserialize;
use serde_json::Value;

use super::super::http::forge;
use super::super::payload::{self, EventFields, IssueFields, LabelRef};
use super::super::{Comment, EventKind, Label, TrackerError};
use crate::policy::tracker_config::PermissionLevel;

#[derive(Deserialize)]
pub(crate) struct ApiUser {
    pub(crate) login: String,
}

/// An issue's fields under GitHub's names.
#[derive(Deserialize)]
pub(crate) struct IssueOwn {
    number: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    user: Option<ApiUser>,
    html_url: String,
    /// Present on pull requests, which the issues API lists too.
    #[serde(default)]
    pub(crate) pull_request: Option<Value>,
}

impl IssueFields for IssueOwn {
    const OPEN: &'static str = "open";
    fn into_parts(self) -> (u64, Option<String>, Option<String>, String) {
        (self.number, self.body, login(self.user), self.html_url)
    }
}

pub(crate) type ApiIssue = payload::ApiIssue<IssueOwn>;

/// A comment's fields under GitHub's names.
#[derive(Deserialize)]
pub(crate) struct CommentOwn {
    #[serde(default)]
    user: Option<ApiUser>,
    /// `.../repos/O/R/issues/N`: the only place a comment names its issue.
    issue_url: String,
}

pub(crate) type ApiComment = payload::ApiComment<CommentOwn>;

/// The comment, on the issue its `issue_url` names.
pub(crate) fn comment(c: ApiComment) -> Result<Comment, TrackerError> {
    let issue = c
        .own
        .issue_url
        .rsplit('/')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| forge(None, format!("comment {}: unexpected issue_url", c.id)))?;
    Ok(c.into_core(issue, |own| login(own.user)))
}

/// An event's fields under GitHub's names.
#[derive(Deserialize)]
pub(crate) struct EventOwn {
    #[serde(default)]
    actor: Option<ApiUser>,
    event: String,
    #[serde(default)]
    label: Option<LabelRef>,
}

impl EventFields for EventOwn {
    fn read(self) -> Option<(Option<String>, EventKind)> {
        let label = || self.label.map(LabelRef::into_name).unwrap_or_default();
        let kind = match self.event.as_str() {
            "labeled" => EventKind::Labeled { label: label() },
            "unlabeled" => EventKind::Unlabeled { label: label() },
            "closed" => EventKind::Closed,
            "reopened" => EventKind::Reopened,
            _ => return None,
        };
        Some((login(self.actor), kind))
    }
}

pub(crate) type ApiEvent = payload::ApiEvent<EventOwn>;

#[derive(Deserialize)]
pub(crate) struct ApiLabel {
    pub(crate) name: String,
    pub(crate) color: String,
    #[serde(default)]
    pub(crate) description: Option<String>,
}

impl From<ApiLabel> for Label {
    fn from(l: ApiLabel) -> Label {
        Label {
            name: l.name,
            color: l.color.to_ascii_lowercase(),
            description: l.description.unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct SearchPage {
    pub(crate) items: Vec<ApiIssue>,
}

/// `GET /repos/{o}/{r}/contents/{path}` for a file.
#[derive(Deserialize)]
pub(crate) struct ApiContent {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) encoding: Option<String>,
    #[serde(default)]
    pub(crate) content: Option<String>,
}

/// Standard base64 with the line breaks GitHub puts in file contents.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

pub(crate) fn login(user: Option<ApiUser>) -> Option<String> {
    user.map(|u| u.login)
}

/// The level in a `collaborators/{user}/permission` reply: `role_name` tells
/// maintain and triage apart (`permission` folds them into write and read);
/// a custom role's name is none of ours, so its base `permission` decides.
pub(crate) fn permission_level(reply: &Value) -> Option<PermissionLevel> {
    let field = |key: &str| reply.get(key).and_then(Value::as_str);
    field("role_name")
        .and_then(PermissionLevel::from_name)
        .or_else(|| field("permission").and_then(PermissionLevel::from_name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base64_with_line_breaks() {
        assert_eq!(base64_decode("aGVs\nbG8=\n").unwrap(), b"hello");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert_eq!(base64_decode("YWI=").unwrap(), b"ab");
        assert!(base64_decode("a$b").is_none());
    }

    #[test]
    fn permission_from_role_name_then_permission() {
        use PermissionLevel::*;
        for (reply, want) in [
            (
                json!({"permission": "write", "role_name": "maintain"}),
                Some(Maintain),
            ),
            (
                json!({"permission": "read", "role_name": "triage"}),
                Some(Triage),
            ),
            (
                json!({"permission": "write", "role_name": "write"}),
                Some(Write),
            ),
            (
                json!({"permission": "admin", "role_name": "admin"}),
                Some(Admin),
            ),
            // A custom role: its base permission decides.
            (
                json!({"permission": "write", "role_name": "release-bot"}),
                Some(Write),
            ),
            (json!({"permission": "read"}), Some(Read)),
            (json!({"permission": "none", "role_name": "none"}), None),
            (json!({"message": "Not Found"}), None),
            (json!({"permission": 3, "role_name": null}), None),
        ] {
            assert_eq!(permission_level(&reply), want, "{reply}");
        }
    }
}
