//! GitHub Actions: `$GITHUB_STEP_SUMMARY`, `$GITHUB_OUTPUT` and workflow commands.

use std::io::Write;
use std::path::PathBuf;

/// The parts of the Actions environment this tool uses.
#[derive(Debug, Clone, Default)]
pub struct Actions {
    pub step_summary: Option<PathBuf>,
    pub output: Option<PathBuf>,
}

impl Actions {
    /// `Some` when running inside GitHub Actions (`GITHUB_ACTIONS=true`).
    pub fn detect() -> Option<Actions> {
        if std::env::var("GITHUB_ACTIONS").ok().as_deref() != Some("true") {
            return None;
        }
        let path = |k| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Some(Actions {
            step_summary: path("GITHUB_STEP_SUMMARY"),
            output: path("GITHUB_OUTPUT"),
        })
    }

    /// Appends Markdown to the job summary.
    pub fn summary(&self, markdown: &str) -> std::io::Result<()> {
        match &self.step_summary {
            Some(p) => append(p, markdown),
            None => Ok(()),
        }
    }

    /// Sets a step output. Values go through a heredoc delimiter that cannot occur
    /// in them, so a value can never inject another output.
    pub fn set_output(&self, name: &str, value: &str) -> std::io::Result<()> {
        let Some(p) = &self.output else { return Ok(()) };
        let mut delim = String::from("UMD_RELEASE_EOF");
        while value.contains(&delim) {
            delim.push('_');
        }
        append(p, &format!("{name}<<{delim}\n{value}\n{delim}\n"))
    }
}

fn append(path: &PathBuf, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_use_a_delimiter_absent_from_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let a = Actions {
            step_summary: None,
            output: Some(out.clone()),
        };
        a.set_output("result", "x\nUMD_RELEASE_EOF\nevil=1")
            .unwrap();
        let text = std::fs::read_to_string(out).unwrap();
        assert!(text.starts_with("result<<UMD_RELEASE_EOF_\n"), "{text}");
        assert!(text.ends_with("\nUMD_RELEASE_EOF_\n"), "{text}");
    }
}
