//! The action's "Run umd-release" step, run for real with bash: its script
//! and its `env:` are read from action.yml, each `${{ inputs.x }}` replaced by
//! the given value or the input's default, as the runner does.
//!
//! A recording stand-in for the binary shows how inputs become arguments and
//! which token variables it gets; the real binary on the embedded tracker
//! shows the outputs (`submissions`, `result`) and the job summary.

use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn action() -> Value {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    serde_saphyr::from_str::<Value>(&text).unwrap()
}

struct Job {
    tmp: tempfile::TempDir,
}

struct Ran {
    out: Output,
    outputs: BTreeMap<String, String>,
    summary: String,
}

impl Ran {
    fn code(&self) -> Option<i32> {
        self.out.status.code()
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    fn says(&self) -> String {
        format!(
            "exit {:?}\n{}\n{}",
            self.code(),
            self.stdout(),
            String::from_utf8_lossy(&self.out.stderr)
        )
    }
}

/// `name<<DELIM\nvalue\nDELIM` and `name=value` lines of $GITHUB_OUTPUT.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            map.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            map.insert(name.to_string(), value.to_string());
        }
    }
    map
}

impl Job {
    fn new() -> Job {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("temp")).unwrap();
        Job { tmp }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    /// The run step with `inputs` (others at their defaults), `bin` as the
    /// installed binary and `env` added to the job's environment.
    fn run(&self, bin: &Path, inputs: &[(&str, &str)], env: &[(&str, &str)]) -> Ran {
        let action = action();
        let step = action["runs"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "run")
            .expect("the run step")
            .clone();
        let given: BTreeMap<&str, &str> = inputs.iter().copied().collect();
        for name in given.keys() {
            assert!(
                action["inputs"].get(*name).is_some(),
                "action.yml has no input {name}"
            );
        }
        let _ = std::fs::remove_file(self.path("output"));
        let _ = std::fs::remove_file(self.path("summary"));
        let mut cmd = Command::new("bash");
        cmd.arg("-c")
            .arg(step["run"].as_str().unwrap())
            .current_dir(root())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("NO_COLOR", "1")
            .env("GITHUB_ACTIONS", "true")
            .env("RUNNER_TEMP", self.path("temp"))
            .env("GITHUB_OUTPUT", self.path("output"))
            .env("GITHUB_STEP_SUMMARY", self.path("summary"));
        for (var, value) in step["env"].as_object().unwrap() {
            let value = value.as_str().unwrap();
            let value = if value == "${{ steps.install.outputs.bin }}" {
                bin.display().to_string()
            } else {
                let input = value
                    .strip_prefix("${{ inputs.")
                    .and_then(|v| v.strip_suffix(" }}"))
                    .unwrap_or_else(|| panic!("{var}: {value}"));
                match given.get(input) {
                    Some(v) => v.to_string(),
                    None => action["inputs"][input]["default"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                }
            };
            cmd.env(var, value);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        Ran {
            out,
            outputs: parse_outputs(
                &std::fs::read_to_string(self.path("output")).unwrap_or_default(),
            ),
            summary: std::fs::read_to_string(self.path("summary")).unwrap_or_default(),
        }
    }
    /// A stand-in for umd-release that prints each argument as `<arg>` and
    /// which token variables it was given, then exits `code`.
    fn recorder(&self, code: i32) -> PathBuf {
        let path = self.path(&format!("recorder-{code}"));
        std::fs::write(
            &path,
            format!(
                "#!/bin/bash\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\"; done\n\
                 for v in UMD_RELEASE_TOKEN GITHUB_TOKEN GITLAB_TOKEN; do printf '%s=%s\\n' \"$v\" \"${{!v-unset}}\"; done\n\
                 exit {code}\n"
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }
}

fn argv(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix('<').and_then(|l| l.strip_suffix('>')))
        .map(String::from)
        .collect()
}

#[test]
fn args_are_one_per_line_and_never_split_globbed_or_evaluated() {
    let job = Job::new();
    let bin = job.recorder(0);
    let planted = job.path("pwned");
    let args = format!(
        "--distribution=cmd-os-1\n  --version=1.5.0  \n\n--reason=two words $(touch {p}) `touch {p}` *\n",
        p = planted.display()
    );
    let ran = job.run(
        &bin,
        &[
            ("command", "publish"),
            ("args", &args),
            ("tracker", "github:EGI-Federation/umd-tracker"),
            ("config", "tracker.yaml"),
            ("policy", "cmd-os-1.yaml, extra.yaml"),
            ("dry-run", "true"),
        ],
        &[],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.says());
    assert_eq!(
        argv(&ran.stdout()),
        [
            "publish",
            "--tracker",
            "github:EGI-Federation/umd-tracker",
            "--policy",
            "cmd-os-1.yaml",
            "--policy",
            "extra.yaml",
            "--config",
            "tracker.yaml",
            "--dry-run",
            "--distribution=cmd-os-1",
            "--version=1.5.0",
            &format!(
                "--reason=two words $(touch {p}) `touch {p}` *",
                p = planted.display()
            ),
        ]
    );
    assert!(!planted.exists(), "an argument was evaluated");
    assert_eq!(ran.outputs["result"], "success");
}

#[test]
fn check_and_submit_get_their_inputs_and_other_commands_only_what_is_set() {
    let job = Job::new();
    let bin = job.recorder(0);
    let ran = job.run(
        &bin,
        &[
            ("command", "submit"),
            ("artifacts", "dist"),
            ("tag", "v1.4.0"),
            ("tracker", "github:o/t"),
            ("registry", "products"),
            ("allow-failures", "true"),
            ("download-url-base", "https://example.org/pkgs"),
            ("format", "sarif"),
        ],
        &[],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.says());
    let sarif = job.path("temp/umd-release.sarif").display().to_string();
    assert_eq!(
        argv(&ran.stdout()),
        [
            "submit",
            "--repo",
            ".",
            "--tag",
            "v1.4.0",
            "--artifacts",
            "dist",
            "--format",
            "sarif",
            "--output",
            &sarif,
            "--tracker",
            "github:o/t",
            "--registry",
            "products",
            "--download-url-base",
            "https://example.org/pkgs",
            "--allow-failures",
        ]
    );
    // sweep: no check inputs, its format; export: its only format by default.
    let ran = job.run(&bin, &[("command", "sweep"), ("tracker", "local:t")], &[]);
    assert_eq!(
        argv(&ran.stdout()),
        ["sweep", "--format", "text", "--tracker", "local:t"]
    );
    let ran = job.run(&bin, &[("command", "export"), ("output", "records")], &[]);
    assert_eq!(
        argv(&ran.stdout()),
        [
            "export",
            "--format",
            "egi-software-releases",
            "--out",
            "records"
        ]
    );
    // Unknown commands and bad booleans are refused before anything runs.
    for inputs in [
        [("command", "--help"), ("dry-run", "false")],
        [("command", "sweep"), ("dry-run", "yes")],
    ] {
        let ran = job.run(&bin, &inputs, &[]);
        assert_eq!(ran.code(), Some(2), "{}", ran.says());
        assert!(argv(&ran.stdout()).is_empty(), "{}", ran.says());
        assert_eq!(ran.outputs["result"], "error");
    }
}

#[test]
fn forge_tokens_reach_only_their_own_variables() {
    let job = Job::new();
    let bin = job.recorder(0);
    // A job-level UMD_RELEASE_TOKEN would be read first by both clients: it is dropped.
    let ran = job.run(
        &bin,
        &[
            ("command", "intake"),
            ("github-token", "ghs_github_only"),
            ("gitlab-token", "glpat_gitlab_only"),
        ],
        &[("UMD_RELEASE_TOKEN", "job-level")],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.says());
    let out = ran.stdout();
    for line in [
        "UMD_RELEASE_TOKEN=unset",
        "GITHUB_TOKEN=ghs_github_only",
        "GITLAB_TOKEN=glpat_gitlab_only",
    ] {
        assert!(out.lines().any(|l| l == line), "{line}: {out}");
    }
    // `token` is UMD_RELEASE_TOKEN, for a tracker on one forge.
    let ran = job.run(&bin, &[("command", "sweep"), ("token", "t1")], &[]);
    assert!(ran.stdout().lines().any(|l| l == "UMD_RELEASE_TOKEN=t1"));
    assert!(ran.stdout().lines().any(|l| l == "GITHUB_TOKEN=unset"));
    // Never together: it would send the GitHub token to GitLab.
    let ran = job.run(
        &bin,
        &[
            ("command", "intake"),
            ("token", "t1"),
            ("gitlab-token", "g"),
        ],
        &[],
    );
    assert_eq!(ran.code(), Some(2), "{}", ran.says());
    assert!(
        ran.says()
            .contains("token cannot be combined with github-token or gitlab-token")
    );
    assert!(!ran.says().contains("t1") && !ran.says().contains("<intake>"));
}

#[test]
fn the_result_and_the_summary_follow_the_exit_code() {
    let job = Job::new();
    for (code, result) in [(0, "success"), (1, "failure"), (3, "error")] {
        let bin = job.recorder(code);
        let ran = job.run(
            &bin,
            &[("command", "track"), ("args", "--event=comment")],
            &[],
        );
        assert_eq!(ran.code(), Some(code), "{}", ran.says());
        assert_eq!(ran.outputs["result"], result);
        assert!(
            ran.summary.starts_with(&format!(
                "### umd-release track (exit {code})\n\n``` text\n<track>\n<--event=comment>\n"
            )),
            "{}",
            ran.summary
        );
        assert!(ran.summary.ends_with("\n```\n"), "{}", ran.summary);
    }
    // A log with a fence in it gets a longer fence.
    let fenced = job.path("fenced");
    std::fs::write(&fenced, "#!/bin/sh\nprintf 'a ``` b ```` c\\n'\n").unwrap();
    std::fs::set_permissions(&fenced, std::fs::Permissions::from_mode(0o755)).unwrap();
    let ran = job.run(&fenced, &[("command", "sweep")], &[]);
    assert!(
        ran.summary.contains("````` text\na ``` b ```` c\n`````\n"),
        "{}",
        ran.summary
    );
    // No summary for commands that have their own (check) or print data (status).
    let bin = job.recorder(0);
    for command in ["status", "dashboard", "check"] {
        let ran = job.run(&bin, &[("command", command)], &[]);
        assert_eq!(ran.summary, "", "{command}");
    }
}

/// The demo product on a fresh embedded tracker, through the action's step
/// and the real binary: one `submissions` entry per distribution.
#[test]
fn submit_sets_one_submission_per_distribution_and_the_result() {
    let job = Job::new();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_umd-release"));
    let tracker = format!("local:{}", job.path("tracker").display());
    let inputs = [
        ("command", "submit"),
        ("repo", "examples/demo-product"),
        ("artifacts", "examples/demo-product/dist"),
        ("tag", "v1.4.0"),
        ("tracker", tracker.as_str()),
        ("registry", "examples/tracker/products"),
    ];
    let ran = job.run(&bin, &inputs, &[]);
    assert_eq!(ran.code(), Some(0), "{}", ran.says());
    assert_eq!(ran.outputs["result"], "passed");
    let submissions: Value = serde_json::from_str(&ran.outputs["submissions"]).unwrap();
    let got: Vec<(&str, &str, u64)> = submissions
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["distribution"].as_str().unwrap(),
                s["filing"].as_str().unwrap(),
                s["number"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("CMD-OS 1", "created", 1), ("CMD-ONE 1", "created", 2)]
    );
    for s in submissions.as_array().unwrap() {
        let url = s["url"].as_str().unwrap();
        assert!(
            url.ends_with(&format!("issues/{}.json", s["number"])),
            "{url}"
        );
        assert!(
            s["key"].as_str().unwrap().contains("site-info-publisher"),
            "{s}"
        );
    }
    assert_eq!(
        ran.outputs["submission-url"],
        submissions[0]["url"].as_str().unwrap()
    );
    assert!(
        ran.summary.starts_with("### umd-release submit (exit 0)\n"),
        "{}",
        ran.summary
    );
    assert!(
        ran.summary.contains("CMD-ONE 1: created #2"),
        "{}",
        ran.summary
    );

    // A dry run of the same release: the same issues, unchanged, nothing written.
    let ran = job.run(
        &bin,
        &[inputs.as_slice(), &[("dry-run", "true")]].concat(),
        &[],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.says());
    let again: Value = serde_json::from_str(&ran.outputs["submissions"]).unwrap();
    assert_eq!(again.as_array().unwrap().len(), 2, "{again}");
    assert_eq!(ran.outputs["submission-url"], "");

    // sweep on the same tracker: its result and summary.
    let ran = job.run(
        &bin,
        &[("command", "sweep"), ("tracker", tracker.as_str())],
        &[],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.says());
    assert_eq!(ran.outputs["result"], "success");
    assert!(
        ran.summary.starts_with("### umd-release sweep (exit 0)\n"),
        "{}",
        ran.summary
    );
}
