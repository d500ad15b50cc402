//! GitLab CI: the job log's collapsible sections and the Code Quality report
//! (`artifacts:reports:codequality`). The tag comes from `CI_COMMIT_TAG`.

use std::path::PathBuf;

/// The parts of the GitLab CI environment this tool uses.
#[derive(Debug, Clone, Default)]
pub struct GitLabCi {
    /// Where `check` writes its Code Quality report (`UMD_RELEASE_CODEQUALITY`,
    /// set by the CI/CD component to `gl-code-quality-report.json`).
    pub codequality: Option<PathBuf>,
}

impl GitLabCi {
    /// `Some` inside a GitLab CI job (`GITLAB_CI=true`).
    pub fn detect() -> Option<GitLabCi> {
        if std::env::var("GITLAB_CI").ok().as_deref() != Some("true") {
            return None;
        }
        Some(GitLabCi {
            codequality: std::env::var_os("UMD_RELEASE_CODEQUALITY")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        })
    }
}

/// Wraps `body` in a collapsible job-log section. `name` is an identifier
/// (letters, digits, `_.-`); the header is shown on the collapsed line.
pub fn section(name: &str, header: &str, body: &str, collapsed: bool, now_unix: i64) -> String {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let header: String = header.chars().filter(|c| !c.is_control()).collect();
    let mut out = format!(
        "\x1b[0Ksection_start:{now_unix}:{name}{}\r\x1b[0K{header}\n",
        if collapsed { "[collapsed=true]" } else { "" }
    );
    out.push_str(body);
    if !body.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("\x1b[0Ksection_end:{now_unix}:{name}\r\x1b[0K\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_follow_gitlab_s_format() {
        let s = section(
            "umd release/check",
            "check: demo\r\n",
            "body",
            true,
            1700000000,
        );
        assert_eq!(
            s,
            "\x1b[0Ksection_start:1700000000:umd_release_check[collapsed=true]\r\x1b[0Kcheck: demo\nbody\n\x1b[0Ksection_end:1700000000:umd_release_check\r\x1b[0K\n"
        );
    }
}
