//! GitLab's token and settings, from the environment.

use std::time::Duration;

use super::super::TrackerError;
use super::super::auth::{self, Env, Lookup};
use super::super::http::{Secret, invalid};

pub(crate) const DEFAULT_API_URL: &str = "https://gitlab.com/api/v4";

const TOKEN_VARS: [&str; 2] = ["UMD_RELEASE_TOKEN", "GITLAB_TOKEN"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitLabConfig {
    /// The REST API's base, e.g. `https://gitlab.com/api/v4` or `https://HOST/api/v4`.
    pub api_url: String,
    /// The project's full path, `GROUP/PROJECT` (subgroups too: `group/sub/project`).
    pub project: String,
    /// A project, group or personal access token with the `api` scope, sent
    /// as `PRIVATE-TOKEN`.
    pub token: Secret,
    /// The most one call may sleep in total waiting out rate limits and
    /// server errors before it gives up.
    pub max_wait: Duration,
    /// How long one request may take in all before it fails.
    pub timeout: Duration,
}

impl GitLabConfig {
    /// Reads the configuration from the environment; see [`GitLabConfig::from_lookup`].
    pub fn from_env(project: &str) -> Result<GitLabConfig, TrackerError> {
        Self::from_lookup(project, &auth::process())
    }

    /// As [`GitLabConfig::from_env`], with variables from `env`. Empty
    /// variables count as unset, as CI systems expand missing secrets to "".
    ///
    /// The API base: `GITLAB_API_URL`, else `CI_API_V4_URL` (set in every
    /// GitLab CI job), else gitlab.com. The token: `UMD_RELEASE_TOKEN`, else
    /// `GITLAB_TOKEN`. `CI_JOB_TOKEN` is never used: a job token cannot read
    /// or write issues and labels.
    pub(crate) fn from_lookup(project: &str, env: &Env<impl Lookup>) -> Result<Self, TrackerError> {
        let project = parse_project(project)?;
        let api_url = env.api_url(&["GITLAB_API_URL", "CI_API_V4_URL"], DEFAULT_API_URL);
        let max_wait = env.max_wait()?;
        let timeout = env.timeout()?;
        let token = match env.token(&TOKEN_VARS) {
            Some(token) => token,
            None if env.var("CI_JOB_TOKEN").is_some() => {
                return Err(invalid(format!(
                    "no GitLab token for gitlab:{project}: only CI_JOB_TOKEN is set, and CI_JOB_TOKEN cannot read or write issues and labels\n  create a project access token with the `api` scope (role Reporter or Planner) in {project}'s Settings > Access tokens,\n  store it as a masked CI/CD variable and pass it as UMD_RELEASE_TOKEN"
                )));
            }
            None => {
                return Err(invalid(format!(
                    "no GitLab token for gitlab:{project}\n  set UMD_RELEASE_TOKEN (or GITLAB_TOKEN) to a project access token with the `api` scope (role Reporter or Planner),\n  or a group or personal access token with the `api` scope"
                )));
            }
        };
        Ok(GitLabConfig {
            api_url,
            project,
            token,
            max_wait,
            timeout,
        })
    }
}

/// `GROUP/PROJECT`, subgroups allowed; GitLab path characters only, so the
/// URL-encoded form is the path with `/` as `%2F`.
pub(crate) fn parse_project(path: &str) -> Result<String, TrackerError> {
    let ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && !s.starts_with('-')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    let segments: Vec<&str> = path.split('/').collect();
    if segments.len() >= 2 && segments.iter().all(|s| ok(s)) {
        Ok(path.to_string())
    } else {
        Err(invalid(format!(
            "`{path}` is not a GitLab project: expected GROUP/PROJECT (or GROUP/SUBGROUP/PROJECT), e.g. `gitlab:egi/umd-tracker`"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::auth::{DEFAULT_MAX_WAIT_SECS, assert_hidden, lookup};

    #[test]
    fn config_from_lookup() {
        let c = GitLabConfig::from_lookup(
            "egi/sub/umd-tracker",
            &lookup(&[
                ("CI_API_V4_URL", "https://ci.example/api/v4"),
                ("GITLAB_API_URL", "https://gl.example/api/v4/"),
                ("GITLAB_TOKEN", "glpat-generic"),
                ("UMD_RELEASE_TOKEN", "glpat-specific"),
                ("CI_JOB_TOKEN", "job"),
                ("UMD_RELEASE_MAX_WAIT", "7"),
            ]),
        )
        .unwrap();
        assert_eq!(c.api_url, "https://gl.example/api/v4");
        assert_eq!(c.project, "egi/sub/umd-tracker");
        assert_eq!(c.token, Secret::new("glpat-specific"));
        assert_eq!(c.max_wait, Duration::from_secs(7));
        assert_hidden(&c, "glpat-specific");

        let c = GitLabConfig::from_lookup(
            "g/p",
            &lookup(&[
                ("UMD_RELEASE_TOKEN", " "),
                ("GITLAB_TOKEN", "glpat-x"),
                ("CI_API_V4_URL", "https://ci.example/api/v4"),
            ]),
        )
        .unwrap();
        assert_eq!(c.api_url, "https://ci.example/api/v4");
        assert_eq!(c.token, Secret::new("glpat-x"));
        assert_eq!(c.max_wait, Duration::from_secs(DEFAULT_MAX_WAIT_SECS));
        let c = GitLabConfig::from_lookup("g/p", &lookup(&[("GITLAB_TOKEN", "t")])).unwrap();
        assert_eq!(c.api_url, DEFAULT_API_URL);
    }

    #[test]
    fn config_errors() {
        let err = |project: &str, vars: &[(&str, &str)]| {
            let e = GitLabConfig::from_lookup(project, &lookup(vars)).unwrap_err();
            assert!(matches!(e, TrackerError::Invalid { .. }), "{e}");
            e.to_string()
        };
        let msg = err("g/p", &[("CI_JOB_TOKEN", "secret-job-token")]);
        assert!(
            msg.contains("CI_JOB_TOKEN cannot read or write issues and labels"),
            "{msg}"
        );
        assert!(
            msg.contains("`api` scope") && msg.contains("UMD_RELEASE_TOKEN"),
            "{msg}"
        );
        assert!(!msg.contains("secret-job-token"));
        let msg = err("g/p", &[]);
        assert!(
            msg.contains("UMD_RELEASE_TOKEN") && msg.contains("GITLAB_TOKEN"),
            "{msg}"
        );
        for bad in ["p", "g/", "/p", "g//p", "g p/x", "../p", "g/-p", ""] {
            err(bad, &[("UMD_RELEASE_TOKEN", "t")]);
        }
        err(
            "g/p",
            &[("UMD_RELEASE_TOKEN", "t"), ("UMD_RELEASE_MAX_WAIT", "2m")],
        );
    }
}
