//! One fuzz target per reader of untrusted input: each takes arbitrary bytes and
//! must return (with an error or a value), never panic.
//!
//! Shared by the stable driver (`tests/fuzz.rs`) and the cargo-fuzz targets
//! (`fuzz/fuzz_targets/`), which include this file with `#[path]`.

use std::path::Path;
use umd_release::{forge, package, pipeline, policy, release, request, submission};

/// A reader under fuzz: its name (also its seed and regression directory) and entry.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
}

pub const TARGETS: &[Target] = &[
    Target {
        name: "rpm",
        run: rpm,
    },
    Target {
        name: "deb",
        run: deb,
    },
    Target {
        name: "deb_tar",
        run: deb_tar,
    },
    Target {
        name: "deb_gz",
        run: deb_gz,
    },
    Target {
        name: "deb_xz",
        run: deb_xz,
    },
    Target {
        name: "deb_zst",
        run: deb_zst,
    },
    Target {
        name: "copyright",
        run: copyright,
    },
    Target {
        name: "changelog_markdown",
        run: changelog_markdown,
    },
    Target {
        name: "changelog_debian",
        run: changelog_debian,
    },
    Target {
        name: "changelog_rpm",
        run: changelog_rpm,
    },
    Target {
        name: "tag",
        run: tag,
    },
    Target {
        name: "policy",
        run: policy,
    },
    Target {
        name: "card",
        run: card,
    },
    Target {
        name: "tracker_yaml",
        run: tracker_yaml,
    },
    Target {
        name: "registry",
        run: registry,
    },
    Target {
        name: "github_event",
        run: github_event,
    },
    Target {
        name: "gitlab_event",
        run: gitlab_event,
    },
    Target {
        name: "issue_body",
        run: issue_body,
    },
    Target {
        name: "comment_commands",
        run: comment_commands,
    },
    Target {
        name: "request",
        run: request,
    },
];

/// Lossy text, so mutated bytes still reach the parsers instead of a UTF-8 check.
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

fn package_bytes(name: &str, data: &[u8]) {
    let _ = package::read_package_from(Path::new(name), data, data.len() as u64);
}

pub fn rpm(data: &[u8]) {
    package_bytes("fuzz.rpm", data);
}

pub fn deb(data: &[u8]) {
    package_bytes("fuzz.deb", data);
}

/// A deb's copyright file, DEP-5 or free-form.
pub fn copyright(data: &[u8]) {
    let _ = package::read_copyright(&text(data)).license();
}

/// An ar archive as dpkg-deb lays it out (no ar crate: it must not be what is fuzzed).
fn ar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = b"!<arch>\n".to_vec();
    for (name, body) in members {
        let header = format!(
            "{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            0,
            0,
            0,
            100644,
            body.len()
        );
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(body);
        if body.len() % 2 == 1 {
            out.push(b'\n');
        }
    }
    out
}

/// A deb around `data` as its control member `member`, so mutations reach the
/// decompressor and the tar walker instead of breaking the ar container.
fn deb_with_control(member: &str, data: &[u8]) {
    // An empty uncompressed data.tar: two zero blocks.
    let empty_tar = [0u8; 1024];
    let deb = ar(&[
        ("debian-binary", b"2.0\n"),
        (member, data),
        ("data.tar", &empty_tar),
    ]);
    package_bytes("fuzz.deb", &deb);
}

pub fn deb_tar(data: &[u8]) {
    deb_with_control("control.tar", data);
    // The same bytes as data.tar go through read_data (modes, copyright).
    let control = include_bytes!("seeds/deb_tar/control.tar");
    let deb = ar(&[
        ("debian-binary", b"2.0\n"),
        ("control.tar", control),
        ("data.tar", data),
    ]);
    package_bytes("fuzz.deb", &deb);
}

pub fn deb_gz(data: &[u8]) {
    deb_with_control("control.tar.gz", data);
}

pub fn deb_xz(data: &[u8]) {
    deb_with_control("control.tar.xz", data);
}

pub fn deb_zst(data: &[u8]) {
    deb_with_control("control.tar.zst", data);
}

fn changelog(kind: release::changelog::ChangelogKind, file: &str, data: &[u8]) {
    let file = Path::new(file);
    if let Ok(text) = release::changelog::decode(file, data) {
        let _ = release::changelog::parse(kind, file, text);
    }
}

pub fn changelog_markdown(data: &[u8]) {
    changelog(
        release::changelog::ChangelogKind::KeepAChangelog,
        "CHANGELOG.md",
        data,
    );
}

pub fn changelog_debian(data: &[u8]) {
    changelog(
        release::changelog::ChangelogKind::Debian,
        "debian/changelog",
        data,
    );
}

pub fn changelog_rpm(data: &[u8]) {
    changelog(release::changelog::ChangelogKind::RpmSpec, "x.spec", data);
}

pub fn tag(data: &[u8]) {
    let t = text(data);
    for p in policy::Policy::builtins() {
        let v = release::tag::parse(&t, &p.tag);
        let _ = v.matches(&t);
    }
}

pub fn policy(data: &[u8]) {
    let _ = policy::Policy::parse(Path::new("policy.yaml"), &text(data));
}

pub fn card(data: &[u8]) {
    let _ = policy::ProductCard::parse(Path::new("umd-product.yaml"), &text(data));
}

pub fn tracker_yaml(data: &[u8]) {
    if let Ok(c) =
        policy::tracker_config::TrackerConfig::parse(Path::new("tracker.yaml"), &text(data))
    {
        let _ = c.validate();
        let _ = c.role_checks("someone");
    }
}

pub fn registry(data: &[u8]) {
    if let Ok(r) = policy::registry::RegisteredProduct::parse(Path::new("p.yaml"), &text(data)) {
        let _ = r.allows("CMD-OS 1");
    }
}

pub fn github_event(data: &[u8]) {
    // The first byte picks the event name, as the forge's header would.
    let (name, json) = match data.split_first() {
        Some((b, rest)) if b % 2 == 0 => ("issues", rest),
        Some((_, rest)) => ("issue_comment", rest),
        None => ("issues", data),
    };
    let _ = forge::event::parse(name, "event.json", &text(json));
}

pub fn gitlab_event(data: &[u8]) {
    let _ = forge::event::parse_gitlab("payload.json", &text(data));
}

/// The marker line, the tool's block and its state line (a JSON document).
pub fn issue_body(data: &[u8]) {
    if let Some(body) = submission::parse(&text(data))
        && let Some(state) = &body.state
    {
        let _ = state.stage();
        let _ = submission::compose(&body.key, &body.generated, state, &body.outside);
    }
}

pub fn comment_commands(data: &[u8]) {
    let _ = pipeline::rollout::commands(&text(data));
}

pub fn request(data: &[u8]) {
    let _ = request::parse(&text(data), policy::Policy::builtins());
}
