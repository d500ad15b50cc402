//! Every label the tool reads or writes, and its own login, in one place: a
//! tracker's labels are its vocabulary, so a rename is one edit here.

/// The login the tool acts as on the embedded tracker, and the default actor.
pub const TOOL_LOGIN: &str = "umd-release";

/// Stage labels are `state:<stage>` (GitLab shows them as `state::<stage>`).
pub const STATE_PREFIX: &str = "state:";
/// `dist:<policy id>`: the distribution a submission goes to.
pub const DIST_PREFIX: &str = "dist:";
/// `product:<name>`: every submission of a product, the lookup label.
pub const PRODUCT_PREFIX: &str = "product:";

/// A stage past its deadline; the stage label stays.
pub const DELAYED: &str = "delayed";
/// A second issue for a submission that already has one.
pub const DUPLICATE: &str = "duplicate";
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

/// The labels that are not stages, with their colour and description, for `init`.
pub const FLAGS: [(&str, &str, &str); 6] = [
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
const SCOPED: [&str; 3] = ["state", "dist", "product"];

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
    fn scoped_labels_both_ways() {
        for (core, gl) in [
            ("state:unverified", "state::unverified"),
            ("dist:cmd-os-1", "dist::cmd-os-1"),
            (
                "product:site-info-publisher",
                "product::site-info-publisher",
            ),
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
