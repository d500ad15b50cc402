//! `publish`: release an announced distribution release.

use super::{
    Outcome, PipelineArgs, ReleaseArg, TrackerArgs, dry_run_plan, exit, now, print,
    repository_transition,
};
use umd_release::process::publish::{Product, publish};

#[derive(clap::Args)]
pub struct PublishArgs {
    #[command(flatten)]
    tracker: TrackerArgs,
    #[command(flatten)]
    release: ReleaseArg,
    /// Who releases (must hold the role of the move to Released, e.g. release-manager)
    #[arg(long = "as", value_name = "USER", env = "GITHUB_ACTOR")]
    actor: String,
    /// Print what publishing would change, and change nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

pub fn run(args: PublishArgs) -> Outcome {
    let (tracker, rules, release) = args.release.open(&args.tracker, &args.pipeline)?;
    let (name, version) = (&release.policy.name, &release.key.version);
    let published = publish(
        &*tracker,
        &rules,
        &release,
        &args.actor,
        now(),
        args.dry_run,
    )?;
    if published.already {
        print(&format!(
            "{name} {version} was already published (#{})\n",
            published.announcement
        ))?;
        return Ok(0);
    }
    let mut out = String::new();
    let mut blocked = Vec::new();
    for (number, product, fate) in &published.products {
        match fate {
            Product::AlreadyReleased => {
                out.push_str(&format!("#{number} {product}: already Released\n"))
            }
            Product::Released { key, transition } => {
                let verb = if args.dry_run {
                    "would be Released"
                } else {
                    "Released"
                };
                out.push_str(&format!("#{number} {product}: {verb}\n"));
                if !args.dry_run {
                    out.push_str(&repository_transition(key, *transition)?);
                }
            }
            Product::Blocked(why) => blocked.push(why.as_str()),
        }
    }
    if !blocked.is_empty() {
        out.push_str(&format!(
            "{name} {version} is not published: {}\n",
            blocked.join("; ")
        ));
        if args.dry_run {
            out.push_str(&dry_run_plan(&published.plan));
        }
        print(&out)?;
        return Ok(exit::FAILED);
    }
    if args.dry_run {
        out.push_str(&format!(
            "{name} {version} would be published\n{}",
            dry_run_plan(&published.plan)
        ));
        print(&out)?;
        return Ok(0);
    }
    let (review, url) = published
        .review
        .as_ref()
        .map(|i| (i.number, i.url.as_str()))
        .unwrap_or_default();
    out.push_str(&format!(
        "{name} {version} published: {} product(s) Released; review #{review} {url}{}\n",
        published.products.len(),
        if published.emergency {
            " (emergency release: present it to the OMB)"
        } else {
            ""
        }
    ));
    print(&out)?;
    Ok(0)
}
