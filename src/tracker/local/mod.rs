//! The embedded tracker: issues as JSON files in a directory, so a product
//! without a forge (or a test) can run the whole workflow, and the store can
//! be committed to git and read or fixed by hand.
//!
//! Layout: `DIR/meta.json` (next numbers), `DIR/labels.json`,
//! `DIR/issues/<n>.json` (an issue with its comments and events), and
//! `DIR/.index.json`, a cache of each issue's labels and state (see [`index`]).
//!
//! Every operation holds an exclusive lock on `DIR/.lock` for its whole
//! read-modify-write, so two processes never reuse a number or lose an update.
//! Every write goes to a temp file in the same directory, is fsynced, then
//! renamed over the target, so a crash leaves the old file or the new one,
//! never half of one. Counters in `meta.json` are advanced before the files
//! that use them are written, so a crash in between leaves a gap, not a reuse.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Comment, Event, EventKind, Issue, Label, Tracker, TrackerError};

mod index;

/// A source of "now", injectable so tests get fixed timestamps.
pub type Clock = Box<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// Colour given to labels created implicitly by adding them to an issue, as GitHub does.
const DEFAULT_COLOR: &str = "ededed";
const TMP_SUFFIX: &str = ".tmp";

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
        self.index_saved(file, &path);
        Ok(())
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

    fn identity(&self) -> Result<Option<String>, TrackerError> {
        Ok(None)
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
mod tests;
