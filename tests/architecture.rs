//! The tree reads as the process, and stays layered: this reads every
//! `crate::` and `super::` path in `src/` (test modules excluded) and fails on
//! an import cycle between files, a cycle between top-level modules, or the
//! pure core reaching into the trackers or the process.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The pure core: decisions and renderings, no I/O layer.
const CORE: [&str; 8] = [
    "check",
    "pipeline",
    "submission",
    "announce",
    "export",
    "dashboard",
    "render",
    "plan",
];
/// What the core may not import.
const SHELL: [&str; 2] = ["tracker", "process"];

/// A file's module path, e.g. `src/tracker/github/mod.rs` -> ["tracker", "github"].
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without comments, strings' contents being harmless,
/// and without its test module (tests may reach anywhere).
fn code(text: &str) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        // The test module; other test-only items are scanned like the rest.
        let next = lines.get(i + 1).map_or("", |l| l.trim_start());
        if line.trim_start().starts_with("#[cfg(test)]")
            && (next.starts_with("mod ") || next.starts_with("pub mod "))
        {
            break;
        }
        let line = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every path the code names from `crate::` or `super::`, as module paths.
fn references(module: &[String], is_mod_file: bool, text: &str) -> Vec<Vec<String>> {
    let code = code(text);
    let mut refs = Vec::new();
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    for (start, kw) in [("crate::", 0usize), ("super::", 1)] {
        let mut rest = code.as_str();
        while let Some(i) = rest.find(start) {
            let before = rest[..i].chars().next_back();
            rest = &rest[i..];
            if before.is_some_and(ident) {
                rest = &rest[start.len()..];
                continue;
            }
            // A path, possibly a braced group: `crate::a::{b, c::d}`.
            let end = rest
                .find(|c: char| {
                    !(ident(c)
                        || c == ':'
                        || c == '{'
                        || c == '}'
                        || c == ','
                        || c == ' '
                        || c == '\n')
                })
                .unwrap_or(rest.len());
            let path = &rest[start.len()..end];
            rest = &rest[end..];
            let mut base: Vec<String> = if kw == 0 {
                Vec::new()
            } else {
                let mut m = module.to_vec();
                // `super` of a mod.rs file is its parent; of a leaf file, its folder's module.
                if !is_mod_file || !m.is_empty() {
                    m.pop();
                }
                m
            };
            let mut supers = path;
            while let Some(r) = supers.strip_prefix("super::") {
                base.pop();
                supers = r;
            }
            let (head, group) = match supers.split_once("::{") {
                Some((h, g)) => (h, Some(g)),
                None => (supers.split_whitespace().next().unwrap_or(""), None),
            };
            let mut head_path = base.clone();
            head_path.extend(
                head.split("::")
                    .filter(|s| !s.is_empty() && !s.contains(['{', '}', ',']))
                    .map(String::from),
            );
            match group {
                None => refs.push(head_path),
                Some(g) => {
                    for item in g.split(',') {
                        let mut p = head_path.clone();
                        p.extend(
                            item.trim()
                                .trim_matches(['{', '}'])
                                .split("::")
                                .filter(|s| !s.is_empty() && *s != "self")
                                .map(|s| s.trim().to_string()),
                        );
                        refs.push(p);
                    }
                }
            }
        }
    }
    refs
}

struct Tree {
    /// Module path -> its file.
    files: BTreeMap<Vec<String>, PathBuf>,
    /// File -> files it names.
    edges: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
}

fn tree() -> Tree {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    rust_files(&src, &mut all);
    // The binary's modules (main.rs, cli/) form their own crate.
    all.retain(|f| {
        let r = f.strip_prefix(&src).unwrap();
        !(r.starts_with("cli") || r == Path::new("main.rs"))
    });
    let files: BTreeMap<Vec<String>, PathBuf> = all
        .iter()
        .map(|f| (module_of(&src, f), f.clone()))
        .collect();
    let mut edges = BTreeMap::new();
    for (module, file) in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let is_mod = file.ends_with("mod.rs") || file.ends_with("lib.rs");
        let mut to = BTreeSet::new();
        for r in references(module, is_mod, &text) {
            // The longest prefix that is a module file.
            if let Some(target) = (1..=r.len())
                .rev()
                .find_map(|n| files.get(&r[..n]))
                .filter(|t| *t != file)
            {
                to.insert(target.clone());
            }
        }
        edges.insert(file.clone(), to);
    }
    Tree { files, edges }
}

/// Strongly connected groups of more than one node (Tarjan).
fn cycles<N: Ord + Clone>(edges: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    struct S<N> {
        index: BTreeMap<N, usize>,
        low: BTreeMap<N, usize>,
        stack: Vec<N>,
        on: BTreeSet<N>,
        out: Vec<Vec<N>>,
        next: usize,
    }
    fn visit<N: Ord + Clone>(n: &N, e: &BTreeMap<N, BTreeSet<N>>, s: &mut S<N>) {
        s.index.insert(n.clone(), s.next);
        s.low.insert(n.clone(), s.next);
        s.next += 1;
        s.stack.push(n.clone());
        s.on.insert(n.clone());
        for m in e.get(n).into_iter().flatten() {
            if !s.index.contains_key(m) {
                visit(m, e, s);
                let l = s.low[m].min(s.low[n]);
                s.low.insert(n.clone(), l);
            } else if s.on.contains(m) {
                let l = s.index[m].min(s.low[n]);
                s.low.insert(n.clone(), l);
            }
        }
        if s.low[n] == s.index[n] {
            let mut group = Vec::new();
            while let Some(m) = s.stack.pop() {
                s.on.remove(&m);
                let done = &m == n;
                group.push(m);
                if done {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.out.push(group);
            }
        }
    }
    let mut s = S {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
        next: 0,
    };
    for n in edges.keys() {
        if !s.index.contains_key(n) {
            visit(n, edges, &mut s);
        }
    }
    s.out
}

fn top(tree: &Tree, file: &Path) -> String {
    tree.files
        .iter()
        .find(|(_, f)| f.as_path() == file)
        .and_then(|(m, _)| m.first().cloned())
        .unwrap_or_else(|| "lib".into())
}

fn short(p: &Path) -> String {
    let s = p.to_string_lossy();
    s[s.find("/src/").map_or(0, |i| i + 1)..].to_string()
}

#[test]
fn no_import_cycle_between_files() {
    let t = tree();
    let found: Vec<String> = cycles(&t.edges)
        .iter()
        .map(|g| g.iter().map(|p| short(p)).collect::<Vec<_>>().join(" <-> "))
        .collect();
    assert!(
        found.is_empty(),
        "files that import each other (move the shared items into a leaf module):\n{}",
        found.join("\n")
    );
}

#[test]
fn no_cycle_between_top_level_modules_and_a_pure_core() {
    let t = tree();
    let mut modules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut forbidden = Vec::new();
    for (from, tos) in &t.edges {
        let a = top(&t, from);
        for to in tos {
            let b = top(&t, to);
            if a != b && a != "lib" {
                if CORE.contains(&a.as_str()) && SHELL.contains(&b.as_str()) {
                    forbidden.push(format!("{} imports {}", short(from), short(to)));
                }
                modules.entry(a.clone()).or_default().insert(b);
            }
        }
    }
    let groups: Vec<String> = cycles(&modules).iter().map(|g| g.join(" <-> ")).collect();
    assert!(
        forbidden.is_empty() && groups.is_empty(),
        "the core ({}) must not import {}:\n{}\ntop-level modules in a cycle:\n{}",
        CORE.join(", "),
        SHELL.join(" or "),
        forbidden.join("\n"),
        groups.join("\n")
    );
}

#[test]
fn the_scanner_sees_paths_and_groups() {
    let m = vec!["tracker".to_string(), "github".to_string()];
    let refs = references(
        &m,
        false,
        "use crate::issue::{Issue, Label};\nuse super::http::send;\nfn f() { crate::plan::Plan::default(); }\n// crate::nope\n",
    );
    assert!(
        refs.contains(&vec!["issue".into(), "Issue".into()]),
        "{refs:?}"
    );
    assert!(
        refs.contains(&vec!["issue".into(), "Label".into()]),
        "{refs:?}"
    );
    assert!(
        refs.contains(&vec!["tracker".into(), "http".into(), "send".into()]),
        "{refs:?}"
    );
    assert!(
        refs.contains(&vec!["plan".into(), "Plan".into(), "default".into()]),
        "{refs:?}"
    );
    assert!(!refs.iter().any(|r| r.first().is_some_and(|s| s == "nope")));
    let mut e = BTreeMap::new();
    e.insert(1, BTreeSet::from([2]));
    e.insert(2, BTreeSet::from([1, 3]));
    e.insert(3, BTreeSet::new());
    assert_eq!(cycles(&e), vec![vec![1, 2]]);
}
