//! The body taken apart and put together: marker, the tool's block with its
//! state line, and the human text outside it.

use super::key::{COMMENT_END, Key, MARKER_PREFIX};
use super::state::State;
use crate::markdown::neutralize;
use crate::stage::Stage;

const BEGIN: &str = "<!-- umd-release:begin: text up to the end marker is rewritten by umd-release; write below it -->";
const BEGIN_PREFIX: &str = "<!-- umd-release:begin";
const END: &str = "<!-- umd-release:end -->";
const STATE_PREFIX: &str = "<!-- umd-release:state ";
/// Starts the part of the block drawn from the state (stage history, Early
/// Adopters); `parse` leaves it out of `generated`, `compose` redraws it.
const PIPELINE: &str = "<!-- umd-release:pipeline -->";

/// A submission issue body taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub key: Key,
    /// The tool's block, without the state line.
    pub generated: String,
    pub state: Option<State>,
    /// Human text outside the tool's block.
    pub outside: String,
}

/// Parses a body written by [`compose`]. Only a marker on the very first line
/// counts, so release notes quoting a marker cannot claim another issue.
pub fn parse(body: &str) -> Option<Body> {
    let (first, rest) = body.split_once('\n').unwrap_or((body, ""));
    let id = first
        .trim_end()
        .strip_prefix(MARKER_PREFIX)?
        .strip_suffix(COMMENT_END)?;
    let key = Key::parse(id)?;
    let (before, tail) = match rest.find(BEGIN_PREFIX) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => {
            return Some(Body {
                key,
                generated: String::new(),
                state: None,
                outside: rest.to_string(),
            });
        }
    };
    let tail = tail.split_once('\n').map_or("", |(_, t)| t);
    let (block, after) = match tail.find(END) {
        Some(i) => (
            &tail[..i],
            tail[i + END.len()..]
                .strip_prefix('\n')
                .unwrap_or(&tail[i + END.len()..]),
        ),
        None => (tail, ""),
    };
    let mut generated = String::new();
    let mut state = None;
    let mut drawn = false;
    for line in block.lines() {
        if line == PIPELINE {
            drawn = true;
            continue;
        }
        match line
            .strip_prefix(STATE_PREFIX)
            .and_then(|l| l.strip_suffix(COMMENT_END))
        {
            Some(json) => {
                state = serde_json::from_str::<State>(json)
                    .ok()
                    .filter(|s| s.key == key)
            }
            None if !drawn => {
                generated.push_str(line);
                generated.push('\n');
            }
            None => {}
        }
    }
    Some(Body {
        key,
        generated,
        state,
        outside: format!("{before}{after}"),
    })
}

/// Writes a body: marker, the tool's block with its state, then the human text.
pub fn compose(key: &Key, generated: &str, state: &State, outside: &str) -> String {
    // `<`, `>` and `@` only occur inside JSON strings: escaping them keeps untrusted
    // text (release notes) from closing the comment, forging a marker or mentioning.
    let json = serde_json::to_string(state)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('@', "\\u0040");
    let mut out = format!("{}\n{BEGIN}\n{}", key.marker(), generated);
    if !generated.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(PIPELINE);
    out.push('\n');
    out.push_str(&pipeline_section(state));
    out.push_str(&format!("{STATE_PREFIX}{json}{COMMENT_END}\n{END}\n"));
    out.push_str(outside.trim_start_matches('\n'));
    out
}

/// The stage history and, from staged rollout on, the Early Adopter table.
/// Site names are configured ones; report links were checked; actors are
/// written without `@` so the body mentions nobody.
fn pipeline_section(state: &State) -> String {
    use crate::render::md_link;
    use std::fmt::Write;
    let day = crate::calendar::when;
    let mut out = String::from("\n### Pipeline\n\n| stage | since | by |\n|---|---|---|\n");
    for t in &state.history {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            t.stage.name(),
            day(t.at),
            neutralize(t.actor.trim_start_matches('@'))
        );
    }
    if let Some(w) = &state.waiver {
        let _ = writeln!(
            out,
            "\nStaged rollout waived by {} on {}: {}",
            neutralize(&w.actor),
            day(w.at),
            crate::check::report::md_escape(&neutralize(&w.text))
        );
    }
    let rollout = state
        .history
        .iter()
        .any(|t| t.stage == Stage::StagedRollout);
    if rollout || !state.sites.is_empty() {
        out.push_str("\n### Staged rollout\n\n| site | answer | reports |\n|---|---|---|\n");
        let mut names: Vec<&String> = state.candidates.iter().collect();
        names.extend(state.sites.keys());
        names.sort();
        names.dedup();
        for name in names {
            let site = state.sites.get(name).cloned().unwrap_or_default();
            let answer = match &site.answer {
                None => "waiting".to_string(),
                Some(a) => format!(
                    "{} by {}, {}",
                    if a.accepted {
                        "accepted"
                    } else {
                        "**rejected**"
                    },
                    neutralize(&a.actor),
                    day(a.at)
                ),
            };
            let reports: Vec<String> = site
                .reports
                .iter()
                .map(|r| md_link(&r.file, Some(&r.url)))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {answer} | {} |",
                crate::check::report::md_escape(&neutralize(name)),
                reports.join(", ")
            );
        }
    }
    out
}
