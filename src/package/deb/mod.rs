//! deb reader: ar members `debian-binary`, `control.tar[.gz|.xz|.zst]`, `data.tar[...]`.
//!
//! The ar container is parsed here rather than with the `ar` crate because that
//! crate allocates GNU name tables of any claimed size and slices them with
//! unchecked indexes; a deb only ever needs plain 16-byte member names.
//! control.tar is decompressed for `./control`; data.tar is streamed for entry
//! headers only (count and modes), plus a bounded read of the copyright file.

use super::{FileReader, Package, PackageError, PackageFormat, read_full};
use std::io::{self, BufReader, Read, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// `./control` and the copyright file are read into memory only up to this size.
const MAX_TEXT: u64 = 1024 * 1024;
/// zstd frames asking for a bigger window are refused (dpkg-deb uses far less).
const MAX_ZSTD_WINDOW: u64 = 32 * 1024 * 1024;
/// xz output travels to the tar reader in chunks of this size, at most `XZ_CHUNKS` queued.
const XZ_CHUNK: usize = 64 * 1024;
const XZ_CHUNKS: usize = 4;

/// Reads the metadata of a deb; the 8-byte ar magic has already been consumed from `reader`.
pub(super) fn read(
    path: &Path,
    reader: &mut FileReader,
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
            control = Some(with_decompressed(path, name, ext, &mut body, |r| {
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
            data = Some(with_decompressed(path, name, ext, &mut body, |r| {
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
        license: d.license,
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
fn next_member(
    path: &Path,
    reader: &mut FileReader,
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
    license: Option<String>,
}

/// Remembers the decompressor's own failures, so they can be told apart from tar errors.
struct Tracked<R> {
    inner: R,
    failure: Option<String>,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            self.failure.get_or_insert_with(|| e.to_string());
        })
    }
}

/// Runs `consume` on the decompressed member, then reads the stream to its end so
/// that checksums in the compressed format (gzip CRC, xz check) are verified.
fn with_decompressed<R: Read + Send, T>(
    path: &Path,
    member: &str,
    ext: &str,
    input: R,
    consume: impl FnOnce(&mut dyn Read) -> Result<T, PackageError>,
) -> Result<T, PackageError> {
    let corrupt = |detail: String| PackageError::CorruptStream {
        path: path.to_path_buf(),
        member: member.to_string(),
        detail,
    };
    let run = |r: &mut dyn Read| {
        let mut tracked = Tracked {
            inner: r,
            failure: None,
        };
        let result = consume(&mut tracked);
        // Drain: on success to verify the checksum; on a tar error to learn whether the
        // garbage came from a corrupt compressed stream, the more useful diagnosis.
        let drained = io::copy(&mut tracked, &mut io::sink());
        match (result, tracked.failure, drained) {
            (Err(_), Some(f), _) => Err(corrupt(f)),
            (Ok(_), _, Err(e)) => Err(corrupt(e.to_string())),
            (r, _, _) => r,
        }
    };
    match ext {
        "" => run(&mut { input }),
        ".gz" => run(&mut flate2::read::GzDecoder::new(input)),
        ".zst" => {
            let mut dec = ruzstd::decoding::StreamingDecoder::new_with_max_window_size(
                input,
                MAX_ZSTD_WINDOW,
            )
            .map_err(|e| corrupt(e.to_string()))?;
            run(&mut dec)
        }
        ".xz" => with_xz(input, run)
            .unwrap_or_else(|| Err(corrupt("the xz decompressor crashed".into()))),
        _ => Err(PackageError::UnknownCompression {
            path: path.to_path_buf(),
            member: member.to_string(),
        }),
    }
}

/// lzma-rs only decompresses into a `Write`, so it runs on a scoped thread that
/// pushes chunks through a bounded channel; the caller reads them as a `Read`.
/// At most `XZ_CHUNKS` chunks are in flight, plus lzma-rs's dictionary (the
/// dictionary size the xz file asks for: 8 MiB for dpkg-deb's default level).
/// Returns None if the decompressor thread panicked.
fn with_xz<R: Read + Send, T>(
    input: R,
    run: impl FnOnce(&mut dyn Read) -> Result<T, PackageError>,
) -> Option<Result<T, PackageError>> {
    std::thread::scope(|s| {
        let (tx, rx) = sync_channel::<Result<Vec<u8>, String>>(XZ_CHUNKS);
        let producer = s.spawn(move || {
            let mut input = BufReader::with_capacity(XZ_CHUNK, input);
            let mut out = ChanWriter {
                tx: tx.clone(),
                buf: Vec::with_capacity(XZ_CHUNK),
            };
            let result = lzma_rs::xz_decompress(&mut input, &mut out)
                .map_err(|e| e.to_string())
                .and_then(|()| out.flush().map_err(|e| e.to_string()));
            if let Err(e) = result {
                // Fails only if the reader already gave up, which is fine.
                let _ = tx.send(Err(format!("xz: {e}")));
            }
        });
        let mut reader = ChanReader {
            rx,
            chunk: Vec::new(),
            pos: 0,
        };
        let result = run(&mut reader);
        // Unblocks the producer if the reader stopped early (its sends then fail).
        drop(reader);
        producer.join().ok().map(|()| result)
    })
}

struct ChanWriter {
    tx: SyncSender<Result<Vec<u8>, String>>,
    buf: Vec<u8>,
}

impl Write for ChanWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = XZ_CHUNK.saturating_sub(self.buf.len()).max(1);
        let n = room.min(data.len());
        self.buf.extend_from_slice(data.get(..n).unwrap_or(data));
        if self.buf.len() >= XZ_CHUNK {
            self.flush()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(XZ_CHUNK));
        self.tx
            .send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "reader gone"))
    }
}

struct ChanReader {
    rx: Receiver<Result<Vec<u8>, String>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl Read for ChanReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.chunk.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(io::Error::other(e)),
                // Sender gone without an error: the stream ended cleanly.
                Err(_) => return Ok(0),
            }
        }
        let rest = self.chunk.get(self.pos..).unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

/// Finds `./control` in control.tar and parses it.
fn read_control(path: &Path, member: &str, r: &mut dyn Read) -> Result<Control, PackageError> {
    let tar_err = |e: io::Error| malformed(path, format!("{member}: {e}"));
    let mut archive = tar::Archive::new(r);
    let mut text = None;
    for entry in archive.entries().map_err(tar_err)? {
        let mut entry = entry.map_err(tar_err)?;
        if package_path(&entry.path_bytes()) != "/control" {
            continue;
        }
        let size = entry.header().size().map_err(tar_err)?;
        if size > MAX_TEXT {
            return Err(malformed(
                path,
                format!("{member}: ./control is {size} bytes, more than the 1 MiB allowed"),
            ));
        }
        let mut buf = Vec::new();
        (&mut entry)
            .take(MAX_TEXT)
            .read_to_end(&mut buf)
            .map_err(tar_err)?;
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
    let tar_err = |e: io::Error| malformed(path, format!("{member}: {e}"));
    let mut info = DataInfo {
        entries: 0,
        world_writable: Vec::new(),
        license: None,
    };
    let mut archive = tar::Archive::new(r);
    for entry in archive.entries().map_err(tar_err)? {
        let mut entry = entry.map_err(tar_err)?;
        info.entries += 1;
        let name = package_path(&entry.path_bytes());
        let header = entry.header();
        let kind = header.entry_type();
        let mode = header.mode().map_err(tar_err)?;
        let size = header.size().map_err(tar_err)?;
        let sticky_dir = kind.is_dir() && mode & 0o1000 != 0;
        if mode & 0o002 != 0 && !kind.is_symlink() && !sticky_dir {
            info.world_writable.push(name.clone());
        }
        if info.license.is_none() && name == copyright && kind.is_file() && size <= MAX_TEXT {
            let mut buf = Vec::new();
            (&mut entry)
                .take(MAX_TEXT)
                .read_to_end(&mut buf)
                .map_err(tar_err)?;
            info.license = dep5_license(&String::from_utf8_lossy(&buf));
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

/// The first `License:` short name of a machine-readable (DEP-5) copyright file.
fn dep5_license(text: &str) -> Option<String> {
    let is_dep5 = first_paragraph(text)
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("Format"));
    if !is_dep5 {
        return None;
    }
    text.lines()
        .filter(|l| !l.starts_with([' ', '\t']))
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case("License"))
        .map(|(_, v)| v.trim())
        .find(|v| !v.is_empty())
        .map(str::to_string)
}

fn malformed(path: &Path, detail: impl ToString) -> PackageError {
    PackageError::DebMalformed {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod build_tests;
