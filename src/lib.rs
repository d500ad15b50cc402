//! umd-release: EGI's software provisioning process (UMD and CMD) run from a forge.
//!
//! The core is pure: [`release`] gathers facts, [`check`] turns facts and a
//! [`policy::Policy`] into findings. Only the CLI shell reads files and talks to
//! the network.

pub mod announce;
pub mod calendar;
pub mod check;
pub mod dashboard;
pub mod export;
pub mod forge;
pub mod intake;
pub mod issue;
pub mod labels;
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
pub mod stage;
pub mod submission;
pub mod tracker;
