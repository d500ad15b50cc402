//! `intake`: poll the registered products' releases and file the new ones.

use std::path::PathBuf;

use super::{Outcome, TrackerArgs, actor, exit, json, now, print, write_atomic};
use umd_release::process::intake::{Filing, load_state, log, poll, registrations};

#[derive(clap::Args)]
pub struct IntakeArgs {
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

pub fn run(args: IntakeArgs) -> Outcome {
    let tracker = args.tracker.open()?;
    let state = load_state(&args.state)?;
    let products = registrations(&args.registry)?;
    let filing = Filing {
        policies: Vec::new(),
        registry: Some(args.registry.clone()),
        templates: args.templates.clone(),
        dry_run: args.dry_run,
        actor: actor(None),
        now: now(),
    };
    let polled = poll(&*tracker, &products, state, &filing)?;
    let mut out = log(&polled.entries);
    out.push_str(&format!(
        "intake: {} products, {} unchanged, {} releases filed\n",
        polled.products, polled.unchanged, polled.filed
    ));
    print(&out)?;
    if !args.dry_run {
        write_atomic(&args.state, &json(&polled.state)?)?;
    }
    Ok(if polled.forge_failed { exit::FORGE } else { 0 })
}
