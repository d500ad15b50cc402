use super::*;
use crate::submission::{Answer, Key, Release, Report, Site, Transition, Verdict, compose};
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-20 12:00 UTC);
const EVIL: &str = "<img src=x onerror=alert(1)>\"><script>alert('x')</script>";
/// A URL that is a web URL (no spaces) but carries markup.
const EVIL_URL: &str = "https://x.org/\"><script>alert(1)</script><img/src=x/onerror=alert(1)>";

fn key(dist: &str, product: &str, version: &str) -> Key {
    Key {
        dist: dist.into(),
        product: product.into(),
        version: version.into(),
    }
}

fn state(key: &Key, history: &[(Stage, OffsetDateTime)]) -> State {
    State {
        key: key.clone(),
        history: history
            .iter()
            .map(|(stage, at)| Transition {
                stage: *stage,
                at: *at,
                actor: "alice".into(),
            })
            .collect(),
        passed: true,
        candidates: vec!["NGI_IT-INFN-CNAF".into()],
        release: Some(Release {
            provider: "EGI Foundation".into(),
            description: "Publishes site information".into(),
            release_notes_url: Some("https://example.org/notes".into()),
            ..Release::default()
        }),
        ..State::default()
    }
}

fn issue(number: u64, state: &State, labels: &[&str], open: bool) -> Issue {
    let mut labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
    labels.push(state.stage().label());
    Issue {
        number,
        title: format!("[x] {}", state.key.product),
        body: compose(&state.key, "## x\n", state, ""),
        labels,
        open,
        author: "tp".into(),
        created_at: datetime!(2026-11-01 09:00 UTC),
        updated_at: datetime!(2026-11-01 09:00 UTC),
        url: format!("https://github.com/egi/umd-tracker/issues/{number}"),
    }
}

fn config() -> TrackerConfig {
    TrackerConfig {
        early_adopters: [
            ("NGI_IT-INFN-CNAF".to_string(), vec!["dave".to_string()]),
            ("NGI_DE-SCAI".to_string(), vec!["erin".to_string()]),
        ]
        .into(),
        ..TrackerConfig::default()
    }
}

/// A small tracker: one of each kind of row.
fn sample() -> Vec<Issue> {
    let t0 = datetime!(2026-11-02 09:00 UTC);
    let mut rollout = state(
        &key("cmd-os-1", "site-info-publisher", "1.4.0"),
        &[
            (Stage::Unverified, t0),
            (Stage::Verification, datetime!(2026-11-03 09:00 UTC)),
            (Stage::StagedRollout, datetime!(2026-11-04 09:00 UTC)),
        ],
    );
    rollout.sites.insert(
        "NGI_IT-INFN-CNAF".into(),
        Site {
            answer: Some(Answer {
                accepted: true,
                actor: "dave".into(),
                at: datetime!(2026-11-04 12:00 UTC),
            }),
            reports: vec![Report {
                url: "https://documents.egi.eu/ea-NGI_IT-INFN-CNAF-CMD-OS-site-info-publisher-1.4.0.odt".into(),
                file: "ea-NGI_IT-INFN-CNAF-CMD-OS-site-info-publisher-1.4.0.odt".into(),
                actor: "dave".into(),
                at: datetime!(2026-11-10 12:00 UTC),
                verdict: Verdict::Ok,
            }],
            ggus: vec![],
        },
    );
    let mut late = state(
        &key("cmd-one-1", "site-info-publisher", "1.4.0"),
        &[
            (Stage::Unverified, t0),
            (Stage::Verification, datetime!(2026-11-03 09:00 UTC)),
        ],
    );
    late.delayed = Some(Stage::Verification);
    late.passed = false;
    let released = state(
        &key("cmd-os-1", "cloud-info-provider", "0.9.0"),
        &[
            (Stage::Unverified, t0),
            (Stage::Released, datetime!(2026-11-15 09:00 UTC)),
        ],
    );
    let fresh = state(
        &key("cmd-os-1", "site-info-publisher", "1.10.0"),
        &[(Stage::Unverified, datetime!(2026-11-19 09:00 UTC))],
    );
    let not_a_submission = Issue {
        body: "just a question".into(),
        ..issue(9, &fresh, &[], true)
    };
    vec![
        issue(1, &rollout, &[], true),
        issue(2, &late, &[DELAYED_LABEL], true),
        issue(3, &released, &[], false),
        issue(4, &fresh, &[], true),
        not_a_submission,
    ]
}

fn sample_rows() -> Vec<Row> {
    rows(&sample(), &[], &config(), NOW)
}

#[test]
fn rows_skip_other_issues_and_sort_open_delayed_first() {
    let rows = sample_rows();
    let order: Vec<(u64, &str)> = rows
        .iter()
        .map(|r| (r.number, r.version.as_str()))
        .collect();
    // Delayed first; then cmd-os-1 by product and version (1.10.0 after
    // 1.4.0 numerically); the closed Released one last.
    assert_eq!(
        order,
        [(2, "1.4.0"), (1, "1.4.0"), (4, "1.10.0"), (3, "0.9.0")]
    );
    assert_eq!(rows[0].distribution, "cmd-one-1");
    assert_eq!(rows[0].distribution_name, "CMD-ONE 1");
    assert_eq!(rows[1].distribution_name, "CMD-OS 1");
    assert!(rows[0].delayed && !rows[0].passed);
    assert_eq!(rows[1].stage, Stage::StagedRollout);
    assert_eq!(rows[3].stage, Stage::Released);
    assert!(!rows[3].open && rows[3].deadline.is_none() && rows[3].waiting.is_empty());
    // Version order is numeric where both are versions, total otherwise.
    let mut vs = ["1.10.0", "1.9", "1.9.0", "abc", "0.1.0"];
    vs.sort_by(|a, b| version_key(a).cmp(&version_key(b)));
    assert_eq!(vs, ["0.1.0", "1.9.0", "1.10.0", "1.9", "abc"]);
}

#[test]
fn a_closed_issue_in_an_open_stage_is_left_out() {
    let s = state(
        &key("cmd-os-1", "p", "1.0.0"),
        &[(Stage::Verification, datetime!(2026-11-02 09:00 UTC))],
    );
    assert!(rows(&[issue(5, &s, &[], false)], &[], &config(), NOW).is_empty());
    // Rejected and closed: listed, final.
    let s = state(
        &key("cmd-os-1", "p", "1.0.0"),
        &[(Stage::Rejected, datetime!(2026-11-02 09:00 UTC))],
    );
    let r = rows(&[issue(6, &s, &[], false)], &[], &config(), NOW);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].stage, Stage::Rejected);
    assert!(r[0].deadline.is_none());
}

#[test]
fn days_in_stage_and_days_left() {
    let rows = sample_rows();
    // Staged rollout entered 2026-11-04 09:00, 30 days: due 2026-12-04 09:00.
    let r = &rows[1];
    assert_eq!(r.days_in_stage, 16);
    let d = r.deadline.as_ref().unwrap();
    assert_eq!(d.what, "staged rollout to complete");
    assert_eq!(d.due, datetime!(2026-12-04 09:00 UTC));
    assert_eq!(d.days_left, 13);
    // Verification entered 2026-11-03 09:00, 7 days: 10 days 3 hours late is -10.
    let late = &rows[0];
    let d = late.deadline.as_ref().unwrap();
    assert_eq!(d.due, datetime!(2026-11-10 09:00 UTC));
    assert_eq!(d.days_left, -10);
    assert_eq!(late.days_in_stage, 17);
    assert_eq!(signed_days(Duration::minutes(-1)), -1, "late is late");
    assert_eq!(signed_days(Duration::hours(-25)), -1);
    assert_eq!(signed_days(Duration::hours(-48)), -2);
    assert_eq!(signed_days(Duration::ZERO), 0);
    assert_eq!(signed_days(Duration::hours(23)), 0);
    assert_eq!(signed_days(Duration::hours(47)), 1);
    // A stage entered "in the future" (clock skew) counts zero days.
    let s = state(
        &key("cmd-os-1", "p", "1"),
        &[(Stage::Unverified, NOW + Duration::days(2))],
    );
    assert_eq!(rows_of(&s, &[])[0].days_in_stage, 0);
}

fn rows_of(s: &State, labels: &[&str]) -> Vec<Row> {
    rows(&[issue(7, s, labels, true)], &[], &config(), NOW)
}

#[test]
fn delayed_comes_from_the_label_or_the_state_of_this_stage() {
    let mut s = state(
        &key("cmd-os-1", "p", "1.0.0"),
        &[(Stage::Verification, datetime!(2026-11-02 09:00 UTC))],
    );
    assert!(!rows_of(&s, &[])[0].delayed);
    assert!(rows_of(&s, &[DELAYED_LABEL])[0].delayed);
    s.delayed = Some(Stage::Verification);
    assert!(rows_of(&s, &[])[0].delayed);
    // The flag goes with the stage it was raised in.
    s.delayed = Some(Stage::Unverified);
    assert!(!rows_of(&s, &[])[0].delayed);
}

#[test]
fn early_adopters_list_candidates_answers_and_reports() {
    let rows = sample_rows();
    let eas = &rows[1].early_adopters;
    let sites: Vec<(&str, Acknowledgement)> =
        eas.iter().map(|e| (e.site.as_str(), e.answer)).collect();
    assert_eq!(
        sites,
        [("NGI_IT-INFN-CNAF", Acknowledgement::Accepted)],
        "the candidate the tracker knows is the one called"
    );
    assert_eq!(eas[0].reports.len(), 1);
    assert_eq!(eas[0].actor.as_deref(), Some("dave"));
    // Before staged rollout: nobody was called.
    assert!(rows[2].early_adopters.is_empty());
    // A candidate that has not answered is waiting.
    let mut s = state(
        &key("cmd-os-1", "p", "1.0.0"),
        &[(Stage::StagedRollout, datetime!(2026-11-18 09:00 UTC))],
    );
    s.candidates.push("NGI_FR-IN2P3".into());
    let r = &rows_of(&s, &[])[0];
    let sites: Vec<(&str, Acknowledgement)> = r
        .early_adopters
        .iter()
        .map(|e| (e.site.as_str(), e.answer))
        .collect();
    assert_eq!(
        sites,
        [
            ("NGI_FR-IN2P3", Acknowledgement::Waiting),
            ("NGI_IT-INFN-CNAF", Acknowledgement::Waiting)
        ]
    );
    assert!(r.waiting.iter().any(|w| w.contains("acknowledgement")));
}

#[test]
fn render_writes_the_three_files() {
    let files = render(&sample_rows(), "github:egi/umd-tracker", NOW);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["index.html", "style.css", "app.js"]);
    let html = &files[0].1;
    assert!(html.contains("<meta name=\"viewport\""));
    assert!(html.contains("data-distribution=\"cmd-one-1\" data-stage=\"verification\" data-open=\"true\" data-delayed=\"true\""));
    assert!(html.contains("<strong class=\"badge delayed\">Delayed</strong>"));
    assert!(html.contains("<span class=\"n\">1</span> Staged Rollout"));
    assert!(html.contains("verification to complete by 2026-11-10 09:00 UTC (<strong class=\"late\">10 days late</strong>)"));
    assert!(html.contains("<code>state:verification</code>"));
    for asset in ["src=\"http", "href=\"//", "@import", "url("] {
        assert!(!html.contains(asset), "{asset}");
        assert!(!files[1].1.contains(asset), "{asset}");
    }
    assert_eq!(
        render(&sample_rows(), "github:egi/umd-tracker", NOW),
        files,
        "deterministic"
    );
}

#[test]
fn only_web_urls_become_links() {
    assert_eq!(web_url("https://x.org/a"), Some("https://x.org/a"));
    assert_eq!(web_url("HTTP://x.org/a"), Some("HTTP://x.org/a"));
    assert_eq!(web_url("http://x"), Some("http://x"));
    for bad in [
        "javascript:alert(1)",
        " https://x.org",
        "https://",
        "http://",
        "http:/x.org",
        "https://x.org/a b",
        "https://x.org/\n",
        ".umd-tracker/issues/1.json",
        "data:text/html,x",
        "",
        "é",
    ] {
        assert_eq!(web_url(bad), None, "{bad:?}");
    }
    assert_eq!(
        link("f\"", "https://x.org/?a=\"><script>"),
        "<a href=\"https://x.org/?a=&quot;&gt;&lt;script&gt;\">f&quot;</a>"
    );
    // The embedded tracker's url is a path: shown, not linked.
    let mut issues = sample();
    issues[0].url = ".umd-tracker/issues/1.json".into();
    let html = page(
        &rows(&issues, &[], &config(), NOW),
        "local:.umd-tracker",
        NOW,
    );
    assert!(html.contains("#1 <span class=\"path\">.umd-tracker/issues/1.json</span>"));
    assert!(!html.contains("href=\".umd-tracker"));
}

#[test]
fn escape_covers_the_five_characters() {
    assert_eq!(escape("a&<>\"'b"), "a&amp;&lt;&gt;&quot;&#39;b");
    assert_eq!(with_code("a `x<y` b"), "a <code>x&lt;y</code> b");
    assert_eq!(with_code("odd ` tick"), "odd ` tick");
}

/// Untrusted text in every field that reaches the page.
#[test]
fn issue_text_is_escaped_everywhere() {
    let k = key("cmd-os-1", "p", "1.0.0");
    let mut s = state(
        &k,
        &[(Stage::StagedRollout, datetime!(2026-11-18 09:00 UTC))],
    );
    s.candidates = vec![EVIL.into()];
    s.sites.insert(
        EVIL.into(),
        Site {
            answer: Some(Answer {
                accepted: false,
                actor: EVIL.into(),
                at: datetime!(2026-11-18 10:00 UTC),
            }),
            reports: vec![
                Report {
                    url: EVIL_URL.into(),
                    file: EVIL.into(),
                    actor: EVIL.into(),
                    at: datetime!(2026-11-18 11:00 UTC),
                    verdict: Verdict::Fail,
                },
                Report {
                    url: "javascript:alert(1)".into(),
                    file: EVIL.into(),
                    actor: EVIL.into(),
                    at: datetime!(2026-11-18 11:00 UTC),
                    verdict: Verdict::Fail,
                },
            ],
            ggus: vec![],
        },
    );
    s.release = Some(Release {
        provider: EVIL.into(),
        description: EVIL.into(),
        release_notes_url: Some(EVIL_URL.into()),
        ..Release::default()
    });
    let mut i = issue(8, &s, &[], true);
    i.url = EVIL_URL.into();
    let rows = rows(&[i], &[], &config(), NOW);
    assert_eq!(
        rows[0].early_adopters[0].site, EVIL,
        "the row keeps the text"
    );
    let html = page(&rows, EVIL, NOW);
    for raw in [
        "<img",
        "<script>",
        "\"><script",
        "onerror=alert(1)>",
        "javascript:",
    ] {
        assert!(!html.contains(raw), "{raw} unescaped in:\n{html}");
    }
    assert_eq!(html.matches("<script").count(), 1, "only app.js");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    // The issue, the release notes and the https report are links; the
    // javascript: report is text.
    assert!(html.contains("<a href=\"https://x.org/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img/src=x/onerror=alert(1)&gt;\">"));
    assert_eq!(html.matches("href=\"https://x.org/").count(), 3, "{html}");
}

#[test]
fn damaged_or_odd_bodies_do_not_panic() {
    let k = key("cmd-os-1", "p", "1.0.0");
    // A state block edited to the end of time, and no state at all.
    let far = state(
        &k,
        &[(Stage::StagedRollout, datetime!(9999-12-31 23:00 UTC))],
    );
    let mut none = issue(2, &far, &[], true);
    none.body = k.marker();
    let unknown = state(
        &key("no-such-dist", "p", "1"),
        &[(Stage::Verification, NOW)],
    );
    let rows = rows(
        &[
            issue(1, &far, &[], true),
            none,
            issue(3, &unknown, &[], true),
        ],
        &[],
        &config(),
        NOW,
    );
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.deadline.is_none()));
    let unknown = rows
        .iter()
        .find(|r| r.distribution == "no-such-dist")
        .unwrap();
    assert_eq!(unknown.distribution_name, "no-such-dist");
    let no_state = rows.iter().find(|r| r.number == 2).unwrap();
    assert_eq!(no_state.stage, Stage::StagedRollout, "from the label");
    assert!(no_state.passed);
    let _ = render(&rows, "", NOW);
}

#[test]
fn the_page_snapshot() {
    let html = page(&sample_rows(), "github:egi/umd-tracker", NOW);
    insta::assert_snapshot!("dashboard_index", html);
}

proptest::proptest! {
    /// Whatever the fields hold, it reaches the page only escaped: a
    /// marker starting with `<`, `"` or `'` never appears as written.
    #[test]
    fn no_markup_from_any_text(
        site in ".{0,20}",
        actor in ".{0,20}",
        file in ".{0,20}",
        url in "(https?://|javascript:)?.{0,20}",
        description in ".{0,40}",
    ) {
        let t = |s: &str| format!("<zz\"zz'zz{s}");
        let k = key("cmd-os-1", "p", "1.0.0");
        let mut s = state(&k, &[(Stage::StagedRollout, datetime!(2026-11-18 09:00 UTC))]);
        s.candidates.push(t(&site));
        s.sites.insert(t(&site), Site {
            answer: Some(Answer { accepted: false, actor: t(&actor), at: NOW }),
            reports: vec![Report { url: format!("{url}{}", t("")), file: t(&file), actor: t(&actor), at: NOW, verdict: Verdict::Issues }],
            ggus: vec![],
        });
        s.release = Some(Release {
            provider: t(&description),
            description: t(&description),
            release_notes_url: Some(url.clone()),
            ..Release::default()
        });
        let mut i = issue(1, &s, &[], true);
        i.url = url;
        let rows = rows(&[i], &[], &config(), NOW);
        let html = page(&rows, &t(&site), NOW);
        for raw in ["<zz", "\"zz", "'zz", "href=\"javascript"] {
            proptest::prop_assert!(!html.contains(raw), "{} in {}", raw, html);
        }
    }
}
