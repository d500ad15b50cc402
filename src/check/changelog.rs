//! Changelogs and release notes: `changelog-missing`, `changelog-entry`,
//! `changelog-version`, `release-notes`.

use crate::release::changelog::ChangelogKind;
use crate::release::tag::{self, TagVersion};
use crate::release::{Changelog, ReleaseFacts};
use crate::rules;

use super::{Ctx, Location, Sink};

/// The changelog a repository without one is asked to add.
const EXPECTED_NOTES: &str = "CHANGELOG.md";

pub(super) fn check_changelogs(ctx: &Ctx, sink: &mut Sink) {
    if ctx.facts.changelogs.is_empty() && ctx.facts.unchosen.is_empty() {
        sink.push(
            &rules::CHANGELOG_MISSING,
            "the repository has no changelog (CHANGELOG.md, CHANGELOG, RELEASE-NOTES, NEWS, ChangeLog, debian/changelog or a spec %changelog)".into(),
            Location::file(EXPECTED_NOTES),
            format!("add CHANGELOG.md with a section `## [{}] - YYYY-MM-DD`", ctx.tag.wanted()),
        );
        return;
    }
    if !ctx.facts.unchosen.is_empty() {
        let files: Vec<String> = ctx
            .facts
            .unchosen
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        sink.push(
            &rules::CHANGELOG_UNCHOSEN,
            format!(
                "{} packaging changelogs, none named as the product, so none is compared with the tag: {}",
                files.len(),
                files.join(", ")
            ),
            Location::file(ctx.facts.unchosen.first().cloned().unwrap_or_default()),
            "list the product's changelog files in the card's `changelogs`, or set the card's `name` to the product's package name".into(),
        );
    }
    let want = ctx.tag.wanted();
    for log in &ctx.facts.changelogs {
        // One finding per file: the first problem, and where the others are.
        if let Some(first) = log.warnings.first() {
            let more = &log.warnings[1..];
            let also = match more.len() {
                0 => String::new(),
                n => {
                    let lines: Vec<String> =
                        more.iter().take(10).map(|w| w.line.to_string()).collect();
                    let etc = if n > 10 { ", …" } else { "" };
                    format!(
                        " ({n} more such line{}: {}{etc})",
                        if n == 1 { "" } else { "s" },
                        lines.join(", ")
                    )
                }
            };
            sink.push(
                &rules::CHANGELOG_FORMAT,
                format!("{}{also}", first.message),
                Location::at(&first.file, first.line),
                "correct the line; rpmbuild and dpkg-parsechangelog read past it, but only with a warning or by skipping the entry".into(),
            );
        }
        match log.kind {
            ChangelogKind::KeepAChangelog | ChangelogKind::ReleaseNotes => {
                match log
                    .entries
                    .iter()
                    .find(|e| ctx.tag.names_entry(&e.version, &e.expanded))
                {
                    Some(e) if e.body.trim().is_empty() => sink.push(
                        &rules::CHANGELOG_ENTRY,
                        format!("{}: the section for {want} is empty", log.file.display()),
                        Location::at(&log.file, e.line),
                        "say what changed in this release under the heading".into(),
                    ),
                    Some(_) => {}
                    None => {
                        let top = log
                            .entries
                            .first()
                            .map(|e| format!(" (the newest section is {})", e.version))
                            .unwrap_or_default();
                        sink.push(
                            &rules::CHANGELOG_ENTRY,
                            format!("{} has no section for {want}{top}", log.file.display()),
                            Location::file(&log.file),
                            format!("add `## [{want}] - YYYY-MM-DD` with the release's changes, e.g. by renaming `[Unreleased]`"),
                        );
                    }
                }
            }
            ChangelogKind::Debian | ChangelogKind::RpmSpec => top_entry(ctx, sink, log),
        }
    }
}

/// `changelog-version` for debian/changelog and a spec: the top entry is the
/// tagged release, compared part by part (epoch, version, release).
fn top_entry(ctx: &Ctx, sink: &mut Sink, log: &Changelog) {
    let deb = log.kind == ChangelogKind::Debian;
    let what = if deb {
        "top entry"
    } else {
        "top %changelog entry"
    };
    let (want, want_release) = ctx.tag.parts();
    let hint = |v: &str| {
        let full = format!("{v}-{}", want_release.unwrap_or("1"));
        if deb {
            format!("add an entry for {v} at the top (`dch -v {full}`)")
        } else {
            format!("add `* DAY MON DD YYYY NAME <EMAIL> - {full}` at the top of %changelog")
        }
    };
    let Some(top) = log.entries.first() else {
        sink.push(
            &rules::CHANGELOG_VERSION,
            format!("{} has no entry at all", log.file.display()),
            Location::file(&log.file),
            hint(want),
        );
        return;
    };
    let at = Location::at(&log.file, top.line);
    let file = log.file.display();
    if top.expanded.is_empty() {
        sink.push(
            &rules::CHANGELOG_VERSION,
            format!(
                "{file}:{}: the {what} names no version, so it cannot be the release of {want}",
                top.line
            ),
            at,
            hint(want),
        );
        return;
    }
    let (no_epoch, _) = tag::split_epoch(&top.expanded);
    let (version, release) = match no_epoch.rsplit_once('-') {
        Some((v, r)) if !v.is_empty() => (v, Some(r)),
        _ => (no_epoch, None),
    };
    let macro_note = if top.full_version != top.expanded {
        format!(" (written `{}`)", top.full_version)
    } else {
        String::new()
    };
    if !ctx.tag.names_entry(&top.version, &top.expanded) {
        sink.push(
            &rules::CHANGELOG_VERSION,
            format!(
                "{file}:{}: the {what} is {}{macro_note}: its version {version} is not {want}, the version the tag `{}` releases",
                top.line, top.expanded, ctx.tag.tag
            ),
            at,
            hint(want),
        );
        return;
    }
    // Same version: a tag that names the package release must name this one.
    if let (Some(wr), Some(r)) = (want_release, release)
        && super::versions::release_number(r) != super::versions::release_number(wr)
    {
        sink.push(
            &rules::CHANGELOG_VERSION,
            format!(
                "{file}:{}: the {what} is {}{macro_note}: version {version} is right but its release {r} is not {wr}, the release the tag `{}` names",
                top.line, top.expanded, ctx.tag.tag
            ),
            at,
            hint(want),
        );
    }
}

/// The release notes of the version: `--notes`, else the changelog section.
pub fn release_notes<'a>(facts: &'a ReleaseFacts, tag: &TagVersion) -> Option<&'a str> {
    if let Some(n) = &facts.notes {
        return Some(n.text.as_str()).filter(|t| !t.trim().is_empty());
    }
    [
        ChangelogKind::KeepAChangelog,
        ChangelogKind::ReleaseNotes,
        ChangelogKind::Debian,
        ChangelogKind::RpmSpec,
    ]
    .iter()
    .flat_map(|k| facts.changelogs.iter().filter(move |c| c.kind == *k))
    .flat_map(|c| c.entries.iter())
    .find(|e| tag.names_entry(&e.version, &e.expanded) && !e.body.trim().is_empty())
    .map(|e| e.body.as_str())
}

pub(super) fn check_release_notes(ctx: &Ctx, sink: &mut Sink) {
    if release_notes(ctx.facts, ctx.tag).is_some() {
        return;
    }
    let (message, location) = match &ctx.facts.notes {
        Some(n) => (
            format!("the release notes file {} is empty", n.file.display()),
            Location::given(&n.file),
        ),
        None => (
            format!(
                "no release notes for {}: no --notes file and no changelog section for the version",
                ctx.tag.wanted()
            ),
            // Where the notes were looked for: the product's own changelog.
            Location::file(
                ctx.facts
                    .changelogs
                    .iter()
                    .find(|c| {
                        matches!(
                            c.kind,
                            ChangelogKind::KeepAChangelog | ChangelogKind::ReleaseNotes
                        )
                    })
                    .map_or_else(|| EXPECTED_NOTES.into(), |c| c.file.clone()),
            ),
        ),
    };
    sink.push(
        &rules::RELEASE_NOTES,
        message,
        location,
        format!(
            "write the notes under `## [{}] - YYYY-MM-DD` in CHANGELOG.md, or pass --notes FILE",
            ctx.tag.wanted()
        ),
    );
}
