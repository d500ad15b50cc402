//! Test support: build REAL packages with `rpmbuild` and `dpkg-deb`.
//!
//! Integration tests use [`build_rpm`] and [`build_deb`] to make small but
//! genuine `.rpm` and `.deb` files in a temporary directory, and [`have`] to
//! skip when the tools are not installed:
//!
//! ```ignore
//! mod support;
//! use support::pkg::{self, RpmSpec};
//!
//! #[test]
//! fn el9_rpm() {
//!     if !pkg::have("rpmbuild") {
//!         eprintln!("skipped: rpmbuild not on PATH");
//!         return;
//!     }
//!     let out = tempfile::tempdir().unwrap();
//!     let rpm = pkg::build_rpm(out.path(), &RpmSpec { dist: ".el9", ..Default::default() });
//!     // ... run umd-release on `rpm` ...
//! }
//! ```
//!
//! Every build runs in its own temporary directory (the rpm `_topdir`, the
//! staged deb tree), so tests may build in parallel. Builds are reproducible:
//! `SOURCE_DATE_EPOCH` is fixed to [`SOURCE_DATE_EPOCH`], the rpm build host is
//! fixed to [`BUILD_HOST`], and all file times are clamped to that epoch.
//! The tools' output is captured and only shown (in the panic message) when
//! a build fails.
//!
//! What the packages hold:
//!
//! * rpm: `/usr/share/<name>/README` (0644), `/etc/<name>/` with
//!   `%config(noreplace) /etc/<name>/<name>.conf` (0644), a `%changelog`
//!   entry, and with `world_writable` also `/etc/<name>/open.conf` shipped
//!   with `%attr(0666,root,root)`. The payload is gzip-compressed
//!   (`_binary_payload w9.gzdio`, what el7's rpm reads and what every rpm
//!   version writes when told), whatever the local rpm's default is.
//! * deb: the same files (`/etc/<name>/<name>.conf` listed in
//!   `DEBIAN/conffiles`), and with `license: Some(..)` a DEP-5
//!   `/usr/share/doc/<name>/copyright` whose `Files: *` paragraph has that
//!   `License:` (with `copyright: Some(..)`, that text as the file instead).
//!
//! Compression of the deb members: `dpkg-deb -Z<c>` is documented for
//! `data.tar`, but recent dpkg-deb compresses `control.tar` the same way.
//! Checked with `ar t` on dpkg 1.21.23 (Debian 12): `-Zgzip` gives
//! `control.tar.gz` and `data.tar.gz`, `-Zxz` gives `control.tar.xz` and
//! `data.tar.xz`, `-Zzstd` gives `control.tar.zst` and `data.tar.zst`, and
//! `-Znone` gives an uncompressed `control.tar` and `data.tar`. Older
//! dpkg-deb releases always wrote `control.tar.gz`, so tests must not rely on
//! the control member's compression matching the data member's unless they
//! check it. `-Zzstd` needs a dpkg-deb with zstd support (Debian dpkg
//! 1.21.18 or later, or Ubuntu's patched dpkg); without it the build panics
//! with dpkg-deb's error.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime};

/// The fixed `SOURCE_DATE_EPOCH` of every build: Mon, 16 Nov 2026 09:00:00 UTC.
pub const SOURCE_DATE_EPOCH: u64 = 1_794_819_600;

/// The `%_buildhost` of every rpm built here.
pub const BUILD_HOST: &str = "build.example.org";

/// The maintainer / packager of every package built here.
pub const MAINTAINER: &str = "Test Packager <packager@example.org>";

/// True when `tool` is on `PATH` and runs: `tool --version` exits with success.
pub fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What [`build_rpm`] builds.
#[derive(Debug, Clone, Copy)]
pub struct RpmSpec<'a> {
    pub name: &'a str,
    pub version: &'a str,
    /// The release without the dist tag, e.g. `"1"`.
    pub release: &'a str,
    /// The dist tag appended to the release, e.g. `".el7"`, `".el9"`, or `""`
    /// for none.
    pub dist: &'a str,
    /// The `License:` tag, verbatim.
    pub license: &'a str,
    /// `"noarch"` (`BuildArch: noarch`) or a real arch such as `"x86_64"`
    /// (passed as `rpmbuild --target`).
    pub arch: &'a str,
    /// Also ship `/etc/<name>/open.conf` with `%attr(0666,root,root)`.
    pub world_writable: bool,
}

impl Default for RpmSpec<'_> {
    fn default() -> Self {
        RpmSpec {
            name: "demo",
            version: "1.0.0",
            release: "1",
            dist: ".el7",
            license: "Apache-2.0",
            arch: "noarch",
            world_writable: false,
        }
    }
}

/// What [`build_deb`] builds.
#[derive(Debug, Clone, Copy)]
pub struct DebSpec<'a> {
    pub name: &'a str,
    /// The full Debian version, e.g. `"1.0.0-1~xenial"` or `"2:1.0.0-1"`.
    pub version: &'a str,
    /// `"all"`, `"amd64"`, ...
    pub arch: &'a str,
    /// The `License:` of the DEP-5 `usr/share/doc/<name>/copyright` file;
    /// `None` ships no copyright file at all.
    pub license: Option<&'a str>,
    /// The whole copyright file instead (e.g. a free-form one); overrides `license`.
    pub copyright: Option<&'a str>,
    /// `dpkg-deb -Z` value: `"gzip"`, `"xz"`, `"zstd"` or `"none"`.
    pub compression: &'a str,
    /// Also ship `/etc/<name>/open.conf` with mode 0666.
    pub world_writable: bool,
}

impl Default for DebSpec<'_> {
    fn default() -> Self {
        DebSpec {
            name: "demo",
            version: "1.0.0-1~xenial",
            arch: "all",
            license: Some("Apache-2.0"),
            copyright: None,
            compression: "xz",
            world_writable: false,
        }
    }
}

/// Build an rpm with `rpmbuild -bb` and copy it into `out_dir`; returns its
/// path there (`<name>-<version>-<release><dist>.<arch>.rpm`).
///
/// Panics, with rpmbuild's output, when the build fails.
pub fn build_rpm(out_dir: &Path, spec: &RpmSpec) -> PathBuf {
    let top = tempfile::Builder::new()
        .prefix("rpmbuild-")
        .tempdir()
        .expect("create rpm _topdir");
    let topdir = top.path();
    let tmppath = topdir.join("tmp");
    fs::create_dir_all(&tmppath).expect("create rpm _tmppath");
    let spec_path = topdir.join(format!("{}.spec", spec.name));
    fs::write(&spec_path, rpm_spec_text(spec)).expect("write spec file");

    let mut cmd = Command::new("rpmbuild");
    cmd.arg("-bb")
        .arg("--quiet")
        .arg("--define")
        .arg(format!("_topdir {}", topdir.display()))
        .arg("--define")
        .arg(format!("_tmppath {}", tmppath.display()))
        .arg("--define")
        .arg(if spec.dist.is_empty() {
            "dist %{nil}".to_owned()
        } else {
            format!("dist {}", spec.dist)
        })
        .arg("--define")
        .arg(format!("_buildhost {BUILD_HOST}"))
        .arg("--define")
        .arg("use_source_date_epoch_as_buildtime 1")
        .arg("--define")
        .arg("clamp_mtime_to_source_date_epoch 1")
        .arg("--define")
        .arg("_binary_payload w9.gzdio");
    if spec.arch != "noarch" {
        cmd.arg("--target").arg(spec.arch);
    }
    cmd.arg(&spec_path);
    run(cmd, "rpmbuild");

    let file_name = format!(
        "{}-{}-{}{}.{}.rpm",
        spec.name, spec.version, spec.release, spec.dist, spec.arch
    );
    let built = topdir.join("RPMS").join(spec.arch).join(&file_name);
    assert!(
        built.is_file(),
        "rpmbuild succeeded but {} is missing; RPMS holds: {:?}",
        built.display(),
        list_files(&topdir.join("RPMS"))
    );
    copy_into(&built, out_dir, &file_name)
}

/// Build a deb with `dpkg-deb --root-owner-group -Z<compression> --build`
/// from a staged tree, written into `out_dir`; returns its path there
/// (`<name>_<version without epoch>_<arch>.deb`).
///
/// Panics, with dpkg-deb's output, when the build fails.
pub fn build_deb(out_dir: &Path, spec: &DebSpec) -> PathBuf {
    let stage = tempfile::Builder::new()
        .prefix("dpkg-deb-")
        .tempdir()
        .expect("create deb staging dir");
    let root = stage.path().join("root");
    let name = spec.name;

    let conf = format!("etc/{name}/{name}.conf");
    put(
        &root,
        &format!("usr/share/{name}/README"),
        0o644,
        &readme_text(name),
    );
    put(&root, &conf, 0o644, &conf_text(name));
    if spec.world_writable {
        put(
            &root,
            &format!("etc/{name}/open.conf"),
            0o666,
            "# deliberately world-writable\n",
        );
    }
    let copyright = match (spec.copyright, spec.license) {
        (Some(text), _) => Some(text.to_string()),
        (None, Some(license)) => Some(dep5_copyright(name, license)),
        (None, None) => None,
    };
    if let Some(text) = copyright {
        put(
            &root,
            &format!("usr/share/doc/{name}/copyright"),
            0o644,
            &text,
        );
    }
    let control = format!(
        "Package: {name}\n\
         Version: {version}\n\
         Architecture: {arch}\n\
         Maintainer: {MAINTAINER}\n\
         Installed-Size: 1\n\
         Section: misc\n\
         Priority: optional\n\
         Description: {name} test package\n \
         A package built by umd-release's test suite.\n",
        version = spec.version,
        arch = spec.arch,
    );
    put(&root, "DEBIAN/control", 0o644, &control);
    put(&root, "DEBIAN/conffiles", 0o644, &format!("/{conf}\n"));
    set_dir_modes_and_times(&root);

    let upstream_and_revision = spec
        .version
        .split_once(':')
        .map_or(spec.version, |(_epoch, rest)| rest);
    let file_name = format!("{name}_{upstream_and_revision}_{}.deb", spec.arch);
    fs::create_dir_all(out_dir).expect("create output dir");
    let out = out_dir.join(file_name);

    let mut cmd = Command::new("dpkg-deb");
    cmd.arg("--root-owner-group")
        .arg(format!("-Z{}", spec.compression))
        .arg("--build")
        .arg(&root)
        .arg(&out);
    run(cmd, "dpkg-deb");
    assert!(
        out.is_file(),
        "dpkg-deb succeeded but {} is missing",
        out.display()
    );
    out
}

fn rpm_spec_text(spec: &RpmSpec) -> String {
    let name = spec.name;
    let mut s = String::new();
    let _ = write!(
        s,
        "Name:           {name}\n\
         Version:        {version}\n\
         Release:        {release}%{{?dist}}\n\
         Summary:        {name} test package\n\
         License:        {license}\n\
         URL:            https://example.org/{name}\n",
        version = spec.version,
        release = spec.release,
        license = spec.license,
    );
    if spec.arch == "noarch" {
        s.push_str("BuildArch:      noarch\n");
    }
    let _ = write!(
        s,
        "\n%description\n\
         A package built by umd-release's test suite.\n\
         \n\
         %prep\n\
         \n\
         %build\n\
         \n\
         %install\n\
         mkdir -p %{{buildroot}}/usr/share/{name} %{{buildroot}}/etc/{name}\n\
         cat > %{{buildroot}}/usr/share/{name}/README <<'EOF'\n\
         {readme}EOF\n\
         cat > %{{buildroot}}/etc/{name}/{name}.conf <<'EOF'\n\
         {conf}EOF\n",
        readme = readme_text(name),
        conf = conf_text(name),
    );
    if spec.world_writable {
        let _ = writeln!(
            s,
            "echo '# deliberately world-writable' > %{{buildroot}}/etc/{name}/open.conf"
        );
    }
    let _ = write!(
        s,
        "\n%files\n\
         /usr/share/{name}\n\
         %dir /etc/{name}\n\
         %config(noreplace) /etc/{name}/{name}.conf\n"
    );
    if spec.world_writable {
        let _ = writeln!(
            s,
            "%attr(0666,root,root) %config(noreplace) /etc/{name}/open.conf"
        );
    }
    let _ = write!(
        s,
        "\n%changelog\n\
         * Mon Nov 16 2026 {MAINTAINER} - {version}-{release}\n\
         - Test build\n",
        version = spec.version,
        release = spec.release,
    );
    s
}

fn readme_text(name: &str) -> String {
    format!("{name}: a package built by umd-release's test suite.\n")
}

fn conf_text(name: &str) -> String {
    format!("# {name} configuration\nenabled = true\n")
}

fn dep5_copyright(name: &str, license: &str) -> String {
    format!(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
         Upstream-Name: {name}\n\
         Source: https://example.org/{name}\n\
         \n\
         Files: *\n\
         Copyright: 2026 Test Packager <packager@example.org>\n\
         License: {license}\n"
    )
}

/// Write `root/rel` with `mode`, creating parent directories.
fn put(root: &Path, rel: &str, mode: u32, contents: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("path has a parent")).expect("create dirs");
    fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    fs::set_permissions(&path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// Directories 0755 (whatever the umask), and every mtime at
/// [`SOURCE_DATE_EPOCH`], children before their directory.
fn set_dir_modes_and_times(dir: &Path) {
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(SOURCE_DATE_EPOCH);
    for entry in fs::read_dir(dir).expect("read staged dir") {
        let path = entry.expect("read staged dir entry").path();
        if path.is_dir() {
            set_dir_modes_and_times(&path);
        } else {
            fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(mtime))
                .unwrap_or_else(|e| panic!("set mtime of {}: {e}", path.display()));
        }
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).expect("chmod staged dir");
    fs::File::open(dir)
        .and_then(|f| f.set_modified(mtime))
        .unwrap_or_else(|e| panic!("set mtime of {}: {e}", dir.display()));
}

fn copy_into(src: &Path, out_dir: &Path, file_name: &str) -> PathBuf {
    fs::create_dir_all(out_dir).expect("create output dir");
    let dest = out_dir.join(file_name);
    fs::copy(src, &dest)
        .unwrap_or_else(|e| panic!("copy {} to {}: {e}", src.display(), dest.display()));
    dest
}

fn list_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(list_files(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// Run `cmd` quietly with the fixed build environment; panic with its output
/// when it cannot start or fails.
fn run(mut cmd: Command, what: &str) -> Output {
    cmd.env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH.to_string())
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what} ({cmd:?}): {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {cmd:?}\n--- stderr ---\n{}\n--- stdout ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout),
    );
    out
}
