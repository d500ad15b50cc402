//! Events the tracking repository reacts to: GitHub webhook payloads (the file at
//! `GITHUB_EVENT_PATH`, named by `GITHUB_EVENT_NAME`), or the same facts given
//! as flags on the command line.

use serde::Deserialize;

/// What happened, reduced to what `track` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub issue: u64,
    /// Who did it (`sender.login`).
    pub actor: String,
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    Opened,
    Edited,
    Labeled {
        label: Option<String>,
    },
    Unlabeled {
        label: Option<String>,
    },
    Comment {
        id: u64,
        body: String,
    },
    /// Anything else: `track` ignores it and says so.
    Other {
        name: String,
        action: String,
    },
}

#[derive(Deserialize)]
struct Payload {
    action: String,
    issue: PIssue,
    #[serde(default)]
    label: Option<PLabel>,
    #[serde(default)]
    comment: Option<PComment>,
    sender: PUser,
}

#[derive(Deserialize)]
struct PIssue {
    number: u64,
    title: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    labels: Vec<PLabel>,
    /// Present when the "issue" is a pull request.
    #[serde(default)]
    pull_request: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct PLabel {
    name: String,
}

#[derive(Deserialize)]
struct PComment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
}

#[derive(Deserialize)]
struct PUser {
    login: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error(
        "{path}: cannot read the event payload: {source}\n  run `track` from an `issues` or `issue_comment` workflow, or give the event with flags (--issue, --event, ...)"
    )]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}: the `{name}` event payload is not what GitHub sends ({message})\n  `track` handles `issues` and `issue_comment` events; check the workflow's `on:`"
    )]
    Shape {
        path: String,
        name: String,
        message: String,
    },
    #[error("the event is on a pull request (#{0}), not an issue: nothing to do")]
    PullRequest(u64),
}

/// Parses a webhook payload of event `name` (`issues` or `issue_comment`).
pub fn parse(name: &str, path: &str, json: &str) -> Result<Event, EventError> {
    let shape = |message: String| EventError::Shape {
        path: path.to_string(),
        name: name.to_string(),
        message,
    };
    let p: Payload = serde_json::from_str(json).map_err(|e| shape(e.to_string()))?;
    if p.issue.pull_request.is_some() {
        return Err(EventError::PullRequest(p.issue.number));
    }
    let label = p.label.map(|l| l.name);
    let kind = match (name, p.action.as_str()) {
        ("issues", "opened") => EventKind::Opened,
        ("issues", "edited") => EventKind::Edited,
        ("issues", "labeled") => EventKind::Labeled { label },
        ("issues", "unlabeled") => EventKind::Unlabeled { label },
        ("issue_comment", "created") => {
            let c = p
                .comment
                .ok_or_else(|| shape("an `issue_comment` event without `comment`".into()))?;
            EventKind::Comment {
                id: c.id,
                body: c.body.unwrap_or_default(),
            }
        }
        (n, a) => EventKind::Other {
            name: n.to_string(),
            action: a.to_string(),
        },
    };
    Ok(Event {
        kind,
        issue: p.issue.number,
        actor: p.sender.login,
        title: p.issue.title,
        body: p.issue.body.unwrap_or_default(),
        labels: p.issue.labels.into_iter().map(|l| l.name).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/github/webhooks/{name}.payload.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn real_payloads_parse() {
        let e = parse("issues", "p", &fixture("issues.opened")).unwrap();
        assert_eq!(
            (e.kind.clone(), e.issue, e.actor.as_str()),
            (EventKind::Opened, 1, "Codertocat")
        );
        let e = parse("issues", "p", &fixture("issues.labeled")).unwrap();
        assert_eq!(
            e.kind,
            EventKind::Labeled {
                label: Some("bug".into())
            }
        );
        let e = parse("issues", "p", &fixture("issues.unlabeled")).unwrap();
        assert!(matches!(e.kind, EventKind::Unlabeled { .. }));
        let e = parse("issue_comment", "p", &fixture("issue_comment.created")).unwrap();
        assert!(
            matches!(e.kind, EventKind::Comment { ref body, .. } if body.starts_with("You are totally right"))
        );
    }

    #[test]
    fn label_may_be_absent() {
        let mut v: serde_json::Value = serde_json::from_str(&fixture("issues.labeled")).unwrap();
        v.as_object_mut().unwrap().remove("label");
        let e = parse("issues", "p", &v.to_string()).unwrap();
        assert_eq!(e.kind, EventKind::Labeled { label: None });
    }

    #[test]
    fn other_events_and_bad_shapes() {
        let e = parse("create", "p", &fixture("issues.opened")).unwrap();
        assert!(matches!(e.kind, EventKind::Other { .. }));
        let err = parse("issues", "ev.json", &fixture("push"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("ev.json: the `issues` event payload"),
            "{err}"
        );
        let err = parse("issues", "ev.json", "{not json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("ev.json"), "{err}");
    }
}
