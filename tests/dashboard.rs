//! The status dashboard through the binary: real submissions of the demo
//! product on the embedded tracker, moved through the pipeline and one made
//! Delayed by `sweep`, then `umd-release dashboard`, and the page loaded in
//! headless Chromium (DOM after the script ran, a phone-sized screenshot, the
//! filter driven from the query string).

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{demo_dir, manifest_dir, run, umd};

/// A Monday; the dashboard is written eight days later, when Verification
/// (7 days) has run out for one submission.
const T0: &str = "2026-11-02T09:00:00Z";
const LATER: &str = "2026-11-10T10:00:00Z";
const REPORT: &str =
    "https://documents.egi.eu/ea-NGI_IT-INFN-CNAF-CMD-OS-site-info-publisher-1.4.0.odt";
/// Kills a browser that hangs, so CI cannot hang with it.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

struct Rig {
    tmp: tempfile::TempDir,
}

impl Rig {
    fn tracker(&self) -> PathBuf {
        self.tmp.path().join("tracker")
    }

    fn cmd(&self, now: &str, args: &[&str]) -> Command {
        let mut c = umd(args);
        c.current_dir(self.tmp.path())
            .env("UMD_RELEASE_NOW", now)
            .env(
                "UMD_RELEASE_CONFIG",
                manifest_dir().join("examples/tracker/tracker.yaml"),
            )
            .env(
                "UMD_RELEASE_TRACKER",
                format!("local:{}", self.tracker().display()),
            );
        c
    }

    fn ok(&self, now: &str, args: &[&str]) -> String {
        let r = run(&mut self.cmd(now, args));
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
        r.stdout
    }

    fn submit(&self, tag: &str, policies: &[&str], allow_failures: bool) {
        let registry = manifest_dir().join("examples/tracker/products");
        let dist = demo_dir().join("dist");
        let repo = demo_dir();
        let mut args = vec![
            "submit",
            "--registry",
            registry.to_str().unwrap(),
            "--repo",
            repo.to_str().unwrap(),
            "--artifacts",
            dist.to_str().unwrap(),
            "--tag",
            tag,
        ];
        for p in policies {
            args.extend(["--policy", p]);
        }
        if allow_failures {
            args.push("--allow-failures");
        }
        self.ok(T0, &args);
    }

    fn mv(&self, now: &str, version: &str, dist: &str, to: &str, who: &str) -> String {
        let submission = format!("site-info-publisher@{version}");
        self.ok(
            now,
            &[
                "move",
                "--submission",
                &submission,
                "--distribution",
                dist,
                "--to",
                to,
                "--as",
                who,
            ],
        )
    }

    fn say(&self, now: &str, dist: &str, who: &str, body: &str) -> String {
        self.ok(
            now,
            &[
                "comment",
                "--submission",
                "site-info-publisher@1.4.0",
                "--distribution",
                dist,
                "--as",
                who,
                "--body",
                body,
            ],
        )
    }
}

/// Four submissions in two distributions:
/// #1 1.4.0 cmd-os-1 in Staged Rollout, accepted and reported by an Early Adopter;
/// #2 1.4.0 cmd-one-1 in Verification, Delayed by the sweep;
/// #3 1.5.0 cmd-os-1 Unverified, failing its check (filed with --allow-failures);
/// #4 1.3.2 cmd-one-1 Rejected and closed.
/// Returns the site directory the dashboard was written to.
fn scenario() -> (Rig, PathBuf) {
    let rig = Rig {
        tmp: tempfile::tempdir().unwrap(),
    };
    rig.submit("v1.4.0", &["cmd-os-1", "cmd-one-1"], false);

    let out = rig.mv(
        "2026-11-02T10:00:00Z",
        "1.4.0",
        "cmd-os-1",
        "verification",
        "alice",
    );
    assert!(
        out.contains("#1: moved from Unverified to Verification"),
        "{out}"
    );
    rig.mv(
        "2026-11-02T11:00:00Z",
        "1.4.0",
        "cmd-os-1",
        "staged-rollout",
        "alice",
    );
    // Submitted once 1.4.0 is in Staged Rollout, 1.5.0 flags it for the
    // manager instead of superseding it.
    rig.submit("v1.5.0", &["cmd-os-1"], true);
    rig.submit("v1.3.2", &["cmd-one-1"], true);
    let out = rig.say(
        "2026-11-02T12:00:00Z",
        "cmd-os-1",
        "dave",
        "accept NGI_IT-INFN-CNAF",
    );
    assert!(out.contains("takes on the staged rollout"), "{out}");
    let out = rig.say(
        "2026-11-03T12:00:00Z",
        "cmd-os-1",
        "dave",
        &format!("report NGI_IT-INFN-CNAF {REPORT} ok"),
    );
    assert!(out.contains("reported"), "{out}");
    rig.mv(
        "2026-11-02T10:00:00Z",
        "1.4.0",
        "cmd-one-1",
        "verification",
        "alice",
    );
    rig.mv(
        "2026-11-02T10:00:00Z",
        "1.3.2",
        "cmd-one-1",
        "verification",
        "alice",
    );
    let out = rig.mv(
        "2026-11-02T11:00:00Z",
        "1.3.2",
        "cmd-one-1",
        "rejected",
        "alice",
    );
    assert!(
        out.contains("#4: moved from Verification to Rejected"),
        "{out}"
    );
    let out = rig.ok(LATER, &["sweep"]);
    assert!(
        out.contains("#2 cmd-one-1/site-info-publisher/1.4.0: Delayed"),
        "{out}"
    );

    let site = rig.tmp.path().join("site");
    let tracker = format!("local:{}", rig.tracker().display());
    let out = rig.ok(
        LATER,
        &[
            "dashboard",
            "--tracker",
            &tracker,
            "--out",
            site.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("dashboard: 4 submission(s) written to"),
        "{out}"
    );
    (rig, site)
}

/// The opening tag and cells of the row of issue `n`.
fn row(dom: &str, n: u64) -> &str {
    let start = dom
        .find(&format!("<tr id=\"issue-{n}\""))
        .unwrap_or_else(|| panic!("no row for #{n} in:\n{dom}"));
    let len = dom[start..].find("</tr>").expect("an unclosed row");
    &dom[start..start + len]
}

fn opening_tag(element: &str) -> &str {
    &element[..element.find('>').unwrap() + 1]
}

/// Runs headless Chromium on `url` with `extra` flags; its standard output,
/// and how long it took. Killed after [`BROWSER_TIMEOUT`].
fn chromium(profile: &Path, extra: &[&str], url: &str) -> (String, Duration) {
    let started = Instant::now();
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            // Root in a container has no user namespace sandbox.
            "--no-sandbox",
            "--disable-gpu",
            // CI containers have a small /dev/shm.
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--mute-audio",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes on threads: a full pipe must not block the browser.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within {BROWSER_TIMEOUT:?} on {url}:\n{}",
                err.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let elapsed = started.elapsed();
    let stdout = out.join().unwrap();
    let stderr = err.join().unwrap();
    assert!(
        status.success(),
        "chromium failed on {url}: {status}\n{stderr}"
    );
    (stdout, elapsed)
}

fn file_url(path: &Path, query: &str) -> String {
    format!("file://{}{query}", path.display())
}

#[test]
fn the_files_are_a_static_site_that_works_without_javascript() {
    let (rig, site) = scenario();
    let mut names: Vec<String> = std::fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["app.js", "index.html", "style.css"]);
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    // Nothing from elsewhere: no CDN, no fonts, only the two local files.
    for external in ["http://", "//cdn", "@import", "fonts.g"] {
        assert!(
            !html.replace(REPORT, "").contains(external),
            "{external} in:\n{html}"
        );
    }
    assert!(html.contains("<link rel=\"stylesheet\" href=\"style.css\">"));
    assert!(html.contains("<script src=\"app.js\" defer></script>"));
    // Without the script every row shows; the filter form, useless without it, is hidden.
    assert!(!html.contains("<tr id=\"issue-1\" hidden"));
    assert_eq!(html.matches("<tr id=\"issue-").count(), 4);
    assert!(!row(&html, 1).contains("hidden"));
    assert!(html.contains("<form id=\"filters\" class=\"filters\" hidden>"));
    // The embedded tracker's issues are files: shown as text, never as links.
    let path = rig.tracker().join("issues/1.json");
    assert!(
        row(&html, 1).contains(&format!(
            "#1 <span class=\"path\">{}</span>",
            path.display()
        )),
        "{}",
        row(&html, 1)
    );
    assert!(!html.contains("href=\"/"));
    // Written again from the same tracker at the same instant: the same bytes.
    let again = rig.tmp.path().join("again");
    rig.ok(
        LATER,
        &[
            "dashboard",
            "--tracker",
            &format!("local:{}", rig.tracker().display()),
            "--out",
            again.to_str().unwrap(),
        ],
    );
    for name in &names {
        assert_eq!(
            std::fs::read(site.join(name)).unwrap(),
            std::fs::read(again.join(name)).unwrap(),
            "{name} differs between two runs"
        );
    }
    eprintln!(
        "page size: index.html {} B, style.css {} B, app.js {} B",
        html.len(),
        std::fs::metadata(site.join("style.css")).unwrap().len(),
        std::fs::metadata(site.join("app.js")).unwrap().len()
    );
}

#[test]
fn chromium_renders_the_rows_and_a_phone_screenshot() {
    if !support::require("chromium") {
        return;
    }
    let (rig, site) = scenario();
    let profile = rig.tmp.path().join("chromium-profile");
    let index = site.join("index.html");

    let (dom, took) = chromium(&profile, &["--dump-dom"], &file_url(&index, ""));
    eprintln!("chromium --dump-dom: {took:?}");
    // The script ran: the filter form is shown and counts the rows.
    assert!(
        dom.contains("<form id=\"filters\" class=\"filters\">"),
        "{dom}"
    );
    assert!(dom.contains("4 of 4 shown"), "{dom}");
    // Open first, Delayed first; then distribution, product, version; the closed one last.
    let order: Vec<usize> = [2, 1, 3, 4]
        .iter()
        .map(|n| dom.find(&format!("<tr id=\"issue-{n}\"")).unwrap())
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "row order: {order:?}"
    );

    let delayed = row(&dom, 2);
    assert_eq!(
        opening_tag(delayed),
        "<tr id=\"issue-2\" class=\"submission is-delayed\" data-distribution=\"cmd-one-1\" data-stage=\"verification\" data-open=\"true\" data-delayed=\"true\">"
    );
    assert!(
        delayed.contains("<strong class=\"badge delayed\">Delayed</strong>"),
        "{delayed}"
    );
    assert!(
        delayed.contains("verification to complete by 2026-11-09 10:00 UTC")
            && delayed.contains("1 day late"),
        "{delayed}"
    );
    assert!(delayed.contains("CMD-ONE 1"), "{delayed}");

    let rollout = row(&dom, 1);
    assert!(
        opening_tag(rollout)
            .contains("data-distribution=\"cmd-os-1\" data-stage=\"staged-rollout\""),
        "{rollout}"
    );
    assert!(rollout.contains("Staged Rollout") && !rollout.contains("Delayed"));
    assert!(
        rollout.contains("<span class=\"site\">NGI_IT-INFN-CNAF</span>: <span class=\"ack accepted\">accepted</span> by dave"),
        "{rollout}"
    );
    assert!(
        rollout.contains(&format!(
            "<a href=\"{REPORT}\">ea-NGI_IT-INFN-CNAF-CMD-OS-site-info-publisher-1.4.0.odt</a>"
        )),
        "{rollout}"
    );
    // The other candidate was called and has not answered.
    assert!(
        rollout.contains(
            "<span class=\"site\">NGI_DE-SCAI</span>: <span class=\"ack waiting\">waiting</span>"
        ),
        "{rollout}"
    );
    assert!(rollout.contains("(22 days left)"), "{rollout}");

    let failing = row(&dom, 3);
    assert!(opening_tag(failing).contains("data-stage=\"unverified\""));
    assert!(
        failing.contains("1.5.0") && failing.contains("<strong class=\"failed\">failed</strong>"),
        "{failing}"
    );

    let rejected = row(&dom, 4);
    assert!(
        opening_tag(rejected).contains(
            "data-distribution=\"cmd-one-1\" data-stage=\"rejected\" data-open=\"false\""
        ),
        "{rejected}"
    );
    assert!(rejected.contains("(closed)"), "{rejected}");

    // Counts per stage at the top.
    for (n, stage) in [
        (1, "Unverified"),
        (1, "Verification"),
        (1, "Staged Rollout"),
        (1, "Rejected"),
        (0, "Released"),
        (1, "Delayed"),
    ] {
        assert!(
            dom.contains(&format!("<span class=\"n\">{n}</span> {stage}</li>")),
            "{n} {stage}"
        );
    }

    // A phone-sized screenshot: a real PNG of the requested size.
    let png = rig.tmp.path().join("phone.png");
    let (_, took) = chromium(
        &profile,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=390,844",
        ],
        &file_url(&index, ""),
    );
    eprintln!("chromium --screenshot: {took:?}");
    let bytes = std::fs::read(&png).expect("the screenshot is written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (390, 844));
    // A blank page compresses to a few hundred bytes; text and cards do not.
    assert!(bytes.len() > 10_000, "{} bytes", bytes.len());
    eprintln!("phone screenshot: {} bytes", bytes.len());
}

#[test]
fn chromium_filters_by_distribution_and_stage_from_the_query_string() {
    if !support::require("chromium") {
        return;
    }
    let (rig, site) = scenario();
    let profile = rig.tmp.path().join("chromium-profile");
    let index = site.join("index.html");
    let shown = |dom: &str| -> Vec<u64> {
        [1, 2, 3, 4]
            .into_iter()
            .filter(|n| !opening_tag(row(dom, *n)).contains(" hidden"))
            .collect()
    };

    let (dom, took) = chromium(
        &profile,
        &["--dump-dom"],
        &file_url(&index, "?distribution=cmd-os-1"),
    );
    eprintln!("chromium --dump-dom (filtered): {took:?}");
    assert_eq!(shown(&dom), [1, 3], "{dom}");
    assert!(
        opening_tag(row(&dom, 2)).ends_with(" hidden=\"\">"),
        "{}",
        row(&dom, 2)
    );
    assert!(dom.contains("2 of 4 shown"), "{dom}");

    let (dom, _) = chromium(
        &profile,
        &["--dump-dom"],
        &file_url(&index, "?stage=delayed"),
    );
    assert_eq!(shown(&dom), [2], "{dom}");

    let (dom, _) = chromium(
        &profile,
        &["--dump-dom"],
        &file_url(&index, "?distribution=cmd-one-1&stage=rejected"),
    );
    assert_eq!(shown(&dom), [4], "{dom}");

    // A value the page does not offer is ignored, never injected.
    let (dom, _) = chromium(
        &profile,
        &["--dump-dom"],
        &file_url(&index, "?distribution=%22%3E%3Cimg%20src=x%3E&stage=nope"),
    );
    assert_eq!(shown(&dom), [1, 2, 3, 4], "{dom}");
    assert!(!dom.contains("<img"), "{dom}");
}

#[test]
fn an_output_that_is_a_file_is_refused_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("site");
    std::fs::write(&file, "not a directory").unwrap();
    let tracker = format!("local:{}", tmp.path().join("tracker").display());
    let r = support::run(&mut support::umd(&[
        "dashboard",
        "--tracker",
        &tracker,
        "--out",
        file.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot create the dashboard directory") && r.stderr.contains("site"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a directory");
}
