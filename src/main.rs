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
    /// Print the JSON schema of a policy file, a Product ID Card or a product registration
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
    },
    /// Handle one event of the tracking repository (in Actions: $GITHUB_EVENT_NAME and $GITHUB_EVENT_PATH)
    Track(TrackArgs),
    /// Move a submission to another stage as USER, through the same checks as a label move
    Move(MoveArgs),
    /// Poll the registered products' GitHub releases and file the new ones (the pull channel)
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

#[derive(clap::Args)]
struct TrackArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    /// Event name, as GitHub names it (`issues`, `issue_comment`)
    #[arg(long, env = "GITHUB_EVENT_NAME", value_name = "NAME")]
    event_name: String,
    /// The webhook payload file
    #[arg(long, env = "GITHUB_EVENT_PATH", value_name = "FILE")]
    event_path: PathBuf,
    /// Product registry directory; default: the tracker's own `products/`
    #[arg(long, value_name = "DIR")]
    registry: Option<PathBuf>,
    /// Directory of templates overriding the built-in ones (NAME.md.hbs)
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Tracker configuration (roles, Early Adopters); default: the tracker's own `tracker.yaml`
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(clap::Args)]
struct MoveArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    /// The submission, as PRODUCT@VERSION
    #[arg(long, value_name = "PRODUCT@VERSION")]
    submission: String,
    /// The distribution (policy id), when the release was submitted to several
    #[arg(long, value_name = "ID")]
    distribution: Option<String>,
    /// Stage to move to: verification, staged-rollout, ready-for-release, released, rejected
    #[arg(long, value_name = "STAGE")]
    to: String,
    /// Who moves it (checked against the roles in the tracker configuration)
    #[arg(long = "as", value_name = "USER")]
    actor: String,
    /// Tracker configuration (roles, Early Adopters); default: the tracker's own `tracker.yaml`
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
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
    match cli.command {
        Command::Check(args) => cmd_check(args),
        Command::Explain { rule, list } => cmd_explain(rule.as_deref(), list),
        Command::Policies { format } => cmd_policies(format),
        Command::Submit(args) => cmd_submit(args),
        Command::Status { tracker, format } => cmd_status(&tracker.tracker, format),
        Command::Init { tracker, dry_run } => cmd_init(&tracker.tracker, dry_run),
        Command::Intake(args) => cmd_intake(args),
        Command::Track(args) => cmd_track(args),
        Command::Move(args) => cmd_move(args),
        Command::Schema { kind } => {
            let schema = match kind {
                SchemaKind::Policy => schemars::schema_for!(Policy),
                SchemaKind::Card => schemars::schema_for!(ProductCard),
                SchemaKind::Registry => {
                    schemars::schema_for!(policy::registry::RegisteredProduct)
                }
            };
            let text = serde_json::to_string_pretty(&schema).map_err(bad_input)? + "\n";
            print(&text)?;
            Ok(0)
        }
    }
}

fn print(text: &str) -> Result<(), Failure> {
    let mut out = anstream::stdout();
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
        .with_context(|| format!("cannot write the report to {}", path.display()))
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
    };
    match &args.output {
        Some(path) => write_atomic(path, &rendered).map_err(bad_input)?,
        None => print(&rendered)?,
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
fn now() -> time::OffsetDateTime {
    let t = time::OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
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

fn cmd_status(spec: &str, format: ListFormat) -> Result<u8, Failure> {
    use umd_release::tracker::{self, sync};
    let tracker = tracker::open(spec).map_err(tracker_failure)?;
    let rows = sync::status(&*tracker).map_err(tracker_failure)?;
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
    out.push_str(
        "\nWorkflows to install in the tracking repository (from examples/workflows/ of umd-release):\n  .github/workflows/umd-release-events.yml  <- tracker-events.yml (label moves, comments, issue form)\n  .github/workflows/umd-release-intake.yml  <- tracker-intake.yml (pulls registered products' releases)\n  .github/workflows/umd-release-sweep.yml   <- tracker-sweep.yml (deadlines)\n  .github/ISSUE_TEMPLATE/submission.yml     <- the submission form\nand one products/NAME.yaml per product (`umd-release schema registry`).\n",
    );
    print(&out)?;
    Ok(0)
}

fn cmd_intake(args: IntakeArgs) -> Result<u8, Failure> {
    use umd_release::intake::{self, State};
    use umd_release::policy::registry::RegisteredProduct;
    use umd_release::tracker::github::{GitHubConfig, GitHubTracker};

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
    for product in &products {
        let Some(repo) = product.repository.strip_prefix("github:") else {
            out.push_str(&format!(
                "{}: skipped: intake polls GitHub releases, and `{}` is not `github:OWNER/REPO`\n",
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
        let mark = |seen: &mut Vec<String>, tag: &str| {
            if !seen.iter().any(|t| t == tag) {
                seen.push(tag.to_string());
            }
        };
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

fn intake_release(
    args: &Filing,
    tracker: &dyn umd_release::tracker::Tracker,
    source: &umd_release::tracker::github::GitHubTracker,
    product: &umd_release::policy::registry::RegisteredProduct,
    release: &umd_release::intake::RemoteRelease,
    out: &mut String,
) -> Result<u8, Failure> {
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
    for asset in release.assets.iter().filter(|a| a.is_package()) {
        let sha = source
            .download(asset, &dist.join(&asset.name))
            .map_err(tracker_failure)?;
        if let Some(want) = asset.sha256()
            && want != sha
        {
            return Err(bad_input(anyhow!(
                "{}: the download's sha256 is {sha} but GitHub reports {want}; the asset was altered or the download corrupted",
                asset.name
            )));
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
        "{} {} ({}):\n",
        product.name, release.tag, product.repository
    ));
    let (code, _) = submit_with(&submit, tracker, &downloads, out)?;
    Ok(code)
}

const REQUEST_LABEL: &str = "submission-request";

/// `track` for issue 3: a submission request opened through the issue form is
/// validated and filed, or answered with what is wrong. Other events: nothing yet.
fn cmd_track(args: TrackArgs) -> Result<u8, Failure> {
    use umd_release::forge::event::{self, EventKind};
    use umd_release::submission::neutralize;
    let path = args.event_path.display().to_string();
    let json = std::fs::read_to_string(&args.event_path).map_err(|source| {
        bad_input(event::EventError::Read {
            path: path.clone(),
            source,
        })
    })?;
    let ev = match event::parse(&args.event_name, &path, &json) {
        Ok(ev) => ev,
        Err(event::EventError::PullRequest(n)) => {
            print(&format!("#{n} is a pull request: nothing to do\n"))?;
            return Ok(0);
        }
        Err(e) => return Err(bad_input(e)),
    };
    if let EventKind::Labeled { .. } | EventKind::Unlabeled { .. } = ev.kind {
        let tracker = umd_release::tracker::open(&args.tracker.tracker).map_err(tracker_failure)?;
        let config = tracker_config(&*tracker, args.config.as_deref())?;
        return label_move(&*tracker, &config, ev.issue, &ev.actor);
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

/// Checks and records (or reverts) a label change on a submission issue.
fn label_move(
    tracker: &dyn umd_release::tracker::Tracker,
    config: &policy::tracker_config::TrackerConfig,
    number: u64,
    actor: &str,
) -> Result<u8, Failure> {
    use umd_release::pipeline::transition::{Decision, default_transitions};
    let issue = tracker.get_issue(number).map_err(tracker_failure)?;
    let transitions = umd_release::submission::parse(&issue.body)
        .and_then(|b| Policy::builtin(&b.key.dist))
        .map(|p| p.transitions)
        .unwrap_or_else(default_transitions);
    let now = now();
    let roles = config.roles_of(actor);
    let decision =
        umd_release::tracker::sync::track_labels(tracker, number, actor, &roles, &transitions, now)
            .map_err(tracker_failure)?;
    let line = match decision {
        None => format!("#{number} is not a submission: nothing to do"),
        Some(Decision::Nothing) => format!("#{number}: labels agree with the recorded stage"),
        Some(Decision::Accept { from, to }) => format!(
            "#{number}: moved from {} to {} by {actor}",
            from.name(),
            to.name()
        ),
        Some(Decision::Revert { restore, reason }) => {
            format!("#{number}: put back to {}: {reason}", restore.name())
        }
    };
    print(&format!("{line}\n"))?;
    Ok(0)
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
    let Some((product, version)) = args.submission.split_once('@') else {
        return Err(bad_input(anyhow!(
            "`{}` is not PRODUCT@VERSION, e.g. site-info-publisher@1.4.0",
            args.submission
        )));
    };
    let tracker = umd_release::tracker::open(&args.tracker.tracker).map_err(tracker_failure)?;
    let config = tracker_config(&*tracker, args.config.as_deref())?;
    let issues = tracker
        .list_issues(Some(&format!("product:{product}")), true)
        .map_err(tracker_failure)?;
    let found: Vec<&umd_release::tracker::Issue> = issues
        .iter()
        .filter(|i| {
            umd_release::submission::parse(&i.body).is_some_and(|b| {
                b.key.product == product
                    && b.key.version == version
                    && args.distribution.as_deref().is_none_or(|d| d == b.key.dist)
            })
        })
        .collect();
    let issue = match found.as_slice() {
        [one] => *one,
        [] => {
            return Err(bad_input(anyhow!(
                "no open submission of {product} {version} in {}",
                tracker.describe()
            )));
        }
        many => {
            let dists: Vec<String> = many
                .iter()
                .filter_map(|i| umd_release::submission::parse(&i.body))
                .map(|b| b.key.dist)
                .collect();
            return Err(bad_input(anyhow!(
                "{product} {version} was submitted to {}: say which with --distribution",
                dists.join(", ")
            )));
        }
    };
    tracker
        .add_labels(&args.actor, issue.number, &[to.label()])
        .map_err(tracker_failure)?;
    label_move(&*tracker, &config, issue.number, &args.actor)
}
