//! What both forges' configurations read from the environment alike: the
//! API base, the wait cap and tokens, with empty variables as unset (CI
//! systems expand missing secrets to "").

use std::time::Duration;

use super::TrackerError;
use super::http::{Secret, invalid};

/// How long one call may wait in total unless `UMD_RELEASE_MAX_WAIT` says otherwise.
pub(crate) const DEFAULT_MAX_WAIT_SECS: u64 = 120;

/// How long one request may take unless `UMD_RELEASE_HTTP_TIMEOUT` says otherwise.
pub(crate) const DEFAULT_TIMEOUT_SECS: u64 = 60;

/// Where a variable's value is looked up.
pub(crate) trait Lookup: Fn(&str) -> Option<String> {}

impl<F: Fn(&str) -> Option<String>> Lookup for F {}

/// The variables a configuration is read from: the process environment, or
/// a lookup in tests, which must not mutate it.
pub(crate) struct Env<F>(F);

/// The process environment.
pub(crate) fn process() -> Env<impl Lookup> {
    Env(|name: &str| std::env::var(name).ok())
}

impl<F: Lookup> Env<F> {
    /// A variable, `None` when unset or empty (blank).
    pub(crate) fn var(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    /// The first of `names` that is set, without a trailing `/`; else `default`.
    pub(crate) fn api_url(&self, names: &[&str], default: &str) -> String {
        names
            .iter()
            .find_map(|n| self.var(n))
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .unwrap_or_else(|| default.into())
    }

    /// `UMD_RELEASE_MAX_WAIT` (seconds).
    pub(crate) fn max_wait(&self) -> Result<Duration, TrackerError> {
        match self.var("UMD_RELEASE_MAX_WAIT") {
            None => Ok(Duration::from_secs(DEFAULT_MAX_WAIT_SECS)),
            Some(v) => Ok(Duration::from_secs(v.trim().parse().map_err(|_| {
                invalid(format!(
                    "UMD_RELEASE_MAX_WAIT=`{v}` is not a number of seconds (e.g. 120)"
                ))
            })?)),
        }
    }

    /// `UMD_RELEASE_HTTP_TIMEOUT` (seconds): how long one request may take
    /// before it counts as a dropped connection (default 60).
    pub(crate) fn timeout(&self) -> Result<Duration, TrackerError> {
        match self.var("UMD_RELEASE_HTTP_TIMEOUT") {
            None => Ok(Duration::from_secs(DEFAULT_TIMEOUT_SECS)),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
                _ => Err(invalid(format!(
                    "UMD_RELEASE_HTTP_TIMEOUT=`{v}` is not a number of seconds above 0 (e.g. 60)"
                ))),
            },
        }
    }

    /// The token in the first of `names` that is set.
    pub(crate) fn token(&self, names: &[&str]) -> Option<Secret> {
        names
            .iter()
            .find_map(|n| self.var(n))
            .map(|t| Secret::new(t.trim()))
    }
}

/// Variables for `from_lookup` in tests, which must not mutate the process environment.
#[cfg(test)]
pub(crate) fn lookup(vars: &[(&str, &str)]) -> Env<impl Lookup + use<>> {
    let map: std::collections::HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Env(move |name: &str| map.get(name).cloned())
}

/// Asserts that `config`'s `Debug` shows `***`, never `secret`.
#[cfg(test)]
pub(crate) fn assert_hidden(config: &impl std::fmt::Debug, secret: &str) {
    let shown = format!("{config:?}");
    assert!(!shown.contains(secret) && shown.contains("***"), "{shown}");
}
