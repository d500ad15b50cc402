//! The README's commands print what the README says they print.

mod support;

/// The ```text block that follows `marker` in the README.
fn sample<'a>(readme: &'a str, marker: &str) -> &'a str {
    readme
        .split(marker)
        .nth(1)
        .and_then(|s| s.split("```text\n").nth(1))
        .and_then(|s| s.split("```").next())
        .unwrap_or_else(|| panic!("no sample after {marker:?}"))
}

fn args(line: &str) -> Vec<&str> {
    line.trim()
        .trim_start_matches("cargo run --locked -- ")
        .split_whitespace()
        .collect()
}

/// Splits a shell line into words, honouring single quotes (enough for the README).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    assert!(!quoted, "unbalanced quote in {line}");
    if any {
        out.push(cur);
    }
    out
}

/// Dates and times of day change, and with them the size of a body that
/// records them (`body (4268 bytes)` in a dry run's plan); the rest must
/// match exactly.
fn untimed(s: &str) -> String {
    let s = without_sizes(&undated(s));
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let time = b.len() >= i + 9
            && b[i..i + 2].iter().all(u8::is_ascii_digit)
            && b[i + 2] == b':'
            && b[i + 3..i + 5].iter().all(u8::is_ascii_digit)
            && &b[i + 5..i + 9] == b" UTC";
        if time {
            out.push_str("HH:MM UTC");
            i += 9;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// Dates change every day; the rest must match exactly.
fn undated(s: &str) -> String {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let date = b.len() >= i + 10
            && b[i..i + 4].iter().all(u8::is_ascii_digit)
            && b[i + 4] == b'-'
            && b[i + 5..i + 7].iter().all(u8::is_ascii_digit)
            && b[i + 7] == b'-'
            && b[i + 8..i + 10].iter().all(u8::is_ascii_digit);
        if date {
            out.push_str("YYYY-MM-DD");
            i += 10;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

#[test]
fn readme_main_command_output_is_real() {
    let root = support::manifest_dir();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("cargo run --locked -- submit "))
        .expect("the main command");
    // Run where a fresh `.umd-tracker/` can be made, with the repository's examples beside it.
    let tmp = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root.join("examples"), tmp.path().join("examples")).unwrap();
    let mut stdout = String::new();
    for part in line.split(" && ") {
        let mut cmd = support::umd(&args(part));
        cmd.current_dir(tmp.path())
            .env_remove("UMD_RELEASE_TRACKER");
        let r = support::run(&mut cmd);
        assert_eq!(r.code, 0, "{part}: {}", r.stderr);
        stdout.push_str(&r.stdout);
    }
    assert_eq!(
        undated(&stdout),
        undated(sample(&readme, "The first command prints"))
    );
}

/// The pipeline walkthrough: each `$` line is run after the main command, in
/// the same directory; the transcript must be the README's.
#[test]
fn readme_pipeline_walkthrough_is_real() {
    let root = support::manifest_dir();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let main = readme
        .lines()
        .find(|l| l.starts_with("cargo run --locked -- submit "))
        .expect("the main command");
    let tmp = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root.join("examples"), tmp.path().join("examples")).unwrap();
    let submit = main.split(" && ").next().unwrap();
    let r = support::run(support::umd(&args(submit)).current_dir(tmp.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let expected = sample(&readme, "### A walkthrough on the embedded tracker");
    let mut env: Vec<(String, String)> = Vec::new();
    let mut transcript = String::new();
    let mut ran = 0;
    for line in expected.lines().filter_map(|l| l.strip_prefix("$ ")) {
        transcript.push_str(&format!("$ {line}\n"));
        if let Some(kv) = line.strip_prefix("export ") {
            let (k, v) = kv.split_once('=').unwrap();
            env.push((k.into(), v.into()));
            continue;
        }
        let w = words(line);
        assert_eq!(w[0], "umd-release", "{line}");
        let argv: Vec<&str> = w[1..].iter().map(String::as_str).collect();
        let mut cmd = support::umd(&argv);
        cmd.current_dir(tmp.path())
            .envs(env.iter().map(|(k, v)| (k, v)));
        let r = support::run(&mut cmd);
        // A refusal the README shows is exit 1 (`move` put back, `comment` refused).
        let refused = r.stdout.contains(": put back to ") || r.stdout.contains(": refused: ");
        let want = if refused && !line.contains("--dry-run") {
            1
        } else {
            0
        };
        assert_eq!(r.code, want, "{line}: {}{}", r.stdout, r.stderr);
        transcript.push_str(&r.stdout);
        ran += 1;
    }
    assert!(ran >= 8, "the walkthrough runs its commands");
    assert_eq!(untimed(&transcript), untimed(expected));
}

#[test]
fn readme_check_output_is_real() {
    let root = support::manifest_dir();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("cargo run --locked -- check "))
        .expect("the check command");
    let r = support::run(support::umd(&args(line)).current_dir(&root));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let actual: Vec<&str> = r.stdout.lines().collect();
    // The sample shows a prefix of the output, then `...`, then the last line.
    let (head, tail) = sample(&readme, "## Checking a release")
        .split_once("...\n")
        .expect("an abridged sample");
    let head: Vec<&str> = head.lines().collect();
    assert_eq!(&actual[..head.len()], &head[..]);
    assert_eq!(actual.last().copied(), tail.lines().next());
}

/// `(1234 bytes)` as `(N bytes)`.
fn without_sizes(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(" bytes)") {
        let head = &rest[..i];
        let digits = head.len() - head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 && head[..head.len() - digits].ends_with('(') {
            out.push_str(&head[..head.len() - digits]);
            out.push('N');
        } else {
            out.push_str(head);
        }
        out.push_str(" bytes)");
        rest = &rest[i + " bytes)".len()..];
    }
    out.push_str(rest);
    out
}

#[test]
fn body_sizes_are_normalized_but_nothing_else() {
    assert_eq!(
        without_sizes("body (4268 bytes), x (y bytes)"),
        "body (N bytes), x (y bytes)"
    );
}
