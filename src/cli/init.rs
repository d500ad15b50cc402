//! `init`: the labels the pipeline uses, and the workflows to install.

use super::{Outcome, TrackerArgs, print};
use umd_release::process::status::init;

#[derive(clap::Args)]
pub struct InitArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    /// Print what would be created without changing anything
    #[arg(long)]
    dry_run: bool,
}

const GITLAB: &str = "\nPipeline to install in the tracking project: examples/gitlab/tracker.gitlab-ci.yml of umd-release as .gitlab-ci.yml\n  (track on webhook-triggered pipelines, sweep on a daily schedule; its comments say how to set up the webhook),\nplus tracker.yaml and one products/NAME.yaml per product (`umd-release schema tracker`, `umd-release schema registry`).\n";

const GITHUB: &str = "\nWorkflows to install in the tracking repository (from examples/workflows/ of umd-release):\n  .github/workflows/umd-release-events.yml  <- tracker-events.yml (label moves, comments, issue form)\n  .github/workflows/umd-release-intake.yml  <- tracker-intake.yml (pulls registered products' releases)\n  .github/workflows/umd-release-sweep.yml   <- tracker-sweep.yml (deadlines)\n  .github/workflows/umd-release-dashboard.yml <- tracker-dashboard.yml (status page on GitHub Pages)\n  .github/ISSUE_TEMPLATE/submission.yml     <- examples/ISSUE_TEMPLATE/submission.yml (the submission form)\n  .github/workflows/umd-release-release.yml <- tracker-release.yml (announce, then publish a distribution release)\nand one products/NAME.yaml per product (`umd-release schema registry`).\n";

pub fn run(args: InitArgs) -> Outcome {
    let tracker = args.tracker.open()?;
    let (plan, changed) = init(&*tracker, args.dry_run)?;
    let mut out = format!("labels in {}:\n", tracker.describe());
    if args.dry_run {
        out.push_str(&plan.to_string());
    } else {
        for name in &changed {
            out.push_str(&format!("  created or updated `{name}`\n"));
        }
        out.push_str(&format!(
            "  {} of {} labels created or updated\n",
            changed.len(),
            plan.actions.len()
        ));
    }
    out.push_str(if args.tracker.tracker.starts_with("gitlab:") {
        GITLAB
    } else {
        GITHUB
    });
    print(&out)?;
    Ok(0)
}
