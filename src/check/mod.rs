//! Rules: pure functions from release facts and a policy to findings. Nothing
//! here reads a file or talks to a network; [`crate::release::gather`] did that.

pub mod license;
pub mod report;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::package::{Package, PackageFormat};
use crate::policy::card::FILE_NAME as CARD_FILE;
use crate::policy::{Format, Policy, ProductCard, Severity, Target};
use crate::release::ReleaseFacts;
use crate::release::changelog::ChangelogKind;
use crate::release::tag::{self, TagVersion};
use crate::rules;

/// Where a finding points: a file and, where there is one, a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl Location {
    fn file(file: impl Into<PathBuf>) -> Self {
        Location {
            file: file.into(),
            line: None,
        }
    }
    fn at(file: impl Into<PathBuf>, line: usize) -> Self {
        Location {
            file: file.into(),
            line: Some(line),
        }
    }
}

/// One problem, like a compiler diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    pub hint: String,
    /// The seed section or Quality Criterion the rule enforces.
    pub source: &'static str,
}

/// Which packages a target got.
#[derive(Debug, Clone, Serialize)]
pub struct TargetCoverage {
    pub id: String,
    pub name: String,
    pub required: bool,
    pub retired: bool,
    /// Package files (relative to the artifacts directory) built for the target.
    pub packages: Vec<PathBuf>,
}

/// The verdict of one policy on one release.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyReport {
    pub policy: String,
    pub name: String,
    pub passed: bool,
    pub tag: TagVersion,
    pub targets: Vec<TargetCoverage>,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub findings: Vec<Finding>,
}

/// Collects findings, applying the policy's severities.
struct Sink<'a> {
    policy: &'a Policy,
    findings: Vec<Finding>,
}

impl Sink<'_> {
    fn push(&mut self, rule: &str, message: String, location: Option<Location>, hint: String) {
        // Rule ids are compile-time constants below; an unknown one is a bug caught by tests.
        let Some(rule) = rules::lookup(rule) else {
            debug_assert!(false, "unknown rule {rule}");
            return;
        };
        let severity = self.policy.severity(rule);
        if severity == Severity::Off {
            return;
        }
        self.findings.push(Finding {
            rule: rule.id,
            severity,
            message,
            location,
            hint,
            source: rule.source,
        });
    }
}

/// What every rule sees.
struct Ctx<'a> {
    facts: &'a ReleaseFacts,
    policy: &'a Policy,
    tag: &'a TagVersion,
    /// The packages' paths as the user knows them (artifacts dir joined).
    artifacts: &'a Path,
}

impl Ctx<'_> {
    fn package_path(&self, p: &Package) -> PathBuf {
        self.artifacts.join(&p.file)
    }
}

/// Checks a release against one policy.
pub fn check(facts: &ReleaseFacts, policy: &Policy) -> PolicyReport {
    let tag = tag::parse(&facts.tag, &policy.tag);
    let artifacts = facts.artifacts.clone().unwrap_or_default();
    let ctx = Ctx {
        facts,
        policy,
        tag: &tag,
        artifacts: &artifacts,
    };
    let mut sink = Sink {
        policy,
        findings: Vec::new(),
    };
    check_tag(&ctx, &mut sink);
    let targets = check_targets(&ctx, &mut sink);
    check_versions(&ctx, &mut sink);
    check_card(&ctx, &mut sink);
    check_license(&ctx, &mut sink);
    check_changelogs(&ctx, &mut sink);
    check_release_notes(&ctx, &mut sink);
    check_contents(&ctx, &mut sink);

    let mut findings = sink.findings;
    // Most severe first, then in file order, so reports read top-down.
    findings.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| {
            a.location
                .as_ref()
                .map(|l| (&l.file, l.line))
                .cmp(&b.location.as_ref().map(|l| (&l.file, l.line)))
        })
    });
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    PolicyReport {
        policy: policy.id.clone(),
        name: policy.name.clone(),
        passed: count(Severity::Error) == 0,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notes: count(Severity::Note),
        tag,
        targets,
        findings,
    }
}

fn check_tag(ctx: &Ctx, sink: &mut Sink) {
    if let Some(problem) = &ctx.tag.problem {
        let hint = match &problem.suggestion {
            Some(s) => {
                format!("tag the release as `{s}` (semantic versioning, https://semver.org)")
            }
            None => "tag releases as MAJOR.MINOR.PATCH, e.g. `1.4.0` (https://semver.org)".into(),
        };
        sink.push("tag-semver", problem.message.clone(), None, hint);
    }
}

/// Whether `marker` stands as a token in `text`: not glued to letters or digits
/// around it, except that a digit may precede a marker that starts with a letter
/// (`0ubuntu16.04`).
fn has_marker(text: &str, marker: &str) -> bool {
    let text = text.to_ascii_lowercase();
    let marker = marker.to_ascii_lowercase();
    let starts_alpha = marker.starts_with(|c: char| c.is_ascii_alphabetic());
    text.match_indices(&marker).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + marker.len()..].chars().next();
        let before_ok = match before {
            None => true,
            Some(c) => !c.is_ascii_alphanumeric() || (starts_alpha && c.is_ascii_digit()),
        };
        before_ok && after.is_none_or(|c| !c.is_ascii_alphanumeric())
    })
}

/// The target a package is built for, by format and markers.
pub fn target_of<'p>(policy: &'p Policy, pkg: &Package) -> Option<&'p Target> {
    let format = match pkg.format {
        PackageFormat::Rpm => Format::Rpm,
        PackageFormat::Deb => Format::Deb,
    };
    let dirs: Vec<String> = pkg
        .file
        .parent()
        .into_iter()
        .flat_map(|p| p.components())
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    policy.targets.iter().find(|t| {
        t.format == format
            && t.markers.iter().any(|m| {
                has_marker(&pkg.release, m) || dirs.iter().any(|d| d.eq_ignore_ascii_case(m))
            })
    })
}

fn check_targets(ctx: &Ctx, sink: &mut Sink) -> Vec<TargetCoverage> {
    let mut coverage: Vec<TargetCoverage> = ctx
        .policy
        .targets
        .iter()
        .map(|t| TargetCoverage {
            id: t.id.clone(),
            name: t.name.clone(),
            required: t.required,
            retired: ctx.policy.target_retired(t),
            packages: Vec::new(),
        })
        .collect();
    for pkg in &ctx.facts.packages {
        let path = ctx.package_path(pkg);
        let Some(target) = target_of(ctx.policy, pkg) else {
            let names: Vec<String> = ctx
                .policy
                .targets
                .iter()
                .map(|t| {
                    format!(
                        "{} ({} with {})",
                        t.name,
                        ext(t.format),
                        t.markers.join("/")
                    )
                })
                .collect();
            sink.push(
                "package-no-target",
                format!(
                    "{} ({} {}-{}) is built for none of {}'s targets",
                    pkg.file.display(),
                    pkg.name,
                    pkg.version,
                    pkg.release,
                    ctx.policy.name
                ),
                Some(Location::file(path)),
                format!("{} ships: {}", ctx.policy.name, names.join(", ")),
            );
            continue;
        };
        if let Some(c) = coverage.iter_mut().find(|c| c.id == target.id) {
            c.packages.push(pkg.file.clone());
        }
        if !target.arch.iter().any(|a| a == &pkg.arch) {
            sink.push(
                "package-arch",
                format!(
                    "{} is built for architecture `{}`, which {} does not carry",
                    pkg.file.display(),
                    pkg.arch,
                    target.name
                ),
                Some(Location::file(path.clone())),
                format!("build it for one of: {}", target.arch.join(", ")),
            );
        }
        if ctx.policy.target_retired(target) {
            sink.push(
                "target-retired",
                format!(
                    "{} is built for {}, which {} no longer accepts since {}",
                    pkg.file.display(),
                    target.name,
                    ctx.policy.name,
                    target.retired_in.as_deref().unwrap_or("?")
                ),
                Some(Location::file(path)),
                "stop building packages for this target".into(),
            );
        }
    }
    for (t, c) in ctx.policy.targets.iter().zip(&coverage) {
        if t.required && !c.retired && c.packages.is_empty() {
            let (message, hint) = match &ctx.facts.artifacts {
                None => (
                    format!(
                        "no package for {} ({} requires {} packages for it); no --artifacts directory was given",
                        t.name,
                        ctx.policy.name,
                        ext(t.format)
                    ),
                    "pass the directory holding the release's .rpm and .deb files with --artifacts DIR".to_string(),
                ),
                Some(dir) => (
                    format!(
                        "no package for {} under {} ({} requires {} packages for it)",
                        t.name,
                        dir.display(),
                        ctx.policy.name,
                        ext(t.format)
                    ),
                    format!(
                        "build a {} whose {} contains one of: {} (or put it in a directory named so)",
                        ext(t.format),
                        match t.format {
                            Format::Rpm => "release (the %{dist} tag)",
                            Format::Deb => "revision",
                        },
                        t.markers.join(", ")
                    ),
                ),
            };
            let location = ctx.facts.artifacts.clone().map(Location::file);
            sink.push("target-missing", message, location, hint);
        }
    }
    coverage
}

fn ext(f: Format) -> &'static str {
    match f {
        Format::Rpm => ".rpm",
        Format::Deb => ".deb",
    }
}

/// The package release without its dist part: `1.el9` -> `1`, `1~xenial` -> `1`.
fn release_number(release: &str) -> &str {
    release
        .split(['.', '~', '+', '_'])
        .next()
        .unwrap_or(release)
}

fn check_versions(ctx: &Ctx, sink: &mut Sink) {
    let want = ctx.tag.wanted();
    for pkg in &ctx.facts.packages {
        let path = ctx.package_path(pkg);
        if !ctx.tag.matches(&pkg.version) {
            sink.push(
                "package-version",
                format!(
                    "{} is version {} but the tag `{}` releases {}",
                    pkg.file.display(),
                    pkg.version,
                    ctx.tag.tag,
                    want
                ),
                Some(Location::file(path)),
                format!("rebuild the package from the tagged commit with version {want}"),
            );
        } else if let Some(rel) = &ctx.tag.package_release
            && release_number(&pkg.release) != rel
        {
            sink.push(
                "package-version",
                format!(
                    "{} is package release {} but the tag `{}` names package release {}",
                    pkg.file.display(),
                    release_number(&pkg.release),
                    ctx.tag.tag,
                    rel
                ),
                Some(Location::file(path)),
                format!("rebuild it with `Release: {rel}%{{?dist}}` (or Debian revision {rel}), or tag {want}-{}", release_number(&pkg.release)),
            );
        }
    }
}

fn card_loc(line: usize) -> Option<Location> {
    Some(Location::at(CARD_FILE, line))
}

fn check_card(ctx: &Ctx, sink: &mut Sink) {
    let Some(card) = &ctx.facts.card else {
        sink.push(
            "card-missing",
            format!("the repository has no Product ID Card ({CARD_FILE})"),
            None,
            format!("add {CARD_FILE} at the repository root; `umd-release schema card` prints its schema"),
        );
        return;
    };
    if !ctx.policy.components.contains(card.component.get()) {
        sink.push(
            "card-component",
            format!(
                "the card declares component `{}`, which does not go to {} (it takes: {})",
                serde_json::to_value(card.component.get()).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
                ctx.policy.name,
                ctx.policy
                    .components
                    .iter()
                    .filter_map(|c| serde_json::to_value(c).ok().and_then(|v| v.as_str().map(String::from)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            card_loc(card.component.line()),
            "omit --policy to check against the distributions the card's component goes to, or correct `component`".into(),
        );
    }
    for (field, hint) in missing_fields(card) {
        sink.push(
            "card-incomplete",
            format!("the Product ID Card has no `{field}`"),
            card_loc(1),
            format!("add `{field}`: {hint}"),
        );
    }
    for (line, message, hint) in invalid_values(card) {
        sink.push("card-invalid", message, card_loc(line), hint);
    }
}

/// Fields UMD asks for that the card leaves empty, with what to put there.
fn missing_fields(card: &ProductCard) -> Vec<(&'static str, &'static str)> {
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    let mut out = Vec::new();
    let mut need = |missing: bool, field, hint| {
        if missing {
            out.push((field, hint));
        }
    };
    need(
        blank(&card.description),
        "description",
        "what the product is, in a paragraph",
    );
    need(
        blank(&card.purpose),
        "purpose",
        "what it is for, in a sentence or two",
    );
    need(
        blank(&card.technology_provider),
        "technology_provider",
        "the Technology Provider team registered in URT",
    );
    need(
        card.team_leader.is_none(),
        "team_leader",
        "`{name: ..., email: ...}` of the team leader",
    );
    need(
        blank(&card.contacts.support_email),
        "contacts.support_email",
        "the support mailing address",
    );
    need(
        blank(&card.contacts.website),
        "contacts.website",
        "the product's web site",
    );
    need(
        blank(&card.contacts.security),
        "contacts.security",
        "who to tell about security issues (an e-mail address)",
    );
    need(
        blank(&card.ggus_support_unit),
        "ggus_support_unit",
        "the GGUS Support Unit that handles the product's incidents",
    );
    need(
        card.license
            .as_ref()
            .is_none_or(|l| l.value().trim().is_empty()),
        "license",
        "the SPDX licence expression, e.g. `Apache-2.0`",
    );
    need(
        card.release_channels.is_empty(),
        "release_channels",
        "where releases are published, e.g. the GitHub releases page",
    );
    need(
        blank(&card.documentation.installation),
        "documentation.installation",
        "a link to the installation and configuration guide",
    );
    need(
        blank(&card.documentation.release_notes),
        "documentation.release_notes",
        "a link to where release notes are published",
    );
    need(
        card.support_calendar.is_empty(),
        "support_calendar",
        "the supported release lines and their end of support",
    );
    need(
        card.early_adopters.is_empty(),
        "early_adopters",
        "candidate Early Adopter sites as `NGI-Site` names",
    );
    need(
        card.capabilities.is_empty(),
        "capabilities",
        "what the product provides, e.g. `Accounting`",
    );
    out
}

/// Malformed card values: (line, message, hint). Lines are 1 when serde did not keep one.
fn invalid_values(card: &ProductCard) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let emails = [
        (
            "team_leader.email",
            card.team_leader.as_ref().map(|p| p.email.as_str()),
        ),
        (
            "contacts.support_email",
            card.contacts.support_email.as_deref(),
        ),
        ("contacts.security", card.contacts.security.as_deref()),
    ];
    for (field, value) in emails {
        if let Some(v) = value.filter(|v| !v.trim().is_empty())
            && !is_email(v)
        {
            out.push((
                1,
                format!("`{field}` is `{v}`, which is not an e-mail address"),
                "write an address such as `support@example.org`".into(),
            ));
        }
    }
    let docs = &card.documentation;
    let links = [
        ("contacts.website", card.contacts.website.as_deref()),
        ("documentation.installation", docs.installation.as_deref()),
        ("documentation.configuration", docs.configuration.as_deref()),
        ("documentation.release_notes", docs.release_notes.as_deref()),
        ("documentation.known_issues", docs.known_issues.as_deref()),
    ];
    for (field, value) in links.into_iter().chain(
        docs.other
            .iter()
            .map(|o| ("documentation.other", Some(o.as_str()))),
    ) {
        if let Some(v) = value.filter(|v| !v.trim().is_empty())
            && !(v.starts_with("https://") || v.starts_with("http://"))
        {
            out.push((
                1,
                format!("`{field}` is `{v}`, which is not an http(s) link"),
                "write a full URL starting with https://".into(),
            ));
        }
    }
    for line in &card.support_calendar {
        for (field, v) in [
            ("end_of_support", Some(&line.end_of_support)),
            ("end_of_security", line.end_of_security.as_ref()),
        ] {
            if let Some(v) = v
                && time::Date::parse(
                    v,
                    &time::macros::format_description!("[year]-[month]-[day]"),
                )
                .is_err()
            {
                out.push((
                    1,
                    format!(
                        "support_calendar {}: `{field}: {v}` is not a date",
                        line.version
                    ),
                    "write dates as YYYY-MM-DD".into(),
                ));
            }
        }
    }
    for site in &card.early_adopters {
        if !is_site_name(site.value()) {
            out.push((
                site.line(),
                format!("early Adopter site `{}` is not an `<NGI>-<Site-name>` name", site.value()),
                "name the site as the Staged Rollout procedure does, NGI then site, e.g. `NGI_IT-INFN-CNAF`".into(),
            ));
        }
    }
    for handle in &card.contacts.github {
        let h = handle.trim_start_matches('@');
        let valid = !h.is_empty()
            && h.len() <= 39
            && !h.starts_with('-')
            && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid {
            out.push((
                1,
                format!("`contacts.github` has `{handle}`, which is not a GitHub login"),
                "write logins without spaces, e.g. `jdoe`".into(),
            ));
        }
    }
    out
}

fn is_email(v: &str) -> bool {
    let mut parts = v.trim().splitn(2, '@');
    let (Some(user), Some(host)) = (parts.next(), parts.next()) else {
        return false;
    };
    !user.is_empty() && host.contains('.') && !v.contains(char::is_whitespace)
}

/// `<NGI>-<Site-name>` (seed "Staged Rollout"): two non-empty parts, no spaces.
pub fn is_site_name(v: &str) -> bool {
    match v.split_once('-') {
        Some((ngi, site)) => {
            !ngi.is_empty()
                && !site.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        }
        None => false,
    }
}

fn check_license(ctx: &Ctx, sink: &mut Sink) {
    let Some(card) = &ctx.facts.card else { return };
    let Some(lic) = &card.license else { return };
    if lic.value().trim().is_empty() {
        return;
    }
    let expr = match license::parse_strict(lic.value()) {
        Ok(e) => e,
        Err(suggestion) => {
            let hint = match suggestion {
                Some(s) => format!("write the SPDX expression `{s}`"),
                None => "write an SPDX licence expression from https://spdx.org/licenses/, e.g. `Apache-2.0`".into(),
            };
            sink.push(
                "license-spdx",
                format!(
                    "the card's licence `{}` is not an SPDX expression",
                    lic.value()
                ),
                card_loc(lic.line()),
                hint,
            );
            return;
        }
    };
    let refused = license::refused(&expr, &ctx.policy.licenses);
    if !refused.is_empty() {
        sink.push(
            "license-not-approved",
            format!(
                "the licence `{expr}` is not accepted by {}: {} is neither OSI-approved nor allowed",
                ctx.policy.name,
                refused.join(", ")
            ),
            card_loc(lic.line()),
            "release under an OSI-approved licence (https://opensource.org/licenses), or ask the distribution to list it in `licenses.allow`".into(),
        );
    }
    let want = license::ids(&expr);
    for pkg in &ctx.facts.packages {
        let path = ctx.package_path(pkg);
        let (message, hint) = match &pkg.license {
            None => (
                format!("{} declares no licence", pkg.file.display()),
                match pkg.format {
                    PackageFormat::Deb => format!("ship a DEP-5 copyright file at usr/share/doc/{}/copyright with `License: {expr}`", pkg.name),
                    PackageFormat::Rpm => format!("set `License: {expr}` in the spec"),
                },
            ),
            Some(text) => match license::lenient(text) {
                Some(e) if license::ids(&e) == want => continue,
                Some(e) => (
                    format!("{} declares licence `{text}` ({e}), but the card says `{expr}`", pkg.file.display()),
                    "make the package's licence header and the card's `license` name the same licences".into(),
                ),
                None => (
                    format!("{} declares licence `{text}`, which is not a licence expression the card's `{expr}` can be compared with", pkg.file.display()),
                    match pkg.format {
                        PackageFormat::Deb => "use SPDX identifiers in the copyright file's `License:` field".into(),
                        PackageFormat::Rpm => format!("set `License: {expr}` in the spec"),
                    },
                ),
            },
        };
        sink.push(
            "license-mismatch",
            message,
            Some(Location::file(path)),
            hint,
        );
    }
}

fn check_changelogs(ctx: &Ctx, sink: &mut Sink) {
    if ctx.facts.changelogs.is_empty() {
        sink.push(
            "changelog-missing",
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
                        "changelog-entry",
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
                            "changelog-entry",
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
                        "changelog-version",
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
                        "changelog-version",
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

fn check_release_notes(ctx: &Ctx, sink: &mut Sink) {
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
        "release-notes",
        message,
        location,
        format!(
            "write the notes under `## [{}] - YYYY-MM-DD` in CHANGELOG.md, or pass --notes FILE",
            ctx.tag.wanted()
        ),
    );
}

fn check_contents(ctx: &Ctx, sink: &mut Sink) {
    for pkg in &ctx.facts.packages {
        let path = ctx.package_path(pkg);
        if !pkg.world_writable.is_empty() {
            let shown: Vec<&str> = pkg
                .world_writable
                .iter()
                .take(5)
                .map(String::as_str)
                .collect();
            let more = pkg.world_writable.len().saturating_sub(shown.len());
            sink.push(
                "world-writable",
                format!(
                    "{} installs world-writable {}: {}{}",
                    pkg.file.display(),
                    if pkg.world_writable.len() == 1 {
                        "path"
                    } else {
                        "paths"
                    },
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ),
                Some(Location::file(path.clone())),
                match pkg.format {
                    PackageFormat::Rpm => {
                        "install them with mode 0644 or 0755 (`%attr(0644,root,root)` in %files)"
                            .into()
                    }
                    PackageFormat::Deb => {
                        "chmod them to 0644 or 0755 before `dpkg-deb --build`".into()
                    }
                },
            );
        }
        if !pkg.signed {
            sink.push(
                "package-unsigned",
                format!("{} is not signed", pkg.file.display()),
                Some(Location::file(path)),
                match pkg.format {
                    PackageFormat::Rpm => "sign it with `rpmsign --addsign`".into(),
                    PackageFormat::Deb => "sign it with `debsigs --sign=origin`".into(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_match_as_tokens() {
        assert!(has_marker("1.el7", "el7"));
        assert!(has_marker("1.el7_9", "el7"));
        assert!(has_marker("1.el7.centos", "el7"));
        assert!(!has_marker("1.el70", "el7"));
        assert!(!has_marker("1.xel7", "el7"));
        assert!(has_marker("1~xenial", "xenial"));
        assert!(has_marker("0ubuntu16.04.1", "ubuntu16.04"));
        assert!(!has_marker("1", "el7"));
    }

    #[test]
    fn release_numbers_drop_the_dist() {
        assert_eq!(release_number("1.el9"), "1");
        assert_eq!(release_number("12~xenial"), "12");
        assert_eq!(release_number(""), "");
    }

    #[test]
    fn site_names() {
        assert!(is_site_name("NGI_IT-INFN-CNAF"));
        assert!(is_site_name("NGI_DE-FZK-LCG2"));
        assert!(!is_site_name("INFN CNAF"));
        assert!(!is_site_name("CNAF"));
        assert!(!is_site_name("-CNAF"));
    }
}
