//! A lean, coverage-less mutation fuzzer that runs on stable Rust, in-process.
//!
//! Deterministic for a given seed: each execution takes a seed input, applies
//! one to eight mutations (bit flips, random bytes, inserts, deletes, block
//! duplication, splices with another seed, interesting integers at random
//! offsets) and runs the target under `catch_unwind`. A panic is recorded with
//! its input, written to the crash directory when one is given.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;
use std::time::{Duration, Instant};

/// How one target fared.
pub struct Stats {
    pub execs: u64,
    pub elapsed: Duration,
    /// (panic message, input) of each distinct panic location.
    pub panics: Vec<(String, Vec<u8>)>,
}

impl Stats {
    pub fn per_sec(&self) -> f64 {
        self.execs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// xorshift64*: tiny, fast and good enough to pick mutations.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const INTERESTING: &[u64] = &[
    0,
    1,
    2,
    7,
    8,
    15,
    16,
    31,
    32,
    63,
    64,
    100,
    127,
    128,
    255,
    256,
    511,
    512,
    1000,
    1023,
    1024,
    4096,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
    u64::MAX >> 1,
    u64::MAX,
];

/// Largest input the mutator makes: bigger inputs only slow the run down.
const MAX_LEN: usize = 256 * 1024;

/// Applies 1 to 8 mutations to `buf`, taking splice material from `seeds`.
pub fn mutate(rng: &mut Rng, buf: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let rounds = 1 + rng.below(8);
    for _ in 0..rounds {
        let len = buf.len();
        match rng.below(10) {
            0 | 1 if len > 0 => {
                let at = rng.below(len);
                buf[at] ^= 1 << rng.below(8);
            }
            2 if len > 0 => {
                let at = rng.below(len);
                buf[at] = rng.next() as u8;
            }
            3 if len < MAX_LEN => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let fill = rng.next() as u8;
                buf.splice(at..at, std::iter::repeat_n(fill, n));
            }
            4 if len > 0 => {
                let at = rng.below(len);
                let n = (1 + rng.below(32)).min(len - at);
                buf.drain(at..at + n);
            }
            5 if len > 0 && len < MAX_LEN => {
                // Duplicate a block (repeated headers, entries, records).
                let at = rng.below(len);
                let n = (1 + rng.below(512)).min(len - at);
                let block = buf[at..at + n].to_vec();
                let to = rng.below(len + 1);
                buf.splice(to..to, block);
            }
            6 if !seeds.is_empty() => {
                // Splice: a piece of another seed replaces or enters this one.
                let other = &seeds[rng.below(seeds.len())];
                if other.is_empty() {
                    continue;
                }
                let from = rng.below(other.len());
                let n = (1 + rng.below(256)).min(other.len() - from);
                let piece = &other[from..from + n];
                let at = rng.below(len + 1);
                let end = if rng.below(2) == 0 {
                    at
                } else {
                    (at + n).min(len)
                };
                if len - (end - at) + n <= MAX_LEN {
                    buf.splice(at..end, piece.iter().copied());
                }
            }
            7 | 8 if len > 0 => {
                // An interesting integer, 1/2/4/8 bytes, either endianness.
                let v = INTERESTING[rng.below(INTERESTING.len())];
                let width = 1 << rng.below(4);
                let bytes = if rng.below(2) == 0 {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                };
                let src = if rng.below(2) == 0 {
                    &bytes[8 - width..]
                } else {
                    &bytes[..width]
                };
                let at = rng.below(len);
                for (i, b) in src.iter().enumerate() {
                    if let Some(d) = buf.get_mut(at + i) {
                        *d = *b;
                    }
                }
            }
            9 if len > 0 => {
                // Decimal text: numbers in YAML, JSON, versions, tar octal fields.
                let v = INTERESTING[rng.below(INTERESTING.len())];
                let s = if rng.below(2) == 0 {
                    v.to_string()
                } else {
                    format!("{v:o}")
                };
                let at = rng.below(len);
                let end = (at + rng.below(4)).min(len);
                buf.splice(at..end, s.bytes());
            }
            _ => {}
        }
    }
}

thread_local! {
    static FUZZING: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once) a hook that records panics quietly while a target runs,
/// and defers to the previous hook otherwise.
fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if FUZZING.with(Cell::get) {
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `run` on `input`; `Some(message)` if it panicked.
pub fn run_one(run: fn(&[u8]), input: &[u8]) -> Option<String> {
    install_hook();
    FUZZING.with(|f| f.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(|| run(input)));
    FUZZING.with(|f| f.set(false));
    result.err().map(|_| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_default()
    })
}

/// Fuzzes `run` for `execs` executions or `budget`, whichever ends first.
pub fn fuzz(
    name: &str,
    run: fn(&[u8]),
    seeds: &[Vec<u8>],
    execs: u64,
    budget: Duration,
    seed: u64,
    crash_dir: Option<&Path>,
) -> Stats {
    let mut rng = Rng::new(seed ^ fnv(name.as_bytes()));
    let start = Instant::now();
    let mut stats = Stats {
        execs: 0,
        elapsed: Duration::ZERO,
        panics: Vec::new(),
    };
    let mut seen = std::collections::BTreeSet::new();
    let empty = [Vec::new()];
    let pool = if seeds.is_empty() { &empty[..] } else { seeds };
    // The seeds themselves first, unmutated.
    let mut input = Vec::with_capacity(MAX_LEN);
    while stats.execs < execs {
        input.clear();
        let i = stats.execs as usize;
        if i < pool.len() {
            input.extend_from_slice(&pool[i]);
        } else {
            input.extend_from_slice(&pool[rng.below(pool.len())]);
            mutate(&mut rng, &mut input, pool);
        }
        if let Some(msg) = run_one(run, &input) {
            // One report per panic location (the message's first line).
            let at = msg.lines().next().unwrap_or_default().to_string();
            if seen.insert(at) {
                if let Some(dir) = crash_dir {
                    let _ = std::fs::create_dir_all(dir);
                    let file = dir.join(format!("{name}-{:016x}", fnv(&input)));
                    let _ = std::fs::write(file, &input);
                }
                stats.panics.push((msg, input.clone()));
            }
        }
        stats.execs += 1;
        if stats.execs.is_multiple_of(256) && start.elapsed() >= budget {
            break;
        }
    }
    stats.elapsed = start.elapsed();
    stats
}

/// FNV-1a, to name crash files and vary the stream per target.
pub fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Reads every file of `dir` (sorted), or nothing if it does not exist.
pub fn read_dir_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}
