//! The pull channel against the fake GitHub: registered products' releases are
//! found, their packages downloaded and verified, and filed; unchanged
//! repositories cost nothing against the rate limit.

mod support;

use std::path::Path;

use support::fake_github::{FakeGitHub, LoggedRequest};
use support::{demo_dir, run, umd};

const TOKEN: &str = "ghs_TRACKERtoken0123456789abcdefABCDEF";

fn intake(gh: &FakeGitHub, registry: &Path, state: &Path) -> support::Run {
    let r = run(support::intake("github:egi/umd-tracker", registry, state)
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_TOKEN", TOKEN));
    support::no_leak(&r, &[TOKEN]);
    r
}

/// The demo product as a provider publishes it: sources in the repository, packages on the release.
fn publish_demo(gh: &FakeGitHub, tamper: bool) {
    support::demo_sources(gh);
    let mut assets = Vec::new();
    for name in [
        "site-info-publisher-1.4.0-1.el7.noarch.rpm",
        "site-info-publisher_1.4.0-1~xenial_all.deb",
    ] {
        assets.push((
            name,
            std::fs::read(demo_dir().join("dist").join(name)).unwrap(),
        ));
    }
    gh.add_release(
        "example-org",
        "site-info-publisher",
        "v1.4.0",
        "Publishes GLUE2DomainWWW.",
        &assets,
    );
    if tamper {
        gh.tamper_asset(
            "example-org",
            "site-info-publisher",
            "site-info-publisher_1.4.0-1~xenial_all.deb",
            b"evil",
        );
    }
}

fn setup() -> FakeGitHub {
    let gh = FakeGitHub::start();
    gh.add_repo("egi", "umd-tracker");
    gh.set_token(TOKEN);
    gh
}

fn counted(log: &[LoggedRequest]) -> usize {
    log.iter().filter(|r| r.counts_against_rate_limit()).count()
}

#[test]
fn a_new_release_is_filed_once_with_verified_packages() {
    let gh = setup();
    publish_demo(&gh, false);
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state.json");
    let registry = support::manifest_dir().join("examples/tracker/products");
    let r = intake(&gh, &registry, &state);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    support::says(
        &r.stdout,
        "CMD-OS 1: created #1 [CMD-OS 1] site-info-publisher 1.4.0",
    );
    support::says(&r.stdout, "1 products, 0 unchanged, 1 releases filed");
    let issues = gh.issues("egi", "umd-tracker");
    assert_eq!(issues.len(), 2);
    let body = issues
        .iter()
        .map(|i| i["body"].as_str().unwrap())
        .find(|b| b.contains("cmd-os-1/"))
        .unwrap();
    // Packages link to their release download, and the release page is the notes link.
    assert!(body.contains("/download/example-org/site-info-publisher/v1.4.0/site-info-publisher-1.4.0-1.el7.noarch.rpm"), "{body}");
    assert!(body.contains("> Publishes GLUE2DomainWWW."), "{body}");

    gh.clear_log();
    let r = intake(&gh, &registry, &state);
    assert_eq!(r.code, 0, "{}", r.stderr);
    support::says(&r.stdout, "1 products, 1 unchanged, 0 releases filed");
    let log = gh.requests();
    assert_eq!(log.len(), 1, "{log:#?}");
    assert_eq!(log[0].status, 304);
    assert_eq!(gh.issues("egi", "umd-tracker").len(), 2);
}

#[test]
fn a_package_that_does_not_match_its_digest_is_refused() {
    let gh = setup();
    publish_demo(&gh, true);
    let tmp = tempfile::tempdir().unwrap();
    let registry = support::manifest_dir().join("examples/tracker/products");
    let r = intake(&gh, &registry, &tmp.path().join("state.json"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("not filed") && r.stdout.contains("GitHub reports"),
        "{}",
        r.stdout
    );
    assert!(gh.issues("egi", "umd-tracker").is_empty());
}

#[test]
fn a_hundred_unchanged_products_cost_nothing() {
    let gh = setup();
    let tmp = tempfile::tempdir().unwrap();
    let registry = tmp.path().join("products");
    std::fs::create_dir_all(&registry).unwrap();
    for i in 0..100 {
        gh.add_repo("providers", &format!("p{i}"));
        std::fs::write(
            registry.join(format!("p{i}.yaml")),
            format!("name: p{i}\nrepository: github:providers/p{i}\ndistributions: [umd-5]\n"),
        )
        .unwrap();
    }
    let state = tmp.path().join("state.json");
    let r = intake(&gh, &registry, &state);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let first = counted(&gh.requests());
    gh.clear_log();
    let r = intake(&gh, &registry, &state);
    support::says(&r.stdout, "100 products, 100 unchanged");
    let log = gh.requests();
    eprintln!(
        "intake over 100 products: first run {first} counted requests, unchanged run {} requests, {} counted",
        log.len(),
        counted(&log)
    );
    assert_eq!(log.len(), 100);
    assert_eq!(counted(&log), 0, "{log:#?}");
}

#[test]
fn a_bad_registry_file_stops_before_anything_is_fetched() {
    let gh = setup();
    let tmp = tempfile::tempdir().unwrap();
    let registry = tmp.path().join("products");
    std::fs::create_dir_all(&registry).unwrap();
    std::fs::write(registry.join("x.yaml"), "name: x\nrepo: github:o/x\n").unwrap();
    let r = intake(&gh, &registry, &tmp.path().join("state.json"));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("x.yaml:2") && r.stderr.contains("repo"),
        "{}",
        r.stderr
    );
    assert!(gh.requests().is_empty());
    assert!(!tmp.path().join("state.json").exists());
}

/// The issue form, as GitHub renders it in the issue body.
fn form(product: &str, dist: &str, packages: &[&str]) -> String {
    format!(
        "### Product\n\n{product}\n\n### Version\n\n1.4.0\n\n### Distribution\n\n{dist}\n\n### Release notes\n\nhttps://github.com/example-org/site-info-publisher/releases/tag/v1.4.0\n\n### Packages\n\n{}\n\n### Additional notes\n\n_No response_\n",
        packages.join("\n")
    )
}

/// Opens the request in the fake tracker and runs `track` on the `issues.opened`
/// payload (the real fixture, with this issue's number, body and labels).
fn track_request(gh: &FakeGitHub, body: &str) -> (u64, support::Run) {
    let number = gh.create_issue_direct(
        "egi",
        "umd-tracker",
        "[submission] site-info-publisher",
        body,
        &["submission-request"],
        "janedoe",
    );
    let mut payload = support::payload("issues.opened", number, "janedoe");
    payload["issue"]["body"] = body.into();
    payload["issue"]["labels"] = serde_json::json!([{"name": "submission-request"}]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("event.json");
    std::fs::write(&path, payload.to_string()).unwrap();
    let r = run(umd(&["track", "--tracker", "github:egi/umd-tracker"])
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_EVENT_NAME", "issues")
        .env("GITHUB_EVENT_PATH", &path));
    (number, r)
}

const RPM: &str = "https://github.com/example-org/site-info-publisher/releases/download/v1.4.0/site-info-publisher-1.4.0-1.el7.noarch.rpm";
const DEB: &str = "https://github.com/example-org/site-info-publisher/releases/download/v1.4.0/site-info-publisher_1.4.0-1~xenial_all.deb";

#[test]
fn an_issue_form_request_becomes_a_submission_and_is_closed() {
    let gh = setup();
    publish_demo(&gh, false);
    support::register_demo(&gh);
    let (n, r) = track_request(&gh, &form("site-info-publisher", "CMD-OS 1", &[RPM, DEB]));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let issues = gh.issues("egi", "umd-tracker");
    let request = issues.iter().find(|i| i["number"] == n).unwrap();
    assert_eq!(request["state"], "closed");
    let subs: Vec<_> = issues
        .iter()
        .filter(|i| {
            i["body"]
                .as_str()
                .unwrap_or("")
                .starts_with("<!-- umd-release:submission cmd-os-1/site-info-publisher/1.4.0")
        })
        .collect();
    assert_eq!(subs.len(), 1, "only the requested distribution is filed");
    let comments = gh.comments("egi", "umd-tracker", n);
    assert!(
        comments[0]["body"]
            .as_str()
            .unwrap()
            .contains("CMD-OS 1: created #"),
        "{comments:#?}"
    );
}

#[test]
fn a_bad_request_is_answered_with_what_is_wrong() {
    let gh = setup();
    publish_demo(&gh, false);
    support::register_demo(&gh);
    let body = form(
        "site-info-publisher",
        "CMD-K8S 1",
        &["https://evil.example/x.rpm", "http://10.0.0.1/internal.deb"],
    );
    let (n, r) = track_request(&gh, &body);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let comments = gh.comments("egi", "umd-tracker", n);
    let text = comments[0]["body"].as_str().unwrap();
    assert!(
        text.starts_with("@janedoe, this submission request cannot be filed yet"),
        "{text}"
    );
    assert!(
        text.contains("CMD-K8S 1") && text.contains("http://10.0.0.1/internal.deb"),
        "{text}"
    );
    // Nothing was fetched from the addresses the form named, and nothing filed.
    assert!(gh.requests().iter().all(|q| !q.path.contains("download")));
    assert_eq!(gh.issues("egi", "umd-tracker").len(), 1);

    // Packages from another repository than the registered one are refused too.
    let other = RPM.replace(
        "example-org/site-info-publisher",
        "mallory/site-info-publisher",
    );
    let (n, _) = track_request(&gh, &form("site-info-publisher", "CMD-OS 1", &[&other]));
    let text = gh.comments("egi", "umd-tracker", n)[0]["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.contains("is not a release download of example-org/site-info-publisher"),
        "{text}"
    );
}

#[test]
fn an_unregistered_product_request_is_refused() {
    let gh = setup();
    let (n, r) = track_request(&gh, &form("unknown-thing", "CMD-OS 1", &[RPM]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = gh.comments("egi", "umd-tracker", n)[0]["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.contains("product `unknown-thing` is not registered"),
        "{text}"
    );
}

#[test]
fn events_that_are_not_requests_are_ignored() {
    let gh = setup();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.json");
    std::fs::copy(
        support::manifest_dir()
            .join("tests/fixtures/github/webhooks/issue_comment.created.payload.json"),
        &path,
    )
    .unwrap();
    let r = run(umd(&[
        "track",
        "--tracker",
        "github:egi/umd-tracker",
        "--event-name",
        "issue_comment",
        "--event-path",
        path.to_str().unwrap(),
    ])
    .env("GITHUB_API_URL", gh.url())
    .env("GITHUB_TOKEN", TOKEN));
    assert_eq!(r.code, 0, "{}", r.stderr);
    support::says(&r.stdout, "nothing to do");
    assert!(gh.requests().is_empty());
    let r = run(&mut umd(&[
        "track",
        "--event-name",
        "issues",
        "--event-path",
        "/nonexistent/event.json",
    ]));
    assert_eq!(r.code, 2);
    support::says(&r.stderr, "/nonexistent/event.json");
}
