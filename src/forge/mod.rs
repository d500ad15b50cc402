//! The CI run we are in. GitHub Actions today: job summary, outputs and
//! annotations are written where the runner reads them.

pub mod event;
pub mod github_actions;
