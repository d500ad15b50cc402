//! Changelogs and release notes: `changelog-missing`, `changelog-entry`,
//! `changelog-version`, `release-notes`.

use crate::release::ReleaseFacts;
use crate::release::changelog::ChangelogKind;
use crate::release::tag::TagVersion;
use crate::rules;

use super::{Ctx, Location, Sink};

pub(super) fn check_changelogs(ctx: &Ctx, sink: &mut Sink) {
    if ctx.facts.changelogs.is_empty() {
        sink.push(
            &rules::CHANGELOG_MISSING,
            "the repository has no changelog (CHANGELOG.md, CHANGELOG, debian/changelog or a spec %changelog)".into(),
            None,
            format!("add CHANGELOG.md with a section `## [{}] - YYYY-MM-DD`", ctx.tag.wanted()),
        );
        return;
    }
    let want = ctx.tag.wanted();
    for log in &ctx.facts.changelogs {
        match log.kind {
            ChangelogKind::KeepAChangelog => {
                match log.entries.iter().find(|e| ctx.tag.matches(&e.version)) {
                    Some(e) if e.body.trim().is_empty() => sink.push(
                        &rules::CHANGELOG_ENTRY,
                        format!("{}: the section for {want} is empty", log.file.display()),
                        Some(Location::at(&log.file, e.line)),
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
                            Some(Location::file(&log.file)),
                            format!("add `## [{want}] - YYYY-MM-DD` with the release's changes, e.g. by renaming `[Unreleased]`"),
                        );
                    }
                }
            }
            ChangelogKind::Debian | ChangelogKind::RpmSpec => {
                let what = if log.kind == ChangelogKind::Debian {
                    "top entry"
                } else {
                    "top %changelog entry"
                };
                match log.entries.first() {
                    Some(top) if !ctx.tag.matches(&top.version) => sink.push(
                        &rules::CHANGELOG_VERSION,
                        format!("{}:{}: the {what} is version {} but the tag releases {want}", log.file.display(), top.line, top.full_version),
                        Some(Location::at(&log.file, top.line)),
                        if log.kind == ChangelogKind::Debian {
                            format!("add an entry for {want} at the top (`dch -v {want}-1`)")
                        } else {
                            format!("add `* DAY MON DD YYYY NAME <EMAIL> - {want}-1` at the top of %changelog")
                        },
                    ),
                    Some(_) => {}
                    None => sink.push(
                        &rules::CHANGELOG_VERSION,
                        format!("{} has no entry at all", log.file.display()),
                        Some(Location::file(&log.file)),
                        format!("add an entry for {want}"),
                    ),
                }
            }
        }
    }
}

/// The release notes of the version: `--notes`, else the changelog section.
pub fn release_notes<'a>(facts: &'a ReleaseFacts, tag: &TagVersion) -> Option<&'a str> {
    if let Some(n) = &facts.notes {
        return Some(n.text.as_str()).filter(|t| !t.trim().is_empty());
    }
    [
        ChangelogKind::KeepAChangelog,
        ChangelogKind::Debian,
        ChangelogKind::RpmSpec,
    ]
    .iter()
    .flat_map(|k| facts.changelogs.iter().filter(move |c| c.kind == *k))
    .flat_map(|c| c.entries.iter())
    .find(|e| tag.matches(&e.version) && !e.body.trim().is_empty())
    .map(|e| e.body.as_str())
}

pub(super) fn check_release_notes(ctx: &Ctx, sink: &mut Sink) {
    if release_notes(ctx.facts, ctx.tag).is_some() {
        return;
    }
    let (message, location) = match &ctx.facts.notes {
        Some(n) => (
            format!("the release notes file {} is empty", n.file.display()),
            Some(Location::file(&n.file)),
        ),
        None => (
            format!(
                "no release notes for {}: no --notes file and no changelog section for the version",
                ctx.tag.wanted()
            ),
            None,
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
