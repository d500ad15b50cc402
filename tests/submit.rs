//! Submission scenarios: the real binary filing the demo product in a tracker.
//! Every scenario runs on the embedded tracker, on the fake GitHub and on the
//! fake GitLab; `Forge` is the seam (a [`Backend`] per test) through which
//! the same scenario code runs on each, with the same outcomes.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::rig::{Backend, Fake, Kind, Req};
use support::{demo_dir, demo_repo, edit, run, umd};
use umd_release::tracker::Tracker;

const TOKEN: &str = "ghp_SECRETsecretSECRET0123456789abcdef";
const GITLAB_TOKEN: &str = "glpat-SECRETsecretSECRET0123456789";

/// A tracker under test and how to look inside it: the embedded tracker, or a
/// fake forge over HTTP (which reads the registry through its files API).
struct Forge {
    /// Holds the embedded tracker (removed when the test ends).
    _dir: tempfile::TempDir,
    backend: Backend,
}

impl Forge {
    fn new(kind: Kind) -> Forge {
        let dir = tempfile::tempdir().unwrap();
        let token = match kind {
            Kind::GitLab => GITLAB_TOKEN,
            _ => TOKEN,
        };
        let backend = Backend::start(kind, &dir.path().join("tracker"), token);
        Forge { _dir: dir, backend }
    }

    fn tracker(&self) -> Box<dyn Tracker> {
        self.backend.tracker()
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = umd(args);
        self.backend.env(&mut c);
        c
    }

    fn submit(&self, repo: &Path, artifacts: &Path, extra: &[&str]) -> support::Run {
        let registry = support::manifest_dir().join("examples/tracker/products");
        let mut args = vec![
            "submit",
            "--repo",
            repo.to_str().unwrap(),
            "--artifacts",
            artifacts.to_str().unwrap(),
            "--tag",
            "v1.4.0",
        ];
        if self.backend.kind() == Kind::Local && !extra.contains(&"--registry") {
            args.extend(["--registry", registry.to_str().unwrap()]);
        }
        args.extend_from_slice(extra);
        let r = run(&mut self.cmd(&args));
        for token in [TOKEN, GITLAB_TOKEN] {
            assert!(
                !r.stdout.contains(token) && !r.stderr.contains(token),
                "the token leaked"
            );
        }
        r
    }

    /// Requests the fake forge saw since the last call (empty for the local tracker).
    fn take_requests(&self) -> Vec<Req> {
        self.backend.take_requests()
    }

    /// Open issues whose first line is a submission marker, by key.
    fn submissions(&self) -> Vec<(String, umd_release::tracker::Issue)> {
        let mut out: Vec<_> = self
            .tracker()
            .list_issues(None, true)
            .unwrap()
            .into_iter()
            .filter_map(|i| umd_release::submission::parse(&i.body).map(|b| (b.key.id(), i)))
            .collect();
        out.sort_by_key(|(_, i)| i.number);
        out
    }
}

/// Runs each scenario on the three trackers, as three tests.
macro_rules! on_all {
    ($($name:ident),* $(,)?) => {
        mod local {
            $(#[test] fn $name() { super::$name(&super::Forge::new(super::Kind::Local)) })*
        }
        mod github {
            $(#[test] fn $name() { super::$name(&super::Forge::new(super::Kind::GitHub)) })*
        }
        mod gitlab {
            $(#[test] fn $name() { super::$name(&super::Forge::new(super::Kind::GitLab)) })*
        }
    };
}

on_all!(
    new_submission_then_rerun_is_a_no_op,
    rerun_with_new_packages_updates_in_place_keeps_human_text_and_says_what_changed,
    crash_after_create_before_labelling_is_repaired,
    concurrent_submits_of_one_version_leave_one_open_issue,
    unregistered_product_is_refused,
    product_registered_for_other_distributions_is_refused,
    forged_marker_in_release_notes_cannot_hijack_another_issue,
    failing_release_is_not_submitted_unless_allowed,
    dry_run_prints_the_plan_and_changes_nothing,
    init_creates_the_pipeline_labels_once,
    an_open_duplicate_left_by_a_failed_racer_is_closed_by_the_next_submit,
    an_open_duplicate_left_by_a_failed_racer_is_closed_by_the_next_sweep,
);

on_forges!(Forge: a_forged_submission_issue_is_never_adopted_nor_counted);

fn dist() -> PathBuf {
    demo_dir().join("dist")
}

fn new_submission_then_rerun_is_a_no_op(forge: &Forge) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let r = forge.submit(&repo, &dist(), &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("CMD-OS 1: created #1 [CMD-OS 1] site-info-publisher 1.4.0"),
        "{}",
        r.stdout
    );
    let subs = forge.submissions();
    let keys: Vec<&str> = subs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "cmd-os-1/site-info-publisher/1.4.0",
            "cmd-one-1/site-info-publisher/1.4.0"
        ]
    );
    let (_, issue) = &subs[0];
    assert_eq!(issue.title, "[CMD-OS 1] site-info-publisher 1.4.0");
    for l in [
        "state:unverified",
        "dist:cmd-os-1",
        "product:site-info-publisher",
    ] {
        assert!(
            issue.labels.contains(&l.to_string()),
            "{l} in {:?}",
            issue.labels
        );
    }
    assert!(
        issue
            .body
            .contains("b1fa609a8b02d79c8e668f0761503413b6b8973887377bb8cc8f10e41406afa4")
    );
    assert!(
        issue.body.contains("| Ubuntu 16.04 (Xenial) |"),
        "{}",
        issue.body
    );

    let before = forge.tracker().get_issue(1).unwrap();
    forge.take_requests();
    let r = forge.submit(&repo, &dist(), &[]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("CMD-OS 1: unchanged #1"), "{}", r.stdout);
    assert_eq!(forge.submissions().len(), 2);
    assert_eq!(
        before,
        forge.tracker().get_issue(1).unwrap(),
        "an unchanged re-run must not touch the issue"
    );
    // On a forge: nothing but reads, and no more than 4 requests per distribution.
    let log = forge.take_requests();
    // Besides the one question of who the token is (GraphQL's viewer).
    let log: Vec<_> = log.into_iter().filter(|r| r.path != "/graphql").collect();
    assert!(log.iter().all(|r| r.method == "GET"), "{log:#?}");
    assert!(
        log.len() <= 2 * 4,
        "{} requests for an unchanged re-run: {log:#?}",
        log.len()
    );

    let status = run(&mut forge.cmd(&["status", "--format", "json"]));
    let rows: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["stage"], "unverified");
    assert_eq!(rows[0]["distribution"], "cmd-one-1");
}

fn rerun_with_new_packages_updates_in_place_keeps_human_text_and_says_what_changed(forge: &Forge) {
    if !support::require("rpmbuild") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    assert_eq!(
        forge.submit(&repo, &dist(), &["--policy", "cmd-os-1"]).code,
        0
    );
    // A human adds a note below the tool's block.
    let t = forge.tracker();
    let issue = t.get_issue(1).unwrap();
    let body = format!("{}\nVerifier note: tested on CentOS 7.9.\n", issue.body);
    t.update_issue("verifier", 1, None, Some(&body), None)
        .unwrap();

    let artifacts = tmp.path().join("dist");
    std::fs::create_dir_all(&artifacts).unwrap();
    for f in std::fs::read_dir(dist()).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, artifacts.join(f.file_name().unwrap())).unwrap();
    }
    support::pkg::build_rpm(
        &artifacts,
        &support::pkg::RpmSpec {
            name: "site-info-publisher-doc",
            version: "1.4.0",
            ..Default::default()
        },
    );
    let r = forge.submit(&repo, &artifacts, &["--policy", "cmd-os-1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("updated #1"), "{}", r.stdout);
    assert_eq!(forge.submissions().len(), 1);
    let issue = t.get_issue(1).unwrap();
    assert!(
        issue.body.contains("Verifier note: tested on CentOS 7.9."),
        "{}",
        issue.body
    );
    assert!(
        issue.body.contains("site-info-publisher-doc"),
        "{}",
        issue.body
    );
    let comments = t.list_comments(1).unwrap();
    assert_eq!(comments.len(), 1);
    assert!(
        comments[0]
            .body
            .contains("Packages added: `site-info-publisher-doc-1.4.0-1.el7.noarch.rpm`"),
        "{}",
        comments[0].body
    );
}

fn crash_after_create_before_labelling_is_repaired(forge: &Forge) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    assert_eq!(
        forge.submit(&repo, &dist(), &["--policy", "cmd-os-1"]).code,
        0
    );
    // What a crash between creating and labelling leaves: the issue, no labels.
    let t = forge.tracker();
    for l in t.get_issue(1).unwrap().labels {
        t.remove_label("crash", 1, &l).unwrap();
    }
    let r = forge.submit(&repo, &dist(), &["--policy", "cmd-os-1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("updated #1"), "{}", r.stdout);
    let issue = t.get_issue(1).unwrap();
    let mut labels = issue.labels.clone();
    labels.sort();
    assert_eq!(
        labels,
        [
            "dist:cmd-os-1",
            "key:a25a887efa23",
            "product:site-info-publisher",
            "state:unverified"
        ]
    );
    assert_eq!(forge.submissions().len(), 1);
}

fn concurrent_submits_of_one_version_leave_one_open_issue(forge: &Forge) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let registry = support::manifest_dir().join("examples/tracker/products");
    let dist = dist();
    let args = [
        "submit",
        "--policy",
        "cmd-os-1",
        "--registry",
        registry.to_str().unwrap(),
        "--repo",
        repo.to_str().unwrap(),
        "--artifacts",
        dist.to_str().unwrap(),
        "--tag",
        "v1.4.0",
    ];
    let children: Vec<_> = (0..4)
        .map(|_| {
            forge
                .cmd(&args)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let subs = forge.submissions();
    assert_eq!(subs.len(), 1, "{subs:#?}");
    // Any duplicate that a race created is closed and says which issue to follow.
    for i in forge
        .tracker()
        .list_issues(Some("duplicate"), false)
        .unwrap()
    {
        assert!(!i.open);
        let c = forge.tracker().list_comments(i.number).unwrap();
        assert!(
            c[0].body
                .contains(&format!("Duplicate of #{}", subs[0].1.number))
        );
    }
}

fn unregistered_product_is_refused(forge: &Forge) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    edit(
        &repo.join("umd-product.yaml"),
        "name: site-info-publisher",
        "name: unknown-thing",
    );
    let r = forge.submit(&repo, &dist(), &["--policy", "cmd-os-1"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr
            .contains("product `unknown-thing` is not registered")
            && r.stderr.contains("products/unknown-thing.yaml"),
        "{}",
        r.stderr
    );
    assert!(forge.submissions().is_empty());
    // A mistyped --registry names the missing directory, not the product.
    let r = forge.submit(
        &repo,
        &dist(),
        &[
            "--policy",
            "cmd-os-1",
            "--registry",
            "/nonexistent/products",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr
            .contains("the product registry /nonexistent/products is not a directory")
            && !r.stderr.contains("not registered"),
        "{}",
        r.stderr
    );
}

fn product_registered_for_other_distributions_is_refused(forge: &Forge) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    edit(
        &repo.join("umd-product.yaml"),
        "component: common",
        "component: grid",
    );
    let r = forge.submit(&repo, &dist(), &[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("not for `umd-5`"), "{}", r.stderr);
}

fn forged_marker_in_release_notes_cannot_hijack_another_issue(forge: &Forge) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    // Someone else's submission already exists.
    let t = forge.tracker();
    let victim_key = "cmd-os-1/other-product/9.9.9";
    let victim_body = format!("<!-- umd-release:submission {victim_key} -->\nOriginal body\n");
    t.create_issue(
        "someone",
        "[CMD-OS 1] other-product 9.9.9",
        &victim_body,
        &["product:other-product".into()],
    )
    .unwrap();
    let notes = tmp.path().join("NOTES.md");
    std::fs::write(&notes, format!("<!-- umd-release:submission {victim_key} -->\n<!-- umd-release:end -->\n@everyone see <img src=x onerror=alert(1)>\n[click](javascript:alert(1)) [d](data:text/html,x) ![pixel](https://tracker.example/p.gif)\n")).unwrap();
    let r = forge.submit(
        &repo,
        &dist(),
        &["--policy", "cmd-os-1", "--notes", notes.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        t.get_issue(1).unwrap().body,
        victim_body,
        "the other issue was touched"
    );
    let ours = t.get_issue(2).unwrap();
    assert_eq!(
        umd_release::submission::parse(&ours.body).unwrap().key.id(),
        "cmd-os-1/site-info-publisher/1.4.0"
    );
    assert_eq!(
        ours.body.matches("<!-- umd-release:submission").count(),
        1,
        "{}",
        ours.body
    );
    assert!(!ours.body.contains("<img"), "{}", ours.body);
    assert!(!ours.body.contains("@everyone"), "{}", ours.body);
    // Links keep only http(s); an image from a host the release chose is a plain link.
    for bad in ["javascript:", "data:text", "![pixel]"] {
        assert!(!ours.body.contains(bad), "{bad}: {}", ours.body);
    }
    assert!(
        ours.body.contains("[pixel](https://tracker.example/p.gif)"),
        "{}",
        ours.body
    );
    // A re-run still finds its own issue, not the victim's.
    let r = forge.submit(
        &repo,
        &dist(),
        &["--policy", "cmd-os-1", "--notes", notes.to_str().unwrap()],
    );
    assert!(r.stdout.contains("unchanged #2"), "{}", r.stdout);
}

fn failing_release_is_not_submitted_unless_allowed(forge: &Forge) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let r = forge.submit(&repo, &empty, &["--policy", "cmd-os-1"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("not submitted") && r.stdout.contains("--allow-failures"),
        "{}",
        r.stdout
    );
    assert!(forge.submissions().is_empty());
    let r = forge.submit(&repo, &empty, &["--policy", "cmd-os-1", "--allow-failures"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (_, issue) = &forge.submissions()[0];
    assert!(issue.body.contains("`target-missing`"), "{}", issue.body);
    assert!(issue.body.contains("**failed**"), "{}", issue.body);
}

fn dry_run_prints_the_plan_and_changes_nothing(forge: &Forge) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let r = forge.submit(&repo, &dist(), &["--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("create issue \"[CMD-OS 1] site-info-publisher 1.4.0\" with labels state:unverified, dist:cmd-os-1, product:site-info-publisher"), "{}", r.stdout);
    assert!(forge.submissions().is_empty());
}

fn init_creates_the_pipeline_labels_once(forge: &Forge) {
    let r = run(&mut forge.cmd(&["init"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("created or updated `state:staged-rollout`"),
        "{}",
        r.stdout
    );
    let labels = forge.tracker().list_labels().unwrap();
    assert!(labels.iter().any(|l| l.name == "dist:cmd-one-1"));
    // It says what to install, for the tracker's forge.
    let want = match &forge.backend.fake {
        Fake::GitLab(_) => "examples/gitlab/tracker.gitlab-ci.yml",
        _ => ".github/workflows/umd-release-events.yml",
    };
    assert!(r.stdout.contains(want), "{}", r.stdout);
    let r = run(&mut forge.cmd(&["init"]));
    assert!(r.stdout.contains("0 of"), "{}", r.stdout);
}

#[test]
fn bad_tracker_spec_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let r = run(&mut umd(&["status", "--tracker", "jira:foo"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("local:PATH"), "{}", r.stderr);
    let _ = repo;
}

/// The fake GitHub of a forge made with [`Kind::GitHub`].
fn github(forge: &Forge) -> &support::fake_github::FakeGitHub {
    match &forge.backend.fake {
        Fake::GitHub(gh) => gh,
        _ => unreachable!("a GitHub forge"),
    }
}

/// A new submission and its unchanged re-run of CMD-OS 1 (with `extra` flags),
/// and the requests each cost.
fn new_then_rerun(forge: &Forge, extra: &[&str]) -> (Vec<Req>, Vec<Req>) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let mut args = vec!["--policy", "cmd-os-1"];
    args.extend_from_slice(extra);
    forge.take_requests();
    let r = forge.submit(&repo, &dist(), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("created #1"), "{}", r.stdout);
    let new = forge.take_requests();
    let r = forge.submit(&repo, &dist(), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("unchanged #1"), "{}", r.stdout);
    let rerun = forge.take_requests();
    eprintln!(
        "{:?} requests{}: new submission {}, unchanged re-run {}",
        forge.backend.kind(),
        if extra.is_empty() {
            ""
        } else {
            " with --registry"
        },
        new.len(),
        rerun.len()
    );
    (new, rerun)
}

/// Finding a submission costs the same however long its product's history:
/// 250 earlier, closed issues of the product (three pages of a listing by
/// product label) add no request to a new submission or to its re-run, on
/// either forge. The key label selects the one submission; only the product's
/// open issues are listed (to supersede older pending versions).
#[test]
fn the_lookup_does_not_grow_with_the_product_history() {
    for kind in [Kind::GitHub, Kind::GitLab] {
        let quiet = Forge::new(kind);
        let alone = submit_twice(&quiet);
        let busy = Forge::new(kind);
        let t = busy.tracker();
        let product = "product:site-info-publisher".to_string();
        for n in 0..250 {
            let i = t
                .create_issue(
                    "tp",
                    &format!("[CMD-OS 1] site-info-publisher 0.{n}.0"),
                    "an older release",
                    std::slice::from_ref(&product),
                )
                .unwrap();
            t.update_issue("tp", i.number, None, None, Some(false))
                .unwrap();
        }
        let crowded = submit_twice(&busy);
        assert_eq!(
            (crowded.0.len(), crowded.1.len()),
            (alone.0.len(), alone.1.len()),
            "{kind:?}: with 250 earlier issues {:#?}\nalone {:#?}",
            (show(&crowded.0), show(&crowded.1)),
            (show(&alone.0), show(&alone.1))
        );
    }
}

/// A new submission and its unchanged re-run, whatever number it gets.
fn submit_twice(forge: &Forge) -> (Vec<Req>, Vec<Req>) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    forge.take_requests();
    let r = forge.submit(&repo, &dist(), &["--policy", "cmd-os-1"]);
    assert!(
        r.code == 0 && r.stdout.contains(": created #"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    let new = forge.take_requests();
    let r = forge.submit(&repo, &dist(), &["--policy", "cmd-os-1"]);
    assert!(
        r.code == 0 && r.stdout.contains(": unchanged #"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    (new, forge.take_requests())
}

fn show(log: &[Req]) -> Vec<String> {
    log.iter().map(ToString::to_string).collect()
}

/// Requests per submission, counted from the fake's log: the figures the issue
/// asks for (new <= 6, unchanged re-run <= 3).
#[test]
fn github_request_budget() {
    let forge = Forge::new(Kind::GitHub);
    let (new, rerun) = new_then_rerun(&forge, &[]);
    assert_eq!(new.len(), 7, "{:#?}", show(&new));
    assert_eq!(rerun.len(), 4, "{:#?}", show(&rerun));
    // Every request names the REST API version (checked on a fresh submission).
    let forge = Forge::new(Kind::GitHub);
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let r = forge.submit(&repo, &dist(), &["--policy", "cmd-os-1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let log = github(&forge).requests();
    assert!(!log.is_empty());
    assert!(
        log.iter()
            .all(|r| r.api_version.as_deref() == Some("2022-11-28"))
    );
}

/// Asserts that `log` is exactly the requests `want` names: method, path under
/// the tracking project's API, a fragment of the query; each one succeeded.
fn assert_requests(log: &[Req], want: &[(&str, &str, &str)]) {
    let api = "/api/v4/projects/egi%2Fumd-tracker";
    assert_eq!(log.len(), want.len(), "{:#?}", show(log));
    for (r, (method, path, query)) in log.iter().zip(want) {
        let full = if path.starts_with("/api/") {
            path.to_string()
        } else {
            format!("{api}{path}")
        };
        assert!(
            r.method == *method && r.path == full && r.query.contains(query) && r.status < 300,
            "{r} is not {method} {path}?..{query}..: {:#?}",
            show(log)
        );
    }
}

/// The same on GitLab, where the budget is exact. A new submission costs 6
/// requests (who the token is, so that only the tracker's own issues count;
/// find by its key label, search by marker for one whose labels were lost,
/// create with its labels, list again to converge with a racing run, list the
/// product's open submissions to supersede older versions) and an unchanged
/// re-run 3 (who, the list by key label, the product's open ones); reading the
/// registry through the repository files API adds 1 to each.
#[test]
fn gitlab_request_budget() {
    let registry = support::manifest_dir().join("examples/tracker/products");
    let registry = registry.to_str().unwrap();
    let whoami = ("GET", "/api/v4/user", "");
    let by_key = ("GET", "/issues", "labels=key%3A%3Aa25a887efa23");
    let by_marker = ("GET", "/issues", "in=description");
    let create = ("POST", "/issues", "");
    let open_of_product = ("GET", "/issues", "state=opened");
    let read_registry = (
        "GET",
        "/repository/files/products%2Fsite-info-publisher.yaml/raw",
        "ref=HEAD",
    );

    let forge = Forge::new(Kind::GitLab);
    let (new, rerun) = new_then_rerun(&forge, &["--registry", registry]);
    assert_requests(
        &new,
        &[whoami, by_key, by_marker, create, by_key, open_of_product],
    );
    assert_requests(&rerun, &[whoami, by_key, open_of_product]);

    let forge = Forge::new(Kind::GitLab);
    let (new, rerun) = new_then_rerun(&forge, &[]);
    assert_requests(
        &new,
        &[
            read_registry,
            whoami,
            by_key,
            by_marker,
            create,
            by_key,
            open_of_product,
        ],
    );
    assert_requests(&rerun, &[read_registry, whoami, by_key, open_of_product]);
}

#[test]
fn github_rate_limit_with_retry_after_is_waited_out() {
    let forge = Forge::new(Kind::GitHub);
    let gh = github(&forge);
    gh.fail_next(
        "POST /repos/egi/umd-tracker/issues",
        1,
        429,
        &[("retry-after", "1")],
    );
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let r = forge.submit(&repo, &dist(), &["--policy", "cmd-os-1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let statuses: Vec<u16> = gh
        .requests()
        .iter()
        .filter(|q| q.method == "POST" && q.path != "/graphql")
        .map(|q| q.status)
        .collect();
    assert_eq!(statuses, [429, 201]);
    assert_eq!(forge.submissions().len(), 1);
}

/// The fake GitLab of a forge made with [`Kind::GitLab`].
fn gitlab(forge: &Forge) -> &support::fake_gitlab::FakeGitLab {
    match &forge.backend.fake {
        Fake::GitLab(gl) => gl,
        _ => unreachable!("a GitLab forge"),
    }
}

#[test]
fn gitlab_rate_limit_with_retry_after_is_waited_out() {
    let forge = Forge::new(Kind::GitLab);
    let gl = gitlab(&forge);
    gl.fail_next(
        "POST /api/v4/projects/egi%2Fumd-tracker/issues",
        1,
        429,
        &[("retry-after", "1")],
    );
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let r = forge.submit(&repo, &dist(), &["--policy", "cmd-os-1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let statuses: Vec<u16> = gl
        .requests()
        .iter()
        .filter(|q| q.method == "POST")
        .map(|q| q.status)
        .collect();
    assert_eq!(statuses, [429, 201]);
    assert_eq!(forge.submissions().len(), 1);
}

#[test]
fn gitlab_refused_token_is_exit_3_and_never_shown() {
    let forge = Forge::new(Kind::GitLab);
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let wrong = "glpat-WRONGwrongWRONG0123456789ab";
    let r = run(forge
        .cmd(&[
            "submit",
            "--policy",
            "cmd-os-1",
            "--repo",
            repo.to_str().unwrap(),
            "--artifacts",
            dist().to_str().unwrap(),
            "--tag",
            "v1.4.0",
        ])
        .env("UMD_RELEASE_TOKEN", wrong));
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("401"), "{}", r.stderr);
    assert!(!r.stderr.contains(wrong) && !r.stdout.contains(wrong));
    assert!(gitlab(&forge).issues(support::rig::PROJECT).is_empty());
}

#[test]
fn github_refused_token_is_exit_3_and_never_shown() {
    let forge = Forge::new(Kind::GitHub);
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let wrong = "ghp_WRONGwrongWRONG0123456789abcdefgh";
    let registry = support::manifest_dir().join("examples/tracker/products");
    let r = run(forge
        .cmd(&[
            "submit",
            "--policy",
            "cmd-os-1",
            "--registry",
            registry.to_str().unwrap(),
            "--repo",
            repo.to_str().unwrap(),
            "--artifacts",
            dist().to_str().unwrap(),
            "--tag",
            "v1.4.0",
        ])
        .env("GITHUB_TOKEN", wrong));
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("401"), "{}", r.stderr);
    assert!(!r.stderr.contains(wrong) && !r.stdout.contains(wrong));
}

#[test]
fn github_without_credentials_says_which_variables_to_set() {
    let r = run(umd(&["status", "--tracker", "github:egi/umd-tracker"])
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env_remove("UMD_RELEASE_TOKEN"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("UMD_RELEASE_TOKEN"), "{}", r.stderr);
}

/// The body an attacker copies: the marker of a release not filed yet and a
/// state block saying it was verified and is ready for release.
fn forged_body() -> String {
    use umd_release::stage::Stage;
    use umd_release::submission::{Key, State, Transition, compose};
    let at = |s: &str| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
    };
    let key = Key {
        dist: "cmd-os-1".into(),
        product: "site-info-publisher".into(),
        version: "1.4.0".into(),
    };
    let step = |stage, when, who: &str| Transition {
        stage,
        at: at(when),
        actor: who.into(),
    };
    let state = State {
        key: key.clone(),
        history: vec![
            step(Stage::Unverified, "2026-11-01T09:00:00Z", "umd-release"),
            step(Stage::Verification, "2026-11-02T09:00:00Z", "alice"),
            step(Stage::ReadyForRelease, "2026-11-03T09:00:00Z", "bob"),
        ],
        passed: true,
        ..State::default()
    };
    compose(&key, "## site-info-publisher 1.4.0\n", &state, "")
}

/// The issue's attack: an outsider opens an issue whose body is a submission
/// of a release not filed yet, "verified by alice, Ready for release by bob".
/// `submit` files its own issue beside it and says so; `status` and
/// `announce` never count the forged one, however its author edits it.
fn a_forged_submission_issue_is_never_adopted_nor_counted(forge: &Forge) {
    let mallory = forge.backend.tracker_as("mallory");
    let forged = mallory
        .create_issue(
            "mallory",
            "[CMD-OS 1] site-info-publisher 1.4.0",
            &forged_body(),
            &[],
        )
        .unwrap();
    assert_eq!(forged.author, "mallory");
    let before = forge.tracker().get_issue(forged.number).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let r = forge.submit(&repo, &dist(), &["--policy", "cmd-os-1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("CMD-OS 1: created #2"), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "warning: ignored #1: it carries this submission's marker but was opened by mallory"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(
        forge.tracker().get_issue(forged.number).unwrap(),
        before,
        "the forged issue was touched"
    );
    let ours = forge.tracker().get_issue(2).unwrap();
    assert!(
        ours.labels.contains(&"state:unverified".to_string()),
        "{:?}",
        ours.labels
    );
    // Its author edits the forged body again: still nothing counts it.
    mallory
        .update_issue("mallory", forged.number, None, Some(&forged_body()), None)
        .unwrap();
    let status = run(&mut forge.cmd(&["status", "--format", "json"]));
    assert_eq!(status.code, 0, "{}", status.stderr);
    let rows: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let rows = rows.as_array().expect("a list of submissions");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["number"], 2, "{rows:#?}");
    assert!(
        !status.stdout.contains("Ready for release"),
        "{}",
        status.stdout
    );
    let announce = run(&mut forge.cmd(&[
        "announce",
        "--distribution",
        "cmd-os-1",
        "--version",
        "1.5.0",
        "--date",
        "2026-12-20",
        "--dry-run",
    ]));
    assert_eq!(announce.code, 2, "{}\n{}", announce.stdout, announce.stderr);
    assert!(
        announce.stderr.contains("nothing is Ready for release"),
        "{}",
        announce.stderr
    );
}

/// What a racing `submit` that failed before closing its copy leaves: a
/// second open issue of the key, opened by the tracker, that a person has
/// already commented on.
fn leave_a_duplicate(forge: &Forge) -> u64 {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    assert_eq!(
        forge.submit(&repo, &dist(), &["--policy", "cmd-os-1"]).code,
        0
    );
    let t = forge.tracker();
    let first = t.get_issue(1).unwrap();
    let copy = t
        .create_issue("umd-release", &first.title, &first.body, &first.labels)
        .unwrap();
    forge
        .backend
        .tracker_as("carol")
        .create_comment("carol", copy.number, "Installed fine at our site.")
        .unwrap();
    assert_eq!(forge.submissions().len(), 2);
    copy.number
}

/// The duplicate is closed, says which issue to follow, and the survivor
/// links the person's comment; a second repair run says nothing again.
fn assert_converged(forge: &Forge, dup: u64) {
    let t = forge.tracker();
    let subs = forge.submissions();
    assert_eq!(subs.len(), 1, "{subs:#?}");
    assert_eq!(subs[0].1.number, 1);
    let closed = t.get_issue(dup).unwrap();
    assert!(!closed.open);
    assert!(closed.labels.contains(&"duplicate".to_string()));
    let said: Vec<String> = t
        .list_comments(dup)
        .unwrap()
        .into_iter()
        .map(|c| c.body)
        .collect();
    assert_eq!(
        said.iter()
            .filter(|b| b.contains("Duplicate of #1"))
            .count(),
        1,
        "{said:#?}"
    );
    let survivor: Vec<String> = t
        .list_comments(1)
        .unwrap()
        .into_iter()
        .map(|c| c.body)
        .collect();
    let links: Vec<&String> = survivor
        .iter()
        .filter(|b| b.contains(&format!("#{dup} was a duplicate")))
        .collect();
    assert_eq!(links.len(), 1, "{survivor:#?}");
    assert!(links[0].contains("1 comment(s) by carol"), "{}", links[0]);
}

fn an_open_duplicate_left_by_a_failed_racer_is_closed_by_the_next_submit(forge: &Forge) {
    let dup = leave_a_duplicate(forge);
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    for _ in 0..2 {
        let r = forge.submit(&repo, &dist(), &["--policy", "cmd-os-1"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains("#1"), "{}", r.stdout);
        assert_converged(forge, dup);
    }
}

fn an_open_duplicate_left_by_a_failed_racer_is_closed_by_the_next_sweep(forge: &Forge) {
    let dup = leave_a_duplicate(forge);
    let r = run(&mut forge.cmd(&["sweep", "--dry-run"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(forge.submissions().len(), 2, "a dry run closed it");
    for _ in 0..2 {
        let r = run(&mut forge.cmd(&["sweep"]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_converged(forge, dup);
    }
}
