//! `comment`: comment on a submission as a person would, handled like the
//! event it raises.

use super::track::print_commented;
use super::{Outcome, PipelineArgs, SubmissionArg, TrackerArgs, now, print};
use umd_release::process::is_bot;
use umd_release::process::track::comment_on;

#[derive(clap::Args)]
pub struct CommentArgs {
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
    /// Print what the comment would change, and change nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

pub fn run(args: CommentArgs) -> Outcome {
    let tracker = args.tracker.open()?;
    let rules = args.pipeline.rules(&*tracker)?;
    let issue = args.submission.find(&*tracker)?;
    let (plan, handled) = comment_on(
        &*tracker,
        &issue,
        &args.actor,
        &args.body,
        &rules,
        now(),
        args.dry_run,
    )?;
    if is_bot(&args.actor) {
        print(&format!(
            "#{}: a comment by {}: nothing to do\n",
            issue.number, args.actor
        ))?;
        return Ok(0);
    }
    print_commented(
        issue.number,
        handled.as_ref(),
        args.dry_run.then_some(&plan),
        1,
    )
}
