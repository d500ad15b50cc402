//! The tag and the packages' versions: `tag-semver`, `package-version`.

use super::{CARD_FILE, Ctx, Location, Sink};
use crate::rules;

pub(super) fn check_tag(ctx: &Ctx, sink: &mut Sink) {
    if let Some(problem) = &ctx.tag.problem {
        let hint = match &problem.suggestion {
            Some(s) => {
                format!("tag the release as `{s}` (semantic versioning, https://semver.org)")
            }
            None => "tag releases as MAJOR.MINOR.PATCH, e.g. `1.4.0` (https://semver.org)".into(),
        };
        // A tag is in no file: the finding is about the release, so it points at its card.
        sink.push(
            &rules::TAG_SEMVER,
            problem.message.clone(),
            Location::file(CARD_FILE),
            hint,
        );
    }
}

/// The package release without its dist part: `1.el9` -> `1`, `1~xenial` -> `1`.
pub(super) fn release_number(release: &str) -> &str {
    release
        .split(['.', '~', '+', '_'])
        .next()
        .unwrap_or(release)
}

pub(super) fn check_versions(ctx: &Ctx, sink: &mut Sink) {
    let want = ctx.tag.wanted();
    for pkg in &ctx.facts.packages {
        let path = ctx.package_path(pkg);
        if !ctx.tag.matches(&pkg.version) {
            sink.push(
                &rules::PACKAGE_VERSION,
                format!(
                    "{} is version {} but the tag `{}` releases {}",
                    pkg.file.display(),
                    pkg.version,
                    ctx.tag.tag,
                    want
                ),
                Location::given(path),
                format!("rebuild the package from the tagged commit with version {want}"),
            );
        } else if let Some(rel) = &ctx.tag.package_release
            && release_number(&pkg.release) != rel
        {
            sink.push(
                &rules::PACKAGE_VERSION,
                format!(
                    "{} is package release {} but the tag `{}` names package release {}",
                    pkg.file.display(),
                    release_number(&pkg.release),
                    ctx.tag.tag,
                    rel
                ),
                Location::given(path),
                format!("rebuild it with `Release: {rel}%{{?dist}}` (or Debian revision {rel}), or tag {want}-{}", release_number(&pkg.release)),
            );
        }
    }
}
