//! Staged rollout (seed "Staged Rollout"): Early Adopter sites acknowledge the
//! call with `accept NGI-Site` (they take the test on) or `reject NGI-Site`
//! (they decline it, which never blocks the release), report with
//! `report NGI-Site LINK ok|issues|fail` (file
//! `ea-<NGI>-<Site>-<stack>-<component>-<version>.<ext>`) and link problems with
//! `ggus NGI-Site TICKET-URL`. The staged-rollout manager chooses the sites
//! (`assign NGI-Site ...`, `unassign NGI-Site`; the Product ID Card's
//! candidates are only the default), lengthens the exposure (`extend N`) and
//! may `waive REASON` the usual conditions; a verifier or manager explains a
//! delay with `delay REASON`. Everything here is pure: it reads a comment and
//! changes a [`State`].

use time::OffsetDateTime;

use super::Stage;
use super::transition::Transition;
use crate::policy::Deadlines;
use crate::policy::tracker_config::TrackerConfig;
use crate::submission::{Answer, Note, Report, State, Verdict};

/// Extensions the seed names for reports (doc, docx, odt), and PDF.
pub const REPORT_EXTENSIONS: &[&str] = &["doc", "docx", "odt", "pdf"];

/// One instruction found in a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Accept {
        site: String,
    },
    Reject {
        site: String,
    },
    /// `verdict` as written (checked when applied, so a missing or misspelt
    /// one gets a reply rather than silence).
    Report {
        site: String,
        url: String,
        verdict: Option<String>,
    },
    Ggus {
        site: String,
        url: String,
    },
    Assign {
        sites: Vec<String>,
    },
    Unassign {
        site: String,
    },
    /// Days as written, checked when applied.
    Extend {
        days: String,
    },
    Delay {
        reason: String,
    },
    Waive {
        reason: String,
    },
}

impl Command {
    /// Whether applying it depends on the actor's roles (a staged-rollout
    /// manager's or verifier's command), so they must be looked up.
    pub fn needs_roles(&self) -> bool {
        !matches!(
            self,
            Command::Accept { .. } | Command::Reject { .. } | Command::Report { .. }
        )
    }
}

/// Longest exposure extension one `extend` grants, in days.
pub const EXTEND_MAX_DAYS: u32 = 60;

/// The commands in a comment: lines starting with `accept`, `reject`,
/// `report`, `ggus`, `assign`, `unassign`, `extend`, `delay` or `waive` (any
/// case, an optional leading `/`). Quoted lines (`>`) and code blocks are
/// someone else's words and are skipped.
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
            "report" => match (args.next(), args.next(), args.next(), args.next()) {
                (Some(site), Some(url), verdict, None) => Command::Report {
                    site: site.to_string(),
                    url: unbracket(url),
                    verdict: verdict.map(str::to_string),
                },
                _ => continue,
            },
            "ggus" => match (args.next(), args.next(), args.next()) {
                (Some(site), Some(url), None) => Command::Ggus {
                    site: site.to_string(),
                    url: unbracket(url),
                },
                _ => continue,
            },
            "assign" if !rest.is_empty() => Command::Assign {
                sites: args.map(|a| a.trim_end_matches(',').to_string()).collect(),
            },
            "unassign" if args.clone().count() == 1 => Command::Unassign {
                site: rest.to_string(),
            },
            "extend" => match (args.next(), args.next(), args.next()) {
                (Some(days), None | Some("day" | "days"), None) => Command::Extend {
                    days: days.to_string(),
                },
                _ => continue,
            },
            "delay" if !rest.is_empty() => Command::Delay {
                reason: rest.to_string(),
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

/// A link as people paste it, without Markdown's angle brackets.
fn unbracket(url: &str) -> String {
    url.trim_matches(|c| c == '<' || c == '>').to_string()
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
    match cmd {
        Command::Waive { reason } => waive(state, reason, cx),
        Command::Assign { .. } | Command::Unassign { .. } | Command::Extend { .. } => {
            manage(state, cmd, cx)
        }
        Command::Delay { reason } => delay(state, reason, cx),
        Command::Accept { site }
        | Command::Reject { site }
        | Command::Report { site, .. }
        | Command::Ggus { site, .. } => match site_of(cx, site) {
            Ok(name) => for_site(state, cmd, &name, cx),
            Err(why) => Outcome::Refused(why),
        },
    }
}

/// The tracker's own spelling of an Early Adopter site, or why it is none.
fn site_of(cx: &Context, site: &str) -> Result<String, String> {
    match cx
        .config
        .early_adopters
        .keys()
        .find(|n| n.eq_ignore_ascii_case(site))
    {
        Some(name) => Ok(name.clone()),
        None => {
            let known: Vec<&str> = cx
                .config
                .early_adopters
                .keys()
                .map(String::as_str)
                .collect();
            Err(format!(
                "`{site}` is not an Early Adopter site of this tracker (tracker.yaml lists: {}); write the site as `<NGI>-<Site-name>`",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        }
    }
}

/// Whether the actor is a member of the Early Adopter site `name`.
fn member_of(cx: &Context, name: &str) -> bool {
    let actor = cx.actor.trim_start_matches('@');
    cx.config.early_adopters.get(name).is_some_and(|members| {
        members
            .iter()
            .any(|m| m.trim_start_matches('@').eq_ignore_ascii_case(actor))
    })
}

/// A site's own command: its acknowledgement, a report, a GGUS ticket (which
/// a staged-rollout manager may also link).
fn for_site(state: &mut State, cmd: &Command, name: &str, cx: &Context) -> Outcome {
    let actor = cx.actor.trim_start_matches('@');
    let manager = matches!(cmd, Command::Ggus { .. }) && manager_role(cx).is_ok();
    if !member_of(cx, name) && !manager {
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
    let (product, version) = (state.key.product.clone(), state.key.version.clone());
    let stack = state.stack.clone();
    let entry = state.sites.entry(name.to_string()).or_default();
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
            Outcome::Recorded(if accepted {
                format!("{name} takes on the staged rollout")
            } else {
                format!("{name} declines the staged rollout (another site can take it)")
            })
        }
        Command::Report { url, verdict, .. } => {
            let stacks = report_stacks(&stack, cx.config);
            let file = match report_file(url, name, &product, &version, &stacks) {
                Ok(f) => f,
                Err(why) => return Outcome::Refused(why),
            };
            let Some(verdict) = verdict.as_deref() else {
                return Outcome::Refused(format!(
                    "say what the tests found after the link: `report {name} {url} ok` (works), `issues` (works, with problems) or `fail` (does not work)"
                ));
            };
            let Some(verdict) = Verdict::parse(verdict) else {
                return Outcome::Refused(format!(
                    "`{verdict}` is not a verdict: end the line with `ok`, `issues` or `fail`"
                ));
            };
            if entry
                .reports
                .last()
                .is_some_and(|r| r.url == *url && r.verdict == verdict)
            {
                return Outcome::Recorded(format!("{name}'s report {file} was already recorded"));
            }
            entry.reports.push(Report {
                url: url.clone(),
                file: file.clone(),
                actor: actor.to_string(),
                at: cx.now,
                verdict,
            });
            Outcome::Recorded(format!("{name} reported {file}: {}", verdict.word()))
        }
        Command::Ggus { url, .. } => {
            if let Err(why) = ggus_ticket(url) {
                return Outcome::Refused(why);
            }
            if entry.ggus.contains(url) {
                return Outcome::Recorded(format!("{name}'s GGUS ticket was already linked"));
            }
            entry.ggus.push(url.clone());
            Outcome::Recorded(format!("{name} linked GGUS ticket {url}"))
        }
        _ => unreachable!("site commands only"),
    }
}

/// A GGUS ticket link: https on ggus.eu (the helpdesk and its older pages).
pub fn ggus_ticket(url: &str) -> Result<(), String> {
    let host = crate::markdown::host_of(url);
    let on_ggus = host.is_some_and(|h| h == "ggus.eu" || h.ends_with(".ggus.eu"));
    if !url.starts_with("https://")
        || !on_ggus
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"'`()[]".contains(c))
    {
        return Err(format!(
            "`{}` is not a GGUS ticket link: give the ticket's https://helpdesk.ggus.eu/... address",
            crate::markdown::neutralize(url)
        ));
    }
    Ok(())
}

/// The role that finishes staged rollout (the staged-rollout manager's), if
/// the actor holds it; else why not.
fn manager_role<'c>(cx: &'c Context) -> Result<&'c str, String> {
    let actor = cx.actor.trim_start_matches('@');
    let Some(t) = cx
        .transitions
        .iter()
        .find(|t| t.from == Stage::StagedRollout && t.to == Stage::ReadyForRelease)
    else {
        return Err(
            "this distribution has no move from Staged Rollout to Ready for release".into(),
        );
    };
    if cx.roles.contains(&t.role) {
        Ok(&t.role)
    } else {
        Err(format!(
            "that needs the {} role, which {actor} does not hold",
            t.role
        ))
    }
}

/// The staged-rollout manager's commands: which sites test, and for how long.
fn manage(state: &mut State, cmd: &Command, cx: &Context) -> Outcome {
    if let Err(why) = manager_role(cx) {
        return Outcome::Refused(why);
    }
    let stage = state.stage();
    match cmd {
        Command::Assign { sites } => {
            if !matches!(stage, Stage::Verification | Stage::StagedRollout) {
                return Outcome::Refused(format!(
                    "the submission is in {}: sites are assigned before or during Staged Rollout",
                    stage.name()
                ));
            }
            let mut names = Vec::new();
            for site in sites {
                match site_of(cx, site) {
                    Ok(n) => names.push(n),
                    Err(why) => return Outcome::Refused(why),
                }
            }
            let mut now = assigned_sites(state, cx.config);
            let added: Vec<String> = names.into_iter().filter(|n| !now.contains(n)).collect();
            if added.is_empty() {
                return Outcome::Recorded("those sites were already assigned".into());
            }
            now.extend(added.iter().cloned());
            state.assigned = Some(now);
            Outcome::Recorded(format!("assigned {}", added.join(", ")))
        }
        Command::Unassign { site } => {
            let name = match site_of(cx, site) {
                Ok(n) => n,
                Err(why) => return Outcome::Refused(why),
            };
            let now: Vec<String> = called_sites(state, cx.config)
                .into_iter()
                .cloned()
                .collect();
            if !now.contains(&name) {
                return Outcome::Recorded(format!("{name} was not assigned"));
            }
            state.assigned = Some(now.into_iter().filter(|n| *n != name).collect());
            Outcome::Recorded(format!("unassigned {name}"))
        }
        Command::Extend { days } => {
            let n = match days.parse::<u32>() {
                Ok(n) if (1..=EXTEND_MAX_DAYS).contains(&n) => n,
                _ => {
                    return Outcome::Refused(format!(
                        "`extend {days}`: give a number of days from 1 to {EXTEND_MAX_DAYS}, e.g. `extend 3`"
                    ));
                }
            };
            if stage != Stage::StagedRollout {
                return Outcome::Refused(format!(
                    "the submission is in {}: the exposure is extended during Staged Rollout",
                    stage.name()
                ));
            }
            state.extended_days += n;
            Outcome::Recorded(format!(
                "exposure extended by {n} day(s), {} in all beyond the minimum",
                state.extended_days
            ))
        }
        _ => unreachable!("manager commands only"),
    }
}

/// A verifier's or manager's explanation for a delay: anyone holding a role
/// that moves the submission on from its stage.
fn delay(state: &mut State, reason: &str, cx: &Context) -> Outcome {
    let actor = cx.actor.trim_start_matches('@');
    let stage = state.stage();
    if !stage.is_open() {
        return Outcome::Refused(format!(
            "the submission is {}: there is no delay to explain",
            stage.name()
        ));
    }
    let mut roles: Vec<&String> = cx
        .transitions
        .iter()
        .filter(|t| t.from == stage)
        .map(|t| &t.role)
        .collect();
    roles.sort();
    roles.dedup();
    if !roles.iter().any(|r| cx.roles.contains(r)) {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        return Outcome::Refused(format!(
            "explaining a delay in {} needs the {} role, which {actor} does not hold",
            stage.name(),
            names.join(" or ")
        ));
    }
    state.delay_reason = Some(Note {
        text: reason.to_string(),
        actor: actor.to_string(),
        at: cx.now,
    });
    Outcome::Recorded(format!("delay explained by {actor}"))
}

/// A staged-rollout manager's written reason to finish staged rollout without
/// its usual conditions: they must hold the role of that move.
fn waive(state: &mut State, reason: &str, cx: &Context) -> Outcome {
    let actor = cx.actor.trim_start_matches('@');
    if let Err(why) = manager_role(cx) {
        return Outcome::Refused(format!("waiving staged rollout: {why}"));
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

/// The stacks a report's `<MW stack>` part may name: the product's own (its
/// Product ID Card), else the stacks tracker.yaml has managers for; empty:
/// any.
fn report_stacks(own: &Option<String>, config: &TrackerConfig) -> Vec<String> {
    match own {
        Some(s) => vec![s.clone()],
        None => {
            let mut all: Vec<String> = config
                .stack_managers
                .keys()
                .map(|k| k.rsplit('/').next().unwrap_or(k).to_string())
                .collect();
            all.sort();
            all.dedup();
            all
        }
    }
}

/// Checks a report link and returns its file name, or says what is wrong.
/// `stacks`: what the `<MW stack>` part may be (compared without case or
/// blanks); empty: anything.
pub fn report_file(
    url: &str,
    site: &str,
    product: &str,
    version: &str,
    stacks: &[String],
) -> Result<String, String> {
    let shown: String = match stacks {
        [one] => one.chars().filter(|c| !c.is_whitespace()).collect(),
        _ => "<MW stack>".into(),
    };
    let example = format!("ea-{site}-{shown}-{product}-{version}.odt");
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
        Some(s)
            if !stacks.is_empty()
                && !stacks
                    .iter()
                    .any(|k| crate::policy::tracker_config::same_stack(k, s)) =>
        {
            Err(format!(
                "`{file}` names the middleware stack `{s}`, but this submission's is {}: for this submission, `{example}`",
                stacks
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ))
        }
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

/// The subject of a GGUS ticket about a problem found in this staged rollout
/// (seed: "Staged Rollout: <product> <version>").
pub fn ggus_subject(state: &State) -> String {
    format!(
        "Staged Rollout: {} {}",
        state.key.product, state.key.version
    )
}

/// One line per site that answered, reported or linked a ticket, for the
/// status comment: `NGI_IT-INFN-CNAF: takes it on; report ea-….odt (ok)`.
pub fn site_lines(state: &State) -> Vec<String> {
    state
        .sites
        .iter()
        .map(|(name, s)| {
            let mut parts = Vec::new();
            match &s.answer {
                Some(a) if a.accepted => parts.push("takes it on".to_string()),
                Some(_) => parts.push("declined".to_string()),
                None => {}
            }
            for r in &s.reports {
                parts.push(format!(
                    "report [{}]({}) ({})",
                    r.file,
                    r.url,
                    r.verdict.word()
                ));
            }
            for g in &s.ggus {
                parts.push(format!("GGUS {g}"));
            }
            format!("{name}: {}", parts.join("; "))
        })
        .collect()
}

/// The days of exposure a staged rollout needs: the policy's minimum and any
/// extension a manager gave.
pub fn exposure_days(state: &State, deadlines: &Deadlines) -> u32 {
    deadlines.min_exposure_days + state.extended_days
}

/// What still stands between Staged Rollout and Ready for release (empty:
/// nothing): the exposure, an `ok` report, and no site whose latest report is
/// `fail`. A decline (`reject NGI-Site`) holds nothing. A waiver by the
/// staged-rollout manager lifts every condition.
pub fn ready_blockers(state: &State, deadlines: &Deadlines, now: OffsetDateTime) -> Vec<String> {
    if state.waiver.is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(start) = rollout_start(state) {
        let days = exposure_days(state, deadlines);
        let until = super::calendar::add_days(start, days);
        if now < until {
            // An absolute date, so the status does not change from one day to the next.
            out.push(if state.extended_days > 0 {
                format!(
                    "exposure until {} ({days} days: the minimum of {} and {} more by a manager)",
                    super::calendar::when(until),
                    deadlines.min_exposure_days,
                    state.extended_days
                )
            } else {
                format!(
                    "exposure until {} (the minimum is {days} days)",
                    super::calendar::when(until),
                )
            });
        }
    }
    let failed: Vec<&str> = state
        .sites
        .iter()
        .filter(|(_, s)| s.verdict() == Some(Verdict::Fail))
        .map(|(n, _)| n.as_str())
        .collect();
    if !failed.is_empty() {
        out.push(format!(
            "the `fail` report of {} to be answered: a new report from the site, or a waiver",
            failed.join(", ")
        ));
    }
    if !state
        .sites
        .values()
        .any(|s| s.verdict() == Some(Verdict::Ok))
    {
        out.push(
            "an Early Adopter report that the release works (`report NGI-Site LINK ok`)".into(),
        );
    }
    out
}

/// The sites a manager's `assign` adds to: those assigned so far, else the
/// Product ID Card's candidates that the tracker knows.
fn assigned_sites(state: &State, config: &TrackerConfig) -> Vec<String> {
    match &state.assigned {
        Some(list) => list.clone(),
        None => config
            .early_adopters
            .keys()
            .filter(|n| state.candidates.iter().any(|c| c.eq_ignore_ascii_case(n)))
            .cloned()
            .collect(),
    }
}

/// Sites to call: those a staged-rollout manager assigned; else the card's
/// candidates that the tracker knows; else every site.
pub fn called_sites<'a>(state: &State, config: &'a TrackerConfig) -> Vec<&'a String> {
    if let Some(list) = &state.assigned {
        return config
            .early_adopters
            .keys()
            .filter(|n| list.contains(n))
            .collect();
    }
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
            "Thanks!\n/Accept NGI_IT-INFN-CNAF\n> reject NGI_DE-SCAI\n```\nreject X\n```\nreport NGI_IT-INFN-CNAF <https://docs.example.org/ea.odt> ok\nwaive   security fix, tested in verification\naccept two words\nggus NGI_DE-SCAI https://helpdesk.ggus.eu/#ticket/zoom/1234\nassign NGI_DE-SCAI, NGI_IT-INFN-CNAF\nunassign NGI_DE-SCAI\nextend 3 days\nextend\ndelay waiting for the EA site's maintenance window\nreport NGI_IT-INFN-CNAF https://docs.example.org/ea.odt\n",
        );
        assert_eq!(
            c,
            vec![
                Command::Accept {
                    site: "NGI_IT-INFN-CNAF".into()
                },
                Command::Report {
                    site: "NGI_IT-INFN-CNAF".into(),
                    url: "https://docs.example.org/ea.odt".into(),
                    verdict: Some("ok".into()),
                },
                Command::Waive {
                    reason: "security fix, tested in verification".into()
                },
                Command::Ggus {
                    site: "NGI_DE-SCAI".into(),
                    url: "https://helpdesk.ggus.eu/#ticket/zoom/1234".into(),
                },
                Command::Assign {
                    sites: vec!["NGI_DE-SCAI".into(), "NGI_IT-INFN-CNAF".into()]
                },
                Command::Unassign {
                    site: "NGI_DE-SCAI".into()
                },
                Command::Extend { days: "3".into() },
                Command::Delay {
                    reason: "waiting for the EA site's maintenance window".into()
                },
                Command::Report {
                    site: "NGI_IT-INFN-CNAF".into(),
                    url: "https://docs.example.org/ea.odt".into(),
                    verdict: None,
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
                "NGI_IT-INFN-CNAF takes on the staged rollout".into()
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
            &[],
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
            let err = report_file(url, "NGI_IT-INFN-CNAF", "demo", "1.4.0", &[]).unwrap_err();
            assert!(err.contains(want), "{url}: {err}");
        }
        // With the product's stack known, the name must carry it.
        let stacks = ["Operational Tools".to_string()];
        let url = "https://x.org/ea-NGI_IT-INFN-CNAF-foo-demo-1.4.0.odt";
        let err = report_file(url, "NGI_IT-INFN-CNAF", "demo", "1.4.0", &stacks).unwrap_err();
        assert!(
            err.contains(
                "names the middleware stack `foo`, but this submission's is `Operational Tools`"
            ) && err.contains("`ea-NGI_IT-INFN-CNAF-OperationalTools-demo-1.4.0.odt`"),
            "{err}"
        );
        let url = "https://x.org/ea-NGI_IT-INFN-CNAF-operational_tools-demo-1.4.0.odt";
        assert!(report_file(url, "NGI_IT-INFN-CNAF", "demo", "1.4.0", &stacks).is_ok());
    }

    const OK_REPORT: &str =
        "report NGI_IT-INFN-CNAF https://d.org/ea-NGI_IT-INFN-CNAF-CMD-demo-1.4.0.pdf ok";

    #[test]
    fn ready_needs_exposure_and_an_ok_report_and_a_decline_never_blocks() {
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
        let out = run(&mut s, "erin", &[], "reject NGI_DE-SCAI", early);
        assert_eq!(
            out,
            [Outcome::Recorded(
                "NGI_DE-SCAI declines the staged rollout (another site can take it)".into()
            )]
        );
        run(
            &mut s,
            "dave",
            &[],
            &format!("accept NGI_IT-INFN-CNAF\n{OK_REPORT}"),
            early,
        );
        let later = datetime!(2026-11-07 09:00 UTC);
        assert!(
            ready_blockers(&s, &d, later).is_empty(),
            "a decline holds nothing: {:?}",
            ready_blockers(&s, &d, later)
        );
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
    fn a_report_needs_a_verdict_and_a_fail_holds_until_a_later_ok() {
        let start = datetime!(2026-11-02 09:00 UTC);
        let later = datetime!(2026-11-09 09:00 UTC);
        let d = Deadlines::default();
        let mut s = in_rollout(start);
        let url = "https://d.org/ea-NGI_IT-INFN-CNAF-CMD-demo-1.4.0.pdf";
        let out = run(
            &mut s,
            "dave",
            &[],
            &format!("report NGI_IT-INFN-CNAF {url}"),
            later,
        );
        assert!(
            matches!(&out[0], Outcome::Refused(m) if m.contains("say what the tests found")),
            "{out:?}"
        );
        let out = run(
            &mut s,
            "dave",
            &[],
            &format!("report NGI_IT-INFN-CNAF {url} great"),
            later,
        );
        assert!(
            matches!(&out[0], Outcome::Refused(m) if m.contains("`great` is not a verdict")),
            "{out:?}"
        );
        assert!(
            s.sites
                .get("NGI_IT-INFN-CNAF")
                .is_none_or(|x| x.reports.is_empty())
        );
        run(
            &mut s,
            "dave",
            &[],
            &format!("report NGI_IT-INFN-CNAF {url} fail"),
            later,
        );
        let b = ready_blockers(&s, &d, later);
        assert_eq!(b.len(), 2, "{b:?}");
        assert!(
            b[0].starts_with("the `fail` report of NGI_IT-INFN-CNAF"),
            "{b:?}"
        );
        // `issues` is not `ok`: the release still waits for a report that it works.
        run(
            &mut s,
            "dave",
            &[],
            &format!("report NGI_IT-INFN-CNAF {url} issues"),
            later,
        );
        assert_eq!(
            ready_blockers(&s, &d, later),
            ["an Early Adopter report that the release works (`report NGI-Site LINK ok`)"]
        );
        run(&mut s, "dave", &[], OK_REPORT, later);
        assert!(ready_blockers(&s, &d, later).is_empty());
        assert_eq!(s.sites["NGI_IT-INFN-CNAF"].reports.len(), 3);
    }

    #[test]
    fn the_manager_assigns_unassigns_and_extends() {
        let start = datetime!(2026-11-02 09:00 UTC);
        let d = Deadlines::default();
        let config = config();
        let mut s = in_rollout(start);
        s.candidates = vec!["NGI_IT-INFN-CNAF".into()];
        assert_eq!(called_sites(&s, &config), ["NGI_IT-INFN-CNAF"]);
        let out = run(&mut s, "dave", &[], "assign NGI_DE-SCAI", start);
        assert!(
            matches!(&out[0], Outcome::Refused(m) if m.contains("staged-rollout-manager role")),
            "{out:?}"
        );
        let sam = &["staged-rollout-manager"];
        let out = run(&mut s, "sam", sam, "assign ngi_de-scai", start);
        assert_eq!(out, [Outcome::Recorded("assigned NGI_DE-SCAI".into())]);
        assert_eq!(
            called_sites(&s, &config),
            ["NGI_DE-SCAI", "NGI_IT-INFN-CNAF"]
        );
        let out = run(&mut s, "sam", sam, "unassign NGI_IT-INFN-CNAF", start);
        assert_eq!(
            out,
            [Outcome::Recorded("unassigned NGI_IT-INFN-CNAF".into())]
        );
        assert_eq!(called_sites(&s, &config), ["NGI_DE-SCAI"]);
        let out = run(&mut s, "sam", sam, "assign NGI_XX-NOWHERE", start);
        assert!(matches!(&out[0], Outcome::Refused(m) if m.contains("not an Early Adopter site")));
        // Extending moves the exposure (and the deadline) on.
        for bad in ["extend 0", "extend 61", "extend soon"] {
            let out = run(&mut s, "sam", sam, bad, start);
            assert!(
                matches!(&out[0], Outcome::Refused(m) if m.contains("from 1 to 60")),
                "{bad}: {out:?}"
            );
        }
        run(&mut s, "sam", sam, "extend 2", start);
        assert_eq!(s.extended_days, 2);
        let b = ready_blockers(&s, &d, datetime!(2026-11-08 09:00 UTC));
        assert_eq!(
            b[0],
            "exposure until 2026-11-09 09:00 UTC (7 days: the minimum of 5 and 2 more by a manager)"
        );
    }

    #[test]
    fn a_delay_is_explained_by_a_role_of_the_stage_only() {
        let now = datetime!(2026-11-23 10:00 UTC);
        let mut s = in_rollout(now);
        let out = run(&mut s, "dave", &[], "delay the site is down", now);
        assert!(
            matches!(&out[0], Outcome::Refused(m) if m.contains("needs the staged-rollout-manager role")),
            "{out:?}"
        );
        run(
            &mut s,
            "sam",
            &["staged-rollout-manager"],
            "delay the site is down",
            now,
        );
        assert_eq!(s.delay_reason.as_ref().unwrap().text, "the site is down");
    }

    #[test]
    fn ggus_links_are_tickets_on_ggus_only() {
        let now = datetime!(2026-11-23 10:00 UTC);
        let mut s = in_rollout(now);
        for bad in [
            "ggus NGI_DE-SCAI http://helpdesk.ggus.eu/#ticket/zoom/1",
            "ggus NGI_DE-SCAI https://ggus.eu.evil.org/ticket",
            "ggus NGI_DE-SCAI javascript:alert(1)",
        ] {
            let out = run(&mut s, "erin", &[], bad, now);
            assert!(
                matches!(&out[0], Outcome::Refused(m) if m.contains("not a GGUS ticket link")),
                "{bad}: {out:?}"
            );
        }
        let out = run(
            &mut s,
            "dave",
            &[],
            "ggus NGI_DE-SCAI https://helpdesk.ggus.eu/#ticket/zoom/7",
            now,
        );
        assert!(
            matches!(&out[0], Outcome::Refused(m) if m.contains("not a member")),
            "{out:?}"
        );
        run(
            &mut s,
            "erin",
            &[],
            "ggus NGI_DE-SCAI https://helpdesk.ggus.eu/#ticket/zoom/7",
            now,
        );
        // A manager may link one for a site too.
        run(
            &mut s,
            "sam",
            &["staged-rollout-manager"],
            "ggus NGI_DE-SCAI https://ggus.eu/?mode=ticket_info&ticket_id=8",
            now,
        );
        assert_eq!(s.sites["NGI_DE-SCAI"].ggus.len(), 2);
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
