//! `export`: a published distribution release as EGI's JSON records.

use std::path::PathBuf;

use anyhow::Context;
use clap::ValueEnum;

use super::{Outcome, PipelineArgs, TrackerArgs, bad_input, json, print, write_atomic};
use umd_release::process::announce::DistRelease;
use umd_release::process::export::egi_records;

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    /// The product and distribution JSON files of EGI's UMD release repository
    EgiSoftwareReleases,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// The distribution (policy id, e.g. cmd-os-1)
    #[arg(long, value_name = "ID")]
    distribution: String,
    /// The published distribution release, X.Y.Z
    #[arg(long, value_name = "X.Y.Z")]
    version: String,
    /// Directory to write the JSON files to (created if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

pub fn run(args: ExportArgs) -> Outcome {
    let ExportFormat::EgiSoftwareReleases = args.format;
    DistRelease::check_version(&args.version)?;
    let tracker = args.tracker.open()?;
    let rules = args.pipeline.rules(&*tracker)?;
    let release = DistRelease::new(&rules, &args.distribution, &args.version)?;
    let files = egi_records(&*tracker, &release)?;
    // Every file is rendered before the first is written.
    let texts = files
        .iter()
        .map(|(name, v)| Ok((args.out.join(name), json(v)?)))
        .collect::<Result<Vec<_>, super::Failure>>()?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))
        .map_err(bad_input)?;
    let mut out = format!(
        "{} {}: {} file(s) in EGI's software-releases format\n",
        release.policy.name,
        release.key.version,
        texts.len()
    );
    for (path, text) in &texts {
        write_atomic(path, text)?;
        out.push_str(&format!("  {}\n", path.display()));
    }
    print(&out)?;
    Ok(0)
}
