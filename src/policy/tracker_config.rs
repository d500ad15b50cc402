//! The tracking repository's configuration (`tracker.yaml`): who holds which
//! role, and the Early Adopter sites with their members.

use std::collections::BTreeMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::yaml::{self, YamlError};

pub const FILE_NAME: &str = "tracker.yaml";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackerConfig {
    /// Role id (as the policy's transitions name them) -> GitHub logins.
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
    /// Early Adopter site (`NGI-Site`) -> GitHub logins of its members.
    #[serde(default)]
    pub early_adopters: BTreeMap<String, Vec<String>>,
}

impl TrackerConfig {
    pub fn parse(file: &Path, text: &str) -> Result<TrackerConfig, YamlError> {
        yaml::parse(file, text, "tracker configuration", "tracker")
    }

    /// The roles `login` holds (logins compare case-insensitively, as GitHub's do).
    pub fn roles_of(&self, login: &str) -> Vec<String> {
        let login = login.trim_start_matches('@');
        self.roles
            .iter()
            .filter(|(_, people)| {
                people
                    .iter()
                    .any(|p| p.trim_start_matches('@').eq_ignore_ascii_case(login))
            })
            .map(|(role, _)| role.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_of_a_login() {
        let c = TrackerConfig::parse(
            Path::new("tracker.yaml"),
            "roles:\n  qc-verifier: [alice, '@Bob']\n  release-manager: [bob]\nearly_adopters:\n  NGI_IT-INFN-CNAF: [dave]\n",
        )
        .unwrap();
        assert_eq!(c.roles_of("bob"), ["qc-verifier", "release-manager"]);
        assert!(c.roles_of("mallory").is_empty());
        let err = TrackerConfig::parse(Path::new("tracker.yaml"), "role: {}\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("tracker.yaml:1"), "{err}");
    }
}
