//! What the tests of the two trackers against their fakes share: the fake
//! set up with one repository and token, the tracker's configuration and
//! compact views of what the fakes logged.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::fake_http::Logged;
use umd_release::tracker::TrackerError;

pub fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

pub fn epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `(method, path, status)` of each logged request, for compact assertions.
pub fn summary<E>(log: &[Logged<E>]) -> Vec<(String, String, u16)> {
    log.iter()
        .map(|r| (r.method.clone(), r.path.clone(), r.status))
        .collect()
}

/// Asserts that `err` is the forge's failure with HTTP `status`.
#[track_caller]
pub fn forge_error(err: &TrackerError, status: u16) {
    assert!(
        matches!(err, TrackerError::Forge { status: Some(s), .. } if *s == status),
        "{err}"
    );
}

/// The GitHub tracker on `EGI-Federation/umd-submissions`.
pub mod github {
    use super::super::fake_github::FakeGitHub;
    use super::Duration;
    use umd_release::tracker::github::{Auth, GitHubConfig, GitHubTracker, Secret};

    pub const OWNER: &str = "EGI-Federation";
    pub const REPO: &str = "umd-submissions";
    pub const TOKEN: &str = "ghp_fakeTokenThatMustNeverBePrinted0001";

    pub fn fake() -> FakeGitHub {
        let fake = FakeGitHub::start();
        fake.add_repo(OWNER, REPO);
        fake.set_token(TOKEN);
        fake
    }

    pub fn config(fake: &FakeGitHub, token: &str, max_wait_secs: u64) -> GitHubConfig {
        GitHubConfig {
            api_url: fake.url(),
            owner: OWNER.into(),
            repo: REPO.into(),
            auth: Auth::Token(Secret::new(token)),
            max_wait: Duration::from_secs(max_wait_secs),
            timeout: Duration::from_secs(60),
        }
    }

    pub fn tracker(fake: &FakeGitHub) -> GitHubTracker {
        GitHubTracker::new(config(fake, TOKEN, 30)).unwrap()
    }
}

/// The GitLab tracker on `egi/umd-tracker`.
pub mod gitlab {
    use super::super::fake_gitlab::FakeGitLab;
    use super::Duration;
    use umd_release::tracker::github::Secret;
    use umd_release::tracker::gitlab::{GitLabConfig, GitLabTracker};

    pub const PROJECT: &str = "egi/umd-tracker";
    /// The project's `:id` as the tracker sends it.
    pub const PROJECT_ID: &str = "egi%2Fumd-tracker";
    pub const TOKEN: &str = "glpat-fakeTokenThatMustNeverBePrinted01";

    pub fn fake() -> FakeGitLab {
        let fake = FakeGitLab::start();
        fake.add_project(PROJECT);
        fake.set_token(TOKEN);
        fake
    }

    pub fn config(fake: &FakeGitLab, token: &str, max_wait_secs: u64) -> GitLabConfig {
        GitLabConfig {
            api_url: fake.url(),
            project: PROJECT.into(),
            token: Secret::new(token),
            max_wait: Duration::from_secs(max_wait_secs),
            timeout: Duration::from_secs(60),
        }
    }

    pub fn tracker(fake: &FakeGitLab) -> GitLabTracker {
        GitLabTracker::new(config(fake, TOKEN, 30)).unwrap()
    }
}
