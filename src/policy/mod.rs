//! Distribution policies: which targets a release must cover, which rules apply
//! and how strictly, accepted licences and the tag scheme. Policies are data: the
//! built-in ones are compiled in, and a path loads any other (say `umd-6.yaml`).

pub mod card;
pub mod registry;
mod select;
pub mod tracker_config;
pub mod transitions;
pub mod yaml;

pub use select::governing;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use card::{ComponentKind, ProductCard};
pub use yaml::YamlError;

pub use crate::rules::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Rpm,
    Deb,
}

/// One distribution release line, e.g. UMD 5 or CMD-OS 1.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Short identifier, used by `--policy` and in labels (`dist:cmd-os-1`).
    pub id: String,
    /// Name shown to people, e.g. "CMD-OS 1".
    pub name: String,
    /// Distribution family as EGI names it: UMD, CMD-OS or CMD-ONE.
    pub distribution: String,
    /// Major release of the distribution this policy governs.
    pub major: u32,
    /// Current distribution release (e.g. "4.14.0"); decides retired targets.
    #[serde(default)]
    pub current_release: Option<String>,
    #[serde(default)]
    pub description: String,
    /// Product ID Card component kinds that go to this distribution.
    pub components: Vec<ComponentKind>,
    #[serde(default)]
    pub tag: TagScheme,
    /// Operating systems a release must (or may) ship native packages for.
    pub targets: Vec<Target>,
    #[serde(default)]
    pub licenses: LicensePolicy,
    /// Severity overrides, rule id -> severity. Rules not named keep their default.
    #[serde(default)]
    pub rules: BTreeMap<String, Severity>,
    /// Require a signature on every package (else unsigned is a warning).
    #[serde(default)]
    pub require_signatures: bool,
    /// The provisioning pipeline in the tracking repository: deadlines, roles, moves.
    #[serde(default)]
    pub pipeline: Pipeline,
}

/// The pipeline section of a policy (seed "Cloud Middleware Distribution",
/// release process; seed "Staged Rollout").
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    /// Deadlines of the stages, applied by `sweep`.
    #[serde(default)]
    pub deadlines: Deadlines,
    /// Release-process roles (id -> description); people hold them in the tracker's `tracker.yaml`.
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    /// Allowed stage moves and the role each needs.
    #[serde(default = "crate::policy::transitions::default_transitions")]
    pub transitions: Vec<transitions::Transition>,
    /// The fixed texts of a distribution release announcement.
    #[serde(default)]
    pub announcement: Announcement,
    /// When a newer version of a product is submitted, an older one already
    /// in Staged Rollout is closed as superseded (`true`), or flagged for the
    /// staged-rollout manager to decide (`false`, the default). Older ones
    /// before Staged Rollout are always closed.
    #[serde(default)]
    pub supersede_in_staged_rollout: bool,
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline {
            deadlines: Deadlines::default(),
            roles: BTreeMap::new(),
            transitions: crate::policy::transitions::default_transitions(),
            announcement: Announcement::default(),
            supersede_in_staged_rollout: false,
        }
    }
}

/// What every release announcement of the distribution says (seed
/// "Instructions for centrally-provided services": contact and technical
/// contact; EGI's distribution records: description, installation notes).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Announcement {
    /// The distribution in a paragraph; `{version}` becomes the release's version.
    #[serde(default)]
    pub description: String,
    /// Installation and upgrade notes common to every release.
    #[serde(default)]
    pub installation_notes: String,
    /// Who to write to about the distribution.
    #[serde(default)]
    pub contact: String,
    /// Where to report bugs and issues.
    #[serde(default)]
    pub technical_contact: String,
    /// Production repository of the distribution, e.g. `sw/production/cmd-os/1`.
    #[serde(default)]
    pub repository: Option<String>,
    /// A page with more details; `{version}` becomes the release's version.
    #[serde(default)]
    pub details_url: Option<String>,
    /// The OMB's mailing list: each announcement (and each change to it) is
    /// e-mailed there once when SMTP is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omb_email: Option<String>,
}

/// The tag scheme: strict semver, with the exceptions a policy allows on purpose.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagScheme {
    /// Prefixes stripped before parsing, e.g. ["v"].
    #[serde(default = "default_prefixes")]
    pub prefixes: Vec<String>,
    /// Read `X.Y.Z-N` (N all digits) as version X.Y.Z with package release N,
    /// as APEL tags `2.1.0-1`, instead of as a semver pre-release.
    #[serde(default)]
    pub package_release_suffix: bool,
    /// Accept semver pre-releases (`1.0.0-rc.1`) as release tags.
    #[serde(default)]
    pub allow_prerelease: bool,
}

fn default_prefixes() -> Vec<String> {
    vec!["v".to_string()]
}

impl Default for TagScheme {
    fn default() -> Self {
        TagScheme {
            prefixes: default_prefixes(),
            package_release_suffix: false,
            allow_prerelease: false,
        }
    }
}

/// An operating-system target and how a package is recognised as built for it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Short identifier, e.g. "centos7", "al9", "xenial".
    pub id: String,
    /// Name shown to people, e.g. "CentOS 7".
    pub name: String,
    pub format: Format,
    /// Tokens that mark a package as built for this target: found in the rpm
    /// release (`1.el7` has `el7`), the deb revision (`1~xenial`) or a directory
    /// of its path (`xenial/foo_1.0_all.deb`).
    pub markers: Vec<String>,
    /// Accepted architectures (rpm `x86_64`/`noarch`, deb `amd64`/`all`).
    pub arch: Vec<String>,
    /// A release must ship packages for this target.
    #[serde(default = "yes")]
    pub required: bool,
    /// First distribution release that no longer accepts this target.
    #[serde(default)]
    pub retired_in: Option<String>,
    /// Repository path of the target, as in EGI's release records.
    #[serde(default)]
    pub repository: Option<String>,
    /// How EGI's release repository (egi-qc/software-releases) names this
    /// target; `export` needs it and refuses a target without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egi: Option<EgiTarget>,
}

/// A target as EGI's release records name it (see `umd_release::export::egi`):
/// a new operating system is one of these in the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EgiTarget {
    /// `target[].platform`, e.g. `al9`, `centos7`, `ubuntu-xenial`.
    pub platform: String,
    /// `target[].arch`: the repository's architecture (`x86_64`, `amd64`),
    /// whatever the packages' own (`noarch`, `all`).
    pub arch: String,
    /// `target[].repositoryURL` of a release, e.g.
    /// `sw/production/cmd-os/1/centos7/x86_64/updates`.
    pub repository: String,
    /// `target[].repositoryURL` of a distribution's first release (`X.0.0`),
    /// where it differs (`.../centos7/x86_64/base`); else `repository`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_repository: Option<String>,
    /// The OS part of a pipeline input's file name
    /// (`json/umd5/apel-2.1.0-el9.json` has `el9`).
    pub file_os: String,
}

impl EgiTarget {
    /// The repository path packages of distribution release `version` land in.
    pub fn repository_for(&self, version: &str) -> &str {
        let first = version
            .split('.')
            .skip(1)
            .all(|part| part.trim().parse::<u64>() == Ok(0));
        match &self.base_repository {
            Some(base) if first => base,
            _ => &self.repository,
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LicensePolicy {
    /// Accept any OSI-approved SPDX licence.
    #[serde(default = "yes")]
    pub osi_approved: bool,
    /// SPDX ids accepted besides the OSI-approved ones.
    #[serde(default)]
    pub allow: Vec<String>,
    /// SPDX ids refused even if OSI-approved.
    #[serde(default)]
    pub deny: Vec<String>,
}

impl Default for LicensePolicy {
    fn default() -> Self {
        LicensePolicy {
            osi_approved: true,
            allow: Vec::new(),
            deny: Vec::new(),
        }
    }
}

/// Deadlines from the seed "Cloud Middleware Distribution" release process and
/// the Staged Rollout workflow.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    /// Injection (Submission -> Unverified), in working days.
    #[serde(default = "d5")]
    pub injection_working_days: u32,
    /// Unverified -> Verification must start within, in days.
    #[serde(default = "d30")]
    pub unverified_days: u32,
    /// Verification must complete within, in days.
    #[serde(default = "d7")]
    pub verification_days: u32,
    /// Staged rollout must complete within, in days.
    #[serde(default = "d30")]
    pub staged_rollout_days: u32,
    /// Early Adopters acknowledge the call within, in working days.
    #[serde(default = "d1")]
    pub ea_ack_working_days: u32,
    /// Minimum exposure in staged rollout, in days.
    #[serde(default = "d5")]
    pub min_exposure_days: u32,
    /// The OMB is told of a release at least this many days before it.
    #[serde(default = "d7")]
    pub notice_days: u32,
    /// The post-implementation review is answered within, in days.
    #[serde(default = "d7")]
    pub review_days: u32,
    /// Holidays skipped by working-day arithmetic (YYYY-MM-DD).
    #[serde(default)]
    pub holidays: Vec<String>,
}

fn d1() -> u32 {
    1
}
fn d5() -> u32 {
    5
}
fn d7() -> u32 {
    7
}
fn d30() -> u32 {
    30
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            injection_working_days: 5,
            unverified_days: 30,
            verification_days: 7,
            staged_rollout_days: 30,
            ea_ack_working_days: 1,
            min_exposure_days: 5,
            notice_days: 7,
            review_days: 7,
            holidays: Vec::new(),
        }
    }
}

/// The policies compiled into the binary, in display order.
pub const BUILTIN: &[(&str, &str)] = &[
    ("umd-4", include_str!("../../policies/umd-4.yaml")),
    ("umd-5", include_str!("../../policies/umd-5.yaml")),
    ("cmd-os-1", include_str!("../../policies/cmd-os-1.yaml")),
    ("cmd-one-1", include_str!("../../policies/cmd-one-1.yaml")),
];

/// Why a policy could not be had.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error(
        "unknown policy `{0}`: it is neither a built-in policy ({known}) nor an existing file\n  pass one of the built-in names, or the path of a policy YAML file (see `umd-release policies`)",
        known = builtin_names().join(", ")
    )]
    Unknown(String),
    #[error("{}: cannot read the policy file: {source}\n  check the path and its permissions", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Yaml(#[from] YamlError),
    #[error("{}: {message}\n  {hint}", path.display())]
    Invalid {
        path: PathBuf,
        message: String,
        hint: String,
    },
}

pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

impl Policy {
    /// Parses and validates a policy document.
    pub fn parse(file: &Path, text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = yaml::parse(file, text, "policy", "policy")?;
        policy.validate(file)?;
        Ok(policy)
    }

    /// A built-in name (`umd-5`) or a path to a policy file. A name wins over a
    /// file of the same name only if no such file exists, so a local override is explicit.
    pub fn load(spec: &str) -> Result<Policy, PolicyError> {
        let path = Path::new(spec);
        if path.is_file() {
            let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            return Policy::parse(path, &text);
        }
        Policy::builtin(spec).ok_or_else(|| PolicyError::Unknown(spec.to_string()))
    }

    pub fn builtin(name: &str) -> Option<Policy> {
        Policy::builtin_ref(name).cloned()
    }

    pub fn all_builtin() -> Vec<Policy> {
        Policy::builtins().to_vec()
    }

    /// A built-in policy without the clone.
    pub fn builtin_ref(name: &str) -> Option<&'static Policy> {
        Policy::builtins().iter().find(|p| p.id == name)
    }

    /// The built-in policies in display order, parsed once per process:
    /// `sweep` and `status --explain` ask for them once per issue.
    pub fn builtins() -> &'static [Policy] {
        static PARSED: OnceLock<Vec<Policy>> = OnceLock::new();
        PARSED.get_or_init(|| {
            BUILTIN
                .iter()
                // The built-in files are tested to parse; a failure here is a build defect.
                .filter_map(|(name, text)| {
                    Policy::parse(Path::new(&format!("policies/{name}.yaml")), text).ok()
                })
                .collect()
        })
    }

    /// Checks what the types cannot: known rule ids, unique targets, valid versions.
    fn validate(&self, file: &Path) -> Result<(), PolicyError> {
        let invalid = |message: String, hint: &str| PolicyError::Invalid {
            path: file.to_path_buf(),
            message,
            hint: hint.to_string(),
        };
        for id in self.rules.keys() {
            if crate::rules::lookup(id).is_none() {
                return Err(invalid(
                    format!("`rules` names an unknown rule `{id}`"),
                    "use a rule id listed by `umd-release explain --list`",
                ));
            }
        }
        if self.targets.is_empty() {
            return Err(invalid(
                "`targets` is empty: a policy must name at least one target".into(),
                "add a target, e.g. `- {id: al9, name: AlmaLinux 9, format: rpm, markers: [el9], arch: [x86_64, noarch]}`",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for t in &self.targets {
            if !seen.insert(t.id.as_str()) {
                return Err(invalid(
                    format!("target `{}` is listed twice", t.id),
                    "give every target a unique `id`",
                ));
            }
            if t.markers.iter().any(|m| m.trim().is_empty()) || t.markers.is_empty() {
                return Err(invalid(
                    format!("target `{}` has no usable `markers`", t.id),
                    "list the tokens that mark its packages, e.g. `markers: [el9]`",
                ));
            }
            for v in [&t.retired_in].into_iter().flatten() {
                if semver::Version::parse(v).is_err() {
                    return Err(invalid(
                        format!(
                            "target `{}`: `retired_in: {v}` is not a version X.Y.Z",
                            t.id
                        ),
                        "write the first distribution release without this target, e.g. `4.13.0`",
                    ));
                }
            }
        }
        for t in &self.pipeline.transitions {
            if !self.pipeline.roles.is_empty() && !self.pipeline.roles.contains_key(&t.role) {
                return Err(invalid(
                    format!(
                        "`pipeline.transitions`: {} -> {} names the role `{}`, which `pipeline.roles` does not define",
                        t.from.slug(),
                        t.to.slug(),
                        t.role
                    ),
                    "add the role under `pipeline.roles` or correct the transition",
                ));
            }
        }
        if let Some(v) = &self.current_release
            && semver::Version::parse(v).is_err()
        {
            return Err(invalid(
                format!("`current_release: {v}` is not a version X.Y.Z"),
                "write the distribution release in force, e.g. `4.14.0`",
            ));
        }
        for h in &self.pipeline.deadlines.holidays {
            if time::Date::parse(
                h,
                &time::macros::format_description!("[year]-[month]-[day]"),
            )
            .is_err()
            {
                return Err(invalid(
                    format!(
                        "`pipeline.deadlines.holidays` has `{h}`, which is not a date YYYY-MM-DD"
                    ),
                    "write holidays as ISO dates, e.g. `2026-12-25`",
                ));
            }
        }
        Ok(())
    }

    /// Severity of a rule under this policy: the override, else the rule's default.
    pub fn severity(&self, rule: &crate::rules::Rule) -> Severity {
        if let Some(s) = self.rules.get(rule.id) {
            return *s;
        }
        if rule.id == "package-unsigned" && self.require_signatures {
            return Severity::Error;
        }
        rule.default_severity
    }

    /// Whether a target still accepts packages in the current distribution release.
    pub fn target_retired(&self, target: &Target) -> bool {
        match (&target.retired_in, &self.current_release) {
            (Some(retired), Some(current)) => {
                match (
                    semver::Version::parse(retired),
                    semver::Version::parse(current),
                ) {
                    (Ok(r), Ok(c)) => c >= r,
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// Policies a card's component kind goes to, among the built-in ones
    /// (seed: OpenStack -> CMD-OS, OpenNebula -> CMD-ONE, common -> all CMD-*, grid -> UMD).
    pub fn for_component(kind: ComponentKind) -> Vec<Policy> {
        let all = Policy::builtins();
        // Of UMD, only the newest major takes new grid products.
        let newest_umd = all
            .iter()
            .filter(|p| p.components.contains(&kind) && p.distribution == "UMD")
            .map(|p| p.major)
            .max();
        all.iter()
            .filter(|p| p.components.contains(&kind))
            .filter(|p| p.distribution != "UMD" || Some(p.major) == newest_umd)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_policies_parse_and_validate() {
        for (name, text) in BUILTIN {
            let p = Policy::parse(Path::new(name), text)
                .unwrap_or_else(|e| panic!("built-in policy {name}: {e}"));
            assert_eq!(&p.id, name);
        }
    }

    #[test]
    fn builtins_are_parsed_once_and_complete() {
        // The same allocation every time: parsed once per process.
        assert!(std::ptr::eq(Policy::builtins(), Policy::builtins()));
        let ids: Vec<&str> = Policy::builtins().iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, builtin_names());
        let all: Vec<String> = Policy::all_builtin().into_iter().map(|p| p.id).collect();
        assert_eq!(all, ids);
        assert_eq!(Policy::builtin("umd-5").unwrap().id, "umd-5");
        assert!(Policy::builtin("umd-6").is_none());
    }

    #[test]
    fn component_kinds_route_to_distributions() {
        let ids = |k| {
            Policy::for_component(k)
                .into_iter()
                .map(|p| p.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(ComponentKind::Grid), ["umd-5"]);
        assert_eq!(ids(ComponentKind::Openstack), ["cmd-os-1"]);
        assert_eq!(ids(ComponentKind::Opennebula), ["cmd-one-1"]);
        assert_eq!(ids(ComponentKind::Common), ["cmd-os-1", "cmd-one-1"]);
    }

    #[test]
    fn unknown_key_is_an_error_with_line_and_column() {
        let text =
            include_str!("../../policies/umd-5.yaml").replace("major: 5", "major: 5\nmajr: 6");
        let err = Policy::parse(Path::new("umd-6.yaml"), &text)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("umd-6.yaml:"), "{err}");
        assert!(err.contains("majr"), "{err}");
    }

    #[test]
    fn wrong_type_is_an_error_with_line() {
        let text = include_str!("../../policies/umd-5.yaml").replace("major: 5", "major: five");
        let err = Policy::parse(Path::new("p.yaml"), &text).unwrap_err();
        let PolicyError::Yaml(y) = &err else {
            panic!("{err}")
        };
        let want = text.lines().position(|l| l.starts_with("major:")).unwrap() + 1;
        assert_eq!(y.line, Some(want), "{err}");
    }

    #[test]
    fn unknown_rule_id_is_rejected() {
        let text = format!(
            "{}rules:\n  no-such-rule: error\n",
            include_str!("../../policies/umd-5.yaml")
        );
        let err = Policy::parse(Path::new("p.yaml"), &text).unwrap_err();
        assert!(matches!(err, PolicyError::Invalid { .. }), "{err}");
        assert!(err.to_string().contains("no-such-rule"), "{err}");
    }

    #[test]
    fn transitions_name_defined_roles() {
        let text = format!(
            "{}  transitions:\n    - {{from: unverified, to: verification, role: janitor}}\n",
            include_str!("../../policies/umd-5.yaml")
        );
        let err = Policy::parse(Path::new("p.yaml"), &text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("janitor"), "{err}");
        assert_eq!(
            Policy::builtin("umd-5").unwrap().pipeline.transitions.len(),
            6
        );
    }

    #[test]
    fn retired_target_follows_current_release() {
        let p = Policy::builtin("umd-4").unwrap();
        let sl6 = p.targets.iter().find(|t| t.id == "sl6").unwrap();
        assert!(p.target_retired(sl6));
        let centos7 = p.targets.iter().find(|t| t.id == "centos7").unwrap();
        assert!(!p.target_retired(centos7));
    }
}
