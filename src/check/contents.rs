//! What the packages install and how they are signed: `world-writable`,
//! `package-unsigned`.

use crate::package::PackageFormat;
use crate::rules;

use super::{Ctx, Location, Sink};

pub(super) fn check_contents(ctx: &Ctx, sink: &mut Sink) {
    for pkg in &ctx.facts.packages {
        let path = ctx.package_path(pkg);
        if !pkg.world_writable.is_empty() {
            let shown: Vec<&str> = pkg
                .world_writable
                .iter()
                .take(5)
                .map(String::as_str)
                .collect();
            let more = pkg.world_writable.len().saturating_sub(shown.len());
            sink.push(
                &rules::WORLD_WRITABLE,
                format!(
                    "{} installs world-writable {}: {}{}",
                    pkg.file.display(),
                    if pkg.world_writable.len() == 1 {
                        "path"
                    } else {
                        "paths"
                    },
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ),
                Location::given(path.clone()),
                match pkg.format {
                    PackageFormat::Rpm => {
                        "install them with mode 0644 or 0755 (`%attr(0644,root,root)` in %files)"
                            .into()
                    }
                    PackageFormat::Deb => {
                        "chmod them to 0644 or 0755 before `dpkg-deb --build`".into()
                    }
                },
            );
        }
        if !pkg.signed {
            sink.push(
                &rules::PACKAGE_UNSIGNED,
                format!("{} is not signed", pkg.file.display()),
                Location::given(path),
                match pkg.format {
                    PackageFormat::Rpm => "sign it with `rpmsign --addsign`".into(),
                    PackageFormat::Deb => "sign it with `debsigs --sign=origin`".into(),
                },
            );
        }
    }
}
