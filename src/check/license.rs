//! Licences: the rules `license-spdx`, `license-not-approved` and
//! `license-mismatch`, and the expressions they read: strict SPDX for the
//! Product ID Card, lenient for package headers, which often carry Fedora's
//! legacy short names.

use crate::rules;
use std::collections::BTreeSet;

use spdx::{Expression, ParseMode};

use crate::package::PackageFormat;
use crate::policy::LicensePolicy;

use super::{Ctx, Location, Sink, card_loc};

/// Fedora's legacy short names still found in spec files, mapped to SPDX
/// (from Fedora's licensing table); the spdx crate's imprecise names cover the rest.
const LEGACY: &[(&str, &str)] = &[
    ("ASL 2.0", "Apache-2.0"),
    // Spellings seen in real cards and specs, which the LAX parser would
    // otherwise read back as themselves.
    ("Apache 2.0", "Apache-2.0"),
    ("Apache License 2.0", "Apache-2.0"),
    ("Apache License, Version 2.0", "Apache-2.0"),
    ("Apache Software License 2.0", "Apache-2.0"),
    ("Apache-2", "Apache-2.0"),
    ("GPL-2.0+", "GPL-2.0-or-later"),
    ("GPL-3.0+", "GPL-3.0-or-later"),
    ("LGPL-2.1+", "LGPL-2.1-or-later"),
    ("ASL 1.1", "Apache-1.1"),
    ("GPLv2+", "GPL-2.0-or-later"),
    ("GPLv2", "GPL-2.0-only"),
    ("GPLv3+", "GPL-3.0-or-later"),
    ("GPLv3", "GPL-3.0-only"),
    ("LGPLv2+", "LGPL-2.1-or-later"),
    ("LGPLv2", "LGPL-2.1-only"),
    ("LGPLv3+", "LGPL-3.0-or-later"),
    ("LGPLv3", "LGPL-3.0-only"),
    ("AGPLv3+", "AGPL-3.0-or-later"),
    ("AGPLv3", "AGPL-3.0-only"),
    ("MPLv2.0", "MPL-2.0"),
    ("EUPL 1.1", "EUPL-1.1"),
    ("EUPL 1.2", "EUPL-1.2"),
    ("BSD", "BSD-3-Clause"),
    // Debian's short names (copyright files, /usr/share/common-licenses).
    ("GPL-1+", "GPL-1.0-or-later"),
    ("GPL-2+", "GPL-2.0-or-later"),
    ("GPL-3+", "GPL-3.0-or-later"),
    ("GPL-1", "GPL-1.0-only"),
    ("GPL-2", "GPL-2.0-only"),
    ("GPL-3", "GPL-3.0-only"),
    ("LGPL-2+", "LGPL-2.0-or-later"),
    ("LGPL-2.1+", "LGPL-2.1-or-later"),
    ("LGPL-3+", "LGPL-3.0-or-later"),
    ("LGPL-2", "LGPL-2.0-only"),
    ("LGPL-2.1", "LGPL-2.1-only"),
    ("LGPL-3", "LGPL-3.0-only"),
    ("AGPL-3+", "AGPL-3.0-or-later"),
    ("AGPL-3", "AGPL-3.0-only"),
    ("BSD-2-clause", "BSD-2-Clause"),
    ("BSD-3-clause", "BSD-3-Clause"),
    ("Expat", "MIT"),
    ("Boost", "BSL-1.0"),
    ("Python", "PSF-2.0"),
];

/// Parses a card licence strictly; on failure returns the SPDX spelling of a
/// legacy or imprecise name when one is known, for the hint.
pub fn parse_strict(text: &str) -> Result<Expression, Option<String>> {
    Expression::parse(text).map_err(|_| {
        lenient(text)
            .map(|e| e.to_string())
            // A suggestion that is the text itself helps no one.
            .filter(|s| s != text.trim())
    })
}

/// Parses a package licence header, accepting legacy and imprecise names.
pub fn lenient(text: &str) -> Option<Expression> {
    let text = text.trim();
    let mut mapped = text.to_string();
    // Longest names first so `GPLv2+` is not read as `GPLv2` followed by `+`.
    let mut legacy: Vec<_> = LEGACY.to_vec();
    legacy.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    for (old, new) in legacy {
        mapped = replace_word(&mapped, old, new);
    }
    // Fedora writes operators in lower case; SPDX wants them in upper case.
    for (old, new) in [(" and ", " AND "), (" or ", " OR "), (" with ", " WITH ")] {
        mapped = mapped.replace(old, new);
    }
    Expression::parse(&mapped)
        .or_else(|_| Expression::parse_mode(&mapped, ParseMode::LAX))
        .ok()
}

/// Replaces `old` where it stands as a whole word (legacy names contain spaces and `+`).
fn replace_word(text: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(old) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + old.len()..].chars().next();
        let bounded = |c: Option<char>| {
            c.is_none_or(|c| !(c.is_alphanumeric() || c == '.' || c == '-' || c == '+'))
        };
        out.push_str(&rest[..i]);
        if bounded(before) && bounded(after) {
            out.push_str(new);
        } else {
            out.push_str(old);
        }
        rest = &rest[i + old.len()..];
    }
    out.push_str(rest);
    out
}

/// The licence ids an expression names (`MIT OR Apache-2.0` -> {Apache-2.0, MIT}).
pub fn ids(expr: &Expression) -> BTreeSet<String> {
    expr.requirements()
        .map(|r| r.req.license.to_string())
        .collect()
}

/// Licence ids of the expression that the policy does not accept, or empty if the
/// expression as a whole is acceptable (an `OR` needs one acceptable side).
pub fn refused(expr: &Expression, policy: &LicensePolicy) -> Vec<String> {
    let ok = |name: &str, osi: bool| {
        if policy.deny.iter().any(|d| d == name) {
            return false;
        }
        policy.allow.iter().any(|a| a == name) || (policy.osi_approved && osi)
    };
    let acceptable = expr.evaluate(|req| match req.license.id() {
        Some(id) => ok(id.name, id.is_osi_approved()),
        None => ok(&req.license.to_string(), false),
    });
    if acceptable {
        return Vec::new();
    }
    expr.requirements()
        .filter(|r| match r.req.license.id() {
            Some(id) => !ok(id.name, id.is_osi_approved()),
            None => !ok(&r.req.license.to_string(), false),
        })
        .map(|r| r.req.license.to_string())
        .collect()
}

pub(super) fn check_license(ctx: &Ctx, sink: &mut Sink) {
    let Some(card) = &ctx.facts.card else { return };
    let Some(lic) = &card.license else { return };
    if lic.value().trim().is_empty() {
        return;
    }
    let expr = match parse_strict(lic.value()) {
        Ok(e) => e,
        Err(suggestion) => {
            let hint = match suggestion {
                Some(s) => format!("write the SPDX expression `{s}`"),
                None => "write an SPDX licence expression from https://spdx.org/licenses/, e.g. `Apache-2.0`".into(),
            };
            sink.push(
                &rules::LICENSE_SPDX,
                format!(
                    "the card's licence `{}` is not an SPDX expression",
                    lic.value()
                ),
                card_loc(lic.line()),
                hint,
            );
            return;
        }
    };
    let refused = refused(&expr, &ctx.policy.licenses);
    if !refused.is_empty() {
        sink.push(
            &rules::LICENSE_NOT_APPROVED,
            format!(
                "the licence `{expr}` is not accepted by {}: {} is neither OSI-approved nor allowed",
                ctx.policy.name,
                refused.join(", ")
            ),
            card_loc(lic.line()),
            "release under an OSI-approved licence (https://opensource.org/licenses), or ask the distribution to list it in `licenses.allow`".into(),
        );
    }
    let want = ids(&expr);
    for pkg in &ctx.facts.packages {
        let path = ctx.package_path(pkg);
        let (message, hint) = match &pkg.license {
            None if pkg.license_undeclared => {
                let copyright = format!("usr/share/doc/{}/copyright", pkg.name);
                sink.push(
                    &rules::LICENSE_UNDECLARED,
                    format!(
                        "{}: its copyright file {copyright} declares no licence umd-release can read, so it cannot be compared with the card's `{expr}`",
                        pkg.file.display()
                    ),
                    Location::given(path),
                    format!(
                        "add a machine-readable (DEP-5) `License: {expr}` field to {copyright}, or a `/usr/share/common-licenses/` reference or the licence's standard notice"
                    ),
                );
                continue;
            }
            None => (
                format!("{} declares no licence", pkg.file.display()),
                match pkg.format {
                    PackageFormat::Deb => format!("ship a DEP-5 copyright file at usr/share/doc/{}/copyright with `License: {expr}`", pkg.name),
                    PackageFormat::Rpm => format!("set `License: {expr}` in the spec"),
                },
            ),
            Some(text) => match lenient(text) {
                Some(e) if ids(&e) == want => continue,
                Some(e) => (
                    format!("{} declares licence `{text}` ({e}), but the card says `{expr}`", pkg.file.display()),
                    "make the package's licence header and the card's `license` name the same licences".into(),
                ),
                None => (
                    format!("{} declares licence `{text}`, which is not a licence expression the card's `{expr}` can be compared with", pkg.file.display()),
                    match pkg.format {
                        PackageFormat::Deb => "use SPDX identifiers in the copyright file's `License:` field".into(),
                        PackageFormat::Rpm => format!("set `License: {expr}` in the spec"),
                    },
                ),
            },
        };
        sink.push(
            &rules::LICENSE_MISMATCH,
            message,
            Location::given(path),
            hint,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_names_map_to_spdx() {
        for (old, new) in [
            ("ASL 2.0", "Apache-2.0"),
            ("GPLv3+", "GPL-3.0-or-later"),
            ("GPLv2+ and BSD", "GPL-2.0-or-later AND BSD-3-Clause"),
            ("MIT", "MIT"),
            // Debian's short names, from copyright files.
            ("GPL-2+", "GPL-2.0-or-later"),
            ("GPL-2", "GPL-2.0-only"),
            ("LGPL-2.1", "LGPL-2.1-only"),
            ("LGPL-2.1+ or Expat", "LGPL-2.1-or-later OR MIT"),
            ("BSD-3-clause", "BSD-3-Clause"),
        ] {
            let e = lenient(old).unwrap_or_else(|| panic!("{old}"));
            assert_eq!(e.to_string(), new, "{old}");
        }
        assert!(lenient("Proprietary, all rights reserved").is_none());
    }

    #[test]
    fn strict_parse_suggests_the_spdx_spelling() {
        assert!(parse_strict("Apache-2.0").is_ok());
        assert_eq!(
            parse_strict("ASL 2.0").unwrap_err().as_deref(),
            Some("Apache-2.0")
        );
        assert_eq!(parse_strict("no such thing").unwrap_err(), None);
        for written in [
            "Apache 2.0",
            "Apache License 2.0",
            "Apache License, Version 2.0",
        ] {
            assert_eq!(
                parse_strict(written).unwrap_err().as_deref(),
                Some("Apache-2.0"),
                "{written}"
            );
        }
    }

    #[test]
    fn approval_follows_osi_and_policy_lists() {
        let p = LicensePolicy::default();
        let e = |s| Expression::parse(s).unwrap();
        assert!(refused(&e("Apache-2.0"), &p).is_empty());
        assert_eq!(refused(&e("CC-BY-NC-4.0"), &p), ["CC-BY-NC-4.0"]);
        // One acceptable side of an OR is enough.
        assert!(refused(&e("CC-BY-NC-4.0 OR MIT"), &p).is_empty());
        let strict = LicensePolicy {
            deny: vec!["GPL-3.0-only".into()],
            allow: vec!["CC-BY-4.0".into()],
            ..LicensePolicy::default()
        };
        assert_eq!(refused(&e("GPL-3.0-only"), &strict), ["GPL-3.0-only"]);
        assert!(refused(&e("CC-BY-4.0"), &strict).is_empty());
    }
}
