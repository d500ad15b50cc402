//! `check`: a release against its distribution's policy, like a compiler.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use clap::ValueEnum;

use super::{Failure, Outcome, bad_input, exit, now, print, print_raw, write_atomic};
use umd_release::check::report;
use umd_release::forge::github_actions::Actions;
use umd_release::forge::gitlab_ci::{self, GitLabCi};
use umd_release::process::check::{CheckRequest, Checked, check};

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Root of the provider repository (holds umd-product.yaml and the changelogs)
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// Release tag; defaults to $CI_COMMIT_TAG, or $GITHUB_REF_NAME when $GITHUB_REF_TYPE is `tag`
    #[arg(long)]
    pub tag: Option<String>,
    /// Directory holding the release's .rpm and .deb files (searched recursively)
    #[arg(long)]
    pub artifacts: Option<PathBuf>,
    /// Distribution policy: a built-in name (see `policies`) or a YAML file; repeatable.
    /// Without it, the Product ID Card's `component` decides.
    #[arg(long = "policy", value_name = "NAME|FILE")]
    pub policies: Vec<String>,
    /// Release notes file; else the changelog section of the version
    #[arg(long)]
    pub notes: Option<PathBuf>,
    /// Report format
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report to this file instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
    Sarif,
    Github,
    /// GitLab Code Quality (artifacts:reports:codequality)
    Codequality,
}

impl CheckArgs {
    /// The flags as a request: the tag from the flag or the CI's variables.
    pub fn request(&self) -> Result<CheckRequest, Failure> {
        Ok(CheckRequest {
            repo: self.repo.clone(),
            tag: resolve_tag(self.tag.clone())?,
            artifacts: self.artifacts.clone(),
            policies: self.policies.clone(),
            notes: self.notes.clone(),
        })
    }
}

fn resolve_tag(tag: Option<String>) -> Result<String, Failure> {
    if let Some(t) = tag {
        return Ok(t);
    }
    let var = |k| std::env::var(k).ok().filter(|v: &String| !v.is_empty());
    if let Some(t) = var("CI_COMMIT_TAG") {
        return Ok(t);
    }
    if var("GITHUB_REF_TYPE").as_deref() == Some("tag")
        && let Some(t) = var("GITHUB_REF_NAME")
    {
        return Ok(t);
    }
    Err(bad_input(anyhow!(
        "no release tag: pass --tag TAG (in CI it is read from $CI_COMMIT_TAG, or $GITHUB_REF_NAME on a tag push)"
    )))
}

/// `NO_COLOR` set and not empty (https://no-color.org): no colour anywhere.
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The repository root holding `repo`: the nearest directory up from it with
/// a `.git` (a directory, or the file of a worktree or submodule), else
/// `repo` itself. Paths are made absolute (and canonical where they exist)
/// so that the reports can name every file from the root.
pub fn source_root(repo: &Path) -> report::SourceRoot {
    let cwd = std::env::current_dir().unwrap_or_default();
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    let repo = cwd.join(repo);
    let repo = std::fs::canonicalize(&repo).unwrap_or(repo);
    let root = repo
        .ancestors()
        .find(|d| std::fs::symlink_metadata(d.join(".git")).is_ok())
        .unwrap_or(&repo)
        .to_path_buf();
    report::SourceRoot { root, repo, cwd }
}

pub fn run(args: CheckArgs) -> Outcome {
    let Checked { report, .. } = check(&args.request()?)?;
    let root = source_root(&args.repo);
    // A file never gets escape codes; a terminal gets them unless NO_COLOR says not.
    let colour = args.output.is_none() && !no_color();
    let rendered = match args.format {
        ReportFormat::Text => report::text(&report, colour),
        ReportFormat::Json => report::json(&report),
        ReportFormat::Markdown => report::markdown(&report),
        ReportFormat::Sarif => report::sarif(&report, &root),
        ReportFormat::Github => report::github(&report, &root),
        ReportFormat::Codequality => report::codequality(&report, &root),
    };
    let gitlab = GitLabCi::detect();
    match &args.output {
        Some(path) => write_atomic(path, &rendered)?,
        // In a GitLab job log, the details fold into a section; the verdict line stays visible.
        None if gitlab.is_some() && matches!(args.format, ReportFormat::Text) => {
            let (details, verdict) = rendered
                .trim_end()
                .rsplit_once('\n')
                .unwrap_or(("", rendered.trim_end()));
            print_raw(&gitlab_ci::section(
                "umd_release_check",
                &format!("umd-release check: {}", report.tag),
                details,
                report.passed,
                now().unix_timestamp(),
            ))?;
            print(&format!("{verdict}\n"))?;
        }
        None => print(&rendered)?,
    }
    if let Some(path) = gitlab.as_ref().and_then(|g| g.codequality.as_ref()) {
        write_atomic(path, &report::codequality(&report, &root))?;
    }
    if let Some(actions) = Actions::detect() {
        // Annotations go to stdout where the runner reads them, unless that is the format already.
        if !matches!(args.format, ReportFormat::Github) {
            print(&report::github(&report, &root))?;
        }
        let result = if report.passed { "passed" } else { "failed" };
        actions
            .summary(&report::markdown(&report))
            .and_then(|_| actions.set_output("result", result))
            .and_then(|_| match &args.output {
                Some(p) => actions.set_output("report", &p.display().to_string()),
                None => Ok(()),
            })
            .context("cannot write the GitHub Actions job summary or outputs")
            .map_err(bad_input)?;
    }
    Ok(if report.passed { 0 } else { exit::FAILED })
}
