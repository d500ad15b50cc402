//! The submission's identity and the hidden marker that names it.

use serde::{Deserialize, Serialize};

pub(super) const MARKER_PREFIX: &str = "<!-- umd-release:submission ";
pub(super) const COMMENT_END: &str = " -->";

/// Identifies a submission: distribution policy, product and version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub dist: String,
    pub product: String,
    pub version: String,
}

impl Key {
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.dist, self.product, self.version)
    }

    /// The hidden first line of the issue body.
    pub fn marker(&self) -> String {
        format!("{MARKER_PREFIX}{}{COMMENT_END}", self.id())
    }

    pub(super) fn parse(id: &str) -> Option<Key> {
        let mut parts = id.splitn(3, '/');
        let (dist, product, version) = (parts.next()?, parts.next()?, parts.next()?);
        let ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._+~-".contains(c))
        };
        (ok(dist) && ok(product) && ok(version)).then(|| Key {
            dist: dist.into(),
            product: product.into(),
            version: version.into(),
        })
    }

    pub fn product_label(&self) -> String {
        crate::labels::product(&self.product)
    }

    /// The label only this submission carries: how it is found again.
    pub fn key_label(&self) -> String {
        crate::labels::key(&self.id())
    }

    pub fn dist_label(&self) -> String {
        crate::labels::dist(&self.dist)
    }
}
