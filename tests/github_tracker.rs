//! The GitHub tracker against a fake GitHub served over real HTTP: the
//! requests it makes (paths, headers, pagination) and how it handles
//! GitHub's failures (rate limits, server errors, refused credentials).

mod support;

use std::path::Path;

use support::fake_github::FakeGitHub;
use support::forge::github::{OWNER, REPO, TOKEN, config, fake, tracker};
use support::forge::{epoch, forge_error, s, summary};
use umd_release::policy::tracker_config::TrackerConfig;
use umd_release::tracker::github::{Auth, GitHubConfig, GitHubTracker, Secret};
use umd_release::tracker::roles::roles_of;
use umd_release::tracker::{EventKind, Label, Tracker, TrackerError};

fn issues_path() -> String {
    format!("/repos/{OWNER}/{REPO}/issues")
}

#[test]
fn create_and_list_follow_pagination() {
    let fake = fake();
    let t = tracker(&fake);
    assert_eq!(t.describe(), format!("github:{OWNER}/{REPO}"));
    for n in 1..=130 {
        let labels: &[&str] = if n % 3 == 0 {
            &["state:unverified"]
        } else {
            &[]
        };
        fake.create_issue_direct(OWNER, REPO, &format!("issue {n}"), "b", labels, "alice");
    }
    // A small page cap forces several pages of the 100 we ask for.
    fake.set_page_size_cap(30);
    fake.clear_log();

    let all = t.list_issues(None, false).unwrap();
    let numbers: Vec<u64> = all.iter().map(|i| i.number).collect();
    assert_eq!(numbers, (1..=130).collect::<Vec<_>>());
    assert_eq!(all[0].title, "issue 1");
    assert_eq!(all[0].author, "alice");
    assert!(all[0].url.ends_with(&format!("/{OWNER}/{REPO}/issues/1")));
    let log = fake.requests();
    assert_eq!(log.len(), 5, "{:#?}", summary(&log));
    assert!(
        log.iter()
            .all(|r| r.path == issues_path() && r.status == 200)
    );
    assert!(log[0].query.contains("per_page=100") && log[0].query.contains("state=all"));

    fake.clear_log();
    let labelled = t.list_issues(Some("state:unverified"), true).unwrap();
    assert_eq!(labelled.len(), 43);
    assert!(labelled.iter().all(|i| i.number % 3 == 0 && i.open));
    let log = fake.requests();
    assert_eq!(log.len(), 2);
    assert!(
        log[0].query.contains("labels=state%3Aunverified") && log[0].query.contains("state=open"),
        "{}",
        log[0].query
    );

    // Created through the API: labels in the same request, read back.
    let created = t
        .create_issue(
            "ignored",
            "New",
            "body text",
            &s(&["umd-submission", "state:unverified"]),
        )
        .unwrap();
    assert_eq!(created.number, 131);
    assert_eq!(created.labels, ["umd-submission", "state:unverified"]);
    assert!(created.open);
    assert_eq!(t.get_issue(131).unwrap(), created);
    let posts: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1, "labels travel with the create");
    assert!(matches!(
        t.get_issue(999),
        Err(TrackerError::NotFound { what }) if what.contains("#999")
    ));
    assert!(matches!(
        t.create_issue("a", " ", "", &[]),
        Err(TrackerError::Invalid { .. })
    ));
}

#[test]
fn labels_add_remove_and_events() {
    let fake = fake();
    let t = tracker(&fake);
    let i = t.create_issue("a", "T", "", &s(&["one"])).unwrap();
    assert_eq!(
        t.add_labels("a", i.number, &s(&["two", "one", "two"]))
            .unwrap(),
        ["one", "two"]
    );
    assert_eq!(t.remove_label("a", i.number, "one").unwrap(), ["two"]);
    let err = t.remove_label("a", i.number, "one").unwrap_err();
    assert!(
        matches!(&err, TrackerError::NotFound { what } if what.contains("`one`")),
        "{err}"
    );
    assert!(matches!(
        t.add_labels("a", 77, &s(&["x"])),
        Err(TrackerError::NotFound { .. })
    ));
    let closed = t
        .update_issue("a", i.number, None, None, Some(false))
        .unwrap();
    assert!(!closed.open);
    let reopened = t
        .update_issue("a", i.number, Some("T2"), Some("new body"), Some(true))
        .unwrap();
    assert!(reopened.open);
    assert_eq!(
        (reopened.title.as_str(), reopened.body.as_str()),
        ("T2", "new body")
    );

    // Nothing to change: a plain read, no PATCH.
    fake.clear_log();
    assert_eq!(
        t.update_issue("a", i.number, None, None, None).unwrap(),
        reopened
    );
    assert_eq!(summary(&fake.requests())[0].0, "GET");

    let events = t.list_events(i.number).unwrap();
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Opened,
            EventKind::Labeled {
                label: "one".into()
            },
            EventKind::Labeled {
                label: "two".into()
            },
            EventKind::Unlabeled {
                label: "one".into()
            },
            EventKind::Closed,
            EventKind::Reopened,
        ]
    );
    assert_eq!(events[0].at, i.created_at);
    assert!(
        events
            .iter()
            .all(|e| e.actor == i.author && e.issue == i.number)
    );
}

#[test]
fn comments_paginate_and_update() {
    let fake = fake();
    let t = tracker(&fake);
    let a = t.create_issue("a", "A", "", &[]).unwrap();
    let b = t.create_issue("a", "B", "", &[]).unwrap();
    let mut made = Vec::new();
    for n in 0..5 {
        made.push(t.create_comment("a", a.number, &format!("c{n}")).unwrap());
    }
    let other = t.create_comment("a", b.number, "other").unwrap();
    assert_eq!(other.issue, b.number);
    fake.set_page_size_cap(2);
    assert_eq!(t.list_comments(a.number).unwrap(), made);

    let edited = t
        .update_comment("a", b.number, other.id, "changed")
        .unwrap();
    assert_eq!(edited.issue, b.number, "issue number parsed from issue_url");
    assert_eq!(edited.body, "changed");
    assert_eq!(edited.author, other.author);
    assert_eq!(t.list_comments(b.number).unwrap(), [edited]);
    assert!(matches!(
        t.update_comment("a", b.number, 424242, "x"),
        Err(TrackerError::NotFound { what }) if what.contains("comment 424242")
    ));
    assert!(matches!(
        t.create_comment("a", 99, "x"),
        Err(TrackerError::NotFound { .. })
    ));
}

#[test]
fn ensure_label_is_idempotent() {
    let fake = fake();
    let t = tracker(&fake);
    let mut l = Label {
        name: "state:unverified".into(),
        color: "0E8A16".into(),
        description: "Waiting for verification".into(),
    };
    assert!(t.ensure_label(&l).unwrap());
    fake.clear_log();
    assert!(!t.ensure_label(&l).unwrap());
    let log = fake.requests();
    assert_eq!(
        summary(&log),
        [(
            "GET".into(),
            format!("/repos/{OWNER}/{REPO}/labels/state%3Aunverified"),
            200
        )]
    );
    l.description = "changed".into();
    assert!(t.ensure_label(&l).unwrap());
    assert!(!t.ensure_label(&l).unwrap());
    let labels = t.list_labels().unwrap();
    assert_eq!(
        labels,
        [Label {
            color: "0e8a16".into(),
            ..l.clone()
        }]
    );
    l.color = "#0e8a16".into();
    assert!(matches!(
        t.ensure_label(&l),
        Err(TrackerError::Invalid { .. })
    ));
}

#[test]
fn search_finds_issues_that_lost_their_labels() {
    let fake = fake();
    let t = tracker(&fake);
    let marker = "<!-- umd-submission: cmd-os-1/foo/1.2.3 -->";
    let lost = t
        .create_issue("a", "Foo 1.2.3", &format!("Submission\n{marker}\n"), &[])
        .unwrap();
    t.create_issue(
        "a",
        "Other",
        "<!-- umd-submission: cmd-os-1/foo/1.2.4 -->",
        &[],
    )
    .unwrap();
    t.update_issue("a", lost.number, None, None, Some(false))
        .unwrap();
    let found = t.search_issues(marker).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].number, lost.number);
    assert!(!found[0].open, "closed issues are found too");
    let search = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/search/issues")
        .unwrap();
    assert!(search.query.contains("is%3Aissue"), "{}", search.query);
    assert!(t.search_issues("nowhere to be found").unwrap().is_empty());
}

#[test]
fn every_request_carries_api_version_and_token() {
    let fake = fake();
    let t = tracker(&fake);
    let i = t.create_issue("a", "T", "x", &s(&["l"])).unwrap();
    t.add_labels("a", i.number, &s(&["m"])).unwrap();
    t.remove_label("a", i.number, "m").unwrap();
    let c = t.create_comment("a", i.number, "c").unwrap();
    t.update_comment("a", i.number, c.id, "d").unwrap();
    t.list_comments(i.number).unwrap();
    t.list_events(i.number).unwrap();
    t.list_labels().unwrap();
    t.search_issues("x").unwrap();
    let _ = t.get_issue(12345);
    let log = fake.requests();
    assert!(log.len() >= 10);
    for r in &log {
        assert_eq!(r.api_version.as_deref(), Some("2022-11-28"), "{r:?}");
        assert_eq!(
            r.authorization.as_deref(),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
    assert_eq!(t.requests_made(), log.len() as u64);
}

#[test]
fn refused_token_is_explained_and_never_shown() {
    let fake = fake();
    let wrong = "ghp_wrongTokenThatMustNeverBePrinted0002";
    let t = GitHubTracker::new(config(&fake, wrong, 30)).unwrap();
    let err = t.list_issues(None, false).unwrap_err();
    forge_error(&err, 401);
    let msg = err.to_string();
    assert!(msg.contains("token was refused (401)") && msg.contains("UMD_RELEASE_TOKEN"));

    // No error, whatever its cause, shows a token.
    let good = tracker(&fake);
    fake.fail_next("GET", 1, 403, &[]);
    let mut errors = vec![
        err,
        good.get_issue(5).unwrap_err(),
        good.ensure_label(&Label {
            name: "x".into(),
            color: "zzzzzz".into(),
            description: String::new(),
        })
        .unwrap_err(),
        good.create_comment("a", 1, "").unwrap_err(),
    ];
    let closed = {
        let gone = FakeGitHub::start();
        gone.url()
    };
    let unreachable = GitHubTracker::new(GitHubConfig {
        api_url: closed,
        ..config(&fake, TOKEN, 30)
    })
    .unwrap();
    let net = unreachable.list_labels().unwrap_err();
    assert!(
        matches!(&net, TrackerError::Forge { status: None, message } if message.contains("cannot reach GitHub")),
        "{net}"
    );
    errors.push(net);
    for e in &errors {
        for shown in [e.to_string(), format!("{e:?}")] {
            assert!(!shown.contains(TOKEN) && !shown.contains(wrong), "{shown}");
        }
    }
    for shown in [
        format!("{good:?}"),
        format!("{:?}", config(&fake, TOKEN, 1)),
    ] {
        assert!(!shown.contains(TOKEN), "{shown}");
    }
}

#[test]
fn too_many_requests_with_retry_after_is_retried() {
    let fake = fake();
    let t = tracker(&fake);
    fake.fail_next("GET /repos/", 1, 429, &[("retry-after", "1")]);
    assert!(t.list_issues(None, false).unwrap().is_empty());
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200]);
    assert_eq!(t.requests_made(), 2);
}

#[test]
fn exhausted_rate_limit_waits_for_the_reset() {
    let fake = fake();
    let t = tracker(&fake);
    // Resets in a second: we wait for it (plus one), then the bucket is full.
    fake.set_rate_limit(5000, 0, epoch() + 1);
    assert!(t.list_labels().unwrap().is_empty());
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [403, 200]);

    fake.clear_log();
    fake.fail_next(
        "GET /repos/",
        1,
        403,
        &[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", &(epoch() - 30).to_string()),
        ],
    );
    assert!(t.list_labels().unwrap().is_empty());
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [403, 200]);
}

#[test]
fn wait_beyond_max_wait_fails_at_once() {
    let fake = fake();
    let t = GitHubTracker::new(config(&fake, TOKEN, 2)).unwrap();
    fake.fail_next("GET /repos/", 1, 429, &[("retry-after", "3600")]);
    let err = t.list_issues(None, false).unwrap_err();
    let TrackerError::Forge {
        status: Some(429),
        message,
    } = &err
    else {
        panic!("{err}")
    };
    assert!(
        message.contains("wait 3600 s") && message.contains("UMD_RELEASE_MAX_WAIT cap of 2 s"),
        "{message}"
    );
    assert_eq!(fake.requests().len(), 1, "no retry");

    // The whole bucket exhausted for an hour: same answer.
    fake.clear_log();
    fake.set_rate_limit(5000, 0, epoch() + 3600);
    let err = t.get_issue(1).unwrap_err();
    assert!(
        matches!(&err, TrackerError::Forge { status: Some(403), message } if message.contains("rate limit")),
        "{err}"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn server_errors_back_off_then_succeed() {
    let fake = fake();
    let t = tracker(&fake);
    fake.fail_next("GET /repos/", 2, 502, &[]);
    assert!(t.list_issues(None, true).unwrap().is_empty());
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [502, 502, 200]);

    // A create is not retried: GitHub may have created it before failing.
    fake.clear_log();
    fake.fail_next("POST /repos/", 1, 502, &[]);
    let err = t.create_issue("a", "T", "", &[]).unwrap_err();
    forge_error(&err, 502);
    assert_eq!(fake.requests().len(), 1);
    assert!(fake.issues(OWNER, REPO).is_empty());
}

#[test]
fn server_errors_give_up_after_three_retries() {
    let fake = fake();
    // 1 + 2 s fit in the cap, the next 4 s would not.
    let t = GitHubTracker::new(config(&fake, TOKEN, 3)).unwrap();
    fake.fail_next("GET /repos/", 10, 503, &[]);
    let err = t.list_labels().unwrap_err();
    let TrackerError::Forge {
        status: Some(503),
        message,
    } = &err
    else {
        panic!("{err}")
    };
    assert!(
        message.contains("UMD_RELEASE_MAX_WAIT cap of 3 s"),
        "{message}"
    );
    assert_eq!(fake.requests().len(), 3);
}

#[test]
fn forbidden_without_rate_limit_fails_at_once() {
    let fake = fake();
    let t = GitHubTracker::new(config(&fake, TOKEN, 5)).unwrap();
    // A 403 naming no wait: GitHub's message says "secondary rate limit", for
    // which GitHub asks for a minute's pause, beyond this 5 s cap: no retry.
    fake.fail_next("GET /repos/", 1, 403, &[]);
    let err = t.list_labels().unwrap_err();
    forge_error(&err, 403);
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn validation_errors_are_invalid() {
    let fake = fake();
    let t = tracker(&fake);
    let i = t.create_issue("a", "T", "", &[]).unwrap();
    // GitHub refuses an empty comment body with 422.
    let err = t.create_comment("a", i.number, "").unwrap_err();
    let TrackerError::Invalid { message } = &err else {
        panic!("{err}")
    };
    assert!(
        message.contains("422") && message.contains("Validation Failed"),
        "{message}"
    );
}

/// A throwaway App key in GitHub's PKCS#1 PEM, made at test time so that no
/// private key is committed; `None` (test skipped) without `openssl`.
fn app_key() -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("app.pem");
    let made = std::process::Command::new("openssl")
        .args(["genrsa", "-traditional", "-out"])
        .arg(&key)
        .arg("2048")
        .output();
    if !made.is_ok_and(|o| o.status.success()) {
        // CI installs openssl and sets UMD_RELEASE_REQUIRE_TOOLS=1: no skipping there.
        assert!(
            std::env::var("UMD_RELEASE_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "openssl is required (UMD_RELEASE_REQUIRE_TOOLS=1)"
        );
        eprintln!("skipped: openssl cannot make an RSA key");
        return None;
    }
    Some(std::fs::read_to_string(&key).unwrap())
}

/// A GitHub App: octocrab signs a JWT, trades it for an installation token
/// and uses that.
#[test]
fn github_app_installation_token() {
    let Some(pem) = app_key() else { return };
    let fake = fake();
    let t = GitHubTracker::new(GitHubConfig {
        auth: Auth::App {
            app_id: 123,
            private_key_pem: Secret::new(pem),
            installation_id: 456,
        },
        ..config(&fake, TOKEN, 30)
    })
    .unwrap();
    t.create_issue("a", "T", "", &[]).unwrap();
    t.list_issues(None, false).unwrap();
    let minted = fake.installation_tokens();
    assert_eq!(minted.len(), 1, "one token, reused");
    assert_eq!(minted[0].0, 456);
    let log = fake.requests();
    let api: Vec<_> = log
        .iter()
        .filter(|r| r.path.starts_with("/repos/"))
        .collect();
    assert_eq!(api.len(), 2);
    for r in api {
        assert_eq!(
            r.authorization.as_deref(),
            Some(format!("Bearer {}", minted[0].2).as_str())
        );
    }
}

#[test]
fn read_file_from_the_default_branch() {
    let fake = fake();
    let t = tracker(&fake);
    // Long enough for GitHub's 60-column base64 lines, and not ASCII.
    let text = "name: foo\nsummary: Fóö, a product with a long enough description\n".repeat(3);
    fake.set_file(OWNER, REPO, "products/foo bar.yaml", &text);
    assert_eq!(t.read_file("products/foo bar.yaml").unwrap(), Some(text));
    let log = fake.requests();
    assert_eq!(
        log[0].path,
        format!("/repos/{OWNER}/{REPO}/contents/products/foo%20bar.yaml")
    );
    assert_eq!(t.read_file("products/none.yaml").unwrap(), None);
    for bad in ["../x", "/etc/passwd", "a//b", "a/./b", ""] {
        assert!(
            matches!(t.read_file(bad), Err(TrackerError::Invalid { .. })),
            "{bad}"
        );
    }
}

#[test]
fn github_app_with_unknown_installation_is_explained() {
    let Some(pem) = app_key() else { return };
    let fake = fake();
    fake.fail_next("POST /app/installations/", 1, 404, &[]);
    let t = GitHubTracker::new(GitHubConfig {
        auth: Auth::App {
            app_id: 1,
            private_key_pem: Secret::new(pem),
            installation_id: 9,
        },
        ..config(&fake, TOKEN, 30)
    })
    .unwrap();
    let err = t.list_labels().unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            TrackerError::Forge {
                status: Some(404),
                ..
            }
        ) && msg.contains("UMD_RELEASE_APP_INSTALLATION_ID"),
        "{msg}"
    );
    assert!(!msg.contains("PRIVATE KEY"));
}

// ------------------------------------------------------------ role sources

fn tracker_yaml(text: &str) -> TrackerConfig {
    TrackerConfig::parse(Path::new("tracker.yaml"), text).unwrap()
}

/// The paths of the requests logged since the last `clear_log`, then clears it.
fn take_paths(fake: &FakeGitHub) -> Vec<String> {
    let paths = fake.requests().iter().map(|r| r.path.clone()).collect();
    fake.clear_log();
    paths
}

fn membership(team: &str, user: &str) -> String {
    format!("/orgs/egi/teams/{team}/memberships/{user}")
}

fn permission_path(user: &str) -> String {
    format!("/repos/{OWNER}/{REPO}/collaborators/{user}/permission")
}

#[test]
fn team_members_hold_the_role_and_each_team_is_asked_once() {
    let fake = fake();
    fake.add_team_member("EGI", "umd-qc", "carol");
    let t = tracker(&fake);
    let c = tracker_yaml(
        "roles:\n  qc-verifier: ['@EGI/umd-qc', dave]\n  release-manager: ['@egi/umd-qc', '@egi/umd-rm']\n",
    );
    fake.clear_log();

    assert_eq!(
        roles_of(&t, &c, "carol").unwrap(),
        ["qc-verifier", "release-manager"]
    );
    // umd-qc's answer is reused for release-manager: umd-rm is never asked.
    assert_eq!(take_paths(&fake), [membership("umd-qc", "carol")]);

    assert!(roles_of(&t, &c, "mallory").unwrap().is_empty());
    assert_eq!(
        take_paths(&fake),
        [
            membership("umd-qc", "mallory"),
            membership("umd-rm", "mallory")
        ]
    );

    // A listed login needs no request for that role, only for the others.
    assert_eq!(roles_of(&t, &c, "@Dave").unwrap(), ["qc-verifier"]);
    assert_eq!(
        take_paths(&fake),
        [membership("umd-qc", "Dave"), membership("umd-rm", "Dave")]
    );
    let by_login = tracker_yaml("roles:\n  qc-verifier: [dave, '@egi/umd-qc', permission:read]\n");
    assert_eq!(roles_of(&t, &by_login, "dave").unwrap(), ["qc-verifier"]);
    assert!(take_paths(&fake).is_empty());
}

#[test]
fn permission_levels_follow_role_name() {
    let fake = fake();
    for (user, level) in [
        ("wendy", "write"),
        ("mona", "maintain"),
        ("trish", "triage"),
        ("ada", "admin"),
        ("rita", "read"),
    ] {
        fake.set_collaborator_permission(OWNER, REPO, user, level);
    }
    // GitHub folds maintain into `permission: write`: role_name tells them apart.
    let raw = support::fake_github::http(
        "GET",
        &format!("{}{}", fake.url(), permission_path("wendy")),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
        "",
    )
    .json();
    assert_eq!(
        (&raw["permission"], &raw["role_name"]),
        (&"write".into(), &"write".into())
    );
    let t = tracker(&fake);
    let c = tracker_yaml(
        "roles:\n  triagers: [permission:triage]\n  writers: ['permission:write']\n  maintainers: [permission:maintain]\n",
    );
    fake.clear_log();
    for (user, want) in [
        ("wendy", &["triagers", "writers"][..]),
        ("mona", &["maintainers", "triagers", "writers"]),
        ("trish", &["triagers"]),
        ("ada", &["maintainers", "triagers", "writers"]),
        ("rita", &[]),
    ] {
        assert_eq!(roles_of(&t, &c, user).unwrap(), want, "{user}");
        // One permission request answers all three roles.
        assert_eq!(take_paths(&fake), [permission_path(user)], "{user}");
    }
    assert_eq!(
        t.permission("mona").unwrap(),
        Some(umd_release::policy::tracker_config::PermissionLevel::Maintain)
    );
}

#[test]
fn non_collaborators_hold_no_permission_role() {
    let fake = fake();
    let t = tracker(&fake);
    let c = tracker_yaml(
        "roles:\n  qc: ['@egi/umd-qc', 'permission:read']\n  rm: [permission:write]\n",
    );
    fake.clear_log();
    // GitHub's 404 for a non-collaborator: no permission, not an error.
    fake.fail_next("/collaborators/", 1, 404, &[]);
    assert!(roles_of(&t, &c, "eve").unwrap().is_empty());
    // The permission first (it answers both roles), then the team, once each.
    assert_eq!(
        take_paths(&fake),
        [permission_path("eve"), membership("umd-qc", "eve")]
    );
    // The fake's other answer for a stranger: 200 with `none`.
    assert_eq!(t.permission("eve").unwrap(), None);
    assert!(!t.team_member("egi", "umd-qc", "eve").unwrap());
}

#[test]
fn role_requests_are_retried_and_failures_are_errors() {
    let fake = fake();
    fake.set_collaborator_permission(OWNER, REPO, "wendy", "write");
    let t = tracker(&fake);
    let c = tracker_yaml("roles:\n  writers: [permission:write]\n  qc: ['@egi/umd-qc']\n");
    fake.clear_log();
    // Through the tracker's one send function: rate limits are waited out.
    fake.fail_next("/collaborators/", 1, 429, &[("retry-after", "0")]);
    fake.fail_next("/memberships/", 1, 429, &[("retry-after", "0")]);
    assert_eq!(roles_of(&t, &c, "wendy").unwrap(), ["writers"]);
    let log = fake.requests();
    assert_eq!(
        summary(&log)
            .into_iter()
            .map(|(_, path, status)| (path, status))
            .collect::<Vec<_>>(),
        [
            (membership("umd-qc", "wendy"), 429),
            (membership("umd-qc", "wendy"), 404),
            (permission_path("wendy"), 429),
            (permission_path("wendy"), 200),
        ]
    );
    // A refused token is an error, never "no role".
    fake.fail_next("/memberships/", 1, 401, &[]);
    let err = roles_of(&t, &c, "wendy").unwrap_err();
    forge_error(&err, 401);
}
