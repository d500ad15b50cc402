//! Every command that writes to a tracker has `--dry-run`: it prints what it
//! would do, exits as the real run would, and changes nothing (no write
//! request reaches a forge, no issue, label or comment changes). The real run
//! after it then does change the tracker, so each check can fail. On the
//! embedded tracker, the fake GitHub and the fake GitLab.

mod support;

use support::rig::{Ev, Kind, REPORT, Rig};
use support::run;

/// Everything a person sees of the tracker: every issue with its labels,
/// state and body, and every comment.
fn seen(rig: &Rig) -> String {
    let t = rig.tracker();
    let mut out = String::new();
    for i in t.list_issues(None, false).unwrap() {
        let mut labels = i.labels.clone();
        labels.sort();
        out.push_str(&format!(
            "#{} {} open={} {labels:?}\n{}\n",
            i.number, i.title, i.open, i.body
        ));
        for c in t.list_comments(i.number).unwrap() {
            out.push_str(&format!("  comment {}: {}\n", c.id, c.body));
        }
    }
    out
}

/// Runs `args` as a dry run: same exit code as `code`, a plan in the output,
/// and nothing written.
fn dry(rig: &Rig, args: &[&str], code: i32, says: &str) -> String {
    let before = seen(rig);
    rig.backend.take_requests();
    let mut all = args.to_vec();
    all.push("--dry-run");
    let r = run(&mut rig.cmd(&all));
    assert_eq!(r.code, code, "{args:?}\n{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(says), "{args:?}: {}", r.stdout);
    let writes: Vec<String> = rig
        .backend
        .take_requests()
        .iter()
        // GraphQL's `viewer` (who the token is) is a read sent as a POST.
        .filter(|q| q.method != "GET" && q.method != "HEAD" && !q.to_string().contains("/graphql"))
        .map(|q| q.to_string())
        .collect();
    assert!(writes.is_empty(), "{args:?} wrote: {writes:?}");
    assert_eq!(seen(rig), before, "{args:?} changed the tracker");
    r.stdout
}

/// Runs `args` for real and checks that the tracker changed.
fn real(rig: &Rig, args: &[&str]) {
    let before = seen(rig);
    let r = run(&mut rig.cmd(args));
    assert_eq!(r.code, 0, "{args:?}\n{}\n{}", r.stdout, r.stderr);
    assert_ne!(seen(rig), before, "{args:?} changed nothing");
}

const SUB: [&str; 4] = [
    "--submission",
    "site-info-publisher@1.4.0",
    "--distribution",
    "cmd-os-1",
];

fn with<'a>(head: &[&'a str], tail: &[&'a str]) -> Vec<&'a str> {
    head.iter().chain(tail).copied().collect()
}

fn move_comment_track_sweep(rig: &Rig) {
    rig.at("2026-11-02T10:00:00Z");
    let mv = with(&["move", "--to", "verification", "--as", "alice"], &SUB);
    let out = dry(
        rig,
        &mv,
        0,
        "would move from Unverified to Verification by alice",
    );
    assert!(out.contains("add labels state:verification to #1"), "{out}");
    assert!(out.contains("post the status comment on #1"), "{out}");
    // Someone without the role: the dry run says the move would be put back.
    let bad = with(&["move", "--to", "verification", "--as", "mallory"], &SUB);
    let out = dry(rig, &bad, 1, "would put back to Unverified");
    assert!(
        out.contains("remove label state:verification from #1"),
        "{out}"
    );
    real(rig, &mv);
    rig.label("alice", "staged-rollout");

    let say = format!("accept NGI_IT-INFN-CNAF\nreport NGI_IT-INFN-CNAF {REPORT} ok");
    let cm = with(&["comment", "--as", "dave", "--body", &say], &SUB);
    let out = dry(rig, &cm, 0, "dry run: nothing was changed");
    assert!(
        out.contains("comment on #1: \"accept NGI_IT-INFN-CNAF\""),
        "{out}"
    );
    assert!(out.contains("NGI_IT-INFN-CNAF"), "{out}");
    real(rig, &cm);

    // A label event through `track --dry-run`, as a webhook would deliver it.
    rig.at("2026-11-09T10:00:00Z");
    rig.tracker()
        .add_labels("bob", 1, &["state:ready-for-release".into()])
        .unwrap();
    let before = seen(rig);
    rig.backend.take_requests();
    let r = rig.track_with(
        "bob",
        Ev::Labeled("state:ready-for-release"),
        &["--dry-run"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("would move from Staged Rollout to Ready for release by bob"),
        "{}",
        r.stdout
    );
    assert!(
        rig.backend
            .take_requests()
            .iter()
            .all(|q| q.method == "GET" || q.to_string().contains("/graphql"))
    );
    assert_eq!(seen(rig), before);
    let r = rig.track("bob", Ev::Labeled("state:ready-for-release"));
    assert!(
        r.stdout.contains("moved from Staged Rollout"),
        "{}",
        r.stdout
    );
    assert_ne!(seen(rig), before);

    // Nothing is late: a dry sweep says so (a late review is swept below).
    dry(rig, &["sweep"], 0, "would change 0 submission(s)");
}

fn announce_publish(rig: &Rig) {
    rig.at("2026-11-02T10:00:00Z");
    rig.label("alice", "verification");
    rig.label("alice", "staged-rollout");
    rig.say(
        "dave",
        &format!("accept NGI_IT-INFN-CNAF\nreport NGI_IT-INFN-CNAF {REPORT} ok"),
    );
    rig.at("2026-11-09T10:00:00Z");
    rig.label("bob", "ready-for-release");
    let ann = [
        "announce",
        "--distribution",
        "cmd-os-1",
        "--version",
        "1.5.0",
        "--date",
        "2026-11-20",
    ];
    dry(
        rig,
        &ann,
        0,
        "(dry run: [CMD-OS 1] Release 1.5.0 announcement not filed)",
    );
    real(rig, &ann);
    rig.at("2026-11-20T10:00:00Z");
    let publish = [
        "publish",
        "--distribution",
        "cmd-os-1",
        "--version",
        "1.5.0",
        "--as",
        "carol",
    ];
    let out = dry(rig, &publish, 0, "CMD-OS 1 1.5.0 would be published");
    assert!(
        out.contains("#1 site-info-publisher 1.4.0: would be Released"),
        "{out}"
    );
    assert!(
        out.contains("create issue \"[CMD-OS 1] Post-implementation review of 1.5.0\""),
        "{out}"
    );
    assert!(out.contains("close it"), "{out}");
    // Not the release manager: the dry run fails as the real run would.
    let wrong = [
        "publish",
        "--distribution",
        "cmd-os-1",
        "--version",
        "1.5.0",
        "--as",
        "alice",
    ];
    dry(rig, &wrong, 1, "is not published");
    real(rig, &publish);
    // Two weeks on, the review is overdue: the sweep would remind.
    rig.at("2026-12-04T10:00:00Z");
    let out = dry(rig, &["sweep"], 0, "review reminded");
    assert!(out.contains("comment on #"), "{out}");
    real(rig, &["sweep"]);
}

fn init_labels(rig: &Rig) {
    let out = dry(rig, &["init"], 0, "ensure label `state:unverified`");
    assert!(out.contains("ensure label `dist:umd-5`"), "{out}");
}

on_all!(move_comment_track_sweep, announce_publish, init_labels);

#[test]
fn a_dry_run_submit_files_nothing() {
    let rig = Rig::new(Kind::Local);
    let repo = rig.tmp.path().join("repo");
    assert!(
        repo.join("umd-product.yaml").exists(),
        "the rig's demo repo"
    );
    let dist = support::demo_dir().join("dist");
    let registry = support::manifest_dir().join("examples/tracker/products");
    let args = [
        "submit",
        "--policy",
        "cmd-os-1",
        "--repo",
        repo.to_str().unwrap(),
        "--artifacts",
        dist.to_str().unwrap(),
        "--tag",
        "v1.4.0",
        "--registry",
        registry.to_str().unwrap(),
        "--release-notes-url",
        "https://example.org/notes",
    ];
    let out = dry(&rig, &args, 0, "CMD-OS 1: would #1");
    assert!(out.contains("update #1"), "{out}");
    real(&rig, &args);
}
