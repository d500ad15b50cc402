//! A small streaming tar walker: entry headers, bounded extensions, bounded bodies.
//!
//! The `tar` crate reads GNU long names and PAX records of whatever size their
//! header claims into memory (a 17 KB deb can claim a 512 MiB name), so the deb
//! reader walks the archive itself. It knows what dpkg-deb and GNU or POSIX tar
//! write: ustar and GNU headers, GNU long names and links (`L`, `K`), PAX
//! records (`x`, `g`; `path` and `size` are honoured) and base-256 numbers.
//! GNU sparse entries (`S`) are refused, as dpkg refuses them.

use std::io::{self, Read};

const BLOCK: u64 = 512;
/// A long name, long link or PAX record set claiming more than this is refused;
/// PATH_MAX is 4 KiB, so no genuine archive comes near it.
pub(super) const MAX_EXTENSION: u64 = 1024 * 1024;

#[derive(Debug)]
pub(super) enum TarError {
    /// The underlying (decompressed) stream failed.
    Io(io::Error),
    Malformed(String),
    /// An extension header (`what`) claims `size` bytes, over [`MAX_EXTENSION`].
    TooLarge {
        what: &'static str,
        size: u64,
    },
}

impl From<io::Error> for TarError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

/// One archive entry (extension headers already applied and not counted).
pub(super) struct Entry {
    pub path: Vec<u8>,
    pub kind: u8,
    pub mode: u32,
    pub size: u64,
}

impl Entry {
    pub fn is_file(&self) -> bool {
        matches!(self.kind, b'0' | 0)
    }
    pub fn is_dir(&self) -> bool {
        self.kind == b'5'
    }
    pub fn is_symlink(&self) -> bool {
        self.kind == b'2'
    }
}

pub(super) struct Walker<R> {
    r: R,
    /// Unread bytes of the current entry's body, then its padding to the next block.
    body_left: u64,
    pad: u64,
}

impl<R: Read> Walker<R> {
    pub fn new(r: R) -> Self {
        Self {
            r,
            body_left: 0,
            pad: 0,
        }
    }

    /// The next entry, or None at the end-of-archive block or a clean end of stream.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, TarError> {
        self.skip_rest()?;
        let mut long_name: Option<Vec<u8>> = None;
        let mut pax_path: Option<Vec<u8>> = None;
        let mut pax_size: Option<u64> = None;
        loop {
            let mut h = [0u8; BLOCK as usize];
            let got = read_full(&mut self.r, &mut h)?;
            if got == 0 {
                return Ok(None);
            }
            if got < h.len() {
                return Err(TarError::Malformed(format!(
                    "the archive ends inside an entry header ({got} of 512 bytes)"
                )));
            }
            if h.iter().all(|&b| b == 0) {
                return Ok(None);
            }
            verify_checksum(&h)?;
            let kind = h[156];
            let size = number(&h[124..136], "size")?;
            let what = match kind {
                b'L' => "GNU long name",
                b'K' => "GNU long link name",
                b'x' | b'g' => "PAX extended header",
                b'S' => {
                    return Err(TarError::Malformed(
                        "it holds a GNU sparse file entry, which dpkg does not support".into(),
                    ));
                }
                _ => {
                    let size = pax_size.unwrap_or(size);
                    let path = pax_path.or(long_name).unwrap_or_else(|| ustar_path(&h));
                    let mode = u32::try_from(number(&h[100..108], "mode")?).map_err(|_| {
                        TarError::Malformed("an entry's mode field is out of range".into())
                    })?;
                    self.body_left = size;
                    self.pad = (BLOCK - size % BLOCK) % BLOCK;
                    return Ok(Some(Entry {
                        path,
                        kind,
                        mode,
                        size,
                    }));
                }
            };
            if size > MAX_EXTENSION {
                return Err(TarError::TooLarge { what, size });
            }
            self.body_left = size;
            self.pad = (BLOCK - size % BLOCK) % BLOCK;
            let data = self.read_body()?;
            self.skip_rest()?;
            match kind {
                b'L' => long_name = Some(until_nul(&data).to_vec()),
                // Global records would apply to every later entry; only the
                // per-entry ones carry paths and sizes in practice.
                b'x' => pax_records(&data, &mut pax_path, &mut pax_size)?,
                _ => {}
            }
        }
    }

    /// Reads the current entry's body; the caller has checked its size is acceptable.
    pub fn read_body(&mut self) -> Result<Vec<u8>, TarError> {
        let want = self.body_left;
        let mut buf = Vec::new();
        // take + read_to_end grows with the bytes present, never with the claim.
        (&mut self.r).take(want).read_to_end(&mut buf)?;
        self.body_left = 0;
        if (buf.len() as u64) < want {
            return Err(ends_inside());
        }
        Ok(buf)
    }

    /// Skips what is left of the current entry's body and padding.
    fn skip_rest(&mut self) -> Result<(), TarError> {
        let want = self.body_left + self.pad;
        let got = io::copy(&mut (&mut self.r).take(want), &mut io::sink())?;
        self.body_left = 0;
        self.pad = 0;
        if got < want {
            return Err(ends_inside());
        }
        Ok(())
    }
}

fn ends_inside() -> TarError {
    TarError::Malformed("the archive ends inside an entry's data".into())
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while let Some(rest) = buf.get_mut(got..) {
        if rest.is_empty() {
            break;
        }
        match r.read(rest) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The checksum is the byte sum of the header with its own field read as spaces.
fn verify_checksum(h: &[u8; BLOCK as usize]) -> Result<(), TarError> {
    let stored = number(&h[148..156], "checksum")?;
    let sum: u64 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    if sum != stored {
        return Err(TarError::Malformed(format!(
            "an entry header's checksum is {stored} but its bytes sum to {sum}"
        )));
    }
    Ok(())
}

/// An octal field (space or NUL padded), or GNU base-256 when the top bit is set.
fn number(field: &[u8], what: &str) -> Result<u64, TarError> {
    let bad = || TarError::Malformed(format!("an entry header's {what} field is not a number"));
    match field.split_first() {
        Some((&first, rest)) if first & 0x80 != 0 => {
            let mut n: u64 = u64::from(first & 0x7f);
            for &b in rest {
                n = n
                    .checked_mul(256)
                    .and_then(|n| n.checked_add(u64::from(b)))
                    .ok_or_else(bad)?;
            }
            Ok(n)
        }
        _ => {
            let digits = until_nul(field);
            let digits = String::from_utf8_lossy(digits);
            let digits = digits.trim_matches(' ');
            if digits.is_empty() {
                return Ok(0);
            }
            u64::from_str_radix(digits, 8).map_err(|_| bad())
        }
    }
}

fn until_nul(b: &[u8]) -> &[u8] {
    b.iter()
        .position(|&c| c == 0)
        .map_or(b, |i| b.get(..i).unwrap_or(b))
}

/// The name field, prefixed by the POSIX ustar prefix field where there is one.
fn ustar_path(h: &[u8; BLOCK as usize]) -> Vec<u8> {
    let name = until_nul(&h[..100]);
    // GNU headers ("ustar  \0") use the prefix bytes for other fields.
    if &h[257..263] == b"ustar\0" {
        let prefix = until_nul(&h[345..500]);
        if !prefix.is_empty() {
            let mut p = prefix.to_vec();
            p.push(b'/');
            p.extend_from_slice(name);
            return p;
        }
    }
    name.to_vec()
}

/// Parses `<len> <key>=<value>\n` records, keeping `path` and `size`.
fn pax_records(
    mut data: &[u8],
    path: &mut Option<Vec<u8>>,
    size: &mut Option<u64>,
) -> Result<(), TarError> {
    let bad = || TarError::Malformed("a PAX extended header has a malformed record".into());
    while !data.is_empty() && data.first() != Some(&0) {
        let space = data.iter().position(|&b| b == b' ').ok_or_else(bad)?;
        let len: usize = std::str::from_utf8(data.get(..space).ok_or_else(bad)?)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        let record = data.get(space + 1..len).ok_or_else(bad)?;
        let record = record.strip_suffix(b"\n").ok_or_else(bad)?;
        let eq = record.iter().position(|&b| b == b'=').ok_or_else(bad)?;
        let (key, value) = (record.get(..eq).unwrap_or_default(), record.get(eq + 1..));
        let value = value.unwrap_or_default();
        match key {
            b"path" => *path = Some(value.to_vec()),
            b"size" => {
                *size = Some(
                    std::str::from_utf8(value)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(bad)?,
                );
            }
            _ => {}
        }
        data = data.get(len..).unwrap_or_default();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (path, type byte, size, body) of each entry.
    type Walked = Vec<(String, u8, u64, Vec<u8>)>;

    fn walk(bytes: &[u8]) -> Result<Walked, TarError> {
        let mut w = Walker::new(bytes);
        let mut out = Vec::new();
        while let Some(e) = w.next_entry()? {
            let body = w.read_body()?;
            out.push((
                String::from_utf8_lossy(&e.path).into_owned(),
                e.kind,
                e.size,
                body,
            ));
        }
        Ok(out)
    }

    fn builder_with(f: impl FnOnce(&mut ::tar::Builder<Vec<u8>>)) -> Vec<u8> {
        let mut b = ::tar::Builder::new(Vec::new());
        f(&mut b);
        b.into_inner().unwrap()
    }

    #[test]
    fn long_names_pax_and_ustar_prefix() {
        let long = format!("./usr/share/{}/file", "d".repeat(200));
        // Over 100 bytes but splittable: ustar stores the directory in the prefix field.
        let deep = format!("usr/{}/{}/x", "a".repeat(60), "b".repeat(60));
        let bytes = builder_with(|b| {
            let mut h = ::tar::Header::new_gnu();
            h.set_size(3);
            h.set_mode(0o644);
            // append_data writes a GNU long name entry for paths over 100 bytes.
            b.append_data(&mut h, &long, &b"abc"[..]).unwrap();
            let mut h = ::tar::Header::new_ustar();
            h.set_path(&deep).unwrap();
            h.set_size(0);
            h.set_mode(0o755);
            h.set_entry_type(::tar::EntryType::Directory);
            h.set_cksum();
            b.append(&h, &[][..]).unwrap();
            let records = b"19 path=./pax/name\n";
            let mut h = ::tar::Header::new_ustar();
            h.set_entry_type(::tar::EntryType::XHeader);
            h.set_size(records.len() as u64);
            h.set_cksum();
            b.append(&h, &records[..]).unwrap();
            let mut h = ::tar::Header::new_ustar();
            h.set_path("short").unwrap();
            h.set_size(1);
            h.set_cksum();
            b.append(&h, &b"z"[..]).unwrap();
        });
        let got = walk(&bytes).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].0, long);
        assert_eq!(got[0].3, b"abc");
        assert_eq!(got[1].0, deep);
        assert_eq!(got[1].1, b'5');
        assert_eq!(got[2].0, "./pax/name");
        assert_eq!(got[2].3, b"z");
    }

    #[test]
    fn oversized_extension_is_refused_before_reading_it() {
        let mut h = ::tar::Header::new_gnu();
        h.set_entry_type(::tar::EntryType::GNULongName);
        h.set_size(512 * 1024 * 1024);
        h.set_cksum();
        let err = walk(h.as_bytes()).unwrap_err();
        assert!(
            matches!(err, TarError::TooLarge { what: "GNU long name", size } if size == 512 << 20),
            "{err:?}"
        );
    }

    #[test]
    fn damaged_headers() {
        let mut h = ::tar::Header::new_gnu();
        h.set_path("x").unwrap();
        h.set_size(10);
        h.set_cksum();
        // Body missing.
        assert!(
            matches!(walk(h.as_bytes()), Err(TarError::Malformed(m)) if m.contains("ends inside"))
        );
        let mut bad = *h.as_bytes();
        bad[0] = b'y';
        assert!(matches!(walk(&bad), Err(TarError::Malformed(m)) if m.contains("checksum")));
        assert!(matches!(walk(&bad[..100]), Err(TarError::Malformed(m)) if m.contains("header")));
        h.set_entry_type(::tar::EntryType::GNUSparse);
        h.set_cksum();
        assert!(matches!(walk(h.as_bytes()), Err(TarError::Malformed(m)) if m.contains("sparse")));
    }

    #[test]
    fn numbers() {
        assert_eq!(number(b"0000644\0", "mode").unwrap(), 0o644);
        assert_eq!(number(b"   12 \0", "x").unwrap(), 0o12);
        assert_eq!(number(b"\0\0\0", "x").unwrap(), 0);
        let mut b256 = [0u8; 12];
        b256[0] = 0x80;
        b256[11] = 7;
        b256[10] = 1;
        assert_eq!(number(&b256, "size").unwrap(), 263);
        assert!(number(b"9", "x").is_err());
        assert!(number(&[0xff; 12], "x").is_err());
    }

    #[test]
    fn pax_record_syntax() {
        let (mut p, mut s) = (None, None);
        pax_records(b"12 path=abc\n11 size=42\n", &mut p, &mut s).unwrap();
        assert_eq!(p.as_deref(), Some(&b"abc"[..]));
        assert_eq!(s, Some(42));
        for bad in [&b"99 path=abc\n"[..], b"x path\n", b"6 a=b\0"] {
            assert!(pax_records(bad, &mut p, &mut s).is_err(), "{bad:?}");
        }
    }
}
