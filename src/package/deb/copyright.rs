//! Reading the licence out of a deb's `usr/share/doc/<package>/copyright`,
//! machine-readable (DEP-5) or free-form, as real Debian packages write it.

/// What a copyright file says the licence is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyrightLicense {
    /// The first `License:` short name, as written (DEP-5, or a free-form
    /// file that has a `License:` line).
    Field(String),
    /// An SPDX expression read from free-form wording: references to
    /// `/usr/share/common-licenses/<NAME>` or the licences' standard notices.
    Notice(String),
    /// The file says nothing this reader recognises as a licence.
    Undeclared,
}

impl CopyrightLicense {
    /// The licence text to compare with the card, None when undeclared.
    pub fn license(self) -> Option<String> {
        match self {
            Self::Field(s) | Self::Notice(s) => Some(s),
            Self::Undeclared => None,
        }
    }
}

/// Reads the licence a copyright file declares: a DEP-5 file's first
/// `License:`; otherwise, in this order, a `License:` line anywhere naming a
/// licence (not a notice sentence, and not an unversioned GPL family the text
/// says more about), the
/// `/usr/share/common-licenses/` files it refers to, and the standard notice
/// sentences (Apache-2.0, GNU GPL/LGPL/AGPL with their version and "any later
/// version", MIT, BSD).
pub fn read_copyright(text: &str) -> CopyrightLicense {
    let dep5 = is_dep5(text);
    let field = license_line(text, dep5);
    if dep5 && let Some(f) = field {
        return CopyrightLicense::Field(f.to_string());
    }
    // Free-form files also write the notice itself after `License:`.
    let field = field.filter(|f| is_short_name(f));
    let from_text = from_wording(text);
    match (field, from_text) {
        (Some(f), Some(t)) if is_unversioned_gnu(f) => CopyrightLicense::Notice(t),
        (Some(f), _) => CopyrightLicense::Field(f.to_string()),
        (None, Some(t)) => CopyrightLicense::Notice(t),
        (None, None) => CopyrightLicense::Undeclared,
    }
}

/// A DEP-5 file starts with a paragraph holding `Format:`.
fn is_dep5(text: &str) -> bool {
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| !l.starts_with([' ', '\t']))
        .filter_map(|l| l.split_once(':'))
        .any(|(k, _)| k.trim().eq_ignore_ascii_case("Format"))
}

/// The first non-empty `License:` value; at column 0 in DEP-5, also indented otherwise.
fn license_line(text: &str, dep5: bool) -> Option<&str> {
    text.lines()
        .filter(move |l| !dep5 || !l.starts_with([' ', '\t']))
        .filter_map(|l| l.trim_start().split_once(':'))
        .filter(|(k, _)| k.trim_end().eq_ignore_ascii_case("License"))
        .map(|(_, v)| v.trim())
        .find(|v| !v.is_empty())
}

/// A licence name (`GPL-2+`, `Apache License, Version 2.0`, `GPL-1+ or
/// Artistic`), not the start of a notice sentence.
fn is_short_name(field: &str) -> bool {
    field.split_whitespace().count() <= 6 && !field.ends_with(['.', ';', ','])
}

/// `GPL`, `LGPL`, `GPL/LGPL`: says less than the notice around it.
fn is_unversioned_gnu(field: &str) -> bool {
    !field.contains(|c: char| c.is_ascii_digit())
        && field
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .all(|w| ["gpl", "lgpl", "agpl", "gnu"].contains(&w.to_ascii_lowercase().as_str()))
}

/// `/usr/share/common-licenses/` names and the SPDX ids they stand for; the
/// second id is the "or later" one.
const COMMON: &[(&str, &str, Option<&str>)] = &[
    ("Apache-2.0", "Apache-2.0", None),
    ("Artistic", "Artistic-1.0-Perl", None),
    ("BSD", "BSD-3-Clause", None),
    ("CC0-1.0", "CC0-1.0", None),
    ("GFDL-1.2", "GFDL-1.2-only", Some("GFDL-1.2-or-later")),
    ("GFDL-1.3", "GFDL-1.3-only", Some("GFDL-1.3-or-later")),
    ("GPL-1", "GPL-1.0-only", Some("GPL-1.0-or-later")),
    ("GPL-2", "GPL-2.0-only", Some("GPL-2.0-or-later")),
    ("GPL-3", "GPL-3.0-only", Some("GPL-3.0-or-later")),
    ("LGPL-2", "LGPL-2.0-only", Some("LGPL-2.0-or-later")),
    ("LGPL-2.1", "LGPL-2.1-only", Some("LGPL-2.1-or-later")),
    ("LGPL-3", "LGPL-3.0-only", Some("LGPL-3.0-or-later")),
    ("MPL-1.1", "MPL-1.1", None),
    ("MPL-2.0", "MPL-2.0", None),
];

/// The SPDX expression the free-form wording amounts to, ids joined by AND in
/// the order found (the check compares the sets of ids).
fn from_wording(text: &str) -> Option<String> {
    // Lower case, one space between words: notices are wrapped anywhere.
    let flat = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let later = flat.contains("any later version");
    let mut ids: Vec<String> = Vec::new();
    for name in common_references(&flat) {
        let name = match name.as_str() {
            // The unversioned names are links to the latest version.
            "gpl" => gnu_version(&flat, "gnu general public license").unwrap_or("gpl-3"),
            "lgpl" => gnu_version(&flat, "gnu lesser general public license")
                .or_else(|| gnu_version(&flat, "gnu library general public license"))
                .unwrap_or("lgpl-3"),
            "gfdl" => "gfdl-1.3",
            n => n,
        }
        .to_string();
        if let Some((_, only, or_later)) =
            COMMON.iter().find(|(n, ..)| n.eq_ignore_ascii_case(&name))
        {
            ids.push(match or_later {
                Some(l) if later => l.to_string(),
                _ => only.to_string(),
            });
        }
    }
    if ids.is_empty() {
        ids = from_notices(&flat, later);
    }
    let mut seen = Vec::new();
    ids.retain(|id| {
        let new = !seen.contains(id);
        seen.push(id.clone());
        new
    });
    (!ids.is_empty()).then(|| ids.join(" AND "))
}

/// Lower-case names after `/usr/share/common-licenses/`, a sentence's full stop dropped.
fn common_references(flat: &str) -> Vec<String> {
    const DIR: &str = "/usr/share/common-licenses/";
    flat.match_indices(DIR)
        .map(|(i, _)| {
            let rest = &flat[i + DIR.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_')))
                .unwrap_or(rest.len());
            rest[..end].trim_end_matches(['.', '+']).to_string()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// The `/usr/share/common-licenses/` name of the GNU licence a notice names
/// with its version: "gnu general public license ... version 2" -> "gpl-2".
fn gnu_version(flat: &str, licence: &str) -> Option<&'static str> {
    let lesser = licence.contains("lesser") || licence.contains("library");
    flat.match_indices(licence).find_map(|(i, _)| {
        // The version is stated close to the name, before or after it.
        let from = floor_char(flat, i.saturating_sub(60));
        let to = ceil_char(flat, (i + licence.len() + 160).min(flat.len()));
        let window = &flat[from..to];
        let version = [
            "version 2.1",
            "version 3",
            "version 2",
            "version 1",
            "v2.1",
            "v3",
            "v2",
        ]
        .into_iter()
        .find(|v| window.contains(v))?;
        Some(
            match (
                lesser,
                version
                    .trim_start_matches("version ")
                    .trim_start_matches('v'),
            ) {
                (true, "2.1") => "lgpl-2.1",
                (true, "3") => "lgpl-3",
                (true, _) => "lgpl-2",
                (false, "3") => "gpl-3",
                (false, "1") => "gpl-1",
                (false, _) => "gpl-2",
            },
        )
    })
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// SPDX ids named by the standard notice sentences of a flattened text.
fn from_notices(flat: &str, later: bool) -> Vec<String> {
    let mut ids = Vec::new();
    if flat.contains("apache license, version 2.0")
        || flat.contains("apache license version 2.0")
        || flat.contains("apache license 2.0")
    {
        ids.push("Apache-2.0".to_string());
    }
    let suffix = if later { "-or-later" } else { "-only" };
    // "GNU General Public License" also ends "GNU Lesser/Affero General Public License".
    let plain_gpl = flat.match_indices("general public license").any(|(i, _)| {
        let before = &flat[..i];
        !(before.ends_with("lesser ")
            || before.ends_with("library ")
            || before.ends_with("affero "))
    });
    if plain_gpl && let Some(v) = gnu_version(flat, "gnu general public license") {
        let id = match v {
            "gpl-1" => "GPL-1.0",
            "gpl-3" => "GPL-3.0",
            _ => "GPL-2.0",
        };
        ids.push(format!("{id}{suffix}"));
    }
    let lesser = gnu_version(flat, "gnu lesser general public license")
        .or_else(|| gnu_version(flat, "gnu library general public license"));
    if let Some(v) = lesser {
        let id = match v {
            "lgpl-2.1" => "LGPL-2.1",
            "lgpl-3" => "LGPL-3.0",
            _ => "LGPL-2.0",
        };
        ids.push(format!("{id}{suffix}"));
    }
    if flat.contains("gnu affero general public license") {
        ids.push(format!("AGPL-3.0{suffix}"));
    }
    if flat.contains("mit license") || flat.contains("permission is hereby granted, free of charge")
    {
        ids.push("MIT".to_string());
    }
    if flat.contains("redistribution and use in source and binary forms, with or without modification, are permitted") {
        let three = flat.contains("endorse or promote products derived");
        ids.push(if three { "BSD-3-Clause" } else { "BSD-2-Clause" }.to_string());
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(text: &str) -> Option<String> {
        match read_copyright(text) {
            CopyrightLicense::Notice(s) => Some(s),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn dep5_field() {
        let t = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
                 Upstream-Name: x\n\nFiles: *\nCopyright: me\nLicense: Apache-2.0\n Text\n";
        assert_eq!(
            read_copyright(t),
            CopyrightLicense::Field("Apache-2.0".into())
        );
    }

    #[test]
    fn free_form_license_line() {
        let t = "This package was debianized by me.\n\nCopyright: 2020 Me\n  License: GPL-2+\n";
        assert_eq!(read_copyright(t), CopyrightLicense::Field("GPL-2+".into()));
        // An unversioned GPL says less than the notice below it.
        let t = "License: GPL\n\n This program is free software; you can redistribute it under the\n \
                 terms of the GNU General Public License as published by the Free Software\n \
                 Foundation; either version 2 of the License, or (at your option) any later version.\n";
        assert_eq!(notice(t).as_deref(), Some("GPL-2.0-or-later"));
        // A notice written after `License:` is read as the notice.
        let t = "License: Licensed under the Apache License, Version 2.0 (the \"License\");\n";
        assert_eq!(notice(t).as_deref(), Some("Apache-2.0"));
        let t = "License: This program is free software.\n";
        assert_eq!(read_copyright(t), CopyrightLicense::Undeclared);
    }

    #[test]
    fn common_licenses_references() {
        for (text, want) in [
            ("see /usr/share/common-licenses/Apache-2.0.", "Apache-2.0"),
            ("in `/usr/share/common-licenses/GPL-2'.", "GPL-2.0-only"),
            (
                "version 2, or (at your option) any later version.\n On Debian systems see\n /usr/share/common-licenses/GPL-2.",
                "GPL-2.0-or-later",
            ),
            ("/usr/share/common-licenses/LGPL-2.1", "LGPL-2.1-only"),
            ("/usr/share/common-licenses/BSD", "BSD-3-Clause"),
            (
                "GNU General Public License version 3 ... /usr/share/common-licenses/GPL",
                "GPL-3.0-only",
            ),
            (
                "/usr/share/common-licenses/GPL-3 and /usr/share/common-licenses/LGPL-3",
                "GPL-3.0-only AND LGPL-3.0-only",
            ),
        ] {
            assert_eq!(notice(text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn notice_sentences() {
        for (text, want) in [
            (
                "Licensed under the Apache License,\n Version 2.0 (the \"License\");",
                "Apache-2.0",
            ),
            (
                "under the terms of the GNU General Public License as published by\nthe Free Software Foundation, version 3.",
                "GPL-3.0-only",
            ),
            (
                "GNU Lesser General Public License as published by the Free Software Foundation;\n either version 2.1 of the License, or (at your option) any later version.",
                "LGPL-2.1-or-later",
            ),
            ("The MIT License\n\nCopyright (c) 2020", "MIT"),
            (
                "Permission is hereby granted, free of charge, to any person",
                "MIT",
            ),
        ] {
            assert_eq!(notice(text).as_deref(), Some(want), "{text}");
        }
    }

    /// Real Debian copyright files (origins in tests/fixtures/copyright/ORIGIN.md).
    #[test]
    fn real_free_form_files() {
        for (file, want) in [
            ("apache-2.0", "Apache-2.0"),
            ("gpl-2-or-later", "GPL-2.0-or-later"),
            (
                "gpl-3-or-later-and-artistic",
                "GPL-3.0-or-later AND Artistic-1.0-Perl",
            ),
        ] {
            let path = format!(
                "{}/tests/fixtures/copyright/{file}",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(notice(&text).as_deref(), Some(want), "{file}");
        }
    }

    #[test]
    fn nothing_readable_is_undeclared() {
        let written = include_str!("../../../tests/fixtures/copyright/unreadable");
        for t in [
            "",
            "Copyright 2020 Someone. All rights reserved.\n",
            "License:\n",
            "\u{e9}\u{e9}\u{e9}",
            written,
        ] {
            assert_eq!(read_copyright(t), CopyrightLicense::Undeclared, "{t}");
        }
    }
}
