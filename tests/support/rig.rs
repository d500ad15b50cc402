//! A tracker holding the demo product's submission, on the embedded tracker,
//! the fake GitHub or the fake GitLab, driven through the binary as users
//! would, with the clock set by `UMD_RELEASE_NOW`.
//!
//! [`Backend`] is the seam shared with the submission scenarios: which tracker
//! a scenario runs on, the environment the binary needs to reach it, a
//! [`Tracker`] to look inside it, and the fake's request log.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::fake_github::FakeGitHub;
use super::fake_gitlab::FakeGitLab;
use super::fake_http::{Forge, Server};
use super::{Run, demo_dir, demo_repo, run, umd};
use umd_release::pipeline::sweep::STATUS_MARKER;
use umd_release::submission::State;
use umd_release::tracker::github::Secret;
use umd_release::tracker::gitlab::{GitLabConfig, GitLabTracker, scope};
use umd_release::tracker::{Comment, Issue, Tracker, local::LocalTracker};

pub const CONFIG: &str = "roles:
  qc-verifier: [alice]
  staged-rollout-manager: [bob]
  release-manager: [carol]
early_adopters:
  NGI_IT-INFN-CNAF: [dave]
  NGI_DE-SCAI: [erin]
  NGI_FR-IN2P3: [fay]
";
/// The GitHub token of the pipeline's tracker.
pub const TOKEN: &str = "ghs_PIPELINEtoken0123456789abcdefABCD";
/// The GitLab token of the pipeline's tracker (a project access token).
pub const GITLAB_TOKEN: &str = "glpat-PIPELINEtoken0123456789abcd";
/// The tracking project on both forges.
pub const PROJECT: &str = "egi/umd-tracker";
/// A Monday.
pub const T0: &str = "2026-11-02T09:00:00Z";
pub const REPORT: &str =
    "https://documents.egi.eu/ea-NGI_IT-INFN-CNAF-CMD-OS-site-info-publisher-1.4.0.odt";

/// Which tracker a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The embedded tracker, `local:DIR`.
    Local,
    /// The fake GitHub over HTTP, `github:egi/umd-tracker`.
    GitHub,
    /// The fake GitLab over HTTP, `gitlab:egi/umd-tracker`.
    GitLab,
}

/// The fake forge behind a [`Backend`], if any.
pub enum Fake {
    Local,
    GitHub(FakeGitHub),
    GitLab(FakeGitLab),
}

/// One request a fake forge answered, whichever forge it was.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
}

impl std::fmt::Display for Req {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.status, self.method, self.path)?;
        if !self.query.is_empty() {
            write!(f, "?{}", self.query)?;
        }
        Ok(())
    }
}

/// A tracker under test: the embedded tracker in `dir`, or a fake forge whose
/// tracking project `egi/umd-tracker` accepts `token` and holds the demo
/// product's registration (`products/site-info-publisher.yaml`, read through
/// the forge's files API).
pub struct Backend {
    pub fake: Fake,
    /// The embedded tracker's directory (unused on the forges).
    pub dir: PathBuf,
    pub token: String,
}

impl Backend {
    /// `token` is the GitHub token on GitHub, the GitLab token on GitLab.
    pub fn start(kind: Kind, dir: &Path, token: &str) -> Backend {
        let fake = match kind {
            Kind::Local => {
                std::fs::create_dir_all(dir).unwrap();
                Fake::Local
            }
            Kind::GitHub => {
                let gh = FakeGitHub::start();
                gh.add_repo("egi", "umd-tracker");
                gh.set_token(token);
                super::register_demo(&gh);
                Fake::GitHub(gh)
            }
            Kind::GitLab => {
                let gl = FakeGitLab::start();
                gl.add_project(PROJECT);
                gl.set_token(token);
                register_demo_gitlab(&gl);
                Fake::GitLab(gl)
            }
        };
        Backend {
            fake,
            dir: dir.to_path_buf(),
            token: token.to_string(),
        }
    }

    pub fn kind(&self) -> Kind {
        match self.fake {
            Fake::Local => Kind::Local,
            Fake::GitHub(_) => Kind::GitHub,
            Fake::GitLab(_) => Kind::GitLab,
        }
    }

    /// `--tracker` / `UMD_RELEASE_TRACKER`.
    pub fn spec(&self) -> String {
        match self.fake {
            Fake::Local => format!("local:{}", self.dir.display()),
            Fake::GitHub(_) => format!("github:{PROJECT}"),
            Fake::GitLab(_) => format!("gitlab:{PROJECT}"),
        }
    }

    /// Points `cmd` at the tracker, with the forge's credentials only: no
    /// other forge's variables leak in from the machine running the tests.
    pub fn env(&self, cmd: &mut Command) {
        for var in [
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "UMD_RELEASE_TOKEN",
            "GITLAB_TOKEN",
            "GITLAB_API_URL",
            "CI_API_V4_URL",
            "CI_JOB_TOKEN",
            "UMD_RELEASE_APP_ID",
            "UMD_RELEASE_APP_PRIVATE_KEY",
            "UMD_RELEASE_APP_INSTALLATION_ID",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("UMD_RELEASE_TRACKER", self.spec());
        match &self.fake {
            Fake::Local => {}
            Fake::GitHub(gh) => {
                cmd.env("GITHUB_API_URL", gh.url())
                    .env("GITHUB_TOKEN", &self.token);
            }
            Fake::GitLab(gl) => {
                cmd.env("GITLAB_API_URL", gl.url())
                    .env("UMD_RELEASE_TOKEN", &self.token);
            }
        }
    }

    /// A tracker on the same place, as tests look inside it.
    pub fn tracker(&self) -> Box<dyn Tracker> {
        match &self.fake {
            Fake::Local => Box::new(LocalTracker::open(&self.dir).unwrap()),
            Fake::GitHub(gh) => Box::new(super::github_tracker(gh, &self.token)),
            Fake::GitLab(gl) => Box::new(gitlab_tracker(gl, &self.token)),
        }
    }

    /// A tracker acting as `login` through a token of its own (an outsider,
    /// a provider, a team member); on the embedded tracker the actor each
    /// call names is the author.
    pub fn tracker_as(&self, login: &str) -> Box<dyn Tracker> {
        let token = format!("tok-{login}-0123456789abcdef");
        match &self.fake {
            Fake::Local => Box::new(LocalTracker::open(&self.dir).unwrap()),
            Fake::GitHub(gh) => {
                gh.set_token_user(&token, login);
                Box::new(super::github_tracker(gh, &token))
            }
            Fake::GitLab(gl) => {
                gl.add_user(login);
                gl.set_token_user(&token, login);
                Box::new(gitlab_tracker(gl, &token))
            }
        }
    }

    /// Writes a file of the tracking repository (`tracker.yaml`, `products/X.yaml`).
    pub fn set_file(&self, path: &str, text: &str) {
        match &self.fake {
            Fake::Local => {
                let to = self.dir.join(path);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::write(to, text).unwrap();
            }
            Fake::GitHub(gh) => gh.set_file("egi", "umd-tracker", path, text),
            Fake::GitLab(gl) => gl.set_file(PROJECT, path, text),
        }
    }

    /// The login the tool acts as: the token's user on a forge.
    pub fn bot(&self) -> &'static str {
        match self.fake {
            Fake::Local => "umd-release",
            Fake::GitHub(_) => super::fake_github::DEFAULT_LOGIN,
            Fake::GitLab(_) => super::fake_gitlab::DEFAULT_USERNAME,
        }
    }

    /// Requests the fake forge answered since the last call (none on the
    /// embedded tracker).
    pub fn take_requests(&self) -> Vec<Req> {
        match &self.fake {
            Fake::Local => Vec::new(),
            Fake::GitHub(gh) => take_log(gh),
            Fake::GitLab(gl) => take_log(gl),
        }
    }
}

/// The requests `server` answered since the last call.
fn take_log<S: Forge>(server: &Server<S>) -> Vec<Req> {
    let log = server.requests();
    server.clear_log();
    log.into_iter()
        .map(|r| Req {
            method: r.method,
            path: r.path,
            query: r.query,
            status: r.status,
        })
        .collect()
}

/// Registers the demo product in the fake GitLab's tracking project (its
/// `products/` file, read through the repository files API).
pub fn register_demo_gitlab(gl: &FakeGitLab) {
    let reg = std::fs::read_to_string(
        super::manifest_dir().join("examples/tracker/products/site-info-publisher.yaml"),
    )
    .unwrap();
    gl.set_file(PROJECT, "products/site-info-publisher.yaml", &reg);
}

/// A GitLab tracker on the fake's `egi/umd-tracker`, as tests look inside it.
pub fn gitlab_tracker(gl: &FakeGitLab, token: &str) -> GitLabTracker {
    GitLabTracker::new(GitLabConfig {
        api_url: gl.url(),
        project: PROJECT.into(),
        token: Secret::new(token),
        max_wait: Duration::from_secs(10),
        timeout: Duration::from_secs(60),
    })
    .unwrap()
}

/// A real GitLab webhook payload from the fixtures (`issue`, `note.issue`).
pub fn gitlab_payload(name: &str) -> serde_json::Value {
    let path = super::manifest_dir().join(format!(
        "tests/fixtures/gitlab/webhooks/{name}.payload.json"
    ));
    let mut p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    p["project"]["path_with_namespace"] = PROJECT.into();
    p
}

/// What happened on the issue, as `track` is told.
#[derive(Debug, Clone, Copy)]
pub enum Ev<'a> {
    /// The label (core name, `state:x`) was added.
    Labeled(&'a str),
    /// The label was removed.
    Unlabeled(&'a str),
    /// A comment with this text (id 0: a comment the tracker never saw).
    Comment(u64, &'a str),
}

pub struct Rig {
    pub tmp: tempfile::TempDir,
    pub backend: Backend,
    now: RefCell<String>,
    /// Comments the scenario wrote as people (`say`), by id.
    human: RefCell<Vec<u64>>,
    /// More environment for every command (`Rig::set_env`).
    env: RefCell<Vec<(String, String)>>,
}

impl Rig {
    /// The demo product's v1.4.0 filed for CMD-OS 1 (issue #1) on `kind`, with
    /// [`CONFIG`] as the tracking repository's `tracker.yaml`.
    pub fn new(kind: Kind) -> Rig {
        let tmp = tempfile::tempdir().unwrap();
        let token = match kind {
            Kind::GitLab => GITLAB_TOKEN,
            _ => TOKEN,
        };
        let backend = Backend::start(kind, &tmp.path().join("tracker"), token);
        backend.set_file("tracker.yaml", CONFIG);
        let rig = Rig {
            tmp,
            backend,
            now: RefCell::new(T0.into()),
            human: RefCell::new(Vec::new()),
            env: RefCell::new(Vec::new()),
        };
        demo_repo(rig.tmp.path());
        let r = run(&mut rig.submit());
        assert_eq!(r.code, 0, "{}", r.stderr);
        rig
    }

    /// `submit` of the demo product's v1.4.0 to CMD-OS 1, as [`Rig::new`] ran it.
    pub fn submit(&self) -> Command {
        self.submit_tag("v1.4.0")
    }

    /// `submit` of the demo product at `tag` to CMD-OS 1.
    pub fn submit_tag(&self, tag: &str) -> Command {
        let repo = self.tmp.path().join("repo");
        let registry = super::manifest_dir().join("examples/tracker/products");
        let dist = demo_dir().join("dist");
        let mut args = vec![
            "submit",
            "--policy",
            "cmd-os-1",
            "--repo",
            repo.to_str().unwrap(),
            "--artifacts",
            dist.to_str().unwrap(),
            "--tag",
            tag,
        ];
        if self.kind() == Kind::Local {
            args.extend(["--registry", registry.to_str().unwrap()]);
        }
        self.cmd(&args)
    }

    pub fn kind(&self) -> Kind {
        self.backend.kind()
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = umd(args);
        c.env("UMD_RELEASE_NOW", &*self.now.borrow());
        self.backend.env(&mut c);
        c.envs(self.env.borrow().iter().map(|(k, v)| (k, v)));
        c
    }

    /// Sets `name` for every command the rig runs from now on.
    pub fn set_env(&self, name: &str, value: &str) {
        self.env.borrow_mut().push((name.into(), value.into()));
    }

    pub fn tracker(&self) -> Box<dyn Tracker> {
        self.backend.tracker()
    }

    pub fn at(&self, t: &str) {
        *self.now.borrow_mut() = t.into();
    }

    /// The login the tool acts as on this tracker.
    pub fn bot(&self) -> &'static str {
        self.backend.bot()
    }

    /// Handles an event on issue #1 as `track` sees it: from a webhook payload
    /// derived from the forge's documented example on GitHub
    /// (`GITHUB_EVENT_NAME`/`GITHUB_EVENT_PATH`) and GitLab (the file in
    /// `TRIGGER_PAYLOAD`, as a pipeline triggered by a project webhook gets
    /// it), from flags on the embedded tracker. `who` is the sender.
    pub fn track(&self, who: &str, ev: Ev) -> Run {
        self.track_with(who, ev, &[])
    }

    /// [`Rig::track`] with more flags for `track` (e.g. `--dry-run`).
    pub fn track_with(&self, who: &str, ev: Ev, extra: &[&str]) -> Run {
        self.track_in(None, who, ev, extra)
    }

    /// [`Rig::track_with`] for an event whose payload names `repository`
    /// (`owner/repo`, a GitLab project path) instead of the tracker's.
    pub fn track_in(&self, repository: Option<&str>, who: &str, ev: Ev, extra: &[&str]) -> Run {
        let path = self.tmp.path().join("event.json");
        match &self.backend.fake {
            Fake::Local => {
                let (event, label, body) = match ev {
                    Ev::Labeled(l) => ("labeled", l, ""),
                    Ev::Unlabeled(l) => ("unlabeled", l, ""),
                    Ev::Comment(_, b) => ("comment", "", b),
                };
                run(self
                    .cmd(&[
                        "track", "--event", event, "--issue", "1", "--actor", who, "--label",
                        label, "--body", body,
                    ])
                    .args(extra))
            }
            Fake::GitHub(_) => {
                let (name, mut p) = match ev {
                    Ev::Labeled(l) | Ev::Unlabeled(l) => {
                        let name = if matches!(ev, Ev::Labeled(_)) {
                            "issues.labeled"
                        } else {
                            "issues.unlabeled"
                        };
                        let mut p = super::payload(name, 1, who);
                        p["label"]["name"] = l.into();
                        (name, p)
                    }
                    Ev::Comment(id, body) => {
                        let mut p = super::payload("issue_comment.created", 1, who);
                        p["comment"]["body"] = body.into();
                        if id != 0 {
                            p["comment"]["id"] = id.into();
                        }
                        p["comment"]["user"]["login"] = who.into();
                        ("issue_comment.created", p)
                    }
                };
                let issue = self.issue();
                p["issue"]["title"] = issue.title.into();
                p["issue"]["body"] = issue.body.into();
                if let Some(r) = repository {
                    p["repository"]["full_name"] = r.into();
                }
                std::fs::write(&path, p.to_string()).unwrap();
                let event = name.split('.').next().unwrap();
                run(self
                    .cmd(&["track"])
                    .args(extra)
                    .env("GITHUB_EVENT_NAME", event)
                    .env("GITHUB_EVENT_PATH", &path))
            }
            Fake::GitLab(_) => {
                let mut p = self.gitlab_event(who, ev);
                if let Some(r) = repository {
                    p["project"]["path_with_namespace"] = r.into();
                }
                std::fs::write(&path, p.to_string()).unwrap();
                run(self
                    .cmd(&["track"])
                    .args(extra)
                    .env("TRIGGER_PAYLOAD", &path))
            }
        }
    }

    /// GitLab's Issue Hook (a label change) or Note Hook (a comment on an
    /// issue) for issue #1 as it is now, from the documented examples: `user`
    /// is the sender, labels are GitLab's scoped titles (`state::x`), and a
    /// label change lists the labels before and after in `changes.labels`.
    fn gitlab_event(&self, who: &str, ev: Ev) -> serde_json::Value {
        let issue = self.issue();
        let now: Vec<String> = issue.labels.iter().map(|l| scope(l)).collect();
        let mut p = match ev {
            Ev::Labeled(_) | Ev::Unlabeled(_) => gitlab_payload("issue"),
            Ev::Comment(..) => gitlab_payload("note.issue"),
        };
        // The documented example's label object, retitled.
        let template = p
            .pointer("/changes/labels/previous/0")
            .or_else(|| p.pointer("/issue/labels/0"))
            .cloned()
            .unwrap();
        let labels = |titles: &[String]| -> serde_json::Value {
            titles
                .iter()
                .map(|t| {
                    let mut l = template.clone();
                    l["title"] = t.as_str().into();
                    l
                })
                .collect::<Vec<_>>()
                .into()
        };
        p["user"]["username"] = who.into();
        p["user"]["name"] = who.into();
        p["project"]["path_with_namespace"] = PROJECT.into();
        let state = if issue.open { "opened" } else { "closed" };
        match ev {
            Ev::Labeled(l) | Ev::Unlabeled(l) => {
                let changed = scope(l);
                let mut before: Vec<String> =
                    now.iter().filter(|t| **t != changed).cloned().collect();
                if matches!(ev, Ev::Unlabeled(_)) {
                    before.push(changed);
                }
                let a = &mut p["object_attributes"];
                a["iid"] = 1.into();
                a["title"] = issue.title.into();
                a["description"] = issue.body.into();
                a["state"] = state.into();
                a["action"] = "update".into();
                a["labels"] = labels(&now);
                p["labels"] = labels(&now);
                p["changes"]["labels"]["previous"] = labels(&before);
                p["changes"]["labels"]["current"] = labels(&now);
            }
            Ev::Comment(id, body) => {
                let a = &mut p["object_attributes"];
                a["note"] = body.into();
                if id != 0 {
                    a["id"] = id.into();
                }
                let i = &mut p["issue"];
                i["iid"] = 1.into();
                i["title"] = issue.title.into();
                i["description"] = issue.body.into();
                i["state"] = state.into();
                i["labels"] = labels(&now);
            }
        }
        p
    }

    /// `who` adds the label of `stage`, then the event is handled.
    pub fn label(&self, who: &str, stage: &str) -> Run {
        let label = format!("state:{stage}");
        self.tracker()
            .add_labels(who, 1, std::slice::from_ref(&label))
            .unwrap();
        let r = self.track(who, Ev::Labeled(&label));
        assert_eq!(r.code, 0, "{}", r.stderr);
        r
    }

    /// `who` comments `text`, then the event is handled. On a forge the
    /// comment is written with the tool's token (a fake cannot act as `who`);
    /// the event names `who` as its sender, and that is whom `track` believes.
    pub fn say(&self, who: &str, text: &str) -> Run {
        let c = self.tracker().create_comment(who, 1, text).unwrap();
        self.human.borrow_mut().push(c.id);
        let r = self.track(who, Ev::Comment(c.id, text));
        assert_eq!(r.code, 0, "{}", r.stderr);
        r
    }

    pub fn sweep(&self) -> Run {
        let r = run(&mut self.cmd(&["sweep"]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        r
    }

    pub fn issue(&self) -> Issue {
        self.tracker().get_issue(1).unwrap()
    }

    pub fn state(&self) -> State {
        umd_release::submission::parse(&self.issue().body)
            .unwrap()
            .state
            .unwrap()
    }

    pub fn stages(&self) -> Vec<String> {
        self.issue()
            .labels
            .into_iter()
            .filter(|l| l.starts_with("state:"))
            .collect()
    }

    pub fn comments(&self) -> Vec<Comment> {
        self.tracker().list_comments(1).unwrap()
    }

    /// Comments by the tool, except the status comment. What people said is
    /// known by id, not by author: on a forge every comment the tests write
    /// is authored by the token's user, like the tool's own.
    pub fn said(&self) -> Vec<String> {
        let human = self.human.borrow();
        self.comments()
            .into_iter()
            .filter(|c| !c.body.starts_with(STATUS_MARKER))
            .filter(|c| !human.contains(&c.id))
            .map(|c| c.body)
            .collect()
    }

    pub fn status(&self) -> Vec<String> {
        self.comments()
            .into_iter()
            .filter(|c| c.body.starts_with(STATUS_MARKER))
            .map(|c| c.body)
            .collect()
    }
}
