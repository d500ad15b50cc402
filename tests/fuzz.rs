//! The fuzz targets on stable Rust: a short seeded run of every target and
//! every saved crash in the normal suite, the long run behind `--ignored`:
//!
//! ```sh
//! cargo test --release --test fuzz -- --ignored --nocapture
//! FUZZ_EXECS=10000000 FUZZ_SECS=3600 FUZZ_TARGETS=rpm,deb FUZZ_SEED=7 cargo test --release --test fuzz -- --ignored --nocapture
//! ```

#[path = "../fuzz/driver.rs"]
mod driver;
#[path = "../fuzz/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};
use std::time::Duration;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn seeds(name: &str) -> Vec<Vec<u8>> {
    driver::read_dir_files(&fuzz_dir().join("seeds").join(name))
        .into_iter()
        .map(|(_, b)| b)
        .collect()
}

/// Every target has seeds, and every seed directory a target.
#[test]
fn every_target_has_seeds() {
    for t in targets::TARGETS {
        assert!(
            !seeds(t.name).is_empty(),
            "fuzz/seeds/{} has no seed",
            t.name
        );
    }
    if let Some((file, _)) = driver::read_dir_files(&fuzz_dir().join("seeds")).first() {
        panic!("fuzz/seeds/{file} is a file, not a target's directory");
    }
    for entry in std::fs::read_dir(fuzz_dir().join("seeds")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            targets::TARGETS.iter().any(|t| t.name == name),
            "fuzz/seeds/{name} belongs to no target"
        );
    }
}

/// Each crash the fuzzers found stays fixed: fuzz/regressions/<target>/<file>.
#[test]
fn saved_crashes_do_not_panic() {
    let mut n = 0;
    for t in targets::TARGETS {
        for (file, input) in driver::read_dir_files(&fuzz_dir().join("regressions").join(t.name)) {
            if let Some(msg) = driver::run_one(t.run, &input) {
                panic!("fuzz/regressions/{}/{file} panics again: {msg}", t.name);
            }
            n += 1;
        }
    }
    assert!(
        n > 0,
        "no saved crash was run: fuzz/regressions/ lost its files"
    );
}

/// The driver's own pieces: the same seed gives the same inputs, and a
/// panicking target is caught and reported with its input.
#[test]
fn driver_is_deterministic_and_catches_panics() {
    let seeds = vec![b"hello world".to_vec(), b"\x00\x01\x02".to_vec()];
    let mut a = driver::Rng::new(3);
    let mut b = driver::Rng::new(3);
    for _ in 0..100 {
        let (mut x, mut y) = (seeds[0].clone(), seeds[0].clone());
        driver::mutate(&mut a, &mut x, &seeds);
        driver::mutate(&mut b, &mut y, &seeds);
        assert_eq!(x, y);
    }
    fn picky(d: &[u8]) {
        assert!(!d.contains(&b'!'), "found the bang");
    }
    let s = driver::fuzz(
        "picky",
        picky,
        &[b"abc!".to_vec()],
        10,
        Duration::from_secs(5),
        1,
        None,
    );
    assert_eq!(s.execs, 10);
    assert_eq!(s.panics.len(), 1, "one location, reported once");
    assert!(
        s.panics[0].0.contains("found the bang"),
        "{}",
        s.panics[0].0
    );
    assert_eq!(s.panics[0].1, b"abc!");
}

/// A few hundred seeded executions of every target (a few seconds in all), so
/// the targets and the driver cannot rot between long runs.
#[test]
fn smoke() {
    let mut failed = Vec::new();
    for t in targets::TARGETS {
        // Package targets decompress and hash: fewer runs keep this test quick.
        let execs = if t.name.starts_with("deb") || t.name == "rpm" {
            150
        } else {
            600
        };
        let s = driver::fuzz(
            t.name,
            t.run,
            &seeds(t.name),
            execs,
            Duration::from_secs(20),
            12,
            None,
        );
        for (msg, input) in &s.panics {
            failed.push(format!(
                "{}: {msg}\ninput (hex): {}",
                t.name,
                driver::hex(input)
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The long run: FUZZ_EXECS per target (default 10 million), at most FUZZ_SECS
/// each (default 600), FUZZ_TARGETS (comma-separated, default all), FUZZ_SEED.
/// Crashing inputs go to fuzz/crashes/; move each into fuzz/regressions/<target>/
/// once fixed.
#[test]
#[ignore = "the long fuzz run; see the README's Fuzzing section"]
fn long() {
    let execs = env_or("FUZZ_EXECS", 10_000_000u64);
    let secs = env_or("FUZZ_SECS", 600u64);
    let seed = env_or("FUZZ_SEED", 1u64);
    let only: Option<Vec<String>> = std::env::var("FUZZ_TARGETS")
        .ok()
        .map(|v| v.split(',').map(str::to_string).collect());
    let crashes = fuzz_dir().join("crashes");
    let mut total_panics = 0;
    println!(
        "{:<20} {:>12} {:>10} {:>10} {:>8}",
        "target", "executions", "seconds", "exec/s", "panics"
    );
    for t in targets::TARGETS {
        if only
            .as_ref()
            .is_some_and(|o| !o.iter().any(|n| n == t.name))
        {
            continue;
        }
        let s = driver::fuzz(
            t.name,
            t.run,
            &seeds(t.name),
            execs,
            Duration::from_secs(secs),
            seed,
            Some(&crashes),
        );
        println!(
            "{:<20} {:>12} {:>10.1} {:>10.0} {:>8}",
            t.name,
            s.execs,
            s.elapsed.as_secs_f64(),
            s.per_sec(),
            s.panics.len()
        );
        for (msg, input) in &s.panics {
            println!("  {msg}\n  input (hex): {}", driver::hex(input));
        }
        total_panics += s.panics.len();
    }
    assert_eq!(total_panics, 0, "panics found; inputs are in fuzz/crashes/");
}
