//! `DIR/.index.json`: what listings filter on, so they parse only the issue
//! files the index cannot vouch for.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{IssueFile, LocalTracker, TrackerError, io, read_json, write_atomic};

pub(super) const INDEX: &str = ".index.json";
/// Bumped when [`Index`] changes shape: an index of another version is rebuilt.
const INDEX_VERSION: u32 = 1;

/// `DIR/.index.json`: per issue, what listings filter on, and the stamp of the
/// file it was read from. A cache, not a source of truth: every listing stats
/// each issue file and re-reads the ones whose stamp differs (a crash between
/// the issue write and the index write, a hand edit, a fresh checkout), so a
/// lost, stale or corrupt index costs a rebuild, never a wrong answer.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Index {
    version: u32,
    pub(super) issues: BTreeMap<u64, IndexEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct IndexEntry {
    stamp: Stamp,
    labels: Vec<String>,
    open: bool,
}

impl IndexEntry {
    fn of(file: &IssueFile, stamp: Stamp) -> Self {
        IndexEntry {
            stamp,
            labels: file.labels.clone(),
            open: file.open,
        }
    }
}

/// Identity of one version of a file. Writes rename a new file into place, and
/// the new file is created while the old one still exists, so its inode differs:
/// an index written before a crash can never vouch for the file written after.
/// Size and times catch edits in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    len: u64,
    ino: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(path: &Path) -> std::io::Result<Stamp> {
        // Follows symlinks, as reading the file does.
        let m = fs::metadata(path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Ok(Stamp {
                len: m.len(),
                ino: m.ino(),
                mtime: (m.mtime(), m.mtime_nsec()),
                ctime: (m.ctime(), m.ctime_nsec()),
            })
        }
        #[cfg(not(unix))]
        {
            let since = |t: std::io::Result<std::time::SystemTime>| {
                t.ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or((0, 0), |d| {
                        (d.as_secs() as i64, i64::from(d.subsec_nanos()))
                    })
            };
            Ok(Stamp {
                len: m.len(),
                ino: 0,
                mtime: since(m.modified()),
                ctime: since(m.created()),
            })
        }
    }
}

impl LocalTracker {
    /// Records a just-saved issue in the index. Best effort: the issue is
    /// saved whatever happens here, and a stale entry is re-read.
    pub(super) fn index_saved(&self, file: &IssueFile, path: &Path) {
        if let Ok(stamp) = Stamp::of(path) {
            let mut index = self.load_index();
            index
                .issues
                .insert(file.number, IndexEntry::of(file, stamp));
            self.save_index(&index);
        }
    }

    /// The index as stored; empty if missing, unreadable, corrupt or of another version.
    pub(super) fn load_index(&self) -> Index {
        match read_json::<Index>(&self.dir.join(INDEX)) {
            Ok(Some(index)) if index.version == INDEX_VERSION => index,
            _ => Index {
                version: INDEX_VERSION,
                issues: BTreeMap::new(),
            },
        }
    }

    /// Best effort, and not fsynced: the index is a cache checked against the
    /// files, so one lost to a crash or a read-only store is merely rebuilt.
    fn save_index(&self, index: &Index) {
        let text = serde_json::to_string(index).expect("store types serialize");
        let _ = write_atomic(&self.dir.join(INDEX), &text, false);
    }

    /// The issues for which `keep(labels, open)` holds, ascending by number.
    /// Parses only the files the index cannot vouch for and the ones kept;
    /// brings the index up to date if it was stale.
    pub(super) fn select(
        &self,
        keep: impl Fn(&[String], bool) -> bool,
    ) -> Result<Vec<IssueFile>, TrackerError> {
        let mut index = self.load_index();
        let mut fresh = BTreeMap::new();
        let mut stale = false;
        let mut out = Vec::new();
        for n in self.issue_numbers()? {
            let path = self.issue_path(n);
            // Stamped before it is read, so a change in between shows as stale next time.
            let stamp = match Stamp::of(&path) {
                Ok(stamp) => stamp,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(&path)(e)),
            };
            let known = index.issues.remove(&n).filter(|e| e.stamp == stamp);
            if known.as_ref().is_some_and(|e| !keep(&e.labels, e.open)) {
                fresh.extend(known.map(|e| (n, e)));
                continue;
            }
            let file = self.load(n)?;
            let entry = IndexEntry::of(&file, stamp);
            stale |= known.as_ref() != Some(&entry);
            fresh.insert(n, entry);
            if keep(&file.labels, file.open) {
                out.push(file);
            }
        }
        if stale || !index.issues.is_empty() {
            self.save_index(&Index {
                version: INDEX_VERSION,
                issues: fresh,
            });
        }
        Ok(out)
    }
}
