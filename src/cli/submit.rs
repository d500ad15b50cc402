//! `submit`: check a release and file it, one submission issue per distribution.

use std::path::PathBuf;

use anyhow::Context;

use super::check::CheckArgs;
use super::{Outcome, TrackerArgs, actor, bad_input, exit, now, print};
use umd_release::forge::github_actions::Actions;
use umd_release::process::submit::{SubmitRequest, submit_release};

#[derive(clap::Args)]
pub struct SubmitArgs {
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

pub fn run(args: SubmitArgs) -> Outcome {
    let tracker = args.tracker.open()?;
    let req = SubmitRequest {
        check: args.check.request()?,
        registry: args.registry,
        allow_failures: args.allow_failures,
        dry_run: args.dry_run,
        actor: actor(args.actor),
        templates: args.templates,
        downloads: Default::default(),
        download_url_base: args.download_url_base,
        release_notes_url: args.release_notes_url,
        now: now(),
    };
    let submitted = submit_release(&*tracker, &req)?;
    print(&submitted.log())?;
    if let Some(actions) = Actions::detect() {
        let first = submitted
            .filed
            .iter()
            .find(|f| !args.dry_run && f.outcome.url.is_some())
            .and_then(|f| f.outcome.url.clone());
        // One entry per distribution, so a second distribution's issue is not lost.
        let submissions: Vec<serde_json::Value> = submitted
            .filed
            .iter()
            .map(|f| {
                serde_json::json!({
                    "distribution": f.distribution,
                    "key": f.outcome.key,
                    "filing": f.filing.as_str(),
                    "number": f.outcome.number,
                    "url": f.outcome.url,
                })
            })
            .collect();
        let result = if submitted.report.passed {
            "passed"
        } else {
            "failed"
        };
        actions
            .set_output("submission-url", first.as_deref().unwrap_or(""))
            .and_then(|_| {
                actions.set_output(
                    "submissions",
                    &serde_json::Value::from(submissions).to_string(),
                )
            })
            .and_then(|_| actions.set_output("result", result))
            .context("cannot write the GitHub Actions outputs")
            .map_err(bad_input)?;
    }
    Ok(if submitted.refused() { exit::FAILED } else { 0 })
}
