//! Staged rollout (seed "Staged Rollout"): Early Adopter sites acknowledge the
//! call with `accept NGI-Site` or `reject NGI-Site` in the issue, report with
//! `report NGI-Site LINK` (file `ea-<NGI>-<Site>-<stack>-<component>-<version>.<ext>`),
//! and the staged-rollout manager may `waive REASON` the usual conditions.
//! Everything here is pure: it reads a comment and changes a [`State`].

use time::OffsetDateTime;

use super::Stage;
use super::transition::Transition;
use crate::policy::Deadlines;
use crate::policy::tracker_config::TrackerConfig;
use crate::submission::{Answer, Note, Report, State};

/// Extensions the seed names for reports (doc, docx, odt), and PDF.
pub const REPORT_EXTENSIONS: &[&str] = &["doc", "docx", "odt", "pdf"];

/// One instruction found in a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Accept { site: String },
    Reject { site: String },
    Report { site: String, url: String },
    Waive { reason: String },
}

/// The commands in a comment: lines starting with `accept`, `reject`, `report`
/// or `waive` (any case, an optional leading `/`). Quoted lines (`>`) and code
/// blocks are someone else's words and are skipped.
pub fn commands(body: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in body.lines() {
        let line = line.trim();
        if line.starts_with("```") || line.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced || line.starts_with('>') {
            continue;
        }
        let line = line.strip_prefix('/').unwrap_or(line);
        let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        let mut args = rest.split_whitespace();
        let cmd = match word.to_ascii_lowercase().as_str() {
            "accept" if args.clone().count() == 1 => Command::Accept {
                site: rest.to_string(),
            },
            "reject" if args.clone().count() == 1 => Command::Reject {
                site: rest.to_string(),
            },
            "report" => match (args.next(), args.next(), args.next()) {
                (Some(site), Some(url), None) => Command::Report {
                    site: site.to_string(),
                    url: url.trim_matches(|c| c == '<' || c == '>').to_string(),
                },
                _ => continue,
            },
            "waive" if !rest.is_empty() => Command::Waive {
                reason: rest.to_string(),
            },
            _ => continue,
        };
        out.push(cmd);
    }
    out
}

/// What a command did: recorded in the state, or refused with a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Recorded(String),
    Refused(String),
}

/// Who is acting and what they may do.
pub struct Context<'a> {
    pub config: &'a TrackerConfig,
    pub transitions: &'a [Transition],
    pub actor: &'a str,
    /// Roles the actor holds.
    pub roles: &'a [String],
    pub now: OffsetDateTime,
}

/// Applies one command to the state of a submission.
pub fn apply(state: &mut State, cmd: &Command, cx: &Context) -> Outcome {
    let actor = cx.actor.trim_start_matches('@');
    if let Command::Waive { reason } = cmd {
        return waive(state, reason, cx);
    }
    let site = match cmd {
        Command::Accept { site } | Command::Reject { site } | Command::Report { site, .. } => site,
        Command::Waive { .. } => unreachable!("handled above"),
    };
    let Some((name, members)) = cx
        .config
        .early_adopters
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(site))
    else {
        let known: Vec<&str> = cx
            .config
            .early_adopters
            .keys()
            .map(String::as_str)
            .collect();
        return Outcome::Refused(format!(
            "`{site}` is not an Early Adopter site of this tracker (tracker.yaml lists: {}); write the site as `<NGI>-<Site-name>`",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ));
    };
    if !members
        .iter()
        .any(|m| m.trim_start_matches('@').eq_ignore_ascii_case(actor))
    {
        return Outcome::Refused(format!(
            "{actor} is not a member of {name} in tracker.yaml; only the site's members answer for it"
        ));
    }
    if state.stage() != Stage::StagedRollout {
        return Outcome::Refused(format!(
            "the submission is in {}: Early Adopters answer during Staged Rollout",
            state.stage().name()
        ));
    }
    let entry = state.sites.entry(name.clone()).or_default();
    match cmd {
        Command::Accept { .. } | Command::Reject { .. } => {
            let accepted = matches!(cmd, Command::Accept { .. });
            if entry
                .answer
                .as_ref()
                .is_some_and(|a| a.accepted == accepted)
            {
                return Outcome::Recorded(format!("{name} had already answered so"));
            }
            entry.answer = Some(Answer {
                accepted,
                actor: actor.to_string(),
                at: cx.now,
            });
            Outcome::Recorded(format!(
                "{name} {} the staged rollout",
                if accepted { "accepted" } else { "rejected" }
            ))
        }
        Command::Report { url, .. } => {
            let (product, version) = (&state.key.product, &state.key.version);
            let file = match report_file(url, name, product, version) {
                Ok(f) => f,
                Err(why) => return Outcome::Refused(why),
            };
            if entry.reports.iter().any(|r| r.url == *url) {
                return Outcome::Recorded(format!("{name}'s report {file} was already recorded"));
            }
            entry.reports.push(Report {
                url: url.clone(),
                file: file.clone(),
                actor: actor.to_string(),
                at: cx.now,
            });
            Outcome::Recorded(format!("{name} reported {file}"))
        }
        Command::Waive { .. } => unreachable!("handled above"),
    }
}

/// A staged-rollout manager's written reason to finish staged rollout without
/// its usual conditions: they must hold the role of that move.
fn waive(state: &mut State, reason: &str, cx: &Context) -> Outcome {
    let actor = cx.actor.trim_start_matches('@');
    let Some(t) = cx
        .transitions
        .iter()
        .find(|t| t.from == Stage::StagedRollout && t.to == Stage::ReadyForRelease)
    else {
        return Outcome::Refused(
            "this distribution has no move from Staged Rollout to Ready for release".into(),
        );
    };
    if !cx.roles.contains(&t.role) {
        return Outcome::Refused(format!(
            "waiving staged rollout needs the {} role, which {actor} does not hold",
            t.role
        ));
    }
    if state.stage() != Stage::StagedRollout {
        return Outcome::Refused(format!(
            "the submission is in {}, not Staged Rollout: there is nothing to waive",
            state.stage().name()
        ));
    }
    state.waiver = Some(Note {
        text: reason.to_string(),
        actor: actor.to_string(),
        at: cx.now,
    });
    Outcome::Recorded(format!("staged rollout waived by {actor}"))
}

/// Checks a report link and returns its file name, or says what is wrong.
pub fn report_file(url: &str, site: &str, product: &str, version: &str) -> Result<String, String> {
    let example = format!("ea-{site}-<MW stack>-{product}-{version}.odt");
    if !url.starts_with("https://")
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"'`()[]".contains(c))
    {
        return Err(format!(
            "the report must be an https:// link to the file (e.g. .../{example})"
        ));
    }
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let file = path.rsplit('/').next().unwrap_or("");
    let Some((stem, ext)) = file.rsplit_once('.') else {
        return Err(format!(
            "`{file}` has no extension; name the report `{example}` (.doc, .docx, .odt or .pdf)"
        ));
    };
    if !REPORT_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) {
        return Err(format!(
            "`{file}`: a report is a .doc, .docx, .odt or .pdf file, named `{example}`"
        ));
    }
    let prefix = format!("ea-{site}-");
    let suffix = format!("-{product}-{version}");
    let stack = stem
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(&suffix));
    match stack {
        Some(s) if !s.is_empty() && !s.starts_with('-') && !s.ends_with('-') => {
            Ok(file.to_string())
        }
        _ => Err(format!(
            "`{file}` does not follow the staged rollout naming `ea-<NGI>-<Site-name>-<MW stack>-<component>-<version>.<ext>`: for this submission, `{example}`"
        )),
    }
}

/// The last time the submission entered Staged Rollout.
pub fn rollout_start(state: &State) -> Option<OffsetDateTime> {
    state
        .history
        .iter()
        .rev()
        .find(|t| t.stage == Stage::StagedRollout)
        .map(|t| t.at)
}

/// What still stands between Staged Rollout and Ready for release (empty: nothing).
/// A waiver by the staged-rollout manager lifts every condition.
pub fn ready_blockers(state: &State, deadlines: &Deadlines, now: OffsetDateTime) -> Vec<String> {
    if state.waiver.is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(start) = rollout_start(state) {
        let until = super::calendar::add_days(start, deadlines.min_exposure_days);
        if now < until {
            // An absolute date, so the status does not change from one day to the next.
            out.push(format!(
                "exposure until {} (the minimum is {} days)",
                super::calendar::when(until),
                deadlines.min_exposure_days
            ));
        }
    }
    let rejected: Vec<&String> = state
        .sites
        .iter()
        .filter(|(_, s)| s.answer.as_ref().is_some_and(|a| !a.accepted))
        .map(|(n, _)| n)
        .collect();
    if !rejected.is_empty() {
        let names: Vec<&str> = rejected.iter().map(|s| s.as_str()).collect();
        out.push(format!(
            "a rejection by {} (resolved when the site accepts)",
            names.join(", ")
        ));
    }
    let reported = state
        .sites
        .values()
        .any(|s| s.answer.as_ref().is_some_and(|a| a.accepted) && !s.reports.is_empty());
    if !reported {
        out.push("an accepting Early Adopter site with a report (`report NGI-Site LINK`)".into());
    }
    out
}

/// Sites to call: the card's candidates that the tracker knows, else every site.
pub fn called_sites<'a>(state: &State, config: &'a TrackerConfig) -> Vec<&'a String> {
    let known: Vec<&String> = config
        .early_adopters
        .keys()
        .filter(|n| state.candidates.iter().any(|c| c.eq_ignore_ascii_case(n)))
        .collect();
    if known.is_empty() {
        config.early_adopters.keys().collect()
    } else {
        known
    }
}

/// Called sites that have not answered yet.
pub fn silent_sites<'a>(state: &State, config: &'a TrackerConfig) -> Vec<&'a String> {
    called_sites(state, config)
        .into_iter()
        .filter(|n| state.sites.get(*n).is_none_or(|r| r.answer.is_none()))
        .collect()
}

/// `@login` mentions of the members of `sites`, deduplicated, in order.
pub fn mentions(config: &TrackerConfig, sites: &[&String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in sites {
        for m in config.early_adopters.get(*s).into_iter().flatten() {
            let m = format!("@{}", m.trim_start_matches('@'));
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::submission::{Key, Transition as Step};
    use time::macros::datetime;

    fn config() -> TrackerConfig {
        TrackerConfig::parse(
            std::path::Path::new("tracker.yaml"),
            "roles:\n  staged-rollout-manager: [sam]\nearly_adopters:\n  NGI_IT-INFN-CNAF: [dave]\n  NGI_DE-SCAI: [erin]\n",
        )
        .unwrap()
    }

    fn in_rollout(at: OffsetDateTime) -> State {
        State {
            key: Key {
                dist: "cmd-os-1".into(),
                product: "demo".into(),
                version: "1.4.0".into(),
            },
            history: vec![Step {
                stage: Stage::StagedRollout,
                at,
                actor: "ana".into(),
            }],
            ..State::default()
        }
    }

    fn run(
        state: &mut State,
        actor: &str,
        roles: &[&str],
        text: &str,
        now: OffsetDateTime,
    ) -> Vec<Outcome> {
        let config = config();
        let transitions = super::super::transition::default_transitions();
        let roles: Vec<String> = roles.iter().map(|s| s.to_string()).collect();
        let cx = Context {
            config: &config,
            transitions: &transitions,
            actor,
            roles: &roles,
            now,
        };
        commands(text)
            .iter()
            .map(|c| apply(state, c, &cx))
            .collect()
    }

    #[test]
    fn commands_are_read_from_plain_lines_only() {
        let c = commands(
            "Thanks!\n/Accept NGI_IT-INFN-CNAF\n> reject NGI_DE-SCAI\n```\nreject X\n```\nreport NGI_IT-INFN-CNAF <https://docs.example.org/ea.odt>\nwaive   security fix, tested in verification\naccept two words\n",
        );
        assert_eq!(
            c,
            vec![
                Command::Accept {
                    site: "NGI_IT-INFN-CNAF".into()
                },
                Command::Report {
                    site: "NGI_IT-INFN-CNAF".into(),
                    url: "https://docs.example.org/ea.odt".into()
                },
                Command::Waive {
                    reason: "security fix, tested in verification".into()
                },
            ]
        );
    }

    #[test]
    fn members_answer_for_their_site_only() {
        let now = datetime!(2026-11-23 10:00 UTC);
        let mut s = in_rollout(now);
        let out = run(&mut s, "erin", &[], "accept NGI_IT-INFN-CNAF", now);
        assert!(
            matches!(&out[0], Outcome::Refused(m) if m.contains("not a member of NGI_IT-INFN-CNAF")),
            "{out:?}"
        );
        let out = run(&mut s, "dave", &[], "accept ngi_it-infn-cnaf", now);
        assert_eq!(
            out,
            [Outcome::Recorded(
                "NGI_IT-INFN-CNAF accepted the staged rollout".into()
            )]
        );
        let out = run(&mut s, "dave", &[], "accept NGI_XX-NOWHERE", now);
        assert!(matches!(&out[0], Outcome::Refused(m) if m.contains("not an Early Adopter site")));
        assert!(
            s.sites["NGI_IT-INFN-CNAF"]
                .answer
                .as_ref()
                .unwrap()
                .accepted
        );
    }

    #[test]
    fn report_names_follow_the_seed() {
        let ok = report_file(
            "https://documents.egi.eu/ea-NGI_IT-INFN-CNAF-CMD-OS-demo-1.4.0.odt?download=1",
            "NGI_IT-INFN-CNAF",
            "demo",
            "1.4.0",
        );
        assert_eq!(ok.unwrap(), "ea-NGI_IT-INFN-CNAF-CMD-OS-demo-1.4.0.odt");
        for (url, want) in [
            (
                "http://x.org/ea-NGI_IT-INFN-CNAF-CMD-demo-1.4.0.odt",
                "https://",
            ),
            ("https://x.org/report.odt", "does not follow"),
            (
                "https://x.org/ea-NGI_IT-INFN-CNAF-CMD-demo-1.3.0.odt",
                "ea-NGI_IT-INFN-CNAF-<MW stack>-demo-1.4.0.odt",
            ),
            (
                "https://x.org/ea-NGI_IT-INFN-CNAF--demo-1.4.0.odt",
                "does not follow",
            ),
            (
                "https://x.org/ea-NGI_IT-INFN-CNAF-CMD-demo-1.4.0.exe",
                ".doc, .docx, .odt or .pdf",
            ),
            (
                "https://x.org/ea-NGI_IT-INFN-CNAF-CMD-demo-1",
                "no extension",
            ),
            ("https://x.org/a(b).odt", "https://"),
        ] {
            let err = report_file(url, "NGI_IT-INFN-CNAF", "demo", "1.4.0").unwrap_err();
            assert!(err.contains(want), "{url}: {err}");
        }
    }

    #[test]
    fn ready_needs_exposure_an_accepting_reporter_and_no_rejection() {
        let start = datetime!(2026-11-02 09:00 UTC);
        let d = Deadlines::default();
        let mut s = in_rollout(start);
        let early = datetime!(2026-11-04 09:00 UTC);
        let b = ready_blockers(&s, &d, early);
        assert_eq!(b.len(), 2, "{b:?}");
        assert_eq!(
            b[0],
            "exposure until 2026-11-07 09:00 UTC (the minimum is 5 days)"
        );
        run(
            &mut s,
            "dave",
            &[],
            "accept NGI_IT-INFN-CNAF\nreport NGI_IT-INFN-CNAF https://d.org/ea-NGI_IT-INFN-CNAF-CMD-demo-1.4.0.pdf",
            early,
        );
        run(&mut s, "erin", &[], "reject NGI_DE-SCAI", early);
        let later = datetime!(2026-11-07 09:00 UTC);
        let b = ready_blockers(&s, &d, later);
        assert_eq!(
            b,
            ["a rejection by NGI_DE-SCAI (resolved when the site accepts)"]
        );
        run(&mut s, "erin", &[], "accept NGI_DE-SCAI", later);
        assert!(ready_blockers(&s, &d, later).is_empty());
        // A waiver needs the manager's role, and lifts the conditions.
        let mut fresh = in_rollout(start);
        let out = run(&mut fresh, "dave", &[], "waive urgent", early);
        assert!(matches!(&out[0], Outcome::Refused(m) if m.contains("staged-rollout-manager")));
        run(
            &mut fresh,
            "sam",
            &["staged-rollout-manager"],
            "waive urgent security fix",
            early,
        );
        assert!(ready_blockers(&fresh, &d, early).is_empty());
    }

    #[test]
    fn answers_outside_staged_rollout_are_refused() {
        let now = datetime!(2026-11-23 10:00 UTC);
        let mut s = in_rollout(now);
        s.history[0].stage = Stage::Verification;
        let out = run(&mut s, "dave", &[], "accept NGI_IT-INFN-CNAF", now);
        assert!(matches!(&out[0], Outcome::Refused(m) if m.contains("in Verification")));
        assert!(s.sites.is_empty());
    }
}
