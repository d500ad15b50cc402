//! Where intake's release files come from: the provider's forge.

use super::TrackerError;
use crate::intake::RemoteAsset;

/// Where a release's files come from: the provider's forge (GitHub or GitLab).
pub trait ReleaseSource {
    /// Who reports the assets' digests, for messages ("GitHub").
    fn digest_source(&self) -> &'static str;
    /// A file of the repository at `git_ref`, `None` if absent.
    fn file_at(&self, path: &str, git_ref: Option<&str>) -> Result<Option<String>, TrackerError>;
    /// Streams `asset` to `to`; returns its sha256 (hex).
    fn download(&self, asset: &RemoteAsset, to: &std::path::Path) -> Result<String, TrackerError>;
}
