//! `announce`: the next distribution release, in one announcement issue.

use std::path::PathBuf;

use anyhow::anyhow;

use super::{Outcome, PipelineArgs, ReleaseArg, TrackerArgs, bad_input, now, print, write_atomic};
use umd_release::process::announce::{self, AnnounceRequest};
use umd_release::render::Templates;

#[derive(clap::Args)]
pub struct AnnounceArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    #[command(flatten)]
    release: ReleaseArg,
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

pub fn run(args: AnnounceArgs) -> Outcome {
    let date = time::Date::parse(
        &args.date,
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| bad_input(anyhow!("--date `{}` is not a date YYYY-MM-DD", args.date)))?;
    let (tracker, _, release) = args.release.open(&args.tracker, &args.pipeline)?;
    let templates = Templates::load(args.templates.as_deref()).map_err(bad_input)?;
    let announced = announce::announce(
        &*tracker,
        &AnnounceRequest {
            release: &release,
            date,
            emergency: args.emergency,
            templates: &templates,
            now: now(),
        },
    )?;
    let mut out = String::new();
    for w in &announced.unverified {
        out.push_str(&format!("warning: {w}\n"));
    }
    if let Some(w) = &announced.warning {
        out.push_str(&format!("warning: {w}\n"));
    }
    if let Some(path) = &args.html {
        write_atomic(path, &announced.html)?;
    }
    if args.dry_run {
        out.push_str(&announced.markdown);
        out.push_str(&format!("\n(dry run: {} not filed)\n", announced.title));
        if tracker.mailer().is_some() {
            for a in &announced.plan.actions {
                if matches!(a, umd_release::plan::Action::Mail { .. }) {
                    out.push_str(&format!("(dry run: would {a})\n"));
                }
            }
        }
        print(&out)?;
        return Ok(0);
    }
    let announced = announce::file(&*tracker, announced)?;
    let verb = match announced.changed {
        None => "created",
        Some(true) => "updated",
        Some(false) => "unchanged",
    };
    let (number, url) = announced
        .issue
        .as_ref()
        .map(|i| (i.number, i.url.as_str()))
        .unwrap_or_default();
    out.push_str(&format!(
        "{} {}: {verb} #{number} {}\n  {url}\n  products: {}\n",
        release.policy.name,
        release.key.version,
        announced.title,
        announced.products.join(", ")
    ));
    print(&out)?;
    Ok(0)
}
