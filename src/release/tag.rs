//! A tag read as a version under a policy's tag scheme. Strict semver, with the
//! exceptions a policy allows on purpose (a `v` prefix, APEL's `2.1.0-1`).

use serde::Serialize;

use crate::policy::TagScheme;

/// What a tag means once read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagVersion {
    /// The tag as given.
    pub tag: String,
    /// The prefix stripped, if any.
    pub prefix: Option<String>,
    /// The product version the packages must carry (e.g. "2.1.0").
    pub version: String,
    /// The package release the tag names (`2.1.0-1` -> "1"), when the scheme allows it.
    pub package_release: Option<String>,
    /// Whether the version is strict semver (else a `tag-semver` finding says why not).
    pub semver: bool,
    /// Why the tag is not a release version, and the tag that would be.
    pub problem: Option<TagProblem>,
    /// The semver spelling of a non-semver version (`1.2` -> `1.2.0`): packages
    /// and changelogs written either way match, so one bad tag is one finding.
    pub normalized: Option<String>,
}

impl TagVersion {
    /// The version to ask for in hints: the semver spelling when there is one.
    pub fn wanted(&self) -> &str {
        self.normalized.as_deref().unwrap_or(&self.version)
    }

    /// Whether a version found in a package or changelog is the tagged one.
    pub fn matches(&self, version: &str) -> bool {
        version == self.version || self.normalized.as_deref() == Some(version)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagProblem {
    pub message: String,
    /// A semver tag close to what was given, when one can be guessed.
    pub suggestion: Option<String>,
}

/// Reads `tag` under `scheme`. Never fails: a tag that is not a version still
/// yields its best-effort version string, so the other rules can run, plus a problem.
pub fn parse(tag: &str, scheme: &TagScheme) -> TagVersion {
    let tag = tag.trim();
    // Longest prefix first, so `rel-v` wins over `rel-` when both are configured.
    let mut prefixes: Vec<&String> = scheme.prefixes.iter().collect();
    prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let (prefix, rest) = prefixes
        .iter()
        .find_map(|p| {
            tag.strip_prefix(p.as_str())
                .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
                .map(|r| (Some(p.to_string()), r))
        })
        .unwrap_or((None, tag));
    let with_prefix = |v: &str| format!("{}{v}", prefix.as_deref().unwrap_or(""));

    let mut out = TagVersion {
        tag: tag.to_string(),
        prefix: prefix.clone(),
        version: rest.to_string(),
        package_release: None,
        semver: false,
        problem: None,
        normalized: None,
    };
    if rest.is_empty() {
        out.problem = Some(TagProblem {
            message: format!("tag `{tag}` has no version after its prefix"),
            suggestion: None,
        });
        return out;
    }
    match semver::Version::parse(rest) {
        Ok(v) => {
            out.semver = true;
            if !v.build.is_empty() {
                out.version = format!("{}.{}.{}", v.major, v.minor, v.patch);
                if !v.pre.is_empty() {
                    out.version.push('-');
                    out.version.push_str(v.pre.as_str());
                }
            }
            if !v.pre.is_empty() {
                let pre = v.pre.as_str();
                if scheme.package_release_suffix && pre.bytes().all(|b| b.is_ascii_digit()) {
                    // `2.1.0-1`: version 2.1.0, package release 1 (APEL's scheme).
                    out.version = format!("{}.{}.{}", v.major, v.minor, v.patch);
                    out.package_release = Some(pre.to_string());
                } else if !scheme.allow_prerelease {
                    out.problem = Some(TagProblem {
                        message: format!(
                            "tag `{tag}` is a pre-release (`-{pre}`), which this distribution does not release"
                        ),
                        suggestion: Some(with_prefix(&format!(
                            "{}.{}.{}",
                            v.major, v.minor, v.patch
                        ))),
                    });
                }
            }
        }
        Err(e) => {
            out.normalized = suggest(rest);
            out.problem = Some(TagProblem {
                message: format!("tag `{tag}` is not a semantic version ({e})"),
                suggestion: out.normalized.as_deref().map(with_prefix),
            });
        }
    }
    out
}

/// Guesses the semver spelling of common non-semver versions:
/// `1.2` -> `1.2.0`, `01.2.3` -> `1.2.3`, `5.1.1.dev1` -> `5.1.1-dev1`,
/// `4.1.0.0rc1` -> `4.1.0-rc1` (a fourth zero component is dropped).
fn suggest(v: &str) -> Option<String> {
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (nums, tail) = v.split_at(split);
    let mut parts: Vec<u64> = nums
        .split('.')
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if parts.is_empty() {
        return None;
    }
    while parts.len() > 3 && parts.last() == Some(&0) {
        parts.pop();
    }
    if parts.len() > 3 {
        return None;
    }
    parts.resize(3, 0);
    let core = format!("{}.{}.{}", parts[0], parts[1], parts[2]);
    let tail = tail.trim_start_matches(['-', '.', '_', '+']);
    let guess = if tail.is_empty() {
        core
    } else {
        format!("{core}-{tail}")
    };
    semver::Version::parse(&guess).ok().map(|_| guess)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme(package_release_suffix: bool) -> TagScheme {
        TagScheme {
            package_release_suffix,
            ..TagScheme::default()
        }
    }

    #[test]
    fn strict_semver_with_and_without_prefix() {
        let t = parse("1.2.3", &scheme(false));
        assert!(t.semver && t.problem.is_none());
        assert_eq!(t.version, "1.2.3");
        let t = parse("v0.13.0", &scheme(false));
        assert_eq!(
            (t.prefix.as_deref(), t.version.as_str()),
            (Some("v"), "0.13.0")
        );
        assert!(t.problem.is_none());
    }

    #[test]
    fn apel_package_release_only_when_the_policy_says_so() {
        let t = parse("2.1.0-1", &scheme(true));
        assert_eq!(t.version, "2.1.0");
        assert_eq!(t.package_release.as_deref(), Some("1"));
        assert!(t.problem.is_none());
        // Without the policy switch it is a semver pre-release, which is refused.
        let t = parse("2.1.0-1", &scheme(false));
        assert_eq!(t.package_release, None);
        let p = t.problem.unwrap();
        assert!(p.message.contains("pre-release"), "{}", p.message);
        assert_eq!(p.suggestion.as_deref(), Some("2.1.0"));
    }

    #[test]
    fn real_world_non_semver_tags_are_reported_with_a_suggestion() {
        for (tag, suggestion) in [
            ("5.1.1.dev1", Some("5.1.1-dev1")),
            ("4.1.0.0rc1", Some("4.1.0-rc1")),
            ("1.2", Some("1.2.0")),
            ("v01.2.3", Some("v1.2.3")),
            ("release-candidate", None),
        ] {
            let t = parse(tag, &scheme(true));
            assert!(!t.semver, "{tag} must not be semver");
            let p = t
                .problem
                .unwrap_or_else(|| panic!("{tag} must have a problem"));
            assert!(p.message.contains(tag), "{}", p.message);
            assert_eq!(p.suggestion.as_deref(), suggestion, "{tag}");
        }
    }

    #[test]
    fn non_semver_tags_match_both_spellings() {
        let t = parse("v1.4", &scheme(false));
        assert!(t.matches("1.4") && t.matches("1.4.0"));
        assert!(!t.matches("1.4.1"));
        let t = parse("1.4.0", &scheme(false));
        assert!(t.matches("1.4.0") && !t.matches("1.4"));
    }

    #[test]
    fn prefix_alone_is_a_problem() {
        let t = parse("v", &scheme(false));
        assert!(!t.semver);
        assert!(t.problem.is_some());
    }

    #[test]
    fn build_metadata_is_not_part_of_the_version() {
        let t = parse("1.2.3+build.7", &scheme(false));
        assert_eq!(t.version, "1.2.3");
        assert!(t.problem.is_none());
    }
}
