//! A tracker holding the demo product's submission, on the embedded tracker or
//! the fake GitHub, driven through the binary as users would, with the clock
//! set by `UMD_RELEASE_NOW`.

use std::cell::RefCell;

use super::fake_github::FakeGitHub;
use super::{Run, demo_dir, demo_repo, run, umd};
use umd_release::pipeline::sweep::STATUS_MARKER;
use umd_release::submission::State;
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
pub const TOKEN: &str = "ghs_PIPELINEtoken0123456789abcdefABCD";
/// A Monday.
pub const T0: &str = "2026-11-02T09:00:00Z";
pub const REPORT: &str =
    "https://documents.egi.eu/ea-NGI_IT-INFN-CNAF-CMD-OS-site-info-publisher-1.4.0.odt";

pub struct Rig {
    pub tmp: tempfile::TempDir,
    pub gh: Option<FakeGitHub>,
    now: RefCell<String>,
}

impl Rig {
    pub fn new(github: bool) -> Rig {
        let tmp = tempfile::tempdir().unwrap();
        let gh = github.then(|| {
            let gh = FakeGitHub::start();
            gh.add_repo("egi", "umd-tracker");
            gh.set_token(TOKEN);
            super::register_demo(&gh);
            gh.set_file("egi", "umd-tracker", "tracker.yaml", CONFIG);
            gh
        });
        let rig = Rig {
            tmp,
            gh,
            now: RefCell::new(T0.into()),
        };
        if rig.gh.is_none() {
            std::fs::create_dir_all(rig.tmp.path().join("tracker")).unwrap();
            std::fs::write(rig.tmp.path().join("tracker/tracker.yaml"), CONFIG).unwrap();
        }
        let repo = demo_repo(rig.tmp.path());
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
            "v1.4.0",
        ];
        if rig.gh.is_none() {
            args.extend(["--registry", registry.to_str().unwrap()]);
        }
        let r = run(&mut rig.cmd(&args));
        assert_eq!(r.code, 0, "{}", r.stderr);
        rig
    }

    pub fn cmd(&self, args: &[&str]) -> std::process::Command {
        let mut c = umd(args);
        c.env("UMD_RELEASE_NOW", &*self.now.borrow());
        match &self.gh {
            Some(gh) => c
                .env("UMD_RELEASE_TRACKER", "github:egi/umd-tracker")
                .env("GITHUB_API_URL", gh.url())
                .env("GITHUB_TOKEN", TOKEN),
            None => c.env(
                "UMD_RELEASE_TRACKER",
                format!("local:{}", self.tmp.path().join("tracker").display()),
            ),
        };
        c
    }

    pub fn tracker(&self) -> Box<dyn Tracker> {
        match &self.gh {
            Some(gh) => Box::new(super::github_tracker(gh, TOKEN)),
            None => Box::new(LocalTracker::open(self.tmp.path().join("tracker")).unwrap()),
        }
    }

    pub fn at(&self, t: &str) {
        *self.now.borrow_mut() = t.into();
    }

    /// Handles an event as `track` sees it: from a webhook payload on GitHub,
    /// from flags on the embedded tracker.
    pub fn track(&self, name: &str, who: &str, edit: impl Fn(&mut serde_json::Value)) -> Run {
        if self.gh.is_some() {
            let mut p = super::payload(name, 1, who);
            edit(&mut p);
            let path = self.tmp.path().join("event.json");
            std::fs::write(&path, p.to_string()).unwrap();
            let event = name.split('.').next().unwrap();
            run(self
                .cmd(&["track"])
                .env("GITHUB_EVENT_NAME", event)
                .env("GITHUB_EVENT_PATH", &path))
        } else {
            let mut p = serde_json::json!({"label": {"name": ""}, "comment": {"body": ""}});
            edit(&mut p);
            let event = match name {
                "issues.labeled" => "labeled",
                "issues.unlabeled" => "unlabeled",
                _ => "comment",
            };
            let label = p["label"]["name"].as_str().unwrap().to_string();
            let body = p["comment"]["body"].as_str().unwrap().to_string();
            run(&mut self.cmd(&[
                "track", "--event", event, "--issue", "1", "--actor", who, "--label", &label,
                "--body", &body,
            ]))
        }
    }

    /// `who` adds the label of `stage`, then the event is handled.
    pub fn label(&self, who: &str, stage: &str) -> Run {
        let label = format!("state:{stage}");
        self.tracker()
            .add_labels(who, 1, std::slice::from_ref(&label))
            .unwrap();
        let r = self.track("issues.labeled", who, |p| {
            p["label"]["name"] = label.clone().into()
        });
        assert_eq!(r.code, 0, "{}", r.stderr);
        r
    }

    /// `who` comments `text`, then the event is handled.
    pub fn say(&self, who: &str, text: &str) -> Run {
        self.tracker().create_comment(who, 1, text).unwrap();
        let r = self.track("issue_comment.created", who, |p| {
            p["comment"]["body"] = text.into()
        });
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

    /// Comments by the tool, except the status comment.
    pub fn said(&self) -> Vec<String> {
        self.comments()
            .into_iter()
            .filter(|c| !c.body.starts_with(STATUS_MARKER))
            .filter(|c| {
                !["alice", "bob", "carol", "dave", "erin", "fay", "mallory"]
                    .contains(&c.author.as_str())
            })
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
