//! Stage moves (issue 4, first part): label changes checked against the
//! policy's transitions and the roles in the tracker configuration.

mod support;

use support::{demo_dir, demo_repo, run, umd};
use umd_release::tracker::{Tracker, local::LocalTracker};

const CONFIG: &str =
    "roles:\n  qc-verifier: [alice]\n  staged-rollout-manager: [bob]\n  release-manager: [carol]\n";

struct Local {
    dir: tempfile::TempDir,
}

impl Local {
    fn new() -> Local {
        let l = Local {
            dir: tempfile::tempdir().unwrap(),
        };
        let repo = demo_repo(l.dir.path());
        let registry = support::manifest_dir().join("examples/tracker/products");
        let dist = demo_dir().join("dist");
        let r = run(&mut l.cmd(&[
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
        ]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        std::fs::write(l.dir.path().join("tracker/tracker.yaml"), CONFIG).unwrap();
        l
    }

    fn cmd(&self, args: &[&str]) -> std::process::Command {
        let mut c = umd(args);
        c.env(
            "UMD_RELEASE_TRACKER",
            format!("local:{}", self.dir.path().join("tracker").display()),
        );
        c
    }

    fn tracker(&self) -> LocalTracker {
        LocalTracker::open(self.dir.path().join("tracker")).unwrap()
    }

    fn mv(&self, to: &str, who: &str) -> support::Run {
        run(&mut self.cmd(&[
            "move",
            "--submission",
            "site-info-publisher@1.4.0",
            "--to",
            to,
            "--as",
            who,
        ]))
    }

    fn stage_labels(&self) -> Vec<String> {
        let mut l: Vec<String> = self
            .tracker()
            .get_issue(1)
            .unwrap()
            .labels
            .into_iter()
            .filter(|l| l.starts_with("state:"))
            .collect();
        l.sort();
        l
    }

    fn history(&self) -> Vec<(String, String)> {
        let body =
            umd_release::submission::parse(&self.tracker().get_issue(1).unwrap().body).unwrap();
        body.state
            .unwrap()
            .history
            .into_iter()
            .map(|t| (t.stage.slug().to_string(), t.actor))
            .collect()
    }
}

#[test]
fn moves_by_the_right_role_are_recorded() {
    let l = Local::new();
    let r = l.mv("verification", "alice");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("moved from Unverified to Verification by alice"),
        "{}",
        r.stdout
    );
    assert_eq!(l.stage_labels(), ["state:verification"]);
    let r = l.mv("staged-rollout", "alice");
    assert!(
        r.stdout
            .contains("moved from Verification to Staged Rollout"),
        "{}",
        r.stdout
    );
    let h = l.history();
    assert_eq!(
        h.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(),
        ["unverified", "verification", "staged-rollout"]
    );
    assert_eq!(h[1].1, "alice");
    // Accepted moves are quiet: no comment.
    assert!(l.tracker().list_comments(1).unwrap().is_empty());
}

#[test]
fn a_move_without_the_role_is_put_back_with_the_role_named() {
    let l = Local::new();
    let r = l.mv("verification", "mallory");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(l.stage_labels(), ["state:unverified"]);
    assert_eq!(l.history().len(), 1);
    let c = l.tracker().list_comments(1).unwrap();
    assert!(
        c[0].body.contains("needs the qc-verifier role") && c[0].body.contains("mallory"),
        "{}",
        c[0].body
    );
}

#[test]
fn a_skipped_stage_is_put_back_with_the_legal_next_stage() {
    let l = Local::new();
    let r = l.mv("released", "carol");
    assert!(r.stdout.contains("put back to Unverified"), "{}", r.stdout);
    assert_eq!(l.stage_labels(), ["state:unverified"]);
    let c = l.tracker().list_comments(1).unwrap();
    assert!(
        c[0].body
            .contains("`state:verification` (by a qc-verifier)"),
        "{}",
        c[0].body
    );
    // The tool's own label change, seen again as an event, changes nothing.
    let r = run(&mut l.cmd(&[
        "move",
        "--submission",
        "site-info-publisher@1.4.0",
        "--to",
        "unverified",
        "--as",
        "umd-release",
    ]));
    assert!(r.stdout.contains("labels agree"), "{}", r.stdout);
    assert_eq!(l.tracker().list_comments(1).unwrap().len(), 1);
}

#[test]
fn bad_move_input() {
    let l = Local::new();
    let r = l.mv("done", "alice");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no stage `done`") && r.stderr.contains("staged-rollout"),
        "{}",
        r.stderr
    );
    let r = run(&mut l.cmd(&[
        "move",
        "--submission",
        "nothing",
        "--to",
        "verification",
        "--as",
        "alice",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("PRODUCT@VERSION"), "{}", r.stderr);
    std::fs::write(l.dir.path().join("tracker/tracker.yaml"), "role: {}\n").unwrap();
    let r = l.mv("verification", "alice");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("tracker.yaml:1"), "{}", r.stderr);
}

#[test]
fn a_labeled_webhook_event_goes_through_the_same_check() {
    let l = Local::new();
    // As GitHub would: the label is on the issue, then the event arrives.
    l.tracker()
        .add_labels("mallory", 1, &["state:verification".into()])
        .unwrap();
    let mut payload = support::payload("issues.labeled", 1, "mallory");
    payload["label"]["name"] = "state:verification".into();
    let path = l.dir.path().join("event.json");
    std::fs::write(&path, payload.to_string()).unwrap();
    let r = run(l
        .cmd(&["track"])
        .env("GITHUB_EVENT_NAME", "issues")
        .env("GITHUB_EVENT_PATH", &path));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("put back to Unverified"), "{}", r.stdout);
    assert_eq!(l.stage_labels(), ["state:unverified"]);
}

/// The same checks on the fake GitHub, with `tracker.yaml` read through the contents API.
#[test]
fn label_moves_on_github() {
    use support::fake_github::FakeGitHub;
    const TOKEN: &str = "ghs_PIPELINEtoken0123456789abcdefABCD";
    let gh = FakeGitHub::start();
    gh.add_repo("egi", "umd-tracker");
    gh.set_token(TOKEN);
    support::register_demo(&gh);
    gh.set_file("egi", "umd-tracker", "tracker.yaml", CONFIG);
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let dist = demo_dir().join("dist");
    let cmd = |args: &[&str]| {
        let mut c = umd(args);
        c.env("UMD_RELEASE_TRACKER", "github:egi/umd-tracker")
            .env("GITHUB_API_URL", gh.url())
            .env("GITHUB_TOKEN", TOKEN);
        c
    };
    let r = run(&mut cmd(&[
        "submit",
        "--policy",
        "cmd-os-1",
        "--repo",
        repo.to_str().unwrap(),
        "--artifacts",
        dist.to_str().unwrap(),
        "--tag",
        "v1.4.0",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let labeled = |who: &str, label: &str| {
        let t = support::github_tracker(&gh, TOKEN);
        t.add_labels(who, 1, &[label.to_string()]).unwrap();
        let mut payload = support::payload("issues.labeled", 1, who);
        payload["label"]["name"] = label.into();
        let path = tmp.path().join("event.json");
        std::fs::write(&path, payload.to_string()).unwrap();
        let r = run(cmd(&["track"])
            .env("GITHUB_EVENT_NAME", "issues")
            .env("GITHUB_EVENT_PATH", &path));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let issue = gh
            .issues("egi", "umd-tracker")
            .into_iter()
            .find(|i| i["number"] == 1)
            .unwrap();
        let states: Vec<String> = issue["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap().to_string())
            .filter(|l| l.starts_with("state:"))
            .collect();
        (r.stdout, states)
    };
    let (out, states) = labeled("mallory", "state:verification");
    assert!(out.contains("put back to Unverified"), "{out}");
    assert_eq!(states, ["state:unverified"]);
    let (out, states) = labeled("alice", "state:verification");
    assert!(
        out.contains("moved from Unverified to Verification by alice"),
        "{out}"
    );
    assert_eq!(states, ["state:verification"]);
    assert_eq!(
        gh.comments("egi", "umd-tracker", 1).len(),
        1,
        "only the refusal is commented"
    );
}
