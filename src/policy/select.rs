//! Which policy governs a distribution id: one given by the user, else the built-in one.

use std::borrow::Cow;

use super::Policy;

/// The policy with id `dist`: one of `given` (from `--policy`), else the
/// built-in one, else `None`.
pub fn governing<'a>(dist: &str, given: &'a [Policy]) -> Option<Cow<'a, Policy>> {
    given
        .iter()
        .find(|p| p.id == dist)
        .map(Cow::Borrowed)
        .or_else(|| Policy::builtin_ref(dist).map(Cow::Borrowed))
}
