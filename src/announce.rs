//! Distribution releases (seed "Cloud Middleware Distribution", step 6; seed
//! "Instructions for centrally-provided services": announcements, the OMB told
//! a week ahead, the post-implementation review). Pure: issues in, texts and
//! decisions out; `process::announce` and `process::publish` do the I/O.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::issue::Issue;
use crate::policy::Policy;
use crate::render::md_link;
use crate::stage::Stage;
use crate::submission::{Key, State};

pub const ANNOUNCEMENT_LABEL: &str = crate::labels::ANNOUNCEMENT;
pub const REVIEW_LABEL: &str = crate::labels::REVIEW;
const MARKER_PREFIX: &str = "<!-- umd-release:";
const STATE_PREFIX: &str = "<!-- umd-release:release ";
const COMMENT_END: &str = " -->";

/// The distribution release an announcement or a review is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseKey {
    pub dist: String,
    pub version: String,
}

impl ReleaseKey {
    pub fn marker(&self, kind: &str) -> String {
        format!(
            "{MARKER_PREFIX}{kind} {}/{}{COMMENT_END}",
            self.dist, self.version
        )
    }
}

/// What the tracker records about a distribution release, in the
/// announcement issue's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub key: ReleaseKey,
    /// Expected release date, YYYY-MM-DD.
    pub date: String,
    pub emergency: bool,
    /// The submissions announced: key and issue number.
    pub products: Vec<(Key, u64)>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub published: Option<OffsetDateTime>,
    /// The post-implementation review issue, once published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<u64>,
}

/// A post-implementation review's own record, in the review issue's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub key: ReleaseKey,
    #[serde(with = "time::serde::rfc3339")]
    pub due: OffsetDateTime,
    #[serde(default)]
    pub reminded: bool,
}

/// Writes a body: marker line, the text, then the record as hidden JSON.
pub fn compose<T: Serialize>(key: &ReleaseKey, kind: &str, text: &str, record: &T) -> String {
    let json = serde_json::to_string(record)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('@', "\\u0040");
    format!(
        "{}\n{}\n\n{STATE_PREFIX}{json}{COMMENT_END}\n",
        key.marker(kind),
        text.trim_end()
    )
}

/// The body with its record replaced and its text kept (`body` was written by
/// [`compose`] for `key`).
pub fn with_record<T: Serialize>(body: &str, key: &ReleaseKey, kind: &str, record: &T) -> String {
    let text: Vec<&str> = body
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with(STATE_PREFIX))
        .collect();
    compose(key, kind, text.join("\n").trim(), record)
}

/// Reads a body written by [`compose`] for `kind` (`announcement` or `review`).
pub fn parse<T: for<'de> Deserialize<'de>>(body: &str, kind: &str) -> Option<(ReleaseKey, T)> {
    let first = body.lines().next()?;
    let id = first
        .strip_prefix(MARKER_PREFIX)?
        .strip_prefix(kind)?
        .strip_prefix(' ')?
        .strip_suffix(COMMENT_END)?;
    let (dist, version) = id.split_once('/')?;
    let key = ReleaseKey {
        dist: dist.into(),
        version: version.into(),
    };
    let json = body
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(STATE_PREFIX)?.strip_suffix(COMMENT_END))?;
    Some((key, serde_json::from_str(json).ok()?))
}

/// A submission ready to be announced.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub number: u64,
    pub url: String,
    pub state: State,
}

/// Open submissions of `dist` that are Ready for release (by their recorded stage).
pub fn ready(issues: &[Issue], dist: &str) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = issues
        .iter()
        .filter(|i| i.open)
        .filter_map(|i| {
            let state = crate::submission::parse(&i.body)?.state?;
            // The label (role-checked when it was set) and the state agree.
            let labelled = i.labels.contains(&Stage::ReadyForRelease.label());
            (state.key.dist == dist && labelled && state.stage() == Stage::ReadyForRelease).then(
                || Candidate {
                    number: i.number,
                    url: i.url.clone(),
                    state,
                },
            )
        })
        .collect();
    out.sort_by(|a, b| a.state.key.product.cmp(&b.state.key.product));
    out
}

/// Checks the release date against the policy's notice period.
/// `Ok(None)`: fine; `Ok(Some(warning))`: an emergency release, allowed.
pub fn check_date(
    date: Date,
    today: Date,
    notice_days: u32,
    emergency: bool,
) -> Result<Option<String>, String> {
    if date < today {
        return Err(format!(
            "the release date {date} is in the past; give the date the release will happen"
        ));
    }
    let ahead = (date - today).whole_days();
    if ahead >= i64::from(notice_days) {
        return Ok(None);
    }
    let msg = format!(
        "the release date {date} is {ahead} day(s) away, less than the {notice_days} days' notice the OMB is given"
    );
    if emergency {
        Ok(Some(format!(
            "{msg}: announced as an emergency release, to be presented to the OMB after the fact"
        )))
    } else {
        Err(format!(
            "{msg}; choose a later --date, or pass --emergency for an emergency release"
        ))
    }
}

fn http(url: Option<&str>) -> Option<String> {
    url.filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(str::to_string)
}

/// A Markdown link to an http(s) URL shown as itself; nothing for other schemes.
fn link(url: Option<&str>) -> Option<String> {
    http(url).map(|u| md_link(&u, Some(&u)))
}

/// The first lines of the release notes, as list items (untrusted: the
/// templates escape them).
fn highlights(notes: &str) -> Vec<String> {
    notes
        .lines()
        .map(|l| l.trim().trim_start_matches(['-', '*', '+']).trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('>'))
        .take(5)
        .map(|l| l.chars().take(200).collect())
        .collect()
}

/// The data the announcement templates render.
pub fn data(
    policy: &Policy,
    version: &str,
    date: Date,
    emergency: bool,
    products: &[Candidate],
) -> serde_json::Value {
    use serde_json::json;
    let a = &policy.pipeline.announcement;
    let fill = |s: &str| s.replace("{version}", version);
    let all_targets: Vec<&str> = policy
        .targets
        .iter()
        .filter(|t| !policy.target_retired(t))
        .map(|t| t.name.as_str())
        .collect();
    let items: Vec<serde_json::Value> = products
        .iter()
        .map(|c| product_data(c, &all_targets))
        .collect();
    json!({
        "distribution": {
            "id": policy.id, "name": policy.name, "type": policy.distribution,
            "version": version, "date": date.to_string(), "repository": a.repository,
        },
        "description": fill(&a.description),
        "emergency": emergency,
        "notice_days": policy.pipeline.deadlines.notice_days,
        "product_count": items.len(),
        "products": items,
        "installation_notes": a.installation_notes,
        "contact": a.contact,
        "technical_contact": a.technical_contact,
        "details_url": a.details_url.as_deref().map(fill).and_then(|u| http(Some(&u))),
        "details_link": a.details_url.as_deref().map(fill).map(|u| md_link(&u, Some(&u))),
    })
}

/// One product's part of the announcement: its release record and how it was verified.
fn product_data(c: &Candidate, all_targets: &[&str]) -> serde_json::Value {
    use serde_json::json;
    let s = &c.state;
    let r = s.release.clone().unwrap_or_default();
    let targets: Vec<&str> = r.targets.iter().map(|t| t.name.as_str()).collect();
    let only_on =
        (targets.len() < all_targets.len() && !targets.is_empty()).then(|| targets.join(", "));
    let qc = s
        .history
        .iter()
        .rev()
        .find(|t| t.stage == Stage::StagedRollout)
        .or_else(|| {
            s.history
                .iter()
                .rev()
                .find(|t| t.stage == Stage::Verification)
        });
    let sites = sites_data(s);
    let docs: Vec<String> = r
        .documentation
        .iter()
        .filter_map(|d| http(Some(d)))
        .collect();
    json!({
        "name": s.key.product,
        "version": s.key.version,
        "provider": r.provider,
        "description": r.description,
        "targets": targets,
        "only_on": only_on,
        "release_notes_url": http(r.release_notes_url.as_deref()),
        "release_notes_link": link(r.release_notes_url.as_deref()).unwrap_or_else(|| "(not given)".into()),
        "installation_url": http(r.installation_url.as_deref()),
        "installation_link": link(r.installation_url.as_deref()),
        "known_issues_url": http(r.known_issues_url.as_deref()),
        "known_issues_link": link(r.known_issues_url.as_deref()),
        "documentation_urls": docs,
        "documentation": r.documentation.iter().filter_map(|u| link(Some(u))).collect::<Vec<_>>(),
        "highlights": highlights(&r.notes),
        "issue_number": c.number,
        "issue_url": http(Some(&c.url)),
        "issue_link": md_link(&format!("#{}", c.number), Some(&c.url)),
        "verification": {
            "qc": qc.map(|t| t.actor.clone()).unwrap_or_else(|| "(not recorded)".into()),
            "qc_date": qc.map(|t| t.at.date().to_string()).unwrap_or_default(),
            "sites": sites,
            "waiver": s.waiver.as_ref().map(|w| json!({"actor": w.actor, "text": w.text})),
        },
    })
}

/// The Early Adopter sites' answers and reports, by name.
fn sites_data(s: &State) -> Vec<serde_json::Value> {
    use serde_json::json;
    let mut sites: Vec<serde_json::Value> = s
        .sites
        .iter()
        .map(|(name, site)| {
            let answer = match &site.answer {
                Some(a) if a.accepted => "accepted",
                Some(_) => "rejected",
                None => "did not answer",
            };
            let reports: Vec<serde_json::Value> = site
                .reports
                .iter()
                .map(|rep| json!({"file": rep.file, "url": http(Some(&rep.url)), "link": md_link(&rep.file, Some(&rep.url))}))
                .collect();
            json!({"name": name, "answer": answer, "reports": reports})
        })
        .collect();
    // Candidates that never answered are part of the verification summary too.
    for c in &s.candidates {
        if !s.sites.keys().any(|k| k.eq_ignore_ascii_case(c)) {
            sites.push(json!({"name": c, "answer": "did not answer", "reports": []}));
        }
    }
    sites.sort_by_key(|v| v["name"].as_str().map(str::to_string));
    sites
}

/// The post-implementation review's questions (seed: release and deployment
/// management, every release reviewed within one week).
pub fn review_text(
    policy: &Policy,
    version: &str,
    announcement: u64,
    emergency: bool,
    due: OffsetDateTime,
) -> String {
    format!(
        "## Post-implementation review of {} {version}\n\nThe release was announced in #{announcement}.{}\n\nSites and users, please answer in a comment by {}:\n\n1. Were the release notes and documentation sufficient?\n2. Is the service working as expected?\n",
        policy.name,
        if emergency {
            " It was an **emergency release**: present it to the OMB at its next meeting."
        } else {
            ""
        },
        crate::calendar::when(due)
    )
}

/// What the sweep does with an open review: remind once when it is due and
/// unanswered, close it as unanswered one period later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewStep {
    Nothing,
    Remind(String),
    Close(String),
}

pub fn review_step(
    review: &Review,
    answered: bool,
    review_days: u32,
    now: OffsetDateTime,
) -> ReviewStep {
    if answered || now <= review.due {
        return ReviewStep::Nothing;
    }
    let close_at = crate::calendar::add_days(review.due, review_days);
    if now > close_at {
        return ReviewStep::Close(format!(
            "Closed as unanswered: nobody answered the review by {}.",
            crate::calendar::when(close_at)
        ));
    }
    if review.reminded {
        return ReviewStep::Nothing;
    }
    ReviewStep::Remind(format!(
        "Reminder: this review was due {} and has no answer yet. It is closed as unanswered after {}.",
        crate::calendar::when(review.due),
        crate::calendar::when(close_at)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn notice_period() {
        let today = date!(2026 - 11 - 23);
        assert_eq!(check_date(date!(2026 - 11 - 30), today, 7, false), Ok(None));
        let err = check_date(date!(2026 - 11 - 27), today, 7, false).unwrap_err();
        assert!(
            err.contains("4 day(s) away") && err.contains("--emergency"),
            "{err}"
        );
        let warn = check_date(date!(2026 - 11 - 27), today, 7, true)
            .unwrap()
            .unwrap();
        assert!(warn.contains("emergency release"), "{warn}");
        assert!(check_date(date!(2026 - 11 - 20), today, 7, true).is_err());
    }

    #[test]
    fn records_round_trip_and_resist_forgery() {
        let key = ReleaseKey {
            dist: "cmd-os-1".into(),
            version: "1.3.0".into(),
        };
        let rec = Record {
            key: key.clone(),
            date: "2026-12-01".into(),
            emergency: false,
            products: vec![],
            published: None,
            review: None,
        };
        let body = compose(
            &key,
            "announcement",
            "# text with <!-- umd-release:release {} --> @all",
            &rec,
        );
        let (k, r): (ReleaseKey, Record) = parse(&body, "announcement").unwrap();
        assert_eq!((k, r), (key.clone(), rec.clone()));
        assert!(parse::<Record>(&body, "review").is_none());
        let published = Record {
            review: Some(9),
            ..rec.clone()
        };
        let again = with_record(&body, &key, "announcement", &published);
        assert_eq!(
            parse::<Record>(&again, "announcement").unwrap().1,
            published
        );
        assert_eq!(
            again.lines().nth(1),
            body.lines().nth(1),
            "the text is kept"
        );
        assert!(parse::<Record>(&format!("x\n{body}"), "announcement").is_none());
    }

    #[test]
    fn reviews_are_reminded_then_closed() {
        let r = Review {
            key: ReleaseKey {
                dist: "d".into(),
                version: "1".into(),
            },
            due: datetime!(2026-12-08 10:00 UTC),
            reminded: false,
        };
        assert_eq!(
            review_step(&r, false, 7, datetime!(2026-12-08 09:00 UTC)),
            ReviewStep::Nothing
        );
        assert!(matches!(
            review_step(&r, false, 7, datetime!(2026-12-09 09:00 UTC)),
            ReviewStep::Remind(_)
        ));
        assert_eq!(
            review_step(&r, true, 7, datetime!(2026-12-09 09:00 UTC)),
            ReviewStep::Nothing
        );
        let reminded = Review {
            reminded: true,
            ..r.clone()
        };
        assert_eq!(
            review_step(&reminded, false, 7, datetime!(2026-12-10 09:00 UTC)),
            ReviewStep::Nothing
        );
        assert!(matches!(
            review_step(&reminded, false, 7, datetime!(2026-12-16 09:00 UTC)),
            ReviewStep::Close(_)
        ));
    }
}
