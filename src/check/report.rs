//! Reports of a check: text for people, JSON for machines, Markdown for the job
//! summary, SARIF 2.1.0 for code scanning, and GitHub workflow commands.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use super::{Base, Finding, Location, PolicyReport};
use crate::package::Package;
use crate::policy::Severity;
use crate::release::ReleaseFacts;
use crate::rules;

/// Version of the JSON report layout; bumped on any incompatible change.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// The result of checking one release against every policy that applies.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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

fn location(f: &Finding) -> String {
    match f.location.line {
        Some(line) => format!("{}:{line}", f.location.file.display()),
        None => f.location.file.display().to_string(),
    }
}

/// Text for people: with ANSI styles when `colour` (print it through
/// `anstream`, which strips them when the output is not a terminal), and
/// without any escape sequence otherwise, for files and `NO_COLOR`.
pub fn text(report: &Report, colour: bool) -> String {
    let styled = styled_text(report);
    if colour {
        styled
    } else {
        anstream::adapter::strip_str(&styled).to_string()
    }
}

fn styled_text(report: &Report) -> String {
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
            let _ = writeln!(out, "  {dim}-->{dim:#} {}", location(f));
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
                    md_escape(&location(f)),
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

/// Where the repository root is, for the reports that name files from it
/// (SARIF, Code Quality, GitHub annotations): code scanning, merge requests
/// and annotations resolve paths from the root of the repository, which in a
/// monorepo is not `--repo`. The CLI finds the three directories; the
/// renderers only join and compare paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceRoot {
    /// The repository root (the git top-level holding `--repo`, else `--repo`).
    pub root: PathBuf,
    /// `--repo`, which [`Base::Repo`] paths are relative to.
    pub repo: PathBuf,
    /// The working directory, which [`Base::Given`] paths are relative to.
    pub cwd: PathBuf,
}

impl SourceRoot {
    /// The location's file from the repository root, `/`-separated, with
    /// `.` and `..` resolved; `..` leads out of the root for a file outside it
    /// (an artifacts directory elsewhere).
    pub fn path(&self, loc: &Location) -> String {
        let base = match loc.base {
            Base::Repo => &self.repo,
            Base::Given => &self.cwd,
        };
        let target = normalize(&base.join(&loc.file));
        let root = normalize(&self.root);
        let common = target
            .iter()
            .zip(root.iter())
            .take_while(|(a, b)| a == b)
            .count();
        let mut parts: Vec<String> = vec!["..".to_string(); root.len() - common];
        parts.extend(target[common..].iter().cloned());
        if parts.is_empty() {
            ".".to_string()
        } else {
            parts.join("/")
        }
    }
}

/// A path's components with `.` dropped and `..` applied, as strings; an
/// absolute path keeps its root as an empty first component.
fn normalize(path: &Path) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::RootDir => out = vec![String::new()],
            Component::Prefix(p) => out = vec![p.as_os_str().to_string_lossy().into_owned()],
            Component::CurDir => {}
            Component::ParentDir => match out.last().map(String::as_str) {
                Some("..") | None => out.push("..".to_string()),
                // The root's parent is the root.
                Some("") if out.len() == 1 => {}
                Some(_) => {
                    out.pop();
                }
            },
            Component::Normal(n) => out.push(n.to_string_lossy().into_owned()),
        }
    }
    out
}

/// One problem of the release: the findings of one rule at one place with one
/// message, under every policy that reports it. SARIF, Code Quality and the
/// annotations carry each problem once, with the policies it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem<'a> {
    pub rule: &'static str,
    /// The most severe of the policies' severities.
    pub severity: Severity,
    pub message: &'a str,
    /// The distinct hints, in policy order (they differ when a policy's
    /// targets or lists do).
    pub hints: Vec<&'a str>,
    pub source: &'static str,
    /// From the repository root, `/`-separated.
    pub path: String,
    pub line: Option<usize>,
    /// The policies reporting it: (id, name).
    pub policies: Vec<(&'a str, &'a str)>,
    /// See [`fingerprint`]; unique within the report.
    pub fingerprint: String,
}

/// The message as the fingerprint reads it: whitespace collapsed and line
/// numbers written as `FILE:LINE` blanked, so a problem keeps its
/// fingerprint when the lines above it change.
pub fn normalize_message(message: &str) -> String {
    let words = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(words.len());
    let mut after_colon = false;
    let mut in_number = false;
    for c in words.chars() {
        if c.is_ascii_digit() && (after_colon || in_number) {
            if !in_number {
                out.push('N');
            }
            in_number = true;
            after_colon = false;
            continue;
        }
        in_number = false;
        after_colon = c == ':';
        out.push(c);
    }
    out
}

/// The fingerprint of a problem: the hex SHA-256 of the rule id, the path
/// from the repository root and the [normalized](normalize_message) message,
/// NUL-separated. Stable across runs, commits and policy changes; the line is
/// left out so that moving a problem does not make it new. Problems that
/// would share one (the same message at two lines) take `NUL` and their
/// ordinal (2, 3, …) in report order after the message.
pub fn fingerprint(rule: &str, path: &str, message: &str, ordinal: usize) -> String {
    use sha2::Digest;
    let mut text = format!("{rule}\0{path}\0{}", normalize_message(message));
    if ordinal > 1 {
        let _ = write!(text, "\0{ordinal}");
    }
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The report's problems: findings merged across policies by rule, location
/// (from the repository root) and message; most severe first, then by path
/// and line, then in report order.
pub fn problems<'a>(report: &'a Report, root: &SourceRoot) -> Vec<Problem<'a>> {
    let mut out: Vec<Problem<'a>> = Vec::new();
    for p in &report.policies {
        for f in &p.findings {
            let path = root.path(&f.location);
            let line = f.location.line;
            let existing = out.iter_mut().find(|q| {
                q.rule == f.rule && q.path == path && q.line == line && q.message == f.message
            });
            match existing {
                Some(q) => {
                    q.severity = q.severity.max(f.severity);
                    if !q.hints.contains(&f.hint.as_str()) {
                        q.hints.push(&f.hint);
                    }
                    if !q.policies.iter().any(|(id, _)| *id == p.policy) {
                        q.policies.push((&p.policy, &p.name));
                    }
                }
                None => out.push(Problem {
                    rule: f.rule,
                    severity: f.severity,
                    message: &f.message,
                    hints: vec![&f.hint],
                    source: f.source,
                    path,
                    line,
                    policies: vec![(&p.policy, &p.name)],
                    fingerprint: String::new(),
                }),
            }
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| (&a.path, a.line).cmp(&(&b.path, b.line)))
    });
    let mut seen: Vec<String> = Vec::new();
    for q in &mut out {
        let mut ordinal = 1;
        loop {
            let fp = fingerprint(q.rule, &q.path, q.message, ordinal);
            if !seen.contains(&fp) {
                seen.push(fp.clone());
                q.fingerprint = fp;
                break;
            }
            ordinal += 1;
        }
    }
    out
}

impl Problem<'_> {
    /// Message, policies and hint in one line, for the formats that have no
    /// fields of their own for them.
    fn description(&self) -> String {
        let names: Vec<&str> = self.policies.iter().map(|(_, name)| *name).collect();
        format!(
            "{} [{}] Hint: {}",
            self.message,
            names.join(", "),
            self.hints.join(" / ")
        )
    }
}

/// A `/`-separated path as a URI reference: characters other than RFC 3986's
/// unreserved ones and `/` are percent-encoded (so `:` in a file name is not
/// read as a scheme, nor a space or `#` break the reference).
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The partialFingerprints key of a SARIF result (see [`fingerprint`]).
pub const SARIF_FINGERPRINT_KEY: &str = "umdReleaseProblem/v1";

/// SARIF 2.1.0, for GitHub code scanning (`github/codeql-action/upload-sarif`):
/// one run, one result per [`Problem`], with the policies it applies to in
/// `properties.policies` and its fingerprint in `partialFingerprints`.
pub fn sarif(report: &Report, root: &SourceRoot) -> String {
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
        Severity::Off => "none",
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
                "properties": { "source": r.source },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = problems(report, root)
        .iter()
        .map(|q| {
            let ids: Vec<&str> = q.policies.iter().map(|(id, _)| *id).collect();
            let mut result = serde_json::json!({
                "ruleId": q.rule,
                "level": level(q.severity),
                "message": { "text": q.description() },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri_path(&q.path) },
                        // Code scanning wants a line; a whole file is its first.
                        "region": { "startLine": q.line.unwrap_or(1).max(1) }
                    }
                }],
                "partialFingerprints": { SARIF_FINGERPRINT_KEY: q.fingerprint },
                "properties": { "policies": ids, "source": q.source },
            });
            if let Some(i) = rules::RULES.iter().position(|r| r.id == q.rule) {
                result["ruleIndex"] = i.into();
            }
            result
        })
        .collect();
    let doc = serde_json::json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "umd-release",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/EGI-Federation/umd-release",
                "rules": rules,
            }},
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// GitLab Code Quality (`artifacts:reports:codequality`): one entry per
/// [`Problem`], its fingerprint unique in the report and stable across runs so
/// merge requests show what changed.
pub fn codequality(report: &Report, root: &SourceRoot) -> String {
    let severity = |s: Severity| match s {
        Severity::Error => "critical",
        Severity::Warning => "minor",
        _ => "info",
    };
    let issues: Vec<serde_json::Value> = problems(report, root)
        .iter()
        .map(|q| {
            serde_json::json!({
                "type": "issue",
                "description": q.description(),
                "check_name": q.rule,
                "fingerprint": q.fingerprint,
                "severity": severity(q.severity),
                "location": { "path": q.path, "lines": { "begin": q.line.unwrap_or(1).max(1) } },
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

/// GitHub workflow commands (`::error file=..,line=..::message`), one per
/// [`Problem`], with files from the repository root as the runner resolves them.
pub fn github(report: &Report, root: &SourceRoot) -> String {
    let mut out = String::new();
    for q in problems(report, root) {
        let cmd = match q.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            _ => "notice",
        };
        let names: Vec<&str> = q.policies.iter().map(|(_, name)| *name).collect();
        let mut props = vec![format!("file={}", escape_property(&q.path))];
        if let Some(line) = q.line {
            props.push(format!("line={line}"));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("{} [{}]", q.rule, names.join(", ")))
        ));
        let _ = writeln!(
            out,
            "::{cmd} {}::{}",
            props.join(","),
            escape_data(&format!("{}\nhint: {}", q.message, q.hints.join(" / ")))
        );
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

    fn root(root: &str, repo: &str, cwd: &str) -> SourceRoot {
        SourceRoot {
            root: root.into(),
            repo: repo.into(),
            cwd: cwd.into(),
        }
    }

    fn loc(file: &str, base: Base) -> Location {
        Location {
            file: file.into(),
            line: None,
            base,
        }
    }

    #[test]
    fn paths_are_named_from_the_repository_root() {
        let mono = root("/src/mono", "/src/mono/products/foo", "/src/mono");
        assert_eq!(
            mono.path(&loc("umd-product.yaml", Base::Repo)),
            "products/foo/umd-product.yaml"
        );
        assert_eq!(
            mono.path(&loc("products/foo/dist/a.rpm", Base::Given)),
            "products/foo/dist/a.rpm"
        );
        // Given from a subdirectory, with `.` and `..` on the way.
        let sub = root(
            "/src/mono",
            "/src/mono/products/foo",
            "/src/mono/products/foo",
        );
        assert_eq!(
            sub.path(&loc("./dist/../dist/a.rpm", Base::Given)),
            "products/foo/dist/a.rpm"
        );
        // An absolute path, and one outside the root.
        assert_eq!(
            sub.path(&loc("/src/mono/x/CHANGELOG.md", Base::Given)),
            "x/CHANGELOG.md"
        );
        assert_eq!(sub.path(&loc("/tmp/dist", Base::Given)), "../../tmp/dist");
        // No repository around: --repo is the root.
        let plain = root("/p", "/p", "/elsewhere");
        assert_eq!(
            plain.path(&loc("debian/changelog", Base::Repo)),
            "debian/changelog"
        );
        assert_eq!(plain.path(&loc("/p", Base::Given)), ".");
        assert_eq!(
            root("/", "/", "/").path(&loc("../../a", Base::Repo)),
            "a",
            "the root's parent is the root"
        );
    }

    #[test]
    fn fingerprints_ignore_whitespace_and_line_numbers_but_not_the_rest() {
        assert_eq!(
            normalize_message("CHANGELOG.md:12:  the top\nentry  is 1.4.0"),
            "CHANGELOG.md:N: the top entry is 1.4.0"
        );
        let a = fingerprint("changelog-version", "a/CHANGELOG.md", "x.md:12: is 1.0", 1);
        assert_eq!(a.len(), 64);
        assert_eq!(
            a,
            fingerprint("changelog-version", "a/CHANGELOG.md", "x.md:40:  is 1.0", 1)
        );
        for other in [
            fingerprint("changelog-entry", "a/CHANGELOG.md", "x.md:12: is 1.0", 1),
            fingerprint("changelog-version", "b/CHANGELOG.md", "x.md:12: is 1.0", 1),
            fingerprint("changelog-version", "a/CHANGELOG.md", "x.md:12: is 1.1", 1),
            fingerprint("changelog-version", "a/CHANGELOG.md", "x.md:12: is 1.0", 2),
        ] {
            assert_ne!(a, other);
        }
    }

    #[test]
    fn uri_paths_escape_what_a_uri_reference_cannot_hold() {
        assert_eq!(uri_path("dist/a-1.0_x~1.rpm"), "dist/a-1.0_x~1.rpm");
        assert_eq!(uri_path("c:d/a b#c%"), "c%3Ad/a%20b%23c%25");
        assert_eq!(uri_path("é"), "%C3%A9");
    }

    #[test]
    fn markdown_escaping_neutralises_markup_and_mentions() {
        let s = md_escape("<img src=x onerror=alert(1)> | @team **x**");
        assert!(!s.contains('<') && !s.contains(" | "), "{s}");
        assert!(s.contains("@\u{200b}team"), "{s}");
    }
}
