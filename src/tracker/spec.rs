//! Where a tracker or a product's repository is, parsed once: `local:PATH`,
//! `github:OWNER/REPO`, `gitlab:GROUP/PROJECT`.

use std::path::PathBuf;
use std::str::FromStr;

use super::TrackerError;
use super::http::invalid;

const ACCEPTED: &str = "`local:PATH`, `github:OWNER/REPO`, `gitlab:GROUP/PROJECT`";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// The embedded tracker in a directory.
    Local(PathBuf),
    GitHub {
        owner: String,
        repo: String,
    },
    /// The project's full path, subgroups included.
    GitLab {
        project: String,
    },
}

impl Spec {
    /// A product's `repository:` value, `github:OWNER/REPO` or
    /// `gitlab:GROUP/PROJECT`: a forge, never a local tracker.
    pub fn repository(value: &str) -> Result<Spec, TrackerError> {
        match value.parse()? {
            Spec::Local(_) => Err(invalid(format!(
                "repository `{value}` is not on a forge: expected `github:OWNER/REPO` or `gitlab:GROUP/PROJECT`"
            ))),
            spec => Ok(spec),
        }
    }
}

impl FromStr for Spec {
    type Err = TrackerError;

    fn from_str(spec: &str) -> Result<Spec, TrackerError> {
        match spec.split_once(':') {
            Some(("local", path)) if !path.is_empty() => Ok(Spec::Local(path.into())),
            Some(("local", _)) => Err(invalid(format!(
                "tracker `{spec}`: `local:` needs a directory, e.g. `local:.umd-tracker`"
            ))),
            Some(("github", repo)) => {
                let (owner, repo) = super::github::parse_owner_repo(repo)?;
                Ok(Spec::GitHub { owner, repo })
            }
            Some(("gitlab", project)) => Ok(Spec::GitLab {
                project: super::gitlab::parse_project(project)?,
            }),
            _ => Err(invalid(format!(
                "unknown tracker `{spec}`\n  accepted forms: {ACCEPTED}"
            ))),
        }
    }
}

impl std::fmt::Display for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Spec::Local(path) => write!(f, "local:{}", path.display()),
            Spec::GitHub { owner, repo } => write!(f, "github:{owner}/{repo}"),
            Spec::GitLab { project } => write!(f, "gitlab:{project}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_once() {
        assert_eq!(
            "github:o/r".parse::<Spec>().unwrap(),
            Spec::GitHub {
                owner: "o".into(),
                repo: "r".into()
            }
        );
        assert_eq!(
            Spec::repository("gitlab:g/sub/p").unwrap(),
            Spec::GitLab {
                project: "g/sub/p".into()
            }
        );
        assert_eq!("local:x".parse::<Spec>().unwrap().to_string(), "local:x");
        assert!(Spec::repository("local:x").is_err());
        assert!(Spec::repository("github:nope").is_err());
    }
}
