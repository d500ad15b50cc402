//! The `umd-release` command line: flags resolved into typed inputs, errors into
//! exit codes. Nothing else lives here.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand, ValueEnum};

use umd_release::check::{self, report};
use umd_release::forge::github_actions::Actions;
use umd_release::policy::{self, Policy, ProductCard};
use umd_release::release::{self, Inputs};

/// Exit codes, as documented in the README.
mod exit {
    pub const FAILED: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    #[allow(dead_code)]
    pub const FORGE: u8 = 3;
}

#[derive(Parser)]
#[command(
    name = "umd-release",
    version,
    about = "EGI's software provisioning process (UMD and CMD) from a forge",
    long_about = "Checks a product release against an EGI distribution policy (UMD 4, UMD 5, CMD-OS 1, CMD-ONE 1) like a compiler would.\n\nExit codes: 0 fine, 1 the release fails its policy, 2 bad input or usage, 3 the forge or network failed."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a release (tag, packages, licence, changelogs, Product ID Card) against its distribution's policy
    Check(CheckArgs),
    /// Print the documentation of a rule
    Explain {
        /// Rule id, e.g. `target-missing`
        rule: Option<String>,
        /// List every rule with its default severity
        #[arg(long, conflicts_with = "rule")]
        list: bool,
    },
    /// List the built-in distribution policies
    Policies {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print the JSON schema of a policy file, a Product ID Card, a product registration or tracker.yaml
    Schema {
        #[arg(value_enum)]
        kind: SchemaKind,
    },
    /// Check a release and file it in the tracker: one submission issue per distribution
    Submit(SubmitArgs),
    /// List the submissions in the tracker: product, version, distribution, stage, since when
    Status {
        #[command(flatten)]
        tracker: TrackerArgs,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// Also say what each open submission waits for (a role's move, an answer, exposure, a deadline)
        #[arg(long)]
        explain: bool,
        #[command(flatten)]
        pipeline: PipelineArgs,
    },
    /// Handle one event of the tracking repository (in Actions: $GITHUB_EVENT_NAME and $GITHUB_EVENT_PATH)
    Track(TrackArgs),
    /// Move a submission to another stage as USER, through the same checks as a label move
    Move(MoveArgs),
    /// Comment on a submission as USER (Early Adopter answers, reports, waivers), through `track`
    Comment(CommentArgs),
    /// Announce the next distribution release: the submissions Ready for release, in one announcement issue
    Announce(AnnounceArgs),
    /// Release an announced distribution release: its submissions move to Released, a review issue opens
    Publish(PublishArgs),
    /// Export a published distribution release as EGI's JSON records (egi-software-releases)
    Export(ExportArgs),
    /// Write the status dashboard (a static site: index.html, style.css, app.js) to a directory
    Dashboard {
        #[command(flatten)]
        tracker: TrackerArgs,
        /// Directory to write the site to (created if missing)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        pipeline: PipelineArgs,
    },
    /// Apply the deadlines: flag late stages Delayed and tell the provider, remind Early Adopters, repair labels
    Sweep(SweepArgs),
    /// Poll the registered products' GitHub and GitLab releases and file the new ones (the pull channel)
    Intake(IntakeArgs),
    /// Create the labels the pipeline uses in the tracker, and print the workflows to install
    Init {
        #[command(flatten)]
        tracker: TrackerArgs,
        /// Print what would be created without changing anything
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(clap::Args)]
struct TrackerArgs {
    /// Where submissions live: `local:DIR` (embedded), `github:OWNER/REPO`
    #[arg(
        long,
        env = "UMD_RELEASE_TRACKER",
        default_value = "local:.umd-tracker",
        value_name = "SPEC"
    )]
    tracker: String,
}

/// Where the pipeline's rules come from.
#[derive(clap::Args)]
struct PipelineArgs {
    /// Tracker configuration (roles, Early Adopters); default: the tracker's own `tracker.yaml`
    #[arg(long, env = "UMD_RELEASE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Policy file for a distribution that is not built in (its id must match the submissions'); repeatable
    #[arg(long = "policy", value_name = "FILE")]
    policies: Vec<String>,
}

#[derive(clap::Args)]
struct TrackArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    /// Event name, as GitHub names it (`issues`, `issue_comment`)
    #[arg(
        long,
        env = "GITHUB_EVENT_NAME",
        value_name = "NAME",
        requires = "event_path",
        conflicts_with = "event"
    )]
    event_name: Option<String>,
    /// The webhook payload file
    #[arg(
        long,
        env = "GITHUB_EVENT_PATH",
        value_name = "FILE",
        requires = "event_name",
        conflicts_with = "event"
    )]
    event_path: Option<PathBuf>,
    /// A GitLab webhook payload (Issue Hook, Note Hook), as the pipeline trigger API passes it
    #[arg(long, env = "TRIGGER_PAYLOAD", value_name = "FILE", conflicts_with_all = ["event", "event_name"])]
    gitlab_payload: Option<PathBuf>,
    /// Without a payload: the event (`labeled`, `unlabeled`, `comment`)
    #[arg(long, value_enum, requires_all = ["issue", "actor"])]
    event: Option<FlagEvent>,
    /// Without a payload: the issue number
    #[arg(long, value_name = "N")]
    issue: Option<u64>,
    /// Without a payload: who did it
    #[arg(long, value_name = "USER")]
    actor: Option<String>,
    /// Without a payload: the label added or removed (informative; the issue's labels decide)
    #[arg(long, value_name = "LABEL")]
    label: Option<String>,
    /// Without a payload: the comment's text
    #[arg(long, value_name = "TEXT", required_if_eq("event", "comment"))]
    body: Option<String>,
    /// Product registry directory; default: the tracker's own `products/`
    #[arg(long, value_name = "DIR")]
    registry: Option<PathBuf>,
    /// Directory of templates overriding the built-in ones (NAME.md.hbs)
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FlagEvent {
    Labeled,
    Unlabeled,
    Comment,
}

/// Names one submission in the tracker.
#[derive(clap::Args)]
struct SubmissionArg {
    /// The submission, as PRODUCT@VERSION
    #[arg(long, value_name = "PRODUCT@VERSION")]
    submission: String,
    /// The distribution (policy id), when the release was submitted to several
    #[arg(long, value_name = "ID")]
    distribution: Option<String>,
}

#[derive(clap::Args)]
struct CommentArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    #[command(flatten)]
    submission: SubmissionArg,
    /// Who comments (an Early Adopter site member, a staged-rollout manager)
    #[arg(long = "as", value_name = "USER")]
    actor: String,
    /// The comment, e.g. `accept NGI_IT-INFN-CNAF`
    #[arg(long, value_name = "TEXT")]
    body: String,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

#[derive(clap::Args)]
struct AnnounceArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    /// The distribution (policy id, e.g. cmd-os-1)
    #[arg(long, value_name = "ID")]
    distribution: String,
    /// The distribution release, X.Y.Z
    #[arg(long, value_name = "X.Y.Z")]
    version: String,
    /// Expected release date, YYYY-MM-DD (at least the policy's notice period away)
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: String,
    /// An emergency release: allowed with less notice, presented to the OMB after the fact
    #[arg(long)]
    emergency: bool,
    /// Directory of templates overriding the built-in ones (announcement.md.hbs, announcement.html.hbs)
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Also write the announcement as HTML to this file
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Print the announcement and change nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

#[derive(clap::Args)]
struct PublishArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    /// The distribution (policy id, e.g. cmd-os-1)
    #[arg(long, value_name = "ID")]
    distribution: String,
    /// The distribution release, X.Y.Z, as announced
    #[arg(long, value_name = "X.Y.Z")]
    version: String,
    /// Who releases (must hold the role of the move to Released, e.g. release-manager)
    #[arg(long = "as", value_name = "USER", env = "GITHUB_ACTOR")]
    actor: String,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    /// The product and distribution JSON files of EGI's UMD release repository
    EgiSoftwareReleases,
}

#[derive(clap::Args)]
struct ExportArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// The distribution (policy id, e.g. cmd-os-1)
    #[arg(long, value_name = "ID")]
    distribution: String,
    /// The published distribution release, X.Y.Z
    #[arg(long, value_name = "X.Y.Z")]
    version: String,
    /// Directory to write the JSON files to (created if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

#[derive(clap::Args)]
struct SweepArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    #[command(flatten)]
    pipeline: PipelineArgs,
    /// Print what would change and change nothing
    #[arg(long)]
    dry_run: bool,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
}

#[derive(clap::Args)]
struct MoveArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    #[command(flatten)]
    submission: SubmissionArg,
    /// Stage to move to: verification, staged-rollout, ready-for-release, released, rejected
    #[arg(long, value_name = "STAGE")]
    to: String,
    /// Who moves it (checked against the roles in the tracker configuration)
    #[arg(long = "as", value_name = "USER")]
    actor: String,
    /// A written reason for finishing staged rollout without the usual exposure, report or acceptance
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

#[derive(clap::Args)]
struct IntakeArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    /// The product registry: a directory of NAME.yaml (the tracking repository's `products/`)
    #[arg(long, value_name = "DIR", default_value = "products")]
    registry: PathBuf,
    /// Where ETags and handled tags are kept between runs (cache it in CI)
    #[arg(long, value_name = "FILE", default_value = ".umd-release-intake.json")]
    state: PathBuf,
    /// Print what would be filed and change nothing (the state file included)
    #[arg(long)]
    dry_run: bool,
    /// Directory of templates overriding the built-in ones (NAME.md.hbs)
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
}

#[derive(clap::Args)]
struct SubmitArgs {
    #[command(flatten)]
    check: CheckArgs,
    #[command(flatten)]
    tracker: TrackerArgs,
    /// Product registry directory (`products/NAME.yaml`); default: the tracker's own `products/`
    #[arg(long, value_name = "DIR")]
    registry: Option<PathBuf>,
    /// Submit even if the release fails its policy (the findings are listed in the issue)
    #[arg(long)]
    allow_failures: bool,
    /// Print the plan (every action on the tracker) and change nothing
    #[arg(long)]
    dry_run: bool,
    /// Who is submitting, as recorded in the history; default $GITHUB_ACTOR, else `umd-release`
    #[arg(long, value_name = "NAME")]
    actor: Option<String>,
    /// Directory of templates overriding the built-in ones (NAME.md.hbs)
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// URL the packages are downloadable under (file names are appended)
    #[arg(long, value_name = "URL")]
    download_url_base: Option<String>,
    /// Link to the release notes (else the card's documentation.release_notes)
    #[arg(long, value_name = "URL")]
    release_notes_url: Option<String>,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Root of the provider repository (holds umd-product.yaml and the changelogs)
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// Release tag; defaults to $CI_COMMIT_TAG, or $GITHUB_REF_NAME when $GITHUB_REF_TYPE is `tag`
    #[arg(long)]
    tag: Option<String>,
    /// Directory holding the release's .rpm and .deb files (searched recursively)
    #[arg(long)]
    artifacts: Option<PathBuf>,
    /// Distribution policy: a built-in name (see `policies`) or a YAML file; repeatable.
    /// Without it, the Product ID Card's `component` decides.
    #[arg(long = "policy", value_name = "NAME|FILE")]
    policies: Vec<String>,
    /// Release notes file; else the changelog section of the version
    #[arg(long)]
    notes: Option<PathBuf>,
    /// Report format
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Write the report to this file instead of standard output
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
    Markdown,
    Sarif,
    Github,
    /// GitLab Code Quality (artifacts:reports:codequality)
    Codequality,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaKind {
    Policy,
    Card,
    Registry,
    /// The tracking repository's `tracker.yaml`
    Tracker,
}

/// An error with the exit code it maps to.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

fn bad_input(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: exit::BAD_INPUT,
        error: error.into(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            // A closed pipe (`| head`) is not an error worth reporting.
            if is_broken_pipe(&f.error) {
                return ExitCode::SUCCESS;
            }
            let mut stderr = anstream::stderr();
            let red = anstyle::AnsiColor::Red.on_default().bold();
            let _ = writeln!(stderr, "{red}error{red:#}: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<u8, Failure> {
    fixed_now().map_err(bad_input)?;
    match cli.command {
        Command::Check(args) => cmd_check(args),
        Command::Explain { rule, list } => cmd_explain(rule.as_deref(), list),
        Command::Policies { format } => cmd_policies(format),
        Command::Submit(args) => cmd_submit(args),
        Command::Status {
            tracker,
            format,
            explain,
            pipeline,
        } => cmd_status(&tracker.tracker, format, explain.then_some(&pipeline)),
        Command::Init { tracker, dry_run } => cmd_init(&tracker.tracker, dry_run),
        Command::Intake(args) => cmd_intake(args),
        Command::Track(args) => cmd_track(args),
        Command::Move(args) => cmd_move(args),
        Command::Comment(args) => cmd_comment(args),
        Command::Sweep(args) => cmd_sweep(args),
        Command::Announce(args) => cmd_announce(args),
        Command::Export(args) => cmd_export(args),
        Command::Publish(args) => cmd_publish(args),
        Command::Dashboard {
            tracker,
            out,
            pipeline,
        } => cmd_dashboard(&tracker.tracker, &out, &pipeline),
        Command::Schema { kind } => {
            let schema = match kind {
                SchemaKind::Policy => schemars::schema_for!(Policy),
                SchemaKind::Card => schemars::schema_for!(ProductCard),
                SchemaKind::Registry => {
                    schemars::schema_for!(policy::registry::RegisteredProduct)
                }
                SchemaKind::Tracker => {
                    schemars::schema_for!(policy::tracker_config::TrackerConfig)
                }
            };
            let text = serde_json::to_string_pretty(&schema).map_err(bad_input)? + "\n";
            print(&text)?;
            Ok(0)
        }
    }
}

fn print(text: &str) -> Result<(), Failure> {
    write_out(&mut anstream::stdout(), text)
}

/// Standard output as is: GitLab's log sections need their escape codes even
/// when stdout is not a terminal (anstream would strip them).
fn print_raw(text: &str) -> Result<(), Failure> {
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
fn write_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("{} is not a file path", path.display()))?;
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
}

fn resolve_tag(tag: Option<String>) -> Result<String, Failure> {
    if let Some(t) = tag {
        return Ok(t);
    }
    let var = |k| std::env::var(k).ok().filter(|v: &String| !v.is_empty());
    if let Some(t) = var("CI_COMMIT_TAG") {
        return Ok(t);
    }
    if var("GITHUB_REF_TYPE").as_deref() == Some("tag")
        && let Some(t) = var("GITHUB_REF_NAME")
    {
        return Ok(t);
    }
    Err(bad_input(anyhow!(
        "no release tag: pass --tag TAG (in CI it is read from $CI_COMMIT_TAG, or $GITHUB_REF_NAME on a tag push)"
    )))
}

/// A checked release: the facts, the policies that apply and their verdicts.
struct Checked {
    facts: release::ReleaseFacts,
    policies: Vec<Policy>,
    report: report::Report,
}

fn run_check(args: &CheckArgs) -> Result<Checked, Failure> {
    let tag = resolve_tag(args.tag.clone())?;
    let mut policies = Vec::new();
    for spec in &args.policies {
        policies.push(Policy::load(spec).map_err(bad_input)?);
    }
    let facts = release::gather(&Inputs {
        repo: &args.repo,
        tag: &tag,
        artifacts: args.artifacts.as_deref(),
        notes: args.notes.as_deref(),
    })
    .map_err(bad_input)?;
    if policies.is_empty() {
        let Some(card) = &facts.card else {
            return Err(bad_input(policy::card::CardError::Missing {
                dir: args.repo.clone(),
            }));
        };
        policies = Policy::for_component(*card.component.get());
    }
    let reports = policies.iter().map(|p| check::check(&facts, p)).collect();
    let report = report::Report::new(&facts, reports);
    Ok(Checked {
        facts,
        policies,
        report,
    })
}

fn cmd_check(args: CheckArgs) -> Result<u8, Failure> {
    let Checked { report, .. } = run_check(&args)?;
    let rendered = match args.format {
        ReportFormat::Text => report::text(&report),
        ReportFormat::Json => report::json(&report),
        ReportFormat::Markdown => report::markdown(&report),
        ReportFormat::Sarif => report::sarif(&report),
        ReportFormat::Github => report::github(&report),
        ReportFormat::Codequality => report::codequality(&report),
    };
    let gitlab = umd_release::forge::gitlab_ci::GitLabCi::detect();
    match &args.output {
        Some(path) => write_atomic(path, &rendered).map_err(bad_input)?,
        // In a GitLab job log, the report folds away when the release passes.
        None if gitlab.is_some() && matches!(args.format, ReportFormat::Text) => {
            // The details fold into a section; the verdict line stays visible.
            let (details, verdict) = rendered
                .trim_end()
                .rsplit_once('\n')
                .unwrap_or(("", rendered.trim_end()));
            print_raw(&umd_release::forge::gitlab_ci::section(
                "umd_release_check",
                &format!("umd-release check: {}", report.tag),
                details,
                report.passed,
                now().unix_timestamp(),
            ))?;
            print(&format!("{verdict}\n"))?;
        }
        None => print(&rendered)?,
    }
    if let Some(path) = gitlab.as_ref().and_then(|g| g.codequality.as_ref()) {
        write_atomic(path, &report::codequality(&report)).map_err(bad_input)?;
    }
    if let Some(actions) = Actions::detect() {
        // Annotations go to stdout where the runner reads them, unless that is the format already.
        if !matches!(args.format, ReportFormat::Github) {
            print(&report::github(&report))?;
        }
        let result = if report.passed { "passed" } else { "failed" };
        actions
            .summary(&report::markdown(&report))
            .and_then(|_| actions.set_output("result", result))
            .and_then(|_| match &args.output {
                Some(p) => actions.set_output("report", &p.display().to_string()),
                None => Ok(()),
            })
            .context("cannot write the GitHub Actions job summary or outputs")
            .map_err(bad_input)?;
    }
    Ok(if report.passed { 0 } else { exit::FAILED })
}

fn cmd_explain(rule: Option<&str>, list: bool) -> Result<u8, Failure> {
    use check::rules::{RULES, lookup};
    let Some(id) = rule.filter(|_| !list) else {
        let mut out = String::new();
        for r in RULES {
            out.push_str(&format!(
                "{:<22} {:<8} {}\n",
                r.id,
                r.default_severity.as_str(),
                r.summary
            ));
        }
        print(&out)?;
        return Ok(0);
    };
    let Some(r) = lookup(id) else {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        return Err(bad_input(anyhow!(
            "no rule `{id}`; the rules are: {}",
            ids.join(", ")
        )));
    };
    print(&format!(
        "{}\n\n{}\n\ndefault severity: {}\nsource: {}\n\n{}\n\nChange its severity in a policy:\n  rules:\n    {}: warning\n",
        r.id,
        r.summary,
        r.default_severity.as_str(),
        r.source,
        r.doc,
        r.id
    ))?;
    Ok(0)
}

fn cmd_policies(format: ListFormat) -> Result<u8, Failure> {
    let all = Policy::all_builtin();
    match format {
        ListFormat::Json => {
            print(&(serde_json::to_string_pretty(&all).map_err(bad_input)? + "\n"))?;
        }
        ListFormat::Text => {
            let mut out = String::new();
            for p in &all {
                let components: Vec<String> = p
                    .components
                    .iter()
                    .filter_map(|c| serde_json::to_value(c).ok()?.as_str().map(String::from))
                    .collect();
                let targets: Vec<String> = p
                    .targets
                    .iter()
                    .map(|t| {
                        let mut s = t.name.clone();
                        if p.target_retired(t) {
                            s.push_str(" (retired)");
                        } else if !t.required {
                            s.push_str(" (optional)");
                        }
                        s
                    })
                    .collect();
                out.push_str(&format!(
                    "{:<10} {:<10} components: {:<18} targets: {}\n",
                    p.id,
                    p.name,
                    components.join(", "),
                    targets.join(", ")
                ));
            }
            print(&out)?;
        }
    }
    Ok(0)
}

fn tracker_failure(e: umd_release::tracker::TrackerError) -> Failure {
    use umd_release::tracker::TrackerError;
    let code = match e {
        TrackerError::Forge { .. } => exit::FORGE,
        _ => exit::BAD_INPUT,
    };
    Failure {
        code,
        error: e.into(),
    }
}

fn sync_failure(e: umd_release::tracker::sync::SyncError) -> Failure {
    use umd_release::tracker::sync::SyncError;
    match e {
        SyncError::Tracker(t) => tracker_failure(t),
        SyncError::Registry(r) => bad_input(r),
    }
}

/// The current time in whole seconds, as forges record times, so that
/// histories compare equal across trackers.
/// The time decisions are taken at: the clock, or `UMD_RELEASE_NOW` (RFC 3339)
/// to replay a sweep or a test at a given instant. `run` refuses a bad value.
fn now() -> time::OffsetDateTime {
    let t = fixed_now()
        .ok()
        .flatten()
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    t.replace_nanosecond(0).unwrap_or(t)
}

fn fixed_now() -> anyhow::Result<Option<time::OffsetDateTime>> {
    let Some(v) = std::env::var_os("UMD_RELEASE_NOW") else {
        return Ok(None);
    };
    let v = v.to_string_lossy();
    time::OffsetDateTime::parse(&v, &time::format_description::well_known::Rfc3339)
        .map(|t| Some(t.to_offset(time::UtcOffset::UTC)))
        .with_context(|| {
            format!("UMD_RELEASE_NOW is `{v}`, not an RFC 3339 time such as 2026-11-23T10:00:00Z; unset it to use the clock")
        })
}

fn actor(given: Option<String>) -> String {
    given
        .or_else(|| std::env::var("GITHUB_ACTOR").ok().filter(|a| !a.is_empty()))
        .unwrap_or_else(|| "umd-release".to_string())
}

fn cmd_submit(args: SubmitArgs) -> Result<u8, Failure> {
    let tracker = umd_release::tracker::open(&args.tracker.tracker).map_err(tracker_failure)?;
    let downloads: std::collections::BTreeMap<String, String> = Default::default();
    let mut out = String::new();
    let result = submit_with(&args, &*tracker, &downloads, &mut out);
    print(&out)?;
    let (code, first_url) = result?;
    if let Some(actions) = Actions::detect() {
        actions
            .set_output("submission-url", first_url.as_deref().unwrap_or(""))
            .context("cannot write the GitHub Actions outputs")
            .map_err(bad_input)?;
    }
    Ok(code)
}

/// Checks a release and files it; appends what it did to `out`. Returns the exit
/// code and the first submission's URL.
fn submit_with(
    args: &SubmitArgs,
    tracker: &dyn umd_release::tracker::Tracker,
    known_downloads: &std::collections::BTreeMap<String, String>,
    out: &mut String,
) -> Result<(u8, Option<String>), Failure> {
    use umd_release::submission;
    use umd_release::tracker::sync;

    let Checked {
        facts,
        policies,
        report,
    } = run_check(&args.check)?;
    let Some(card) = &facts.card else {
        return Err(bad_input(policy::card::CardError::Missing {
            dir: args.check.repo.clone(),
        }));
    };
    let templates =
        umd_release::render::Templates::load(args.templates.as_deref()).map_err(bad_input)?;
    let registered =
        sync::registered(tracker, args.registry.as_deref(), &card.name).map_err(sync_failure)?;
    for p in &policies {
        registered.allows(&p.id).map_err(bad_input)?;
    }

    for p in &report.policies {
        out.push_str(&format!(
            "check: {} {} {} {} ({} errors, {} warnings)\n",
            card.name,
            report.tag,
            if p.passed { "passes" } else { "FAILS" },
            p.name,
            p.errors,
            p.warnings
        ));
    }
    if !report.passed && !args.allow_failures {
        out.push_str(
            "not submitted: the release fails its policy; run `umd-release check` for the findings, fix them and tag again (or pass --allow-failures to file it with its findings)\n",
        );
        return Ok((exit::FAILED, None));
    }

    let downloads: std::collections::BTreeMap<String, String> = match &args.download_url_base {
        Some(base) => facts
            .packages
            .iter()
            .filter_map(|p| p.file.file_name())
            .map(|n| {
                let n = n.to_string_lossy().into_owned();
                (n.clone(), format!("{}/{n}", base.trim_end_matches('/')))
            })
            .collect(),
        None => known_downloads.clone(),
    };
    let actor = actor(args.actor.clone());
    let now = now();
    let comment = |c: &submission::Change| {
        submission::change_comment(c, &templates)
            .unwrap_or_else(|e| format!("umd-release updated this submission ({e})"))
    };
    let mut first_url = None;
    for (policy, preport) in policies.iter().zip(&report.policies) {
        let desired = submission::desired(
            &submission::Source {
                facts: &facts,
                policy,
                report: preport,
                download_urls: &downloads,
                release_notes_url: args.release_notes_url.as_deref(),
            },
            &templates,
        )
        .map_err(bad_input)?;
        let outcome = sync::submit(tracker, &actor, &desired, &comment, args.dry_run, now)
            .map_err(tracker_failure)?;
        let what = if args.dry_run {
            "would"
        } else if outcome.created {
            "created"
        } else if outcome.plan.is_empty() {
            "unchanged"
        } else {
            "updated"
        };
        let number = outcome.number.map(|n| format!(" #{n}")).unwrap_or_default();
        out.push_str(&format!(
            "{}: {what}{number} {}\n",
            policy.name, desired.title
        ));
        if args.dry_run {
            for line in outcome.plan.to_string().lines() {
                out.push_str(&format!("  {line}\n"));
            }
        } else if let Some(url) = &outcome.url {
            out.push_str(&format!("  {url}\n"));
            first_url.get_or_insert(url.clone());
        }
    }
    Ok((0, first_url))
}

fn cmd_status(
    spec: &str,
    format: ListFormat,
    explain: Option<&PipelineArgs>,
) -> Result<u8, Failure> {
    use umd_release::tracker::{self, sync};
    let tracker = tracker::open(spec).map_err(tracker_failure)?;
    let rules = explain.map(|p| pipeline_rules(&*tracker, p)).transpose()?;
    let explained = rules.as_ref().map(|(config, policies)| sync::Explain {
        config,
        policies,
        now: now(),
    });
    let rows = sync::status(&*tracker, explained.as_ref()).map_err(tracker_failure)?;
    match format {
        ListFormat::Json => {
            print(&(serde_json::to_string_pretty(&rows).map_err(bad_input)? + "\n"))?
        }
        ListFormat::Text => {
            if rows.is_empty() {
                print(&format!("no submissions in {}\n", tracker.describe()))?;
                return Ok(0);
            }
            let date = time::macros::format_description!("[year]-[month]-[day]");
            let mut table = vec![[
                "PRODUCT".to_string(),
                "VERSION".into(),
                "DISTRIBUTION".into(),
                "STAGE".into(),
                "SINCE".into(),
                "ISSUE".into(),
            ]];
            for r in &rows {
                let mut stage = r.stage.name().to_string();
                if r.delayed {
                    stage.push_str(" (Delayed)");
                }
                table.push([
                    r.product.clone(),
                    r.version.clone(),
                    r.distribution.clone(),
                    stage,
                    r.since.format(&date).unwrap_or_default(),
                    format!("#{} {}", r.number, r.url),
                ]);
            }
            let widths: Vec<usize> = (0..6)
                .map(|c| {
                    table
                        .iter()
                        .map(|row| row[c].chars().count())
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let mut out = String::new();
            for row in &table {
                let cells: Vec<String> = row
                    .iter()
                    .zip(&widths)
                    .map(|(cell, w)| format!("{cell:<w$}"))
                    .collect();
                out.push_str(cells.join("  ").trim_end());
                out.push('\n');
            }
            for r in rows.iter().filter(|r| r.waiting.is_some()) {
                out.push_str(&format!(
                    "\n#{} {} {} ({}): {}{}\n",
                    r.number,
                    r.product,
                    r.version,
                    r.distribution,
                    r.stage.name(),
                    r.deadline
                        .map(|d| format!(
                            ", {} {}",
                            if r.delayed { "Delayed, was due" } else { "due" },
                            umd_release::pipeline::calendar::when(d)
                        ))
                        .unwrap_or_default()
                ));
                if !r.passed {
                    out.push_str("  failed: the release did not pass its policy check; the provider must submit a fixed release\n");
                }
                if let Some(waits) = r.waiting.as_ref().filter(|w| !w.is_empty()) {
                    out.push_str("  waiting for:\n");
                    for w in waits {
                        out.push_str(&format!("  - {w}\n"));
                    }
                }
            }
            print(&out)?;
        }
    }
    Ok(0)
}

fn cmd_init(spec: &str, dry_run: bool) -> Result<u8, Failure> {
    use umd_release::plan::{Action, Plan};
    use umd_release::tracker::{self, sync};
    let tracker = tracker::open(spec).map_err(tracker_failure)?;
    let plan = Plan {
        actions: sync::pipeline_labels(&Policy::all_builtin())
            .into_iter()
            .map(Action::EnsureLabel)
            .collect(),
    };
    let mut out = format!("labels in {}:\n", tracker.describe());
    if dry_run {
        out.push_str(&plan.to_string());
    } else {
        let mut changed = 0;
        for action in &plan.actions {
            if let Action::EnsureLabel(l) = action
                && tracker.ensure_label(l).map_err(tracker_failure)?
            {
                changed += 1;
                out.push_str(&format!("  created or updated `{}`\n", l.name));
            }
        }
        out.push_str(&format!(
            "  {changed} of {} labels created or updated\n",
            plan.actions.len()
        ));
    }
    if spec.starts_with("gitlab:") {
        out.push_str(
            "\nPipeline to install in the tracking project: examples/gitlab/tracker.gitlab-ci.yml of umd-release as .gitlab-ci.yml\n  (track on webhook-triggered pipelines, sweep on a daily schedule; its comments say how to set up the webhook),\nplus tracker.yaml and one products/NAME.yaml per product (`umd-release schema tracker`, `umd-release schema registry`).\n",
        );
        print(&out)?;
        return Ok(0);
    }
    out.push_str(
        "\nWorkflows to install in the tracking repository (from examples/workflows/ of umd-release):\n  .github/workflows/umd-release-events.yml  <- tracker-events.yml (label moves, comments, issue form)\n  .github/workflows/umd-release-intake.yml  <- tracker-intake.yml (pulls registered products' releases)\n  .github/workflows/umd-release-sweep.yml   <- tracker-sweep.yml (deadlines)\n  .github/workflows/umd-release-dashboard.yml <- tracker-dashboard.yml (status page on GitHub Pages)\n  .github/ISSUE_TEMPLATE/submission.yml     <- the submission form\nand one products/NAME.yaml per product (`umd-release schema registry`).\n",
    );
    print(&out)?;
    Ok(0)
}

fn cmd_intake(args: IntakeArgs) -> Result<u8, Failure> {
    use umd_release::intake::{self, State};
    use umd_release::policy::registry::RegisteredProduct;
    use umd_release::tracker::github::{GitHubConfig, GitHubTracker};
    use umd_release::tracker::gitlab::{GitLabConfig, GitLabTracker};

    let tracker = umd_release::tracker::open(&args.tracker.tracker).map_err(tracker_failure)?;
    let mut state: State = match std::fs::read_to_string(&args.state) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            bad_input(anyhow!(
                "{}: the intake state is not valid JSON ({e})\n  delete it to start afresh: every product's newest release is then looked at again",
                args.state.display()
            ))
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
        Err(e) => return Err(bad_input(anyhow::Error::new(e).context(format!("cannot read {}", args.state.display())))),
    };
    // Every registration is read before anything is fetched: a bad file stops the run cleanly.
    let mut products = Vec::new();
    let listing = std::fs::read_dir(&args.registry)
        .with_context(|| {
            format!(
                "cannot read the product registry {} (pass --registry DIR)",
                args.registry.display()
            )
        })
        .map_err(bad_input)?;
    let mut files: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))
            .map_err(bad_input)?;
        products.push(RegisteredProduct::parse(&path, &text).map_err(bad_input)?);
    }

    let mut out = String::new();
    let (mut unchanged, mut filed) = (0usize, 0usize);
    let mut code = 0u8;
    let mark = |seen: &mut Vec<String>, tag: &str| {
        if !seen.iter().any(|t| t == tag) {
            seen.push(tag.to_string());
        }
    };
    for product in &products {
        if let Some(project) = product.repository.strip_prefix("gitlab:") {
            let source =
                GitLabTracker::new(GitLabConfig::from_env(project).map_err(tracker_failure)?)
                    .map_err(tracker_failure)?;
            let known = state.products.get(&product.name).cloned();
            // Not conditional: GitLab's API ignores `If-None-Match` (see
            // `GitLabTracker::releases`); the handled tags keep re-runs idle.
            let releases = match source.releases() {
                Ok(r) => r,
                Err(e) => {
                    out.push_str(&format!(
                        "{}: cannot list the releases of {}: {e}\n",
                        product.name, product.repository
                    ));
                    code = exit::FORGE;
                    continue;
                }
            };
            let mut next = known.clone().unwrap_or_default();
            next.etag = None;
            if known.is_none() {
                next.seen = intake::first_sight(&releases);
            }
            let fresh = intake::new_releases(known.as_ref(), &releases);
            if fresh.is_empty() {
                unchanged += 1;
            }
            for listed in fresh {
                let filing = Filing {
                    tracker: &args.tracker.tracker,
                    policies: &[],
                    registry: Some(&args.registry),
                    templates: args.templates.as_deref(),
                    dry_run: args.dry_run,
                };
                let result = match source.with_registry_packages(listed) {
                    Err(e) => Err(tracker_failure(e)),
                    Ok(release) if intake::waits_for_packages(&release, &releases) => {
                        out.push_str(&format!(
                            "{} {}: no .rpm or .deb yet (release links, or generic packages of version {}): looked at again next run\n",
                            product.name,
                            release.tag,
                            intake::registry_versions(&release.tag).join(" or ")
                        ));
                        next.seen.retain(|t| t != &release.tag);
                        continue;
                    }
                    Ok(release) => {
                        intake_release(&filing, &*tracker, &source, product, &release, &mut out)
                    }
                };
                match result {
                    Ok(c) => {
                        if c == 0 {
                            filed += 1;
                        }
                        mark(&mut next.seen, &listed.tag);
                    }
                    // GitLab failed: keep the tag unseen so the next run tries again.
                    Err(f) if f.code == exit::FORGE => {
                        out.push_str(&format!("{} {}: {:#}\n", product.name, listed.tag, f.error));
                        code = exit::FORGE;
                        next.seen.retain(|t| t != &listed.tag);
                    }
                    Err(f) => {
                        out.push_str(&format!(
                            "{} {}: not filed: {:#}\n",
                            product.name, listed.tag, f.error
                        ));
                        mark(&mut next.seen, &listed.tag);
                    }
                }
            }
            if known.as_ref() != Some(&next) {
                state.products.insert(product.name.clone(), next);
            }
            continue;
        }
        let Some(repo) = product.repository.strip_prefix("github:") else {
            out.push_str(&format!(
                "{}: skipped: intake polls GitHub and GitLab releases, and `{}` is neither `github:OWNER/REPO` nor `gitlab:GROUP/PROJECT`\n",
                product.name, product.repository
            ));
            continue;
        };
        let source = GitHubTracker::new(GitHubConfig::from_env(repo).map_err(tracker_failure)?)
            .map_err(tracker_failure)?;
        let known = state.products.get(&product.name).cloned();
        let Some((releases, etag)) = source
            .releases(known.as_ref().and_then(|k| k.etag.as_deref()))
            .map_err(tracker_failure)?
        else {
            unchanged += 1;
            continue;
        };
        let mut next = known.clone().unwrap_or_default();
        next.etag = etag;
        if known.is_none() {
            // First sight: the history counts as handled; only the newest is filed.
            next.seen = releases.iter().map(|r| r.tag.clone()).collect();
        }
        for release in intake::new_releases(known.as_ref(), &releases) {
            let filing = Filing {
                tracker: &args.tracker.tracker,
                policies: &[],
                registry: Some(&args.registry),
                templates: args.templates.as_deref(),
                dry_run: args.dry_run,
            };
            let line = intake_release(&filing, &*tracker, &source, product, release, &mut out);
            match line {
                Ok(c) => {
                    if c == 0 {
                        filed += 1;
                    }
                    mark(&mut next.seen, &release.tag);
                }
                // The forge failed: keep the tag unseen so the next run tries again.
                Err(f) if f.code == exit::FORGE => {
                    out.push_str(&format!(
                        "{} {}: {:#}\n",
                        product.name, release.tag, f.error
                    ));
                    code = exit::FORGE;
                    next.etag = None;
                    next.seen.retain(|t| t != &release.tag);
                }
                Err(f) => {
                    out.push_str(&format!(
                        "{} {}: not filed: {:#}\n",
                        product.name, release.tag, f.error
                    ));
                    mark(&mut next.seen, &release.tag);
                }
            }
        }
        if known.as_ref() != Some(&next) {
            state.products.insert(product.name.clone(), next);
        }
    }
    out.push_str(&format!(
        "intake: {} products, {unchanged} unchanged, {filed} releases filed\n",
        products.len()
    ));
    print(&out)?;
    if !args.dry_run {
        let text = serde_json::to_string_pretty(&state).map_err(bad_input)? + "\n";
        write_atomic(&args.state, &text).map_err(bad_input)?;
    }
    Ok(code)
}

/// Stages one release (card and changelogs at its tag, its packages checked
/// against the digests GitHub reports, its notes) and files it like `submit`.
/// How a fetched release is filed (intake and issue-form requests).
struct Filing<'a> {
    tracker: &'a str,
    /// Distributions to file to; empty: those the card's component goes to.
    policies: &'a [String],
    registry: Option<&'a Path>,
    templates: Option<&'a Path>,
    dry_run: bool,
}

/// Files one release of a registered product: the card and changelogs at its
/// tag, its packages checked against the digests the forge reports (a file
/// without one gets its sha256 computed from the download, and the log says so).
fn intake_release(
    args: &Filing,
    tracker: &dyn umd_release::tracker::Tracker,
    source: &dyn umd_release::tracker::release_source::ReleaseSource,
    product: &umd_release::policy::registry::RegisteredProduct,
    release: &umd_release::intake::RemoteRelease,
    out: &mut String,
) -> Result<u8, Failure> {
    if let Some(name) = umd_release::intake::duplicate_package(&release.assets) {
        return Err(bad_input(anyhow!(
            "two files of the release are named `{name}`: a package is staged under its file name, so each needs its own"
        )));
    }
    let tmp = tempfile::tempdir()
        .context("cannot make a staging directory")
        .map_err(bad_input)?;
    let repo = tmp.path().join("repo");
    let dist = tmp.path().join("dist");
    for dir in [&repo, &dist] {
        std::fs::create_dir_all(dir)
            .context("cannot make a staging directory")
            .map_err(bad_input)?;
    }
    for file in umd_release::intake::repo_files(&product.card) {
        if let Some(text) = source
            .file_at(&file, Some(&release.tag))
            .map_err(tracker_failure)?
        {
            // The card goes where `check` looks for it, whatever its path upstream.
            let to = if file == product.card {
                repo.join(policy::card::FILE_NAME)
            } else {
                repo.join(&file)
            };
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| bad_input(anyhow::Error::new(e)))?;
            }
            std::fs::write(&to, text).map_err(|e| bad_input(anyhow::Error::new(e)))?;
        }
    }
    let mut downloads = std::collections::BTreeMap::new();
    let mut unverified = String::new();
    for asset in release.assets.iter().filter(|a| a.is_package()) {
        let sha = source
            .download(asset, &dist.join(&asset.name))
            .map_err(tracker_failure)?;
        match asset.sha256() {
            Some(want) if want != sha => {
                return Err(bad_input(anyhow!(
                    "{}: the download's sha256 is {sha} but {} reports {want}; the file was altered or the download corrupted",
                    asset.name,
                    source.digest_source()
                )));
            }
            Some(_) => {}
            None => unverified.push_str(&format!(
                "  {}: the forge publishes no checksum for this file; its sha256 {sha} was computed from the download\n",
                asset.name
            )),
        }
        downloads.insert(asset.name.clone(), asset.browser_download_url.clone());
    }
    let notes = tmp.path().join("NOTES.md");
    std::fs::write(&notes, &release.body).map_err(|e| bad_input(anyhow::Error::new(e)))?;
    let submit = SubmitArgs {
        check: CheckArgs {
            repo,
            tag: Some(release.tag.clone()),
            artifacts: Some(dist),
            policies: args.policies.to_vec(),
            notes: (!release.body.trim().is_empty()).then_some(notes),
            format: ReportFormat::Text,
            output: None,
        },
        tracker: TrackerArgs {
            tracker: args.tracker.to_string(),
        },
        registry: args.registry.map(Path::to_path_buf),
        allow_failures: false,
        dry_run: args.dry_run,
        actor: None,
        templates: args.templates.map(Path::to_path_buf),
        download_url_base: None,
        release_notes_url: Some(release.html_url.clone()).filter(|u| !u.is_empty()),
    };
    out.push_str(&format!(
        "{} {} ({}):\n{unverified}",
        product.name, release.tag, product.repository
    ));
    let (code, _) = submit_with(&submit, tracker, &downloads, out)?;
    Ok(code)
}

use umd_release::request::REQUEST_LABEL;

/// `track`: one event of the tracking repository. Label changes move a
/// submission through the pipeline; comments carry Early Adopter answers,
/// reports and waivers; a request opened through the issue form is filed.
fn cmd_track(args: TrackArgs) -> Result<u8, Failure> {
    use umd_release::forge::event::{self, EventKind};
    use umd_release::submission::neutralize;
    let ev = match (&args.event, &args.event_name, &args.event_path) {
        (Some(kind), _, _) => {
            // The same event given with flags, e.g. on the embedded tracker.
            let issue = args.issue.unwrap_or_default();
            let actor = args.actor.clone().unwrap_or_default();
            let kind = match kind {
                FlagEvent::Labeled => EventKind::Labeled {
                    label: args.label.clone(),
                },
                FlagEvent::Unlabeled => EventKind::Unlabeled {
                    label: args.label.clone(),
                },
                FlagEvent::Comment => EventKind::Comment {
                    id: 0,
                    body: args.body.clone().unwrap_or_default(),
                },
            };
            event::Event {
                kind,
                issue,
                actor,
                title: String::new(),
                body: String::new(),
                labels: Vec::new(),
            }
        }
        (None, Some(name), Some(file)) => {
            let path = file.display().to_string();
            let json = std::fs::read_to_string(file).map_err(|source| {
                bad_input(event::EventError::Read {
                    path: path.clone(),
                    source,
                })
            })?;
            match event::parse(name, &path, &json) {
                Ok(ev) => ev,
                Err(event::EventError::PullRequest(n)) => {
                    print(&format!("#{n} is a pull request: nothing to do\n"))?;
                    return Ok(0);
                }
                Err(e) => return Err(bad_input(e)),
            }
        }
        (None, None, None) if args.gitlab_payload.is_some() => {
            let file = args.gitlab_payload.as_deref().unwrap_or(Path::new(""));
            let path = file.display().to_string();
            let json = std::fs::read_to_string(file).map_err(|source| {
                bad_input(event::EventError::Read {
                    path: path.clone(),
                    source,
                })
            })?;
            event::parse_gitlab(&path, &json).map_err(bad_input)?
        }
        _ => {
            return Err(bad_input(anyhow!(
                "no event to handle: in GitHub Actions, GITHUB_EVENT_NAME and GITHUB_EVENT_PATH name it; in GitLab CI, TRIGGER_PAYLOAD (a pipeline triggered by a project webhook); elsewhere give --event labeled|unlabeled|comment with --issue and --actor"
            )));
        }
    };
    match &ev.kind {
        EventKind::Labeled { .. } | EventKind::Unlabeled { .. } => {
            let tracker =
                umd_release::tracker::open(&args.tracker.tracker).map_err(tracker_failure)?;
            let rules = pipeline_rules(&*tracker, &args.pipeline)?;
            return label_move(&*tracker, &rules, ev.issue, &ev.actor, None);
        }
        EventKind::Comment { body, .. } => {
            if umd_release::pipeline::rollout::commands(body).is_empty() {
                print(&format!(
                    "#{}: no command in the comment: nothing to do\n",
                    ev.issue
                ))?;
                return Ok(0);
            }
            let tracker =
                umd_release::tracker::open(&args.tracker.tracker).map_err(tracker_failure)?;
            let rules = pipeline_rules(&*tracker, &args.pipeline)?;
            return comment_event(&*tracker, &rules, ev.issue, &ev.actor, body);
        }
        _ => {}
    }
    if !(ev.kind == EventKind::Opened && ev.labels.iter().any(|l| l == REQUEST_LABEL)) {
        print(&format!(
            "#{}: not a new submission request: nothing to do\n",
            ev.issue
        ))?;
        return Ok(0);
    }
    let tracker = umd_release::tracker::open(&args.tracker.tracker).map_err(tracker_failure)?;
    let reply = |body: String| -> Result<(), Failure> {
        tracker
            .create_comment("umd-release", ev.issue, &body)
            .map_err(tracker_failure)?;
        Ok(())
    };
    // The submitter must act on what is wrong: the one mention the tool makes.
    let author = format!("@{}", ev.actor.trim_start_matches('@'));
    let refuse = |problems: Vec<String>| -> Result<u8, Failure> {
        let list: Vec<String> = problems.iter().map(|p| format!("- {p}")).collect();
        reply(format!(
            "{author}, this submission request cannot be filed yet:\n\n{}\n\nEdit the issue to fix it, or open a new request.",
            list.join("\n")
        ))?;
        print(&format!(
            "#{}: refused: {}\n",
            ev.issue,
            problems.join("; ")
        ))?;
        Ok(0)
    };
    let request = match umd_release::request::parse(&ev.body, &Policy::all_builtin()) {
        Ok(r) => r,
        Err(problems) => return refuse(problems),
    };
    let registered = match umd_release::tracker::sync::registered(
        &*tracker,
        args.registry.as_deref(),
        &request.product,
    ) {
        Ok(r) => r,
        Err(umd_release::tracker::sync::SyncError::Registry(e)) => {
            return refuse(vec![neutralize(&e.to_string())]);
        }
        Err(e) => return Err(sync_failure(e)),
    };
    if let Err(e) = registered.allows(&request.distribution) {
        return refuse(vec![neutralize(&e.to_string())]);
    }
    let Some(repo) = registered.repository.strip_prefix("github:") else {
        return refuse(vec![format!(
            "`{}` is not on GitHub: its packages cannot be fetched through the forge",
            registered.repository
        )]);
    };
    let mut wanted = Vec::new();
    let mut problems = Vec::new();
    for url in &request.packages {
        match umd_release::request::release_asset(url, repo) {
            Some(found) => wanted.push(found),
            None => problems.push(format!(
                "**Packages**: `{}` is not a release download of {repo} (`https://github.com/{repo}/releases/download/TAG/FILE`)",
                neutralize(url)
            )),
        }
    }
    let tags: std::collections::BTreeSet<String> = wanted.iter().map(|(t, _)| t.clone()).collect();
    if tags.len() > 1 {
        problems.push(
            "**Packages** come from more than one release: list the packages of one release".into(),
        );
    }
    if !problems.is_empty() {
        return refuse(problems);
    }
    let Some(tag) = tags.into_iter().next() else {
        return refuse(vec!["**Packages** is empty".into()]);
    };
    let source = umd_release::tracker::github::GitHubTracker::new(
        umd_release::tracker::github::GitHubConfig::from_env(repo).map_err(tracker_failure)?,
    )
    .map_err(tracker_failure)?;
    let Some(mut release) = source.release_by_tag(&tag).map_err(tracker_failure)? else {
        return refuse(vec![format!(
            "{repo} has no release `{}`",
            neutralize(&tag)
        )]);
    };
    let missing: Vec<String> = wanted
        .iter()
        .filter(|(_, n)| !release.assets.iter().any(|a| &a.name == n))
        .map(|(_, n)| format!("**Packages**: the release {tag} has no asset `{n}`"))
        .collect();
    if !missing.is_empty() {
        return refuse(missing);
    }
    release
        .assets
        .retain(|a| wanted.iter().any(|(_, n)| n == &a.name));
    let requested = [request.distribution.clone()];
    let filing = Filing {
        tracker: &args.tracker.tracker,
        policies: &requested,
        registry: args.registry.as_deref(),
        templates: args.templates.as_deref(),
        dry_run: false,
    };
    let mut out = String::new();
    match intake_release(&filing, &*tracker, &source, &registered, &release, &mut out) {
        Ok(0) => {
            let filed: Vec<String> = out
                .lines()
                .filter(|l| {
                    [": created #", ": unchanged #", ": updated #"]
                        .iter()
                        .any(|k| l.contains(k))
                })
                .map(|l| format!("- {}", neutralize(l.trim())))
                .collect();
            reply(format!(
                "Filed by umd-release:\n\n{}\n\nThe submission continues there; this request is closed.",
                filed.join("\n")
            ))?;
            tracker
                .update_issue("umd-release", ev.issue, None, None, Some(false))
                .map_err(tracker_failure)?;
            print(&out)?;
            Ok(0)
        }
        Ok(_) => {
            reply(format!(
                "{author}, the release does not meet the distribution's policy, so it was not filed:\n\n```text\n{}\n```\n\nRun `umd-release check` on the release for the findings and how to fix them.",
                out.replace("```", "` ` `")
            ))?;
            print(&out)?;
            Ok(exit::FAILED)
        }
        Err(f) if f.code == exit::FORGE => Err(f),
        Err(f) => refuse(vec![neutralize(&format!("{:#}", f.error))]),
    }
}

fn tracker_config(
    tracker: &dyn umd_release::tracker::Tracker,
    path: Option<&Path>,
) -> Result<policy::tracker_config::TrackerConfig, Failure> {
    use policy::tracker_config::{FILE_NAME, TrackerConfig};
    let text = match path {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the tracker configuration {}", p.display()))
                .map_err(bad_input)?,
        ),
        None => tracker.read_file(FILE_NAME).map_err(tracker_failure)?,
    };
    match text {
        // Without a configuration nobody holds a role: every move is put back, saying which role it needs.
        None => Ok(TrackerConfig::default()),
        Some(t) => {
            TrackerConfig::parse(path.unwrap_or(Path::new(FILE_NAME)), &t).map_err(bad_input)
        }
    }
}

/// The tracker configuration and the policies given with `--policy`.
fn pipeline_rules(
    tracker: &dyn umd_release::tracker::Tracker,
    args: &PipelineArgs,
) -> Result<(policy::tracker_config::TrackerConfig, Vec<Policy>), Failure> {
    let config = tracker_config(tracker, args.config.as_deref())?;
    let policies = args
        .policies
        .iter()
        .map(|p| Policy::load(p).map_err(bad_input))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((config, policies))
}

/// Tells other jobs about a repository transition (a step output in Actions).
fn announce_transition(
    key: &umd_release::submission::Key,
    fx: &umd_release::pipeline::effect::Effect,
) -> Result<String, Failure> {
    let Some(t) = fx.repository else {
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

/// Checks and records (or reverts) a label change on a submission issue.
fn label_move(
    tracker: &dyn umd_release::tracker::Tracker,
    rules: &(policy::tracker_config::TrackerConfig, Vec<Policy>),
    number: u64,
    actor: &str,
    reason: Option<&str>,
) -> Result<u8, Failure> {
    use umd_release::pipeline::transition::Decision;
    let handled = umd_release::tracker::sync::track_labels(
        tracker,
        number,
        actor,
        &rules.1,
        &rules.0,
        reason,
        now(),
    )
    .map_err(tracker_failure)?;
    let Some(h) = handled else {
        print(&format!("#{number} is not a submission: nothing to do\n"))?;
        return Ok(0);
    };
    let mut out = match &h.decision {
        Decision::Nothing => format!("#{number}: labels agree with the recorded stage\n"),
        Decision::Accept { from, to } => format!(
            "#{number}: moved from {} to {} by {actor}\n",
            from.name(),
            to.name()
        ),
        Decision::Revert { restore, reason } => {
            format!("#{number}: put back to {}: {reason}\n", restore.name())
        }
    };
    out.push_str(&announce_transition(&h.key, &h.effect)?);
    print(&out)?;
    Ok(0)
}

fn comment_event(
    tracker: &dyn umd_release::tracker::Tracker,
    rules: &(policy::tracker_config::TrackerConfig, Vec<Policy>),
    number: u64,
    author: &str,
    text: &str,
) -> Result<u8, Failure> {
    use umd_release::pipeline::rollout::Outcome;
    // The tool's own comments (and other bots') carry no commands.
    if is_bot(author) {
        print(&format!(
            "#{number}: a comment by {author}: nothing to do\n"
        ))?;
        return Ok(0);
    }
    let handled = umd_release::tracker::sync::track_comment(
        tracker,
        number,
        author,
        text,
        &rules.1,
        &rules.0,
        now(),
    )
    .map_err(tracker_failure)?;
    let Some(h) = handled else {
        print(&format!(
            "#{number}: no command in the comment: nothing to do\n"
        ))?;
        return Ok(0);
    };
    let mut out = String::new();
    for o in &h.outcomes {
        match o {
            Outcome::Recorded(what) => out.push_str(&format!("#{number}: {what}\n")),
            Outcome::Refused(why) => out.push_str(&format!("#{number}: refused: {why}\n")),
        }
    }
    print(&out)?;
    Ok(0)
}

/// The one open submission PRODUCT@VERSION names.
fn find_submission(
    tracker: &dyn umd_release::tracker::Tracker,
    arg: &SubmissionArg,
) -> Result<umd_release::tracker::Issue, Failure> {
    let Some((product, version)) = arg.submission.split_once('@') else {
        return Err(bad_input(anyhow!(
            "`{}` is not PRODUCT@VERSION, e.g. site-info-publisher@1.4.0",
            arg.submission
        )));
    };
    let issues = tracker
        .list_issues(Some(&format!("product:{product}")), true)
        .map_err(tracker_failure)?;
    let mut found: Vec<umd_release::tracker::Issue> = issues
        .into_iter()
        .filter(|i| {
            umd_release::submission::parse(&i.body).is_some_and(|b| {
                b.key.product == product
                    && b.key.version == version
                    && arg.distribution.as_deref().is_none_or(|d| d == b.key.dist)
            })
        })
        .collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(bad_input(anyhow!(
            "no open submission of {product} {version} in {}",
            tracker.describe()
        ))),
        _ => {
            let dists: Vec<String> = found
                .iter()
                .filter_map(|i| umd_release::submission::parse(&i.body))
                .map(|b| b.key.dist)
                .collect();
            Err(bad_input(anyhow!(
                "{product} {version} was submitted to {}: say which with --distribution",
                dists.join(", ")
            )))
        }
    }
}

fn cmd_move(args: MoveArgs) -> Result<u8, Failure> {
    use umd_release::pipeline::Stage;
    let Some(to) = Stage::ALL.into_iter().find(|s| s.slug() == args.to) else {
        let names: Vec<&str> = Stage::ALL.iter().map(|s| s.slug()).collect();
        return Err(bad_input(anyhow!(
            "no stage `{}`; the stages are: {}",
            args.to,
            names.join(", ")
        )));
    };
    let tracker = umd_release::tracker::open(&args.tracker.tracker).map_err(tracker_failure)?;
    let rules = pipeline_rules(&*tracker, &args.pipeline)?;
    let issue = find_submission(&*tracker, &args.submission)?;
    tracker
        .add_labels(&args.actor, issue.number, &[to.label()])
        .map_err(tracker_failure)?;
    label_move(
        &*tracker,
        &rules,
        issue.number,
        &args.actor,
        args.reason.as_deref(),
    )
}

fn cmd_comment(args: CommentArgs) -> Result<u8, Failure> {
    let tracker = umd_release::tracker::open(&args.tracker.tracker).map_err(tracker_failure)?;
    let rules = pipeline_rules(&*tracker, &args.pipeline)?;
    let issue = find_submission(&*tracker, &args.submission)?;
    tracker
        .create_comment(&args.actor, issue.number, &args.body)
        .map_err(tracker_failure)?;
    comment_event(&*tracker, &rules, issue.number, &args.actor, &args.body)
}

fn cmd_sweep(args: SweepArgs) -> Result<u8, Failure> {
    let tracker = umd_release::tracker::open(&args.tracker.tracker).map_err(tracker_failure)?;
    let (config, policies) = pipeline_rules(&*tracker, &args.pipeline)?;
    let swept =
        umd_release::tracker::sync::sweep(&*tracker, &policies, &config, args.dry_run, now())
            .map_err(tracker_failure)?;
    match args.format {
        ListFormat::Json => {
            print(&(serde_json::to_string_pretty(&swept).map_err(bad_input)? + "\n"))?
        }
        ListFormat::Text => {
            let mut out = String::new();
            for s in &swept {
                out.push_str(&format!(
                    "#{} {}: {}\n",
                    s.number,
                    s.key,
                    s.notes.join("; ")
                ));
            }
            let verb = if args.dry_run {
                "would change"
            } else {
                "changed"
            };
            out.push_str(&format!(
                "sweep of {}: {verb} {} submission(s)\n",
                tracker.describe(),
                swept.len()
            ));
            print(&out)?;
        }
    }
    Ok(0)
}

fn cmd_dashboard(spec: &str, out: &Path, pipeline: &PipelineArgs) -> Result<u8, Failure> {
    let tracker = umd_release::tracker::open(spec).map_err(tracker_failure)?;
    let (config, policies) = pipeline_rules(&*tracker, pipeline)?;
    let issues = tracker.list_issues(None, false).map_err(tracker_failure)?;
    let now = now();
    let rows = umd_release::dashboard::rows(&issues, &policies, &config, now);
    let files = umd_release::dashboard::render(&rows, &tracker.describe(), now);
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the dashboard directory {}", out.display()))
        .map_err(bad_input)?;
    for (name, text) in &files {
        write_atomic(&out.join(name), text).map_err(bad_input)?;
    }
    print(&format!(
        "dashboard: {} submission(s) written to {}\n",
        rows.len(),
        out.join("index.html").display()
    ))?;
    Ok(0)
}

/// The policy of `--distribution`: a built-in one, or one given with `--policy`.
fn distribution_policy(id: &str, given: &[Policy]) -> Result<Policy, Failure> {
    given
        .iter()
        .find(|p| p.id == id)
        .cloned()
        .or_else(|| Policy::builtin(id))
        .ok_or_else(|| {
            bad_input(anyhow!(
                "no distribution `{id}`: the built-in ones are {}; give another's policy file with --policy",
                policy::builtin_names().join(", ")
            ))
        })
}

/// What announce, publish and export start from: the tracker, its rules, the
/// distribution's policy and the release's key.
struct DistRelease {
    tracker: Box<dyn umd_release::tracker::Tracker>,
    config: policy::tracker_config::TrackerConfig,
    policies: Vec<Policy>,
    policy: Policy,
    key: umd_release::announce::ReleaseKey,
}

fn dist_release(
    tracker: &TrackerArgs,
    pipeline: &PipelineArgs,
    distribution: &str,
    version: &str,
) -> Result<DistRelease, Failure> {
    release_version(version)?;
    let tracker = umd_release::tracker::open(&tracker.tracker).map_err(tracker_failure)?;
    let (config, policies) = pipeline_rules(&*tracker, pipeline)?;
    let policy = distribution_policy(distribution, &policies)?;
    let key = umd_release::announce::ReleaseKey {
        dist: policy.id.clone(),
        version: version.to_string(),
    };
    Ok(DistRelease {
        tracker,
        config,
        policies,
        policy,
        key,
    })
}

fn release_version(v: &str) -> Result<(), Failure> {
    semver::Version::parse(v).map(|_| ()).map_err(|_| {
        bad_input(anyhow!(
            "`{v}` is not a distribution release X.Y.Z, e.g. 1.3.0"
        ))
    })
}

fn cmd_announce(args: AnnounceArgs) -> Result<u8, Failure> {
    use umd_release::announce::{self, Record};
    let date = time::Date::parse(
        &args.date,
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| bad_input(anyhow!("--date `{}` is not a date YYYY-MM-DD", args.date)))?;
    let DistRelease {
        tracker,
        policy,
        key,
        ..
    } = dist_release(
        &args.tracker,
        &args.pipeline,
        &args.distribution,
        &args.version,
    )?;
    let warning = announce::check_date(
        date,
        now().date(),
        policy.pipeline.deadlines.notice_days,
        args.emergency,
    )
    .map_err(|e| bad_input(anyhow!(e)))?;
    let existing =
        umd_release::tracker::sync::find_release(&*tracker, &key).map_err(tracker_failure)?;
    if let Some((issue, record)) = &existing
        && record.published.is_some()
    {
        return Err(bad_input(anyhow!(
            "{} {} was already published (#{}); announce the next version",
            policy.name,
            key.version,
            issue.number
        )));
    }
    let issues = tracker.list_issues(None, true).map_err(tracker_failure)?;
    let ready = announce::ready(&issues, &policy.id);
    if ready.is_empty() {
        return Err(bad_input(anyhow!(
            "nothing is Ready for release in {} ({}): move submissions to `state:ready-for-release` first",
            policy.name,
            tracker.describe()
        )));
    }
    let templates =
        umd_release::render::Templates::load(args.templates.as_deref()).map_err(bad_input)?;
    let data = announce::data(&policy, &key.version, date, args.emergency, &ready);
    let markdown = templates.render("announcement", &data).map_err(bad_input)?;
    let html = templates
        .render_html("announcement", &data)
        .map_err(bad_input)?;
    let record = Record {
        key: key.clone(),
        date: date.to_string(),
        emergency: args.emergency,
        products: ready
            .iter()
            .map(|c| (c.state.key.clone(), c.number))
            .collect(),
        published: None,
        review: None,
    };
    let title = format!("[{}] Release {} announcement", policy.name, key.version);
    let body = announce::compose(&key, "announcement", &markdown, &record);
    let mut out = String::new();
    if let Some(w) = &warning {
        out.push_str(&format!("warning: {w}\n"));
    }
    if let Some(path) = &args.html {
        write_atomic(path, &html).map_err(bad_input)?;
    }
    if args.dry_run {
        out.push_str(&markdown);
        out.push_str(&format!("\n(dry run: {title} not filed)\n"));
        print(&out)?;
        return Ok(0);
    }
    let (issue, changed) = umd_release::tracker::sync::file_announcement(
        &*tracker,
        existing.as_ref().map(|(i, _)| i),
        &title,
        &body,
        &policy.id,
    )
    .map_err(tracker_failure)?;
    let verb = match changed {
        None => "created",
        Some(true) => "updated",
        Some(false) => "unchanged",
    };
    let names: Vec<String> = ready
        .iter()
        .map(|c| format!("{} {}", c.state.key.product, c.state.key.version))
        .collect();
    out.push_str(&format!(
        "{} {}: {verb} #{} {title}\n  {}\n  products: {}\n",
        policy.name,
        key.version,
        issue.number,
        issue.url,
        names.join(", ")
    ));
    print(&out)?;
    Ok(0)
}

fn cmd_publish(args: PublishArgs) -> Result<u8, Failure> {
    use umd_release::announce::{self, REVIEW_LABEL, Review};
    use umd_release::pipeline::{Stage, transition::Decision};
    let DistRelease {
        tracker,
        config,
        policies,
        policy,
        key,
    } = dist_release(
        &args.tracker,
        &args.pipeline,
        &args.distribution,
        &args.version,
    )?;
    let Some((ann, mut record)) =
        umd_release::tracker::sync::find_release(&*tracker, &key).map_err(tracker_failure)?
    else {
        return Err(bad_input(anyhow!(
            "{} {} was never announced: run `umd-release announce --distribution {} --version {} --date YYYY-MM-DD` first",
            policy.name,
            key.version,
            policy.id,
            key.version
        )));
    };
    if record.published.is_some() {
        print(&format!(
            "{} {} was already published (#{})\n",
            policy.name, key.version, ann.number
        ))?;
        return Ok(0);
    }
    let now = now();
    if now.date().to_string() < record.date && !record.emergency {
        return Err(bad_input(anyhow!(
            "{} {} is announced for {}: publish on or after that date",
            policy.name,
            key.version,
            record.date
        )));
    }
    let mut out = String::new();
    let mut failed = Vec::new();
    for (k, number) in &record.products {
        let issue = tracker.get_issue(*number).map_err(tracker_failure)?;
        let stage = umd_release::submission::parse(&issue.body)
            .and_then(|b| b.state)
            .map(|s| s.stage());
        match stage {
            Some(Stage::Released) => {
                out.push_str(&format!(
                    "#{number} {} {}: already Released\n",
                    k.product, k.version
                ));
                continue;
            }
            Some(Stage::ReadyForRelease) => {}
            other => {
                failed.push(format!(
                    "#{number} {} {} is {}, not Ready for release",
                    k.product,
                    k.version,
                    other.map_or("not a submission", |s| s.name())
                ));
                continue;
            }
        }
        tracker
            .add_labels(&args.actor, *number, &[Stage::Released.label()])
            .map_err(tracker_failure)?;
        let handled = umd_release::tracker::sync::track_labels(
            &*tracker,
            *number,
            &args.actor,
            &policies,
            &config,
            None,
            now,
        )
        .map_err(tracker_failure)?;
        match handled.map(|h| (h.decision, h.effect, h.key)) {
            Some((Decision::Accept { .. }, fx, hk)) => {
                tracker
                    .create_comment(
                        "umd-release",
                        *number,
                        &format!(
                            "Released in {} {} on {} (announced in #{}).",
                            policy.name,
                            key.version,
                            now.date(),
                            ann.number
                        ),
                    )
                    .map_err(tracker_failure)?;
                out.push_str(&format!(
                    "#{number} {} {}: Released\n",
                    k.product, k.version
                ));
                out.push_str(&announce_transition(&hk, &fx)?);
            }
            Some((Decision::Revert { reason, .. }, _, _)) => {
                failed.push(format!("#{number} {} {}: {reason}", k.product, k.version))
            }
            _ => failed.push(format!("#{number} {} {}: not moved", k.product, k.version)),
        }
    }
    if !failed.is_empty() {
        out.push_str(&format!(
            "{} {} is not published: {}\n",
            policy.name,
            key.version,
            failed.join("; ")
        ));
        print(&out)?;
        return Ok(exit::FAILED);
    }
    let due = umd_release::pipeline::calendar::add_days(now, policy.pipeline.deadlines.review_days);
    let review = Review {
        key: key.clone(),
        due,
        reminded: false,
    };
    let text = announce::review_text(&policy, &key.version, ann.number, record.emergency, due);
    let review_issue = tracker
        .create_issue(
            "umd-release",
            &format!(
                "[{}] Post-implementation review of {}",
                policy.name, key.version
            ),
            &announce::compose(&key, "review", &text, &review),
            &[REVIEW_LABEL.to_string(), format!("dist:{}", policy.id)],
        )
        .map_err(tracker_failure)?;
    record.published = Some(now);
    record.review = Some(review_issue.number);
    let body = announce::with_record(&ann.body, &key, "announcement", &record);
    tracker
        .update_issue("umd-release", ann.number, None, Some(&body), Some(false))
        .map_err(tracker_failure)?;
    out.push_str(&format!(
        "{} {} published: {} product(s) Released; review #{} {}{}\n",
        policy.name,
        key.version,
        record.products.len(),
        review_issue.number,
        review_issue.url,
        if record.emergency {
            " (emergency release: present it to the OMB)"
        } else {
            ""
        }
    ));
    print(&out)?;
    Ok(0)
}

fn cmd_export(args: ExportArgs) -> Result<u8, Failure> {
    use umd_release::export::egi;
    let ExportFormat::EgiSoftwareReleases = args.format;
    let DistRelease {
        tracker,
        policy,
        key,
        ..
    } = dist_release(
        &args.tracker,
        &args.pipeline,
        &args.distribution,
        &args.version,
    )?;
    let Some((ann, record)) =
        umd_release::tracker::sync::find_release(&*tracker, &key).map_err(tracker_failure)?
    else {
        return Err(bad_input(anyhow!(
            "{} {} was never announced in {}",
            policy.name,
            key.version,
            tracker.describe()
        )));
    };
    let Some(published) = record.published else {
        return Err(bad_input(anyhow!(
            "{} {} is announced (#{}) but not published: run `umd-release publish` first",
            policy.name,
            key.version,
            ann.number
        )));
    };
    let mut states = Vec::new();
    for (k, number) in &record.products {
        let issue = tracker.get_issue(*number).map_err(tracker_failure)?;
        let state = umd_release::submission::parse(&issue.body)
            .and_then(|b| b.state)
            .filter(|s| &s.key == k)
            .ok_or_else(|| {
                bad_input(anyhow!(
                    "#{number} no longer holds the submission {}: its state block was edited",
                    k.id()
                ))
            })?;
        states.push(state);
    }
    let empty = umd_release::submission::Release::default();
    let gpgkey = egi::known_gpgkey(&policy).unwrap_or("");
    let products: Vec<egi::ProductInput> = states
        .iter()
        .map(|s| egi::ProductInput {
            state: s,
            release: s.release.as_ref().unwrap_or(&empty),
            policy: &policy,
            distribution_version: &key.version,
            release_date: published.date(),
            current_state: "Production",
            gpgkey,
        })
        .collect();
    // The release notes list the products, as EGI's records do; names are keys
    // (plain), links are escaped by html_escape.
    let items: Vec<String> = products
        .iter()
        .map(|p| {
            let name = format!("{} {}", p.state.key.product, p.state.key.version);
            match p
                .release
                .release_notes_url
                .as_deref()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            {
                Some(u) => format!(
                    "<li>{} - <a href=\"{}\">{}</a></li>",
                    egi::html_escape(&name),
                    egi::html_escape(u),
                    egi::html_escape(u)
                ),
                None => format!("<li>{}</li>", egi::html_escape(&name)),
            }
        })
        .collect();
    let notes_html = format!(
        "This release contains the following products and updates: <br><ul>{}</ul>",
        items.concat()
    );
    let a = &policy.pipeline.announcement;
    let fill = |s: &str| s.replace("{version}", &key.version);
    let names: Vec<String> = products
        .iter()
        .map(|p| format!("{} {}", p.state.key.product, p.state.key.version))
        .collect();
    let created = ann.created_at;
    let dist = egi::distribution_json(&egi::DistributionInput {
        policy: &policy,
        version: &key.version,
        date: published,
        created,
        description: &fill(&a.description),
        release_notes_html: &notes_html,
        installation_notes: &a.installation_notes,
        contact: &a.contact,
        technical_contact: &a.technical_contact,
        known_issues: &a
            .details_url
            .as_deref()
            .map(|u| format!("Please visit {} for known issues.", fill(u)))
            .unwrap_or_default(),
        change_log: &format!("This release adds {}.", names.join(", ")),
        additional_details: &a.details_url.as_deref().map(fill).unwrap_or_default(),
        products: products.clone(),
        id: ann.number,
    });
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))
        .map_err(bad_input)?;
    let mut written = Vec::new();
    let mut write = |name: String, v: &serde_json::Value| -> Result<(), Failure> {
        let path = args.out.join(&name);
        let text = serde_json::to_string_pretty(v).map_err(bad_input)? + "\n";
        write_atomic(&path, &text).map_err(bad_input)?;
        written.push(path.display().to_string());
        Ok(())
    };
    write(
        format!("distribution-{}-{}.json", policy.distribution, key.version),
        &dist,
    )?;
    for p in &products {
        write(
            format!(
                "product-{}-{}.json",
                p.state.key.product, p.state.key.version
            ),
            &egi::product_json(p),
        )?;
    }
    let mut out = format!(
        "{} {}: {} file(s) in EGI's software-releases format\n",
        policy.name,
        key.version,
        written.len()
    );
    for w in &written {
        out.push_str(&format!("  {w}\n"));
    }
    print(&out)?;
    Ok(0)
}

/// The tool's own accounts and other bots, whose comments carry no commands:
/// GitHub Apps (`name[bot]`), GitLab project and group access tokens
/// (`project_12_bot_…`, `group_3_bot_…`), and the embedded tracker's `umd-release`.
fn is_bot(login: &str) -> bool {
    let gitlab_bot = |prefix: &str| {
        login.strip_prefix(prefix).is_some_and(|rest| {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            digits > 0 && rest[digits..].starts_with("_bot")
        })
    };
    login == "umd-release"
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
