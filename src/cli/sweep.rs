//! `sweep`: the deadlines, on a schedule.

use super::{ListFormat, Outcome, PipelineArgs, TrackerArgs, json, now, print};
use umd_release::process::sweep::sweep;

#[derive(clap::Args)]
pub struct SweepArgs {
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

pub fn run(args: SweepArgs) -> Outcome {
    let tracker = args.tracker.open()?;
    let rules = args.pipeline.rules(&*tracker)?;
    let swept = sweep(&*tracker, &rules, args.dry_run, now())?;
    match args.format {
        ListFormat::Json => print(&json(&swept)?)?,
        ListFormat::Text => {
            let mut out = String::new();
            for s in &swept {
                out.push_str(&format!(
                    "#{} {}: {}\n",
                    s.number,
                    s.key,
                    s.notes.join("; ")
                ));
                if args.dry_run {
                    for line in s.plan.to_string().lines() {
                        out.push_str(&format!("  {line}\n"));
                    }
                }
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
