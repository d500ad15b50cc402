//! The roles an actor holds, per `tracker.yaml`: listed logins decide
//! without a forge call; teams and repository permissions are asked of the
//! tracker, as few times as possible (each call counts against rate limits).

use std::collections::BTreeMap;

use super::{Tracker, TrackerError};
use crate::policy::tracker_config::{PermissionLevel, RoleCheck, Team, TrackerConfig};

/// The role ids `login` holds, sorted and unique. Per call: no request for
/// roles held by login, at most one permission request (asked first, as it
/// answers every `permission:` entry at once and may spare team requests) and
/// at most one request per distinct team. A failed request is an error, not
/// "no role": a wrong token must not look like a refusal.
pub fn roles_of(
    tracker: &dyn Tracker,
    config: &TrackerConfig,
    login: &str,
) -> Result<Vec<String>, TrackerError> {
    let login = login.trim().trim_start_matches('@');
    let mut permission: Option<Option<PermissionLevel>> = None;
    let mut teams: BTreeMap<Team, bool> = BTreeMap::new();
    let mut held = Vec::new();
    for (role, check) in config.role_checks(login) {
        let holds = match check {
            RoleCheck::Held => true,
            RoleCheck::Ask {
                teams: wanted,
                permission: needed,
            } => {
                let mut holds = false;
                if let Some(needed) = needed {
                    let have = match permission {
                        Some(have) => have,
                        None => *permission.insert(tracker.permission(login)?),
                    };
                    holds = have.is_some_and(|have| have >= needed);
                }
                for team in wanted {
                    if holds {
                        break;
                    }
                    holds = match teams.get(&team) {
                        Some(member) => *member,
                        None => {
                            let member = tracker.team_member(&team.org, &team.slug, login)?;
                            teams.insert(team, member);
                            member
                        }
                    };
                }
                holds
            }
        };
        if holds {
            held.push(role);
        }
    }
    // `role_checks` is keyed by role id: already sorted and unique.
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(text: &str) -> TrackerConfig {
        TrackerConfig::parse(Path::new("tracker.yaml"), text).unwrap()
    }

    #[test]
    fn on_the_local_tracker_only_logins_count() {
        let dir = tempfile::tempdir().unwrap();
        let t = crate::tracker::local::LocalTracker::open(dir.path()).unwrap();
        let c = config(
            "roles:\n  qc: ['@egi/qc', alice]\n  rm: [permission:read]\n  ops: ['@Alice']\n",
        );
        assert_eq!(roles_of(&t, &c, "ALICE").unwrap(), ["ops", "qc"]);
        assert!(roles_of(&t, &c, "bob").unwrap().is_empty());
        assert!(roles_of(&t, &c, "").unwrap().is_empty());
    }
}
