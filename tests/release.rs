//! Distribution releases (issue 5): announce what is Ready for release, publish
//! it, and the post-implementation review, on the embedded tracker, the fake
//! GitHub and the fake GitLab; the announcement templates over hand-made
//! submissions.

mod support;

use support::rig::{Kind, REPORT, Rig};
use support::run;
use umd_release::announce::{self, Candidate};
use umd_release::pipeline::Stage;
use umd_release::policy::Policy;
use umd_release::submission::{
    Answer, Key, Note, Release, ReleaseTarget, Report, Site, State, Transition,
};

/// Takes the demo submission to Ready for release (Monday 2 to Monday 9 November 2026).
fn ready(rig: &Rig) {
    rig.at("2026-11-02T10:00:00Z");
    rig.label("alice", "verification");
    rig.label("alice", "staged-rollout");
    rig.say(
        "dave",
        &format!("accept NGI_IT-INFN-CNAF\nreport NGI_IT-INFN-CNAF {REPORT} ok"),
    );
    rig.at("2026-11-09T10:00:00Z");
    let r = rig.label("bob", "ready-for-release");
    assert!(r.stdout.contains("to Ready for release"), "{}", r.stdout);
}

fn announce(rig: &Rig, extra: &[&str]) -> support::Run {
    let mut args = vec![
        "announce",
        "--distribution",
        "cmd-os-1",
        "--version",
        "1.5.0",
    ];
    args.extend(extra);
    run(&mut rig.cmd(&args))
}

fn publish(rig: &Rig, who: &str) -> support::Run {
    run(&mut rig.cmd(&[
        "publish",
        "--distribution",
        "cmd-os-1",
        "--version",
        "1.5.0",
        "--as",
        who,
    ]))
}

on_all!(
    announce_publish_and_review,
    an_emergency_release_is_flagged_for_the_omb,
);

fn announce_publish_and_review(rig: &Rig) {
    // Nothing is ready yet.
    let r = announce(rig, &["--date", "2026-11-30"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("nothing is Ready for release in CMD-OS 1"),
        "{}",
        r.stderr
    );
    ready(rig);
    // Less than a week's notice: refused unless an emergency.
    let r = announce(rig, &["--date", "2026-11-12"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("3 day(s) away, less than the 7 days' notice")
            && r.stderr.contains("--emergency"),
        "{}",
        r.stderr
    );
    let html = rig.tmp.path().join("announcement.html");
    let r = announce(
        rig,
        &["--date", "2026-11-16", "--html", html.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("CMD-OS 1 1.5.0: created #2 [CMD-OS 1] Release 1.5.0 announcement"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("products: site-info-publisher 1.4.0"),
        "{}",
        r.stdout
    );
    let ann = rig.tracker().get_issue(2).unwrap();
    assert!(ann.labels.contains(&"announcement".to_string()));
    assert!(
        ann.body.contains("### site-info-publisher 1.4.0"),
        "{}",
        ann.body
    );
    assert!(ann.body.contains("Verification: verified by alice on 2026-11-02. Staged rollout: NGI\\_DE-SCAI did not answer; NGI\\_IT-INFN-CNAF accepted (report: [ea-"), "{}", ann.body);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.starts_with("<!doctype html>") && page.contains("<h3>site-info-publisher 1.4.0</h3>"),
        "{page}"
    );
    // Announcing again changes nothing.
    let r = announce(rig, &["--date", "2026-11-16"]);
    assert!(r.stdout.contains("unchanged #2"), "{}", r.stdout);

    // Publishing: not before the date, only by the release manager.
    let r = publish(rig, "carol");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("announced for 2026-11-16: publish on or after that date"),
        "{}",
        r.stderr
    );
    rig.at("2026-11-16T08:00:00Z");
    let r = publish(rig, "mallory");
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("is not published") && r.stdout.contains("release-manager"),
        "{}",
        r.stdout
    );
    assert!(rig.issue().open);
    let r = publish(rig, "carol");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("#1 site-info-publisher 1.4.0: Released"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("testing -> production"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("CMD-OS 1 1.5.0 published: 1 product(s) Released; review #3"),
        "{}",
        r.stdout
    );
    let sub = rig.issue();
    assert!(!sub.open);
    assert_eq!(rig.state().stage(), Stage::Released);
    assert!(
        rig.said()
            .iter()
            .any(|c| c.starts_with("Released in CMD-OS 1 1.5.0 on 2026-11-16 (announced in #2).")),
        "{:?}",
        rig.said()
    );
    let t = rig.tracker();
    assert!(
        !t.get_issue(2).unwrap().open,
        "the announcement is closed once published"
    );
    let review = t.get_issue(3).unwrap();
    assert!(
        review
            .body
            .contains("1. Were the release notes and documentation sufficient?"),
        "{}",
        review.body
    );
    assert!(
        review
            .body
            .contains("2. Is the service working as expected?")
    );
    // Publishing again is a no-op.
    assert!(publish(rig, "carol").stdout.contains("already published"));
    exported_records_have_egi_s_shape(rig);

    // The review: reminded once after its week, closed as unanswered a week later.
    rig.at("2026-11-23T07:00:00Z");
    assert!(rig.sweep().stdout.contains("changed 0"));
    rig.at("2026-11-24T09:00:00Z");
    let r = rig.sweep();
    assert!(
        r.stdout
            .contains("#3 review cmd-os-1/1.5.0: review reminded"),
        "{}",
        r.stdout
    );
    assert!(rig.sweep().stdout.contains("changed 0"));
    rig.at("2026-12-01T09:00:00Z");
    let r = rig.sweep();
    assert!(
        r.stdout.contains("review closed as unanswered"),
        "{}",
        r.stdout
    );
    let review = t.get_issue(3).unwrap();
    assert!(!review.open && review.labels.contains(&"unanswered".to_string()));
    let comments = t.list_comments(3).unwrap();
    assert_eq!(comments.len(), 2, "a reminder and the closing note");
}

/// `export` refuses a release whose packages have no download URL (the rig
/// submits without `--download-url-base`): EGI's pipeline downloads every
/// `rpms` entry. Exit 2, what and how to fix it, nothing written.
/// (`a_published_release_with_download_urls_exports_egi_s_files` exports one
/// with URLs; `tests/egi_export.rs` compares the files with published ones.)
fn exported_records_have_egi_s_shape(rig: &Rig) {
    let out = rig.tmp.path().join("egi");
    let r = run(&mut rig.cmd(&[
        "export",
        "--format",
        "egi-software-releases",
        "--distribution",
        "cmd-os-1",
        "--version",
        "1.5.0",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("site-info-publisher 1.4.0 (centos7)")
            && r.stderr.contains("has no download URL")
            && r.stderr.contains("--download-url-base"),
        "{}",
        r.stderr
    );
    assert!(!out.exists(), "nothing is written");
}

fn an_emergency_release_is_flagged_for_the_omb(rig: &Rig) {
    ready(rig);
    let r = announce(rig, &["--date", "2026-11-10", "--emergency"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("warning: the release date 2026-11-10 is 1 day(s) away"),
        "{}",
        r.stdout
    );
    let ann = rig.tracker().get_issue(2).unwrap();
    assert!(ann.body.contains("**Emergency release**"), "{}", ann.body);
    // Announced but not published: nothing to export yet.
    let r = run(&mut rig.cmd(&[
        "export",
        "--format",
        "egi-software-releases",
        "--distribution",
        "cmd-os-1",
        "--version",
        "1.5.0",
        "--out",
        rig.tmp.path().join("egi").to_str().unwrap(),
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is announced (#2) but not published"),
        "{}",
        r.stderr
    );
    assert!(!rig.tmp.path().join("egi").exists(), "nothing half-written");
    rig.at("2026-11-10T09:00:00Z");
    let r = publish(rig, "carol");
    assert!(
        r.stdout
            .contains("(emergency release: present it to the OMB)"),
        "{}",
        r.stdout
    );
    let review = rig.tracker().get_issue(3).unwrap();
    assert!(
        review.body.contains("It was an **emergency release**"),
        "{}",
        review.body
    );
}

#[test]
fn bad_release_input() {
    let rig = Rig::new(Kind::Local);
    for (args, want) in [
        (
            vec!["--version", "1.5", "--date", "2026-12-01"],
            "not a distribution release X.Y.Z",
        ),
        (
            vec!["--version", "1.5.0", "--date", "1 December"],
            "not a date YYYY-MM-DD",
        ),
        (
            vec!["--version", "1.5.0", "--date", "2020-01-01"],
            "in the past",
        ),
    ] {
        let mut all = vec!["announce", "--distribution", "cmd-os-1"];
        all.extend(args);
        let r = run(&mut rig.cmd(&all));
        assert_eq!(r.code, 2, "{all:?}");
        assert!(r.stderr.contains(want), "{all:?}: {}", r.stderr);
    }
    let r = run(&mut rig.cmd(&[
        "announce",
        "--distribution",
        "umd-9",
        "--version",
        "9.0.0",
        "--date",
        "2027-01-01",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no distribution `umd-9`"), "{}", r.stderr);
    let r = run(&mut rig.cmd(&[
        "publish",
        "--distribution",
        "cmd-os-1",
        "--version",
        "1.5.0",
        "--as",
        "carol",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("was never announced"), "{}", r.stderr);
}

/// Two products, one only on CentOS 7, with hostile text everywhere a
/// provider or a site controls it.
fn candidates() -> Vec<Candidate> {
    let at = time::macros::datetime!(2026-11-02 10:00 UTC);
    let state = |product: &str, targets: &[&str], evil: bool| {
        let bad = if evil {
            "<img src=x onerror=alert(1)> @everyone"
        } else {
            ""
        };
        State {
            key: Key {
                dist: "cmd-os-1".into(),
                product: product.into(),
                version: "2.0.0".into(),
            },
            history: vec![
                Transition {
                    stage: Stage::Unverified,
                    at,
                    actor: "bot".into(),
                },
                Transition {
                    stage: Stage::Verification,
                    at,
                    actor: "alice".into(),
                },
                Transition {
                    stage: Stage::StagedRollout,
                    at,
                    actor: "alice".into(),
                },
                Transition {
                    stage: Stage::ReadyForRelease,
                    at,
                    actor: "bob".into(),
                },
            ],
            passed: true,
            sites: [(
                "NGI_IT-INFN-CNAF".to_string(),
                Site {
                    answer: Some(Answer {
                        accepted: true,
                        actor: "dave".into(),
                        at,
                    }),
                    reports: vec![Report {
                        url: "https://documents.egi.eu/ea-NGI_IT-INFN-CNAF-CMD-x-2.0.0.odt".into(),
                        file: "ea-NGI_IT-INFN-CNAF-CMD-x-2.0.0.odt".into(),
                        actor: "dave".into(),
                        at,
                        verdict: Default::default(),
                    }],
                    ggus: vec![],
                },
            )]
            .into(),
            waiver: evil.then(|| Note {
                text: format!("urgent {bad}"),
                actor: "bob".into(),
                at,
            }),
            release: Some(Release {
                tag: "v2.0.0".into(),
                provider: format!("Example Team {bad}"),
                description: format!("Does things. {bad}"),
                contact: "support@example.org".into(),
                technical_contact: "lead@example.org".into(),
                release_notes_url: Some(if evil {
                    "javascript:alert(1)".into()
                } else {
                    "https://example.org/notes".into()
                }),
                installation_url: Some("https://example.org/install".into()),
                known_issues_url: None,
                documentation: vec!["https://example.org/docs".into()],
                capabilities: vec!["Accounting".into()],
                notes: format!("## 2.0.0\n- Faster {bad}\n- Fixed \"quotes\" & <tags>\n"),
                targets: targets
                    .iter()
                    .map(|t| ReleaseTarget {
                        id: t.to_string(),
                        name: if *t == "centos7" {
                            "CentOS 7".into()
                        } else {
                            "Ubuntu 16.04 (Xenial)".into()
                        },
                        arch: "x86_64".into(),
                        repository: None,
                        packages: vec![],
                    })
                    .collect(),
            }),
            ..State::default()
        }
    };
    vec![
        Candidate {
            number: 4,
            url: "https://github.com/egi/umd-tracker/issues/4".into(),
            state: state("alpha", &["centos7", "xenial"], false),
        },
        Candidate {
            number: 7,
            url: "https://github.com/egi/umd-tracker/issues/7".into(),
            state: state("beta", &["centos7"], true),
        },
    ]
}

#[test]
fn announcement_templates_render_and_escape() {
    let policy = Policy::builtin("cmd-os-1").unwrap();
    let templates = umd_release::render::Templates::load(None).unwrap();
    let data = announce::data(
        &policy,
        "1.5.0",
        time::macros::date!(2026 - 11 - 30),
        false,
        &candidates(),
    );
    let md = templates.render("announcement", &data).unwrap();
    let html = templates.render_html("announcement", &data).unwrap();
    assert!(
        md.contains("- Targets: CentOS 7 (**only on CentOS 7**)"),
        "{md}"
    );
    assert!(
        !md.contains("<img") && !md.contains("@everyone") && !md.contains("javascript:"),
        "{md}"
    );
    assert!(
        !html.contains("<img") && !html.contains("javascript:"),
        "{html}"
    );
    assert!(
        html.contains("&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;"),
        "{html}"
    );
    insta::assert_snapshot!("announcement_md", md);
    insta::assert_snapshot!("announcement_html", html);
}

#[test]
fn a_template_override_missing_a_field_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("announcement.md.hbs"),
        "# {{distribution.name}}\n\n{{distribution.codename}}\n",
    )
    .unwrap();
    let templates = umd_release::render::Templates::load(Some(dir.path())).unwrap();
    let policy = Policy::builtin("cmd-os-1").unwrap();
    let data = announce::data(
        &policy,
        "1.5.0",
        time::macros::date!(2026 - 11 - 30),
        false,
        &candidates(),
    );
    let err = templates
        .render("announcement", &data)
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 3") && err.contains("codename"), "{err}");
}

/// A release submitted with `--download-url-base` exports, through the CLI,
/// one EGI pipeline file per target in software-releases' layout, with full
/// package URLs, plus the web page records.
#[test]
fn a_published_release_with_download_urls_exports_egi_s_files() {
    let rig = Rig::new(Kind::Local);
    let base = "https://github.com/example-org/site-info-publisher/releases/download/v1.4.0";
    let r = run(rig.submit().args(["--download-url-base", base]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    ready(&rig);
    assert_eq!(announce(&rig, &["--date", "2026-11-16"]).code, 0);
    rig.at("2026-11-16T08:00:00Z");
    assert_eq!(publish(&rig, "carol").code, 0);
    let out = rig.tmp.path().join("software-releases");
    let r = run(&mut rig.cmd(&[
        "export",
        "--format",
        "egi-software-releases",
        "--distribution",
        "cmd-os-1",
        "--version",
        "1.5.0",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let mut files: Vec<String> = walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&out).unwrap().display().to_string())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "frontend-data/distributions/CMD-OS/1.5.0.json",
            "frontend-data/products/CMD-OS/1.5.0/examplecloudteam.site-info-publisher1.4.0.json",
            "json/cmd-os1/site-info-publisher-1.4.0-centos7.json",
            "json/cmd-os1/site-info-publisher-1.4.0-xenial.json",
        ]
    );
    let read = |p: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(out.join(p)).unwrap()).unwrap()
    };
    let pipeline: Vec<&String> = files.iter().filter(|f| f.starts_with("json/")).collect();
    assert_eq!(
        pipeline.len(),
        2,
        "one pipeline file per target: {files:#?}"
    );
    for f in pipeline {
        let v = read(f);
        let targets = v["target"].as_array().unwrap();
        assert_eq!(targets.len(), 1, "{f}");
        let rpms = targets[0]["rpms"].as_array().unwrap();
        assert!(!rpms.is_empty(), "{f}");
        for u in rpms {
            assert!(u.as_str().unwrap().starts_with(base), "{f}: {u}");
        }
    }
    assert!(
        files
            .iter()
            .any(|f| f == "frontend-data/distributions/CMD-OS/1.5.0.json"),
        "{files:#?}"
    );
}
