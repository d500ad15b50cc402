//! deb reader: ar members `debian-binary`, `control.tar[.gz|.xz|.zst]`, `data.tar[...]`.
//!
//! The ar container is parsed here rather than with the `ar` crate because that
//! crate allocates GNU name tables of any claimed size and slices them with
//! unchecked indexes; a deb only ever needs plain 16-byte member names.
//! control.tar is decompressed for `./control`; data.tar is streamed for entry
//! headers only (count and modes), plus a bounded read of the copyright file.
//! Both are walked by [`walker::Walker`], which bounds every header extension.

mod walker;

use super::{HashingReader, Package, PackageError, PackageFormat, read_full};
use std::io::{self, Read};
use std::path::Path;
use walker::{MAX_EXTENSION, TarError, Walker};

/// `./control` and the copyright file are read into memory only up to this size.
const MAX_TEXT: u64 = 1024 * 1024;
/// A decompressed control.tar may not exceed this: it holds the control file,
/// maintainer scripts and md5sums (a few MiB for the largest Debian packages).
pub(super) const MAX_CONTROL_TAR: u64 = 32 * 1024 * 1024;
/// zstd frames asking for a window over 2^25 bytes (32 MiB) are refused; dpkg-deb
/// uses far less (8 MiB at its default level).
const ZSTD_WINDOW_LOG: u32 = 25;
/// liblzma refuses streams needing more decoder memory than this: `xz -9e`
/// (64 MiB dictionary, dpkg-deb -z9) needs about 65 MiB.
pub(super) const XZ_MEMLIMIT: u64 = 80 * 1024 * 1024;

/// Reads the metadata of a deb; the 8-byte ar magic has already been consumed from `reader`.
pub(super) fn read<R: Read>(
    path: &Path,
    reader: &mut HashingReader<R>,
    file_len: u64,
) -> Result<Package, PackageError> {
    let mut control: Option<Control> = None;
    let mut data: Option<DataInfo> = None;
    let mut signed = false;
    let mut first = true;
    let mut pad = false;
    loop {
        if pad {
            // Members are 2-byte aligned; a missing final pad byte is harmless.
            read_full(reader, &mut [0u8; 1], path)?;
        }
        let Some(member) = next_member(path, reader, file_len)? else {
            break;
        };
        pad = member.size % 2 == 1;
        let name = member.name.as_str();
        if first && name != "debian-binary" {
            return Err(PackageError::DebNoDebianBinary {
                path: path.to_path_buf(),
                found: format!("member {name:?} first"),
            });
        }
        first = false;
        let mut body = (&mut *reader).take(member.size);
        if name == "debian-binary" {
            let mut v = [0u8; 16];
            let n = read_full(&mut body, &mut v, path)?;
            if !v.get(..n).unwrap_or(&[]).starts_with(b"2.") {
                return Err(malformed(
                    path,
                    "debian-binary does not announce format 2.x",
                ));
            }
        } else if let Some(ext) = name.strip_prefix("control.tar") {
            if control.is_some() {
                return Err(malformed(path, "it has two control.tar members"));
            }
            let limit = MemberLimit {
                name,
                ext,
                max: Some(MAX_CONTROL_TAR),
            };
            control = Some(with_decompressed(path, limit, &mut body, |r| {
                read_control(path, name, r)
            })?);
        } else if let Some(ext) = name.strip_prefix("data.tar") {
            let Some(c) = &control else {
                return Err(PackageError::DebNoControl {
                    path: path.to_path_buf(),
                });
            };
            if data.is_some() {
                return Err(malformed(path, "it has two data.tar members"));
            }
            let copyright = format!("/usr/share/doc/{}/copyright", c.name);
            let limit = MemberLimit {
                name,
                ext,
                max: None,
            };
            data = Some(with_decompressed(path, limit, &mut body, |r| {
                read_data(path, name, &copyright, r)
            })?);
        } else if name.starts_with("_gpg") {
            signed = true;
        }
        // Whatever the member parsers left unread still has to be hashed.
        io::copy(&mut body, &mut io::sink()).map_err(|e| PackageError::io(path, e))?;
    }
    if first {
        return Err(PackageError::DebNoDebianBinary {
            path: path.to_path_buf(),
            found: "an empty ar archive".into(),
        });
    }
    let Some(c) = control else {
        return Err(PackageError::DebNoControl {
            path: path.to_path_buf(),
        });
    };
    let Some(d) = data else {
        return Err(malformed(path, "it has no data.tar member"));
    };
    Ok(Package {
        file: path.to_path_buf(),
        format: PackageFormat::Deb,
        name: c.name,
        epoch: c.epoch,
        version: c.version,
        release: c.revision,
        arch: c.arch,
        license_undeclared: d.license == Some(CopyrightLicense::Undeclared),
        license: d.license.and_then(CopyrightLicense::license),
        signed,
        size: 0,
        sha256: String::new(),
        files: d.entries,
        world_writable: d.world_writable,
        summary: c.summary,
    })
}

struct Member {
    name: String,
    size: u64,
}

/// Reads the next 60-byte ar member header, or None at a clean end of file.
fn next_member<R: Read>(
    path: &Path,
    reader: &mut HashingReader<R>,
    file_len: u64,
) -> Result<Option<Member>, PackageError> {
    let mut h = [0u8; 60];
    let got = read_full(reader, &mut h, path)?;
    if got == 0 {
        return Ok(None);
    }
    if got < h.len() {
        return Err(PackageError::Truncated {
            path: path.to_path_buf(),
            part: "deb (ar member header)".into(),
            got: got as u64,
            needed: h.len() as u64,
        });
    }
    let (raw_name, rest) = h.split_at(16);
    let raw_name = String::from_utf8_lossy(raw_name);
    let name = raw_name.trim_end_matches(' ');
    // GNU ar terminates names with '/'.
    let name = name.strip_suffix('/').unwrap_or(name).to_string();
    let (_, rest) = rest.split_at(32); // mtime, uid, gid, mode
    let (raw_size, end) = rest.split_at(10);
    if end != b"`\n" {
        return Err(malformed(
            path,
            format!("the ar header of member {name:?} has no end marker"),
        ));
    }
    let size = std::str::from_utf8(raw_size)
        .ok()
        .and_then(|s| s.trim_end_matches(' ').parse::<u64>().ok())
        .ok_or_else(|| malformed(path, format!("member {name:?} has an invalid size field")))?;
    let start = reader.count();
    if start.saturating_add(size) > file_len {
        return Err(PackageError::Truncated {
            path: path.to_path_buf(),
            part: format!("deb member {name}"),
            got: file_len.saturating_sub(start),
            needed: size,
        });
    }
    Ok(Some(Member { name, size }))
}

/// Fields of `./control` that we report.
struct Control {
    name: String,
    epoch: Option<u32>,
    version: String,
    revision: String,
    arch: String,
    summary: Option<String>,
}

/// What the data.tar stream told us.
struct DataInfo {
    entries: u64,
    world_writable: Vec<String>,
    /// None when there is no copyright file (or it is too large to read).
    license: Option<CopyrightLicense>,
}

/// A decompressor failure: its message, and whether it was the decoder's memory limit.
struct Failure {
    detail: String,
    memory: bool,
}

/// Remembers the decompressor's own failures, so they can be told apart from tar errors.
struct Tracked<R> {
    inner: R,
    failure: Option<Failure>,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            self.failure.get_or_insert_with(|| Failure {
                detail: e.to_string(),
                memory: is_memory_limit(e),
            });
        })
    }
}

/// liblzma reports its memory limit as a typed error; libzstd as a message.
fn is_memory_limit(e: &io::Error) -> bool {
    let xz = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<liblzma::stream::Error>())
        .is_some_and(|x| matches!(x, liblzma::stream::Error::MemLimit));
    xz || e.to_string().contains("too much memory")
}

/// Stops the decompressed stream after `left` bytes; `hit` tells that it had more.
struct Capped<R> {
    inner: R,
    left: u64,
    hit: bool,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // At the cap: only a clean end of stream is acceptable.
            if self.hit || buf.is_empty() || self.inner.read(&mut [0u8; 1])? == 0 {
                return Ok(0);
            }
            self.hit = true;
            return Err(io::Error::other("the decompressed size limit was reached"));
        }
        let n = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let got = self.inner.read(buf.get_mut(..n).unwrap_or_default())?;
        self.left -= got as u64;
        Ok(got)
    }
}

/// Which deb member is being decompressed, and how much of it may come out.
struct MemberLimit<'a> {
    name: &'a str,
    ext: &'a str,
    /// Decompressed bytes allowed; `None` for data.tar, which is only streamed.
    max: Option<u64>,
}

/// Runs `consume` on the decompressed member, then reads the stream to its end so
/// that checksums in the compressed format (gzip CRC, xz check) are verified.
///
/// Memory stays bounded whatever the input: the decoders' windows are capped
/// (libzstd's window log, liblzma's memory limit), control.tar is cut off at
/// `MAX_CONTROL_TAR`, and the tar walker bounds every extension header.
fn with_decompressed<'r, T>(
    path: &Path,
    member: MemberLimit<'_>,
    input: impl Read + 'r,
    consume: impl FnOnce(&mut dyn Read) -> Result<T, PackageError>,
) -> Result<T, PackageError> {
    let name = member.name;
    let corrupt = |detail: String| PackageError::CorruptStream {
        path: path.to_path_buf(),
        member: name.to_string(),
        detail,
    };
    let decoder: Box<dyn Read + 'r> = match member.ext {
        "" => Box::new(input),
        ".gz" => Box::new(flate2::read::GzDecoder::new(input)),
        ".zst" => {
            let mut dec = zstd::stream::read::Decoder::new(input)
                .map_err(|e| corrupt(format!("zstd: {e}")))?;
            dec.window_log_max(ZSTD_WINDOW_LOG)
                .map_err(|e| corrupt(format!("zstd: {e}")))?;
            Box::new(dec)
        }
        ".xz" => {
            let stream = liblzma::stream::Stream::new_stream_decoder(
                XZ_MEMLIMIT,
                liblzma::stream::CONCATENATED,
            )
            .map_err(|e| corrupt(format!("xz: {e}")))?;
            Box::new(liblzma::read::XzDecoder::new_stream(input, stream))
        }
        _ => {
            return Err(PackageError::UnknownCompression {
                path: path.to_path_buf(),
                member: name.to_string(),
            });
        }
    };
    let mut capped = Capped {
        inner: Tracked {
            inner: decoder,
            failure: None,
        },
        left: member.max.unwrap_or(u64::MAX),
        hit: false,
    };
    let over = || PackageError::OverLimit {
        path: path.to_path_buf(),
        what: format!("the decompressed {name}"),
        limit: format!(
            "the {} MiB allowed for a control archive",
            MAX_CONTROL_TAR >> 20
        ),
    };
    let result = consume(&mut capped);
    if capped.hit {
        return Err(over());
    }
    // Drain: on success to verify the checksum; on a tar error to learn whether the
    // garbage came from a corrupt compressed stream, the more useful diagnosis.
    let drained = io::copy(&mut capped, &mut io::sink());
    if capped.hit {
        return Err(over());
    }
    let failure = capped.inner.failure.take();
    if let Some(Failure { memory: true, .. }) = failure {
        return Err(PackageError::OverLimit {
            path: path.to_path_buf(),
            what: format!("decompressing {name}"),
            limit: format!(
                "the decoder memory allowed ({} MiB for xz, a {} MiB window for zstd)",
                XZ_MEMLIMIT >> 20,
                1u64 << (ZSTD_WINDOW_LOG - 20)
            ),
        });
    }
    match (result, failure, drained) {
        (Err(_), Some(f), _) => Err(corrupt(f.detail)),
        (Ok(_), _, Err(e)) => Err(corrupt(e.to_string())),
        (r, _, _) => r,
    }
}

/// Maps a tar walker error to the package error for `member`.
fn tar_error(path: &Path, member: &str, e: TarError) -> PackageError {
    match e {
        TarError::Io(e) => malformed(path, format!("{member}: {e}")),
        TarError::Malformed(m) => malformed(path, format!("{member}: {m}")),
        TarError::TooLarge { what, size } => PackageError::OverLimit {
            path: path.to_path_buf(),
            what: format!("a {what} in {member} ({size} bytes)"),
            limit: format!(
                "the {} MiB allowed for a tar header extension",
                MAX_EXTENSION >> 20
            ),
        },
    }
}

/// Finds `./control` in control.tar and parses it.
fn read_control(path: &Path, member: &str, r: &mut dyn Read) -> Result<Control, PackageError> {
    let tar_err = |e| tar_error(path, member, e);
    let mut archive = Walker::new(r);
    let mut text = None;
    while let Some(entry) = archive.next_entry().map_err(tar_err)? {
        if package_path(&entry.path) != "/control" {
            continue;
        }
        if entry.size > MAX_TEXT {
            return Err(PackageError::OverLimit {
                path: path.to_path_buf(),
                what: format!("{member}: ./control ({} bytes)", entry.size),
                limit: "the 1 MiB allowed for a control file".into(),
            });
        }
        let buf = archive.read_body().map_err(tar_err)?;
        text = Some(String::from_utf8_lossy(&buf).into_owned());
        break;
    }
    let text = text.ok_or_else(|| malformed(path, format!("{member} has no ./control file")))?;
    parse_control(path, &text)
}

fn parse_control(path: &Path, text: &str) -> Result<Control, PackageError> {
    let fields = first_paragraph(text);
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let (name, version, arch) = (get("Package"), get("Version"), get("Architecture"));
    let missing: Vec<&'static str> = [
        ("Package", name),
        ("Version", version),
        ("Architecture", arch),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_none())
    .map(|(k, _)| k)
    .collect();
    let (Some(name), Some(version), Some(arch)) = (name, version, arch) else {
        return Err(PackageError::DebControlFields {
            path: path.to_path_buf(),
            missing,
        });
    };
    let (epoch, upstream, revision) = split_version(version)
        .map_err(|why| malformed(path, format!("control Version {version:?} {why}")))?;
    Ok(Control {
        name: name.to_string(),
        epoch,
        version: upstream.to_string(),
        revision: revision.to_string(),
        arch: arch.to_string(),
        summary: get("Description").map(str::to_string),
    })
}

/// Fields of the first deb822 paragraph, each with the text on its own line only.
fn first_paragraph(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| !l.starts_with([' ', '\t', '#']))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim(), v))
        .collect()
}

/// Splits `[epoch:]upstream[-revision]` per Debian policy.
fn split_version(v: &str) -> Result<(Option<u32>, &str, &str), &'static str> {
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) => (
            Some(e.parse::<u32>().map_err(|_| "has a non-numeric epoch")?),
            rest,
        ),
        None => (None, v),
    };
    let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, ""));
    if upstream.is_empty() {
        return Err("has an empty upstream version");
    }
    Ok((epoch, upstream, revision))
}

/// Streams data.tar entry headers; reads at most the copyright file's content.
fn read_data(
    path: &Path,
    member: &str,
    copyright: &str,
    r: &mut dyn Read,
) -> Result<DataInfo, PackageError> {
    let tar_err = |e| tar_error(path, member, e);
    let mut info = DataInfo {
        entries: 0,
        world_writable: Vec::new(),
        license: None,
    };
    let mut archive = Walker::new(r);
    while let Some(entry) = archive.next_entry().map_err(tar_err)? {
        info.entries += 1;
        let name = package_path(&entry.path);
        let sticky_dir = entry.is_dir() && entry.mode & 0o1000 != 0;
        if entry.mode & 0o002 != 0 && !entry.is_symlink() && !sticky_dir {
            info.world_writable.push(name.clone());
        }
        if info.license.is_none() && name == copyright && entry.is_file() && entry.size <= MAX_TEXT
        {
            let buf = archive.read_body().map_err(tar_err)?;
            info.license = Some(read_copyright(&String::from_utf8_lossy(&buf)));
        }
    }
    Ok(info)
}

/// "./usr/bin/x" or "usr/bin/x" or "./usr/" as an installed path: "/usr/bin/x", "/usr".
fn package_path(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(raw);
    let s = s
        .strip_prefix('.')
        .filter(|r| r.is_empty() || r.starts_with('/'))
        .unwrap_or(&s);
    let s = s.trim_start_matches('/').trim_end_matches('/');
    format!("/{s}")
}

fn malformed(path: &Path, detail: impl ToString) -> PackageError {
    PackageError::DebMalformed {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

mod copyright;
pub use copyright::{CopyrightLicense, read_copyright};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod build_tests;
