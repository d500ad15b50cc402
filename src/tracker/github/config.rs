//! GitHub credentials and settings, from the environment.

use std::time::Duration;

use super::super::TrackerError;
use super::super::auth::{self, Env, Lookup};
use super::super::http::{Secret, invalid};

pub(crate) const DEFAULT_API_URL: &str = "https://api.github.com";

const TOKEN_VARS: [&str; 3] = ["UMD_RELEASE_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"];
const APP_VARS: [&str; 3] = [
    "UMD_RELEASE_APP_ID",
    "UMD_RELEASE_APP_PRIVATE_KEY",
    "UMD_RELEASE_APP_INSTALLATION_ID",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// A personal access token or an Actions `GITHUB_TOKEN`.
    Token(Secret),
    /// A GitHub App installation; octocrab mints and refreshes its token.
    App {
        app_id: u64,
        private_key_pem: Secret,
        installation_id: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubConfig {
    /// E.g. `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
    pub api_url: String,
    pub owner: String,
    pub repo: String,
    pub auth: Auth,
    /// The most one call may sleep in total waiting out rate limits and
    /// server errors before it gives up.
    pub max_wait: Duration,
    /// How long one request may take (reading or writing) before it fails.
    pub timeout: Duration,
}

impl GitHubConfig {
    /// Reads the configuration from the environment; see [`GitHubConfig::from_lookup`].
    pub fn from_env(owner_repo: &str) -> Result<GitHubConfig, TrackerError> {
        Self::from_lookup(owner_repo, &auth::process())
    }

    /// As [`GitHubConfig::from_env`], with variables from `env` (so tests need
    /// not mutate the process environment). Empty variables count as unset, as
    /// CI systems expand missing secrets to "".
    ///
    /// Credentials, first found wins: `UMD_RELEASE_TOKEN`; a GitHub App
    /// (`UMD_RELEASE_APP_ID`, `UMD_RELEASE_APP_PRIVATE_KEY` as PEM text or a
    /// file path, `UMD_RELEASE_APP_INSTALLATION_ID`); `GITHUB_TOKEN`;
    /// `GH_TOKEN`. The App comes before the generic tokens because its
    /// variables can only have been set for this tool.
    pub(crate) fn from_lookup(
        owner_repo: &str,
        env: &Env<impl Lookup>,
    ) -> Result<Self, TrackerError> {
        let (owner, repo) = parse_owner_repo(owner_repo)?;
        let api_url = env.api_url(&["GITHUB_API_URL"], DEFAULT_API_URL);
        let max_wait = env.max_wait()?;
        let timeout = env.timeout()?;
        let auth = match env.token(&TOKEN_VARS[..1]) {
            Some(token) => Auth::Token(token),
            None => match app_from_env(env)? {
                Some(auth) => auth,
                None => env
                    .token(&TOKEN_VARS[1..])
                    .map(Auth::Token)
                    .ok_or_else(|| {
                        invalid(format!(
                            "no GitHub credentials for github:{owner}/{repo}\n  set UMD_RELEASE_TOKEN (or GITHUB_TOKEN or GH_TOKEN) to a token with Issues: read and write,\n  or set {} for a GitHub App",
                            APP_VARS.join(", ")
                        ))
                    })?,
            },
        };
        Ok(GitHubConfig {
            api_url,
            owner,
            repo,
            auth,
            max_wait,
            timeout,
        })
    }
}

pub(crate) fn parse_owner_repo(owner_repo: &str) -> Result<(String, String), TrackerError> {
    // GitHub names: letters, digits, `-`, `_`, `.`; anything else would
    // need escaping in every path we build.
    let ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    match owner_repo.split_once('/') {
        Some((o, r)) if ok(o) && ok(r) => Ok((o.into(), r.into())),
        _ => Err(invalid(format!(
            "`{owner_repo}` is not a GitHub repository: expected OWNER/REPO, e.g. `github:EGI-Federation/umd-release`"
        ))),
    }
}

/// The App credentials, if any App variable is set; all three are then required.
fn app_from_env(env: &Env<impl Fn(&str) -> Option<String>>) -> Result<Option<Auth>, TrackerError> {
    let values: Vec<Option<String>> = APP_VARS.iter().map(|n| env.var(n)).collect();
    if values.iter().all(Option::is_none) {
        return Ok(None);
    }
    let missing: Vec<&str> = APP_VARS
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(invalid(format!(
            "GitHub App credentials are incomplete: set {} too (or unset the App variables and use UMD_RELEASE_TOKEN)",
            missing.join(" and ")
        )));
    }
    let [Some(id), Some(key), Some(installation)] =
        <[Option<String>; 3]>::try_from(values).expect("three App variables")
    else {
        unreachable!("all three checked above")
    };
    let number = |name: &str, v: &str| {
        v.trim()
            .parse::<u64>()
            .map_err(|_| invalid(format!("{name}=`{v}` is not a number")))
    };
    let app_id = number(APP_VARS[0], &id)?;
    let installation_id = number(APP_VARS[2], &installation)?;
    let pem = if key.trim_start().starts_with("-----BEGIN") {
        key
    } else {
        // Not PEM text, so it should be a path; never echo it, in case it
        // is a mangled key rather than a path.
        std::fs::read_to_string(key.trim()).map_err(|e| {
            invalid(format!(
                "UMD_RELEASE_APP_PRIVATE_KEY is neither PEM text nor a readable file ({}); the value is not shown",
                e.kind()
            ))
        })?
    };
    Ok(Some(Auth::App {
        app_id,
        private_key_pem: Secret::new(pem),
        installation_id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::auth::{DEFAULT_MAX_WAIT_SECS, assert_hidden, lookup};

    #[test]
    fn config_from_lookup() {
        let c = GitHubConfig::from_lookup(
            "EGI-Federation/umd-release",
            &lookup(&[
                ("GITHUB_API_URL", "https://ghe.example/api/v3/"),
                ("GITHUB_TOKEN", "ghs_generic"),
                ("UMD_RELEASE_TOKEN", "ghp_specific"),
                ("UMD_RELEASE_MAX_WAIT", "7"),
            ]),
        )
        .unwrap();
        assert_eq!(c.api_url, "https://ghe.example/api/v3");
        assert_eq!(
            (c.owner.as_str(), c.repo.as_str()),
            ("EGI-Federation", "umd-release")
        );
        assert_eq!(c.auth, Auth::Token(Secret::new("ghp_specific")));
        assert_eq!(c.max_wait, Duration::from_secs(7));
        // Secrets never print, not even through the config's Debug.
        assert_hidden(&c, "ghp_specific");

        // Empty counts as unset; defaults apply.
        let c = GitHubConfig::from_lookup(
            "o/r",
            &lookup(&[("UMD_RELEASE_TOKEN", ""), ("GH_TOKEN", "gho_x")]),
        )
        .unwrap();
        assert_eq!(c.api_url, DEFAULT_API_URL);
        assert_eq!(c.auth, Auth::Token(Secret::new("gho_x")));
        assert_eq!(c.max_wait, Duration::from_secs(DEFAULT_MAX_WAIT_SECS));
        assert_eq!(c.timeout, Duration::from_secs(60));
    }

    #[test]
    fn request_timeout_from_the_environment() {
        let with = |v: &str| {
            GitHubConfig::from_lookup(
                "o/r",
                &lookup(&[("UMD_RELEASE_TOKEN", "t"), ("UMD_RELEASE_HTTP_TIMEOUT", v)]),
            )
        };
        assert_eq!(with("5").unwrap().timeout, Duration::from_secs(5));
        for bad in ["0", "5s", "-1"] {
            let err = with(bad).unwrap_err().to_string();
            assert!(
                err.contains(&format!(
                    "UMD_RELEASE_HTTP_TIMEOUT=`{bad}` is not a number of seconds above 0"
                )),
                "{err}"
            );
        }
    }

    #[test]
    fn config_app_and_errors() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nsecretstuff\n-----END RSA PRIVATE KEY-----\n";
        let c = GitHubConfig::from_lookup(
            "o/r",
            &lookup(&[
                ("GITHUB_TOKEN", "ghs_generic"),
                ("UMD_RELEASE_APP_ID", "12"),
                ("UMD_RELEASE_APP_PRIVATE_KEY", pem),
                ("UMD_RELEASE_APP_INSTALLATION_ID", "34"),
            ]),
        )
        .unwrap();
        assert_eq!(
            c.auth,
            Auth::App {
                app_id: 12,
                private_key_pem: Secret::new(pem),
                installation_id: 34
            }
        );
        assert!(!format!("{c:?}").contains("secretstuff"));

        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.pem");
        std::fs::write(&key, pem).unwrap();
        let c = GitHubConfig::from_lookup(
            "o/r",
            &lookup(&[
                ("UMD_RELEASE_APP_ID", "12"),
                ("UMD_RELEASE_APP_PRIVATE_KEY", key.to_str().unwrap()),
                ("UMD_RELEASE_APP_INSTALLATION_ID", "34"),
            ]),
        )
        .unwrap();
        assert!(
            matches!(c.auth, Auth::App { ref private_key_pem, .. } if private_key_pem.expose() == pem)
        );

        let err = |owner_repo: &str, vars: &[(&str, &str)]| {
            let e = GitHubConfig::from_lookup(owner_repo, &lookup(vars)).unwrap_err();
            assert!(matches!(e, TrackerError::Invalid { .. }), "{e}");
            e.to_string()
        };
        let msg = err("o/r", &[]);
        assert!(
            msg.contains("UMD_RELEASE_TOKEN") && msg.contains("UMD_RELEASE_APP_ID"),
            "{msg}"
        );
        let msg = err("o/r", &[("UMD_RELEASE_APP_ID", "1")]);
        assert!(
            msg.contains("UMD_RELEASE_APP_PRIVATE_KEY and UMD_RELEASE_APP_INSTALLATION_ID"),
            "{msg}"
        );
        let msg = err(
            "o/r",
            &[
                ("UMD_RELEASE_APP_ID", "1"),
                ("UMD_RELEASE_APP_PRIVATE_KEY", "not-a-key-nor-a-file"),
                ("UMD_RELEASE_APP_INSTALLATION_ID", "2"),
            ],
        );
        assert!(!msg.contains("not-a-key-nor-a-file"), "{msg}");
        for bad in ["o", "o/", "/r", "o/r/x", "o r/x", "../r"] {
            err(bad, &[("UMD_RELEASE_TOKEN", "t")]);
        }
        err(
            "o/r",
            &[("UMD_RELEASE_TOKEN", "t"), ("UMD_RELEASE_MAX_WAIT", "2m")],
        );
    }
}
