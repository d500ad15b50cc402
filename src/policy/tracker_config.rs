//! The tracking repository's configuration (`tracker.yaml`): who holds which
//! role, and the Early Adopter sites with their members.
//!
//! A role lists entries of three kinds: logins, GitHub teams and a minimum
//! permission on the tracking repository. Logins are decided here; teams and
//! permissions need the forge, so [`TrackerConfig::role_checks`] says which
//! questions to ask and `tracker::roles::roles_of` asks them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::yaml::{self, YamlError};

pub const FILE_NAME: &str = "tracker.yaml";

/// What every role entry may be, for error hints.
const ENTRY_FORMS: &str = "a role entry is a login (`alice` or `@alice`), a GitHub team (`@ORG/TEAM-SLUG`) or a minimum permission on the tracking repository (`permission:LEVEL`, LEVEL one of read, triage, write, maintain, admin)";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackerConfig {
    /// Role id (as the policy's transitions name them) -> who holds it: GitHub
    /// logins (`alice`, `@alice`), teams (`@ORG/TEAM-SLUG`, active members) and
    /// `permission:LEVEL` (at least LEVEL on the tracking repository; LEVEL is
    /// read, triage, write, maintain or admin).
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
    /// Early Adopter site (`NGI-Site`) -> GitHub logins of its members.
    #[serde(default)]
    pub early_adopters: BTreeMap<String, Vec<String>>,
    /// Staged-rollout managers of one middleware stack (seed: ARC, gLite,
    /// UNICORE, Globus, Operational Tools): `STACK` or `DISTRIBUTION/STACK`
    /// (e.g. `umd-5/ARC`) -> logins. They hold the staged-rollout manager's
    /// role for the submissions of that stack (and distribution) only.
    #[serde(default)]
    pub stack_managers: BTreeMap<String, Vec<String>>,
}

/// Stack names compare without case, blanks, `-` or `_` (`Operational Tools`
/// is `OperationalTools` in a report's file name).
pub fn same_stack(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    norm(a) == norm(b)
}

impl TrackerConfig {
    /// Whether `login` manages the staged rollout of `stack` in `dist`.
    pub fn manages_stack(&self, login: &str, dist: &str, stack: Option<&str>) -> bool {
        let Some(stack) = stack else {
            return false;
        };
        let login = login.trim().trim_start_matches('@');
        self.stack_managers.iter().any(|(scope, members)| {
            let (d, s) = scope.split_once('/').unwrap_or(("", scope));
            (d.is_empty() || d.eq_ignore_ascii_case(dist))
                && same_stack(s, stack)
                && members
                    .iter()
                    .any(|m| m.trim_start_matches('@').eq_ignore_ascii_case(login))
        })
    }
}

/// A permission on a repository, weakest first, so `>=` reads "at least".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PermissionLevel {
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

impl PermissionLevel {
    pub const ALL: [PermissionLevel; 5] = [
        PermissionLevel::Read,
        PermissionLevel::Triage,
        PermissionLevel::Write,
        PermissionLevel::Maintain,
        PermissionLevel::Admin,
    ];

    /// GitHub's name of the level (its `role_name`).
    pub fn name(self) -> &'static str {
        match self {
            PermissionLevel::Read => "read",
            PermissionLevel::Triage => "triage",
            PermissionLevel::Write => "write",
            PermissionLevel::Maintain => "maintain",
            PermissionLevel::Admin => "admin",
        }
    }

    /// The level named `name` (ASCII case-insensitive), `None` for anything else.
    pub fn from_name(name: &str) -> Option<PermissionLevel> {
        Self::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for PermissionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A GitHub team, lowercased: GitHub compares organization names and team
/// slugs case-insensitively, so `@EGI/Qc` and `@egi/qc` are one team.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Team {
    pub org: String,
    pub slug: String,
}

impl fmt::Display for Team {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}/{}", self.org, self.slug)
    }
}

/// One entry of a role in `tracker.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleEntry {
    /// A login, without `@`; compared case-insensitively, as GitHub's are.
    Login(String),
    /// Active members of the team hold the role (pending invitations do not).
    Team(Team),
    /// Whoever has at least this permission on the tracking repository.
    Permission(PermissionLevel),
}

impl RoleEntry {
    /// Parses an entry as written in `tracker.yaml`; the error says what is
    /// wrong with it (the caller adds which role and file).
    pub fn parse(entry: &str) -> Result<RoleEntry, String> {
        let e = entry.trim();
        if e.is_empty() {
            return Err("is empty".into());
        }
        if let Some(level) = e.strip_prefix("permission:") {
            return PermissionLevel::from_name(level.trim())
                .map(RoleEntry::Permission)
                .ok_or_else(|| {
                    format!(
                        "names no permission level: `{}` is not one of read, triage, write, maintain, admin",
                        level.trim()
                    )
                });
        }
        let name = e.strip_prefix('@').unwrap_or(e);
        if let Some((org, slug)) = name.split_once('/') {
            if !is_name(org, b"-") {
                return Err(format!(
                    "names no organization: write the team as `@ORG/TEAM-SLUG`, e.g. `@EGI-Federation/umd-qc`{}",
                    if org.is_empty() {
                        ""
                    } else {
                        " (ORG has only letters, digits and `-`)"
                    }
                ));
            }
            if !is_name(slug, b"-_.") {
                return Err(
                    "names no team: write it as `@ORG/TEAM-SLUG`, the slug as in the team's URL (github.com/orgs/ORG/teams/TEAM-SLUG)"
                        .into(),
                );
            }
            return Ok(RoleEntry::Team(Team {
                org: org.to_ascii_lowercase(),
                slug: slug.to_ascii_lowercase(),
            }));
        }
        // Logins stay lenient (the local tracker's actors are free text); only
        // what is surely a mistake is refused.
        if name.contains(':') {
            return Err("is no entry kind: the only `KIND:` form is `permission:LEVEL`".into());
        }
        if name.is_empty() || name.starts_with('@') {
            return Err("names no login: write `alice` or `@alice`".into());
        }
        if name.contains(|c: char| c.is_whitespace() || c == ',') {
            return Err(
                "is not one login: list each login as its own entry, e.g. `[alice, bob]`".into(),
            );
        }
        Ok(RoleEntry::Login(name.to_string()))
    }
}

/// Non-empty, ASCII letters and digits plus `extra`.
fn is_name(s: &str, extra: &[u8]) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
}

/// A role entry that [`RoleEntry::parse`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("role `{role}`: entry `{entry}` {reason}")]
pub struct BadRoleEntry {
    pub role: String,
    pub entry: String,
    pub reason: String,
}

/// What it takes to know whether someone holds one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleCheck {
    /// Their login is listed: held, no forge call needed.
    Held,
    /// Held if they are an active member of one of `teams` or have at least
    /// `permission` on the tracking repository (the lowest level the role lists).
    Ask {
        teams: Vec<Team>,
        permission: Option<PermissionLevel>,
    },
}

impl TrackerConfig {
    /// Parses and validates `tracker.yaml`: a role entry that is none of the
    /// accepted forms is an error naming the file, the role and the entry.
    pub fn parse(file: &Path, text: &str) -> Result<TrackerConfig, YamlError> {
        let config: TrackerConfig = yaml::parse(file, text, "tracker configuration", "tracker")?;
        config.validate().map_err(|bad| {
            let at = locate(text, &bad);
            YamlError {
                file: file.to_path_buf(),
                line: at.map(|a| a.0),
                column: at.map(|a| a.1),
                message: bad.to_string(),
                hint: ENTRY_FORMS.into(),
            }
        })?;
        Ok(config)
    }

    /// The first entry, in role order, that is none of the accepted forms.
    pub fn validate(&self) -> Result<(), BadRoleEntry> {
        for (role, entries) in &self.roles {
            for entry in entries {
                RoleEntry::parse(entry).map_err(|reason| BadRoleEntry {
                    role: role.clone(),
                    entry: entry.clone(),
                    reason,
                })?;
            }
        }
        Ok(())
    }

    /// The roles `login` holds by being listed by name (logins compare
    /// case-insensitively, as GitHub's do). Teams and permissions need the
    /// forge: `tracker::roles::roles_of` decides those too.
    pub fn roles_of(&self, login: &str) -> Vec<String> {
        self.role_checks(login)
            .into_iter()
            .filter(|(_, check)| *check == RoleCheck::Held)
            .map(|(role, _)| role)
            .collect()
    }

    /// For each role `login` may hold, whether it is held by login or which
    /// teams and permission would grant it. Roles nothing could grant are
    /// left out; invalid entries (refused by [`TrackerConfig::parse`], only
    /// possible in a config built in code) grant nothing.
    pub fn role_checks(&self, login: &str) -> BTreeMap<String, RoleCheck> {
        let login = login.trim().trim_start_matches('@');
        let mut out = BTreeMap::new();
        // Nobody: an empty login must not reach a forge URL.
        if login.is_empty() {
            return out;
        }
        for (role, entries) in &self.roles {
            let mut teams = BTreeSet::new();
            let mut permission: Option<PermissionLevel> = None;
            let mut held = false;
            for entry in entries.iter().filter_map(|e| RoleEntry::parse(e).ok()) {
                match entry {
                    RoleEntry::Login(l) => held |= l.eq_ignore_ascii_case(login),
                    RoleEntry::Team(t) => {
                        teams.insert(t);
                    }
                    // The lowest level listed is the one that decides.
                    RoleEntry::Permission(p) => {
                        permission = Some(permission.map_or(p, |q| q.min(p)));
                    }
                }
            }
            let check = if held {
                RoleCheck::Held
            } else if teams.is_empty() && permission.is_none() {
                continue;
            } else {
                RoleCheck::Ask {
                    teams: teams.into_iter().collect(),
                    permission,
                }
            };
            out.insert(role.clone(), check);
        }
        out
    }
}

/// Line and column of a bad entry, for the error. A second, span-aware parse
/// of a document already parsed once: it only runs on the error path.
fn locate(text: &str, bad: &BadRoleEntry) -> Option<(usize, usize)> {
    #[derive(Deserialize)]
    struct Spans {
        #[serde(default)]
        roles: BTreeMap<String, Vec<serde_saphyr::Spanned<String>>>,
    }
    let spans: Spans = serde_saphyr::from_str(text).ok()?;
    let at = spans
        .roles
        .get(&bad.role)?
        .iter()
        .find(|e| e.value == bad.entry)?
        .referenced;
    (at.line() > 0).then_some((at.line() as usize, at.column() as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TrackerConfig, YamlError> {
        TrackerConfig::parse(Path::new("tracker.yaml"), text)
    }

    #[test]
    fn roles_of_a_login() {
        let c = parse(
            "roles:\n  qc-verifier: [alice, '@Bob']\n  release-manager: [bob]\nearly_adopters:\n  NGI_IT-INFN-CNAF: [dave]\n",
        )
        .unwrap();
        assert_eq!(c.roles_of("bob"), ["qc-verifier", "release-manager"]);
        assert!(c.roles_of("mallory").is_empty());
        let err = parse("role: {}\n").unwrap_err().to_string();
        assert!(err.starts_with("tracker.yaml:1"), "{err}");
    }

    #[test]
    fn entries_of_each_kind() {
        let team = |org: &str, slug: &str| {
            RoleEntry::Team(Team {
                org: org.into(),
                slug: slug.into(),
            })
        };
        for (text, want) in [
            ("alice", RoleEntry::Login("alice".into())),
            ("@Alice", RoleEntry::Login("Alice".into())),
            (
                "umd-release[bot]",
                RoleEntry::Login("umd-release[bot]".into()),
            ),
            ("@EGI-Federation/UMD-qc", team("egi-federation", "umd-qc")),
            ("egi/qc_team.2", team("egi", "qc_team.2")),
            (
                "permission:write",
                RoleEntry::Permission(PermissionLevel::Write),
            ),
            (
                " permission:Maintain ",
                RoleEntry::Permission(PermissionLevel::Maintain),
            ),
        ] {
            assert_eq!(RoleEntry::parse(text), Ok(want), "{text}");
        }
        assert!(PermissionLevel::Read < PermissionLevel::Triage);
        assert!(PermissionLevel::Maintain > PermissionLevel::Write);
        assert!(PermissionLevel::Admin == *PermissionLevel::ALL.iter().max().unwrap());
    }

    #[test]
    fn bad_entries_are_refused() {
        for (entry, says) in [
            ("permission:owner", "`owner` is not one of read, triage"),
            ("permission:", "names no permission level"),
            ("@org/", "names no team"),
            ("@/team", "names no organization"),
            ("@o r g/team", "letters, digits and `-`"),
            ("@org/a/b", "names no team"),
            ("", "is empty"),
            ("  ", "is empty"),
            ("@", "names no login"),
            ("@@alice", "names no login"),
            ("team:qc", "the only `KIND:` form is `permission:LEVEL`"),
            ("alice, bob", "list each login as its own entry"),
        ] {
            let err = RoleEntry::parse(entry).expect_err(entry);
            assert!(err.contains(says), "{entry}: {err}");
        }
    }

    #[test]
    fn a_bad_entry_names_file_role_entry_and_the_fix() {
        let err = parse("roles:\n  qc-verifier:\n    - alice\n    - permission:owner\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "tracker.yaml:4:7: role `qc-verifier`: entry `permission:owner` names no permission level"
            ),
            "{err}"
        );
        assert!(
            err.contains("\n  a role entry is a login (`alice` or `@alice`), a GitHub team (`@ORG/TEAM-SLUG`)"),
            "{err}"
        );
        let err = parse("roles:\n  release-manager: ['@egi/']\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "tracker.yaml:2:21: role `release-manager`: entry `@egi/` names no team"
            ),
            "{err}"
        );
        // An entry that is not a string at all is the YAML layer's error.
        let err = parse("roles:\n  qc: [[alice]]\n").unwrap_err().to_string();
        assert!(err.starts_with("tracker.yaml:2"), "{err}");
    }

    #[test]
    fn role_checks_say_what_to_ask() {
        let c = parse(
            "roles:\n  qc: [alice, '@EGI/QC', permission:maintain, permission:write, '@egi/qc']\n  rm: ['@egi/rm', '@egi/qc']\n  owners: [carol]\n  admins: [permission:admin]\n",
        )
        .unwrap();
        let qc = || Team {
            org: "egi".into(),
            slug: "qc".into(),
        };
        let rm = Team {
            org: "egi".into(),
            slug: "rm".into(),
        };
        let checks = c.role_checks("@ALICE");
        assert_eq!(checks["qc"], RoleCheck::Held);
        assert_eq!(
            checks["rm"],
            RoleCheck::Ask {
                teams: vec![qc(), rm],
                permission: None
            }
        );
        assert_eq!(
            checks["admins"],
            RoleCheck::Ask {
                teams: vec![],
                permission: Some(PermissionLevel::Admin)
            }
        );
        assert!(!checks.contains_key("owners"));
        assert_eq!(
            c.role_checks("bob")["qc"],
            RoleCheck::Ask {
                teams: vec![qc()],
                permission: Some(PermissionLevel::Write)
            }
        );
        assert!(
            c.role_checks(" @ ").is_empty(),
            "an empty login holds nothing"
        );
        assert_eq!(c.roles_of("alice"), ["qc"]);
        assert_eq!(c.roles_of("Carol"), ["owners"]);
        // A config built in code can hold bad entries: they grant nothing.
        let mut c = TrackerConfig::default();
        c.roles
            .insert("x".into(), vec!["permission:owner".into(), "".into()]);
        assert!(c.role_checks("alice").is_empty());
        assert!(c.roles_of("").is_empty());
    }
}
