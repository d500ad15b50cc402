//! Events the tracking repository reacts to: GitHub webhook payloads (the file at
//! `GITHUB_EVENT_PATH`, named by `GITHUB_EVENT_NAME`), or the same facts given
//! as flags on the command line.

use serde::Deserialize;

pub use crate::labels::unscope;

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
    /// The repository the event is about (`owner/repo`, a GitLab project's
    /// path); `None` for an event given with flags.
    pub repository: Option<String>,
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
    repository: PRepository,
}

#[derive(Deserialize)]
struct PRepository {
    full_name: String,
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
        repository: Some(p.repository.full_name),
    })
}

#[derive(Deserialize)]
struct GlPayload {
    object_kind: String,
    #[serde(default)]
    user: Option<GlUser>,
    #[serde(default)]
    object_attributes: Option<serde_json::Value>,
    #[serde(default)]
    issue: Option<serde_json::Value>,
    #[serde(default)]
    changes: Option<serde_json::Value>,
    project: GlProject,
}

#[derive(Deserialize)]
struct GlProject {
    path_with_namespace: String,
}

#[derive(Deserialize)]
struct GlUser {
    username: String,
}

/// Parses a GitLab webhook payload (`Issue Hook` or `Note Hook`), as a project
/// webhook hands it to the pipeline trigger API (the file in `TRIGGER_PAYLOAD`).
pub fn parse_gitlab(path: &str, json: &str) -> Result<Event, EventError> {
    let shape = |message: String| EventError::Shape {
        path: path.to_string(),
        name: "GitLab webhook".to_string(),
        message,
    };
    let p: GlPayload = serde_json::from_str(json).map_err(|e| shape(e.to_string()))?;
    let actor = p
        .user
        .map(|u| u.username)
        .ok_or_else(|| shape("no `user`".into()))?;
    let titles = |v: Option<&serde_json::Value>| -> Vec<String> {
        v.and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|l| l["title"].as_str())
                    .map(unscope)
                    .collect()
            })
            .unwrap_or_default()
    };
    let attrs = p.object_attributes.unwrap_or_default();
    let repository = Some(p.project.path_with_namespace);
    let num = |v: &serde_json::Value| v["iid"].as_u64();
    match p.object_kind.as_str() {
        "issue" => {
            let issue = num(&attrs).ok_or_else(|| shape("no `object_attributes.iid`".into()))?;
            let labels = titles(attrs.get("labels"));
            let changes = p.changes.unwrap_or_default();
            let before = titles(changes.pointer("/labels/previous"));
            let after = titles(changes.pointer("/labels/current"));
            let added = after.iter().find(|l| !before.contains(l)).cloned();
            let removed = before.iter().find(|l| !after.contains(l)).cloned();
            // An issue opened with labels also lists them as changed: opening comes first.
            let kind = if attrs["action"] == "open" {
                EventKind::Opened
            } else if changes.get("labels").is_some() {
                match (added, removed) {
                    (Some(l), _) => EventKind::Labeled { label: Some(l) },
                    (None, Some(l)) => EventKind::Unlabeled { label: Some(l) },
                    (None, None) => EventKind::Labeled { label: None },
                }
            } else {
                match attrs["action"].as_str().unwrap_or("") {
                    "update" => EventKind::Edited,
                    a => EventKind::Other {
                        name: "issue".into(),
                        action: a.into(),
                    },
                }
            };
            Ok(Event {
                kind,
                issue,
                actor,
                title: attrs["title"].as_str().unwrap_or_default().into(),
                body: attrs["description"].as_str().unwrap_or_default().into(),
                labels,
                repository,
            })
        }
        "note" if attrs["noteable_type"] == "Issue" => {
            let issue_v = p.issue.unwrap_or_default();
            let issue = num(&issue_v).ok_or_else(|| shape("no `issue.iid`".into()))?;
            let kind = if attrs["system"].as_bool() == Some(true) {
                EventKind::Other {
                    name: "note".into(),
                    action: "system".into(),
                }
            } else {
                EventKind::Comment {
                    id: attrs["id"].as_u64().unwrap_or_default(),
                    body: attrs["note"].as_str().unwrap_or_default().into(),
                }
            };
            Ok(Event {
                kind,
                issue,
                actor,
                title: issue_v["title"].as_str().unwrap_or_default().into(),
                body: issue_v["description"].as_str().unwrap_or_default().into(),
                labels: titles(issue_v.get("labels")),
                repository,
            })
        }
        kind => Ok(Event {
            kind: EventKind::Other {
                name: kind.to_string(),
                action: attrs["action"].as_str().unwrap_or_default().into(),
            },
            issue: 0,
            actor,
            title: String::new(),
            body: String::new(),
            labels: Vec::new(),
            repository,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gitlab_fixture(name: &str) -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(format!(
                "{}/tests/fixtures/gitlab/webhooks/{name}.payload.json",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn gitlab_payloads_parse() {
        let mut issue = gitlab_fixture("issue");
        // The documented payload is an issue opened with labels: opened.
        let e = parse_gitlab("p", &issue.to_string()).unwrap();
        assert_eq!(
            (e.issue, e.actor.as_str(), e.kind.clone()),
            (23, "root", EventKind::Opened)
        );
        // The same labels changed on an update: a label event.
        issue["object_attributes"]["action"] = "update".into();
        let e = parse_gitlab("p", &issue.to_string()).unwrap();
        assert_eq!(
            e.kind,
            EventKind::Labeled {
                label: Some("Platform".into())
            }
        );
        // A state label added, scoped as GitLab names it.
        let mut v = issue.clone();
        v["changes"]["labels"]["current"][0]["title"] = "state::verification".into();
        v["object_attributes"]["labels"][0]["title"] = "state::verification".into();
        let e = parse_gitlab("p", &v.to_string()).unwrap();
        assert_eq!(
            e.kind,
            EventKind::Labeled {
                label: Some("state:verification".into())
            }
        );
        assert_eq!(e.labels, ["state:verification"]);
        // Removed only.
        v["changes"]["labels"]["current"] = serde_json::json!([]);
        let e = parse_gitlab("p", &v.to_string()).unwrap();
        assert_eq!(
            e.kind,
            EventKind::Unlabeled {
                label: Some("API".into())
            }
        );
        // An update without label changes is an edit.
        v.as_object_mut().unwrap().remove("changes");
        assert_eq!(
            parse_gitlab("p", &v.to_string()).unwrap().kind,
            EventKind::Edited
        );

        let note = gitlab_fixture("note.issue");
        let e = parse_gitlab("p", &note.to_string()).unwrap();
        assert_eq!((e.issue, e.actor.as_str()), (17, "root"));
        assert_eq!(
            e.kind,
            EventKind::Comment {
                id: 1241,
                body: "Hello world".into()
            }
        );
        let mut sys = note.clone();
        sys["object_attributes"]["system"] = true.into();
        assert!(matches!(
            parse_gitlab("p", &sys.to_string()).unwrap().kind,
            EventKind::Other { .. }
        ));
        let err = parse_gitlab("trigger.json", "{}").unwrap_err().to_string();
        assert!(
            err.starts_with("trigger.json: the `GitLab webhook` event payload"),
            "{err}"
        );
        assert_eq!(unscope("dist::cmd-os-1"), "dist:cmd-os-1");
        assert_eq!(unscope("bug::x"), "bug::x");
    }

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
