use super::index::INDEX;
use super::*;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use time::Duration;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2025-03-01 12:00:00 UTC);

/// A tracker whose clock advances one minute per reading, so every change is visible.
fn tracker(dir: &Path) -> LocalTracker {
    let ticks = Arc::new(AtomicI64::new(0));
    LocalTracker::with_clock(
        dir,
        Box::new(move || T0 + Duration::minutes(ticks.fetch_add(1, Ordering::SeqCst))),
    )
    .unwrap()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn create_list_filter() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tracker(tmp.path());
    let a = t
        .create_issue("alice", "A", "body a", &s(&["submission"]))
        .unwrap();
    let b = t.create_issue("bob", "B", "", &[]).unwrap();
    t.create_issue("bob", "C", "", &s(&["submission", "x"]))
        .unwrap();
    assert_eq!((a.number, b.number), (1, 2));
    assert_eq!(a.author, "alice");
    assert!(a.open);
    assert_eq!(a.created_at, T0);
    assert_eq!(
        a.url,
        tmp.path().join("issues/1.json").display().to_string()
    );
    t.update_issue("bob", 3, None, None, Some(false)).unwrap();

    let nums = |v: Vec<Issue>| v.iter().map(|i| i.number).collect::<Vec<_>>();
    assert_eq!(nums(t.list_issues(None, false).unwrap()), [1, 2, 3]);
    assert_eq!(nums(t.list_issues(None, true).unwrap()), [1, 2]);
    assert_eq!(
        nums(t.list_issues(Some("submission"), false).unwrap()),
        [1, 3]
    );
    assert_eq!(nums(t.list_issues(Some("submission"), true).unwrap()), [1]);
    assert_eq!(
        nums(t.list_issues(Some("none"), false).unwrap()),
        Vec::<u64>::new()
    );
    assert_eq!(t.get_issue(1).unwrap(), a);
    assert!(matches!(t.get_issue(9), Err(TrackerError::NotFound { .. })));
    assert!(matches!(
        t.create_issue("a", " ", "", &[]),
        Err(TrackerError::Invalid { .. })
    ));

    let kinds: Vec<_> = t
        .list_events(3)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::Opened,
            EventKind::Labeled {
                label: "submission".into()
            },
            EventKind::Labeled { label: "x".into() },
            EventKind::Closed,
        ]
    );
    // Labels used on issues are declared, as GitHub does.
    let names: Vec<_> = t
        .list_labels()
        .unwrap()
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(names, ["submission", "x"]);
    // No URL in the stored file: it would differ per checkout.
    let raw = fs::read_to_string(tmp.path().join("issues/1.json")).unwrap();
    assert!(!raw.contains("file://") && raw.contains("\"title\": \"A\""));
}

#[test]
fn labels_add_idempotent_and_remove() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tracker(tmp.path());
    t.create_issue("a", "T", "", &s(&["one"])).unwrap();
    let after = t.add_labels("rev", 1, &s(&["one", "two", "two"])).unwrap();
    assert_eq!(after, ["one", "two"]);
    let updated = t.get_issue(1).unwrap().updated_at;
    assert_eq!(
        t.add_labels("rev", 1, &s(&["two", "one"])).unwrap(),
        ["one", "two"]
    );
    assert_eq!(t.get_issue(1).unwrap().updated_at, updated);

    assert_eq!(t.remove_label("rev", 1, "one").unwrap(), ["two"]);
    let err = t.remove_label("rev", 1, "one").unwrap_err();
    assert!(matches!(err, TrackerError::NotFound { .. }), "{err}");
    assert!(matches!(
        t.add_labels("rev", 7, &s(&["x"])),
        Err(TrackerError::NotFound { .. })
    ));

    let events = t.list_events(1).unwrap();
    let got: Vec<_> = events
        .iter()
        .map(|e| (e.actor.as_str(), e.kind.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("a", EventKind::Opened),
            (
                "a",
                EventKind::Labeled {
                    label: "one".into()
                }
            ),
            (
                "rev",
                EventKind::Labeled {
                    label: "two".into()
                }
            ),
            (
                "rev",
                EventKind::Unlabeled {
                    label: "one".into()
                }
            ),
        ]
    );
    let ids: Vec<_> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
}

#[test]
fn comments_create_update() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tracker(tmp.path());
    t.create_issue("a", "T", "", &[]).unwrap();
    t.create_issue("a", "U", "", &[]).unwrap();
    let c1 = t.create_comment("bob", 1, "hello").unwrap();
    let c2 = t.create_comment("bob", 2, "other").unwrap();
    assert_eq!((c1.id, c2.id, c1.issue, c2.issue), (1, 2, 1, 2));
    assert_eq!(c1.created_at, c1.updated_at);

    let same = t.update_comment("carol", 2, 2, "other").unwrap();
    assert_eq!(same, c2);
    let edited = t.update_comment("carol", 2, 2, "changed").unwrap();
    assert_eq!(edited.body, "changed");
    assert_eq!(edited.author, "bob");
    assert!(edited.updated_at > c2.updated_at);
    assert_eq!(t.list_comments(2).unwrap(), [edited]);
    assert_eq!(t.list_comments(1).unwrap(), [c1]);
    assert!(matches!(
        t.update_comment("c", 2, 99, "x"),
        Err(TrackerError::NotFound { .. })
    ));
    // A comment of another issue is not found on this one.
    assert!(matches!(
        t.update_comment("c", 1, 2, "x"),
        Err(TrackerError::NotFound { .. })
    ));
    assert!(matches!(
        t.create_comment("c", 99, "x"),
        Err(TrackerError::NotFound { .. })
    ));
}

#[test]
fn update_issue_noop_keeps_updated_at() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tracker(tmp.path());
    let i = t.create_issue("a", "T", "body", &[]).unwrap();
    let same = t
        .update_issue("a", 1, Some("T"), Some("body"), Some(true))
        .unwrap();
    assert_eq!(same, i);
    assert_eq!(t.list_events(1).unwrap().len(), 1);
    let changed = t
        .update_issue("a", 1, None, Some("new body"), None)
        .unwrap();
    assert_eq!(changed.body, "new body");
    assert!(changed.updated_at > i.updated_at);
    assert_eq!(changed.created_at, i.created_at);
    let reopened = t.update_issue("b", 1, None, None, Some(false)).unwrap();
    assert!(!reopened.open);
    let reopened = t.update_issue("b", 1, None, None, Some(true)).unwrap();
    assert!(reopened.open);
    let kinds: Vec<_> = t
        .list_events(1)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [EventKind::Opened, EventKind::Closed, EventKind::Reopened]
    );
    assert!(matches!(
        t.update_issue("a", 5, None, None, None),
        Err(TrackerError::NotFound { .. })
    ));
}

#[test]
fn numbering_persists_across_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let t = tracker(tmp.path());
        t.create_issue("a", "1", "", &[]).unwrap();
        t.create_issue("a", "2", "", &[]).unwrap();
        t.create_comment("a", 1, "c").unwrap();
    }
    let t = LocalTracker::open(tmp.path()).unwrap();
    assert_eq!(t.create_issue("a", "3", "", &[]).unwrap().number, 3);
    assert_eq!(t.create_comment("a", 3, "c").unwrap().id, 2);
    // Even without meta.json, numbers are rebuilt from the issues, never reused.
    fs::remove_file(tmp.path().join("meta.json")).unwrap();
    let t = LocalTracker::open(tmp.path()).unwrap();
    assert_eq!(t.create_issue("a", "4", "", &[]).unwrap().number, 4);
    assert_eq!(t.create_comment("a", 4, "c").unwrap().id, 3);
    let ids: Vec<_> = t.list_events(4).unwrap().iter().map(|e| e.id).collect();
    assert_eq!(ids, [4]);
    assert_eq!(t.describe(), format!("local:{}", tmp.path().display()));
}

#[test]
fn corrupt_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tracker(tmp.path());
    t.create_issue("a", "T", "", &[]).unwrap();
    let path = t.issue_path(1);
    fs::write(&path, "{ \"number\": 1, oops").unwrap();
    for err in [
        t.get_issue(1).unwrap_err(),
        t.list_issues(None, false).unwrap_err(),
    ] {
        let TrackerError::Corrupt { path: p, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(p, &path);
        let msg = err.to_string();
        assert!(
            msg.contains("issues/1.json") && msg.contains("by hand"),
            "{msg}"
        );
    }
    fs::write(tmp.path().join("labels.json"), "[1]").unwrap();
    assert!(matches!(t.list_labels(), Err(TrackerError::Corrupt { .. })));
}

#[test]
fn ensure_label_create_unchanged_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tracker(tmp.path());
    let mut l = Label {
        name: "umd-submission".into(),
        color: "0E8A16".into(),
        description: "A UMD release submission".into(),
    };
    assert!(t.ensure_label(&l).unwrap());
    assert!(!t.ensure_label(&l).unwrap());
    l.description = "changed".into();
    assert!(t.ensure_label(&l).unwrap());
    assert!(!t.ensure_label(&l).unwrap());
    let stored = t.list_labels().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].color, "0e8a16");
    assert_eq!(stored[0].description, "changed");
    l.color = "#0e8a16".into();
    assert!(matches!(
        t.ensure_label(&l),
        Err(TrackerError::Invalid { .. })
    ));
}

#[test]
fn concurrent_writers_never_reuse_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let threads: Vec<_> = (0..8)
        .map(|w| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                // Its own tracker, so its own lock-file handles.
                let t = LocalTracker::open(&dir).unwrap();
                for i in 0..25 {
                    t.create_issue(&format!("w{w}"), &format!("{w}-{i}"), "", &s(&["l"]))
                        .unwrap();
                }
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }
    let t = LocalTracker::open(&dir).unwrap();
    let issues = t.list_issues(None, false).unwrap();
    let numbers: Vec<u64> = issues.iter().map(|i| i.number).collect();
    assert_eq!(numbers, (1..=200).collect::<Vec<_>>());
    let mut titles: Vec<_> = issues.iter().map(|i| i.title.clone()).collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 200);
    let mut events: Vec<u64> = (1..=200)
        .flat_map(|n| t.list_events(n).unwrap())
        .map(|e| e.id)
        .collect();
    events.sort_unstable();
    assert_eq!(events, (1..=400).collect::<Vec<_>>());
    assert_eq!(
        files_in(&dir),
        [".index.json", ".lock", "issues", "labels.json", "meta.json"]
    );
    // Every write kept the index whole: a listing parses no file it does not return.
    assert_eq!(t.load_index().issues.len(), 200);
    let (none, parsed) = parses(|| t.list_issues(Some("nowhere"), false).unwrap());
    assert_eq!((none.len(), parsed), (0, 0));
    assert!(files_in(&dir.join("issues")).iter().all(|n| !is_tmp(n)));
}

/// What `f` returns, and how many issue files it parsed.
fn parses<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = PARSES.with(|p| p.get());
    let out = f();
    (out, PARSES.with(|p| p.get()) - before)
}

/// 20 issues, #7 labelled `needle`, #3 closed.
fn haystack(dir: &Path) -> LocalTracker {
    let t = tracker(dir);
    for i in 1..=20 {
        let labels = if i == 7 {
            s(&["hay", "needle"])
        } else {
            s(&["hay"])
        };
        t.create_issue("a", &format!("issue {i}"), "", &labels)
            .unwrap();
    }
    t.update_issue("a", 3, None, None, Some(false)).unwrap();
    t
}

fn numbers(v: &[Issue]) -> Vec<u64> {
    v.iter().map(|i| i.number).collect()
}

#[test]
fn labelled_listing_parses_only_the_matching_files() {
    let tmp = tempfile::tempdir().unwrap();
    let t = haystack(tmp.path());
    let (found, parsed) = parses(|| t.list_issues(Some("needle"), false).unwrap());
    assert_eq!((numbers(&found), parsed), (vec![7], 1));
    assert_eq!(found[0], t.get_issue(7).unwrap());
    // Open only, as sweep lists: the closed issue is not read.
    let (open, parsed) = parses(|| t.list_issues(None, true).unwrap());
    assert_eq!((open.len(), parsed), (19, 19));
    let (all, parsed) = parses(|| t.list_issues(Some("hay"), false).unwrap());
    assert_eq!((all.len(), parsed), (20, 20));
}

#[test]
fn index_is_rebuilt_when_deleted_or_corrupt() {
    let tmp = tempfile::tempdir().unwrap();
    let t = haystack(tmp.path());
    let index = tmp.path().join(INDEX);
    let want = t.list_issues(Some("needle"), true).unwrap();
    for damage in ["delete", "garbage", "old version", "empty"] {
        match damage {
            "delete" => fs::remove_file(&index).unwrap(),
            "garbage" => fs::write(&index, "{ \"version\": 1, \"issues\": {\"1\": [").unwrap(),
            "old version" => fs::write(&index, "{\"version\": 0, \"issues\": {}}").unwrap(),
            _ => fs::write(&index, "").unwrap(),
        }
        // The first listing reads every file and rewrites the index ...
        let (found, parsed) = parses(|| t.list_issues(Some("needle"), true).unwrap());
        assert_eq!((&found, parsed), (&want, 20), "{damage}");
        assert_eq!(t.load_index().issues.len(), 20, "{damage}");
        // ... so the next one reads only the match.
        let (found, parsed) = parses(|| t.list_issues(Some("needle"), true).unwrap());
        assert_eq!((&found, parsed), (&want, 1), "{damage}");
    }
}

#[test]
fn issue_written_without_its_index_entry_is_reread() {
    let tmp = tempfile::tempdir().unwrap();
    let t = haystack(tmp.path());
    // A writer killed between the issue write and the index write: the
    // file changed (atomically, as `save` writes it), the index did not.
    let mut file = t.load(12).unwrap();
    file.labels.push("needle".into());
    write_json(&t.issue_path(12), &file).unwrap();
    let (found, parsed) = parses(|| t.list_issues(Some("needle"), false).unwrap());
    assert_eq!((numbers(&found), parsed), (vec![7, 12], 2));
    // A hand edit in place, same inode: the label goes away again.
    let path = t.issue_path(12);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replace(",\n    \"needle\"", "")).unwrap();
    assert_eq!(numbers(&t.list_issues(Some("needle"), false).unwrap()), [7]);
    // A file removed by hand, and one added: the index follows both.
    fs::remove_file(t.issue_path(7)).unwrap();
    let mut added = t.load(1).unwrap();
    added.number = 30;
    added.labels = s(&["needle"]);
    fs::write(t.issue_path(30), serde_json::to_string(&added).unwrap()).unwrap();
    let (found, parsed) = parses(|| t.list_issues(Some("needle"), false).unwrap());
    assert_eq!((numbers(&found), parsed), (vec![30], 1));
    let indexed: Vec<u64> = t.load_index().issues.into_keys().collect();
    assert_eq!(indexed.len(), 20);
    assert!(indexed.contains(&30) && !indexed.contains(&7));
    // A corrupt file is named by every listing, as before the index.
    fs::write(t.issue_path(5), "{ oops").unwrap();
    for err in [
        t.list_issues(Some("needle"), false).unwrap_err(),
        t.list_issues(None, false).unwrap_err(),
    ] {
        assert!(
            matches!(&err, TrackerError::Corrupt { path, .. } if path == &t.issue_path(5)),
            "{err}"
        );
    }
}

#[test]
fn crash_leftovers_are_ignored_and_cleaned() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let running = tracker(dir);
    let old = running.create_issue("a", "old", "", &[]).unwrap();
    // A writer killed after writing its temp file, before the rename.
    let stray = dir.join("issues").join(".1.json.4242.0.tmp");
    fs::write(&stray, "{ \"number\": 1, \"title\": \"half").unwrap();
    let stray_meta = dir.join(".meta.json.4242.1.tmp");
    fs::write(&stray_meta, "").unwrap();
    // Until an open cleans up, a stray file is simply not an issue.
    assert_eq!(
        running.list_issues(None, false).unwrap(),
        std::slice::from_ref(&old)
    );
    assert_eq!(running.get_issue(1).unwrap(), old);
    let t = tracker(dir);
    assert!(!stray.exists() && !stray_meta.exists());
    assert_eq!(t.list_issues(None, false).unwrap(), [old]);
    assert_eq!(t.create_issue("a", "new", "", &[]).unwrap().number, 2);
}
