//! The `umd-release` command line: parse, dispatch, and turn errors into exit
//! codes. Each command lives in `cli/`.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cli::{Failure, bad_input};

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
    Check(cli::check::CheckArgs),
    /// Print the documentation of a rule
    Explain(cli::explain::ExplainArgs),
    /// List the built-in distribution policies
    Policies(cli::policies::PoliciesArgs),
    /// Print the JSON schema of a policy file, a Product ID Card, a product registration or tracker.yaml
    Schema(cli::schema::SchemaArgs),
    /// Check a release and file it in the tracker: one submission issue per distribution
    Submit(cli::submit::SubmitArgs),
    /// List the submissions in the tracker: product, version, distribution, stage, since when
    Status(cli::status::StatusArgs),
    /// Handle one event of the tracking repository (in Actions: $GITHUB_EVENT_NAME and $GITHUB_EVENT_PATH)
    Track(cli::track::TrackArgs),
    /// Move a submission to another stage as USER, through the same checks as a label move
    Move(cli::move_to::MoveArgs),
    /// Comment on a submission as USER (Early Adopter answers, reports, waivers), through `track`
    Comment(cli::comment::CommentArgs),
    /// Announce the next distribution release: the submissions Ready for release, in one announcement issue
    Announce(cli::announce::AnnounceArgs),
    /// Release an announced distribution release: its submissions move to Released, a review issue opens
    Publish(cli::publish::PublishArgs),
    /// Export a published distribution release as EGI's JSON records (egi-software-releases)
    Export(cli::export::ExportArgs),
    /// Write the status dashboard (a static site: index.html, style.css, app.js) to a directory
    Dashboard(cli::dashboard::DashboardArgs),
    /// Apply the deadlines: flag late stages Delayed and tell the provider, remind Early Adopters, repair labels
    Sweep(cli::sweep::SweepArgs),
    /// Poll the registered products' GitHub and GitLab releases and file the new ones (the pull channel)
    Intake(cli::intake::IntakeArgs),
    /// Create the labels the pipeline uses in the tracker, and print the workflows to install
    Init(cli::init::InitArgs),
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
    // A bad UMD_RELEASE_NOW is refused before any command runs.
    cli::fixed_now().map_err(bad_input)?;
    match cli.command {
        Command::Check(args) => cli::check::run(args),
        Command::Explain(args) => cli::explain::run(args),
        Command::Policies(args) => cli::policies::run(args),
        Command::Schema(args) => cli::schema::run(args),
        Command::Submit(args) => cli::submit::run(args),
        Command::Status(args) => cli::status::run(args),
        Command::Track(args) => cli::track::run(args),
        Command::Move(args) => cli::move_to::run(args),
        Command::Comment(args) => cli::comment::run(args),
        Command::Announce(args) => cli::announce::run(args),
        Command::Publish(args) => cli::publish::run(args),
        Command::Export(args) => cli::export::run(args),
        Command::Dashboard(args) => cli::dashboard::run(args),
        Command::Sweep(args) => cli::sweep::run(args),
        Command::Intake(args) => cli::intake::run(args),
        Command::Init(args) => cli::init::run(args),
    }
}
