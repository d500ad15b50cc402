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
