//! The GitHub Action, the workflows (ours and the examples for providers and
//! the tracking repository), the issue forms and the pinned checksums are
//! well formed; no `run:` script interpolates `${{ ... }}` (untrusted values
//! reach scripts through `env:` only); every action is pinned to a commit
//! SHA, every job asks for its own permissions and no checkout keeps its
//! credentials; and actionlint, zizmor and shellcheck find nothing.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The submission form, for a TRACKING repository to copy (not this one's).
const ISSUE_FORM: &str = "examples/ISSUE_TEMPLATE/submission.yml";
/// This repository's own form: bugs in umd-release.
const BUG_FORM: &str = ".github/ISSUE_TEMPLATE/bug_report.yml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The YAML files of `dir` (relative to the crate root), sorted.
fn yaml_in(dir: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yml") || name.ends_with(".yaml"))
        .map(|name| format!("{dir}/{name}"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{dir} holds no workflow");
    files
}

fn workflows() -> Vec<String> {
    let mut files = yaml_in(".github/workflows");
    files.extend(yaml_in("examples/workflows"));
    files
}

fn all_files() -> Vec<String> {
    let mut files = vec!["action.yml".to_string()];
    files.extend(workflows());
    files.push(ISSUE_FORM.to_string());
    files.push(BUG_FORM.to_string());
    files
}

fn load(rel: &str) -> Value {
    let text = std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_saphyr::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{rel}: invalid YAML: {e}"))
}

/// Every `run:` script of `doc`, with where it is (`jobs.build.steps[2].run`).
fn run_scripts(doc: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(map) => {
                for (key, value) in map {
                    let here = if at.is_empty() {
                        key.clone()
                    } else {
                        format!("{at}.{key}")
                    };
                    if key == "run" {
                        let script = value
                            .as_str()
                            .unwrap_or_else(|| panic!("{here} is not a string"));
                        out.push((here.clone(), script.to_string()));
                    }
                    walk(value, &here, out);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{at}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, "", &mut out);
    out
}

fn str_at<'a>(v: &'a Value, pointer: &str, file: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{file}: {pointer} is not a string"))
}

/// The `NAME`s of `${{ <prefix>NAME }}` expressions in `text`
/// (`prefix` = `inputs.`: the inputs it uses).
fn expressions(text: &str, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let end = after.find("}}").expect("an unterminated ${{ expression");
        let expr = after[..end].trim();
        if let Some(name) = expr.strip_prefix(prefix) {
            found.push(name.to_string());
        }
        rest = &after[end + 2..];
    }
    found
}

/// Shell variables `$NAME` / `${NAME...}` a script reads whose name starts with `prefix`.
fn shell_vars(script: &str, prefix: &str) -> BTreeSet<String> {
    let mut vars = BTreeSet::new();
    for (i, _) in script.match_indices('$') {
        let after = script[i + 1..]
            .strip_prefix('{')
            .unwrap_or(&script[i + 1..]);
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.starts_with(prefix) {
            vars.insert(name);
        }
    }
    vars
}

#[test]
fn every_file_parses() {
    for file in all_files() {
        let doc = load(&file);
        assert!(doc.is_object(), "{file}: not a mapping");
    }
}

#[test]
fn no_run_script_interpolates_expressions() {
    for file in all_files() {
        for (at, script) in run_scripts(&load(&file)) {
            assert!(
                !script.contains("${{"),
                "{file}: {at} expands a ${{{{ }}}} expression inside the script; pass the value through env: instead"
            );
        }
    }
}

#[test]
fn action_is_composite_and_passes_inputs_through_env() {
    let file = "action.yml";
    let action = load(file);
    assert_eq!(str_at(&action, "/runs/using", file), "composite");
    let inputs = action["inputs"].as_object().expect("action.yml: inputs");
    for expected in [
        "command",
        "args",
        "tag",
        "policy",
        "artifacts",
        "repo",
        "tracker",
        "config",
        "registry",
        "dry-run",
        "download-url-base",
        "token",
        "github-token",
        "gitlab-token",
        "format",
        "allow-failures",
        "version",
        "install-url-base",
        "build-from-source",
    ] {
        assert!(inputs.contains_key(expected), "{file}: no input {expected}");
    }
    for (name, input) in inputs {
        assert!(
            input["description"].is_string(),
            "{file}: input {name} has no description"
        );
        assert!(
            input["default"].is_string(),
            "{file}: input {name} has no string default"
        );
    }
    assert_eq!(str_at(&action, "/inputs/command/default", file), "check");
    assert_eq!(str_at(&action, "/inputs/repo/default", file), ".");
    assert_eq!(str_at(&action, "/inputs/format/default", file), "text");
    assert_eq!(
        str_at(&action, "/inputs/allow-failures/default", file),
        "false"
    );

    let steps = action
        .pointer("/runs/steps")
        .and_then(Value::as_array)
        .expect("action.yml: runs.steps");
    let ids: BTreeSet<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
    let mut passed = BTreeSet::new();
    for (i, step) in steps.iter().enumerate() {
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        assert_eq!(
            step["shell"].as_str(),
            Some("bash"),
            "{file}: step {i} has no shell: bash"
        );
        let env = step["env"].as_object().cloned().unwrap_or_default();
        for (var, value) in &env {
            let value = value
                .as_str()
                .unwrap_or_else(|| panic!("{file}: step {i}: env {var} is not a string"));
            for input in expressions(value, "inputs.") {
                assert!(
                    inputs.contains_key(&input),
                    "{file}: step {i}: env {var} uses unknown input {input}"
                );
                passed.insert(input);
            }
        }
        // Every input variable the script reads is set by the step's env.
        for var in shell_vars(script, "INPUT_") {
            assert!(
                env.contains_key(&var),
                "{file}: step {i} reads ${var} but its env: does not set it"
            );
        }
    }
    for name in inputs.keys() {
        assert!(
            passed.contains(name),
            "{file}: input {name} is not passed to a step through env:"
        );
    }

    let outputs = action["outputs"].as_object().expect("action.yml: outputs");
    for expected in ["result", "submissions", "submission-url", "report"] {
        assert!(
            outputs.contains_key(expected),
            "{file}: no output {expected}"
        );
    }
    for (name, output) in outputs {
        let value = output["value"]
            .as_str()
            .unwrap_or_else(|| panic!("{file}: output {name} has no value"));
        let refs = expressions(value, "steps.");
        assert_eq!(
            refs.len(),
            1,
            "{file}: output {name} should map one step output: {value}"
        );
        let (step, rest) = refs[0].split_once('.').unwrap();
        assert!(
            ids.contains(step),
            "{file}: output {name} names no step: {step}"
        );
        assert!(
            rest.starts_with("outputs."),
            "{file}: output {name}: {value}"
        );
    }
}

/// Least privilege: nothing at the workflow level, and each job names what
/// it needs (a job without `permissions:` would get the repository default).
#[test]
fn workflows_grant_permissions_per_job_only() {
    for file in workflows() {
        let doc = load(&file);
        assert!(doc.get("on").is_some(), "{file}: no on:");
        let permissions = doc
            .get("permissions")
            .unwrap_or_else(|| panic!("{file}: no top-level permissions:"));
        assert_eq!(
            permissions,
            &serde_json::json!({}),
            "{file}: top-level permissions: should be {{}}; grant them per job"
        );
        let jobs = doc["jobs"]
            .as_object()
            .unwrap_or_else(|| panic!("{file}: no jobs:"));
        for (name, job) in jobs {
            let p = job
                .get("permissions")
                .unwrap_or_else(|| panic!("{file}: job {name} has no permissions:"));
            assert!(
                p.is_object(),
                "{file}: job {name}: permissions: is not a mapping"
            );
            for (scope, level) in p.as_object().unwrap() {
                assert!(
                    level == "read" || level == "write" || level == "none",
                    "{file}: job {name}: {scope}: {level}"
                );
            }
        }
    }
}

/// Every `uses:` line of `text` (the raw line, to see its comment).
fn uses_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| {
            let t = l.trim_start().trim_start_matches("- ");
            t.starts_with("uses:")
        })
        .collect()
}

#[test]
fn actions_are_pinned_to_a_commit_sha_with_their_version() {
    let mut seen = 0;
    for file in workflows() {
        let text = std::fs::read_to_string(root().join(&file)).unwrap();
        for line in uses_lines(&text) {
            let value = line.split_once("uses:").unwrap().1.trim();
            let (reference, comment) = value.split_once(" # ").unwrap_or((value, ""));
            let (action, at) = reference
                .split_once('@')
                .unwrap_or_else(|| panic!("{file}: `{line}` has no @ref"));
            if action == "EGI-Federation/umd-release" {
                // The examples name this action by its release tag (see .github/zizmor.yml).
                assert!(file.starts_with("examples/"), "{file}: {line}");
                assert!(at.starts_with('v'), "{file}: {line}");
                continue;
            }
            seen += 1;
            assert!(
                at.len() == 40
                    && at
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
                "{file}: `{line}` is not pinned to a full commit SHA"
            );
            let version = comment.trim();
            assert!(
                version.starts_with('v') && version[1..].split('.').count() == 3,
                "{file}: `{line}` has no `# vX.Y.Z` comment"
            );
        }
    }
    assert!(
        seen >= 15,
        "only {seen} pinned actions: is the parse right?"
    );
}

#[test]
fn checkouts_do_not_keep_credentials() {
    let mut checkouts = 0;
    for file in workflows() {
        let doc = load(&file);
        for (name, job) in doc["jobs"].as_object().unwrap() {
            for step in job["steps"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let uses = step["uses"].as_str().unwrap_or_default();
                if uses.starts_with("actions/checkout@") {
                    checkouts += 1;
                    assert_eq!(
                        step.pointer("/with/persist-credentials"),
                        Some(&Value::Bool(false)),
                        "{file}: job {name}: a checkout without persist-credentials: false"
                    );
                }
            }
        }
    }
    assert!(checkouts >= 7, "{checkouts}");
}

/// Every role has its example workflow, and each runs the action's command it is for.
#[test]
fn every_role_has_an_example_workflow() {
    for (file, commands) in [
        (
            "examples/workflows/provider-release.yml",
            &["check", "submit"][..],
        ),
        ("examples/workflows/tracker-events.yml", &["track"]),
        ("examples/workflows/tracker-sweep.yml", &["sweep"]),
        ("examples/workflows/tracker-intake.yml", &["intake"]),
        ("examples/workflows/tracker-dashboard.yml", &["dashboard"]),
        (
            "examples/workflows/tracker-release.yml",
            &["announce", "publish"],
        ),
    ] {
        let doc = load(file);
        let mut ran = Vec::new();
        for job in doc["jobs"].as_object().unwrap().values() {
            for step in job["steps"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                if step["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("EGI-Federation/umd-release@"))
                {
                    ran.push(step["with"]["command"].as_str().unwrap().to_string());
                    // Tokens go to the forge-specific inputs.
                    assert!(
                        step["with"].get("token").is_none(),
                        "{file}: use github-token/gitlab-token, not token"
                    );
                }
            }
        }
        assert_eq!(ran, commands, "{file}");
    }
}

/// Runs `tool` when installed; when it is not, fails only where CI requires
/// the tools (UMD_RELEASE_REQUIRE_TOOLS=1), else prints a visible skip line.
fn tool(name: &str, hint: &str) -> Option<Command> {
    if Command::new(name).arg("--version").output().is_ok() {
        return Some(Command::new(name));
    }
    assert!(
        std::env::var("UMD_RELEASE_REQUIRE_TOOLS").as_deref() != Ok("1"),
        "{name} is required (UMD_RELEASE_REQUIRE_TOOLS=1): {hint}"
    );
    eprintln!("skipped: {name} is not installed ({hint})");
    None
}

/// actionlint on every workflow (it lints workflows only; action.yml's
/// scripts get shellcheck above and zizmor below).
#[test]
fn actionlint_finds_nothing() {
    let Some(mut actionlint) = tool("actionlint", "bash .ci/run installs it") else {
        return;
    };
    let out = actionlint
        .arg("-no-color")
        .args(workflows())
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// zizmor on action.yml and every workflow, with the auditor persona (the
/// strictest) and .github/zizmor.yml; offline, so it needs no token.
#[test]
fn zizmor_finds_nothing() {
    let Some(mut zizmor) = tool("zizmor", "bash .ci/run installs it") else {
        return;
    };
    let mut files = vec!["action.yml".to_string()];
    files.extend(workflows());
    let out = zizmor
        .args([
            "--offline",
            "--no-progress",
            "--persona=auditor",
            "--format=plain",
            "--color=never",
            "--config=.github/zizmor.yml",
        ])
        .args(&files)
        .current_dir(root())
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "zizmor:\n{said}");
    // Every input was audited.
    for file in &files {
        assert!(
            said.contains(&format!("completed {file}")),
            "{file} not audited:\n{said}"
        );
    }
}

#[test]
fn this_repository_offers_a_bug_report_form_not_the_submission_form() {
    let dir = ".github/ISSUE_TEMPLATE";
    for file in yaml_in(dir) {
        let form = load(&file);
        if form.get("body").is_none() {
            continue; // config.yml
        }
        assert!(
            !form["labels"]
                .as_array()
                .is_some_and(|l| l.iter().any(|l| l == "submission-request")),
            "{file}: umd-release's own repository must not offer the submission form"
        );
    }
    let bug = load(BUG_FORM);
    assert_eq!(bug["name"], "Bug report");
    let ids: Vec<&str> = bug["body"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    for id in ["version", "where", "command", "what-happened", "expected"] {
        assert!(ids.contains(&id), "{BUG_FORM}: no {id}");
    }
}

#[test]
fn issue_form_has_the_submission_fields() {
    let file = ISSUE_FORM;
    let form = load(file);
    assert_eq!(str_at(&form, "/title", file), "[submission] ");
    let labels = form["labels"].as_array().expect("issue form: labels");
    assert!(
        labels.iter().any(|l| l == "submission-request"),
        "{file}: labels lack submission-request"
    );
    let body = form["body"].as_array().expect("issue form: body");
    let fields: Vec<(&str, &str, bool)> = body
        .iter()
        .filter(|item| item["type"] != "markdown")
        .map(|item| {
            (
                item["id"].as_str().expect("issue form: a field without id"),
                item.pointer("/attributes/label")
                    .and_then(Value::as_str)
                    .expect("issue form: a field without label"),
                item.pointer("/validations/required") == Some(&Value::Bool(true)),
            )
        })
        .collect();
    // umd-release reads the `### <label>` sections of the rendered body.
    let expected = [
        ("product", "Product", true),
        ("version", "Version", true),
        ("distribution", "Distribution", true),
        ("release-notes", "Release notes", true),
        ("packages", "Packages", true),
        ("notes", "Additional notes", false),
    ];
    assert_eq!(fields, expected, "{file}: fields");
    let distribution = body.iter().find(|i| i["id"] == "distribution").unwrap();
    assert_eq!(distribution["type"], "dropdown");
    assert_eq!(
        distribution.pointer("/attributes/options"),
        Some(&serde_json::json!(["UMD 5", "CMD-OS 1", "CMD-ONE 1"]))
    );
    for item in body {
        assert!(
            item.pointer("/attributes/render").is_none(),
            "{file}: `render` wraps the value in a code block the parser does not expect"
        );
    }
}

#[test]
fn pinned_checksums_are_well_formed() {
    let rel = "action/checksums.txt";
    let text = std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let ok = line.split_once("  ").is_some_and(|(hash, name)| {
            hash.len() == 64
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                && name.starts_with("umd-release-")
                && name.ends_with(".tar.gz")
                && name.len() > "umd-release-.tar.gz".len()
                && !name.chars().any(char::is_whitespace)
        });
        assert!(
            ok,
            "{rel}:{}: not `<sha256>  umd-release-<version>-<target>.tar.gz`: {line}",
            n + 1
        );
    }
}

/// shellcheck on every `run:` script (all run under bash), when it is installed.
#[test]
fn run_scripts_pass_shellcheck() {
    if Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_err()
    {
        // CI installs it and sets UMD_RELEASE_REQUIRE_TOOLS=1, so there it cannot be skipped.
        assert!(
            std::env::var("UMD_RELEASE_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "shellcheck is required (UMD_RELEASE_REQUIRE_TOOLS=1): apt-get install shellcheck"
        );
        eprintln!("skipped: shellcheck is not installed (apt-get install shellcheck)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for file in all_files() {
        for (at, script) in run_scripts(&load(&file)) {
            let name = format!(
                "{}--{}.sh",
                file.replace('/', "_"),
                at.replace(['[', ']', '.'], "_")
            );
            let path: &Path = &dir.path().join(name);
            std::fs::write(path, format!("#!/usr/bin/env bash\n{script}")).unwrap();
            let out = Command::new("shellcheck")
                .args(["--shell=bash", "--severity=style", "--format=gcc"])
                .arg(path)
                .output()
                .unwrap();
            if !out.status.success() {
                failures.push(format!(
                    "{file}: {at} (line numbers are the script's, plus one):\n{}",
                    String::from_utf8_lossy(&out.stdout)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "shellcheck:\n{}", failures.join("\n"));
}

const COMPONENT: &str = "templates/umd-release.yml";

/// The component's two documents: the `spec` header and the job.
fn component() -> (Value, Value, String) {
    let text = std::fs::read_to_string(root().join(COMPONENT)).unwrap();
    let (head, body) = text
        .split_once("\n---\n")
        .expect("a component is a spec header, `---`, then the jobs");
    let spec = serde_saphyr::from_str::<Value>(head).expect("the spec header parses");
    // `$[[ inputs.x ]]` is not YAML-significant, but keep the parse honest.
    let job = serde_saphyr::from_str::<Value>(body).expect("the job document parses");
    (spec, job, body.to_string())
}

#[test]
fn the_gitlab_component_declares_its_inputs_and_keeps_them_out_of_scripts() {
    let (spec, job, body) = component();
    let inputs: BTreeSet<String> = spec["spec"]["inputs"]
        .as_object()
        .expect("spec.inputs")
        .keys()
        .cloned()
        .collect();
    let mut used = Vec::new();
    let mut rest = body.as_str();
    while let Some(start) = rest.find("$[[") {
        let after = &rest[start + 3..];
        let end = after.find("]]").expect("an unterminated $[[ expression");
        used.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    assert!(used.len() >= 5, "{used:?}");
    for e in &used {
        let name = e
            .strip_prefix("inputs.")
            .unwrap_or_else(|| panic!("{COMPONENT}: `$[[ {e} ]]` is not an input"));
        assert!(
            inputs.contains(name),
            "{COMPONENT}: undeclared input {name}"
        );
    }
    let (name, job) = job.as_object().unwrap().iter().next().unwrap();
    assert!(name.starts_with("umd-release-"));
    for line in job["script"].as_array().unwrap() {
        assert!(
            !line.as_str().unwrap().contains("$[["),
            "{COMPONENT}: a script interpolates an input; pass it through variables"
        );
    }
    assert_eq!(
        job["artifacts"]["reports"]["codequality"],
        "gl-code-quality-report.json"
    );
    assert_eq!(
        job["variables"]["UMD_RELEASE_CODEQUALITY"],
        "gl-code-quality-report.json"
    );
    // Every command the component offers is one the binary has.
    let help = Command::new(env!("CARGO_BIN_EXE_umd-release"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for c in spec["spec"]["inputs"]["command"]["options"]
        .as_array()
        .unwrap()
    {
        let c = c.as_str().unwrap();
        assert!(
            help.contains(&format!("  {c} ")),
            "umd-release has no `{c}`"
        );
    }
}

#[test]
fn gitlab_examples_use_the_component_s_inputs() {
    let (spec, _, _) = component();
    let inputs = spec["spec"]["inputs"].as_object().unwrap();
    for file in yaml_in("examples/gitlab") {
        let doc = load(&file);
        for inc in doc["include"].as_array().expect("include:") {
            assert!(
                inc["component"]
                    .as_str()
                    .unwrap()
                    .contains("/umd-release/umd-release@"),
                "{file}"
            );
            for (k, v) in inc["inputs"].as_object().unwrap() {
                let input = inputs
                    .get(k)
                    .unwrap_or_else(|| panic!("{file}: no input {k}"));
                if let Some(options) = input["options"].as_array() {
                    assert!(options.contains(v), "{file}: {k}: {v} is not an option");
                }
            }
        }
    }
}

#[test]
fn the_gitlab_component_script_passes_shellcheck() {
    if Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("UMD_RELEASE_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "shellcheck is required (UMD_RELEASE_REQUIRE_TOOLS=1)"
        );
        return;
    }
    let (_, job, _) = component();
    let job = job.as_object().unwrap().values().next().unwrap().clone();
    let script: Vec<&str> = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("component.sh");
    std::fs::write(&path, format!("#!/usr/bin/env bash\n{}", script.join("\n"))).unwrap();
    let out = Command::new("shellcheck")
        .args(["--shell=bash", "--severity=style", "--format=gcc"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The issue's attack on the install step: an earlier step of the job (a
/// provider's own build script) plants an `umd-release` where the action
/// used to look for one it installed before. The step installs into a fresh
/// directory of its own and never runs the planted binary. Run on a runner
/// the action has no prebuilt binary for, asked to build from source
/// without cargo, it stops with the documented error instead.
#[test]
fn the_install_step_never_runs_a_binary_it_did_not_install() {
    let action = load("action.yml");
    let script = action["runs"]["steps"][0]["run"]
        .as_str()
        .expect("action.yml: the install step's script");
    let tmp = tempfile::tempdir().unwrap();
    let temp = tmp.path().join("runner-temp");
    let planted_ran = tmp.path().join("planted-ran");
    for dir in ["umd-release-0.1.0/bin", "umd-release-0.1.0.AAAAAA/bin"] {
        let bin = temp.join(dir);
        std::fs::create_dir_all(&bin).unwrap();
        let planted = bin.join("umd-release");
        std::fs::write(
            &planted,
            format!("#!/bin/sh\ntouch '{}'\n", planted_ran.display()),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("RUNNER_TEMP", &temp)
        .env("GITHUB_ACTION_PATH", root())
        .env("GITHUB_PATH", tmp.path().join("github-path"))
        .env("GITHUB_OUTPUT", tmp.path().join("github-output"))
        .env("UMD_RELEASE_VERSION", "0.1.0")
        .env("UMD_RELEASE_RUNNER_OS", "Windows")
        .env("UMD_RELEASE_RUNNER_ARCH", "X64")
        .env("UMD_RELEASE_DOWNLOAD_REPO", "EGI-Federation/umd-release")
        // Only an explicit build-from-source gets as far as cargo.
        .env("UMD_RELEASE_BUILD_FROM_SOURCE", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!planted_ran.exists(), "the planted binary ran: {stdout}");
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("cargo is not installed"), "{stdout}");
    let path = std::fs::read_to_string(tmp.path().join("github-path")).unwrap_or_default();
    assert!(path.is_empty(), "a directory was put on PATH: {path}");
}
