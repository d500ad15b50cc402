//! Every label the tool reads or writes, and its own login, in one place: a
//! tracker's labels are its vocabulary, so a rename is one edit here.

/// The login the tool acts as on the embedded tracker, and the default actor.
pub const TOOL_LOGIN: &str = "umd-release";

/// Stage labels are `state:<stage>` (GitLab shows them as `state::<stage>`).
pub const STATE_PREFIX: &str = "state:";
/// `dist:<policy id>`: the distribution a submission goes to.
pub const DIST_PREFIX: &str = "dist:";
/// `product:<name>`: every submission of a product.
pub const PRODUCT_PREFIX: &str = "product:";
/// `key:<hash>`: the one submission of a key (distribution, product,
/// version), so that finding it is one listing however long the product's
/// history (a forge filters by label without a search index).
pub const KEY_PREFIX: &str = "key:";

/// A stage past its deadline; the stage label stays.
pub const DELAYED: &str = "delayed";
/// A second issue for a submission that already has one.
pub const DUPLICATE: &str = "duplicate";
/// An older version closed because a newer one of the product was submitted.
pub const SUPERSEDED: &str = "superseded";
/// A submission filed through the issue form, not yet turned into a submission.
pub const REQUEST: &str = "submission-request";
/// A distribution release announcement.
pub const ANNOUNCEMENT: &str = "announcement";
/// A post-implementation review of a distribution release.
pub const REVIEW: &str = "review";
/// A review closed without an answer.
pub const UNANSWERED: &str = "unanswered";

/// The label of a distribution, `dist:cmd-os-1`.
pub fn dist(id: &str) -> String {
    format!("{DIST_PREFIX}{id}")
}

/// The label of a product, `product:site-info-publisher`.
pub fn product(name: &str) -> String {
    format!("{PRODUCT_PREFIX}{name}")
}

/// The label of a submission key (`Key::id`): `key:` and 12 hex digits of
/// its sha256, short enough for every forge's label length limit.
pub fn key(id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(id.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{KEY_PREFIX}{hex}")
}

/// The labels that are not stages, with their colour and description, for `init`.
pub const FLAGS: [(&str, &str, &str); 7] = [
    (
        DELAYED,
        "d93f0b",
        "Past the stage's deadline; the Technology Provider was told",
    ),
    (
        DUPLICATE,
        "cfd3d7",
        "A second issue for a submission that already has one",
    ),
    (
        SUPERSEDED,
        "cfd3d7",
        "An older version, closed when a newer one of the product was submitted",
    ),
    (
        REQUEST,
        "fbca04",
        "A submission filed through the issue form, waiting to be turned into a submission",
    ),
    (
        ANNOUNCEMENT,
        "0052cc",
        "A distribution release announcement",
    ),
    (
        REVIEW,
        "c2e0c6",
        "A post-implementation review of a distribution release",
    ),
    (UNANSWERED, "e4e669", "A review closed without an answer"),
];

/// The core's label prefixes that are scoped labels on GitLab.
const SCOPED: [&str; 4] = ["state", "dist", "product", "key"];

/// The GitLab name of a core label: `state:x` is the scoped label `state::x`.
pub fn scope(label: &str) -> String {
    for prefix in SCOPED {
        if let Some(rest) = label.strip_prefix(prefix).and_then(|r| r.strip_prefix(':'))
            && !rest.starts_with(':')
        {
            return format!("{prefix}::{rest}");
        }
    }
    label.to_string()
}

/// Core label names from GitLab's scoped ones: `state::x` is `state:x`.
/// Only the tool's own prefixes are translated; other labels pass as they are.
pub fn unscope(label: &str) -> String {
    for prefix in SCOPED {
        if let Some(rest) = label
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix("::"))
        {
            return format!("{prefix}:{rest}");
        }
    }
    label.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_labels_are_short_stable_and_distinct() {
        // The sha256 of the id, as `hashlib.sha256(...).hexdigest()[:12]` gives it.
        assert_eq!(
            key("cmd-os-1/site-info-publisher/1.4.0"),
            "key:a25a887efa23"
        );
        assert_ne!(
            key("cmd-os-1/site-info-publisher/1.4.0"),
            key("cmd-os-1/site-info-publisher/1.4.1")
        );
        // GitLab and GitHub both take labels of up to 50 characters.
        assert!(key(&"x".repeat(500)).len() <= 50);
    }

    #[test]
    fn scoped_labels_both_ways() {
        for (core, gl) in [
            ("state:unverified", "state::unverified"),
            ("dist:cmd-os-1", "dist::cmd-os-1"),
            (
                "product:site-info-publisher",
                "product::site-info-publisher",
            ),
            ("key:a25a887efa23", "key::a25a887efa23"),
            ("umd-submission", "umd-submission"),
            ("other:x", "other:x"),
            ("stateful:x", "stateful:x"),
        ] {
            assert_eq!(scope(core), gl);
            assert_eq!(unscope(gl), core);
        }
        assert_eq!(scope("state::x"), "state::x");
    }
}
