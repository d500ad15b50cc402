//! A submission request filed through the tracker's issue form (the GGUS
//! ticket's fields: product, version, distribution, release notes, packages),
//! parsed from the body GitHub renders for the form. Pure.

use crate::policy::Policy;

/// The label the issue form puts on a request.
pub const REQUEST_LABEL: &str = crate::labels::REQUEST;

/// A well-formed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub product: String,
    pub version: String,
    /// Policy id of the distribution (`cmd-os-1`).
    pub distribution: String,
    pub release_notes: String,
    pub packages: Vec<String>,
    pub notes: String,
}

/// The field headings of the submission form (`examples/ISSUE_TEMPLATE/submission.yml`, installed as `.github/ISSUE_TEMPLATE/submission.yml` in a tracking repository).
const FIELDS: [&str; 6] = [
    "Product",
    "Version",
    "Distribution",
    "Release notes",
    "Packages",
    "Additional notes",
];

/// Sections `### Heading` -> value, as GitHub renders an issue form.
fn sections(body: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in body.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            out.push((h.trim().to_string(), String::new()));
        } else if let Some((_, v)) = out.last_mut() {
            v.push_str(line.trim_end_matches('\r'));
            v.push('\n');
        }
    }
    for (_, v) in &mut out {
        *v = v.trim().to_string();
        // GitHub writes this for an optional field left empty.
        if v == "_No response_" {
            v.clear();
        }
    }
    out
}

/// Parses a request, or lists every problem with it so the submitter can fix
/// them all at once.
pub fn parse(body: &str, policies: &[Policy]) -> Result<Request, Vec<String>> {
    let s = sections(body);
    let get = |name: &str| {
        s.iter()
            .find(|(h, _)| h == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let mut problems = Vec::new();
    for f in &FIELDS[..5] {
        if get(f).is_empty() {
            problems.push(format!("**{f}** is missing: edit the issue and fill it in"));
        }
    }
    let product = get("Product").to_string();
    if !product.is_empty() && crate::policy::registry::file_name(&product).is_none() {
        problems.push(format!(
            "**Product** `{}` is not a product name (letters, digits, `.`, `_`, `-`)",
            crate::submission::neutralize(&product)
        ));
    }
    let version = get("Version").trim_start_matches('v').to_string();
    if !version.is_empty() && semver::Version::parse(&version).is_err() {
        problems.push(format!(
            "**Version** `{}` is not a semantic version such as `1.4.0`",
            crate::submission::neutralize(&version)
        ));
    }
    let dist_name = get("Distribution");
    let distribution = policies
        .iter()
        .find(|p| p.name == dist_name || p.id == dist_name)
        .map(|p| p.id.clone());
    if distribution.is_none() && !dist_name.is_empty() {
        let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
        problems.push(format!(
            "**Distribution** `{}` is not one of: {}",
            crate::submission::neutralize(dist_name),
            names.join(", ")
        ));
    }
    let release_notes = get("Release notes").to_string();
    if !release_notes.is_empty() && !release_notes.starts_with("https://") {
        problems.push("**Release notes** must be an https:// link to the release notes".into());
    }
    let packages: Vec<String> = get("Packages")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    for p in &packages {
        let name = p.rsplit('/').next().unwrap_or("");
        if !p.starts_with("https://") || !(name.ends_with(".rpm") || name.ends_with(".deb")) {
            problems.push(format!(
                "**Packages**: `{}` is not an https:// link to a .rpm or .deb file",
                crate::submission::neutralize(p)
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Request {
        product,
        version,
        distribution: distribution.unwrap_or_default(),
        release_notes,
        packages,
        notes: get("Additional notes").to_string(),
    })
}

/// The (tag, file name) of a package link that points at a release asset of
/// `repo` (`OWNER/REPO`) on GitHub. Anything else is refused: the tool fetches
/// packages only through the forge's API, never from an address a form names.
pub fn release_asset(url: &str, repo: &str) -> Option<(String, String)> {
    let rest = url
        .strip_prefix("https://github.com/")?
        .strip_prefix(repo)?
        .strip_prefix("/releases/download/")?;
    let (tag, name) = rest.split_once('/')?;
    (!tag.is_empty() && crate::intake::safe_file_name(name))
        .then(|| (tag.to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = "### Product\n\nsite-info-publisher\n\n### Version\n\n1.4.0\n\n### Distribution\n\nCMD-OS 1\n\n### Release notes\n\nhttps://github.com/o/r/releases/tag/v1.4.0\n\n### Packages\n\nhttps://github.com/o/r/releases/download/v1.4.0/a-1.4.0-1.el7.noarch.rpm\nhttps://github.com/o/r/releases/download/v1.4.0/a_1.4.0-1~xenial_all.deb\n\n### Additional notes\n\n_No response_\n";

    #[test]
    fn a_filled_form_parses() {
        let r = parse(FORM, &Policy::all_builtin()).unwrap();
        assert_eq!(r.product, "site-info-publisher");
        assert_eq!(r.distribution, "cmd-os-1");
        assert_eq!(r.packages.len(), 2);
        assert_eq!(r.notes, "");
    }

    #[test]
    fn every_problem_is_listed() {
        let bad = FORM
            .replace("1.4.0\n\n### Distribution", "1.4\n\n### Distribution")
            .replace("CMD-OS 1", "CMD-K8S 1")
            .replace(
                "https://github.com/o/r/releases/download/v1.4.0/a_1.4.0-1~xenial_all.deb",
                "http://x/a.tar.gz",
            )
            .replace(
                "### Release notes\n\nhttps://github.com/o/r/releases/tag/v1.4.0",
                "### Release notes\n\n_No response_",
            );
        let problems = parse(&bad, &Policy::all_builtin()).unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("Release notes** is missing"))
        );
        assert!(problems.iter().any(|p| p.contains("CMD-K8S 1")));
        assert!(problems.iter().any(|p| p.contains("`1.4`")));
        assert!(problems.iter().any(|p| p.contains("http://x/a.tar.gz")));
    }

    #[test]
    fn only_release_assets_of_the_registered_repository() {
        let url = "https://github.com/o/r/releases/download/v1.4.0/a-1.4.0-1.el7.noarch.rpm";
        assert_eq!(
            release_asset(url, "o/r"),
            Some(("v1.4.0".into(), "a-1.4.0-1.el7.noarch.rpm".into()))
        );
        assert_eq!(release_asset(url, "o/other"), None);
        assert_eq!(
            release_asset(
                "https://github.com/o/r/releases/download/v1/../x.rpm",
                "o/r"
            ),
            None
        );
        assert_eq!(
            release_asset("https://evil.example/o/r/releases/download/v1/x.rpm", "o/r"),
            None
        );
    }

    #[test]
    fn hostile_values_are_neutralized_in_problems() {
        let bad = FORM.replace(
            "site-info-publisher",
            "<!-- umd-release:submission x/y/z --> @all",
        );
        let problems = parse(&bad, &Policy::all_builtin()).unwrap_err();
        assert!(
            problems
                .iter()
                .all(|p| !p.contains("<!--") && !p.contains(" @all")),
            "{problems:#?}"
        );
    }
}
