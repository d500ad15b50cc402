//! `schema`: the JSON schema of the files users write, and of the JSON report.

use clap::ValueEnum;

use super::{Outcome, json, print};
use umd_release::check::report;
use umd_release::policy::{Policy, ProductCard, registry, tracker_config};

#[derive(clap::Args)]
pub struct SchemaArgs {
    #[arg(value_enum)]
    kind: SchemaKind,
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaKind {
    Policy,
    Card,
    Registry,
    /// The tracking repository's `tracker.yaml`
    Tracker,
    /// The JSON report of `check --format json` (what it writes, not reads)
    Report,
}

pub fn run(args: SchemaArgs) -> Outcome {
    let schema = match args.kind {
        SchemaKind::Policy => schemars::schema_for!(Policy),
        SchemaKind::Card => schemars::schema_for!(ProductCard),
        SchemaKind::Registry => schemars::schema_for!(registry::RegisteredProduct),
        SchemaKind::Tracker => schemars::schema_for!(tracker_config::TrackerConfig),
        SchemaKind::Report => schemars::generate::SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator()
            .into_root_schema_for::<report::Report>(),
    };
    print(&json(&schema)?)?;
    Ok(0)
}
