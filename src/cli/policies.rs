//! `policies`: the built-in distribution policies.

use super::{ListFormat, Outcome, json, print};
use umd_release::policy::Policy;

#[derive(clap::Args)]
pub struct PoliciesArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
}

pub fn run(args: PoliciesArgs) -> Outcome {
    let all = Policy::all_builtin();
    let text = match args.format {
        ListFormat::Json => json(&all)?,
        ListFormat::Text => {
            let mut out = String::new();
            for p in &all {
                let components: Vec<String> = p
                    .components
                    .iter()
                    .filter_map(|c| serde_json::to_value(c).ok()?.as_str().map(String::from))
                    .collect();
                let targets: Vec<String> = p
                    .targets
                    .iter()
                    .map(|t| {
                        let mut s = t.name.clone();
                        if p.target_retired(t) {
                            s.push_str(" (retired)");
                        } else if !t.required {
                            s.push_str(" (optional)");
                        }
                        s
                    })
                    .collect();
                out.push_str(&format!(
                    "{:<10} {:<10} components: {:<18} targets: {}\n",
                    p.id,
                    p.name,
                    components.join(", "),
                    targets.join(", ")
                ));
            }
            out
        }
    };
    print(&text)?;
    Ok(0)
}
