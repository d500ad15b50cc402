//! The pull channel for products hosted on GitLab, against the fake GitLab:
//! releases are found, their packages fetched from the generic package
//! registry (verified against its `file_sha256`) or from plain links (sha256
//! computed locally), and filed once; a registry may mix GitHub and GitLab.

mod support;

use std::path::Path;

use support::fake_github::FakeGitHub;
use support::fake_gitlab::{FakeGitLab, LoggedRequest};
use support::{demo_dir, run};

const TOKEN: &str = "glpat-intakeTokenThatMustNeverBePrinted";
const GH_TOKEN: &str = "ghs_TRACKERtoken0123456789abcdefABCDEF";
const PROJECT: &str = "example-org/site-info-publisher";
const RPM: &str = "site-info-publisher-1.4.0-1.el7.noarch.rpm";
const DEB: &str = "site-info-publisher_1.4.0-1~xenial_all.deb";
/// GitLab's generic registry refuses `~` in file names: the .deb goes there renamed.
const DEB_IN_REGISTRY: &str = "site-info-publisher_1.4.0-1.xenial_all.deb";
const RPM_SHA256: &str = "b1fa609a8b02d79c8e668f0761503413b6b8973887377bb8cc8f10e41406afa4";

fn fake() -> FakeGitLab {
    let gl = FakeGitLab::start();
    gl.set_token(TOKEN);
    gl
}

fn package(name: &str) -> Vec<u8> {
    std::fs::read(demo_dir().join("dist").join(name)).unwrap()
}

/// The provider's project with the demo product's sources on its default
/// branch, the card named `card_name`.
fn add_sources(gl: &FakeGitLab, project: &str, card_name: &str) {
    gl.add_project(project);
    for f in ["umd-product.yaml", "CHANGELOG.md", "debian/changelog"] {
        let text = std::fs::read_to_string(demo_dir().join(f)).unwrap();
        let text = if f == "umd-product.yaml" {
            text.replacen(
                "name: site-info-publisher",
                &format!("name: {card_name}"),
                1,
            )
        } else {
            text
        };
        gl.set_file(project, f, &text);
    }
}

/// The demo's packages in the generic package registry as `NAME/1.4.0`; their download URLs.
fn upload_demo(gl: &FakeGitLab, project: &str, name: &str) -> (String, String) {
    (
        gl.upload_generic(project, name, "1.4.0", RPM, &package(RPM)),
        gl.upload_generic(project, name, "1.4.0", DEB_IN_REGISTRY, &package(DEB)),
    )
}

fn registry(dir: &Path, entries: &[(&str, &str)]) -> std::path::PathBuf {
    let registry = dir.join("products");
    std::fs::create_dir_all(&registry).unwrap();
    for (name, repository) in entries {
        std::fs::write(
            registry.join(format!("{name}.yaml")),
            format!(
                "name: {name}\nrepository: {repository}\ndistributions: [cmd-os-1, cmd-one-1]\n"
            ),
        )
        .unwrap();
    }
    registry
}

struct Setup {
    tmp: tempfile::TempDir,
}

impl Setup {
    fn new(entries: &[(&str, &str)]) -> Setup {
        let tmp = tempfile::tempdir().unwrap();
        registry(tmp.path(), entries);
        Setup { tmp }
    }

    fn registry(&self) -> std::path::PathBuf {
        self.tmp.path().join("products")
    }

    fn state(&self) -> std::path::PathBuf {
        self.tmp.path().join("state.json")
    }

    fn tracker(&self) -> String {
        format!("local:{}", self.tmp.path().join("tracker").display())
    }

    /// `umd-release intake` on the embedded tracker, GitLab at `api` with `token`.
    fn intake_with(&self, api: &str, token: &str) -> support::Run {
        let r = run(
            support::intake(&self.tracker(), &self.registry(), &self.state())
                .env("GITLAB_API_URL", api)
                .env("GITLAB_TOKEN", token)
                .env_remove("CI_API_V4_URL")
                .env_remove("CI_JOB_TOKEN"),
        );
        support::no_leak(&r, &[TOKEN, token]);
        r
    }

    fn intake(&self, gl: &FakeGitLab) -> support::Run {
        self.intake_with(&gl.url(), TOKEN)
    }

    /// The submissions filed in the embedded tracker: (title, body).
    fn filed(&self) -> Vec<(String, String)> {
        if !self.tmp.path().join("tracker").exists() {
            return Vec::new();
        }
        let t = umd_release::tracker::open(&self.tracker()).unwrap();
        t.list_issues(None, false)
            .unwrap()
            .into_iter()
            .map(|i| (i.title, i.body))
            .collect()
    }
}

fn is_api(q: &LoggedRequest) -> bool {
    q.path.starts_with("/api/v4/")
}

fn summary(log: &[LoggedRequest]) -> Vec<String> {
    log.iter()
        .map(|q| format!("{} {} {}", q.method, q.path, q.status))
        .collect()
}

#[test]
fn a_release_with_generic_packages_is_filed_once() {
    let gl = fake();
    add_sources(&gl, PROJECT, "site-info-publisher");
    let (rpm, deb) = upload_demo(&gl, PROJECT, "site-info-publisher");
    gl.add_release(
        PROJECT,
        "v1.4.0",
        "Publishes GLUE2DomainWWW.",
        &[
            (RPM, &rpm, "package"),
            (DEB_IN_REGISTRY, &deb, "package"),
            ("Documentation", "https://example.org/docs", "other"),
        ],
    );
    // The card and changelogs are read at the tag, not from the default branch.
    gl.set_file(PROJECT, "umd-product.yaml", "name: [not a card");
    // Downloads go through object storage on another host, as on gitlab.com.
    gl.set_object_storage(PROJECT, true);
    let s = Setup::new(&[("site-info-publisher", &format!("gitlab:{PROJECT}"))]);

    let r = s.intake(&gl);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    support::says(
        &r.stdout,
        "CMD-OS 1: created #1 [CMD-OS 1] site-info-publisher 1.4.0",
    );
    support::says(&r.stdout, "1 products, 0 unchanged, 1 releases filed");
    assert!(!r.stdout.contains("no checksum"), "{}", r.stdout);
    let filed = s.filed();
    assert_eq!(filed.len(), 2, "{filed:#?}");
    let body = &filed[0].1;
    assert!(body.contains(&rpm), "{body}");
    assert!(body.contains(RPM_SHA256), "{body}");
    assert!(body.contains("> Publishes GLUE2DomainWWW."), "{body}");
    assert!(
        body.contains(&format!("{}/-/releases/v1.4.0", PROJECT)),
        "{body}"
    );

    let log = gl.requests();
    let storage: Vec<&LoggedRequest> = log
        .iter()
        .filter(|q| q.path.starts_with("/object-storage/"))
        .collect();
    assert_eq!(storage.len(), 2, "{:#?}", summary(&log));
    assert!(
        storage.iter().all(|q| q.private_token.is_none()),
        "the token went to object storage"
    );
    assert!(
        log.iter()
            .filter(|q| is_api(q))
            .all(|q| q.private_token.is_some())
    );
    eprintln!(
        "GitLab intake, new release with 2 generic packages: {} requests ({} to the API, {} to object storage): {:#?}",
        log.len(),
        log.iter().filter(|q| is_api(q)).count(),
        storage.len(),
        summary(&log)
    );

    gl.clear_log();
    let r = s.intake(&gl);
    assert_eq!(r.code, 0, "{}", r.stderr);
    support::says(&r.stdout, "1 products, 1 unchanged, 0 releases filed");
    let log = gl.requests();
    assert_eq!(
        summary(&log),
        ["GET /api/v4/projects/example-org%2Fsite-info-publisher/releases 200"]
    );
    assert_eq!(s.filed().len(), 2);
}

#[test]
fn a_tampered_package_is_refused_and_nothing_is_filed() {
    let gl = fake();
    add_sources(&gl, PROJECT, "site-info-publisher");
    let (rpm, deb) = upload_demo(&gl, PROJECT, "site-info-publisher");
    gl.add_release(
        PROJECT,
        "v1.4.0",
        "Publishes GLUE2DomainWWW.",
        &[(RPM, &rpm, "package"), (DEB_IN_REGISTRY, &deb, "package")],
    );
    gl.tamper_package_file(PROJECT, "site-info-publisher", "1.4.0", RPM, b"evil");
    let s = Setup::new(&[("site-info-publisher", &format!("gitlab:{PROJECT}"))]);
    let r = s.intake(&gl);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    use sha2::Digest;
    let evil: String = sha2::Sha256::digest(b"evil")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    support::says(
        &r.stdout,
        &format!(
            "site-info-publisher v1.4.0: not filed: {RPM}: the download's sha256 is {evil} but GitLab's package registry reports {RPM_SHA256}; the file was altered or the download corrupted"
        ),
    );
    assert!(s.filed().is_empty());
    // Refused is handled: the next run does not download it again.
    gl.clear_log();
    let r = s.intake(&gl);
    support::says(&r.stdout, "1 unchanged, 0 releases filed");
    assert_eq!(gl.requests().len(), 1);

    // Bytes beyond the size the registry reports are not even downloaded.
    let mut longer = package(RPM);
    longer.extend_from_slice(b"appended");
    gl.tamper_package_file(PROJECT, "site-info-publisher", "1.4.0", RPM, &longer);
    let s = Setup::new(&[("site-info-publisher", &format!("gitlab:{PROJECT}"))]);
    let r = s.intake(&gl);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "site-info-publisher v1.4.0: not filed: `{RPM}`: the download is larger than the {} bytes GitLab reports; the file was altered",
            package(RPM).len()
        )),
        "{}",
        r.stdout
    );
    assert!(s.filed().is_empty());
}

#[test]
fn a_release_with_plain_links_is_filed_with_locally_computed_checksums() {
    let gl = fake();
    add_sources(&gl, PROJECT, "site-info-publisher");
    let rpm = gl.serve_elsewhere(&format!("/downloads/el7/{RPM}"), &package(RPM));
    let deb = gl.serve_elsewhere(&format!("/downloads/xenial/{DEB}"), &package(DEB));
    gl.add_release(
        PROJECT,
        "v1.4.0",
        "Publishes GLUE2DomainWWW.",
        &[("RPM for CentOS 7", &rpm, "package"), (DEB, &deb, "other")],
    );
    let s = Setup::new(&[("site-info-publisher", &format!("gitlab:{PROJECT}"))]);
    let r = s.intake(&gl);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    support::says(
        &r.stdout,
        &format!(
            "{RPM}: the forge publishes no checksum for this file; its sha256 {RPM_SHA256} was computed from the download"
        ),
    );
    support::says(
        &r.stdout,
        &format!("{DEB}: the forge publishes no checksum"),
    );
    support::says(&r.stdout, "1 products, 0 unchanged, 1 releases filed");
    let filed = s.filed();
    assert_eq!(filed.len(), 2);
    support::says(&filed[0].1, &rpm);
    // The links point at another host: fetched without the token.
    let log = gl.requests();
    let elsewhere: Vec<&LoggedRequest> = log
        .iter()
        .filter(|q| q.path.starts_with("/downloads/"))
        .collect();
    assert_eq!(elsewhere.len(), 2, "{:#?}", summary(&log));
    assert!(elsewhere.iter().all(|q| q.private_token.is_none()));
    // No registry lookups for a release whose packages are all links elsewhere.
    assert!(
        log.iter().all(|q| !q.path.contains("/packages")),
        "{:#?}",
        summary(&log)
    );
}

#[test]
fn a_release_waits_for_its_packages_then_is_filed() {
    let gl = fake();
    add_sources(&gl, PROJECT, "site-info-publisher");
    gl.add_release(PROJECT, "v1.4.0", "Publishes GLUE2DomainWWW.", &[]);
    let s = Setup::new(&[("site-info-publisher", &format!("gitlab:{PROJECT}"))]);
    let r = s.intake(&gl);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    support::says(
        &r.stdout,
        "site-info-publisher v1.4.0: no .rpm or .deb yet (release links, or generic packages of version 1.4.0 or v1.4.0): looked at again next run",
    );
    assert!(s.filed().is_empty());

    // The pipeline's upload job finishes: the registry has the version's packages.
    upload_demo(&gl, PROJECT, "site-info-publisher");
    gl.clear_log();
    let r = s.intake(&gl);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    support::says(&r.stdout, "1 products, 0 unchanged, 1 releases filed");
    assert!(!r.stdout.contains("no checksum"), "{}", r.stdout);
    assert_eq!(s.filed().len(), 2);
    let log = gl.requests();
    eprintln!(
        "GitLab intake, release whose packages are found by version in the registry: {} requests: {:#?}",
        log.len(),
        summary(&log)
    );
}

#[test]
fn a_registry_mixing_github_and_gitlab_products_files_both() {
    // GitHub: the tracker and the demo product, as in tests/intake.rs.
    let gh = FakeGitHub::start();
    gh.add_repo("egi", "umd-tracker");
    gh.set_token(GH_TOKEN);
    support::demo_sources(&gh);
    gh.add_release(
        "example-org",
        "site-info-publisher",
        "v1.4.0",
        "Publishes GLUE2DomainWWW.",
        &[(RPM, package(RPM)), (DEB, package(DEB))],
    );
    // GitLab: another product, its packages found in the registry by version.
    let gl = fake();
    let other = "example-org/glue-publisher";
    add_sources(&gl, other, "glue-publisher");
    upload_demo(&gl, other, "glue-publisher");
    gl.add_release(other, "v1.4.0", "The same, from GitLab.", &[]);

    let tmp = tempfile::tempdir().unwrap();
    let registry = registry(
        tmp.path(),
        &[
            (
                "site-info-publisher",
                "github:example-org/site-info-publisher",
            ),
            ("glue-publisher", &format!("gitlab:{other}")),
        ],
    );
    let state = tmp.path().join("state.json");
    let intake = || {
        let r = run(support::intake("github:egi/umd-tracker", &registry, &state)
            .env("GITHUB_API_URL", gh.url())
            .env("GITHUB_TOKEN", GH_TOKEN)
            .env("GITLAB_API_URL", gl.url())
            .env("GITLAB_TOKEN", TOKEN)
            .env_remove("CI_API_V4_URL")
            .env_remove("CI_JOB_TOKEN"));
        support::no_leak(&r, &[TOKEN, GH_TOKEN]);
        r
    };
    let r = intake();
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    support::says(&r.stdout, "2 products, 0 unchanged, 2 releases filed");
    for title in [
        "[CMD-OS 1] site-info-publisher 1.4.0",
        "[CMD-OS 1] glue-publisher 1.4.0",
        "[CMD-ONE 1] glue-publisher 1.4.0",
    ] {
        assert!(
            gh.issues("egi", "umd-tracker")
                .iter()
                .any(|i| i["title"] == title),
            "{title}"
        );
    }
    // The GitLab product's packages come from its registry.
    let glue = gh
        .issues("egi", "umd-tracker")
        .into_iter()
        .find(|i| i["title"] == "[CMD-OS 1] glue-publisher 1.4.0")
        .unwrap();
    assert!(
        glue["body"]
            .as_str()
            .unwrap()
            .contains("/packages/generic/glue-publisher/1.4.0/"),
        "{glue:#?}"
    );
    // No GitLab request reached GitHub, nor the other way round.
    assert!(gl.requests().iter().all(|q| !q.path.contains("/repos/")));

    gh.clear_log();
    gl.clear_log();
    let r = intake();
    assert_eq!(r.code, 0, "{}", r.stderr);
    support::says(&r.stdout, "2 products, 2 unchanged, 0 releases filed");
    let (ghlog, gllog) = (gh.requests(), gl.requests());
    assert_eq!(ghlog.len(), 1, "{ghlog:#?}");
    assert_eq!(ghlog[0].status, 304);
    assert_eq!(gllog.len(), 1, "{:#?}", summary(&gllog));
    assert_eq!(gh.issues("egi", "umd-tracker").len(), 4);
}

#[test]
fn an_unreachable_project_or_a_refused_token_exits_3() {
    let gl = fake();
    add_sources(&gl, PROJECT, "site-info-publisher");
    let (rpm, deb) = upload_demo(&gl, PROJECT, "site-info-publisher");
    gl.add_release(
        PROJECT,
        "v1.4.0",
        "Publishes GLUE2DomainWWW.",
        &[(RPM, &rpm, "package"), (DEB_IN_REGISTRY, &deb, "package")],
    );

    // A refused token: said clearly, never shown.
    let s = Setup::new(&[("site-info-publisher", &format!("gitlab:{PROJECT}"))]);
    let wrong = "glpat-revokedTokenNeverPrinted0000";
    let r = s.intake_with(&gl.url(), wrong);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "site-info-publisher: cannot list the releases of gitlab:{PROJECT}: forge error (HTTP 401): the token was refused (401): check that UMD_RELEASE_TOKEN/GITLAB_TOKEN is a valid GitLab access token"
        )),
        "{}",
        r.stdout
    );
    assert!(s.filed().is_empty());

    // A project GitLab does not show: the others are still filed.
    let s = Setup::new(&[
        ("site-info-publisher", &format!("gitlab:{PROJECT}")),
        ("gone", "gitlab:example-org/gone"),
    ]);
    let r = s.intake(&gl);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    support::says(
        &r.stdout,
        "gone: cannot list the releases of gitlab:example-org/gone: project example-org/gone (or the token cannot see it) not found",
    );
    support::says(&r.stdout, "2 products, 0 unchanged, 1 releases filed");
    assert_eq!(s.filed().len(), 2);

    // GitLab out of reach.
    let s = Setup::new(&[("site-info-publisher", &format!("gitlab:{PROJECT}"))]);
    let r = s.intake_with("http://127.0.0.1:9/api/v4", TOKEN);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    support::says(
        &r.stdout,
        "cannot reach GitLab at http://127.0.0.1:9/api/v4",
    );
}
