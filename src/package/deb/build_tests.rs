use super::super::read_package;
use super::*;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::PathBuf;
use std::process::Command;

const CONTROL: &str = "Package: ww-deb\nVersion: 1:2.3.4-5\nArchitecture: all\n\
    Maintainer: Test <test@example.org>\nDescription: World-writable test package\n \
    Longer description.\n";
const COPYRIGHT: &str = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
    Upstream-Name: ww-deb\n\nFiles: *\nCopyright: 2024 Test\nLicense: Apache-2.0\n\n\
    Files: debian/*\nCopyright: 2024 Test\nLicense: MIT\n";

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Builds a deb with `dpkg-deb --build -Z<compression>`; None if dpkg-deb is absent.
fn build_deb(compression: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    build_deb_with(compression, COPYRIGHT)
}

/// [`build_deb`] with `copyright` as its `usr/share/doc/ww-deb/copyright`.
fn build_deb_with(compression: &str, copyright: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    if Command::new("dpkg-deb").arg("--version").output().is_err() {
        eprintln!("dpkg-deb not installed, skipping");
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let doc = root.join("usr/share/doc/ww-deb");
    for d in ["DEBIAN", "etc", "var/spool/ww"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::create_dir_all(&doc).unwrap();
    std::fs::write(root.join("DEBIAN/control"), CONTROL).unwrap();
    std::fs::write(doc.join("copyright"), copyright).unwrap();
    std::fs::write(root.join("etc/ww.conf"), "x=1\n").unwrap();
    symlink("ww.conf", root.join("etc/ww.link")).unwrap();
    for d in [
        "",
        "DEBIAN",
        "etc",
        "usr",
        "usr/share",
        "usr/share/doc",
        "usr/share/doc/ww-deb",
        "var",
        "var/spool",
    ] {
        chmod(&root.join(d), 0o755);
    }
    chmod(&root.join("DEBIAN/control"), 0o644);
    chmod(&doc.join("copyright"), 0o644);
    chmod(&root.join("etc/ww.conf"), 0o666);
    chmod(&root.join("var/spool/ww"), 0o1777);
    let deb = tmp.path().join(format!("ww-deb_{compression}.deb"));
    let out = Command::new("dpkg-deb")
        .args(["--root-owner-group", "--build", &format!("-Z{compression}")])
        .arg(&root)
        .arg(&deb)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some((tmp, deb))
}

fn sha256sum(p: &Path) -> String {
    let out = Command::new("sha256sum").arg(p).output().unwrap();
    String::from_utf8_lossy(&out.stdout)[..64].to_string()
}

fn listed_entries(p: &Path) -> u64 {
    let out = Command::new("dpkg-deb").arg("-c").arg(p).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count() as u64
}

#[test]
fn dpkg_built_debs() {
    for compression in ["gzip", "xz", "zstd", "none"] {
        let Some((_tmp, deb)) = build_deb(compression) else {
            return;
        };
        let p = read_package(&deb).unwrap_or_else(|e| panic!("{compression}: {e}"));
        assert_eq!(p.format, PackageFormat::Deb);
        assert_eq!(p.file, deb);
        assert_eq!(p.name, "ww-deb");
        assert_eq!(p.epoch, Some(1));
        assert_eq!(p.version, "2.3.4");
        assert_eq!(p.release, "5");
        assert_eq!(p.arch, "all");
        assert_eq!(p.license.as_deref(), Some("Apache-2.0"), "{compression}");
        assert!(!p.signed);
        assert_eq!(p.summary.as_deref(), Some("World-writable test package"));
        assert_eq!(
            p.world_writable,
            vec!["/etc/ww.conf".to_string()],
            "{compression}"
        );
        assert_eq!(p.files, listed_entries(&deb), "{compression}");
        assert_eq!(p.files, 12, "{compression}");
        assert_eq!(p.size, std::fs::metadata(&deb).unwrap().len());
        assert_eq!(p.sha256, sha256sum(&deb), "{compression}");
    }
}

/// Free-form copyright files as real Debian packages ship them (copied from
/// this machine's /usr/share/doc, see tests/fixtures/copyright/ORIGIN.md):
/// the licence is read from the notice, and a file naming none is undeclared,
/// not absent.
#[test]
fn free_form_copyright_files() {
    let fixture = |f: &str| {
        let p = format!(
            "{}/tests/fixtures/copyright/{f}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(p).unwrap()
    };
    for (file, license, undeclared) in [
        // libgeronimo-interceptor-3.0-spec-java 1.0.1-4: "Licensed under the
        // Apache License, Version 2.0" and /usr/share/common-licenses/Apache-2.0.
        ("apache-2.0", Some("Apache-2.0"), false),
        // build-essential 12.9: "GNU General Public License ... either version
        // 2, or (at your option) any later version" and
        // `/usr/share/common-licenses/GPL'.
        ("gpl-2-or-later", Some("GPL-2.0-or-later"), false),
        ("unreadable", None, true),
    ] {
        let Some((_tmp, deb)) = build_deb_with("xz", &fixture(file)) else {
            return;
        };
        let p = read_package(&deb).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(p.license.as_deref(), license, "{file}");
        assert_eq!(p.license_undeclared, undeclared, "{file}");
    }
}

/// Rewrites an ar archive with `edit` applied to its member list.
fn rewrite_ar(src: &Path, dst: &Path, edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) {
    let mut members = Vec::new();
    let mut archive = ar::Archive::new(std::fs::File::open(src).unwrap());
    while let Some(entry) = archive.next_entry() {
        let mut entry = entry.unwrap();
        let name = String::from_utf8_lossy(entry.header().identifier()).into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        members.push((name, data));
    }
    edit(&mut members);
    write_ar(dst, &members);
}

fn write_ar(dst: &Path, members: &[(String, Vec<u8>)]) {
    let mut b = ar::Builder::new(std::fs::File::create(dst).unwrap());
    for (name, data) in members {
        let header = ar::Header::new(name.as_bytes().to_vec(), data.len() as u64);
        b.append(&header, data.as_slice()).unwrap();
    }
}

#[test]
fn debsigs_member_means_signed() {
    let Some((tmp, deb)) = build_deb("gzip") else {
        return;
    };
    let signed = tmp.path().join("signed.deb");
    rewrite_ar(&deb, &signed, |m| {
        m.push(("_gpgorigin".into(), b"sig".to_vec()))
    });
    assert!(read_package(&signed).unwrap().signed);
}

fn err_for(p: &Path) -> (PackageError, String) {
    let e = read_package(p).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains(&*p.file_name().unwrap().to_string_lossy()),
        "{msg}"
    );
    assert_eq!(e.path(), p);
    (e, msg)
}

#[test]
fn deb_without_control() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("nocontrol.deb");
    write_ar(
        &p,
        &[
            ("debian-binary".into(), b"2.0\n".to_vec()),
            ("data.tar".into(), vec![0; 1024]),
        ],
    );
    let (e, msg) = err_for(&p);
    assert!(matches!(e, PackageError::DebNoControl { .. }), "{msg}");
    assert!(msg.contains("no control.tar member"), "{msg}");
}

#[test]
fn deb_without_debian_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("nobinary.deb");
    write_ar(&p, &[("control.tar".into(), vec![0; 1024])]);
    let (e, msg) = err_for(&p);
    assert!(matches!(e, PackageError::DebNoDebianBinary { .. }), "{msg}");
    assert!(
        msg.contains("debian-binary") && msg.contains("control.tar"),
        "{msg}"
    );
}

#[test]
fn deb_with_unknown_compression() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("bz2.deb");
    write_ar(
        &p,
        &[
            ("debian-binary".into(), b"2.0\n".to_vec()),
            ("control.tar.bz2".into(), b"BZh91AY&SY".to_vec()),
        ],
    );
    let (e, msg) = err_for(&p);
    assert!(
        matches!(e, PackageError::UnknownCompression { .. }),
        "{msg}"
    );
    assert!(
        msg.contains("control.tar.bz2") && msg.contains("none, gz, xz and zst"),
        "{msg}"
    );
}

#[test]
fn deb_control_missing_fields() {
    let Some((tmp, deb)) = build_deb("none") else {
        return;
    };
    let p = tmp.path().join("fields.deb");
    rewrite_ar(&deb, &p, |m| {
        let mut tar = tar::Builder::new(Vec::new());
        let text = b"Package: x\nMaintainer: me\n";
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, "./control", &text[..]).unwrap();
        m[1] = ("control.tar".into(), tar.into_inner().unwrap());
    });
    let (e, msg) = err_for(&p);
    assert!(matches!(e, PackageError::DebControlFields { .. }), "{msg}");
    assert!(msg.contains("Version, Architecture"), "{msg}");
}

#[test]
fn truncated_debs() {
    for compression in ["gzip", "xz", "zstd"] {
        let Some((tmp, deb)) = build_deb(compression) else {
            return;
        };
        let bytes = std::fs::read(&deb).unwrap();
        // Not len - 1: that may only drop the final ar padding byte.
        for len in [bytes.len() / 2, bytes.len() - 2, 100, 30] {
            let p = tmp.path().join("cut.deb");
            std::fs::write(&p, &bytes[..len]).unwrap();
            let (e, msg) = err_for(&p);
            assert!(
                matches!(e, PackageError::Truncated { .. }),
                "{compression} {len}: {msg}"
            );
            assert!(msg.contains("truncated after"), "{msg}");
        }
    }
}

#[test]
fn corrupt_compressed_streams() {
    for (compression, ext) in [("gzip", ".gz"), ("xz", ".xz"), ("zstd", ".zst")] {
        let Some((tmp, deb)) = build_deb(compression) else {
            return;
        };
        let p = tmp.path().join("corrupt.deb");
        rewrite_ar(&deb, &p, |m| {
            assert!(m[2].0.ends_with(ext));
            let data = &mut m[2].1;
            let mid = data.len() / 2;
            for b in &mut data[mid..mid + 16] {
                *b ^= 0x5a;
            }
        });
        let (e, msg) = err_for(&p);
        // dpkg-deb writes zstd frames without a content checksum, so flipped
        // bytes can decode to garbage that only the tar layer notices.
        if compression == "zstd" && matches!(e, PackageError::DebMalformed { .. }) {
            assert!(msg.contains("data.tar.zst"), "{msg}");
            continue;
        }
        assert!(
            matches!(e, PackageError::CorruptStream { .. }),
            "{compression}: {msg}"
        );
        assert!(
            msg.contains(&format!("data.tar{ext}")) && msg.contains("corrupt"),
            "{msg}"
        );
    }
    // A gzip header followed by an invalid deflate block type.
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("badgz.deb");
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    gz.extend_from_slice(&[0xff; 32]);
    write_ar(
        &p,
        &[
            ("debian-binary".into(), b"2.0\n".to_vec()),
            ("control.tar.gz".into(), gz),
        ],
    );
    let (e, msg) = err_for(&p);
    assert!(matches!(e, PackageError::CorruptStream { .. }), "{msg}");
    assert!(msg.contains("control.tar.gz"), "{msg}");
}
