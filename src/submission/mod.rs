//! The submission issue: one per (distribution, product, version). Its body holds
//! a hidden key marker on the first line, a block the tool owns (regenerated on
//! every run, with a machine-readable state), and whatever humans write outside
//! it, which is never touched. Everything here is pure.

mod body;
mod desired;
mod key;
mod plan;
mod state;
mod supersede;
mod verify;

pub use body::{Body, compose, parse};
pub use desired::{Desired, Source, desired};
pub use key::Key;
pub use plan::{Change, base_labels, change_comment, dedupe, matching, plan};
pub use state::{
    Answer, NOTES_MAX, Note, PackageRef, Rejection, Release, ReleaseTarget, Report, Site, State,
    Transition, Verdict,
};
pub use supersede::supersede;
pub use verify::{rebuilt, unrecorded};

pub use crate::markdown::neutralize;

#[cfg(test)]
mod tests;
