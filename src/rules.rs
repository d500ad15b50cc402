//! The rule registry: stable kebab-case ids, default severities, where each rule
//! comes from and how to fix what it reports. `umd-release explain RULE` prints
//! these; policies override severities by id.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How much a finding matters under a policy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported nowhere: the policy switched the rule off.
    Off,
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Off => "off",
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub default_severity: Severity,
    /// The seed section or EGI Quality Criterion the rule enforces.
    pub source: &'static str,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// Why it matters and how to comply.
    pub doc: &'static str,
}

const SEED_CMD: &str = "seed \"Cloud Middleware Distribution\"";

/// Every rule, in the order `explain --list` shows them.
pub const RULES: &[Rule] = &[
    TAG_SEMVER,
    TARGET_MISSING,
    PACKAGE_NO_TARGET,
    PACKAGE_ARCH,
    TARGET_RETIRED,
    PACKAGE_VERSION,
    LICENSE_SPDX,
    LICENSE_NOT_APPROVED,
    LICENSE_MISMATCH,
    LICENSE_UNDECLARED,
    CHANGELOG_MISSING,
    CHANGELOG_ENTRY,
    CHANGELOG_VERSION,
    CHANGELOG_FORMAT,
    CHANGELOG_UNCHOSEN,
    RELEASE_NOTES,
    CARD_MISSING,
    CARD_INCOMPLETE,
    CARD_INVALID,
    CARD_COMPONENT,
    WORLD_WRITABLE,
    PACKAGE_UNSIGNED,
];

pub const TAG_SEMVER: Rule = Rule {
    id: "tag-semver",
    default_severity: Severity::Error,
    source: "seed \"Instructions for centrally-provided services\", Build Release: every release is a tag in the VCS",
    summary: "the release tag is a semantic version (X.Y.Z), as the policy's tag scheme allows",
    doc: "Release tags are read as semantic versions (https://semver.org): MAJOR.MINOR.PATCH, optionally behind a prefix the policy allows (`v1.2.3`). Forms such as `1.2`, `01.2.3`, `5.1.1.dev1` or `4.1.0.0rc1` cannot be ordered reliably by sites' package managers and release records, so they are refused. A policy may read `X.Y.Z-N` as \"version X.Y.Z, package release N\" (APEL's `2.1.0-1`) by setting `tag.package_release_suffix: true`; otherwise `-N` is a pre-release, refused unless `tag.allow_prerelease` is set. Fix: tag the release again with the suggested version.",
};

pub const TARGET_MISSING: Rule = Rule {
    id: "target-missing",
    default_severity: Severity::Error,
    source: "QC_DIST_1 (native packages); seed \"Cloud Middleware Distribution\": products must be available for every target OS",
    summary: "every target the policy requires has at least one native package",
    doc: "Each distribution names the operating systems it ships (CMD: CentOS 7 rpms and Ubuntu Xenial debs; UMD 5: AlmaLinux 9 rpms). A package counts for a target when its format matches and one of the target's markers appears in its rpm release (`1.el7`), deb revision (`1~xenial`) or a directory of its path (`xenial/`). Fix: build the missing packages and put them under the --artifacts directory, or mark the distribution in your Product ID Card's `component` correctly.",
};

pub const PACKAGE_NO_TARGET: Rule = Rule {
    id: "package-no-target",
    default_severity: Severity::Warning,
    source: "QC_DIST_1 (native packages)",
    summary: "every package is recognised as built for one of the policy's targets",
    doc: "A package whose format and markers match none of the policy's targets cannot be placed in a distribution repository and will not be released. Fix: build it with the target's dist tag (rpm `%{?dist}` giving `.el9`), add the target marker to the deb revision (`1~xenial`), put it in a directory named after the target, or remove it from the artifacts.",
};

pub const PACKAGE_ARCH: Rule = Rule {
    id: "package-arch",
    default_severity: Severity::Error,
    source: "QC_DIST_1 (native packages)",
    summary: "every package's architecture is one its target accepts",
    doc: "Targets list the architectures the distribution repositories carry (e.g. `x86_64` and `noarch` for AlmaLinux 9, `amd64` and `all` for Ubuntu). Fix: build for an accepted architecture, or drop the package.",
};

pub const TARGET_RETIRED: Rule = Rule {
    id: "target-retired",
    default_severity: Severity::Warning,
    source: "seed \"Cloud Middleware Distribution\": UMD 4 accepted SL6 packages only before 4.13",
    summary: "no package is built for a target the distribution no longer accepts",
    doc: "A target can be retired from a release on (the policy's `retired_in`); packages for it are ignored by the distribution. Fix: stop building them, or build for a current target.",
};

pub const PACKAGE_VERSION: Rule = Rule {
    id: "package-version",
    default_severity: Severity::Error,
    source: "seed \"Cloud Middleware Distribution\", Submission: the product release and version number",
    summary: "every package carries the version the tag names (and its package release, when the tag names one)",
    doc: "The release record pairs one product version with its packages; a package of another version means the tag, the build or the upload is wrong. Fix: rebuild the packages from the tagged commit, or tag the version the packages carry.",
};

pub const LICENSE_SPDX: Rule = Rule {
    id: "license-spdx",
    default_severity: Severity::Error,
    source: "QC_DOC_5 (licence)",
    summary: "the Product ID Card's licence is a valid SPDX expression",
    doc: "The licence is declared once, in the Product ID Card's `license`, as an SPDX expression (https://spdx.org/licenses/), e.g. `Apache-2.0` or `MIT OR Apache-2.0`. Fix: write the SPDX identifier; the hint suggests one when the text is a known legacy name such as `ASL 2.0`.",
};

pub const LICENSE_NOT_APPROVED: Rule = Rule {
    id: "license-not-approved",
    default_severity: Severity::Error,
    source: "QC_DOC_5 (licence)",
    summary: "the licence is OSI-approved or explicitly allowed by the policy",
    doc: "EGI distributes open-source software: the licence must be OSI-approved (or listed in the policy's `licenses.allow`) and not in `licenses.deny`. Fix: release under an approved licence, or ask the distribution to allow yours.",
};

pub const LICENSE_MISMATCH: Rule = Rule {
    id: "license-mismatch",
    default_severity: Severity::Error,
    source: "QC_DOC_5 (licence)",
    summary: "every package's licence header agrees with the Product ID Card",
    doc: "Sites read the licence from the packages (rpm `License:`, the deb's `usr/share/doc/<package>/copyright`: a DEP-5 or free-form `License:`, `/usr/share/common-licenses/` references or the standard notices). It must name the same licences as the card. Legacy Fedora names (`ASL 2.0`, `GPLv3+`) and Debian's (`GPL-2+`, `Expat`) are understood. Fix: correct the spec's `License:` or the deb's copyright file, or the card.",
};

pub const LICENSE_UNDECLARED: Rule = Rule {
    id: "license-undeclared",
    default_severity: Severity::Warning,
    source: "QC_DOC_5 (licence)",
    summary: "every deb's copyright file declares a licence that can be read",
    doc: "A deb's `usr/share/doc/<package>/copyright` may be free-form: its licence is read from a `License:` line, references to `/usr/share/common-licenses/<NAME>` (`GPL-2`, `Apache-2.0`, ...) or the standard notices (\"Licensed under the Apache License, Version 2.0\", \"GNU General Public License ... version 2 ... or (at your option) any later version\", \"Permission is hereby granted, free of charge\"). When none is there, the licence cannot be compared with the card. Fix: add a machine-readable (DEP-5) `License:` field naming the card's licence.",
};

pub const CHANGELOG_MISSING: Rule = Rule {
    id: "changelog-missing",
    default_severity: Severity::Error,
    source: "QC_DOC_1 (release notes and changelog)",
    summary: "the repository has a changelog",
    doc: "A release must say what changed. Sources read: the product's changelog or release notes (`CHANGELOG.md`, `CHANGELOG`, `RELEASE-NOTES[.md]`, `NEWS[.md]`, `ChangeLog`, in Keep a Changelog, release-please, plain Markdown, rpm or NEWS style), `debian/changelog` (also under `packaging/debian/`, `packaging/*/debian/` and `packaging/debian/PACKAGE/`), and the `%changelog` of rpm spec files (`*.spec`, `*.spec.in`) at the root or in `rpm/`, `spec/`, `redhat/`, `fedora/`, `packaging/` and its `rpm/`, `redhat/`, `fedora/`, `rhel/`. Fix: add a `CHANGELOG.md` with a `## [X.Y.Z] - YYYY-MM-DD` section for the release.",
};

pub const CHANGELOG_ENTRY: Rule = Rule {
    id: "changelog-entry",
    default_severity: Severity::Error,
    source: "QC_DOC_1 (release notes and changelog)",
    summary: "the product's changelog or release notes have a non-empty section for the released version",
    doc: "The section `## [X.Y.Z] - YYYY-MM-DD` (or the file's own heading style) for the tagged version must exist and say something. Fix: move the `[Unreleased]` notes under a heading for the version before tagging.",
};

pub const CHANGELOG_VERSION: Rule = Rule {
    id: "changelog-version",
    default_severity: Severity::Error,
    source: "QC_DOC_1 (release notes and changelog)",
    summary: "the top entry of debian/changelog and of every spec %changelog names the tagged version",
    doc: "Packaging changelogs are what `rpm -q --changelog` and `apt changelog` show to sites; their newest entry must be the release being shipped. Fix: add an entry for the version (`dch -v X.Y.Z-1`, or a `* DATE NAME <EMAIL> - X.Y.Z-1` entry at the top of `%changelog`).",
};

pub const CHANGELOG_FORMAT: Rule = Rule {
    id: "changelog-format",
    default_severity: Severity::Warning,
    source: "QC_DOC_1 (release notes and changelog)",
    summary: "changelogs are well formed where their tools only warn (a trailer, a weekday, an older entry)",
    doc: "The changelog readers accept what rpmbuild and dpkg-parsechangelog accept, and only the entry of the release feeds the other rules. What those tools merely warn about (a debian/changelog entry without its ` -- ` trailer, a trailer date that is not RFC 2822 or has one space before it, an rpm heading whose weekday disagrees with its date) and any problem in an entry older than the top one is reported here, with its file and line, so it gets mended without blocking the release. Fix: correct the line the finding names (`dch` writes Debian trailers; `date +'%a %b %d %Y'` prints an rpm date).",
};

pub const CHANGELOG_UNCHOSEN: Rule = Rule {
    id: "changelog-unchosen",
    default_severity: Severity::Warning,
    source: "QC_DOC_1 (release notes and changelog)",
    summary: "among several specs or debian changelogs, one is recognisably the product's",
    doc: "A repository with several spec files or debian changelogs (a toolkit, or sub-packages versioned on their own) says which is the product's by name: a spec's `Name:` or the debian source package, or the file's name, equal to the card's `name`, the name a tag such as `cvmfs-2.11.5` starts with, or the repository's directory name. When none is, their versions are not compared with the tag, and this says so. Fix: list the product's files in the card's `changelogs`, or give the card the product's package name.",
};

pub const RELEASE_NOTES: Rule = Rule {
    id: "release-notes",
    default_severity: Severity::Error,
    source: "QC_DOC_1 (release notes); seed \"Cloud Middleware Distribution\", Submission: a link to the release notes",
    summary: "release notes exist for the release",
    doc: "Release notes come from --notes FILE, else from the changelog section of the version (Keep a Changelog, then debian/changelog, then the spec %changelog). Fix: write them in the changelog, or pass --notes.",
};

pub const CARD_MISSING: Rule = Rule {
    id: "card-missing",
    default_severity: Severity::Error,
    source: "seed \"Cloud Middleware Distribution\": provide a complete Product ID Card",
    summary: "the repository has a Product ID Card (umd-product.yaml)",
    doc: "The Product ID Card tells EGI who to contact about the product (requests, security events, delays), its licence, its support calendar and where it goes. Fix: add `umd-product.yaml` at the repository root; `umd-release schema card` prints its schema and examples/demo-product/umd-product.yaml is a complete example.",
};

pub const CARD_INCOMPLETE: Rule = Rule {
    id: "card-incomplete",
    default_severity: Severity::Error,
    source: "seed \"Cloud Middleware Distribution\": provide a complete Product ID Card",
    summary: "the Product ID Card has every field UMD asks for",
    doc: "Required: description, purpose, technology provider, team leader, support email, web site, security contact, GGUS support unit, licence, release channels, installation guide and release notes links, a support calendar, candidate Early Adopter sites and capabilities. Fix: fill in the field the finding names.",
};

pub const CARD_INVALID: Rule = Rule {
    id: "card-invalid",
    default_severity: Severity::Error,
    source: "seed \"Cloud Middleware Distribution\": provide a complete Product ID Card",
    summary: "the Product ID Card's values are well formed",
    doc: "E-mail addresses contain `@`, links are http(s) URLs, dates are YYYY-MM-DD, Early Adopter sites are `<NGI>-<Site-name>` as the Staged Rollout procedure names them (e.g. `NGI_IT-INFN-CNAF`), GitHub handles are valid logins. Fix: correct the value at the line given.",
};

pub const CARD_COMPONENT: Rule = Rule {
    id: "card-component",
    default_severity: Severity::Error,
    source: SEED_CMD,
    summary: "the card's component kind goes to the distribution being checked",
    doc: "OpenStack components go to CMD-OS, OpenNebula components to CMD-ONE, common cloud components to every CMD distribution, grid middleware to UMD. Fix: check against the right distribution (omit --policy to let the card decide), or correct `component` in the card.",
};

pub const WORLD_WRITABLE: Rule = Rule {
    id: "world-writable",
    default_severity: Severity::Error,
    source: "QC_SEC_5 (no world-writable files)",
    summary: "no package installs a world-writable file or directory",
    doc: "A file any local user can write is a privilege-escalation path on every site that installs the package. Directories with the sticky bit (like /tmp) and symlinks are exempt. Fix: install it with mode 0644/0755 (`%attr` in the spec, `chmod` before dpkg-deb).",
};

pub const PACKAGE_UNSIGNED: Rule = Rule {
    id: "package-unsigned",
    default_severity: Severity::Warning,
    source: "QC_DIST_1 (native packages); distribution repositories are signed",
    summary: "packages carry a signature (an error when the policy sets `require_signatures`)",
    doc: "Signed packages let sites verify where they came from before the UMD repository re-signs them. Fix: sign rpms with `rpmsign --addsign` and debs with `debsigs`, or set `require_signatures: false` in a custom policy.",
};

pub fn lookup(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
            assert!(
                r.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{} is not kebab-case",
                r.id
            );
            assert!(r.doc.contains("Fix"), "{} says how to fix", r.id);
        }
    }
}
