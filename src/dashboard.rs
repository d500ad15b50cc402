//! The status dashboard (seed "Cloud Middleware Distribution": the RT Software
//! Provisioning Dashboard): one static HTML page with its CSS and a little
//! vanilla JS, listing every submission. Pure: issues in, files out.

use time::OffsetDateTime;

use crate::policy::Policy;
use crate::policy::tracker_config::TrackerConfig;
use crate::tracker::Issue;

/// One submission as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    pub number: u64,
    pub url: String,
}

/// The dashboard's rows from the tracker's issues (submissions only).
pub fn rows(
    issues: &[Issue],
    policies: &[Policy],
    config: &TrackerConfig,
    now: OffsetDateTime,
) -> Vec<Row> {
    let _ = (policies, config, now);
    issues
        .iter()
        .filter(|i| crate::submission::parse(&i.body).is_some())
        .map(|i| Row {
            number: i.number,
            url: i.url.clone(),
        })
        .collect()
}

/// The site: (relative path, contents) of every file, written as they are.
pub fn render(rows: &[Row], tracker: &str, now: OffsetDateTime) -> Vec<(String, String)> {
    let _ = (rows, tracker, now);
    vec![("index.html".into(), String::new())]
}
