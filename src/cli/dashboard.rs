//! `dashboard`: the static status site.

use std::path::PathBuf;

use anyhow::Context;

use super::{Outcome, PipelineArgs, TrackerArgs, bad_input, now, print, write_atomic};

#[derive(clap::Args)]
pub struct DashboardArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    /// Directory to write the site to (created if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

pub fn run(args: DashboardArgs) -> Outcome {
    let tracker = args.tracker.open()?;
    let rules = args.pipeline.rules(&*tracker)?;
    let (rows, files) = umd_release::process::status::dashboard(&*tracker, &rules, now())?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| {
            format!(
                "cannot create the dashboard directory {}",
                args.out.display()
            )
        })
        .map_err(bad_input)?;
    for (name, text) in &files {
        write_atomic(&args.out.join(name), text)?;
    }
    print(&format!(
        "dashboard: {rows} submission(s) written to {}\n",
        args.out.join("index.html").display()
    ))?;
    Ok(0)
}
