//! What to do, as data. Pure code decides a [`Plan`]; the tracker applies it, or
//! `--dry-run` prints it and changes nothing.

use std::fmt;

use serde::Serialize;

use crate::issue::Label;

/// An issue the plan acts on: one that exists, or the one the plan creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueRef {
    Existing(u64),
    Created,
}

impl fmt::Display for IssueRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IssueRef::Existing(n) => write!(f, "#{n}"),
            IssueRef::Created => write!(f, "the new issue"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    EnsureLabel(Label),
    CreateIssue {
        title: String,
        body: String,
        labels: Vec<String>,
    },
    UpdateIssue {
        number: IssueRef,
        title: Option<String>,
        body: Option<String>,
        open: Option<bool>,
    },
    AddLabels {
        number: IssueRef,
        labels: Vec<String>,
    },
    RemoveLabel {
        number: IssueRef,
        label: String,
    },
    Comment {
        number: IssueRef,
        body: String,
    },
    EditComment {
        number: IssueRef,
        id: u64,
        body: String,
    },
    /// Edits the submission's status comment `id`, or posts one if there is
    /// none (or it was deleted by hand); the executor reports the new id so
    /// that the state can record it.
    StatusComment {
        number: IssueRef,
        id: Option<u64>,
        body: String,
    },
    /// An e-mail, sent once: the executor sends it only while no comment of
    /// the tracker's on issue `number` carries `key` (a [`once`] key line).
    /// A notice's mail comes right before its keyed comment, which records
    /// it; a mail without one (the announcement) has `record`, a comment the
    /// executor posts with the key once the mail is sent. Off (dropped from
    /// the plan) while no SMTP server is configured.
    Mail {
        number: IssueRef,
        key: String,
        to: Vec<String>,
        subject: String,
        text: String,
        html: String,
        record: Option<String>,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub actions: Vec<Action>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    pub fn extend(&mut self, other: Plan) {
        self.actions.extend(other.actions);
    }

    pub fn push(&mut self, action: Action) {
        self.actions.push(action);
    }

    /// The plan without its e-mails (mail is off).
    pub fn without_mail(mut self) -> Plan {
        self.actions.retain(|a| !matches!(a, Action::Mail { .. }));
        self
    }
}

fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with("<!--"))
        .unwrap_or("")
}

/// The status comment starts with a hidden marker and a bold heading.
fn first_status_line(s: &str) -> String {
    first_line(s).replace("**", "")
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::EnsureLabel(l) => write!(
                f,
                "ensure label `{}` (#{}, {})",
                l.name, l.color, l.description
            ),
            Action::CreateIssue {
                title,
                body,
                labels,
            } => write!(
                f,
                "create issue \"{title}\" with labels {} ({} bytes of body)",
                labels.join(", "),
                body.len()
            ),
            Action::UpdateIssue {
                number,
                title,
                body,
                open,
            } => {
                let mut parts = Vec::new();
                if let Some(t) = title {
                    parts.push(format!("title to \"{t}\""));
                }
                if let Some(b) = body {
                    parts.push(format!("body ({} bytes)", b.len()));
                }
                match open {
                    Some(false) => parts.push("close it".into()),
                    Some(true) => parts.push("reopen it".into()),
                    None => {}
                }
                write!(f, "update {number}: {}", parts.join(", "))
            }
            Action::AddLabels { number, labels } => {
                write!(f, "add labels {} to {number}", labels.join(", "))
            }
            Action::RemoveLabel { number, label } => {
                write!(f, "remove label {label} from {number}")
            }
            Action::Comment { number, body } => {
                write!(f, "comment on {number}: \"{}\"", first_line(body))
            }
            Action::EditComment { number, id, body } => {
                write!(f, "edit comment {id} on {number}: \"{}\"", first_line(body))
            }
            Action::Mail {
                number,
                to,
                subject,
                ..
            } => write!(
                f,
                "e-mail \"{}\" to {} (once, recorded on {number})",
                subject.replace(['\r', '\n'], " "),
                to.join(", ")
            ),
            Action::StatusComment { number, id, body } => match id {
                Some(id) => write!(
                    f,
                    "edit the status comment {id} on {number}: \"{}\"",
                    first_status_line(body)
                ),
                None => write!(
                    f,
                    "post the status comment on {number}: \"{}\"",
                    first_status_line(body)
                ),
            },
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.actions.is_empty() {
            return writeln!(f, "nothing to do");
        }
        for (i, a) in self.actions.iter().enumerate() {
            writeln!(f, "{:>2}. {a}", i + 1)?;
        }
        Ok(())
    }
}

/// Starts the hidden key of a comment to be posted once (a notice, an update
/// comment): the executor does not post a keyed comment whose key the issue
/// already shows, so a run repairing a failure half way neither repeats a
/// notice nor, posting it before the write that records it, loses one.
pub const ONCE_PREFIX: &str = "<!-- umd-release:once ";

/// `body` with a key derived from `material` (what makes this notice this
/// one: the issue, its text, the stage entry it belongs to) on its last line.
pub fn once(body: &str, material: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(material.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{}\n{ONCE_PREFIX}{hex} -->", body.trim_end())
}

/// The key line of a comment posted with [`once`], if it has one.
pub fn once_key(body: &str) -> Option<&str> {
    let line = body.lines().last()?;
    line.starts_with(ONCE_PREFIX).then_some(line)
}
