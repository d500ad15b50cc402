//! The embedded tracker: issues as JSON files in a directory, so a product
//! without a forge (or a test) can run the whole workflow, and the store can
//! be committed to git and read or fixed by hand.
//!
//! Layout: `DIR/meta.json` (next numbers), `DIR/labels.json`,
//! `DIR/issues/<n>.json` (an issue with its comments and events), and
//! `DIR/.index.json`, a cache of each issue's labels and state (see [`Index`]).
//!
//! Every operation holds an exclusive lock on `DIR/.lock` for its whole
//! read-modify-write, so two processes never reuse a number or lose an update.
//! Every write goes to a temp file in the same directory, is fsynced, then
//! renamed over the target, so a crash leaves the old file or the new one,
//! never half of one. Counters in `meta.json` are advanced before the files
//! that use them are written, so a crash in between leaves a gap, not a reuse.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Comment, Event, EventKind, Issue, Label, Tracker, TrackerError};

/// A source of "now", injectable so tests get fixed timestamps.
pub type Clock = Box<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// Colour given to labels created implicitly by adding them to an issue, as GitHub does.
const DEFAULT_COLOR: &str = "ededed";
const TMP_SUFFIX: &str = ".tmp";
const INDEX: &str = ".index.json";
/// Bumped when [`Index`] changes shape: an index of another version is rebuilt.
const INDEX_VERSION: u32 = 1;

/// Makes temp names unique between threads of one process; the pid separates processes.
static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

pub struct LocalTracker {
    /// As given, for [`Tracker::describe`].
    shown: PathBuf,
    /// Absolute, for issue URLs.
    dir: PathBuf,
    clock: Clock,
}

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    next_issue: u64,
    next_comment: u64,
    next_event: u64,
}

/// One issue file. Holds no URL: it would be an absolute path of one
/// checkout, noise in git; the URL is derived when the issue is read.
#[derive(Debug, Serialize, Deserialize)]
struct IssueFile {
    number: u64,
    title: String,
    body: String,
    labels: Vec<String>,
    open: bool,
    author: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    comments: Vec<Comment>,
    events: Vec<Event>,
}

/// `DIR/.index.json`: per issue, what listings filter on, and the stamp of the
/// file it was read from. A cache, not a source of truth: every listing stats
/// each issue file and re-reads the ones whose stamp differs (a crash between
/// the issue write and the index write, a hand edit, a fresh checkout), so a
/// lost, stale or corrupt index costs a rebuild, never a wrong answer.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    version: u32,
    issues: BTreeMap<u64, IndexEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct IndexEntry {
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

#[cfg(test)]
thread_local! {
    /// Issue files parsed by this thread, so tests can see what a listing read.
    static PARSES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TrackerError + '_ {
    move |source| TrackerError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn invalid(message: impl Into<String>) -> TrackerError {
    TrackerError::Invalid {
        message: message.into(),
    }
}

fn not_found(what: impl Into<String>) -> TrackerError {
    TrackerError::NotFound { what: what.into() }
}

fn is_tmp(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(TMP_SUFFIX)
}

/// Reads a JSON store file; `None` if it does not exist yet.
fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, TrackerError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(path)(e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| TrackerError::Corrupt {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// Replaces `path` atomically: temp file in the same directory, fsync, rename,
/// then fsync the directory so the rename itself survives a power loss.
fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), TrackerError> {
    let mut text = serde_json::to_string_pretty(value).expect("store types serialize");
    text.push('\n');
    write_atomic(path, &text, true)
}

fn write_atomic(path: &Path, text: &str, durable: bool) -> Result<(), TrackerError> {
    let parent = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let seq = TMP_SEQ.fetch_add(1, Ordering::Relaxed);
    let tmp = parent.join(format!(".{name}.{}.{seq}{TMP_SUFFIX}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(text.as_bytes()).map_err(io(&tmp))?;
        if durable {
            f.sync_all().map_err(io(&tmp))?;
        }
        fs::rename(&tmp, path).map_err(io(path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    #[cfg(unix)]
    if durable {
        File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(io(parent))?;
    }
    Ok(())
}

fn valid_color(color: &str) -> bool {
    color.len() == 6 && color.bytes().all(|b| b.is_ascii_hexdigit())
}

impl LocalTracker {
    /// Opens (creating if missing) the tracker in `dir`, with the system clock.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, TrackerError> {
        Self::with_clock(dir, Box::new(OffsetDateTime::now_utc))
    }

    /// As [`LocalTracker::open`], with timestamps from `clock`.
    pub fn with_clock(dir: impl AsRef<Path>, clock: Clock) -> Result<Self, TrackerError> {
        let shown = dir.as_ref().to_path_buf();
        let issues = shown.join("issues");
        fs::create_dir_all(&issues).map_err(io(&issues))?;
        let dir = fs::canonicalize(&shown).map_err(io(&shown))?;
        let tracker = LocalTracker { shown, dir, clock };
        // Temp files can only be leftovers of a killed writer: writers hold the lock.
        tracker.locked(|| {
            for d in [tracker.dir.clone(), tracker.issues_dir()] {
                for entry in fs::read_dir(&d).map_err(io(&d))? {
                    let path = entry.map_err(io(&d))?.path();
                    let name = path.file_name().unwrap_or_default().to_string_lossy();
                    if is_tmp(&name) {
                        fs::remove_file(&path).map_err(io(&path))?;
                    }
                }
            }
            Ok(())
        })?;
        Ok(tracker)
    }

    /// Runs `f` holding the exclusive lock on `DIR/.lock`. The lock file is
    /// opened per call, so separate handles in one process also exclude each other.
    fn locked<T>(&self, f: impl FnOnce() -> Result<T, TrackerError>) -> Result<T, TrackerError> {
        let path = self.dir.join(".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        file.lock().map_err(io(&path))?;
        let result = f();
        // Closing the file releases the lock too; unlocking first is just explicit.
        let _ = file.unlock();
        result
    }

    /// Now, in UTC, to the second: forges keep seconds, and the JSON stays readable.
    fn now(&self) -> OffsetDateTime {
        let now = (self.clock)().to_offset(time::UtcOffset::UTC);
        now.replace_nanosecond(0).unwrap_or(now)
    }

    fn issues_dir(&self) -> PathBuf {
        self.dir.join("issues")
    }

    fn issue_path(&self, number: u64) -> PathBuf {
        self.issues_dir().join(format!("{number}.json"))
    }

    /// Issue numbers present on disk, ascending; temp and foreign files ignored.
    fn issue_numbers(&self) -> Result<Vec<u64>, TrackerError> {
        let d = self.issues_dir();
        let mut numbers = Vec::new();
        for entry in fs::read_dir(&d).map_err(io(&d))? {
            let name = entry.map_err(io(&d))?.file_name();
            let name = name.to_string_lossy();
            if let Some(n) = name.strip_suffix(".json").and_then(|s| s.parse().ok()) {
                numbers.push(n);
            }
        }
        numbers.sort_unstable();
        Ok(numbers)
    }

    fn load(&self, number: u64) -> Result<IssueFile, TrackerError> {
        #[cfg(test)]
        PARSES.with(|p| p.set(p.get() + 1));
        let path = self.issue_path(number);
        let file: IssueFile =
            read_json(&path)?.ok_or_else(|| not_found(format!("issue #{number}")))?;
        if file.number != number {
            return Err(TrackerError::Corrupt {
                path,
                message: format!("it holds issue #{} instead of #{number}", file.number),
            });
        }
        Ok(file)
    }

    /// Writes the issue, then its index entry. The entry is best effort: the
    /// issue is saved whatever happens to it, and a stale entry is re-read.
    fn save(&self, file: &IssueFile) -> Result<(), TrackerError> {
        let path = self.issue_path(file.number);
        write_json(&path, file)?;
        if let Ok(stamp) = Stamp::of(&path) {
            let mut index = self.load_index();
            index
                .issues
                .insert(file.number, IndexEntry::of(file, stamp));
            self.save_index(&index);
        }
        Ok(())
    }

    /// The index as stored; empty if missing, unreadable, corrupt or of another version.
    fn load_index(&self) -> Index {
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
    fn select(
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

    /// The counters; if `meta.json` is gone, rebuilt from the issues so no number is reused.
    fn load_meta(&self) -> Result<Meta, TrackerError> {
        if let Some(meta) = read_json(&self.dir.join("meta.json"))? {
            return Ok(meta);
        }
        let mut meta = Meta {
            next_issue: 1,
            next_comment: 1,
            next_event: 1,
        };
        for n in self.issue_numbers()? {
            let file = self.load(n)?;
            meta.next_issue = meta.next_issue.max(n + 1);
            for c in &file.comments {
                meta.next_comment = meta.next_comment.max(c.id + 1);
            }
            for e in &file.events {
                meta.next_event = meta.next_event.max(e.id + 1);
            }
        }
        Ok(meta)
    }

    fn save_meta(&self, meta: &Meta) -> Result<(), TrackerError> {
        write_json(&self.dir.join("meta.json"), meta)
    }

    fn load_labels(&self) -> Result<Vec<Label>, TrackerError> {
        Ok(read_json(&self.dir.join("labels.json"))?.unwrap_or_default())
    }

    fn save_labels(&self, labels: &[Label]) -> Result<(), TrackerError> {
        write_json(&self.dir.join("labels.json"), &labels)
    }

    fn to_issue(&self, file: &IssueFile) -> Issue {
        Issue {
            number: file.number,
            title: file.title.clone(),
            body: file.body.clone(),
            labels: file.labels.clone(),
            open: file.open,
            author: file.author.clone(),
            created_at: file.created_at,
            updated_at: file.updated_at,
            // The path as the user named the tracker: short, and what they can open.
            url: self
                .shown
                .join("issues")
                .join(format!("{}.json", file.number))
                .display()
                .to_string(),
        }
    }

    /// Reserves `count` event ids, saving the counter before they are used.
    fn reserve_events(&self, count: u64) -> Result<u64, TrackerError> {
        let mut meta = self.load_meta()?;
        let first = meta.next_event;
        meta.next_event += count;
        self.save_meta(&meta)?;
        Ok(first)
    }

    /// Labels `file` with those of `labels` it lacks, recording events, and
    /// declares any label the tracker does not know yet (as GitHub does).
    fn apply_labels(
        &self,
        actor: &str,
        file: &mut IssueFile,
        labels: &[String],
        now: OffsetDateTime,
    ) -> Result<(), TrackerError> {
        let mut new: Vec<&String> = Vec::new();
        for l in labels {
            if l.trim().is_empty() {
                return Err(invalid("a label name cannot be empty"));
            }
            if !file.labels.contains(l) && !new.contains(&l) {
                new.push(l);
            }
        }
        if new.is_empty() {
            return Ok(());
        }
        let mut known = self.load_labels()?;
        let before = known.len();
        for l in &new {
            if !known.iter().any(|k| &k.name == *l) {
                known.push(Label {
                    name: (*l).clone(),
                    color: DEFAULT_COLOR.into(),
                    description: String::new(),
                });
            }
        }
        if known.len() != before {
            self.save_labels(&known)?;
        }
        let first = self.reserve_events(new.len() as u64)?;
        for (id, l) in (first..).zip(new) {
            file.labels.push(l.clone());
            file.events.push(Event {
                id,
                issue: file.number,
                actor: actor.into(),
                kind: EventKind::Labeled { label: l.clone() },
                at: now,
            });
        }
        file.updated_at = now;
        Ok(())
    }

    fn push_event(
        &self,
        actor: &str,
        file: &mut IssueFile,
        kind: EventKind,
        now: OffsetDateTime,
    ) -> Result<(), TrackerError> {
        let id = self.reserve_events(1)?;
        file.events.push(Event {
            id,
            issue: file.number,
            actor: actor.into(),
            kind,
            at: now,
        });
        Ok(())
    }
}

impl Tracker for LocalTracker {
    fn describe(&self) -> String {
        format!("local:{}", self.shown.display())
    }

    fn list_issues(
        &self,
        label: Option<&str>,
        open_only: bool,
    ) -> Result<Vec<Issue>, TrackerError> {
        self.locked(|| {
            let files = self.select(|labels, open| {
                (!open_only || open) && label.is_none_or(|l| labels.iter().any(|x| x == l))
            })?;
            Ok(files.iter().map(|f| self.to_issue(f)).collect())
        })
    }

    fn read_file(&self, path: &str) -> Result<Option<String>, TrackerError> {
        let segments = super::plain_path(path)?;
        let full = segments.iter().fold(self.dir.clone(), |p, s| p.join(s));
        match fs::read_to_string(&full) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(TrackerError::Io { path: full, source }),
        }
    }

    fn search_issues(&self, text: &str) -> Result<Vec<Issue>, TrackerError> {
        self.locked(|| {
            let mut out = Vec::new();
            for n in self.issue_numbers()? {
                let file = self.load(n)?;
                if file.body.contains(text) {
                    out.push(self.to_issue(&file));
                }
            }
            Ok(out)
        })
    }

    fn get_issue(&self, number: u64) -> Result<Issue, TrackerError> {
        self.locked(|| Ok(self.to_issue(&self.load(number)?)))
    }

    fn create_issue(
        &self,
        actor: &str,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Issue, TrackerError> {
        if title.trim().is_empty() {
            return Err(invalid("an issue title cannot be empty"));
        }
        self.locked(|| {
            let mut meta = self.load_meta()?;
            // A hand-edited or restored store may hold issues beyond the counter.
            let last = self.issue_numbers()?.last().copied().unwrap_or(0);
            let number = meta.next_issue.max(last + 1);
            meta.next_issue = number + 1;
            self.save_meta(&meta)?;
            let now = self.now();
            let mut file = IssueFile {
                number,
                title: title.into(),
                body: body.into(),
                labels: Vec::new(),
                open: true,
                author: actor.into(),
                created_at: now,
                updated_at: now,
                comments: Vec::new(),
                events: Vec::new(),
            };
            self.push_event(actor, &mut file, EventKind::Opened, now)?;
            self.apply_labels(actor, &mut file, labels, now)?;
            self.save(&file)?;
            Ok(self.to_issue(&file))
        })
    }

    fn update_issue(
        &self,
        actor: &str,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
        open: Option<bool>,
    ) -> Result<Issue, TrackerError> {
        if title.is_some_and(|t| t.trim().is_empty()) {
            return Err(invalid("an issue title cannot be empty"));
        }
        self.locked(|| {
            let mut file = self.load(number)?;
            let now = self.now();
            let mut changed = false;
            if let Some(t) = title.filter(|t| *t != file.title) {
                file.title = t.into();
                changed = true;
            }
            if let Some(b) = body.filter(|b| *b != file.body) {
                file.body = b.into();
                changed = true;
            }
            if let Some(o) = open.filter(|o| *o != file.open) {
                file.open = o;
                let kind = if o {
                    EventKind::Reopened
                } else {
                    EventKind::Closed
                };
                self.push_event(actor, &mut file, kind, now)?;
                changed = true;
            }
            if changed {
                file.updated_at = now;
                self.save(&file)?;
            }
            Ok(self.to_issue(&file))
        })
    }

    fn add_labels(
        &self,
        actor: &str,
        number: u64,
        labels: &[String],
    ) -> Result<Vec<String>, TrackerError> {
        self.locked(|| {
            let mut file = self.load(number)?;
            let before = file.labels.len();
            self.apply_labels(actor, &mut file, labels, self.now())?;
            if file.labels.len() != before {
                self.save(&file)?;
            }
            Ok(file.labels)
        })
    }

    fn remove_label(
        &self,
        actor: &str,
        number: u64,
        label: &str,
    ) -> Result<Vec<String>, TrackerError> {
        self.locked(|| {
            let mut file = self.load(number)?;
            let pos = file
                .labels
                .iter()
                .position(|l| l == label)
                .ok_or_else(|| not_found(format!("label `{label}` on issue #{number}")))?;
            file.labels.remove(pos);
            let now = self.now();
            let kind = EventKind::Unlabeled {
                label: label.into(),
            };
            self.push_event(actor, &mut file, kind, now)?;
            file.updated_at = now;
            self.save(&file)?;
            Ok(file.labels)
        })
    }

    fn list_comments(&self, number: u64) -> Result<Vec<Comment>, TrackerError> {
        self.locked(|| Ok(self.load(number)?.comments))
    }

    fn create_comment(
        &self,
        actor: &str,
        number: u64,
        body: &str,
    ) -> Result<Comment, TrackerError> {
        self.locked(|| {
            let mut file = self.load(number)?;
            let mut meta = self.load_meta()?;
            let id = meta.next_comment;
            meta.next_comment += 1;
            self.save_meta(&meta)?;
            let now = self.now();
            let comment = Comment {
                id,
                issue: number,
                author: actor.into(),
                body: body.into(),
                created_at: now,
                updated_at: now,
            };
            file.comments.push(comment.clone());
            file.updated_at = now;
            self.save(&file)?;
            Ok(comment)
        })
    }

    /// Edits by id wherever the comment is; like a forge admin, any actor may
    /// edit, and the author stays. The same text again changes nothing.
    fn update_comment(
        &self,
        _actor: &str,
        issue: u64,
        id: u64,
        body: &str,
    ) -> Result<Comment, TrackerError> {
        self.locked(|| {
            let mut file = self.load(issue)?;
            let Some(c) = file.comments.iter_mut().find(|c| c.id == id) else {
                return Err(not_found(format!("comment {id} on #{issue}")));
            };
            if c.body != body {
                let now = self.now();
                c.body = body.into();
                c.updated_at = now;
                let comment = c.clone();
                file.updated_at = now;
                self.save(&file)?;
                return Ok(comment);
            }
            Ok(c.clone())
        })
    }

    fn list_events(&self, number: u64) -> Result<Vec<Event>, TrackerError> {
        self.locked(|| Ok(self.load(number)?.events))
    }

    fn list_labels(&self) -> Result<Vec<Label>, TrackerError> {
        self.locked(|| self.load_labels())
    }

    fn ensure_label(&self, label: &Label) -> Result<bool, TrackerError> {
        if label.name.trim().is_empty() {
            return Err(invalid("a label name cannot be empty"));
        }
        if !valid_color(&label.color) {
            return Err(invalid(format!(
                "label `{}`: colour `{}` is not 6 hex digits (e.g. `0e8a16`, without `#`)",
                label.name, label.color
            )));
        }
        let wanted = Label {
            color: label.color.to_ascii_lowercase(),
            ..label.clone()
        };
        self.locked(|| {
            let mut labels = self.load_labels()?;
            match labels.iter_mut().find(|l| l.name == wanted.name) {
                Some(l) if *l == wanted => return Ok(false),
                Some(l) => *l = wanted,
                None => labels.push(wanted),
            }
            self.save_labels(&labels)?;
            Ok(true)
        })
    }

    /// The embedded tracker has no teams: in `tracker.yaml` only logins
    /// count here, so a team entry grants nothing (fails closed).
    fn team_member(&self, _org: &str, _team: &str, _login: &str) -> Result<bool, TrackerError> {
        Ok(false)
    }

    /// The embedded tracker has no permissions: in `tracker.yaml` only
    /// logins count here, so a `permission:` entry grants nothing.
    fn permission(
        &self,
        _login: &str,
    ) -> Result<Option<crate::policy::tracker_config::PermissionLevel>, TrackerError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicI64;
    use time::Duration;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2025-03-01 12:00:00 UTC);

    /// A tracker whose clock advances one minute per reading, so every change is visible.
    fn tracker(dir: &Path) -> LocalTracker {
        let ticks = Arc::new(AtomicI64::new(0));
        LocalTracker::with_clock(
            dir,
            Box::new(move || T0 + Duration::minutes(ticks.fetch_add(1, Ordering::SeqCst))),
        )
        .unwrap()
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn create_list_filter() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tracker(tmp.path());
        let a = t
            .create_issue("alice", "A", "body a", &s(&["submission"]))
            .unwrap();
        let b = t.create_issue("bob", "B", "", &[]).unwrap();
        t.create_issue("bob", "C", "", &s(&["submission", "x"]))
            .unwrap();
        assert_eq!((a.number, b.number), (1, 2));
        assert_eq!(a.author, "alice");
        assert!(a.open);
        assert_eq!(a.created_at, T0);
        assert_eq!(
            a.url,
            tmp.path().join("issues/1.json").display().to_string()
        );
        t.update_issue("bob", 3, None, None, Some(false)).unwrap();

        let nums = |v: Vec<Issue>| v.iter().map(|i| i.number).collect::<Vec<_>>();
        assert_eq!(nums(t.list_issues(None, false).unwrap()), [1, 2, 3]);
        assert_eq!(nums(t.list_issues(None, true).unwrap()), [1, 2]);
        assert_eq!(
            nums(t.list_issues(Some("submission"), false).unwrap()),
            [1, 3]
        );
        assert_eq!(nums(t.list_issues(Some("submission"), true).unwrap()), [1]);
        assert_eq!(
            nums(t.list_issues(Some("none"), false).unwrap()),
            Vec::<u64>::new()
        );
        assert_eq!(t.get_issue(1).unwrap(), a);
        assert!(matches!(t.get_issue(9), Err(TrackerError::NotFound { .. })));
        assert!(matches!(
            t.create_issue("a", " ", "", &[]),
            Err(TrackerError::Invalid { .. })
        ));

        let kinds: Vec<_> = t
            .list_events(3)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                EventKind::Opened,
                EventKind::Labeled {
                    label: "submission".into()
                },
                EventKind::Labeled { label: "x".into() },
                EventKind::Closed,
            ]
        );
        // Labels used on issues are declared, as GitHub does.
        let names: Vec<_> = t
            .list_labels()
            .unwrap()
            .into_iter()
            .map(|l| l.name)
            .collect();
        assert_eq!(names, ["submission", "x"]);
        // No URL in the stored file: it would differ per checkout.
        let raw = fs::read_to_string(tmp.path().join("issues/1.json")).unwrap();
        assert!(!raw.contains("file://") && raw.contains("\"title\": \"A\""));
    }

    #[test]
    fn labels_add_idempotent_and_remove() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tracker(tmp.path());
        t.create_issue("a", "T", "", &s(&["one"])).unwrap();
        let after = t.add_labels("rev", 1, &s(&["one", "two", "two"])).unwrap();
        assert_eq!(after, ["one", "two"]);
        let updated = t.get_issue(1).unwrap().updated_at;
        assert_eq!(
            t.add_labels("rev", 1, &s(&["two", "one"])).unwrap(),
            ["one", "two"]
        );
        assert_eq!(t.get_issue(1).unwrap().updated_at, updated);

        assert_eq!(t.remove_label("rev", 1, "one").unwrap(), ["two"]);
        let err = t.remove_label("rev", 1, "one").unwrap_err();
        assert!(matches!(err, TrackerError::NotFound { .. }), "{err}");
        assert!(matches!(
            t.add_labels("rev", 7, &s(&["x"])),
            Err(TrackerError::NotFound { .. })
        ));

        let events = t.list_events(1).unwrap();
        let got: Vec<_> = events
            .iter()
            .map(|e| (e.actor.as_str(), e.kind.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", EventKind::Opened),
                (
                    "a",
                    EventKind::Labeled {
                        label: "one".into()
                    }
                ),
                (
                    "rev",
                    EventKind::Labeled {
                        label: "two".into()
                    }
                ),
                (
                    "rev",
                    EventKind::Unlabeled {
                        label: "one".into()
                    }
                ),
            ]
        );
        let ids: Vec<_> = events.iter().map(|e| e.id).collect();
        assert_eq!(ids, [1, 2, 3, 4]);
    }

    #[test]
    fn comments_create_update() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tracker(tmp.path());
        t.create_issue("a", "T", "", &[]).unwrap();
        t.create_issue("a", "U", "", &[]).unwrap();
        let c1 = t.create_comment("bob", 1, "hello").unwrap();
        let c2 = t.create_comment("bob", 2, "other").unwrap();
        assert_eq!((c1.id, c2.id, c1.issue, c2.issue), (1, 2, 1, 2));
        assert_eq!(c1.created_at, c1.updated_at);

        let same = t.update_comment("carol", 2, 2, "other").unwrap();
        assert_eq!(same, c2);
        let edited = t.update_comment("carol", 2, 2, "changed").unwrap();
        assert_eq!(edited.body, "changed");
        assert_eq!(edited.author, "bob");
        assert!(edited.updated_at > c2.updated_at);
        assert_eq!(t.list_comments(2).unwrap(), [edited]);
        assert_eq!(t.list_comments(1).unwrap(), [c1]);
        assert!(matches!(
            t.update_comment("c", 2, 99, "x"),
            Err(TrackerError::NotFound { .. })
        ));
        // A comment of another issue is not found on this one.
        assert!(matches!(
            t.update_comment("c", 1, 2, "x"),
            Err(TrackerError::NotFound { .. })
        ));
        assert!(matches!(
            t.create_comment("c", 99, "x"),
            Err(TrackerError::NotFound { .. })
        ));
    }

    #[test]
    fn update_issue_noop_keeps_updated_at() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tracker(tmp.path());
        let i = t.create_issue("a", "T", "body", &[]).unwrap();
        let same = t
            .update_issue("a", 1, Some("T"), Some("body"), Some(true))
            .unwrap();
        assert_eq!(same, i);
        assert_eq!(t.list_events(1).unwrap().len(), 1);
        let changed = t
            .update_issue("a", 1, None, Some("new body"), None)
            .unwrap();
        assert_eq!(changed.body, "new body");
        assert!(changed.updated_at > i.updated_at);
        assert_eq!(changed.created_at, i.created_at);
        let reopened = t.update_issue("b", 1, None, None, Some(false)).unwrap();
        assert!(!reopened.open);
        let reopened = t.update_issue("b", 1, None, None, Some(true)).unwrap();
        assert!(reopened.open);
        let kinds: Vec<_> = t
            .list_events(1)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            [EventKind::Opened, EventKind::Closed, EventKind::Reopened]
        );
        assert!(matches!(
            t.update_issue("a", 5, None, None, None),
            Err(TrackerError::NotFound { .. })
        ));
    }

    #[test]
    fn numbering_persists_across_reopen() {
        let tmp = tempfile::tempdir().unwrap();
        {
            let t = tracker(tmp.path());
            t.create_issue("a", "1", "", &[]).unwrap();
            t.create_issue("a", "2", "", &[]).unwrap();
            t.create_comment("a", 1, "c").unwrap();
        }
        let t = LocalTracker::open(tmp.path()).unwrap();
        assert_eq!(t.create_issue("a", "3", "", &[]).unwrap().number, 3);
        assert_eq!(t.create_comment("a", 3, "c").unwrap().id, 2);
        // Even without meta.json, numbers are rebuilt from the issues, never reused.
        fs::remove_file(tmp.path().join("meta.json")).unwrap();
        let t = LocalTracker::open(tmp.path()).unwrap();
        assert_eq!(t.create_issue("a", "4", "", &[]).unwrap().number, 4);
        assert_eq!(t.create_comment("a", 4, "c").unwrap().id, 3);
        let ids: Vec<_> = t.list_events(4).unwrap().iter().map(|e| e.id).collect();
        assert_eq!(ids, [4]);
        assert_eq!(t.describe(), format!("local:{}", tmp.path().display()));
    }

    #[test]
    fn corrupt_file_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tracker(tmp.path());
        t.create_issue("a", "T", "", &[]).unwrap();
        let path = t.issue_path(1);
        fs::write(&path, "{ \"number\": 1, oops").unwrap();
        for err in [
            t.get_issue(1).unwrap_err(),
            t.list_issues(None, false).unwrap_err(),
        ] {
            let TrackerError::Corrupt { path: p, .. } = &err else {
                panic!("{err}")
            };
            assert_eq!(p, &path);
            let msg = err.to_string();
            assert!(
                msg.contains("issues/1.json") && msg.contains("by hand"),
                "{msg}"
            );
        }
        fs::write(tmp.path().join("labels.json"), "[1]").unwrap();
        assert!(matches!(t.list_labels(), Err(TrackerError::Corrupt { .. })));
    }

    #[test]
    fn ensure_label_create_unchanged_changed() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tracker(tmp.path());
        let mut l = Label {
            name: "umd-submission".into(),
            color: "0E8A16".into(),
            description: "A UMD release submission".into(),
        };
        assert!(t.ensure_label(&l).unwrap());
        assert!(!t.ensure_label(&l).unwrap());
        l.description = "changed".into();
        assert!(t.ensure_label(&l).unwrap());
        assert!(!t.ensure_label(&l).unwrap());
        let stored = t.list_labels().unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].color, "0e8a16");
        assert_eq!(stored[0].description, "changed");
        l.color = "#0e8a16".into();
        assert!(matches!(
            t.ensure_label(&l),
            Err(TrackerError::Invalid { .. })
        ));
    }

    #[test]
    fn concurrent_writers_never_reuse_numbers() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let threads: Vec<_> = (0..8)
            .map(|w| {
                let dir = dir.clone();
                std::thread::spawn(move || {
                    // Its own tracker, so its own lock-file handles.
                    let t = LocalTracker::open(&dir).unwrap();
                    for i in 0..25 {
                        t.create_issue(&format!("w{w}"), &format!("{w}-{i}"), "", &s(&["l"]))
                            .unwrap();
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
        let t = LocalTracker::open(&dir).unwrap();
        let issues = t.list_issues(None, false).unwrap();
        let numbers: Vec<u64> = issues.iter().map(|i| i.number).collect();
        assert_eq!(numbers, (1..=200).collect::<Vec<_>>());
        let mut titles: Vec<_> = issues.iter().map(|i| i.title.clone()).collect();
        titles.sort();
        titles.dedup();
        assert_eq!(titles.len(), 200);
        let mut events: Vec<u64> = (1..=200)
            .flat_map(|n| t.list_events(n).unwrap())
            .map(|e| e.id)
            .collect();
        events.sort_unstable();
        assert_eq!(events, (1..=400).collect::<Vec<_>>());
        assert_eq!(
            files_in(&dir),
            [".index.json", ".lock", "issues", "labels.json", "meta.json"]
        );
        // Every write kept the index whole: a listing parses no file it does not return.
        assert_eq!(t.load_index().issues.len(), 200);
        let (none, parsed) = parses(|| t.list_issues(Some("nowhere"), false).unwrap());
        assert_eq!((none.len(), parsed), (0, 0));
        assert!(files_in(&dir.join("issues")).iter().all(|n| !is_tmp(n)));
    }

    /// What `f` returns, and how many issue files it parsed.
    fn parses<T>(f: impl FnOnce() -> T) -> (T, u64) {
        let before = PARSES.with(|p| p.get());
        let out = f();
        (out, PARSES.with(|p| p.get()) - before)
    }

    /// 20 issues, #7 labelled `needle`, #3 closed.
    fn haystack(dir: &Path) -> LocalTracker {
        let t = tracker(dir);
        for i in 1..=20 {
            let labels = if i == 7 {
                s(&["hay", "needle"])
            } else {
                s(&["hay"])
            };
            t.create_issue("a", &format!("issue {i}"), "", &labels)
                .unwrap();
        }
        t.update_issue("a", 3, None, None, Some(false)).unwrap();
        t
    }

    fn numbers(v: &[Issue]) -> Vec<u64> {
        v.iter().map(|i| i.number).collect()
    }

    #[test]
    fn labelled_listing_parses_only_the_matching_files() {
        let tmp = tempfile::tempdir().unwrap();
        let t = haystack(tmp.path());
        let (found, parsed) = parses(|| t.list_issues(Some("needle"), false).unwrap());
        assert_eq!((numbers(&found), parsed), (vec![7], 1));
        assert_eq!(found[0], t.get_issue(7).unwrap());
        // Open only, as sweep lists: the closed issue is not read.
        let (open, parsed) = parses(|| t.list_issues(None, true).unwrap());
        assert_eq!((open.len(), parsed), (19, 19));
        let (all, parsed) = parses(|| t.list_issues(Some("hay"), false).unwrap());
        assert_eq!((all.len(), parsed), (20, 20));
    }

    #[test]
    fn index_is_rebuilt_when_deleted_or_corrupt() {
        let tmp = tempfile::tempdir().unwrap();
        let t = haystack(tmp.path());
        let index = tmp.path().join(INDEX);
        let want = t.list_issues(Some("needle"), true).unwrap();
        for damage in ["delete", "garbage", "old version", "empty"] {
            match damage {
                "delete" => fs::remove_file(&index).unwrap(),
                "garbage" => fs::write(&index, "{ \"version\": 1, \"issues\": {\"1\": [").unwrap(),
                "old version" => fs::write(&index, "{\"version\": 0, \"issues\": {}}").unwrap(),
                _ => fs::write(&index, "").unwrap(),
            }
            // The first listing reads every file and rewrites the index ...
            let (found, parsed) = parses(|| t.list_issues(Some("needle"), true).unwrap());
            assert_eq!((&found, parsed), (&want, 20), "{damage}");
            assert_eq!(t.load_index().issues.len(), 20, "{damage}");
            // ... so the next one reads only the match.
            let (found, parsed) = parses(|| t.list_issues(Some("needle"), true).unwrap());
            assert_eq!((&found, parsed), (&want, 1), "{damage}");
        }
    }

    #[test]
    fn issue_written_without_its_index_entry_is_reread() {
        let tmp = tempfile::tempdir().unwrap();
        let t = haystack(tmp.path());
        // A writer killed between the issue write and the index write: the
        // file changed (atomically, as `save` writes it), the index did not.
        let mut file = t.load(12).unwrap();
        file.labels.push("needle".into());
        write_json(&t.issue_path(12), &file).unwrap();
        let (found, parsed) = parses(|| t.list_issues(Some("needle"), false).unwrap());
        assert_eq!((numbers(&found), parsed), (vec![7, 12], 2));
        // A hand edit in place, same inode: the label goes away again.
        let path = t.issue_path(12);
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.replace(",\n    \"needle\"", "")).unwrap();
        assert_eq!(numbers(&t.list_issues(Some("needle"), false).unwrap()), [7]);
        // A file removed by hand, and one added: the index follows both.
        fs::remove_file(t.issue_path(7)).unwrap();
        let mut added = t.load(1).unwrap();
        added.number = 30;
        added.labels = s(&["needle"]);
        fs::write(t.issue_path(30), serde_json::to_string(&added).unwrap()).unwrap();
        let (found, parsed) = parses(|| t.list_issues(Some("needle"), false).unwrap());
        assert_eq!((numbers(&found), parsed), (vec![30], 1));
        let indexed: Vec<u64> = t.load_index().issues.into_keys().collect();
        assert_eq!(indexed.len(), 20);
        assert!(indexed.contains(&30) && !indexed.contains(&7));
        // A corrupt file is named by every listing, as before the index.
        fs::write(t.issue_path(5), "{ oops").unwrap();
        for err in [
            t.list_issues(Some("needle"), false).unwrap_err(),
            t.list_issues(None, false).unwrap_err(),
        ] {
            assert!(
                matches!(&err, TrackerError::Corrupt { path, .. } if path == &t.issue_path(5)),
                "{err}"
            );
        }
    }

    #[test]
    fn crash_leftovers_are_ignored_and_cleaned() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let running = tracker(dir);
        let old = running.create_issue("a", "old", "", &[]).unwrap();
        // A writer killed after writing its temp file, before the rename.
        let stray = dir.join("issues").join(".1.json.4242.0.tmp");
        fs::write(&stray, "{ \"number\": 1, \"title\": \"half").unwrap();
        let stray_meta = dir.join(".meta.json.4242.1.tmp");
        fs::write(&stray_meta, "").unwrap();
        // Until an open cleans up, a stray file is simply not an issue.
        assert_eq!(
            running.list_issues(None, false).unwrap(),
            std::slice::from_ref(&old)
        );
        assert_eq!(running.get_issue(1).unwrap(), old);
        let t = tracker(dir);
        assert!(!stray.exists() && !stray_meta.exists());
        assert_eq!(t.list_issues(None, false).unwrap(), [old]);
        assert_eq!(t.create_issue("a", "new", "", &[]).unwrap().number, 2);
    }
}
