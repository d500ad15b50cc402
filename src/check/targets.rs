//! Which distribution target each package is built for: `package-no-target`,
//! `package-arch`, `target-retired`, `target-missing`.

use crate::package::{Package, PackageFormat};
use crate::policy::{Format, Policy, Target};
use crate::rules;

use super::{CARD_FILE, Ctx, Location, Sink, TargetCoverage};

/// Whether `marker` stands as a token in `text`: not glued to letters or digits
/// around it, except that a digit may precede a marker that starts with a letter
/// (`0ubuntu16.04`).
pub(super) fn has_marker(text: &str, marker: &str) -> bool {
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

/// Places each package on a target; returns what each target got.
pub(super) fn check_targets(ctx: &Ctx, sink: &mut Sink) -> Vec<TargetCoverage> {
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
        let Some(target) = target_of(ctx.policy, pkg) else {
            no_target(ctx, sink, pkg);
            continue;
        };
        if let Some(c) = coverage.iter_mut().find(|c| c.id == target.id) {
            c.packages.push(pkg.file.clone());
        }
        on_target(ctx, sink, pkg, target);
    }
    let missing: Vec<&Target> = ctx
        .policy
        .targets
        .iter()
        .zip(&coverage)
        .filter(|(t, c)| t.required && !c.retired && c.packages.is_empty())
        .map(|(t, _)| t)
        .collect();
    if ctx.facts.packages.is_empty() {
        // No package at all is one problem, worded alike under every policy
        // (the targets it leaves bare are in the coverage).
        if !missing.is_empty() {
            no_packages(ctx, sink);
        }
    } else {
        for t in missing {
            missing_target(ctx, sink, t);
        }
    }
    coverage
}

/// `package-no-target`: the package matches none of the policy's targets.
fn no_target(ctx: &Ctx, sink: &mut Sink, pkg: &Package) {
    let path = ctx.package_path(pkg);
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
        &rules::PACKAGE_NO_TARGET,
        format!(
            "{} ({} {}-{}) is built for none of {}'s targets",
            pkg.file.display(),
            pkg.name,
            pkg.version,
            pkg.release,
            ctx.policy.name
        ),
        Location::given(path),
        format!("{} ships: {}", ctx.policy.name, names.join(", ")),
    );
}

/// `package-arch` and `target-retired` for a package placed on `target`.
fn on_target(ctx: &Ctx, sink: &mut Sink, pkg: &Package, target: &Target) {
    let path = ctx.package_path(pkg);
    if !target.arch.iter().any(|a| a == &pkg.arch) {
        sink.push(
            &rules::PACKAGE_ARCH,
            format!(
                "{} is built for architecture `{}`, which {} does not carry",
                pkg.file.display(),
                pkg.arch,
                target.name
            ),
            Location::given(path.clone()),
            format!("build it for one of: {}", target.arch.join(", ")),
        );
    }
    if ctx.policy.target_retired(target) {
        sink.push(
            &rules::TARGET_RETIRED,
            format!(
                "{} is built for {}, which {} no longer accepts since {}",
                pkg.file.display(),
                target.name,
                ctx.policy.name,
                target.retired_in.as_deref().unwrap_or("?")
            ),
            Location::given(path),
            "stop building packages for this target".into(),
        );
    }
}

/// `target-missing` when the release has no package at all.
fn no_packages(ctx: &Ctx, sink: &mut Sink) {
    let (message, location, hint) = match &ctx.facts.artifacts {
        None => (
            "no package for any target: no --artifacts directory was given".to_string(),
            // The card's component decides the distributions, hence the targets.
            Location::file(CARD_FILE),
            "pass the directory holding the release's .rpm and .deb files with --artifacts DIR"
                .to_string(),
        ),
        Some(dir) => (
            format!(
                "no package for any target: no .rpm or .deb file under {}",
                dir.display()
            ),
            Location::given(dir),
            format!(
                "build the release's packages into {} (`umd-release policies` lists each distribution's targets)",
                dir.display()
            ),
        ),
    };
    sink.push(&rules::TARGET_MISSING, message, location, hint);
}

/// `target-missing`: a required, live target got no package, though others did.
fn missing_target(ctx: &Ctx, sink: &mut Sink, t: &Target) {
    let dir = ctx.facts.artifacts.clone().unwrap_or_default();
    sink.push(
        &rules::TARGET_MISSING,
        format!(
            "no package for {} under {} ({} packages required)",
            t.name,
            dir.display(),
            ext(t.format)
        ),
        Location::given(dir),
        format!(
            "build a {} whose {} contains one of: {} (or put it in a directory named so)",
            ext(t.format),
            match t.format {
                Format::Rpm => "release (the %{dist} tag)",
                Format::Deb => "revision",
            },
            t.markers.join(", ")
        ),
    );
}

fn ext(f: Format) -> &'static str {
    match f {
        Format::Rpm => ".rpm",
        Format::Deb => ".deb",
    }
}
