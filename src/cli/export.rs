//! `export`: a published distribution release as EGI's JSON records.

use std::path::PathBuf;

use anyhow::Context;
use clap::ValueEnum;

use super::{Outcome, PipelineArgs, ReleaseArg, TrackerArgs, bad_input, json, print, write_atomic};
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
    #[command(flatten)]
    release: ReleaseArg,
    /// Root of a checkout of EGI's release repository: the files go to their
    /// paths under it (`json/...`, `frontend-data/...`; created if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

pub fn run(args: ExportArgs) -> Outcome {
    let ExportFormat::EgiSoftwareReleases = args.format;
    let (tracker, _, release) = args.release.open(&args.tracker, &args.pipeline)?;
    let files = egi_records(&*tracker, &release)?;
    // Every file is rendered before the first is written.
    let texts = files
        .iter()
        .map(|(name, v)| Ok((args.out.join(name), json(v)?)))
        .collect::<Result<Vec<_>, super::Failure>>()?;
    for (path, _) in &texts {
        let dir = path.parent().unwrap_or(&args.out);
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create {}", dir.display()))
            .map_err(bad_input)?;
    }
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
