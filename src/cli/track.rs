//! `track`: one event of the tracking repository. Label changes move a
//! submission through the pipeline; comments carry Early Adopter answers,
//! reports and waivers; a request opened through the issue form is filed.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::ValueEnum;

use super::{
    Failure, Outcome, PipelineArgs, TrackerArgs, actor, bad_input, dry_run_plan, exit, now, print,
    repository_transition,
};
use umd_release::forge::event::{self, Event, EventKind};
use umd_release::pipeline::rollout::Outcome as Said;
use umd_release::pipeline::transition::Decision;
use umd_release::process::intake::{Filing, log};
use umd_release::process::request::{Answer, handle};
use umd_release::process::track::{
    Commented, Handled, Remark, comment_event, label_event, same_repository,
};
use umd_release::process::{Rules, is_bot};
use umd_release::request::REQUEST_LABEL;

#[derive(clap::Args)]
pub struct TrackArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    /// Event name, as GitHub names it (`issues`, `issue_comment`)
    #[arg(
        long,
        env = "GITHUB_EVENT_NAME",
        value_name = "NAME",
        requires = "event_path",
        conflicts_with = "event"
    )]
    event_name: Option<String>,
    /// The webhook payload file
    #[arg(
        long,
        env = "GITHUB_EVENT_PATH",
        value_name = "FILE",
        requires = "event_name",
        conflicts_with = "event"
    )]
    event_path: Option<PathBuf>,
    /// A GitLab webhook payload (Issue Hook, Note Hook), as the pipeline trigger API passes it
    #[arg(long, env = "TRIGGER_PAYLOAD", value_name = "FILE", conflicts_with_all = ["event", "event_name"])]
    gitlab_payload: Option<PathBuf>,
    /// Without a payload: the event (`labeled`, `unlabeled`, `comment`)
    #[arg(long, value_enum, requires_all = ["issue", "actor"])]
    event: Option<FlagEvent>,
    /// Without a payload: the issue number
    #[arg(long, value_name = "N")]
    issue: Option<u64>,
    /// Without a payload: who did it
    #[arg(long, value_name = "USER")]
    actor: Option<String>,
    /// Without a payload: the label added or removed (informative; the issue's labels decide)
    #[arg(long, value_name = "LABEL")]
    label: Option<String>,
    /// Without a payload: the comment's text
    #[arg(long, value_name = "TEXT", required_if_eq("event", "comment"))]
    body: Option<String>,
    /// Product registry directory; default: the tracker's own `products/`
    #[arg(long, value_name = "DIR")]
    registry: Option<PathBuf>,
    /// Directory of templates overriding the built-in ones (NAME.md.hbs)
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Print what handling the event would change, and change nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FlagEvent {
    Labeled,
    Unlabeled,
    Comment,
}

/// The event, from flags or a webhook payload; `None`: a pull request.
fn event(args: &TrackArgs) -> Result<Option<Event>, Failure> {
    let read = |file: &std::path::Path| {
        let path = file.display().to_string();
        std::fs::read_to_string(file)
            .map(|json| (path.clone(), json))
            .map_err(|source| bad_input(event::EventError::Read { path, source }))
    };
    match (&args.event, &args.event_name, &args.event_path) {
        (Some(kind), _, _) => {
            // The same event given with flags, e.g. on the embedded tracker.
            let kind = match kind {
                FlagEvent::Labeled => EventKind::Labeled {
                    label: args.label.clone(),
                },
                FlagEvent::Unlabeled => EventKind::Unlabeled {
                    label: args.label.clone(),
                },
                FlagEvent::Comment => EventKind::Comment {
                    id: 0,
                    body: args.body.clone().unwrap_or_default(),
                },
            };
            Ok(Some(Event {
                kind,
                issue: args.issue.unwrap_or_default(),
                actor: args.actor.clone().unwrap_or_default(),
                title: String::new(),
                body: String::new(),
                labels: Vec::new(),
                repository: None,
            }))
        }
        (None, Some(name), Some(file)) => {
            let (path, json) = read(file)?;
            match event::parse(name, &path, &json) {
                Ok(ev) => Ok(Some(ev)),
                Err(event::EventError::PullRequest(n)) => {
                    print(&format!("#{n} is a pull request: nothing to do\n"))?;
                    Ok(None)
                }
                Err(e) => Err(bad_input(e)),
            }
        }
        (None, None, None) if args.gitlab_payload.is_some() => {
            let (path, json) = read(args.gitlab_payload.as_deref().unwrap_or("".as_ref()))?;
            Ok(Some(event::parse_gitlab(&path, &json).map_err(bad_input)?))
        }
        _ => Err(bad_input(anyhow!(
            "no event to handle: in GitHub Actions, GITHUB_EVENT_NAME and GITHUB_EVENT_PATH name it; in GitLab CI, TRIGGER_PAYLOAD (a pipeline triggered by a project webhook); elsewhere give --event labeled|unlabeled|comment with --issue and --actor"
        ))),
    }
}

pub fn run(args: TrackArgs) -> Outcome {
    let Some(ev) = event(&args)? else {
        return Ok(0);
    };
    let dry_run = args.dry_run;
    match &ev.kind {
        EventKind::Labeled { .. } | EventKind::Unlabeled { .. } => {
            let tracker = args.tracker.open()?;
            ours(&*tracker, &ev)?;
            let rules = args.pipeline.rules(&*tracker)?;
            let handled = label_event(&*tracker, ev.issue, &ev.actor, &rules, now(), dry_run)?;
            return print_moved(ev.issue, &ev.actor, handled, dry_run, 0);
        }
        EventKind::Comment { id, body } => {
            if umd_release::pipeline::rollout::commands(body).is_empty() {
                print(&format!(
                    "#{}: no command in the comment: nothing to do\n",
                    ev.issue
                ))?;
                return Ok(0);
            }
            let tracker = args.tracker.open()?;
            ours(&*tracker, &ev)?;
            let rules = args.pipeline.rules(&*tracker)?;
            let remark = Remark {
                id: *id,
                author: &ev.actor,
                text: body,
            };
            return comment(&*tracker, &rules, ev.issue, remark, dry_run);
        }
        _ => {}
    }
    if !(ev.kind == EventKind::Opened && ev.labels.iter().any(|l| l == REQUEST_LABEL)) {
        print(&format!(
            "#{}: not a new submission request: nothing to do\n",
            ev.issue
        ))?;
        return Ok(0);
    }
    let tracker = args.tracker.open()?;
    ours(&*tracker, &ev)?;
    let filing = Filing {
        policies: Vec::new(),
        registry: args.registry.clone(),
        templates: args.templates.clone(),
        dry_run,
        actor: actor(None),
        now: now(),
    };
    let handled = handle(&*tracker, ev.issue, &ev.actor, &ev.body, &filing)?;
    let mut out = match &handled.answer {
        Answer::Refused(problems) => format!("#{}: refused: {}\n", ev.issue, problems.join("; ")),
        Answer::Filed(_) | Answer::Failed => log(&handled.entries),
    };
    if dry_run {
        out.push_str(&dry_run_plan(&handled.plan));
    }
    print(&out)?;
    Ok(match handled.answer {
        Answer::Failed => exit::FAILED,
        _ => 0,
    })
}

/// Refuses an event about another repository than the tracker's: a payload
/// only names an issue number, and `evil/other#5` is not the tracker's #5.
fn ours(tracker: &dyn umd_release::tracker::Tracker, ev: &Event) -> Result<(), Failure> {
    match same_repository(&tracker.describe(), ev.repository.as_deref()) {
        Ok(()) => Ok(()),
        Err(why) => Err(bad_input(anyhow!("{why}"))),
    }
}

/// Handles a comment event, unless a bot wrote it.
pub fn comment(
    tracker: &dyn umd_release::tracker::Tracker,
    rules: &Rules,
    number: u64,
    remark: Remark<'_>,
    dry_run: bool,
) -> Outcome {
    let author = remark.author;
    // The tool's own comments (and other bots') carry no commands.
    if is_bot(author) {
        print(&format!(
            "#{number}: a comment by {author}: nothing to do\n"
        ))?;
        return Ok(0);
    }
    let handled = comment_event(tracker, number, remark, rules, now(), dry_run)?;
    let plan = handled.as_ref().filter(|_| dry_run).map(|h| &h.plan);
    print_commented(number, handled.as_ref(), plan, 0)
}

/// What a label change did, as `track` and `move` print it; a move put back
/// exits with `refused` (`move`: 1; `track`: 0, since the event was handled).
pub fn print_moved(
    number: u64,
    actor: &str,
    handled: Option<Handled>,
    dry_run: bool,
    refused: u8,
) -> Outcome {
    let Some(h) = handled else {
        print(&format!("#{number} is not a submission: nothing to do\n"))?;
        return Ok(0);
    };
    let mut out = rebuilt_warnings(number, &h.rebuilt);
    out += &match &h.decision {
        Decision::Nothing => format!("#{number}: labels agree with the recorded stage\n"),
        Decision::Accept { from, to } => format!(
            "#{number}: {} from {} to {} by {actor}\n",
            if dry_run { "would move" } else { "moved" },
            from.name(),
            to.name()
        ),
        Decision::Revert { restore, reason } => format!(
            "#{number}: {} to {}: {reason}\n",
            if dry_run {
                "would put back"
            } else {
                "put back"
            },
            restore.name()
        ),
    };
    if dry_run {
        out.push_str(&dry_run_plan(&h.plan));
    } else {
        out.push_str(&repository_transition(&h.key, h.effect.repository)?);
    }
    print(&out)?;
    Ok(match h.decision {
        Decision::Revert { .. } => refused,
        _ => 0,
    })
}

/// One warning per step of a hand-edited state block that the forge does not record.
fn rebuilt_warnings(number: u64, rebuilt: &[String]) -> String {
    rebuilt
        .iter()
        .map(|w| format!("warning: #{number}: state rebuilt from the forge's label events: {w}\n"))
        .collect()
}

/// What a comment's commands did, as `track` and `comment` print it.
/// With a plan (a dry run), also what would be changed. A command refused
/// exits with `refused` (`comment`: 1; `track`: 0).
pub fn print_commented(
    number: u64,
    handled: Option<&Commented>,
    plan: Option<&umd_release::plan::Plan>,
    refused: u8,
) -> Outcome {
    let mut out = String::new();
    if let Some(plan) = plan {
        out.push_str(&dry_run_plan(plan));
    }
    let Some(h) = handled else {
        out.push_str(&format!(
            "#{number}: no command in the comment: nothing to do\n"
        ));
        print(&out)?;
        return Ok(0);
    };
    out.push_str(&rebuilt_warnings(number, &h.rebuilt));
    if h.repeated {
        out.push_str(&format!(
            "#{number}: this comment was handled when it was first delivered: nothing to do\n"
        ));
    }
    for o in &h.outcomes {
        match o {
            Said::Recorded(what) => out.push_str(&format!("#{number}: {what}\n")),
            Said::Refused(why) => out.push_str(&format!("#{number}: refused: {why}\n")),
        }
    }
    print(&out)?;
    let any_refused = h.outcomes.iter().any(|o| matches!(o, Said::Refused(_)));
    Ok(if any_refused { refused } else { 0 })
}
