//! Finds and reads every .rpm and .deb under an artifacts directory.

use super::{Package, PackageError, is_loop, read_package};
use std::path::Path;
use walkdir::WalkDir;

/// Reads all `*.rpm` and `*.deb` files below `dir` (following symlinks), sorted by
/// relative path, with [`Package::file`] relative to `dir`. Other files are ignored.
pub fn discover(dir: &Path) -> Result<Vec<Package>, PackageError> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(PackageError::MissingDir {
                path: dir.to_path_buf(),
                cause: std::io::Error::other("it is not a directory"),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PackageError::MissingDir {
                path: dir.to_path_buf(),
                cause: e,
            });
        }
        Err(e) => return Err(PackageError::io(dir, e)),
    }
    let mut found = Vec::new();
    // walkdir detects directory loops itself (ancestor check) so this cannot hang.
    for entry in WalkDir::new(dir).follow_links(true) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                if e.loop_ancestor().is_some() {
                    return Err(PackageError::SymlinkLoop { path });
                }
                let io = e
                    .into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("directory walk failed"));
                // A dangling link that is not a package name is as irrelevant as any other file.
                if io.kind() == std::io::ErrorKind::NotFound
                    && !is_package_name(&path)
                    && !is_loop(&io)
                {
                    continue;
                }
                return Err(PackageError::io(&path, io));
            }
        };
        if entry.file_type().is_file() && is_package_name(entry.path()) {
            found.push(entry.into_path());
        }
    }
    found.sort();
    found
        .into_iter()
        .map(|path| {
            let mut pkg = read_package(&path)?;
            pkg.file = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
            Ok(pkg)
        })
        .collect()
}

fn is_package_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("rpm") || e.eq_ignore_ascii_case("deb"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::path::PathBuf;

    fn fixture(rel: &str) -> PathBuf {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rpm")).join(rel)
    }

    #[test]
    fn finds_packages_sorted_and_relative() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::create_dir_all(d.join("el9/x86_64")).unwrap();
        std::fs::create_dir_all(d.join("aa")).unwrap();
        let basic = fixture("v4/rpm-basic-2.3.4-5.el9.noarch.rpm");
        std::fs::copy(&basic, d.join("el9/x86_64/b.rpm")).unwrap();
        std::fs::copy(fixture("v4/rpm-empty-0-0.x86_64.rpm"), d.join("el9/a.rpm")).unwrap();
        std::fs::write(d.join("el9/a.rpm.sha256"), "x").unwrap();
        std::fs::write(d.join("README.md"), "x").unwrap();
        symlink(&basic, d.join("aa/linked.rpm")).unwrap();
        symlink(d.join("nowhere"), d.join("dangling.sha256")).unwrap();
        let pkgs = discover(d).unwrap();
        let files: Vec<_> = pkgs.iter().map(|p| p.file.to_str().unwrap()).collect();
        assert_eq!(files, ["aa/linked.rpm", "el9/a.rpm", "el9/x86_64/b.rpm"]);
        assert_eq!(pkgs[1].name, "rpm-empty");
        assert_eq!(pkgs[0].sha256, pkgs[2].sha256);
    }

    #[test]
    fn only_other_files_gives_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("notes.txt"), "x").unwrap();
        std::fs::write(tmp.path().join("pkg.rpm.sha256"), "x").unwrap();
        assert!(discover(tmp.path()).unwrap().is_empty());
    }

    #[test]
    fn directory_symlink_loop_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("sub")).unwrap();
        symlink(tmp.path(), tmp.path().join("sub/back")).unwrap();
        let e = discover(tmp.path()).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, PackageError::SymlinkLoop { .. }), "{msg}");
        assert!(msg.contains("sub/back") && msg.contains("loop"), "{msg}");
    }

    #[test]
    fn file_symlink_loop_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        symlink(tmp.path().join("b.rpm"), tmp.path().join("a.rpm")).unwrap();
        symlink(tmp.path().join("a.rpm"), tmp.path().join("b.rpm")).unwrap();
        let e = discover(tmp.path()).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, PackageError::SymlinkLoop { .. }), "{msg}");
        assert!(msg.contains(".rpm") && msg.contains("loop"), "{msg}");
    }

    #[test]
    fn missing_dir_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let gone = tmp.path().join("artifacts");
        let e = discover(&gone).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, PackageError::MissingDir { .. }), "{msg}");
        assert_eq!(e.path(), gone);
        assert!(
            msg.contains("artifacts") && msg.contains("No such file"),
            "{msg}"
        );
        let file = tmp.path().join("file");
        std::fs::write(&file, "").unwrap();
        assert!(
            discover(&file)
                .unwrap_err()
                .to_string()
                .contains("not a directory")
        );
    }

    #[test]
    fn bad_package_fails_discover() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("bad.deb"), "nope").unwrap();
        let msg = discover(tmp.path()).unwrap_err().to_string();
        assert!(msg.contains("bad.deb") && msg.contains("neither"), "{msg}");
    }
}
