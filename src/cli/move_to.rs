//! `move`: a submission to another stage, as a person would move its label.

use anyhow::anyhow;

use super::track::print_moved;
use super::{Outcome, PipelineArgs, SubmissionArg, TrackerArgs, bad_input, now};
use umd_release::pipeline::Stage;
use umd_release::process::track::move_to;

#[derive(clap::Args)]
pub struct MoveArgs {
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
    /// A written reason: for Ready for release, why staged rollout finishes without its usual conditions (a waiver); for Rejected, why (with the test report's https link), told to the provider
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    /// Print what the move would change, and change nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

pub fn run(args: MoveArgs) -> Outcome {
    let Some(to) = Stage::ALL.into_iter().find(|s| s.slug() == args.to) else {
        let names: Vec<&str> = Stage::ALL.iter().map(|s| s.slug()).collect();
        return Err(bad_input(anyhow!(
            "no stage `{}`; the stages are: {}",
            args.to,
            names.join(", ")
        )));
    };
    let tracker = args.tracker.open()?;
    let rules = args.pipeline.rules(&*tracker)?;
    let issue = args.submission.find(&*tracker)?;
    let handled = move_to(
        &*tracker,
        &issue,
        to,
        &args.actor,
        &rules,
        args.reason.as_deref(),
        now(),
        args.dry_run,
    )?;
    print_moved(issue.number, &args.actor, handled, args.dry_run, 1)
}
