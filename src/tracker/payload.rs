//! What both forges send alike: the fields of issues, comments and events
//! they name the same, around a part `F` that each names its own way.

use serde::Deserialize;
use time::OffsetDateTime;

use super::{Comment, Event, EventKind, Issue};

/// Both forges give the work of a deleted account to a user named `ghost`.
const GHOST: &str = "ghost";

/// A user's name, or the ghost's for a deleted account.
pub(crate) fn name_or_ghost(name: Option<String>) -> String {
    name.unwrap_or_else(|| GHOST.into())
}

/// A label of an issue or an event: an object, or (as both forges document
/// too) a plain name.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum LabelRef {
    Object { name: String },
    Name(String),
}

impl LabelRef {
    pub(crate) fn into_name(self) -> String {
        match self {
            LabelRef::Object { name } | LabelRef::Name(name) => name,
        }
    }
}

/// The fields of an issue that each forge names its own way.
pub(crate) trait IssueFields {
    /// The `state` of an open issue.
    const OPEN: &'static str;
    /// A label name as the core knows it.
    fn label(name: String) -> String {
        name
    }
    /// The number, body, author's name and web address.
    fn into_parts(self) -> (u64, Option<String>, Option<String>, String);
}

#[derive(Deserialize)]
pub(crate) struct ApiIssue<F> {
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) labels: Vec<LabelRef>,
    pub(crate) state: String,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) updated_at: OffsetDateTime,
    #[serde(flatten)]
    pub(crate) own: F,
}

impl<F: IssueFields> From<ApiIssue<F>> for Issue {
    fn from(i: ApiIssue<F>) -> Issue {
        let (number, body, author, url) = i.own.into_parts();
        Issue {
            number,
            title: i.title,
            body: body.unwrap_or_default(),
            labels: i
                .labels
                .into_iter()
                .map(|l| F::label(l.into_name()))
                .collect(),
            open: i.state == F::OPEN,
            author: name_or_ghost(author),
            created_at: i.created_at,
            updated_at: i.updated_at,
            url,
        }
    }
}

/// A comment (a note on GitLab).
#[derive(Deserialize)]
pub(crate) struct ApiComment<F> {
    pub(crate) id: u64,
    #[serde(default)]
    pub(crate) body: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) updated_at: OffsetDateTime,
    #[serde(flatten)]
    pub(crate) own: F,
}

impl<F> ApiComment<F> {
    /// The comment on `issue`, by whom `author` names in the forge's own fields.
    pub(crate) fn into_core(self, issue: u64, author: impl FnOnce(F) -> Option<String>) -> Comment {
        Comment {
            id: self.id,
            issue,
            author: name_or_ghost(author(self.own)),
            body: self.body.unwrap_or_default(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// The fields of an event that each forge names its own way.
pub(crate) trait EventFields {
    /// Who acted and what happened, `None` for an event the core does not track.
    fn read(self) -> Option<(Option<String>, EventKind)>;
}

#[derive(Deserialize)]
pub(crate) struct ApiEvent<F> {
    pub(crate) id: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created_at: OffsetDateTime,
    #[serde(flatten)]
    pub(crate) own: F,
}

/// The events of `issue` the core tracks among `items`, in their order.
pub(crate) fn events<F: EventFields>(
    issue: u64,
    items: Vec<ApiEvent<F>>,
) -> impl Iterator<Item = Event> {
    items.into_iter().filter_map(move |e| {
        let (actor, kind) = e.own.read()?;
        Some(Event {
            id: e.id,
            issue,
            actor: name_or_ghost(actor),
            kind,
            at: e.created_at,
        })
    })
}
