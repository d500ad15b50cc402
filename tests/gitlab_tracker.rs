//! The GitLab tracker against a fake GitLab served over real HTTP: the
//! requests it makes (paths, headers, pagination), the translation of scoped
//! labels and colours, and how it handles GitLab's failures (rate limits,
//! server errors, refused tokens, malformed answers).

mod support;

use std::time::{Duration, Instant};

use support::fake_gitlab::{self, FakeGitLab};
use support::forge::gitlab::{PROJECT, PROJECT_ID, TOKEN, config, fake, tracker};
use support::forge::{epoch, forge_error, s, summary};
use support::{demo_dir, demo_repo, run, umd};
use umd_release::policy::tracker_config::PermissionLevel;
use umd_release::tracker::gitlab::{GitLabConfig, GitLabTracker};
use umd_release::tracker::{EventKind, Label, Tracker, TrackerError};

fn api(rest: &str) -> String {
    format!("/api/v4/projects/{PROJECT_ID}{rest}")
}

/// The names of the labels of the fake's issue `iid`, as GitLab holds them.
fn gitlab_labels(fake: &FakeGitLab, iid: u64) -> Vec<String> {
    let issue = fake
        .issues(PROJECT)
        .into_iter()
        .find(|i| i["iid"] == iid)
        .expect("the issue");
    issue["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn issues_round_trip_with_iids_and_null_descriptions() {
    let fake = fake();
    let t = tracker(&fake);
    assert_eq!(t.describe(), "gitlab:egi/umd-tracker");
    // Another project's issues do not shift this project's numbers (iid, not id).
    fake.add_project("egi/other");
    fake.create_issue_direct("egi/other", "elsewhere", None, &[], "alice");
    let direct = fake.create_issue_direct(PROJECT, "no body", None, &[], "alice");
    assert_eq!(direct, 1);
    let read = t.get_issue(1).unwrap();
    assert_eq!(
        (read.number, read.body.as_str(), read.author.as_str()),
        (1, "", "alice")
    );
    assert!(read.open);
    assert!(
        read.url.ends_with("/egi/umd-tracker/-/issues/1"),
        "{}",
        read.url
    );

    let created = t
        .create_issue("ignored", "New", "body text", &s(&["umd-submission"]))
        .unwrap();
    assert_eq!(created.number, 2);
    assert_eq!(created.labels, ["umd-submission"]);
    assert_eq!(created.author, fake_gitlab::DEFAULT_USERNAME);
    assert_eq!(t.get_issue(2).unwrap(), created);
    let posts: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1, "labels travel with the create");
    assert_eq!(posts[0].path, api("/issues"));
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.private_token.as_deref() == Some(TOKEN))
    );

    let closed = t.update_issue("a", 2, None, None, Some(false)).unwrap();
    assert!(!closed.open);
    assert!(
        fake.requests()
            .last()
            .unwrap()
            .body
            .contains(r#""state_event":"close""#)
    );
    let reopened = t
        .update_issue("a", 2, Some("T2"), Some("new body"), Some(true))
        .unwrap();
    assert!(reopened.open);
    assert_eq!(
        (reopened.title.as_str(), reopened.body.as_str()),
        ("T2", "new body")
    );
    // Unchanged values change nothing, not even updated_at.
    let again = t
        .update_issue("a", 2, Some("T2"), Some("new body"), Some(true))
        .unwrap();
    assert_eq!(again, reopened);
    // Nothing to change: a plain read, no PUT.
    fake.clear_log();
    assert_eq!(t.update_issue("a", 2, None, None, None).unwrap(), reopened);
    assert_eq!(summary(&fake.requests())[0].0, "GET");

    let all = t.list_issues(None, false).unwrap();
    assert_eq!(all.iter().map(|i| i.number).collect::<Vec<_>>(), [1, 2]);
    t.update_issue("a", 1, None, None, Some(false)).unwrap();
    let open = t.list_issues(None, true).unwrap();
    assert_eq!(open.iter().map(|i| i.number).collect::<Vec<_>>(), [2]);
    assert!(
        fake.requests()
            .last()
            .unwrap()
            .query
            .contains("state=opened")
    );

    let found = t.search_issues("new body").unwrap();
    assert_eq!(found.iter().map(|i| i.number).collect::<Vec<_>>(), [2]);
    let q = fake.requests().last().unwrap().query.clone();
    assert!(
        q.contains("search=new%20body") && q.contains("in=description"),
        "{q}"
    );
    assert!(
        t.search_issues("body new").unwrap().is_empty(),
        "exact text only"
    );

    assert!(matches!(
        t.get_issue(999),
        Err(TrackerError::NotFound { what }) if what.contains("#999") && what.contains(PROJECT)
    ));
    assert!(matches!(
        t.create_issue("a", " ", "", &[]),
        Err(TrackerError::Invalid { .. })
    ));
    assert!(matches!(
        t.create_issue("a", "x", "", &s(&["a,b"])),
        Err(TrackerError::Invalid { .. })
    ));
}

#[test]
fn scoped_labels_are_translated_both_ways() {
    let fake = fake();
    let t = tracker(&fake);
    let core = s(&[
        "state:unverified",
        "dist:cmd-os-1",
        "product:site-info-publisher",
        "umd-submission",
    ]);
    let i = t.create_issue("a", "T", "b", &core).unwrap();
    assert_eq!(i.labels, core, "the core sees its own names");
    assert_eq!(
        gitlab_labels(&fake, i.number),
        [
            "state::unverified",
            "dist::cmd-os-1",
            "product::site-info-publisher",
            "umd-submission"
        ],
        "GitLab holds scoped labels"
    );

    fake.clear_log();
    let listed = t.list_issues(Some("state:unverified"), true).unwrap();
    assert_eq!(listed.len(), 1);
    let q = &fake.requests()[0].query;
    assert!(q.contains("labels=state%3A%3Aunverified"), "{q}");

    // The free tier does not make a scope exclusive: the core removes the old state itself.
    let after = t
        .add_labels("a", i.number, &s(&["state:verification"]))
        .unwrap();
    assert!(
        after.contains(&"state:unverified".to_string())
            && after.contains(&"state:verification".to_string())
    );
    assert!(gitlab_labels(&fake, i.number).contains(&"state::verification".to_string()));
    let put = fake.requests().last().unwrap().clone();
    assert_eq!(
        (put.method.as_str(), put.path.as_str()),
        ("PUT", api("/issues/1").as_str())
    );
    assert!(
        put.body.contains(r#""add_labels":"state::verification""#),
        "{}",
        put.body
    );

    let after = t.remove_label("a", i.number, "state:unverified").unwrap();
    assert!(!after.contains(&"state:unverified".to_string()));
    assert!(!gitlab_labels(&fake, i.number).contains(&"state::unverified".to_string()));
    let err = t
        .remove_label("a", i.number, "state:unverified")
        .unwrap_err();
    assert!(
        matches!(&err, TrackerError::NotFound { what } if what.contains("`state:unverified`")),
        "{err}"
    );
    assert!(matches!(
        t.add_labels("a", 77, &s(&["x"])),
        Err(TrackerError::NotFound { .. })
    ));

    let names: Vec<String> = t
        .list_labels()
        .unwrap()
        .into_iter()
        .map(|l| l.name)
        .collect();
    for want in [
        "state:unverified",
        "state:verification",
        "dist:cmd-os-1",
        "umd-submission",
    ] {
        assert!(names.contains(&want.to_string()), "{want} in {names:?}");
    }
    assert!(names.iter().all(|n| !n.contains("::")), "{names:?}");
}

#[test]
fn comments_skip_system_notes_and_edits_find_their_issue() {
    let fake = fake();
    let t = tracker(&fake);
    let i = t
        .create_issue("a", "T", "body", &s(&["state:unverified"]))
        .unwrap();
    let first = t.create_comment("a", i.number, "first").unwrap();
    // Each of these makes a system note on GitLab.
    t.update_issue("a", i.number, Some("T2"), Some("body 2"), None)
        .unwrap();
    t.add_labels("a", i.number, &s(&["dist:cmd-os-1"])).unwrap();
    let second = t.create_comment("a", i.number, "second").unwrap();
    let notes = fake.notes(PROJECT, i.number);
    assert!(
        notes.iter().filter(|n| n["system"] == true).count() >= 3,
        "{notes:#?}"
    );

    let comments = t.list_comments(i.number).unwrap();
    let bodies: Vec<&str> = comments.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(
        bodies,
        ["first", "second"],
        "system notes are skipped, oldest first"
    );
    assert_eq!(comments[0], first);
    assert_eq!(comments[1].issue, i.number);
    assert_eq!(comments[1].author, fake_gitlab::DEFAULT_USERNAME);
    assert!(fake.requests().last().unwrap().query.contains("sort=asc"));

    // An edit goes straight to the note of the issue the caller names.
    fake.clear_log();
    let edited = t
        .update_comment("a", i.number, second.id, "second, edited")
        .unwrap();
    assert_eq!((edited.id, edited.issue), (second.id, i.number));
    assert_eq!(edited.body, "second, edited");
    assert_eq!(
        summary(&fake.requests()),
        [(
            "PUT".into(),
            api(&format!("/issues/{}/notes/{}", i.number, second.id)),
            200
        )]
    );
    // A fresh run (which has seen nothing) edits it the same way.
    let later = tracker(&fake);
    let edited = later
        .update_comment("a", i.number, first.id, "first, edited")
        .unwrap();
    assert_eq!(edited.body, "first, edited");
    // A note that is not on that issue is NotFound, which the core answers
    // with a new comment.
    let other = later.create_issue("a", "Other", "", &[]).unwrap();
    assert!(matches!(
        later.update_comment("a", other.number, first.id, "x"),
        Err(TrackerError::NotFound { .. })
    ));
    // A system note is GitLab's, not ours to edit.
    let system = notes.iter().find(|n| n["system"] == true).unwrap()["id"]
        .as_u64()
        .unwrap();
    assert!(matches!(
        t.update_comment("a", i.number, system, "x"),
        Err(TrackerError::Forge {
            status: Some(403),
            ..
        })
    ));
    // A comment of quick actions only is run by GitLab, not kept: said so.
    let err = t.create_comment("a", i.number, "/close").unwrap_err();
    assert!(err.to_string().contains("quick actions"), "{err}");
}

#[test]
fn pagination_follows_x_next_page_over_250_issues() {
    let fake = fake();
    let t = tracker(&fake);
    for n in 1..=250 {
        let labels: &[&str] = if n % 5 == 0 {
            &["state::unverified"]
        } else {
            &[]
        };
        fake.create_issue_direct(PROJECT, &format!("issue {n}"), Some("b"), labels, "alice");
    }
    // A small page cap forces several pages of the 100 we ask for.
    fake.set_page_size_cap(30);
    fake.clear_log();
    let all = t.list_issues(None, false).unwrap();
    assert_eq!(
        all.iter().map(|i| i.number).collect::<Vec<_>>(),
        (1..=250).collect::<Vec<_>>()
    );
    assert_eq!(all[0].title, "issue 1");
    let log = fake.requests();
    assert_eq!(log.len(), 9, "{:#?}", summary(&log));
    assert!(
        log.iter()
            .all(|r| r.path == api("/issues") && r.status == 200)
    );
    assert!(log[0].query.contains("per_page=100") && log[0].query.contains("state=all"));
    assert!(log[0].query.contains("order_by=created_at") && log[0].query.contains("sort=asc"));
    for (n, r) in log.iter().enumerate().skip(1) {
        assert!(r.query.ends_with(&format!("page={}", n + 1)), "{}", r.query);
    }

    fake.clear_log();
    let labelled = t.list_issues(Some("state:unverified"), false).unwrap();
    assert_eq!(labelled.len(), 50);
    assert!(labelled.iter().all(|i| i.number % 5 == 0));
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn rate_limits_are_waited_out_up_to_the_cap() {
    let fake = fake();
    let t = tracker(&fake);
    let i = t.create_issue("a", "T", "", &[]).unwrap();

    fake.fail_next(&api("/issues/1"), 1, 429, &[("retry-after", "1")]);
    fake.clear_log();
    let started = Instant::now();
    assert_eq!(t.get_issue(i.number).unwrap().number, 1);
    assert!(started.elapsed() >= Duration::from_secs(1));
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200]);

    // The bucket runs dry: 429 until its reset, named by Retry-After.
    fake.set_rate_limit(100, 0, epoch() + 1);
    fake.clear_log();
    assert_eq!(t.list_issues(None, false).unwrap().len(), 1);
    let log = fake.requests();
    assert_eq!(log.first().map(|r| r.status), Some(429));
    assert_eq!(log.last().map(|r| r.status), Some(200));

    // A wait past UMD_RELEASE_MAX_WAIT is not waited: a clear error instead.
    let impatient = GitLabTracker::new(config(&fake, TOKEN, 2)).unwrap();
    fake.fail_next(&api("/issues/1"), 1, 429, &[("retry-after", "600")]);
    let started = Instant::now();
    let err = impatient.get_issue(1).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    forge_error(&err, 429);
    assert!(err.to_string().contains("UMD_RELEASE_MAX_WAIT"), "{err}");
    // Without Retry-After, RateLimit-Reset says how long.
    fake.fail_next(
        &api("/issues/1"),
        1,
        429,
        &[("ratelimit-reset", &(epoch() + 1).to_string())],
    );
    assert_eq!(impatient.get_issue(1).unwrap().number, 1);
}

#[test]
fn server_errors_are_retried_except_for_creates() {
    let fake = fake();
    let t = tracker(&fake);
    t.create_issue("a", "T", "", &[]).unwrap();
    fake.fail_next(&api("/issues/1"), 2, 502, &[]);
    fake.clear_log();
    assert_eq!(t.get_issue(1).unwrap().number, 1);
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [502, 502, 200]);

    // Retrying a create could create twice: it fails at once.
    fake.fail_next(&format!("POST {}", api("/issues")), 1, 500, &[]);
    fake.clear_log();
    let err = t.create_issue("a", "T", "", &[]).unwrap_err();
    forge_error(&err, 500);
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(fake.issues(PROJECT).len(), 1);

    // A server that keeps failing: given up after three retries, with the reason.
    fake.fail_next(&api("/issues/1"), 10, 503, &[]);
    fake.clear_log();
    let err = t.get_issue(1).unwrap_err();
    assert!(err.to_string().contains("failed 4 times"), "{err}");
    assert_eq!(fake.requests().len(), 4);
}

#[test]
fn refused_token_says_what_to_do_and_is_never_printed() {
    let fake = fake();
    let wrong = "glpat-WRONGwrongWRONG0123456789";
    let t = GitLabTracker::new(config(&fake, wrong, 30)).unwrap();
    let err = t.list_issues(None, false).unwrap_err();
    forge_error(&err, 401);
    let msg = err.to_string();
    assert!(
        msg.contains("UMD_RELEASE_TOKEN") && msg.contains("`api` scope"),
        "{msg}"
    );
    let shown = [
        msg,
        format!("{err:?}"),
        format!("{t:?}"),
        format!("{:?}", config(&fake, wrong, 30)),
    ];
    for s in &shown {
        assert!(!s.contains(wrong), "the token leaked: {s}");
    }
    assert!(format!("{:?}", config(&fake, wrong, 30)).contains("***"));
    assert_eq!(fake.requests()[0].private_token.as_deref(), Some(wrong));

    // 403 and 404 say what the token lacks.
    let t = tracker(&fake);
    fake.fail_next(&api("/issues"), 1, 403, &[]);
    let err = t.list_issues(None, false).unwrap_err();
    assert!(err.to_string().contains("Reporter"), "{err}");
    let elsewhere = GitLabTracker::new(GitLabConfig {
        project: "egi/missing".into(),
        ..config(&fake, TOKEN, 30)
    })
    .unwrap();
    let err = elsewhere.list_issues(None, false).unwrap_err();
    assert!(
        matches!(&err, TrackerError::NotFound { what } if what.contains("egi/missing") && what.contains("cannot see")),
        "{err}"
    );
}

#[test]
fn only_a_ci_job_token_is_refused_with_advice() {
    let r = run(umd(&["status", "--tracker", "gitlab:egi/umd-tracker"])
        .env_remove("GITLAB_TOKEN")
        .env("CI_JOB_TOKEN", "job-token-secret-value"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("CI_JOB_TOKEN cannot read or write issues and labels"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("`api` scope") && r.stderr.contains("UMD_RELEASE_TOKEN"));
    assert!(!r.stderr.contains("job-token-secret-value"));
    let r = run(&mut umd(&["status", "--tracker", "gitlab:nope"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("GROUP/PROJECT"), "{}", r.stderr);
}

#[test]
fn read_file_found_missing_and_bad_paths() {
    let fake = fake();
    let t = tracker(&fake);
    fake.set_file(PROJECT, "products/site-info-publisher.yaml", "name: x\n");
    fake.clear_log();
    assert_eq!(
        t.read_file("products/site-info-publisher.yaml")
            .unwrap()
            .as_deref(),
        Some("name: x\n")
    );
    let r = &fake.requests()[0];
    assert_eq!(
        r.path,
        api("/repository/files/products%2Fsite-info-publisher.yaml/raw")
    );
    assert_eq!(r.query, "ref=HEAD");
    assert_eq!(t.read_file("products/none.yaml").unwrap(), None);
    fake.clear_log();
    for bad in ["../secrets", "/etc/passwd", "products//x", "./x"] {
        assert!(
            matches!(t.read_file(bad), Err(TrackerError::Invalid { .. })),
            "{bad}"
        );
    }
    assert!(
        fake.requests().is_empty(),
        "bad paths are refused before asking"
    );
    // A project the token cannot see is an error, not "no such file".
    let elsewhere = GitLabTracker::new(GitLabConfig {
        project: "egi/missing".into(),
        ..config(&fake, TOKEN, 30)
    })
    .unwrap();
    assert!(matches!(
        elsewhere.read_file("products/x.yaml"),
        Err(TrackerError::NotFound { .. })
    ));
}

#[test]
fn events_come_from_resource_label_and_state_events() {
    let fake = fake();
    let t = tracker(&fake);
    let i = t
        .create_issue("a", "T", "", &s(&["state:unverified"]))
        .unwrap();
    t.add_labels("a", i.number, &s(&["state:verification"]))
        .unwrap();
    t.remove_label("a", i.number, "state:unverified").unwrap();
    t.update_issue("a", i.number, None, None, Some(false))
        .unwrap();
    t.update_issue("a", i.number, None, None, Some(true))
        .unwrap();
    assert_eq!(fake.label_events(PROJECT, i.number).len(), 3);
    assert_eq!(
        fake.label_events(PROJECT, i.number)[0]["label"]["name"],
        "state::unverified"
    );
    let events = t.list_events(i.number).unwrap();
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Opened,
            EventKind::Labeled {
                label: "state:unverified".into()
            },
            EventKind::Labeled {
                label: "state:verification".into()
            },
            EventKind::Unlabeled {
                label: "state:unverified".into()
            },
            EventKind::Closed,
            EventKind::Reopened,
        ]
    );
    assert_eq!(events[0].at, i.created_at);
    assert!(
        events
            .iter()
            .all(|e| e.actor == fake_gitlab::DEFAULT_USERNAME && e.issue == i.number)
    );
    let paths: Vec<String> = fake
        .requests()
        .iter()
        .rev()
        .take(2)
        .map(|r| r.path.clone())
        .collect();
    assert!(
        paths.contains(&api("/issues/1/resource_label_events")),
        "{paths:?}"
    );
    assert!(
        paths.contains(&api("/issues/1/resource_state_events")),
        "{paths:?}"
    );
}

#[test]
fn team_member_and_permission_levels() {
    let fake = fake();
    let t = tracker(&fake);
    fake.add_group("egi/qc");
    fake.add_group_member("egi/qc", "alice", fake_gitlab::DEVELOPER);
    // Members of a parent group are members of its subgroups and projects.
    fake.add_group_member("egi", "olga", fake_gitlab::OWNER);
    fake.add_user("bob");
    fake.add_group_member("egi/qc", "mallory", fake_gitlab::DEVELOPER);
    fake.set_user_state("mallory", "blocked");

    fake.clear_log();
    assert!(t.team_member("egi", "qc", "alice").unwrap());
    let log = fake.requests();
    assert_eq!(
        summary(&log),
        [
            ("GET".into(), "/api/v4/users".into(), 200),
            (
                "GET".into(),
                format!(
                    "/api/v4/groups/egi%2Fqc/members/all/{}",
                    fake.user_id("alice")
                ),
                200
            ),
        ]
    );
    assert_eq!(log[0].query, "username=alice");
    assert!(t.team_member("egi", "qc", "Olga").unwrap());
    assert!(!t.team_member("egi", "qc", "bob").unwrap());
    assert!(!t.team_member("egi", "qc", "nobody-at-all").unwrap());
    assert!(!t.team_member("egi", "qc", "mallory").unwrap(), "blocked");
    assert!(!t.team_member("egi", "", "alice").unwrap());
    let err = t.team_member("egi", "missing", "alice").unwrap_err();
    assert!(
        matches!(&err, TrackerError::NotFound { what } if what.contains("egi/missing") && what.contains("group access token")),
        "{err}"
    );

    use PermissionLevel::*;
    for (user, level, want) in [
        ("g", fake_gitlab::GUEST, Some(Read)),
        ("p", fake_gitlab::PLANNER, Some(Read)),
        ("r", fake_gitlab::REPORTER, Some(Triage)),
        ("d", fake_gitlab::DEVELOPER, Some(Write)),
        ("m", fake_gitlab::MAINTAINER, Some(Maintain)),
        ("o", fake_gitlab::OWNER, Some(Admin)),
        ("minimal", 5, None),
    ] {
        fake.add_project_member(PROJECT, user, level);
        assert_eq!(t.permission(user).unwrap(), want, "{user}");
    }
    assert_eq!(t.permission("olga").unwrap(), Some(Admin), "inherited");
    assert_eq!(t.permission("bob").unwrap(), None);
    assert_eq!(t.permission("nobody-at-all").unwrap(), None);
    assert_eq!(t.permission("").unwrap(), None);
    // Each user is looked up once per process.
    fake.clear_log();
    t.permission("alice").unwrap();
    assert_eq!(fake.requests().len(), 1);

    // Roles through the trait, as the pipeline asks for them.
    let config = umd_release::policy::tracker_config::TrackerConfig::parse(
        std::path::Path::new("tracker.yaml"),
        "roles:\n  qc-verifier: ['@egi/qc']\n  release-manager: [permission:maintain]\n",
    )
    .unwrap();
    let roles = umd_release::tracker::roles::roles_of(&t, &config, "olga").unwrap();
    assert_eq!(roles, ["qc-verifier", "release-manager"]);
    let roles = umd_release::tracker::roles::roles_of(&t, &config, "alice").unwrap();
    assert_eq!(roles, ["qc-verifier"]);
}

#[test]
fn ensure_label_creates_updates_and_leaves_alone() {
    let fake = fake();
    let t = tracker(&fake);
    let label = Label {
        name: "state:unverified".into(),
        color: "FBCA04".into(),
        description: "Waiting for a QC verifier".into(),
    };
    assert!(t.ensure_label(&label).unwrap(), "created");
    let held = fake.labels(PROJECT);
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["name"], "state::unverified");
    assert_eq!(held[0]["color"], "#fbca04", "GitLab's colours carry `#`");
    assert_eq!(
        t.list_labels().unwrap(),
        [Label {
            color: "fbca04".into(),
            ..label.clone()
        }]
    );

    fake.clear_log();
    assert!(!t.ensure_label(&label).unwrap(), "unchanged");
    let log = fake.requests();
    assert!(
        log.iter().all(|r| r.method == "GET"),
        "{:#?}",
        summary(&log)
    );
    assert!(
        log[0].query.contains("search=state%3A%3Aunverified"),
        "{}",
        log[0].query
    );

    let changed = Label {
        color: "0e8a16".into(),
        description: "new words".into(),
        ..label.clone()
    };
    fake.clear_log();
    assert!(t.ensure_label(&changed).unwrap(), "updated");
    let put = fake.requests().last().unwrap().clone();
    let id = held[0]["id"].as_u64().unwrap();
    assert_eq!(
        (put.method.as_str(), put.path),
        ("PUT", api(&format!("/labels/{id}")))
    );
    assert_eq!(fake.labels(PROJECT)[0]["color"], "#0e8a16");
    assert_eq!(fake.labels(PROJECT)[0]["description"], "new words");
    assert!(!t.ensure_label(&changed).unwrap());

    // A label GitLab made when an issue named it (default colour) is brought in line.
    t.create_issue("a", "T", "", &s(&["dist:cmd-os-1"]))
        .unwrap();
    let dist = Label {
        name: "dist:cmd-os-1".into(),
        color: "5319e7".into(),
        description: String::new(),
    };
    assert!(t.ensure_label(&dist).unwrap());
    assert!(!t.ensure_label(&dist).unwrap());

    for bad in ["#0e8a16", "0e8a1", "zzzzzz"] {
        let l = Label {
            color: bad.into(),
            ..label.clone()
        };
        assert!(
            matches!(t.ensure_label(&l), Err(TrackerError::Invalid { .. })),
            "{bad}"
        );
    }
}

#[test]
fn malformed_answers_are_forge_errors_naming_the_endpoint() {
    let fake = fake();
    let t = tracker(&fake);
    t.create_issue("a", "T", "", &[]).unwrap();
    // A 200 whose body is no issue (nor a list of them).
    fake.fail_next(&api("/issues/1"), 1, 200, &[]);
    let err = t.get_issue(1).unwrap_err();
    assert!(
        matches!(&err, TrackerError::Forge { message, .. } if message.contains(&api("/issues/1").replace("/api/v4", ""))),
        "{err}"
    );
    fake.fail_next(&api("/issues"), 1, 200, &[]);
    assert!(matches!(
        t.list_issues(None, false),
        Err(TrackerError::Forge { .. })
    ));
    fake.fail_next(&api("/issues/1/notes"), 1, 200, &[]);
    assert!(matches!(
        t.list_comments(1),
        Err(TrackerError::Forge { .. })
    ));
    // A server that cannot be reached.
    let gone = GitLabTracker::new(GitLabConfig {
        api_url: "http://127.0.0.1:9/api/v4".into(),
        ..config(&fake, TOKEN, 30)
    })
    .unwrap();
    let err = gone.get_issue(1).unwrap_err();
    assert!(err.to_string().contains("GITLAB_API_URL"), "{err}");
    assert!(matches!(
        GitLabTracker::new(GitLabConfig {
            api_url: "not a url".into(),
            ..config(&fake, TOKEN, 30)
        }),
        Err(TrackerError::Invalid { .. })
    ));
}

/// The submission of the demo product through the binary, against the fake
/// GitLab: the issue exists with scoped labels, and a re-run is `unchanged`.
#[test]
fn submit_end_to_end_through_the_binary() {
    let fake = fake();
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let registry = support::manifest_dir().join("examples/tracker/products");
    let dist = demo_dir().join("dist");
    let submit = || {
        let r = run(umd(&[
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
        ])
        .env("UMD_RELEASE_TRACKER", format!("gitlab:{PROJECT}"))
        .env("GITLAB_API_URL", fake.url())
        .env("UMD_RELEASE_TOKEN", TOKEN)
        .env_remove("GITLAB_TOKEN")
        .env_remove("CI_API_V4_URL")
        .env_remove("CI_JOB_TOKEN"));
        assert!(
            !r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN),
            "the token leaked"
        );
        r
    };
    let r = submit();
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("CMD-OS 1: created #1 [CMD-OS 1] site-info-publisher 1.4.0"),
        "{}",
        r.stdout
    );
    let new = fake.requests();
    let issues = fake.issues(PROJECT);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["title"], "[CMD-OS 1] site-info-publisher 1.4.0");
    let labels = gitlab_labels(&fake, 1);
    for l in [
        "state::unverified",
        "dist::cmd-os-1",
        "product::site-info-publisher",
    ] {
        assert!(labels.contains(&l.to_string()), "{l} in {labels:?}");
    }
    assert!(
        issues[0]["description"]
            .as_str()
            .unwrap()
            .contains("b1fa609a8b02d79c8e668f0761503413b6b8973887377bb8cc8f10e41406afa4")
    );
    let colours: Vec<String> = fake
        .labels(PROJECT)
        .iter()
        .map(|l| l["color"].as_str().unwrap().to_string())
        .collect();
    assert!(colours.iter().all(|c| c.starts_with('#')), "{colours:?}");

    fake.clear_log();
    let r = submit();
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("CMD-OS 1: unchanged #1"), "{}", r.stdout);
    let rerun = fake.requests();
    assert!(
        rerun.iter().all(|r| r.method == "GET"),
        "{:#?}",
        summary(&rerun)
    );
    assert!(
        rerun
            .iter()
            .all(|r| r.private_token.as_deref() == Some(TOKEN))
    );
    assert_eq!(fake.issues(PROJECT).len(), 1);
    eprintln!(
        "requests: new submission {}, unchanged re-run {}",
        new.len(),
        rerun.len()
    );

    let status = run(umd(&["status", "--format", "json"])
        .env("UMD_RELEASE_TRACKER", format!("gitlab:{PROJECT}"))
        .env("GITLAB_API_URL", fake.url())
        .env("UMD_RELEASE_TOKEN", TOKEN));
    let rows: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(rows[0]["stage"], "unverified", "{rows:#}");
}
