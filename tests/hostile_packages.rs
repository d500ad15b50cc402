//! Hostile packages: memory bombs and decoder-crashing inputs, built here.
//!
//! Each runs the real `check` binary and asserts exit 2, a message naming the
//! file and the limit, no panic text, and a peak resident set (the child's
//! `ru_maxrss`, from `wait4`) under 64 MiB. Before the readers were bounded
//! the three bombs took about 1 GiB each.

mod support;

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};

use support::{demo_repo, umd};

const MIB: u64 = 1024 * 1024;
/// What every hostile input must stay under.
const PEAK_LIMIT: u64 = 64 * MIB;
/// The bombs' claimed size: what cost the old readers 1 GiB.
const BOMB: u64 = 512 * MIB;

struct Measured {
    code: Option<i32>,
    stderr: String,
    peak: u64,
}

/// Names the launch file of [`launcher`]: result path, stderr path, then the CLI's arguments.
const LAUNCH: &str = "UMD_RELEASE_HOSTILE_LAUNCH";

/// Runs `check` on a repo whose artifacts directory holds only `name` = `bytes`.
///
/// The CLI is started from a fresh, small process (this test binary running
/// [`launcher`]): a child's `ru_maxrss` includes the high-water mark of the
/// process it was spawned from (posix_spawn shares its memory until exec), and
/// this process has just built 512 MiB bombs.
fn check_on(name: &str, bytes: &[u8]) -> Measured {
    let tmp = tempfile::tempdir().unwrap();
    let repo = demo_repo(tmp.path());
    let artifacts = tmp.path().join("artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join(name), bytes).unwrap();
    let (result, err_path, launch) = (
        tmp.path().join("result"),
        tmp.path().join("stderr"),
        tmp.path().join("launch"),
    );
    let args = [
        "check",
        "--repo",
        repo.to_str().unwrap(),
        "--tag",
        "1.4.0",
        "--artifacts",
        artifacts.to_str().unwrap(),
    ];
    let spec = [result.to_str().unwrap(), err_path.to_str().unwrap()]
        .iter()
        .chain(&args)
        .map(|a| format!("{a}\n"))
        .collect::<String>();
    std::fs::write(&launch, spec).unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["launcher", "--exact", "--ignored", "--test-threads=1", "-q"])
        .env(LAUNCH, &launch)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the launcher failed: {status}");
    let result = std::fs::read_to_string(&result).unwrap();
    let (code, peak) = result.trim().split_once(' ').unwrap();
    Measured {
        code: code.parse().ok(),
        stderr: std::fs::read_to_string(&err_path).unwrap(),
        peak: peak.parse().unwrap(),
    }
}

/// Spawns the CLI as told by the launch file and records its exit code and peak memory.
#[test]
#[ignore = "a launcher: the other tests run it in a fresh process"]
#[expect(
    clippy::zombie_processes,
    reason = "wait4 reaps the child, to read its rusage"
)]
fn launcher() {
    let Ok(launch) = std::env::var(LAUNCH) else {
        panic!("the hostile-package tests run this themselves, with {LAUNCH} set");
    };
    let spec = std::fs::read_to_string(launch).unwrap();
    let mut lines = spec.lines();
    let (result, err_path) = (lines.next().unwrap(), lines.next().unwrap());
    let args: Vec<&str> = lines.collect();
    let child = umd(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(err_path).unwrap())
        .spawn()
        .unwrap();
    let (status, peak) = wait_measured(child.id());
    let code = status
        .code()
        .map_or("signal".to_string(), |c| c.to_string());
    std::fs::write(result, format!("{code} {peak}\n")).unwrap();
}

/// Waits for `pid` and returns its status and peak resident set in bytes.
fn wait_measured(pid: u32) -> (ExitStatus, u64) {
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; pid is our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(got, pid as libc::pid_t, "wait4 failed");
    // Linux reports ru_maxrss in KiB.
    (
        ExitStatus::from_raw(status),
        u64::try_from(usage.ru_maxrss).unwrap() * 1024,
    )
}

/// Asserts the hostile file was refused cleanly, cheaply, and with `needles` said.
fn expect_refused(name: &str, bytes: &[u8], needles: &[&str]) {
    let m = check_on(name, bytes);
    eprintln!(
        "{name} ({} bytes): exit {:?}, peak {:.1} MiB",
        bytes.len(),
        m.code,
        m.peak as f64 / MIB as f64
    );
    assert_eq!(m.code, Some(2), "{name}: {}", m.stderr);
    assert!(!m.stderr.contains("panicked"), "{name}: {}", m.stderr);
    assert!(!m.stderr.contains("RUST_BACKTRACE"), "{name}: {}", m.stderr);
    for n in std::iter::once(&name).chain(needles) {
        assert!(m.stderr.contains(n), "{name}: {n:?} not in {}", m.stderr);
    }
    assert!(
        m.peak < PEAK_LIMIT,
        "{name}: peak resident set {} MiB, over {} MiB",
        m.peak / MIB,
        PEAK_LIMIT / MIB
    );
}

/// An ar archive of (name, bytes) members, as dpkg-deb lays them out.
fn ar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = b"!<arch>\n".to_vec();
    for (name, data) in members {
        writeln!(
            out,
            "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`",
            name,
            0,
            0,
            0,
            100644,
            data.len()
        )
        .unwrap();
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(b'\n');
        }
    }
    out
}

fn tar_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap()
}

const CONTROL: &[u8] = b"Package: bomb\nVersion: 1.0-1\nArchitecture: all\nDescription: x\n";

fn control_tar() -> Vec<u8> {
    tar_with(&[("./control", CONTROL)])
}

/// Feeds a tar header for `path` of `size` bytes, then `size` bytes of `fill`, to `w`.
fn stream_entry(w: &mut impl Write, kind: tar::EntryType, path: &str, size: u64, fill: u8) {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_path(path).unwrap();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    w.write_all(h.as_bytes()).unwrap();
    let chunk = vec![fill; MIB as usize];
    for _ in 0..size / MIB {
        w.write_all(&chunk).unwrap();
    }
}

fn xz(f: impl FnOnce(&mut liblzma::write::XzEncoder<Vec<u8>>)) -> Vec<u8> {
    let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 6);
    f(&mut enc);
    enc.finish().unwrap()
}

fn zst(f: impl FnOnce(&mut zstd::stream::write::Encoder<'static, Vec<u8>>)) -> Vec<u8> {
    let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 19).unwrap();
    f(&mut enc);
    enc.finish().unwrap()
}

/// control.tar.xz whose one entry is 512 MiB of zeros: the single-stream xz
/// bomb (lzma-rs kept the whole LZMA2 output, 1 GiB of memory).
#[test]
fn xz_control_archive_bomb() {
    let control = xz(|w| stream_entry(w, tar::EntryType::Regular, "./zeros", BOMB, 0));
    assert!(control.len() < 200 * 1024, "{} bytes", control.len());
    let deb = ar(&[
        ("debian-binary", b"2.0\n"),
        ("control.tar.xz", &control),
        ("data.tar", &tar_with(&[])),
    ]);
    expect_refused(
        "xzbomb_1.0-1_all.deb",
        &deb,
        &["control.tar.xz", "32 MiB allowed for a control archive"],
    );
}

/// data.tar.zst whose first header is a GNU long name of 512 MiB (the `tar`
/// crate buffered it whole, 1 GiB of memory).
#[test]
fn tar_long_name_bomb() {
    let data = zst(|w| stream_entry(w, tar::EntryType::GNULongName, "././@LongLink", BOMB, b'a'));
    assert!(data.len() < 100 * 1024, "{} bytes", data.len());
    let deb = ar(&[
        ("debian-binary", b"2.0\n"),
        ("control.tar", &control_tar()),
        ("data.tar.zst", &data),
    ]);
    expect_refused(
        "longname_1.0-1_all.deb",
        &deb,
        &[
            "GNU long name",
            "data.tar.zst",
            "1 MiB allowed for a tar header extension",
        ],
    );
}

/// The same with a PAX extended header, through gzip.
#[test]
fn tar_pax_header_bomb() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    stream_entry(
        &mut gz,
        tar::EntryType::XHeader,
        "./PaxHeaders/x",
        64 * MIB,
        b'a',
    );
    let deb = ar(&[
        ("debian-binary", b"2.0\n"),
        ("control.tar.gz", &{
            let mut c = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            c.write_all(&control_tar()).unwrap();
            c.finish().unwrap()
        }),
        ("data.tar.gz", &gz.finish().unwrap()),
    ]);
    expect_refused(
        "pax_1.0-1_all.deb",
        &deb,
        &["PAX extended header", "1 MiB allowed"],
    );
}

/// Lead and signature header of the fixture rpm, then a main header of 65,536
/// index entries that all name the same 16 KiB of its store (the crate copied
/// each entry's data out: 1 GiB from a 1 MB file).
#[test]
fn rpm_overlapping_entries_bomb() {
    let fixture = std::fs::read(
        support::manifest_dir().join("tests/fixtures/rpm/v4/rpm-basic-2.3.4-5.el9.noarch.rpm"),
    )
    .unwrap();
    let be = |at: usize| u32::from_be_bytes(fixture[at..at + 4].try_into().unwrap()) as usize;
    // Lead (96), then the signature header: 16-byte intro, index, store, padding to 8.
    let (sig_entries, sig_store) = (be(96 + 8), be(96 + 12));
    let sig_end = 96 + 16 + sig_entries * 16 + sig_store;
    let sig_end = sig_end + (8 - sig_end % 8) % 8;
    let mut rpm = fixture[..sig_end].to_vec();
    let (entries, store) = (65_536u32, 16 * 1024u32);
    rpm.extend_from_slice(&[0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);
    rpm.extend_from_slice(&entries.to_be_bytes());
    rpm.extend_from_slice(&store.to_be_bytes());
    for i in 0..entries {
        rpm.extend_from_slice(&(5000 + i).to_be_bytes()); // tag
        rpm.extend_from_slice(&7u32.to_be_bytes()); // BIN
        rpm.extend_from_slice(&0u32.to_be_bytes()); // offset
        rpm.extend_from_slice(&store.to_be_bytes()); // count
    }
    rpm.extend(std::iter::repeat_n(0x41, store as usize));
    assert!(rpm.len() < 1100 * 1024);
    expect_refused(
        "overlap-1.0-1.el9.noarch.rpm",
        &rpm,
        &["share store bytes", "16384-byte store"],
    );
}

/// A real control.tar.zst with its entropy tables damaged, as the fuzzer found:
/// ruzstd 0.9 indexed an empty FSE table and panicked on the main thread. Every
/// corruption of the block's table bytes must be a bad-input error.
#[test]
fn corrupt_zstd_tables() {
    let control = tar_with(&[("./control", CONTROL), ("./md5sums", &md5sums_like())]);
    let zst = zst(|w| w.write_all(&control).unwrap());
    // Frame header (magic 4, descriptor 1, window and content size) then the
    // first block's 3-byte header; its literals and sequences headers, where the
    // Huffman and FSE table descriptions sit, follow right after.
    let tables = 6..zst.len().min(80);
    let mut cases = 0;
    for at in tables {
        for flip in [0xff, 0x80, 0x0f] {
            let mut bad = zst.clone();
            bad[at] ^= flip;
            let deb = ar(&[
                ("debian-binary", b"2.0\n"),
                ("control.tar.zst", &bad),
                ("data.tar", &tar_with(&[])),
            ]);
            let tmp = tempfile::tempdir().unwrap();
            let p = tmp.path().join("corrupt_1.0-1_all.deb");
            std::fs::write(&p, &deb).unwrap();
            // In-process for the sweep (hundreds of cases); a sample goes through the CLI.
            match umd_release::package::read_package(&p) {
                Ok(_) => {} // a flip in a skipped field can leave a valid archive
                Err(e) => {
                    let msg = e.to_string();
                    assert!(msg.contains("corrupt_1.0-1_all.deb"), "{msg}");
                    assert!(
                        !matches!(e, umd_release::package::PackageError::Crashed { .. }),
                        "byte {at} ^ {flip:#x}: {msg}"
                    );
                }
            }
            cases += 1;
        }
    }
    assert!(cases > 100, "{cases}");
    let mut bad = zst.clone();
    bad[12] ^= 0xff;
    let deb = ar(&[
        ("debian-binary", b"2.0\n"),
        ("control.tar.zst", &bad),
        ("data.tar", &tar_with(&[])),
    ]);
    expect_refused("zst_1.0-1_all.deb", &deb, &["control.tar.zst"]);
}

/// Text that compresses with Huffman literals and FSE sequences, like md5sums.
fn md5sums_like() -> Vec<u8> {
    let mut out = Vec::new();
    let mut x: u32 = 0x1234_5678;
    for i in 0..200 {
        for _ in 0..32 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            out.push(b"0123456789abcdef"[(x % 16) as usize]);
        }
        writeln!(out, "  usr/share/doc/bomb/file-{i}.txt").unwrap();
    }
    out
}
