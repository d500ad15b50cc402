//! `explain`: a rule's documentation, or the list of rules.

use anyhow::anyhow;

use super::{Outcome, bad_input, print};
use umd_release::rules::{RULES, lookup};

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// Rule id, e.g. `target-missing`
    rule: Option<String>,
    /// List every rule with its default severity
    #[arg(long, conflicts_with = "rule")]
    list: bool,
}

pub fn run(args: ExplainArgs) -> Outcome {
    let Some(id) = args.rule.as_deref().filter(|_| !args.list) else {
        let mut out = String::new();
        for r in RULES {
            out.push_str(&format!(
                "{:<22} {:<8} {}\n",
                r.id,
                r.default_severity.as_str(),
                r.summary
            ));
        }
        print(&out)?;
        return Ok(0);
    };
    let Some(r) = lookup(id) else {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        return Err(bad_input(anyhow!(
            "no rule `{id}`; the rules are: {}",
            ids.join(", ")
        )));
    };
    print(&format!(
        "{}\n\n{}\n\ndefault severity: {}\nsource: {}\n\n{}\n\nChange its severity in a policy:\n  rules:\n    {}: warning\n",
        r.id,
        r.summary,
        r.default_severity.as_str(),
        r.source,
        r.doc,
        r.id
    ))?;
    Ok(0)
}
