//! Support shared by the integration tests.
#![allow(dead_code)]

pub mod fake_github;
pub mod fake_gitlab;
pub mod fake_http;
pub mod forge;
pub mod pkg;
pub mod rig;

/// Runs each scenario `fn name(rig: &Rig)` of a test file on the embedded
/// tracker, the fake GitHub and the fake GitLab, as three tests
/// (`local::name`, `github::name`, `gitlab::name`); `#[local(ignore)]` and
/// the like put an attribute on one of them.
#[macro_export]
macro_rules! on_all {
    ($($(#[local($($l:tt)*)])? $(#[github($($h:tt)*)])? $(#[gitlab($($g:tt)*)])? $name:ident),* $(,)?) => {
        mod local {
            $($(#[$($l)*])? #[test] fn $name() { super::$name(&super::Rig::new(super::Kind::Local)) })*
        }
        mod github {
            $($(#[$($h)*])? #[test] fn $name() { super::$name(&super::Rig::new(super::Kind::GitHub)) })*
        }
        mod gitlab {
            $($(#[$($g)*])? #[test] fn $name() { super::$name(&super::Rig::new(super::Kind::GitLab)) })*
        }
    };
}

/// Runs each scenario on the fake GitHub and the fake GitLab only (what a
/// forge records or delivers: issue authors, payload repositories, comment
/// ids), as `forges_github::name` and `forges_gitlab::name`; `$fixture` is
/// the type whose `new(Kind)` sets a scenario up (`Rig`, a file's `Forge`).
#[macro_export]
macro_rules! on_forges {
    ($fixture:ident: $($name:ident),* $(,)?) => {
        mod forges_github {
            $(#[test] fn $name() { super::$name(&super::$fixture::new(super::Kind::GitHub)) })*
        }
        mod forges_gitlab {
            $(#[test] fn $name() { super::$name(&super::$fixture::new(super::Kind::GitLab)) })*
        }
    };
}

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Whether `tool` can be used. CI sets `UMD_RELEASE_REQUIRE_TOOLS=1` so that a
/// missing tool fails the run instead of silently skipping real-package tests.
pub fn require(tool: &str) -> bool {
    if pkg::have(tool) {
        return true;
    }
    if std::env::var("UMD_RELEASE_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!(
            "{tool} is required (UMD_RELEASE_REQUIRE_TOOLS=1): .ci/run installs it with apt-get"
        );
    }
    eprintln!("skipped: {tool} is not installed");
    false
}

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo_dir() -> PathBuf {
    manifest_dir().join("examples/demo-product")
}

/// Runs the binary with a clean CI environment (no Actions or GitLab variables
/// leak in from the machine running the tests).
pub fn umd(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_umd-release"));
    for var in [
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "UMD_RELEASE_CODEQUALITY",
        "TRIGGER_PAYLOAD",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
        "GITHUB_REF_NAME",
        "GITHUB_REF_TYPE",
        "CI_COMMIT_TAG",
        "GITHUB_EVENT_NAME",
        "GITHUB_EVENT_PATH",
        "GITHUB_API_URL",
        "GITHUB_ACTOR",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "UMD_RELEASE_TOKEN",
        "UMD_RELEASE_TRACKER",
        "UMD_RELEASE_CONFIG",
        "UMD_RELEASE_NOW",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1").args(args);
    cmd
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("the binary runs");
    Run {
        // A signal (a panic abort, say) has no code: make it fail every assertion.
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Copies the demo product's sources (not its built packages) into `dir`.
pub fn demo_repo(dir: &Path) -> PathBuf {
    let repo = dir.join("repo");
    for rel in [
        "umd-product.yaml",
        "CHANGELOG.md",
        "LICENSE",
        "debian/changelog",
        "debian/control",
        "debian/copyright",
        "rpm/site-info-publisher.spec",
    ] {
        let to = repo.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(demo_dir().join(rel), &to).unwrap();
    }
    repo
}

/// Replaces `from` by `to` in a file of the repo, failing if `from` is absent
/// (so a test cannot silently stop testing what it claims).
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Registers the demo product in the fake GitHub's tracking repository
/// `egi/umd-tracker` (its `products/` file, read through the contents API).
pub fn register_demo(gh: &fake_github::FakeGitHub) {
    let reg = std::fs::read_to_string(
        manifest_dir().join("examples/tracker/products/site-info-publisher.yaml"),
    )
    .unwrap();
    gh.set_file(
        "egi",
        "umd-tracker",
        "products/site-info-publisher.yaml",
        &reg,
    );
}

/// A GitHub tracker on the fake's `egi/umd-tracker`, as tests look inside it.
pub fn github_tracker(
    gh: &fake_github::FakeGitHub,
    token: &str,
) -> umd_release::tracker::github::GitHubTracker {
    use umd_release::tracker::github::{Auth, GitHubConfig, GitHubTracker, Secret};
    GitHubTracker::new(GitHubConfig {
        api_url: gh.url(),
        owner: "egi".into(),
        repo: "umd-tracker".into(),
        auth: Auth::Token(Secret::new(token)),
        max_wait: std::time::Duration::from_secs(10),
        timeout: std::time::Duration::from_secs(60),
    })
    .unwrap()
}

/// A real webhook payload from the fixtures, aimed at issue `number` and sent by `sender`.
pub fn payload(name: &str, number: u64, sender: &str) -> serde_json::Value {
    let path = manifest_dir().join(format!(
        "tests/fixtures/github/webhooks/{name}.payload.json"
    ));
    let mut p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    p["issue"]["number"] = number.into();
    p["sender"]["login"] = sender.into();
    p["repository"]["full_name"] = "egi/umd-tracker".into();
    p
}

/// Asserts that `text` (a run's output) says `what`, showing it all if not.
#[track_caller]
pub fn says(text: &str, what: &str) {
    assert!(text.contains(what), "{text}");
}

/// `umd-release intake` filing into `tracker` the products of `registry`, its state in `state`.
pub fn intake(tracker: &str, registry: &Path, state: &Path) -> Command {
    umd(&[
        "intake",
        "--tracker",
        tracker,
        "--registry",
        registry.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ])
}

/// Asserts that none of `tokens` shows in a run's output.
#[track_caller]
pub fn no_leak(r: &Run, tokens: &[&str]) {
    for t in tokens {
        assert!(
            !r.stdout.contains(t) && !r.stderr.contains(t),
            "the token leaked:\n{}\n{}",
            r.stdout,
            r.stderr
        );
    }
}

/// The demo product's sources in `example-org/site-info-publisher` on the fake GitHub.
pub fn demo_sources(gh: &fake_github::FakeGitHub) {
    gh.add_repo("example-org", "site-info-publisher");
    for f in ["umd-product.yaml", "CHANGELOG.md", "debian/changelog"] {
        gh.set_file(
            "example-org",
            "site-info-publisher",
            f,
            &std::fs::read_to_string(demo_dir().join(f)).unwrap(),
        );
    }
}
