//! The seeds' process over a [`Tracker`], one file per step: check, submit,
//! intake, request, track, sweep, announce, publish, export, status. Each step
//! decides with the pure core and changes the tracker only through a
//! [`Plan`](crate::plan::Plan) that [`apply()`] carries out, so every writing
//! step has a dry run. Steps return typed results; the CLI prints them.

pub mod announce;
pub mod apply;
pub mod check;
pub mod export;
pub mod intake;
pub mod publish;
pub mod request;
pub mod status;
pub mod submit;
pub mod sweep;
pub mod track;

use std::borrow::Cow;
use std::path::Path;

use crate::issue::Issue;
use crate::pipeline::Stage;
use crate::policy::Policy;
use crate::policy::registry::{self, RegisteredProduct, RegistryError};
use crate::policy::tracker_config::{self, TrackerConfig};
use crate::submission::{self, Key};
use crate::tracker::{Tracker, TrackerError};

pub use apply::{Applied, apply};

/// Why a step failed: the input (exit 2) or the tracker (exit 3 when the
/// forge or network failed, else 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0:#}")]
    Input(anyhow::Error),
    #[error(transparent)]
    Tracker(#[from] TrackerError),
}

impl Error {
    /// The forge or the network failed: worth trying again later.
    pub fn is_forge(&self) -> bool {
        matches!(self, Error::Tracker(TrackerError::Forge { .. }))
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::Input(e)
    }
}

impl From<RegistryError> for Error {
    fn from(e: RegistryError) -> Self {
        Error::Input(e.into())
    }
}

/// Shorthand for an input error with a message.
pub(crate) fn input(message: String) -> Error {
    Error::Input(anyhow::Error::msg(message))
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the pipeline steps decide with: who holds which role, and policies
/// beyond the built-in ones.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub config: TrackerConfig,
    pub policies: Vec<Policy>,
}

impl Rules {
    /// `tracker.yaml` from `config` or else the tracker itself, and the
    /// policy files given by path or built-in name.
    pub fn load(
        tracker: &dyn Tracker,
        config: Option<&Path>,
        policies: &[String],
    ) -> Result<Rules> {
        use anyhow::Context;
        let text = match config {
            Some(p) => Some(std::fs::read_to_string(p).with_context(|| {
                format!("cannot read the tracker configuration {}", p.display())
            })?),
            None => tracker.read_file(tracker_config::FILE_NAME)?,
        };
        // Without a configuration nobody holds a role: every move is put back, saying which role it needs.
        let config = match text {
            None => TrackerConfig::default(),
            Some(t) => {
                TrackerConfig::parse(config.unwrap_or(Path::new(tracker_config::FILE_NAME)), &t)
                    .map_err(anyhow::Error::from)?
            }
        };
        let policies = policies
            .iter()
            .map(|p| Policy::load(p).map_err(|e| Error::Input(e.into())))
            .collect::<Result<Vec<_>>>()?;
        Ok(Rules { config, policies })
    }

    /// The policy that governs a submission.
    pub fn policy_of(&self, key: &Key) -> Option<Cow<'_, Policy>> {
        policy_of(key, &self.policies)
    }

    /// The policy of `--distribution`: a built-in one, or one given with `--policy`.
    pub fn distribution(&self, id: &str) -> Result<Policy> {
        self.policies
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .or_else(|| Policy::builtin(id))
            .ok_or_else(|| {
                input(format!(
                    "no distribution `{id}`: the built-in ones are {}; give another's policy file with --policy",
                    crate::policy::builtin_names().join(", ")
                ))
            })
    }
}

/// The policy that governs a submission: the built-in one its key names, or
/// one given with `--policy` by id.
pub fn policy_of<'a>(key: &Key, given: &'a [Policy]) -> Option<Cow<'a, Policy>> {
    crate::policy::governing(&key.dist, given)
}

pub(crate) fn unknown_policy(key: &Key) -> TrackerError {
    TrackerError::Invalid {
        message: format!(
            "the submission {} names the distribution `{}`, which is not a built-in policy; give its policy file with --policy",
            key.id(),
            key.dist
        ),
    }
}

/// Whether the tracker itself opened `issue`: only such an issue can be a
/// submission, an announcement or a review. Anyone may open an issue that
/// copies a marker and a state block; the forge records who did.
pub(crate) fn opened_by_tracker(issue: &Issue, identity: Option<&str>) -> bool {
    is_tracker(&issue.author, identity)
}

/// Whether `login` is the tracker's identity (anyone on the embedded
/// tracker, which nobody else writes).
pub(crate) fn is_tracker(login: &str, identity: Option<&str>) -> bool {
    identity.is_none_or(|me| login.eq_ignore_ascii_case(me))
}

/// The issues of a listing that the tracker itself opened.
pub(crate) fn tracker_issues(
    tracker: &dyn Tracker,
    issues: Vec<Issue>,
) -> Result<Vec<Issue>, TrackerError> {
    let me = tracker.identity()?;
    Ok(issues
        .into_iter()
        .filter(|i| opened_by_tracker(i, me.as_deref()))
        .collect())
}

/// The recorded state, or one rebuilt from the labels if the block was damaged.
pub(crate) fn state_of(issue: &Issue, body: &submission::Body) -> submission::State {
    body.state.clone().unwrap_or_else(|| submission::State {
        key: body.key.clone(),
        history: vec![submission::Transition {
            stage: issue
                .labels
                .iter()
                .find_map(|l| Stage::from_label(l))
                .unwrap_or(Stage::Unverified),
            at: issue.created_at,
            actor: issue.author.clone(),
        }],
        ..submission::State::default()
    })
}

/// Whether a label event's actor wrote with the tracker's token: its
/// identity, or the tool's login where the forge names none.
pub(crate) fn is_tool(login: &str, identity: Option<&str>) -> bool {
    identity.map_or(login == crate::labels::TOOL_LOGIN, |me| {
        login.eq_ignore_ascii_case(me)
    })
}

/// The recorded state of a submission as the forge bears it out: a history
/// whose steps no label event records (a hand-edited state block) is rebuilt
/// to the steps that are recorded, with a line for each step dropped. A
/// history of one step (the filing) costs no request.
pub(crate) fn checked_state(
    tracker: &dyn Tracker,
    issue: &Issue,
    body: &submission::Body,
) -> Result<(submission::State, Vec<String>), TrackerError> {
    let state = state_of(issue, body);
    if state.history.len() < 2 {
        return Ok((state, Vec::new()));
    }
    let me = tracker.identity()?;
    let events = tracker.list_events(issue.number)?;
    Ok(
        match submission::rebuilt(&state, &events, &|a| is_tool(a, me.as_deref())) {
            Some(fixed) => fixed,
            None => (state, Vec::new()),
        },
    )
}

/// The comment telling a submission's followers that its state block was
/// rebuilt, and why.
pub(crate) fn rebuilt_notice(state: &submission::State, why: &[String]) -> String {
    format!(
        "umd-release rebuilt this submission's state from the forge's label events: the state block in the body records steps the forge does not.\n\n{}\n\nIt is in **{}** again. The block between the umd-release markers is the tool's; a stage moves with its label.",
        why.iter()
            .map(|w| format!("- {w}"))
            .collect::<Vec<_>>()
            .join("\n"),
        state.stage().name()
    )
}

/// Reads `products/<name>.yaml` from a registry directory or the tracker itself.
pub fn registered(
    tracker: &dyn Tracker,
    registry_dir: Option<&Path>,
    product: &str,
) -> Result<RegisteredProduct, RegisteredError> {
    let where_ = match registry_dir {
        Some(d) => d.display().to_string(),
        None => format!("{}, products/", tracker.describe()),
    };
    let not_registered = || {
        RegisteredError::Registry(RegistryError::NotRegistered {
            product: product.to_string(),
            where_: where_.clone(),
        })
    };
    let Some(rel) = registry::file_name(product) else {
        return Err(not_registered());
    };
    if let Some(dir) = registry_dir
        && !dir.is_dir()
    {
        return Err(RegisteredError::Tracker(TrackerError::Invalid {
            message: format!(
                "the product registry {} is not a directory\n  give --registry the directory that holds the products' NAME.yaml files (e.g. the tracking repository's products/)",
                dir.display()
            ),
        }));
    }
    let text = match registry_dir {
        Some(dir) => {
            let path = dir.join(rel.trim_start_matches("products/"));
            match std::fs::read_to_string(&path) {
                Ok(t) => Some(t),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(source) => {
                    return Err(RegisteredError::Tracker(TrackerError::Io { path, source }));
                }
            }
        }
        None => tracker.read_file(&rel)?,
    };
    let text = text.ok_or_else(not_registered)?;
    let entry = RegisteredProduct::parse(Path::new(&rel), &text).map_err(RegistryError::from)?;
    if entry.name != product {
        return Err(not_registered());
    }
    Ok(entry)
}

/// Why a product's registration could not be read: the product's (told to
/// the requester) or the tracker's.
#[derive(Debug, thiserror::Error)]
pub enum RegisteredError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Tracker(#[from] TrackerError),
}

impl From<RegisteredError> for Error {
    fn from(e: RegisteredError) -> Self {
        match e {
            RegisteredError::Registry(r) => r.into(),
            RegisteredError::Tracker(t) => t.into(),
        }
    }
}

/// The one open submission PRODUCT@VERSION names (in the distribution, if given).
pub fn find_submission(
    tracker: &dyn Tracker,
    submission: &str,
    distribution: Option<&str>,
) -> Result<Issue> {
    let Some((product, version)) = submission.split_once('@') else {
        return Err(input(format!(
            "`{submission}` is not PRODUCT@VERSION, e.g. site-info-publisher@1.4.0"
        )));
    };
    let issues = tracker_issues(
        tracker,
        tracker.list_issues(Some(&crate::labels::product(product)), true)?,
    )?;
    let mut found: Vec<Issue> = issues
        .into_iter()
        .filter(|i| {
            submission::parse(&i.body).is_some_and(|b| {
                b.key.product == product
                    && b.key.version == version
                    && distribution.is_none_or(|d| d == b.key.dist)
            })
        })
        .collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(input(format!(
            "no open submission of {product} {version} in {}",
            tracker.describe()
        ))),
        _ => {
            let dists: Vec<String> = found
                .iter()
                .filter_map(|i| submission::parse(&i.body))
                .map(|b| b.key.dist)
                .collect();
            Err(input(format!(
                "{product} {version} was submitted to {}: say which with --distribution",
                dists.join(", ")
            )))
        }
    }
}

/// The tool's own accounts and other bots, whose comments carry no commands:
/// GitHub Apps (`name[bot]`), GitLab project and group access tokens
/// (`project_12_bot_…`, `group_3_bot_…`), and the embedded tracker's `umd-release`.
pub fn is_bot(login: &str) -> bool {
    let gitlab_bot = |prefix: &str| {
        login.strip_prefix(prefix).is_some_and(|rest| {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            digits > 0 && rest[digits..].starts_with("_bot")
        })
    };
    login == crate::labels::TOOL_LOGIN
        || login.ends_with("[bot]")
        || gitlab_bot("project_")
        || gitlab_bot("group_")
}

#[cfg(test)]
mod tests {
    #[test]
    fn bots_are_recognised() {
        for b in [
            "umd-release",
            "github-actions[bot]",
            "project_1_bot_umd",
            "group_42_bot_5f3a",
        ] {
            assert!(super::is_bot(b), "{b}");
        }
        for h in ["alice", "project_bot", "project_x_bot", "groupie_1_bot"] {
            assert!(!super::is_bot(h), "{h}");
        }
    }
}
