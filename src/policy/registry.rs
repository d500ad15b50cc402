//! The product registry of a tracking repository: `products/<name>.yaml`, one
//! file per product allowed to submit, with where it lives and where it goes.

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::yaml::{self, YamlError};

/// One registered product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisteredProduct {
    /// Product name, as in its Product ID Card.
    pub name: String,
    /// Where its releases are published: `github:OWNER/REPO` (the `intake` channel polls it).
    pub repository: String,
    /// Distribution policies it may be submitted to (e.g. `cmd-os-1`).
    pub distributions: Vec<String>,
    /// Path of the Product ID Card in the repository.
    #[serde(default = "default_card")]
    pub card: String,
}

fn default_card() -> String {
    super::card::FILE_NAME.to_string()
}

/// Why a product may not submit.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "product `{product}` is not registered in the tracker ({where_}): only registered products can be submitted\n  ask the UMD team to add products/{product}.yaml to the tracking repository (name, repository, distributions)"
    )]
    NotRegistered { product: String, where_: String },
    #[error(
        "product `{product}` is registered for {allowed}, not for `{dist}`\n  ask the UMD team to add `{dist}` to `distributions` in products/{product}.yaml, or check the card's `component`"
    )]
    WrongDistribution {
        product: String,
        dist: String,
        allowed: String,
    },
    #[error(transparent)]
    Yaml(#[from] YamlError),
}

impl RegisteredProduct {
    pub fn parse(file: &Path, text: &str) -> Result<RegisteredProduct, YamlError> {
        yaml::parse(file, text, "product registration", "registry")
    }

    /// Checks that this product may go to `dist`.
    pub fn allows(&self, dist: &str) -> Result<(), RegistryError> {
        if self.distributions.iter().any(|d| d == dist) {
            return Ok(());
        }
        Err(RegistryError::WrongDistribution {
            product: self.name.clone(),
            dist: dist.to_string(),
            allowed: self.distributions.join(", "),
        })
    }
}

/// A product name safe to use as a file name (no path tricks from a card).
pub fn file_name(product: &str) -> Option<String> {
    let ok = !product.is_empty()
        && !product.starts_with('.')
        && product
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    ok.then(|| format!("products/{product}.yaml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_distributions() {
        let p = RegisteredProduct::parse(
            Path::new("products/x.yaml"),
            "name: x\nrepository: github:o/x\ndistributions: [cmd-os-1]\n",
        )
        .unwrap();
        assert_eq!(p.card, "umd-product.yaml");
        assert!(p.allows("cmd-os-1").is_ok());
        let err = p.allows("umd-5").unwrap_err().to_string();
        assert!(
            err.contains("umd-5") && err.contains("products/x.yaml"),
            "{err}"
        );
    }

    #[test]
    fn names_cannot_escape_the_registry() {
        assert_eq!(
            file_name("site-info-publisher").as_deref(),
            Some("products/site-info-publisher.yaml")
        );
        assert_eq!(file_name("../secrets"), None);
        assert_eq!(file_name(".hidden"), None);
        assert_eq!(file_name("a/b"), None);
    }
}
