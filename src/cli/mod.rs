//! The command line: one file per command, each with its clap `Args` and a
//! `run` that resolves the flags into a typed request, calls the library and
//! prints. Shared here: exit codes, output, the clock and common flags.

pub mod announce;
pub mod check;
pub mod comment;
pub mod dashboard;
pub mod explain;
pub mod export;
pub mod init;
pub mod intake;
pub mod move_to;
pub mod policies;
pub mod publish;
pub mod schema;
pub mod status;
pub mod submit;
pub mod sweep;
pub mod track;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use clap::ValueEnum;

use umd_release::process;
use umd_release::process::announce::DistRelease;
use umd_release::tracker::{self, Tracker, TrackerError};

/// Exit codes, as documented in the README.
pub mod exit {
    pub const FAILED: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const FORGE: u8 = 3;
}

/// An error with the exit code it maps to.
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

pub type Outcome = Result<u8, Failure>;

pub fn bad_input(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: exit::BAD_INPUT,
        error: error.into(),
    }
}

impl From<TrackerError> for Failure {
    fn from(e: TrackerError) -> Self {
        let code = match e {
            TrackerError::Forge { .. } | TrackerError::Mail { .. } => exit::FORGE,
            _ => exit::BAD_INPUT,
        };
        Failure {
            code,
            error: e.into(),
        }
    }
}

impl From<process::Error> for Failure {
    fn from(e: process::Error) -> Self {
        match e {
            process::Error::Tracker(t) => t.into(),
            process::Error::Input(e) => bad_input(e),
        }
    }
}

pub fn print(text: &str) -> Result<(), Failure> {
    write_out(&mut anstream::stdout(), text)
}

/// Standard output as is: GitLab's log sections need their escape codes even
/// when stdout is not a terminal (anstream would strip them).
pub fn print_raw(text: &str) -> Result<(), Failure> {
    write_out(&mut std::io::stdout().lock(), text)
}

fn write_out(out: &mut impl Write, text: &str) -> Result<(), Failure> {
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Failure {
            code: exit::BAD_INPUT,
            error: anyhow::Error::new(e).context("cannot write to standard output"),
        })
}

/// Writes a file completely or not at all: a temp file beside it, then a rename.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), Failure> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| bad_input(anyhow!("{} is not a file path", path.display())))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
        .with_context(|| format!("cannot write {}", path.display()))
        .map_err(bad_input)
}

/// The time decisions are taken at, in whole seconds as forges record times
/// (so histories compare equal across trackers): the clock, or
/// `UMD_RELEASE_NOW` (RFC 3339) to replay a command at a given instant.
/// `main` refuses a bad value before any command runs.
pub fn now() -> time::OffsetDateTime {
    let t = fixed_now()
        .ok()
        .flatten()
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    t.replace_nanosecond(0).unwrap_or(t)
}

pub fn fixed_now() -> anyhow::Result<Option<time::OffsetDateTime>> {
    umd_release::calendar::replayed_now().map_err(anyhow::Error::msg)
}

/// Who acts: the given name, else $GITHUB_ACTOR, else the tool itself.
pub fn actor(given: Option<String>) -> String {
    given
        .or_else(|| std::env::var("GITHUB_ACTOR").ok().filter(|a| !a.is_empty()))
        .unwrap_or_else(|| umd_release::labels::TOOL_LOGIN.to_string())
}

#[derive(clap::Args)]
pub struct TrackerArgs {
    /// Where submissions live: `local:DIR` (embedded), `github:OWNER/REPO`
    #[arg(
        long,
        env = "UMD_RELEASE_TRACKER",
        default_value = "local:.umd-tracker",
        value_name = "SPEC"
    )]
    pub tracker: String,
}

impl TrackerArgs {
    /// The tracker, with the SMTP mailer when `UMD_RELEASE_SMTP_HOST` is set
    /// (a bad `UMD_RELEASE_SMTP_*` value is bad input, exit 2).
    pub fn open(&self) -> Result<Box<dyn Tracker>, Failure> {
        let tracker = tracker::open(&self.tracker)?;
        let mail = umd_release::mail::SmtpConfig::from_env()
            .and_then(|c| c.map(umd_release::mail::SmtpMailer::new).transpose())
            .map_err(|e| bad_input(anyhow!("{e}")))?;
        Ok(match mail {
            Some(mailer) => Box::new(tracker::mailing::Mailing::new(tracker, Box::new(mailer))),
            None => tracker,
        })
    }
}

/// Where the pipeline's rules come from.
#[derive(clap::Args)]
pub struct PipelineArgs {
    /// Tracker configuration (roles, Early Adopters); default: the tracker's own `tracker.yaml`
    #[arg(long, env = "UMD_RELEASE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Policy file for a distribution that is not built in (its id must match the submissions'); repeatable
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<String>,
}

impl PipelineArgs {
    pub fn rules(&self, tracker: &dyn Tracker) -> Result<process::Rules, Failure> {
        Ok(process::Rules::load(
            tracker,
            self.config.as_deref(),
            &self.policies,
        )?)
    }
}

/// Names one submission in the tracker.
#[derive(clap::Args)]
pub struct SubmissionArg {
    /// The submission, as PRODUCT@VERSION
    #[arg(long, value_name = "PRODUCT@VERSION")]
    pub submission: String,
    /// The distribution (policy id), when the release was submitted to several
    #[arg(long, value_name = "ID")]
    pub distribution: Option<String>,
}

impl SubmissionArg {
    pub fn find(&self, tracker: &dyn Tracker) -> Result<umd_release::issue::Issue, Failure> {
        Ok(process::find_submission(
            tracker,
            &self.submission,
            self.distribution.as_deref(),
        )?)
    }
}

/// Names one distribution release.
#[derive(clap::Args)]
pub struct ReleaseArg {
    /// The distribution (policy id, e.g. cmd-os-1)
    #[arg(long, value_name = "ID")]
    pub distribution: String,
    /// The distribution release, X.Y.Z
    #[arg(long, value_name = "X.Y.Z")]
    pub version: String,
}

impl ReleaseArg {
    /// The tracker, its rules and the release, the version checked first.
    pub fn open(
        &self,
        tracker: &TrackerArgs,
        pipeline: &PipelineArgs,
    ) -> Result<(Box<dyn Tracker>, process::Rules, DistRelease), Failure> {
        DistRelease::check_version(&self.version)?;
        let tracker = tracker.open()?;
        let rules = pipeline.rules(&*tracker)?;
        let release = DistRelease::new(&rules, &self.distribution, &self.version)?;
        Ok((tracker, rules, release))
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

/// Pretty JSON with a final newline.
pub fn json(value: &impl serde::Serialize) -> Result<String, Failure> {
    Ok(serde_json::to_string_pretty(value).map_err(bad_input)? + "\n")
}

/// A plan as a dry run prints it: one numbered action a line, indented.
pub fn dry_run_plan(plan: &umd_release::plan::Plan) -> String {
    let mut out = String::from("dry run: nothing was changed; the plan:\n");
    for line in plan.to_string().lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

/// Tells other jobs about a repository transition (a step output in Actions).
pub fn repository_transition(
    key: &umd_release::submission::Key,
    transition: Option<umd_release::pipeline::effect::RepositoryTransition>,
) -> Result<String, Failure> {
    let Some(t) = transition else {
        return Ok(String::new());
    };
    if let Some(actions) = umd_release::forge::github_actions::Actions::detect() {
        let value = serde_json::json!({
            "distribution": key.dist, "product": key.product, "version": key.version,
            "from": t.from, "to": t.to,
        });
        actions
            .set_output("repository_transition", &value.to_string())
            .context("cannot write $GITHUB_OUTPUT")
            .map_err(bad_input)?;
    }
    Ok(format!(
        "repository transition: {} {} for {}: {} -> {}\n",
        key.product, key.version, key.dist, t.from, t.to
    ))
}
