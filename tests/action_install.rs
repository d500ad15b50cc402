//! The install steps of the GitHub Action (action.yml) and of the GitLab
//! component (templates/umd-release.yml), and the release workflow's step
//! that pins the checksums on the release commit, run for real: their
//! scripts are read from the YAML (never copied here) and run with bash
//! against a fake release served over local HTTP.
//!
//! They prove that the right binary installs and runs in seconds, that a
//! tampered or missing one is refused with a clear message and a non-zero
//! exit and no compile, that cargo runs only when `build-from-source` asks,
//! and that the commit the release workflow tags installs its own binaries.

use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The runner's `runner.arch` and the Rust target of this machine.
fn host() -> (&'static str, &'static str) {
    match std::env::consts::ARCH {
        "x86_64" => ("X64", "x86_64-unknown-linux-musl"),
        "aarch64" => ("ARM64", "aarch64-unknown-linux-musl"),
        other => panic!("no prebuilt target for {other}"),
    }
}

fn yaml(text: &str, what: &str) -> Value {
    serde_saphyr::from_str::<Value>(text).unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// The `run:` of the step with `id` (or `name`) in `doc`'s `steps`.
fn step_script(steps: &Value, key: &str, value: &str) -> String {
    steps
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s[key] == value)
        .and_then(|s| s["run"].as_str())
        .unwrap_or_else(|| panic!("no step with {key} {value}"))
        .to_string()
}

fn action_install_script(action_dir: &Path) -> String {
    let text = std::fs::read_to_string(action_dir.join("action.yml")).unwrap();
    step_script(&yaml(&text, "action.yml")["runs"]["steps"], "id", "install")
}

/// The component's job: its script and its variables, each `$[[ inputs.x ]]`
/// replaced by the input's default (or `inputs`), as GitLab does.
fn component_job(text: &str, inputs: &[(&str, &str)]) -> (String, BTreeMap<String, String>) {
    let (head, body) = text.split_once("\n---\n").expect("spec, ---, job");
    let spec = yaml(head, "component spec");
    let job = yaml(body, "component job");
    let job = job.as_object().unwrap().values().next().unwrap().clone();
    let given: BTreeMap<&str, &str> = inputs.iter().copied().collect();
    let mut vars = BTreeMap::new();
    for (name, value) in job["variables"].as_object().unwrap() {
        let value = value.as_str().unwrap();
        let value = match value
            .strip_prefix("$[[ inputs.")
            .and_then(|v| v.strip_suffix(" ]]"))
        {
            Some(input) => match given.get(input) {
                Some(v) => v.to_string(),
                None => match &spec["spec"]["inputs"][input]["default"] {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    other => panic!("input {input}: default {other}"),
                },
            },
            None => value.to_string(),
        };
        vars.insert(name.clone(), value);
    }
    let script: Vec<&str> = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    (script.join("\n"), vars)
}

/// A static file server on 127.0.0.1 over `dir`, with the paths it was asked for.
struct Server {
    base: String,
    asked: Arc<Mutex<Vec<String>>>,
}

fn serve(dir: &Path) -> Server {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let base = format!(
        "http://127.0.0.1:{}",
        server.server_addr().to_ip().unwrap().port()
    );
    let asked = Arc::new(Mutex::new(Vec::new()));
    let (dir, log) = (dir.to_path_buf(), asked.clone());
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let path = request.url().trim_start_matches('/').to_string();
            log.lock().unwrap().push(path.clone());
            let file = dir.join(&path);
            let response = if !path.contains("..") && file.is_file() {
                tiny_http::Response::from_data(std::fs::read(file).unwrap())
            } else {
                tiny_http::Response::from_data(b"not found".to_vec()).with_status_code(404)
            };
            let _ = request.respond(response);
        }
    });
    Server { base, asked }
}

impl Server {
    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

/// `umd-release-VERSION-TARGET.tar.gz` holding `umd-release-VERSION-TARGET/umd-release`
/// (`exe`, mode 0755), as the release workflow packages it; its sha256.
/// (tar, gzip and sha256sum rather than the crates: the debug binary is
/// large, and the unoptimised crates would take most of a minute on it.)
fn package(dir: &Path, version: &str, target: &str, exe: &Path) -> String {
    let name = format!("umd-release-{version}-{target}");
    let staging = tempfile::tempdir().unwrap();
    std::fs::create_dir(staging.path().join(&name)).unwrap();
    let inside = staging.path().join(&name).join("umd-release");
    std::fs::copy(exe, &inside).unwrap();
    std::fs::set_permissions(&inside, std::fs::Permissions::from_mode(0o755)).unwrap();
    let archive = dir.join(format!("{name}.tar.gz"));
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"tar -C "$1" -cf - "$2" | gzip -1 >"$3""#)
        .args([
            "sh".as_ref(),
            staging.path().as_os_str(),
            name.as_ref(),
            archive.as_os_str(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    sha256_of(&archive)
}

/// `package` for an executable given as text.
fn package_text(dir: &Path, version: &str, target: &str, exe: &str) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), exe).unwrap();
    package(dir, version, target, file.path())
}

fn sha256_of(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A runner: its temp directory, outputs file and a PATH whose `cargo`
/// only records that it was called (and installs a stub, as `cargo install` would).
struct Runner {
    tmp: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let tmp = tempfile::tempdir().unwrap();
        for dir in ["runner-temp", "fake-bin", "action/action", "work"] {
            std::fs::create_dir_all(tmp.path().join(dir)).unwrap();
        }
        let cargo_ran = tmp.path().join("cargo-ran");
        executable(
            &tmp.path().join("fake-bin/cargo"),
            &format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >'{}'\n\
                 while [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\n\
                 mkdir -p \"$root/bin\"\nprintf '#!/bin/sh\\necho umd-release from-source\\n' >\"$root/bin/umd-release\"\n\
                 chmod 755 \"$root/bin/umd-release\"\n",
                cargo_ran.display()
            ),
        );
        Runner { tmp }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    /// `cargo`'s arguments, when it ran.
    fn cargo_ran(&self) -> Option<String> {
        std::fs::read_to_string(self.path("cargo-ran")).ok()
    }
    fn outputs(&self) -> String {
        std::fs::read_to_string(self.path("github-output")).unwrap_or_default()
    }
    fn command(&self, script: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg("-c")
            .arg(script)
            .current_dir(self.path("work"))
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.path("fake-bin").display()),
            )
            .env("HOME", self.tmp.path())
            .env("TMPDIR", self.path("runner-temp"))
            .env("RUNNER_TEMP", self.path("runner-temp"))
            .env("GITHUB_OUTPUT", self.path("github-output"))
            .env("GITHUB_PATH", self.path("github-path"));
        cmd
    }
    /// Runs the action's install step of `action_dir` with `env`; its output and duration.
    fn install(&self, action_dir: &Path, env: &[(&str, &str)]) -> (Output, Duration) {
        let (arch, _) = host();
        let mut cmd = self.command(&action_install_script(action_dir));
        cmd.env("GITHUB_ACTION_PATH", action_dir)
            .env("UMD_RELEASE_VERSION", VERSION)
            .env("UMD_RELEASE_RUNNER_OS", "Linux")
            .env("UMD_RELEASE_RUNNER_ARCH", arch)
            .env("UMD_RELEASE_INSTALL_URL_BASE", "")
            .env("UMD_RELEASE_BUILD_FROM_SOURCE", "false")
            .env("UMD_RELEASE_DOWNLOAD_REPO", "EGI-Federation/umd-release");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let start = Instant::now();
        let out = cmd.output().unwrap();
        (out, start.elapsed())
    }
    /// Every file named umd-release under the runner's temp directory.
    fn installed(&self) -> Vec<PathBuf> {
        walk(&self.path("runner-temp"))
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "umd-release"))
            .collect()
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The action directory of `runner`: the real action.yml, and a
/// checksums.txt pinning `lines`.
fn action_dir(runner: &Runner, lines: &[String]) -> PathBuf {
    let dir = runner.path("action");
    std::fs::copy(root().join("action.yml"), dir.join("action.yml")).unwrap();
    let mut pins = std::fs::read_to_string(root().join("action/checksums.txt")).unwrap();
    for line in lines {
        pins.push_str(line);
        pins.push('\n');
    }
    std::fs::write(dir.join("action/checksums.txt"), pins).unwrap();
    dir
}

/// The release directory: the real binary, packaged for this machine's target.
fn real_release(runner: &Runner) -> (PathBuf, String, String) {
    let (_, target) = host();
    let dist = runner.path("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let sha = package(
        &dist,
        VERSION,
        target,
        Path::new(env!("CARGO_BIN_EXE_umd-release")),
    );
    let asset = format!("umd-release-{VERSION}-{target}.tar.gz");
    (dist, format!("{sha}  {asset}"), asset)
}

#[test]
fn the_pinned_binary_installs_and_runs_in_seconds() {
    let runner = Runner::new();
    let (dist, pin, asset) = real_release(&runner);
    let server = serve(&dist);
    let action = action_dir(&runner, &[pin]);
    let (out, took) = runner.install(&action, &[("UMD_RELEASE_INSTALL_URL_BASE", &server.base)]);
    eprintln!("action install of the pinned binary: {took:.2?}");
    assert!(out.status.success(), "{}", text(&out));
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(server.asked(), vec![asset], "one download, of the asset");
    assert_eq!(runner.cargo_ran(), None, "cargo ran");
    let outputs = runner.outputs();
    let bin = outputs
        .lines()
        .find_map(|l| l.strip_prefix("bin="))
        .unwrap_or_else(|| panic!("no bin output: {outputs}"));
    // In a fresh directory of its own under RUNNER_TEMP, nothing put on PATH.
    assert!(
        bin.starts_with(&format!(
            "{}/umd-release-{VERSION}.",
            runner.path("runner-temp").display()
        )),
        "{bin}"
    );
    assert!(!runner.path("github-path").exists());
    let said = Command::new(bin).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&said.stdout).trim(),
        format!("umd-release {VERSION}")
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("umd-release {VERSION}")),
        "{}",
        text(&out)
    );
}

#[test]
fn a_tampered_binary_is_refused() {
    let runner = Runner::new();
    let (dist, pin, asset) = real_release(&runner);
    // The archive served is another one than the one pinned.
    let (_, target) = host();
    package_text(&dist, VERSION, target, "#!/bin/sh\necho pwned\n");
    let server = serve(&dist);
    let action = action_dir(&runner, &[pin]);
    let (out, took) = runner.install(&action, &[("UMD_RELEASE_INSTALL_URL_BASE", &server.base)]);
    eprintln!("action install of a tampered binary refused in {took:.2?}");
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!(
            "{asset} from {}/{asset} does not match the checksum pinned in action/checksums.txt: refusing to install it",
            server.base
        )),
        "{said}"
    );
    assert!(runner.installed().is_empty(), "{:?}", runner.installed());
    assert!(!runner.outputs().contains("bin="), "{}", runner.outputs());
    assert_eq!(runner.cargo_ran(), None, "cargo ran");
}

#[test]
fn a_missing_binary_is_a_clear_error_and_never_a_compile() {
    let runner = Runner::new();
    let (_dist, pin, asset) = real_release(&runner);
    // A server over an empty directory: every download is a 404.
    let empty = runner.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let server = serve(&empty);
    let action = action_dir(&runner, &[pin]);
    let (out, took) = runner.install(&action, &[("UMD_RELEASE_INSTALL_URL_BASE", &server.base)]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(
        said.contains(&format!("could not download {}/{asset}", server.base))
            && said.contains("nothing is built from source unless build-from-source: true"),
        "{said}"
    );
    assert!(said.contains("404"), "curl's message: {said}");
    assert_eq!(runner.cargo_ran(), None, "cargo ran");
    assert!(runner.installed().is_empty());
}

#[test]
fn a_version_the_action_pins_no_checksum_for_is_refused_before_any_download() {
    let runner = Runner::new();
    let (dist, pin, _) = real_release(&runner);
    let server = serve(&dist);
    let action = action_dir(&runner, &[pin]);
    let (out, _) = runner.install(
        &action,
        &[
            ("UMD_RELEASE_INSTALL_URL_BASE", &server.base),
            ("UMD_RELEASE_VERSION", "9.9.9"),
        ],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("action/checksums.txt pins no checksum for umd-release-9.9.9-")
            && said.contains("set build-from-source: true"),
        "{said}"
    );
    assert!(server.asked().is_empty(), "{:?}", server.asked());
    assert_eq!(runner.cargo_ran(), None, "cargo ran");
}

#[test]
fn plain_http_is_refused_except_to_this_machine() {
    let runner = Runner::new();
    let (_, pin, _) = real_release(&runner);
    let action = action_dir(&runner, &[pin]);
    let (out, _) = runner.install(
        &action,
        &[("UMD_RELEASE_INSTALL_URL_BASE", "http://mirror.example/umd")],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("install-url-base must be an https:// URL"),
        "{said}"
    );
}

#[test]
fn cargo_builds_only_when_build_from_source_asks() {
    let runner = Runner::new();
    let action = action_dir(&runner, &[]);
    // On a runner with no prebuilt binary, without the input: an error, no cargo.
    let (out, _) = runner.install(&action, &[("UMD_RELEASE_RUNNER_OS", "macOS")]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("there is no prebuilt umd-release for macOS/")
            && said.contains("set build-from-source: true"),
        "{said}"
    );
    assert_eq!(runner.cargo_ran(), None, "cargo ran");
    // With it: cargo install --locked from the action's own source, into the fresh root.
    let (out, _) = runner.install(&action, &[("UMD_RELEASE_BUILD_FROM_SOURCE", "true")]);
    assert!(out.status.success(), "{}", text(&out));
    let args = runner.cargo_ran().expect("cargo did not run");
    let root = runner.outputs();
    let bin = root.lines().find_map(|l| l.strip_prefix("bin=")).unwrap();
    let root = bin.strip_suffix("/bin/umd-release").unwrap();
    assert_eq!(
        args.trim(),
        format!("install --locked --path {} --root {root}", action.display())
    );
    // Anything else is refused.
    let (out, _) = runner.install(&action, &[("UMD_RELEASE_BUILD_FROM_SOURCE", "yes")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// Runs the component's job script, its variables from the spec's defaults
/// and `inputs`, in the runner's work directory.
fn component(runner: &Runner, template: &str, inputs: &[(&str, &str)]) -> Output {
    let (script, vars) = component_job(template, inputs);
    let mut cmd = runner.command(&script);
    cmd.envs(vars);
    cmd.output().unwrap()
}

#[test]
fn the_gitlab_component_installs_the_pinned_binary_and_refuses_a_tampered_one() {
    let runner = Runner::new();
    let (dist, pin, asset) = real_release(&runner);
    let server = serve(&dist);
    let template = std::fs::read_to_string(root().join("templates/umd-release.yml")).unwrap();
    let (sha, _) = pin.split_once("  ").unwrap();
    let start = Instant::now();
    let out = component(
        &runner,
        &template,
        &[
            ("command", "policies"),
            ("version", VERSION),
            ("sha256", sha),
            ("install_url_base", &server.base),
        ],
    );
    let took = start.elapsed();
    eprintln!("component install (and `policies`): {took:.2?}");
    assert!(out.status.success(), "{}", text(&out));
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(server.asked(), vec![asset.clone()]);
    assert_eq!(
        std::fs::read_to_string(runner.path("work/umd-release.env")).unwrap(),
        "UMD_RELEASE_RESULT=success\n"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("cmd-os-1"),
        "{}",
        text(&out)
    );

    // The same checksum, another archive.
    let (_, target) = host();
    package_text(&dist, VERSION, target, "#!/bin/sh\necho pwned\n");
    let out = component(
        &runner,
        &template,
        &[
            ("command", "policies"),
            ("version", VERSION),
            ("sha256", sha),
            ("install_url_base", &server.base),
        ],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("does not match the pinned checksum: refusing to install it"),
        "{said}"
    );
    assert!(!said.contains("pwned"), "{said}");

    // A version this component release pins nothing for, and no sha256: no download, no cargo.
    let asked = server.asked().len();
    let out = component(
        &runner,
        &template,
        &[("version", "9.9.9"), ("install_url_base", &server.base)],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("pins no checksum for umd-release-9.9.9-"),
        "{said}"
    );
    assert_eq!(server.asked().len(), asked);
    assert_eq!(runner.cargo_ran(), None, "cargo ran");
    assert_eq!(
        std::fs::read_to_string(runner.path("work/umd-release.env")).unwrap(),
        "UMD_RELEASE_RESULT=error\n"
    );
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The release workflow's "Pin the checksums on a release commit" step.
fn pin_step() -> String {
    let text = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let workflow = yaml(&text, "release.yml");
    step_script(
        &workflow["jobs"]["release"]["steps"],
        "name",
        "Pin the checksums on a release commit",
    )
}

/// The repository as the release job checks it out: the files the step edits, committed.
fn release_checkout(dir: &Path) -> String {
    for rel in [
        "action.yml",
        "action/checksums.txt",
        "templates/umd-release.yml",
    ] {
        std::fs::create_dir_all(dir.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(root().join(rel), dir.join(rel)).unwrap();
    }
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "."]);
    git(
        dir,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-q",
            "-m",
            "main",
        ],
    );
    git(dir, &["rev-parse", "HEAD"])
}

/// Two archives of a stub that says it is umd-release `version`.
fn stub_release(dist: &Path, version: &str) -> Vec<String> {
    std::fs::create_dir_all(dist).unwrap();
    ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"]
        .iter()
        .map(|target| {
            let exe = format!("#!/bin/sh\n# {target}\necho 'umd-release {version}'\n");
            let sha = package_text(dist, version, target, &exe);
            format!("{sha}  umd-release-{version}-{target}.tar.gz")
        })
        .collect()
}

fn run_pin(runner: &Runner, repo: &Path, dist: &Path, version: &str) -> Output {
    let mut cmd = runner.command(&pin_step());
    cmd.current_dir(repo)
        .env("VERSION", version)
        .env("DIST", dist)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    let _ = std::fs::remove_file(runner.path("github-output"));
    cmd.output().unwrap()
}

#[test]
fn the_release_commit_pins_its_own_binaries_and_its_tags_install_them() {
    let runner = Runner::new();
    let repo = runner.path("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let main = release_checkout(&repo);
    let dist = runner.path("dist-9.8.7");
    let lines = stub_release(&dist, "9.8.7");

    let out = run_pin(&runner, &repo, &dist, "9.8.7");
    assert!(out.status.success(), "{}", text(&out));
    let head = git(&repo, &["rev-parse", "HEAD"]);
    let outputs = runner.outputs();
    assert!(outputs.contains(&format!("commit={head}\n")), "{outputs}");
    assert!(outputs.contains("moving=v9\n"), "{outputs}");
    // One release commit on top of the released one; vX.Y.Z and vX name it.
    assert_eq!(git(&repo, &["rev-parse", "HEAD^"]), main);
    assert_eq!(git(&repo, &["rev-parse", "v9.8.7^{commit}"]), head);
    assert_eq!(git(&repo, &["rev-parse", "v9^{commit}"]), head);
    assert_eq!(
        git(&repo, &["diff", "--name-only", "HEAD^", "HEAD"]),
        "action.yml\naction/checksums.txt\ntemplates/umd-release.yml"
    );
    assert_eq!(git(&repo, &["status", "--porcelain"]), "");
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    assert_eq!(sums, format!("{}\n", lines.join("\n")));

    // The tagged commit's action.yml defaults to 9.8.7 and installs it from its own pins.
    let action = yaml(&git(&repo, &["show", "v9.8.7:action.yml"]), "action.yml");
    assert_eq!(action["inputs"]["version"]["default"], "9.8.7");
    let server = serve(&dist);
    let (arch, target) = host();
    let (out, took) = runner.install(
        &repo,
        &[
            ("UMD_RELEASE_VERSION", "9.8.7"),
            ("UMD_RELEASE_RUNNER_ARCH", arch),
            ("UMD_RELEASE_INSTALL_URL_BASE", &server.base),
        ],
    );
    eprintln!("action install from the release commit: {took:.2?}");
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("umd-release 9.8.7"));
    // And its component, with nothing but the defaults the release commit wrote.
    let template = git(&repo, &["show", "v9.8.7:templates/umd-release.yml"]);
    let (_, vars) = component_job(&template, &[]);
    assert_eq!(vars["UMD_RELEASE_VERSION"], "9.8.7");
    assert_eq!(
        vars["UMD_RELEASE_CHECKSUMS"],
        format!("{}\n", lines.join("\n"))
    );
    let out = component(&runner, &template, &[("install_url_base", &server.base)]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        server
            .asked()
            .contains(&format!("umd-release-9.8.7-{target}.tar.gz"))
    );

    // A release tag is never moved.
    let out = run_pin(&runner, &repo, &dist, "9.8.7");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("v9.8.7 exists already"),
        "{}",
        text(&out)
    );
    assert_eq!(git(&repo, &["rev-parse", "v9.8.7^{commit}"]), head);

    // A patch to an older line is tagged, and leaves v9 on the newest release.
    git(&repo, &["checkout", "-q", &main]);
    let old = runner.path("dist-9.7.1");
    stub_release(&old, "9.7.1");
    let out = run_pin(&runner, &repo, &old, "9.7.1");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        runner.outputs().contains("moving=\n"),
        "{}",
        runner.outputs()
    );
    assert_eq!(git(&repo, &["rev-parse", "v9.7.1^{commit}^"]), main);
    assert_eq!(git(&repo, &["rev-parse", "v9^{commit}"]), head);

    // A release missing a target is not tagged.
    git(&repo, &["checkout", "-q", &main]);
    let partial = runner.path("dist-9.9.0");
    stub_release(&partial, "9.9.0");
    std::fs::remove_file(partial.join("umd-release-9.9.0-aarch64-unknown-linux-musl.tar.gz"))
        .unwrap();
    let out = run_pin(&runner, &repo, &partial, "9.9.0");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("umd-release-9.9.0-aarch64-unknown-linux-musl.tar.gz was not built")
    );
    assert!(
        Command::new("git")
            .args(["rev-parse", "-q", "--verify", "refs/tags/v9.9.0"])
            .current_dir(&repo)
            .output()
            .unwrap()
            .stdout
            .is_empty()
    );
}
