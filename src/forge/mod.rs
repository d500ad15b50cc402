//! The CI run we are in: GitHub Actions (job summary, outputs, annotations)
//! and GitLab CI (log sections, Code Quality report), and the events of the
//! tracking repository.

pub mod event;
pub mod github_actions;
pub mod gitlab_ci;
