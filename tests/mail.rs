//! E-mail notices (issue 13) through the binary, to a real SMTP server:
//! aiosmtpd (Debian's python3-aiosmtpd) on 127.0.0.1, started per test with
//! tests/support/smtp_sink.py writing each message it accepts to a file.
//! Without aiosmtpd a test prints a skip line, or fails under
//! `UMD_RELEASE_REQUIRE_TOOLS=1` (.ci/run installs it).

mod support;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::rig::{Kind, Rig};
use support::run;

on_all!(
    a_late_submission_mails_the_delayed_notice_to_the_card_contacts_once,
    a_rejection_mails_the_provider_the_reason,
);

const SUPPORT: &str = "site-info-publisher-support@example.org";
const LEADER: &str = "jane.doe@example.org";
const OMB: &str = "omb@example.org";

/// The Python that has aiosmtpd (Debian's, not a virtualenv's), if any.
fn python() -> Option<&'static str> {
    ["/usr/bin/python3", "python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn have_aiosmtpd() -> bool {
    if python().is_some() {
        return true;
    }
    if std::env::var("UMD_RELEASE_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!(
            "aiosmtpd is required (UMD_RELEASE_REQUIRE_TOOLS=1): .ci/run installs python3-aiosmtpd with apt-get"
        );
    }
    eprintln!("skipped: aiosmtpd (python3-aiosmtpd) is not installed");
    false
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An aiosmtpd process on 127.0.0.1:`port`, stopped when dropped.
struct Smtp {
    child: Child,
    dir: PathBuf,
}

impl Smtp {
    fn start(port: u16, dir: &Path, mode: &str) -> Smtp {
        let python = python().expect("aiosmtpd is installed");
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "smtp_sink.Sink"])
            .arg(dir)
            .arg(mode)
            .env("PYTHONPATH", support::manifest_dir().join("tests/support"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let mut smtp = Smtp {
            child,
            dir: dir.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                smtp.child.try_wait().unwrap().is_none(),
                "aiosmtpd exited before listening on {port}"
            );
            assert!(
                Instant::now() < deadline,
                "aiosmtpd is not listening on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        smtp
    }

    /// The messages received, in order, quoted-printable soft breaks undone.
    fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        files.retain(|f| f.extension().is_some_and(|e| e == "eml"));
        files.sort();
        files
            .iter()
            .map(|f| {
                std::fs::read_to_string(f)
                    .unwrap()
                    .replace("=\r\n", "")
                    .replace("=3D", "=")
            })
            .collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Points the rig's commands at an SMTP server on 127.0.0.1:`port`.
fn mail_to(rig: &Rig, port: u16) {
    rig.set_env("UMD_RELEASE_SMTP_HOST", "127.0.0.1");
    rig.set_env("UMD_RELEASE_SMTP_PORT", &port.to_string());
    rig.set_env("UMD_RELEASE_SMTP_TLS", "none");
    rig.set_env("UMD_RELEASE_SMTP_FROM", "umd-release@example.org");
}

/// A server for `rig`, or `None` (skipped) without aiosmtpd.
fn server(rig: &Rig, mode: &str) -> Option<Smtp> {
    if !have_aiosmtpd() {
        return None;
    }
    let port = free_port();
    mail_to(rig, port);
    Some(Smtp::start(port, &rig.tmp.path().join("mail"), mode))
}

fn to_provider(message: &str) -> bool {
    message.starts_with(&format!("X-Envelope-To: {SUPPORT},{LEADER}\r\n"))
}

fn a_late_submission_mails_the_delayed_notice_to_the_card_contacts_once(rig: &Rig) {
    let Some(smtp) = server(rig, "accept") else {
        return;
    };
    rig.at("2026-11-20T09:00:00Z");
    rig.sweep();
    assert!(smtp.messages().is_empty(), "nothing is late yet");
    rig.at("2026-12-03T09:00:00Z");
    rig.sweep();
    let sent = smtp.messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let m = &sent[0];
    assert!(to_provider(m), "{m}");
    assert!(
        m.contains("Subject: site-info-publisher 1.4.0 is delayed in Unverified"),
        "{m}"
    );
    assert!(m.contains("multipart/alternative"), "{m}");
    assert!(m.contains("Content-Type: text/html"), "{m}");
    assert!(
        m.contains("this submission is Delayed: in Unverified, verification to start was due 2026-12-02 09:00 UTC"),
        "{m}"
    );
    assert!(
        !m.contains("umd-release:once"),
        "the key stays on the tracker: {m}"
    );
    // The @mention stays in the comment.
    assert!(rig.said()[0].starts_with("@janedoe: this submission is **Delayed**"));
    rig.sweep();
    rig.at("2026-12-04T09:00:00Z");
    rig.sweep();
    assert_eq!(smtp.messages().len(), 1, "a second sweep sends nothing");
}

fn a_rejection_mails_the_provider_the_reason(rig: &Rig) {
    let Some(smtp) = server(rig, "accept") else {
        return;
    };
    rig.label("alice", "verification");
    assert!(
        smtp.messages().is_empty(),
        "a move to Verification mails nobody"
    );
    let r = run(&mut rig.cmd(&[
        "move",
        "--submission",
        "site-info-publisher@1.4.0",
        "--distribution",
        "cmd-os-1",
        "--to",
        "rejected",
        "--as",
        "alice",
        "--reason",
        "the BDII <crashes> on start",
    ]));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let sent = smtp.messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let m = &sent[0];
    assert!(to_provider(m), "{m}");
    assert!(
        m.contains("Subject: site-info-publisher 1.4.0 was rejected in Verification"),
        "{m}"
    );
    assert!(m.contains("The reason: the BDII"), "{m}");
    // Escaped in the HTML part: no tag from the reason gets through.
    assert!(
        !m.contains("<crashes>") || m.contains("&lt;crashes&gt;"),
        "{m}"
    );
    assert!(!m.contains("<p>site-info-publisher 1.4.0 was rejected in Verification by alice. The reason: the BDII <crashes>"), "{m}");
    rig.sweep();
    assert_eq!(smtp.messages().len(), 1);
}

#[test]
fn a_dry_run_lists_the_mail_and_sends_nothing() {
    let rig = Rig::new(Kind::Local);
    let Some(smtp) = server(&rig, "accept") else {
        return;
    };
    rig.at("2026-12-03T09:00:00Z");
    let r = run(&mut rig.cmd(&["sweep", "--dry-run"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "e-mail \"site-info-publisher 1.4.0 is delayed in Unverified\" to {SUPPORT}, {LEADER}"
        )),
        "{}",
        r.stdout
    );
    assert!(smtp.messages().is_empty());
    assert!(rig.said().is_empty());
    // Mail off: no e-mail in the plan at all.
    let r = run(rig
        .cmd(&["sweep", "--dry-run"])
        .env("UMD_RELEASE_SMTP_HOST", ""));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("e-mail"), "{}", r.stdout);
}

#[test]
fn a_server_that_is_down_or_refuses_exits_3_and_a_repair_run_sends_once() {
    let rig = Rig::new(Kind::Local);
    if !have_aiosmtpd() {
        return;
    }
    let port = free_port();
    mail_to(&rig, port);
    rig.at("2026-12-03T09:00:00Z");
    // Nothing listens on the port.
    let r = run(&mut rig.cmd(&["sweep"]));
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "the e-mail \"site-info-publisher 1.4.0 is delayed in Unverified\" was not sent through 127.0.0.1:{port}"
        )) && r.stderr.contains("run the command again"),
        "{}",
        r.stderr
    );
    assert!(rig.said().is_empty(), "the notice waits for its mail");
    // A server that refuses the message.
    let refused = Smtp::start(port, &rig.tmp.path().join("refused"), "refuse");
    let r = run(&mut rig.cmd(&["sweep"]));
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("554"), "{}", r.stderr);
    drop(refused);
    assert!(rig.said().is_empty());
    // The repair run sends it once, and the notice is posted once.
    let smtp = Smtp::start(port, &rig.tmp.path().join("mail"), "accept");
    rig.sweep();
    rig.sweep();
    assert_eq!(smtp.messages().len(), 1);
    assert!(to_provider(&smtp.messages()[0]));
    let said = rig.said();
    assert_eq!(said.len(), 1, "{said:?}");
}

#[test]
fn bad_smtp_settings_exit_2_and_name_the_variable() {
    let rig = Rig::new(Kind::Local);
    let r = run(rig
        .cmd(&["sweep"])
        .env("UMD_RELEASE_SMTP_HOST", "smtp.example.org")
        .env("UMD_RELEASE_SMTP_FROM", "umd-release@example.org")
        .env("UMD_RELEASE_SMTP_TLS", "none")
        .env("UMD_RELEASE_SMTP_USER", "umd")
        .env("UMD_RELEASE_SMTP_PASSWORD", "s3cret-pass"));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("UMD_RELEASE_SMTP_TLS=none"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("s3cret-pass") && !r.stdout.contains("s3cret-pass"));
}

#[test]
fn the_announcement_mails_the_omb_list_once() {
    let rig = Rig::new(Kind::Local);
    let Some(smtp) = server(&rig, "accept") else {
        return;
    };
    let policy = std::fs::read_to_string(support::manifest_dir().join("policies/cmd-os-1.yaml"))
        .unwrap()
        .replacen(
            "  announcement:\n",
            &format!("  announcement:\n    omb_email: {OMB}\n"),
            1,
        );
    assert!(policy.contains("omb_email"));
    let file = rig.tmp.path().join("cmd-os-1.yaml");
    std::fs::write(&file, policy).unwrap();
    rig.label("alice", "verification");
    rig.label("alice", "staged-rollout");
    let r = run(&mut rig.cmd(&[
        "move",
        "--submission",
        "site-info-publisher@1.4.0",
        "--distribution",
        "cmd-os-1",
        "--to",
        "ready-for-release",
        "--as",
        "bob",
        "--reason",
        "urgent fix, tested at the provider",
    ]));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(smtp.messages().is_empty(), "{:?}", smtp.messages());
    let announce = |extra: &[&str]| {
        let mut args = vec![
            "announce",
            "--distribution",
            "cmd-os-1",
            "--version",
            "1.5.0",
            "--date",
            "2027-01-20",
            "--policy",
            file.to_str().unwrap(),
        ];
        args.extend(extra);
        run(&mut rig.cmd(&args))
    };
    let r = announce(&["--dry-run"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "(dry run: would e-mail \"[CMD-OS 1] Release 1.5.0 announcement\" to {OMB}"
        )),
        "{}",
        r.stdout
    );
    assert!(smtp.messages().is_empty());
    let r = announce(&[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let sent = smtp.messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].starts_with(&format!("X-Envelope-To: {OMB}\r\n")),
        "{}",
        sent[0]
    );
    assert!(
        sent[0].contains("Subject: [CMD-OS 1] Release 1.5.0 announcement"),
        "{}",
        sent[0]
    );
    assert!(sent[0].contains("site-info-publisher"), "{}", sent[0]);
    assert!(sent[0].contains("Content-Type: text/html"), "{}", sent[0]);
    // Unchanged: not sent again; the record is on the announcement issue.
    let r = announce(&[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(smtp.messages().len(), 1);
    let records: Vec<String> = rig
        .tracker()
        .list_comments(2)
        .unwrap()
        .into_iter()
        .map(|c| c.body)
        .filter(|b| b.contains("e-mailed to the OMB list"))
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
}
