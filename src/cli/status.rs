//! `status`: every submission, its stage and since when; with `--explain`,
//! what each open one waits for.

use super::{ListFormat, Outcome, PipelineArgs, TrackerArgs, json, now, print};
use umd_release::process::status::{Explain, StatusRow, status};

#[derive(clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
    /// Also say what each open submission waits for (a role's move, an answer, exposure, a deadline)
    #[arg(long)]
    explain: bool,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

pub fn run(args: StatusArgs) -> Outcome {
    let tracker = args.tracker.open()?;
    let rules = if args.explain {
        Some(args.pipeline.rules(&*tracker)?)
    } else {
        None
    };
    let explained = rules.as_ref().map(|r| Explain {
        config: &r.config,
        policies: &r.policies,
        now: now(),
    });
    let rows = status(&*tracker, explained.as_ref())?;
    match args.format {
        ListFormat::Json => print(&json(&rows)?)?,
        ListFormat::Text if rows.is_empty() => {
            print(&format!("no submissions in {}\n", tracker.describe()))?
        }
        ListFormat::Text => print(&table(&rows))?,
    }
    Ok(0)
}

fn table(rows: &[StatusRow]) -> String {
    let date = time::macros::format_description!("[year]-[month]-[day]");
    let mut table = vec![[
        "PRODUCT".to_string(),
        "VERSION".into(),
        "DISTRIBUTION".into(),
        "STAGE".into(),
        "SINCE".into(),
        "ISSUE".into(),
    ]];
    for r in rows {
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
    out
}
