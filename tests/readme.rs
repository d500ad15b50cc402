//! The README's first command prints what the README says it prints.

mod support;

#[test]
fn readme_main_command_output_is_real() {
    let readme = std::fs::read_to_string(support::manifest_dir().join("README.md")).unwrap();
    let command = readme
        .lines()
        .find(|l| l.starts_with("cargo run --locked -- check "))
        .expect("the README's main command");
    let args: Vec<&str> = command
        .trim_start_matches("cargo run --locked -- ")
        .split_whitespace()
        .collect();
    let shown = readme
        .split("The first command prints")
        .nth(1)
        .and_then(|s| s.split("```text\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("the README's sample output");
    let r = support::run(support::umd(&args).current_dir(support::manifest_dir()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let actual: Vec<&str> = r.stdout.lines().collect();
    // The sample shows a prefix of the output, then `...`, then the last line.
    let (head, tail) = shown.split_once("...\n").expect("an abridged sample");
    let head: Vec<&str> = head.lines().collect();
    assert_eq!(&actual[..head.len()], &head[..]);
    assert_eq!(actual.last().copied(), tail.lines().next());
}
