//! Native package readers (rpm and deb): metadata only, streamed, hashed.
//!
//! Every package file is read once, sequentially, through a [`HashingReader`]
//! so the sha256 covers the whole file while only the metadata (rpm headers,
//! deb control and data.tar entry headers) is ever decoded. Memory stays
//! bounded regardless of the package size, and on hostile input too: every
//! size a file claims is checked against a limit before anything is allocated
//! for it (see the README's "Limits"), and a panic inside a decoder becomes
//! that file's error.

mod deb;
mod discover;
mod rpm;

pub use deb::{CopyrightLicense, read_copyright};
pub use discover::discover;

use sha2::{Digest, Sha256};
use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;

/// The on-disk format of a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PackageFormat {
    Rpm,
    Deb,
}

/// Metadata of one rpm or deb package file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Package {
    /// The path it was read from ([`discover`] makes it relative to the artifacts dir).
    pub file: PathBuf,
    pub format: PackageFormat,
    pub name: String,
    pub epoch: Option<u32>,
    /// rpm Version tag; deb upstream version (epoch and revision stripped).
    pub version: String,
    /// rpm Release tag; deb Debian revision ("" for a native package).
    pub release: String,
    /// rpm Arch ("src" for a source rpm); deb Architecture.
    pub arch: String,
    /// rpm License tag; deb `/usr/share/doc/<name>/copyright`: the first
    /// `License:` (DEP-5 or not), else the SPDX expression its free-form wording
    /// amounts to (see [`read_copyright`]).
    pub license: Option<String>,
    /// deb: the copyright file is there but declares no licence the reader can
    /// read (`license` is then None); false for rpm and for a deb without one.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub license_undeclared: bool,
    /// rpm: the signature header holds an RSA/DSA/PGP/GPG/OpenPGP signature; deb: a `_gpg*` member.
    pub signed: bool,
    /// File size in bytes.
    pub size: u64,
    /// Lowercase hex sha256 of the whole file.
    pub sha256: String,
    /// Number of payload entries (rpm header file entries; deb data.tar entries).
    pub files: u64,
    /// Paths of files or directories with o+w (no symlinks, no sticky directories).
    pub world_writable: Vec<String>,
    /// rpm Summary; deb first line of Description.
    pub summary: Option<String>,
}

/// Advice appended to messages about damaged files.
const REFETCH: &str = "rebuild or re-download the package";

/// Why a package (or the artifacts directory) could not be read.
///
/// Every variant's message is one paragraph naming the file, the problem and
/// what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    #[error(
        "{}: cannot read the file ({cause}); check that it exists and that this user may read it",
        path.display()
    )]
    Io { path: PathBuf, cause: io::Error },

    #[error(
        "{}: the file is neither an rpm nor a deb ({found}); only .rpm and .deb packages belong with the release artifacts: remove or replace it",
        path.display()
    )]
    NotAPackage { path: PathBuf, found: String },

    #[error(
        "{}: the file ends inside the {part} (truncated after {got} of {needed} bytes); the upload or download was probably cut short: {REFETCH}",
        path.display()
    )]
    Truncated {
        path: PathBuf,
        part: String,
        got: u64,
        needed: u64,
    },

    #[error(
        "{}: the rpm header is malformed ({detail}); the file is damaged or was not written by rpm: {REFETCH}",
        path.display()
    )]
    RpmHeader { path: PathBuf, detail: String },

    #[error(
        "{}: the rpm {which} header claims an absurd size ({entries} index entries, {data_size} data bytes; the limits are 65536 entries and 256 MiB); the file is damaged or hostile: {REFETCH}",
        path.display()
    )]
    HeaderTooLarge {
        path: PathBuf,
        which: &'static str,
        entries: u32,
        data_size: u32,
    },

    #[error(
        "{}: the deb has no control.tar member, so its metadata cannot be read; the archive is damaged or was not built by dpkg-deb: {REFETCH}",
        path.display()
    )]
    DebNoControl { path: PathBuf },

    #[error(
        "{}: the deb does not start with a debian-binary member (found {found}); the archive is damaged or is not a Debian package: {REFETCH}",
        path.display()
    )]
    DebNoDebianBinary { path: PathBuf, found: String },

    #[error(
        "{}: the deb control file lacks the {} field(s); fix debian/control and rebuild the package",
        path.display(), missing.join(", ")
    )]
    DebControlFields {
        path: PathBuf,
        missing: Vec<&'static str>,
    },

    #[error(
        "{}: the deb is malformed ({detail}); {REFETCH}",
        path.display()
    )]
    DebMalformed { path: PathBuf, detail: String },

    #[error(
        "{}: the deb member {member} uses an unknown compression; the supported ones are none, gz, xz and zst: rebuild with dpkg-deb -Zgzip, -Zxz, -Zzstd or -Znone",
        path.display()
    )]
    UnknownCompression { path: PathBuf, member: String },

    #[error(
        "{}: the compressed deb member {member} is corrupt ({detail}); {REFETCH}",
        path.display()
    )]
    CorruptStream {
        path: PathBuf,
        member: String,
        detail: String,
    },

    #[error(
        "{}: {what} exceeds {limit}; genuine packages stay far below it, so the file is damaged or hostile: {REFETCH}",
        path.display()
    )]
    OverLimit {
        path: PathBuf,
        what: String,
        limit: String,
    },

    #[error(
        "{}: the package reader crashed on it ({detail}); the file is damaged or hostile: {REFETCH} (if it is a genuine package, please report this as a bug)",
        path.display()
    )]
    Crashed { path: PathBuf, detail: String },

    #[error(
        "{}: symbolic link loop (a link points back to itself or to a parent directory); remove or fix the link",
        path.display()
    )]
    SymlinkLoop { path: PathBuf },

    #[error(
        "{}: the artifacts directory cannot be used ({cause}); check the path, and that the packages were built or downloaded there",
        path.display()
    )]
    MissingDir { path: PathBuf, cause: io::Error },
}

impl PackageError {
    /// The file or directory the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::Io { path, .. }
            | Self::NotAPackage { path, .. }
            | Self::Truncated { path, .. }
            | Self::RpmHeader { path, .. }
            | Self::HeaderTooLarge { path, .. }
            | Self::DebNoControl { path }
            | Self::DebNoDebianBinary { path, .. }
            | Self::DebControlFields { path, .. }
            | Self::DebMalformed { path, .. }
            | Self::UnknownCompression { path, .. }
            | Self::CorruptStream { path, .. }
            | Self::OverLimit { path, .. }
            | Self::Crashed { path, .. }
            | Self::SymlinkLoop { path }
            | Self::MissingDir { path, .. } => path,
        }
    }

    /// An I/O error, recognising symlink loops (ELOOP) so they get their own message.
    pub(crate) fn io(path: &Path, cause: io::Error) -> Self {
        if is_loop(&cause) {
            Self::SymlinkLoop {
                path: path.to_path_buf(),
            }
        } else {
            Self::Io {
                path: path.to_path_buf(),
                cause,
            }
        }
    }
}

/// `ErrorKind::FilesystemLoop` is not matchable on stable, so check errno and the kind's name.
pub(crate) fn is_loop(err: &io::Error) -> bool {
    const ELOOP: i32 = 40; // Linux
    (cfg!(target_os = "linux") && err.raw_os_error() == Some(ELOOP))
        || format!("{:?}", err.kind()) == "FilesystemLoop"
}

/// Read buffer size: large sequential reads are what makes hashing GiB files fast.
const BUF_SIZE: usize = 256 * 1024;

/// A reader that feeds every byte it returns into sha256 and counts them.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R: Read> HashingReader<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// Bytes consumed so far.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Reads whatever is left, so the digest and count cover the whole file.
    fn finish(mut self) -> io::Result<(String, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        let digest = self.hasher.finalize();
        let mut hex = String::with_capacity(64);
        for b in digest {
            let _ = write!(hex, "{b:02x}");
        }
        Ok((hex, self.count))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = buf.get(..n).unwrap_or(buf);
        self.hasher.update(got);
        self.count += got.len() as u64;
        Ok(n)
    }
}

/// Reads up to `buf.len()` bytes, stopping early only at end of file; returns how many.
pub(crate) fn read_full(
    r: &mut impl Read,
    buf: &mut [u8],
    path: &Path,
) -> Result<usize, PackageError> {
    let mut got = 0;
    while let Some(rest) = buf.get_mut(got..) {
        if rest.is_empty() {
            break;
        }
        match r.read(rest) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(PackageError::io(path, e)),
        }
    }
    Ok(got)
}

const RPM_MAGIC: [u8; 4] = [0xed, 0xab, 0xee, 0xdb];
const AR_MAGIC: &[u8; 8] = b"!<arch>\n";

/// Reads one package, choosing rpm or deb from the file's magic bytes (not its name).
pub fn read_package(path: &Path) -> Result<Package, PackageError> {
    let file = File::open(path).map_err(|e| PackageError::io(path, e))?;
    let meta = file.metadata().map_err(|e| PackageError::io(path, e))?;
    if meta.is_dir() {
        return Err(PackageError::NotAPackage {
            path: path.to_path_buf(),
            found: "it is a directory".into(),
        });
    }
    read_package_from(path, BufReader::with_capacity(BUF_SIZE, file), meta.len())
}

/// Reads one package of `len` bytes from `input`; `path` only names it in the
/// result and in errors. [`read_package`] is this on a file; the fuzz targets
/// call it on bytes.
pub fn read_package_from(path: &Path, input: impl Read, len: u64) -> Result<Package, PackageError> {
    contained(|| read_inner(path, input, len)).unwrap_or_else(|detail| {
        Err(PackageError::Crashed {
            path: path.to_path_buf(),
            detail,
        })
    })
}

fn read_inner(path: &Path, input: impl Read, len: u64) -> Result<Package, PackageError> {
    let mut reader = HashingReader::new(input);
    let mut magic = [0u8; 8];
    let n = read_full(&mut reader, &mut magic, path)?;
    let magic = magic.get(..n).unwrap_or(&[]);
    let mut pkg = if magic.starts_with(&RPM_MAGIC) {
        rpm::read(path, magic, &mut reader)?
    } else if magic == AR_MAGIC {
        deb::read(path, &mut reader, len)?
    } else {
        let found = if n == 0 {
            "the file is empty".to_string()
        } else {
            let hex: Vec<String> = magic.iter().map(|b| format!("{b:02x}")).collect();
            format!("it starts with the bytes {}", hex.join(" "))
        };
        return Err(PackageError::NotAPackage {
            path: path.to_path_buf(),
            found,
        });
    };
    let (sha256, size) = reader.finish().map_err(|e| PackageError::io(path, e))?;
    pkg.sha256 = sha256;
    pkg.size = size;
    Ok(pkg)
}

thread_local! {
    /// Set while [`contained`] runs on this thread: panics are recorded, not printed.
    static CONTAINING: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, turning a panic inside it (the decoders and the `rpm` crate are
/// third-party code fed hostile bytes) into `Err` with the panic's location and
/// message, without the default hook printing "panicked at" to the user.
///
/// The hook is installed once for the process and defers to the previous one
/// outside `contained`, so panics elsewhere are reported exactly as before.
pub(crate) fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CONTAINING.with(Cell::get) {
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".into());
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_else(|| "an unknown place".into());
                CAUGHT.with(|c| *c.borrow_mut() = Some(format!("at {at}: {msg}")));
            } else {
                previous(info);
            }
        }));
    });
    let outer = CONTAINING.with(|c| c.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CONTAINING.with(|c| c.set(outer));
    result.map_err(|_| {
        CAUGHT
            .with(|c| c.borrow_mut().take())
            .unwrap_or_else(|| "a panic with no message".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_not_a_package() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("empty.rpm");
        std::fs::write(&p, b"").unwrap();
        let msg = read_package(&p).unwrap_err().to_string();
        assert!(msg.contains("empty.rpm"), "{msg}");
        assert!(msg.contains("neither an rpm nor a deb"), "{msg}");
        assert!(msg.contains("empty"), "{msg}");
    }

    #[test]
    fn garbage_is_not_a_package() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("garbage.deb");
        std::fs::write(&p, b"hello, this is not a package at all").unwrap();
        let err = read_package(&p).unwrap_err();
        assert_eq!(err.path(), p);
        let msg = err.to_string();
        assert!(msg.contains("garbage.deb"), "{msg}");
        assert!(msg.contains("neither an rpm nor a deb"), "{msg}");
        assert!(msg.contains("68 65 6c 6c"), "{msg}");
    }

    #[test]
    fn missing_file_is_io_error() {
        let err = read_package(Path::new("/nonexistent/x.rpm")).unwrap_err();
        assert!(matches!(err, PackageError::Io { .. }));
        assert!(err.to_string().contains("/nonexistent/x.rpm"));
    }

    #[test]
    fn panics_are_contained_and_quiet() {
        let err = contained(|| -> u8 { panic!("boom {}", 7) }).unwrap_err();
        assert!(err.contains("boom 7") && err.contains("mod.rs"), "{err}");
        assert_eq!(contained(|| 5), Ok(5));
        // Nested: the inner one is caught first, the outer still sees a value.
        assert_eq!(
            contained(|| contained(|| -> u8 { panic!("inner") }).is_err()),
            Ok(true)
        );
    }

    #[test]
    fn hashing_reader_hashes_everything() {
        let mut r = HashingReader::new(&b"abc"[..]);
        let mut b = [0u8; 1];
        r.read_exact(&mut b).unwrap();
        let (hex, n) = r.finish().unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
