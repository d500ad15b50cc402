//! A tag read as a version under a policy's tag scheme. Strict semver, with the
//! exceptions a policy allows on purpose (a `v` prefix, APEL's `2.1.0-1`).

use serde::Serialize;

use crate::policy::TagScheme;

/// What a tag means once read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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

    /// The tag as (version, package release): `2.1.0-1` under APEL's scheme is
    /// ("2.1.0", Some("1")); `24.6.0-0.a5`, a pre-release in semver, is read
    /// the rpm way, version 24.6.0 and release 0.a5, as specs that tag so mean it.
    pub fn parts(&self) -> (&str, Option<&str>) {
        if let Some(r) = &self.package_release {
            return (self.wanted(), Some(r));
        }
        match self.wanted().split_once('-') {
            Some((v, r)) if r.starts_with(|c: char| c.is_ascii_digit()) => (v, Some(r)),
            _ => (self.wanted(), None),
        }
    }

    /// Whether a changelog entry (its upstream `version` and its whole
    /// `expanded` version, `[epoch:]version[-release]`) is of the tagged release.
    pub fn names_entry(&self, version: &str, expanded: &str) -> bool {
        let (epoch_free, _) = split_epoch(expanded);
        if self.matches(version) || self.matches(epoch_free) {
            return true;
        }
        // `## [0.4.0-1]` for tag 0.4.0: a package release in a product changelog.
        let (v, r) = self.parts();
        match epoch_free.rsplit_once('-') {
            Some((up, rel)) => {
                up == v && r.is_none_or(|r| r == rel) || self.matches(up) && r.is_none()
            }
            None => false,
        }
    }
}

/// (`1:2.3-4` -> (`2.3-4`, Some("1"))).
pub fn split_epoch(v: &str) -> (&str, Option<&str>) {
    match v.split_once(':') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
            (rest, Some(e))
        }
        _ => (v, None),
    }
}

/// The product name a tag such as `cvmfs-2.11.5` or `storm_1.2.3` starts
/// with, if any (not a generic word such as `release-`).
pub fn name_prefix(tag: &str) -> Option<&str> {
    let i = tag.find(|c: char| c.is_ascii_digit())?;
    let head = tag.get(..i)?;
    let name = head.strip_suffix(['-', '_'])?;
    let generic = ["v", "r", "rel", "release", "version", "tag"];
    (!name.is_empty()
        && name.chars().any(|c| c.is_ascii_alphabetic())
        && !generic.contains(&name.to_ascii_lowercase().as_str())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
    .then_some(name)
}

/// A version after a non-semver lead: `v.1.0.0`, `V.0.1.2`, `R_5_2_23`,
/// `cvmfs-2.11.5`, `release-1.4.0`; (lead, version with `_` read as `.`).
fn after_lead(rest: &str) -> Option<(&str, String)> {
    let i = rest.find(|c: char| c.is_ascii_digit())?;
    let (lead, core) = rest.split_at_checked(i)?;
    let underscored = core.contains('_') && !core.contains('.');
    if (lead.is_empty() && !underscored)
        || !lead
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return None;
    }
    if !underscored {
        return Some((lead, core.to_string()));
    }
    // CVS-era tags: `R_1_0_3` is 1.0.3, and `R_2_0_24_1` version 2.0.24
    // package release 1, as the specs of those releases say.
    let parts: Vec<&str> = core.split('_').collect();
    let numeric = parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
    let core = match parts.as_slice() {
        [a, b, c, r] if numeric => format!("{a}.{b}.{c}-{r}"),
        _ => parts.join("."),
    };
    Some((lead, core))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
        Err(_) if after_lead(rest).is_some() => {
            let Some((lead, core)) = after_lead(rest) else {
                return out;
            };
            // Read what follows the lead as a tag of its own, so one bad tag
            // is one finding and the other rules use the version it names.
            let inner = parse(
                &core,
                &TagScheme {
                    prefixes: Vec::new(),
                    ..scheme.clone()
                },
            );
            let spelled = inner
                .problem
                .as_ref()
                .map_or(Some(core.clone()), |p| p.suggestion.clone());
            let v = if lead.starts_with(['v', 'V']) {
                "v"
            } else {
                ""
            };
            out.version = inner.version;
            out.package_release = inner.package_release;
            out.normalized = inner.normalized;
            out.problem = Some(TagProblem {
                message: format!(
                    "tag `{tag}` is not a semantic version: {}",
                    if lead.is_empty() {
                        format!("it separates the parts of {core} with `_`")
                    } else {
                        format!("`{lead}` comes before the version {core}")
                    }
                ),
                suggestion: spelled.map(|s| format!("{v}{s}")),
            });
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
    fn a_lead_before_the_version_is_one_problem_and_the_version_is_read() {
        for (tag, version, release, suggestion) in [
            ("v.1.0.0", "1.0.0", None, "v1.0.0"),
            ("V.0.1.2", "0.1.2", None, "v0.1.2"),
            ("V.0.2.4-1", "0.2.4", Some("1"), "v0.2.4-1"),
            ("R_5_2_23", "5.2.23", None, "5.2.23"),
            ("R_0_8_10", "0.8.10", None, "0.8.10"),
            ("cvmfs-2.11.5", "2.11.5", None, "2.11.5"),
            ("release-1.4.0", "1.4.0", None, "1.4.0"),
            ("1_6_0", "1.6.0", None, "1.6.0"),
            ("R_2_0_24_1", "2.0.24", Some("1"), "2.0.24-1"),
        ] {
            let t = parse(tag, &scheme(true));
            assert!(!t.semver, "{tag}");
            assert_eq!(t.version, version, "{tag}");
            assert_eq!(t.package_release.as_deref(), release, "{tag}");
            let p = t.problem.clone().unwrap();
            assert!(p.message.contains(tag), "{}", p.message);
            assert_eq!(p.suggestion.as_deref(), Some(suggestion), "{tag}");
            assert!(t.matches(version));
        }
        assert_eq!(name_prefix("cvmfs-2.11.5"), Some("cvmfs"));
        assert_eq!(name_prefix("release-1.4.0"), None);
        assert_eq!(name_prefix("v1.4.0"), None);
        assert_eq!(name_prefix("R_5_2_23"), None);
    }

    #[test]
    fn entries_match_part_by_part() {
        let t = parse("v24.6.0-0.a5", &TagScheme::default());
        assert_eq!(t.parts(), ("24.6.0", Some("0.a5")));
        assert!(t.names_entry("24.6.0", "24.6.0-0.a5"));
        let apel = parse("2.5.0-1", &scheme(true));
        assert_eq!(apel.parts(), ("2.5.0", Some("1")));
        assert!(apel.names_entry("2.5.0", "2.5.0-1"));
        // The release part is the changelog rule's to compare.
        assert!(apel.names_entry("2.5.0", "2.5.0-2"));
        let plain = parse("0.4.0", &scheme(false));
        assert!(plain.names_entry("0.4.0-1", "0.4.0-1"));
        assert!(parse("v5.9.4", &scheme(false)).names_entry("5.9.4", "1:5.9.4-1"));
        assert!(!plain.names_entry("0.3.0", "0.3.0-1"));
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
