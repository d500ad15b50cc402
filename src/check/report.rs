//! Reports of a check: text for people, JSON for machines, Markdown for the job
//! summary, SARIF 2.1.0 for code scanning, and GitHub workflow commands.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use super::{Finding, PolicyReport};
use crate::package::Package;
use crate::policy::Severity;
use crate::release::ReleaseFacts;
use crate::rules;

/// Version of the JSON report layout; bumped on any incompatible change.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// The result of checking one release against every policy that applies.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub product: Option<String>,
    pub tag: String,
    pub passed: bool,
    pub packages: Vec<Package>,
    pub changelogs: Vec<ChangelogSummary>,
    pub policies: Vec<PolicyReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangelogSummary {
    pub kind: crate::release::changelog::ChangelogKind,
    pub file: std::path::PathBuf,
    /// How a CHANGELOG or release-notes file is written (keep-a-changelog,
    /// markdown, rpm-style, news, unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<crate::release::changelog::NotesFormat>,
    /// Upstream versions in file order, newest first.
    pub versions: Vec<String>,
    /// The same entries' versions as written (`0.6.3-1%{?dist}`)…
    pub written: Vec<String>,
    /// …and with the spec's macros expanded (`0.6.3-1`).
    pub expanded: Vec<String>,
}

impl Report {
    pub fn new(facts: &ReleaseFacts, policies: Vec<PolicyReport>) -> Report {
        Report {
            schema_version: JSON_SCHEMA_VERSION,
            tool: Tool {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
            },
            product: facts.card.as_ref().map(|c| c.name.clone()),
            tag: facts.tag.clone(),
            passed: policies.iter().all(|p| p.passed),
            packages: facts.packages.clone(),
            changelogs: facts
                .changelogs
                .iter()
                .map(|c| ChangelogSummary {
                    kind: c.kind,
                    file: c.file.clone(),
                    format: c.format,
                    versions: c.entries.iter().map(|e| e.version.clone()).collect(),
                    written: c.entries.iter().map(|e| e.full_version.clone()).collect(),
                    expanded: c.entries.iter().map(|e| e.expanded.clone()).collect(),
                })
                .collect(),
            policies,
        }
    }

    fn title(&self) -> String {
        format!(
            "{} {}",
            self.product.as_deref().unwrap_or("(no Product ID Card)"),
            self.tag
        )
    }
}

fn style(sev: Severity) -> Style {
    match sev {
        Severity::Error => AnsiColor::Red.on_default().bold(),
        Severity::Warning => AnsiColor::Yellow.on_default().bold(),
        Severity::Note | Severity::Off => AnsiColor::Cyan.on_default().bold(),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn location(f: &Finding) -> Option<String> {
    f.location.as_ref().map(|l| match l.line {
        Some(line) => format!("{}:{line}", l.file.display()),
        None => l.file.display().to_string(),
    })
}

/// Text for a terminal, with ANSI styles; print it through `anstream`, which strips
/// them when the output is not a terminal or `NO_COLOR` is set.
pub fn text(report: &Report) -> String {
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{bold}{}{bold:#}: {} package{}",
        report.title(),
        report.packages.len(),
        if report.packages.len() == 1 { "" } else { "s" }
    );
    for p in &report.packages {
        let _ = writeln!(
            out,
            "  {} {}-{}{} {} {}",
            p.file.display(),
            p.name,
            p.version,
            if p.release.is_empty() {
                String::new()
            } else {
                format!("-{}", p.release)
            },
            p.arch,
            &p.sha256[..p.sha256.len().min(12)]
        );
    }
    for policy in &report.policies {
        let verdict = if policy.passed {
            AnsiColor::Green.on_default().bold()
        } else {
            AnsiColor::Red.on_default().bold()
        };
        let _ = writeln!(
            out,
            "\n{bold}{} ({}){bold:#}: {verdict}{}{verdict:#}, {}, {}, {}",
            policy.name,
            policy.policy,
            if policy.passed { "passed" } else { "FAILED" },
            plural(policy.errors, "error"),
            plural(policy.warnings, "warning"),
            plural(policy.notes, "note"),
        );
        for t in &policy.targets {
            let what = if t.packages.is_empty() {
                if t.required && !t.retired {
                    "none (required)".to_string()
                } else {
                    "none".to_string()
                }
            } else {
                plural(t.packages.len(), "package")
            };
            let _ = writeln!(out, "  {dim}target{dim:#} {}: {what}", t.name);
        }
        for f in &policy.findings {
            let s = style(f.severity);
            let _ = writeln!(
                out,
                "{s}{}[{}]{s:#}: {}",
                f.severity.as_str(),
                f.rule,
                f.message
            );
            if let Some(loc) = location(f) {
                let _ = writeln!(out, "  {dim}-->{dim:#} {loc}");
            }
            let _ = writeln!(out, "  {dim}= hint:{dim:#} {}", f.hint);
            let _ = writeln!(out, "  {dim}= source:{dim:#} {}", f.source);
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        if report.passed {
            "result: the release meets every policy".to_string()
        } else {
            let failed: Vec<&str> = report
                .policies
                .iter()
                .filter(|p| !p.passed)
                .map(|p| p.name.as_str())
                .collect();
            format!("result: the release fails {}", failed.join(", "))
        }
    );
    out
}

pub fn json(report: &Report) -> String {
    // Serializing plain data with string keys cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}

pub use crate::markdown::md_escape;

/// Markdown for `$GITHUB_STEP_SUMMARY` and issue bodies.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let icon = if report.passed { "✅" } else { "❌" };
    let _ = writeln!(
        out,
        "## {icon} umd-release check: {}\n",
        md_escape(&report.title())
    );
    for policy in &report.policies {
        let _ = writeln!(
            out,
            "### {} {} ({})\n\n{}, {}, {}.\n",
            if policy.passed { "✅" } else { "❌" },
            md_escape(&policy.name),
            md_escape(&policy.policy),
            plural(policy.errors, "error"),
            plural(policy.warnings, "warning"),
            plural(policy.notes, "note"),
        );
        let _ = writeln!(out, "| target | packages |\n|---|---|");
        for t in &policy.targets {
            let files: Vec<String> = t
                .packages
                .iter()
                .map(|p| md_escape(&p.display().to_string()))
                .collect();
            let cell = if files.is_empty() {
                if t.required && !t.retired {
                    "**none (required)**".to_string()
                } else {
                    "none".to_string()
                }
            } else {
                files.join("<br>")
            };
            let _ = writeln!(out, "| {} | {cell} |", md_escape(&t.name));
        }
        if !policy.findings.is_empty() {
            let _ = writeln!(
                out,
                "\n| severity | rule | finding | where | how to fix |\n|---|---|---|---|---|"
            );
            for f in &policy.findings {
                let _ = writeln!(
                    out,
                    "| {} | `{}` | {} | {} | {} |",
                    f.severity.as_str(),
                    f.rule,
                    md_escape(&f.message),
                    location(f).map(|l| md_escape(&l)).unwrap_or_default(),
                    md_escape(&f.hint)
                );
            }
        }
        out.push('\n');
    }
    if !report.packages.is_empty() {
        let _ = writeln!(
            out,
            "### Packages\n\n| file | name | version | release | arch | licence | size | sha256 |\n|---|---|---|---|---|---|---|---|"
        );
        for p in &report.packages {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | `{}` |",
                md_escape(&p.file.display().to_string()),
                md_escape(&p.name),
                md_escape(&p.version),
                md_escape(&p.release),
                md_escape(&p.arch),
                md_escape(p.license.as_deref().unwrap_or("")),
                p.size,
                p.sha256
            );
        }
    }
    out
}

/// SARIF 2.1.0, for GitHub code scanning (`github/codeql-action/upload-sarif`).
pub fn sarif(report: &Report) -> String {
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        _ => "note",
    };
    let rules: Vec<serde_json::Value> = rules::RULES
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.doc },
                "help": { "text": format!("{}\n\nSource: {}", r.doc, r.source) },
                "defaultConfiguration": { "level": level(r.default_severity) },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = report
        .policies
        .iter()
        .flat_map(|p| p.findings.iter().map(move |f| (p, f)))
        .map(|(p, f)| {
            // Code scanning needs a location; findings about the release as a
            // whole point at the Product ID Card.
            let (uri, line) = match &f.location {
                Some(l) => (l.file.display().to_string(), l.line.unwrap_or(1)),
                None => (crate::policy::card::FILE_NAME.to_string(), 1),
            };
            serde_json::json!({
                "ruleId": f.rule,
                "ruleIndex": rules::RULES.iter().position(|r| r.id == f.rule),
                "level": level(f.severity),
                "message": { "text": format!("{} [{}] Hint: {}", f.message, p.name, f.hint) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri.replace('\\', "/") },
                        "region": { "startLine": line }
                    }
                }],
                "properties": { "policy": p.policy, "source": f.source },
            })
        })
        .collect();
    let doc = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "umd-release",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/EGI-Federation/umd-release",
                "rules": rules,
            }},
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// GitLab Code Quality (`artifacts:reports:codequality`): one entry per finding,
/// with a fingerprint stable across runs so merge requests show what changed.
pub fn codequality(report: &Report) -> String {
    use sha2::Digest;
    let severity = |s: Severity| match s {
        Severity::Error => "critical",
        Severity::Warning => "minor",
        _ => "info",
    };
    let issues: Vec<serde_json::Value> = report
        .policies
        .iter()
        .flat_map(|p| p.findings.iter().map(move |f| (p, f)))
        .map(|(p, f)| {
            let (path, line) = match &f.location {
                Some(l) => (
                    l.file.display().to_string().replace('\\', "/"),
                    l.line.unwrap_or(1),
                ),
                None => (crate::policy::card::FILE_NAME.to_string(), 1),
            };
            let fingerprint = sha2::Sha256::digest(
                format!("{}\0{}\0{path}\0{line}\0{}", p.policy, f.rule, f.message).as_bytes(),
            );
            serde_json::json!({
                "description": format!("{} [{}] Hint: {}", f.message, p.name, f.hint),
                "check_name": f.rule,
                "fingerprint": fingerprint.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                "severity": severity(f.severity),
                "location": { "path": path, "lines": { "begin": line } },
            })
        })
        .collect();
    serde_json::to_string_pretty(&issues).unwrap_or_default() + "\n"
}

/// Escapes a workflow command's message as the Actions toolkit does (`escapeData`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command property as the Actions toolkit does (`escapeProperty`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub workflow commands (`::error file=..,line=..::message`), one per finding.
pub fn github(report: &Report) -> String {
    let mut out = String::new();
    for p in &report.policies {
        for f in &p.findings {
            let cmd = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                _ => "notice",
            };
            let mut props = vec![format!(
                "title={}",
                escape_property(&format!("{} [{}]", f.rule, p.name))
            )];
            if let Some(l) = &f.location {
                props.insert(
                    0,
                    format!("file={}", escape_property(&l.file.display().to_string())),
                );
                if let Some(line) = l.line {
                    props.insert(1, format!("line={line}"));
                }
            }
            let _ = writeln!(
                out,
                "::{cmd} {}::{}",
                props.join(","),
                escape_data(&format!("{}\nhint: {}", f.message, f.hint))
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping_matches_the_toolkit() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn markdown_escaping_neutralises_markup_and_mentions() {
        let s = md_escape("<img src=x onerror=alert(1)> | @team **x**");
        assert!(!s.contains('<') && !s.contains(" | "), "{s}");
        assert!(s.contains("@\u{200b}team"), "{s}");
    }
}
