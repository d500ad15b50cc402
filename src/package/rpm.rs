//! rpm reader: lead, signature header and main header only; the payload is never decoded.
//!
//! The header sizes are validated here before any byte reaches the `rpm` crate,
//! because the crate allocates whatever an index count or data size claims and
//! slices its store with unchecked entry offsets. Only the exact header bytes
//! (lead + signature header + padding + main header) are handed to it.

use super::{HashingReader, Package, PackageError, PackageFormat, contained, read_full};
use ::rpm::{IndexSignatureTag, IndexTag, PackageMetadata};
use std::io::{self, Read};
use std::path::Path;

const LEAD_SIZE: usize = 96;
const INTRO_SIZE: usize = 16;
const INDEX_ENTRY_SIZE: u64 = 16;
const HEADER_MAGIC: [u8; 4] = [0x8e, 0xad, 0xe8, 0x01];
/// librpm refuses more than 0xffff index entries; allow a little slack.
const MAX_INDEX_ENTRIES: u32 = 0x10000;
/// librpm caps a header's data store at 256 MiB.
const MAX_DATA_SIZE: u32 = 256 * 1024 * 1024;
/// The crate keeps each string of a header as a `String` (24 bytes plus its
/// allocation), so the number of strings is capped too: 4 Mi strings cost about
/// 200 MiB, and a package with 100,000 files has under a million.
const MAX_STRING_ITEMS: u64 = 4 * 1024 * 1024;

/// Signature tags that carry an actual signature (not just a digest).
const SIGNATURE_TAGS: [u32; 5] = [
    IndexSignatureTag::RPMSIGTAG_DSA as u32,
    IndexSignatureTag::RPMSIGTAG_RSA as u32,
    IndexSignatureTag::RPMSIGTAG_PGP as u32,
    IndexSignatureTag::RPMSIGTAG_GPG as u32,
    IndexSignatureTag::RPMSIGTAG_OPENPGP as u32,
];

const S_IFMT: u16 = 0o170000;
const S_IFDIR: u16 = 0o040000;
const S_IFLNK: u16 = 0o120000;
const S_ISVTX: u16 = 0o1000;
const S_IWOTH: u16 = 0o002;

/// Reads the metadata of an rpm; `magic` holds the bytes already consumed from `reader`.
pub(super) fn read<R: Read>(
    path: &Path,
    magic: &[u8],
    reader: &mut HashingReader<R>,
) -> Result<Package, PackageError> {
    let mut input = magic.chain(reader);
    let mut bytes = vec![0u8; LEAD_SIZE];
    let got = read_full(&mut input, &mut bytes, path)?;
    if got < LEAD_SIZE {
        return Err(truncated(path, "rpm lead", got, LEAD_SIZE as u64));
    }
    read_header(path, "signature", &mut input, &mut bytes, true)?;
    let main_start = bytes.len() as u64;
    read_header(path, "main", &mut input, &mut bytes, false)?;

    let mut cursor = io::Cursor::new(bytes.as_slice());
    // The checks above make the crate's parser safe; catch_unwind is a backstop so a
    // missed corner case becomes an error message instead of aborting the whole run.
    let meta = contained(|| PackageMetadata::parse(&mut cursor))
        .map_err(|p| malformed(path, format!("the rpm crate could not parse it ({p})")))?
        .map_err(|e| malformed(path, e))?;
    let pkg = contained(|| extract(path, &meta))
        .map_err(|p| malformed(path, format!("the rpm crate could not read its tags ({p})")))??;

    // The signature header records the size of main header + payload; reading to the
    // end (needed for the hash anyway) tells whether the payload is all there.
    let declared = match meta
        .signature
        .get_entry_data_as_u64(IndexSignatureTag::RPMSIGTAG_LONGSIZE)
    {
        Ok(n) => Some(n),
        Err(_) => meta
            .signature
            .get_entry_data_as_u32(IndexSignatureTag::RPMSIGTAG_SIZE)
            .ok()
            .map(u64::from),
    };
    io::copy(&mut input, &mut io::sink()).map_err(|e| PackageError::io(path, e))?;
    let got = input.into_inner().1.count().saturating_sub(main_start);
    match declared {
        Some(needed) if got < needed => Err(PackageError::Truncated {
            path: path.to_path_buf(),
            part: "rpm payload".into(),
            got,
            needed,
        }),
        _ => Ok(pkg),
    }
}

/// Reads one header (intro, index and store) into `out`, after checking its sizes.
fn read_header(
    path: &Path,
    which: &'static str,
    input: &mut impl Read,
    out: &mut Vec<u8>,
    pad: bool,
) -> Result<(), PackageError> {
    let mut intro = [0u8; INTRO_SIZE];
    let got = read_full(input, &mut intro, path)?;
    if got < INTRO_SIZE {
        return Err(truncated(
            path,
            &format!("rpm {which} header"),
            got,
            INTRO_SIZE as u64,
        ));
    }
    let [m0, m1, m2, m3, _, _, _, _, c0, c1, c2, c3, d0, d1, d2, d3] = intro;
    if [m0, m1, m2, m3] != HEADER_MAGIC {
        return Err(malformed(
            path,
            format!(
                "the {which} header magic is {m0:02x} {m1:02x} {m2:02x} {m3:02x} instead of 8e ad e8 01"
            ),
        ));
    }
    let entries = u32::from_be_bytes([c0, c1, c2, c3]);
    let data_size = u32::from_be_bytes([d0, d1, d2, d3]);
    if entries > MAX_INDEX_ENTRIES || data_size > MAX_DATA_SIZE {
        return Err(PackageError::HeaderTooLarge {
            path: path.to_path_buf(),
            which,
            entries,
            data_size,
        });
    }
    let index_len = u64::from(entries) * INDEX_ENTRY_SIZE;
    let padding = if pad {
        (8 - u64::from(data_size) % 8) % 8
    } else {
        0
    };
    let needed = index_len + u64::from(data_size) + padding;
    out.extend_from_slice(&intro);
    let start = out.len();
    // take + read_to_end grows with the bytes actually present, so a truncated
    // file claiming a big header does not allocate the claimed size.
    input
        .take(needed)
        .read_to_end(out)
        .map_err(|e| PackageError::io(path, e))?;
    let got = (out.len() - start) as u64;
    if got < needed {
        return Err(truncated(
            path,
            &format!("rpm {which} header"),
            got as usize + INTRO_SIZE,
            needed + INTRO_SIZE as u64,
        ));
    }
    let index = out.get(start..start + index_len as usize).unwrap_or(&[]);
    let store = out.get(start + index_len as usize..).unwrap_or(&[]);
    let store = store.get(..data_size as usize).unwrap_or(store);
    check_entries(index, store)
        .map_err(|detail| malformed(path, format!("{which} header {detail}")))
}

/// One index entry: its position in the index, type, store offset and item count.
struct IndexEntry {
    i: usize,
    kind: u32,
    offset: u32,
    count: u32,
}

/// Checks that every entry's data lies in the store and that no two entries share
/// store bytes. The crate copies each entry's data out of the store and sizes
/// vectors by each entry's count without checking either, so without this 65,536
/// entries naming the same 16 KiB would make it allocate 1 GiB from a 1 MB file.
/// Entries are taken in store order; each string entry is scanned once, so the
/// work is linear in the store. librpm writes every entry's data once, so genuine
/// headers never overlap.
fn check_entries(index: &[u8], store: &[u8]) -> Result<(), String> {
    let mut entries: Vec<IndexEntry> = index
        .chunks_exact(INDEX_ENTRY_SIZE as usize)
        .enumerate()
        .filter_map(|(i, e)| {
            let word = |at: usize| {
                e.get(at..at + 4)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map(u32::from_be_bytes)
            };
            Some(IndexEntry {
                i,
                kind: word(4)?,
                offset: word(8)?,
                count: word(12)?,
            })
        })
        .collect();
    entries.sort_by_key(|e| e.offset);
    let size = store.len();
    let mut end_of_previous: Option<(usize, usize)> = None; // (entry, end offset)
    let mut string_items: u64 = 0;
    for e in &entries {
        let offset = e.offset as usize;
        let count = u64::from(e.count);
        let (i, kind) = (e.i, e.kind);
        let tail = store.get(offset..).ok_or_else(|| {
            format!("entry {i} (offset {offset}) starts past the end of its {size}-byte store")
        })?;
        // Bytes per item: numbers have their width; strings end at their NUL.
        let width: u64 = match kind {
            0 => 0, // NULL
            3 => 2, // INT16
            4 => 4, // INT32
            5 => 8, // INT64
            _ => 1,
        };
        let len = match kind {
            6 | 8 | 9 => {
                // STRING (one), STRING_ARRAY and I18NSTRING (count strings).
                string_items += count;
                if string_items > MAX_STRING_ITEMS {
                    return Err(format!(
                        "holds more than {MAX_STRING_ITEMS} strings, the limit for one header"
                    ));
                }
                let strings = if kind == 6 { 1 } else { count };
                string_extent(tail, strings).ok_or_else(|| {
                    format!(
                        "entry {i} (offset {offset}, {count} strings) runs past the end of its {size}-byte store"
                    )
                })?
            }
            _ => {
                let len = count * width;
                if len > tail.len() as u64 {
                    return Err(format!(
                        "entry {i} (offset {offset}, {count} items) does not fit in its {size}-byte store"
                    ));
                }
                len as usize
            }
        };
        if len == 0 {
            continue;
        }
        if let Some((prev, end)) = end_of_previous
            && offset < end
        {
            return Err(format!(
                "entries {prev} and {i} share store bytes (from offset {offset}); \
                 each entry's data must have its own place in the {size}-byte store"
            ));
        }
        end_of_previous = Some((i, offset + len));
    }
    Ok(())
}

/// Length of the first `n` NUL-terminated strings of `bytes`, or None if they do not all end.
fn string_extent(bytes: &[u8], n: u64) -> Option<usize> {
    let mut at = 0usize;
    for _ in 0..n {
        let rest = bytes.get(at..)?;
        at += rest.iter().position(|&b| b == 0)? + 1;
    }
    Some(at)
}

/// Pulls the fields we need out of the parsed headers.
fn extract(path: &Path, meta: &PackageMetadata) -> Result<Package, PackageError> {
    let h = &meta.header;
    let required = |tag: IndexTag, what: &str| {
        h.get_entry_data_as_string(tag)
            .map(str::to_owned)
            .map_err(|e| malformed(path, format!("{what}: {e}")))
    };
    let optional = |r: Result<&str, ::rpm::Error>| r.ok().map(str::to_owned);

    let name = required(IndexTag::RPMTAG_NAME, "Name")?;
    let version = required(IndexTag::RPMTAG_VERSION, "Version")?;
    let release = required(IndexTag::RPMTAG_RELEASE, "Release")?;
    let arch = if meta.is_source_package() {
        "src".to_string()
    } else {
        required(IndexTag::RPMTAG_ARCH, "Arch")?
    };
    let epoch = match meta.get_epoch() {
        Ok(e) => Some(e),
        Err(::rpm::Error::TagNotFound(_)) => None,
        Err(e) => return Err(malformed(path, format!("Epoch: {e}"))),
    };
    let signed = SIGNATURE_TAGS
        .iter()
        .any(|t| meta.signature.entry_is_present(*t));
    let (files, world_writable) = file_modes(path, meta)?;

    Ok(Package {
        file: path.to_path_buf(),
        format: PackageFormat::Rpm,
        name,
        epoch,
        version,
        release,
        arch,
        license: optional(meta.get_license()),
        license_undeclared: false,
        signed,
        size: 0,
        sha256: String::new(),
        files,
        world_writable,
        summary: optional(meta.get_summary()),
    })
}

/// Counts the file entries and lists the world-writable ones.
///
/// Done by hand from the raw tag arrays, with checked lookups, rather than with
/// `get_file_entries` (which indexes dirnames by unchecked dir indexes).
fn file_modes(path: &Path, meta: &PackageMetadata) -> Result<(u64, Vec<String>), PackageError> {
    let h = &meta.header;
    let modes = match h.get_entry_data_as_u16_array(IndexTag::RPMTAG_FILEMODES) {
        Ok(m) => m,
        Err(::rpm::Error::TagNotFound(_)) => return Ok((0, Vec::new())),
        Err(e) => return Err(malformed(path, format!("FileModes: {e}"))),
    };
    let names: Vec<String> = match h.get_entry_data_as_string_array(IndexTag::RPMTAG_BASENAMES) {
        Ok(basenames) => {
            let dirs = h
                .get_entry_data_as_string_array(IndexTag::RPMTAG_DIRNAMES)
                .map_err(|e| malformed(path, format!("DirNames: {e}")))?;
            let index = h
                .get_entry_data_as_u32_array(IndexTag::RPMTAG_DIRINDEXES)
                .map_err(|e| malformed(path, format!("DirIndexes: {e}")))?;
            if index.len() != basenames.len() {
                return Err(malformed(path, "DirIndexes and BaseNames differ in length"));
            }
            basenames
                .iter()
                .zip(&index)
                .map(|(base, &i)| {
                    let dir = dirs.get(i as usize).ok_or_else(|| {
                        malformed(
                            path,
                            format!("dir index {i} is past the {} DirNames", dirs.len()),
                        )
                    })?;
                    Ok(format!("{dir}{base}"))
                })
                .collect::<Result<_, PackageError>>()?
        }
        // Packages from before rpm 4.0 store full paths in OldFileNames.
        Err(::rpm::Error::TagNotFound(_)) => h
            .get_entry_data_as_string_array(IndexTag::RPMTAG_OLDFILENAMES)
            .map_err(|e| malformed(path, format!("file names: {e}")))?
            .into_iter()
            .map(str::to_owned)
            .collect(),
        Err(e) => return Err(malformed(path, format!("BaseNames: {e}"))),
    };
    if names.len() != modes.len() {
        return Err(malformed(
            path,
            format!("{} file modes for {} file names", modes.len(), names.len()),
        ));
    }
    let count = modes.len() as u64;
    let world_writable = names
        .into_iter()
        .zip(modes)
        .filter(|&(_, mode)| is_world_writable(mode))
        .map(|(name, _)| name)
        .collect();
    Ok((count, world_writable))
}

/// o+w, ignoring symlinks (always 0777) and sticky directories such as /tmp.
fn is_world_writable(mode: u16) -> bool {
    let kind = mode & S_IFMT;
    mode & S_IWOTH != 0 && kind != S_IFLNK && !(kind == S_IFDIR && mode & S_ISVTX != 0)
}

fn malformed(path: &Path, detail: impl ToString) -> PackageError {
    PackageError::RpmHeader {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

fn truncated(path: &Path, part: &str, got: usize, needed: u64) -> PackageError {
    PackageError::Truncated {
        path: path.to_path_buf(),
        part: part.to_string(),
        got: got as u64,
        needed,
    }
}

#[cfg(test)]
mod tests {
    use super::super::read_package;
    use super::*;
    use std::path::PathBuf;
    use std::process::Command;

    fn fixture(rel: &str) -> PathBuf {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rpm")).join(rel)
    }

    /// Expected values from `rpm -qp --qf '%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH} %{LICENSE}'`,
    /// `rpm -qpl | wc -l`, `sha256sum` and `stat -c %s`.
    #[test]
    fn fixtures_match_rpm() {
        let basic = |rel, signed, sha: &str, size| {
            (
                rel,
                "rpm-basic",
                Some(1),
                "2.3.4",
                "5.el9",
                "noarch",
                "MPL-2.0",
                signed,
                11,
                sha.to_string(),
                size,
            )
        };
        let cases = [
            basic(
                "v4/rpm-basic-2.3.4-5.el9.noarch.rpm",
                false,
                "137c4754a12545b86aca594a7941060d4926a96b15dbf2e03c1a78838708a618",
                10953,
            ),
            basic(
                "v4/signed/rpm-basic-with-rsa4096-2.3.4-5.el9.noarch.rpm",
                true,
                "b0cfed6e77bba6fc8a0d9664574701f68ea2ff36737e70786f590f1804d221d6",
                10953,
            ),
            basic(
                "v6/rpm-basic-2.3.4-5.el9.noarch.rpm",
                false,
                "1aca2bf7a7111f5524f5a3ee492c9cac63d7fda15b8df2b6c264fa523a51ebf5",
                10119,
            ),
            basic(
                "v6/signed/rpm-basic-multiple-signatures-2.3.4-5.el9.noarch.rpm",
                true,
                "8b4f15f9ad620fc1a1284c9665323e81e4c2fe98e2c7bb8eb9e8b6c0c0285968",
                10119,
            ),
            basic(
                "v6/xz/rpm-basic-2.3.4-5.el9.noarch.rpm",
                false,
                "1f7abeb2e370fe4e41f551da342e6e4e6bf8e5a3b18d335d1d7f1e2be0d14bc6",
                9939,
            ),
            basic(
                "v6/zstd/rpm-basic-2.3.4-5.el9.noarch.rpm",
                false,
                "26663c6879aad52ca02e6de039083be3d53c446f5a4785de070515e1b5a0f6c5",
                9878,
            ),
            (
                "v4/rpm-empty-0-0.x86_64.rpm",
                "rpm-empty",
                None,
                "0",
                "0",
                "x86_64",
                "LGPL",
                false,
                0,
                "438b283e432252fdaef1c7045cabd3f8ca54f87f1606c068f6168972a1df2150".to_string(),
                6153,
            ),
        ];
        for (rel, name, epoch, version, release, arch, license, signed, files, sha, size) in cases {
            let p = read_package(&fixture(rel)).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(p.format, PackageFormat::Rpm, "{rel}");
            assert_eq!(p.file, fixture(rel));
            assert_eq!(
                (
                    p.name.as_str(),
                    p.epoch,
                    p.version.as_str(),
                    p.release.as_str(),
                    p.arch.as_str()
                ),
                (name, epoch, version, release, arch),
                "{rel}"
            );
            assert_eq!(p.license.as_deref(), Some(license), "{rel}");
            assert_eq!(p.signed, signed, "{rel}");
            assert_eq!(p.files, files, "{rel}");
            assert_eq!(p.sha256, sha, "{rel}");
            assert_eq!(p.size, size, "{rel}");
            assert!(p.world_writable.is_empty(), "{rel}");
        }
        let p = read_package(&fixture("v4/rpm-basic-2.3.4-5.el9.noarch.rpm")).unwrap();
        assert_eq!(
            p.summary.as_deref(),
            Some("A package for exercising basic features of RPM")
        );
    }

    fn copy_prefix(rel: &str, len: usize) -> (tempfile::TempDir, PathBuf) {
        let bytes = std::fs::read(fixture(rel)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cut.rpm");
        std::fs::write(&p, &bytes[..len.min(bytes.len())]).unwrap();
        (dir, p)
    }

    #[test]
    fn truncated_rpms() {
        let rel = "v4/rpm-basic-2.3.4-5.el9.noarch.rpm";
        let full = std::fs::metadata(fixture(rel)).unwrap().len() as usize;
        for len in [4, 50, 100, 200] {
            let (_d, p) = copy_prefix(rel, len);
            let err = read_package(&p).unwrap_err();
            let msg = err.to_string();
            assert!(
                matches!(err, PackageError::Truncated { .. }),
                "{len}: {msg}"
            );
            assert!(
                msg.contains("cut.rpm") && msg.contains("truncated after"),
                "{msg}"
            );
        }
        // Half of this fixture ends inside the main header (4504..9077).
        let (_d, p) = copy_prefix(rel, full / 2);
        let msg = read_package(&p).unwrap_err().to_string();
        assert!(msg.contains("cut.rpm"), "{msg}");
        assert!(
            msg.contains("main header") && msg.contains("truncated after"),
            "{msg}"
        );
        // Cutting into the payload is caught by the size the signature header records.
        let (_d, p) = copy_prefix(rel, full - 1);
        let msg = read_package(&p).unwrap_err().to_string();
        assert!(
            msg.contains("rpm payload") && msg.contains("truncated after 6448 of 6449"),
            "{msg}"
        );
    }

    #[test]
    fn absurd_header_sizes_fail_fast() {
        let bytes = std::fs::read(fixture("v4/rpm-basic-2.3.4-5.el9.noarch.rpm")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        // Signature header intro starts at 96: magic(4) reserved(4) count(4) size(4).
        for (offset, value, what) in [
            (104, u32::MAX, "4294967295 index entries"),
            (108, 0x8000_0000, "2147483648 data bytes"),
        ] {
            let mut patched = bytes.clone();
            patched[offset..offset + 4].copy_from_slice(&value.to_be_bytes());
            let p = dir.path().join("huge.rpm");
            std::fs::write(&p, &patched).unwrap();
            let start = std::time::Instant::now();
            let err = read_package(&p).unwrap_err();
            assert!(start.elapsed().as_secs() < 2);
            let msg = err.to_string();
            assert!(matches!(err, PackageError::HeaderTooLarge { .. }), "{msg}");
            assert!(msg.contains("huge.rpm") && msg.contains(what), "{msg}");
        }
    }

    #[test]
    fn bad_header_magic_and_offsets() {
        let bytes = std::fs::read(fixture("v4/rpm-basic-2.3.4-5.el9.noarch.rpm")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.rpm");
        let mut patched = bytes.clone();
        patched[96] = 0;
        std::fs::write(&p, &patched).unwrap();
        let msg = read_package(&p).unwrap_err().to_string();
        assert!(msg.contains("bad.rpm") && msg.contains("magic"), "{msg}");
        // First signature index entry's offset (96 + 16 + 8) pointed far past the store.
        let mut patched = bytes.clone();
        patched[120..124].copy_from_slice(&0x00ff_ffffu32.to_be_bytes());
        std::fs::write(&p, &patched).unwrap();
        let msg = read_package(&p).unwrap_err().to_string();
        assert!(
            msg.contains("bad.rpm") && msg.contains("malformed"),
            "{msg}"
        );
    }

    #[test]
    fn world_writable_modes() {
        assert!(is_world_writable(0o100666));
        assert!(is_world_writable(0o040777));
        assert!(!is_world_writable(0o041777));
        assert!(!is_world_writable(0o120777));
        assert!(!is_world_writable(0o100644));
    }

    fn have(tool: &str) -> bool {
        Command::new(tool).arg("--version").output().is_ok()
    }

    const SPEC: &str = r#"%define dist .el7
Name: ww-test
Version: 1.0
Release: 1%{?dist}
Summary: World-writable test package
License: Apache-2.0
BuildArch: noarch

%description
Test package with a world-writable file.

%install
mkdir -p %{buildroot}/etc %{buildroot}/var/spool/ww
echo hi > %{buildroot}/etc/ww.conf
echo ok > %{buildroot}/etc/ok.conf
ln -s ww.conf %{buildroot}/etc/ww.link

%files
%attr(0666,root,root) /etc/ww.conf
/etc/ok.conf
/etc/ww.link
%dir %attr(1777,root,root) /var/spool/ww
"#;

    /// Runs rpmbuild with `args` on the test spec in a fresh topdir.
    fn rpmbuild(args: &[&str]) -> Option<(tempfile::TempDir, PathBuf)> {
        if !have("rpmbuild") {
            eprintln!("rpmbuild not installed, skipping");
            return None;
        }
        let top = tempfile::tempdir().unwrap();
        let spec = top.path().join("ww.spec");
        std::fs::write(&spec, SPEC).unwrap();
        let out = Command::new("rpmbuild")
            .arg("--define")
            .arg(format!("_topdir {}", top.path().display()))
            .args(args)
            .arg(&spec)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dir = top.path().to_path_buf();
        Some((top, dir))
    }

    #[test]
    fn rpmbuild_world_writable() {
        let Some((_top, dir)) = rpmbuild(&["-bb"]) else {
            return;
        };
        let p = dir.join("RPMS/noarch/ww-test-1.0-1.el7.noarch.rpm");
        let pkg = read_package(&p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (
                pkg.name.as_str(),
                pkg.version.as_str(),
                pkg.release.as_str()
            ),
            ("ww-test", "1.0", "1.el7")
        );
        assert_eq!(pkg.arch, "noarch");
        assert_eq!(pkg.epoch, None);
        assert_eq!(pkg.license.as_deref(), Some("Apache-2.0"));
        assert!(!pkg.signed);
        assert_eq!(pkg.files, 4);
        assert_eq!(pkg.world_writable, vec!["/etc/ww.conf".to_string()]);
    }

    #[test]
    fn source_rpm_has_arch_src() {
        let Some((_top, dir)) = rpmbuild(&["-bs"]) else {
            return;
        };
        let p = dir.join("SRPMS/ww-test-1.0-1.el7.src.rpm");
        let pkg = read_package(&p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pkg.arch, "src");
        assert_eq!(pkg.name, "ww-test");
    }
}
