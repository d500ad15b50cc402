//! GitHub's payloads, as the REST API sends them.

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::super::http::forge;
use super::super::{Comment, Issue, Label, TrackerError};
use crate::policy::tracker_config::PermissionLevel;

/// Names the user of a deleted account, as GitHub shows it.
const GHOST: &str = "ghost";

#[derive(Deserialize)]
pub(crate) struct ApiUser {
    pub(crate) login: String,
}

/// Labels come as objects, but GitHub documents plain strings too.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum ApiLabelRef {
    Object { name: String },
    Name(String),
}

impl ApiLabelRef {
    pub(crate) fn into_name(self) -> String {
        match self {
            ApiLabelRef::Object { name } | ApiLabelRef::Name(name) => name,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ApiIssue {
    pub(crate) number: u64,
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) body: Option<String>,
    #[serde(default)]
    pub(crate) labels: Vec<ApiLabelRef>,
    pub(crate) state: String,
    #[serde(default)]
    pub(crate) user: Option<ApiUser>,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) updated_at: OffsetDateTime,
    pub(crate) html_url: String,
    /// Present on pull requests, which the issues API lists too.
    #[serde(default)]
    pub(crate) pull_request: Option<Value>,
}

impl From<ApiIssue> for Issue {
    fn from(i: ApiIssue) -> Issue {
        Issue {
            number: i.number,
            title: i.title,
            body: i.body.unwrap_or_default(),
            labels: i.labels.into_iter().map(ApiLabelRef::into_name).collect(),
            open: i.state == "open",
            author: login(i.user),
            created_at: i.created_at,
            updated_at: i.updated_at,
            url: i.html_url,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ApiComment {
    pub(crate) id: u64,
    #[serde(default)]
    pub(crate) body: Option<String>,
    #[serde(default)]
    pub(crate) user: Option<ApiUser>,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) updated_at: OffsetDateTime,
    /// `.../repos/O/R/issues/N`: the only place a comment names its issue.
    pub(crate) issue_url: String,
}

impl ApiComment {
    pub(crate) fn into_comment(self) -> Result<Comment, TrackerError> {
        let issue = self
            .issue_url
            .rsplit('/')
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| forge(None, format!("comment {}: unexpected issue_url", self.id)))?;
        Ok(Comment {
            id: self.id,
            issue,
            author: login(self.user),
            body: self.body.unwrap_or_default(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Deserialize)]
pub(crate) struct ApiEvent {
    pub(crate) id: u64,
    #[serde(default)]
    pub(crate) actor: Option<ApiUser>,
    pub(crate) event: String,
    #[serde(default)]
    pub(crate) label: Option<ApiLabelRef>,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created_at: OffsetDateTime,
}

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

pub(crate) fn login(user: Option<ApiUser>) -> String {
    user.map_or_else(|| GHOST.into(), |u| u.login)
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
