//! umd-release: EGI's software provisioning process (UMD and CMD) run from a forge.
//!
//! A functional core inside a thin shell. The core is pure: [`release`]
//! gathers a release's facts, [`check`] turns facts and a [`policy::Policy`]
//! into findings, [`pipeline`] and [`submission`] decide what a submission's
//! events do, and every decision that changes a tracker is a [`plan::Plan`].
//! [`process`] runs the seeds' steps over a [`tracker::Tracker`] and applies
//! each plan through one executor; only [`tracker`] and [`forge`] do I/O.

pub mod announce;
pub mod calendar;
pub mod check;
pub mod dashboard;
pub mod export;
pub mod forge;
pub mod intake;
pub mod issue;
pub mod labels;
pub mod mail;
pub mod markdown;
pub mod package;
pub mod pipeline;
pub mod plan;
pub mod policy;
pub mod process;
pub mod release;
pub mod render;
pub mod request;
pub mod rules;
pub mod secret;
pub mod stage;
pub mod submission;
pub mod tracker;
