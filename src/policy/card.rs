//! The Product ID Card (`umd-product.yaml` at the root of a provider repository):
//! what UMD asks a Technology Provider to declare for every product (seeds
//! "Cloud Middleware Distribution" and "Instructions for centrally-provided services").

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::yaml::{self, YamlError};

pub const FILE_NAME: &str = "umd-product.yaml";

/// Where a product goes (seed "Cloud Middleware Distribution").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ComponentKind {
    /// OpenStack-specific component: CMD-OS.
    Openstack,
    /// OpenNebula-specific component: CMD-ONE.
    Opennebula,
    /// Common cloud component (BDII, SSM, VMCatcher...): every CMD distribution.
    Common,
    /// Grid middleware and anything not cloud-specific: UMD.
    Grid,
}

/// A value with the line it was written on, so findings can point at it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Located<T = String>(#[schemars(with = "T")] Spanned<T>);

impl<T> Located<T> {
    pub fn get(&self) -> &T {
        &self.0.value
    }
    pub fn line(&self) -> usize {
        self.0.referenced.line() as usize
    }
}

impl Located<String> {
    pub fn value(&self) -> &str {
        &self.0.value
    }
}

impl<T: Serialize> Serialize for Located<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.value.serialize(s)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    /// Support mailing address.
    #[serde(default)]
    pub support_email: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    /// Who to tell about security events and issues.
    #[serde(default)]
    pub security: Option<String>,
    /// GitHub handles mentioned when the product needs attention.
    #[serde(default)]
    pub github: Vec<String>,
    /// URT meeting representative.
    #[serde(default)]
    pub urt_representative: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Documentation {
    /// Installation and configuration guide.
    #[serde(default)]
    pub installation: Option<String>,
    #[serde(default)]
    pub configuration: Option<String>,
    /// Where release notes are published (the release page).
    #[serde(default)]
    pub release_notes: Option<String>,
    #[serde(default)]
    pub known_issues: Option<String>,
    /// Other documentation links.
    #[serde(default)]
    pub other: Vec<String>,
}

/// One supported release line and how long it is supported.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportLine {
    /// The release line, e.g. "1.x" or "1.4".
    pub version: String,
    /// Last day of updates (YYYY-MM-DD).
    pub end_of_support: String,
    /// Last day of security fixes, if later (YYYY-MM-DD).
    #[serde(default)]
    pub end_of_security: Option<String>,
}

/// The Product ID Card. Every field a verifier needs is here; missing ones are
/// reported by the `card-incomplete` rule rather than refused at parse time, so a
/// TP sees all gaps at once.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductCard {
    /// Product name, as its packages' base name (e.g. "cloud-info-provider").
    pub name: String,
    /// Where the product goes: openstack, opennebula, common or grid.
    pub component: Located<ComponentKind>,
    #[serde(default)]
    pub description: Option<String>,
    /// What the product is for, in one or two sentences.
    #[serde(default)]
    pub purpose: Option<String>,
    /// Technology Provider (team) as registered in URT.
    #[serde(default)]
    pub technology_provider: Option<String>,
    #[serde(default)]
    pub team_leader: Option<Person>,
    #[serde(default)]
    pub contacts: Contacts,
    /// GGUS Support Unit receiving the product's incidents.
    #[serde(default)]
    pub ggus_support_unit: Option<String>,
    /// Licence as an SPDX expression (e.g. "Apache-2.0").
    #[serde(default)]
    pub license: Option<Located>,
    /// Where releases are published (release pages, package repositories).
    #[serde(default)]
    pub release_channels: Vec<String>,
    #[serde(default)]
    pub documentation: Documentation,
    #[serde(default)]
    pub support_calendar: Vec<SupportLine>,
    /// The middleware stack the product belongs to (e.g. "ARC", "UNICORE",
    /// "Globus", "CMD-OS"): it picks the staged-rollout managers and is the
    /// `<MW stack>` part of Early Adopter report names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middleware_stack: Option<String>,
    /// Candidate Early Adopter sites, as `NGI-Site` names (e.g. "NGI_IT-INFN-CNAF").
    #[serde(default)]
    pub early_adopters: Vec<Located>,
    /// Capabilities, as in EGI's release records (e.g. "Accounting").
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// The product's changelogs, relative to the repository root, when
    /// `check` would find the wrong ones: `*.spec[.in]` files are read as rpm
    /// specs, `changelog` files as debian/changelog, others as release notes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changelogs: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error(
        "{}: no Product ID Card; UMD needs one to know the product, its contacts and its licence\n  create `{FILE_NAME}` at the repository root (see examples/demo-product/{FILE_NAME}), or name the distribution with --policy",
        dir.display()
    )]
    Missing { dir: PathBuf },
    #[error("{}: cannot read the Product ID Card: {source}\n  check the file's permissions", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Yaml(#[from] YamlError),
}

impl ProductCard {
    pub fn parse(file: &Path, text: &str) -> Result<ProductCard, YamlError> {
        yaml::parse(file, text, "Product ID Card", "card")
    }

    /// Loads `umd-product.yaml` from a repository root; `Ok(None)` when absent.
    pub fn load(repo: &Path) -> Result<Option<(PathBuf, ProductCard)>, CardError> {
        let path = repo.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(CardError::Read { path, source }),
        };
        let card = ProductCard::parse(Path::new(FILE_NAME), &text)?;
        Ok(Some((path, card)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "name: demo\ncomponent: grid\nlicense: Apache-2.0\n";

    #[test]
    fn minimal_card_parses_with_license_line() {
        let c = ProductCard::parse(Path::new("umd-product.yaml"), MINIMAL).unwrap();
        assert_eq!(*c.component.get(), ComponentKind::Grid);
        let l = c.license.unwrap();
        assert_eq!((l.value(), l.line()), ("Apache-2.0", 3));
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = ProductCard::parse(
            Path::new("umd-product.yaml"),
            &format!("{MINIMAL}licence: MIT\n"),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        let msg = err.to_string();
        assert!(msg.starts_with("umd-product.yaml:4:"), "{msg}");
        assert!(msg.contains("licence"), "{msg}");
    }

    #[test]
    fn unknown_component_kind_is_an_error() {
        let err = ProductCard::parse(Path::new("c.yaml"), "name: x\ncomponent: kubernetes\n")
            .unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        assert!(err.to_string().contains("kubernetes"), "{err}");
    }

    #[test]
    fn wrong_type_is_an_error() {
        let err = ProductCard::parse(
            Path::new("c.yaml"),
            "name: x\ncomponent: grid\ncapabilities: Accounting\n",
        )
        .unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
    }
}
