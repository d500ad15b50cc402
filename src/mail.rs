//! E-mail notices: the Technology Provider is told "using the contacts in the
//! Product ID Card", the OMB gets the announcement. Deciding what to send is
//! pure ([`notice`], [`html`], [`recipients`]); [`SmtpMailer`] is the only
//! code that talks SMTP, and the executor ([`crate::process::apply`]) the
//! only caller of a [`Mailer`].
//!
//! Configured by the environment; off while `UMD_RELEASE_SMTP_HOST` is unset.

use std::fmt;
use std::time::Duration;

use lettre::Address;
use lettre::message::{Mailbox, Message, MultiPart};
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};

pub use crate::secret::Secret;

/// Why a message was not sent (the server refused it or could not be
/// reached): the run stops, and a later run sends what this one did not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MailError {
    pub message: String,
}

/// A bad `UMD_RELEASE_SMTP_*` value: what is wrong, in which variable, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    pub message: String,
}

/// One message, as the plan carries it: already valid addresses only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail<'a> {
    pub to: &'a [String],
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

/// Sends e-mail; [`SmtpMailer`] in the shell, a recorder in unit tests.
pub trait Mailer {
    fn send(&self, mail: &Mail) -> Result<(), MailError>;
    /// Where mail goes, for messages (`smtp.example.org:587 (starttls)`).
    fn describe(&self) -> String;
}

/// How the connection to the server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS at all: only for a server on this machine.
    None,
}

impl Security {
    fn name(self) -> &'static str {
        match self {
            Security::StartTls => "starttls",
            Security::Tls => "tls",
            Security::None => "none",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }
}

/// The SMTP settings read from the environment. `Debug` never shows the password.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub from: Mailbox,
    pub timeout: Duration,
}

/// How long one SMTP exchange may take.
const TIMEOUT: Duration = Duration::from_secs(30);

fn bad(message: String) -> ConfigError {
    ConfigError { message }
}

impl SmtpConfig {
    /// The settings in the process environment; `None` when mail is off.
    pub fn from_env() -> Result<Option<SmtpConfig>, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The settings `var` gives (blank counts as unset: CI systems expand a
    /// missing secret to ""); `None` when `UMD_RELEASE_SMTP_HOST` is unset.
    pub fn from_lookup(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<SmtpConfig>, ConfigError> {
        let var = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let Some(host) = var("UMD_RELEASE_SMTP_HOST") else {
            return Ok(None);
        };
        if host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
            return Err(bad(format!(
                "UMD_RELEASE_SMTP_HOST=`{host}` is not a host name: give the server's name or address, e.g. smtp.example.org"
            )));
        }
        let security = match var("UMD_RELEASE_SMTP_TLS").as_deref() {
            None | Some("starttls") => Security::StartTls,
            Some("tls") => Security::Tls,
            Some("none") => Security::None,
            Some(other) => {
                return Err(bad(format!(
                    "UMD_RELEASE_SMTP_TLS=`{other}` is not one of starttls (port 587, the default), tls (port 465) or none (a server on this machine only)"
                )));
            }
        };
        if security == Security::None && !is_local(&host) {
            return Err(bad(format!(
                "UMD_RELEASE_SMTP_TLS=none sends the password and the notices in clear, so it is allowed only for a server on this machine (localhost, 127.0.0.1, ::1), not `{host}`: set UMD_RELEASE_SMTP_TLS=starttls or tls"
            )));
        }
        let port = match var("UMD_RELEASE_SMTP_PORT") {
            None => security.default_port(),
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(bad(format!(
                        "UMD_RELEASE_SMTP_PORT=`{p}` is not a port number from 1 to 65535 (e.g. 587)"
                    )));
                }
            },
        };
        let user = var("UMD_RELEASE_SMTP_USER");
        let password = var("UMD_RELEASE_SMTP_PASSWORD").map(Secret::new);
        if user.is_some() != password.is_some() {
            return Err(bad(
                "UMD_RELEASE_SMTP_USER and UMD_RELEASE_SMTP_PASSWORD go together: set both to log in, or neither".into(),
            ));
        }
        let from = match var("UMD_RELEASE_SMTP_FROM") {
            None => {
                return Err(bad(
                    "UMD_RELEASE_SMTP_HOST is set but UMD_RELEASE_SMTP_FROM is not: set it to the address notices come from, e.g. umd-release@example.org".into(),
                ));
            }
            Some(f) => f.parse::<Mailbox>().map_err(|e| {
                bad(format!(
                    "UMD_RELEASE_SMTP_FROM=`{f}` is not an e-mail address ({e}): write it as name@example.org or \"Name <name@example.org>\""
                ))
            })?,
        };
        Ok(Some(SmtpConfig {
            host,
            port,
            security,
            user,
            password,
            from,
            timeout: TIMEOUT,
        }))
    }
}

fn is_local(host: &str) -> bool {
    matches!(
        host.trim_start_matches('[').trim_end_matches(']'),
        "localhost" | "::1"
    ) || host.starts_with("127.")
}

/// Sends over SMTP with lettre (blocking; one connection per message: a run
/// sends a handful).
pub struct SmtpMailer {
    config: SmtpConfig,
    transport: SmtpTransport,
}

impl SmtpMailer {
    pub fn new(config: SmtpConfig) -> Result<SmtpMailer, ConfigError> {
        let tls = |host: &str| {
            TlsParameters::new(host.to_string()).map_err(|e| {
                bad(format!(
                    "UMD_RELEASE_SMTP_HOST=`{host}`: cannot set up TLS for it ({e})"
                ))
            })
        };
        let security = match config.security {
            Security::StartTls => Tls::Required(tls(&config.host)?),
            Security::Tls => Tls::Wrapper(tls(&config.host)?),
            Security::None => Tls::None,
        };
        let mut builder = SmtpTransport::builder_dangerous(&config.host)
            .port(config.port)
            .tls(security)
            .timeout(Some(config.timeout));
        if let (Some(user), Some(password)) = (&config.user, &config.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose().to_string(),
            ));
        }
        Ok(SmtpMailer {
            transport: builder.build(),
            config,
        })
    }
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = compose(&self.config.from, mail)?;
        lettre::Transport::send(&self.transport, &message)
            .map(|_| ())
            .map_err(|e| MailError {
                // lettre's error names the stage and the server's reply; the
                // credentials are never part of it.
                message: format!(
                    "the e-mail \"{}\" was not sent through {}: {e}",
                    mail.subject,
                    self.describe()
                ),
            })
    }

    fn describe(&self) -> String {
        format!(
            "{}:{} ({})",
            self.config.host,
            self.config.port,
            self.config.security.name()
        )
    }
}

/// The message: plain text and HTML alternatives. lettre encodes the
/// headers, so a subject taken from a title cannot add one.
pub fn compose(from: &Mailbox, mail: &Mail) -> Result<Message, MailError> {
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(one_line(mail.subject));
    for to in mail.to {
        let address: Address = to.parse().map_err(|e| MailError {
            message: format!("`{to}` is not an e-mail address ({e})"),
        })?;
        builder = builder.to(Mailbox::new(None, address));
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            mail.text.to_string(),
            mail.html.to_string(),
        ))
        .map_err(|e| MailError {
            message: format!("the e-mail \"{}\" cannot be built: {e}", mail.subject),
        })
}

/// A subject on one line, whatever the title it came from holds.
fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The valid addresses among `candidates` (trimmed, each once, in order),
/// and a warning for each one that is not an address.
pub fn recipients<'a>(candidates: impl IntoIterator<Item = &'a str>) -> (Vec<String>, Vec<String>) {
    let mut to: Vec<String> = Vec::new();
    let mut warnings = Vec::new();
    for c in candidates
        .into_iter()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        match c.parse::<Address>() {
            Ok(a) => {
                let a = a.to_string();
                if !to.iter().any(|t| t.eq_ignore_ascii_case(&a)) {
                    to.push(a);
                }
            }
            Err(e) => warnings.push(format!(
                "`{c}` is not an e-mail address ({e}): no e-mail goes to it"
            )),
        }
    }
    (to, warnings)
}

/// Markdown of a comment as plain text: without the bold marks and the
/// hidden key line.
pub fn plain(markdown: &str) -> String {
    markdown
        .lines()
        .filter(|l| !l.starts_with("<!--"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("**", "")
        .trim()
        .to_string()
}

/// `text` as HTML: every character escaped, blank lines as paragraphs.
pub fn html(text: &str) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html><body>\n");
    for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        out.push_str("<p>");
        out.push_str(&escape(para.trim()).replace('\n', "<br>\n"));
        out.push_str("</p>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// HTML-escapes untrusted text (release notes, reasons, titles).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A notice the pipeline sends by e-mail along with one of its comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The index of the comment (in [`crate::pipeline::effect::Effect::comments`])
    /// it goes with: the mail carries that comment's text and key.
    pub comment: usize,
    pub to: Vec<String>,
    pub subject: String,
}

/// The provider's e-mail contacts of a submission's state: support and team
/// leader (Product ID Card), valid addresses only, and a warning per bad one.
pub fn provider_contacts(state: &crate::submission::State) -> (Vec<String>, Vec<String>) {
    match &state.release {
        Some(r) => recipients([r.contact.as_str(), r.technical_contact.as_str()]),
        None => (Vec::new(), Vec::new()),
    }
}

/// The notice to the provider for comment `comment`, if they have an
/// address; a bad address is noted in `notes` and skipped.
pub fn notice(
    state: &crate::submission::State,
    comment: usize,
    subject: String,
    notes: &mut Vec<String>,
) -> Option<Notice> {
    let (to, warnings) = provider_contacts(state);
    notes.extend(warnings.into_iter().map(|w| format!("e-mail: {w}")));
    (!to.is_empty()).then_some(Notice {
        comment,
        to,
        subject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Result<Option<SmtpConfig>, ConfigError> {
        let map: std::collections::HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SmtpConfig::from_lookup(move |n| map.get(n).cloned())
    }

    #[test]
    fn mail_is_off_without_a_host_and_blank_counts_as_unset() {
        assert!(env(&[]).unwrap().is_none());
        assert!(env(&[("UMD_RELEASE_SMTP_HOST", " ")]).unwrap().is_none());
    }

    #[test]
    fn defaults_are_starttls_on_587() {
        let c = env(&[
            ("UMD_RELEASE_SMTP_HOST", "smtp.example.org"),
            ("UMD_RELEASE_SMTP_FROM", "umd@example.org"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!((c.security, c.port), (Security::StartTls, 587));
        let c = env(&[
            ("UMD_RELEASE_SMTP_HOST", "smtp.example.org"),
            ("UMD_RELEASE_SMTP_FROM", "umd@example.org"),
            ("UMD_RELEASE_SMTP_TLS", "tls"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!((c.security, c.port), (Security::Tls, 465));
    }

    #[test]
    fn bad_values_name_the_variable_and_the_fix() {
        let base = [
            ("UMD_RELEASE_SMTP_HOST", "smtp.example.org"),
            ("UMD_RELEASE_SMTP_FROM", "umd@example.org"),
        ];
        for (extra, variable) in [
            (
                ("UMD_RELEASE_SMTP_TLS", "ssl"),
                "UMD_RELEASE_SMTP_TLS=`ssl`",
            ),
            (
                ("UMD_RELEASE_SMTP_TLS", "none"),
                "UMD_RELEASE_SMTP_TLS=none",
            ),
            (("UMD_RELEASE_SMTP_PORT", "99999"), "UMD_RELEASE_SMTP_PORT"),
            (
                ("UMD_RELEASE_SMTP_FROM", "not an address"),
                "UMD_RELEASE_SMTP_FROM",
            ),
            (("UMD_RELEASE_SMTP_USER", "me"), "UMD_RELEASE_SMTP_PASSWORD"),
        ] {
            let mut vars: Vec<(&str, &str)> = base.to_vec();
            vars.retain(|(k, _)| *k != extra.0);
            vars.push(extra);
            let e = env(&vars).unwrap_err();
            assert!(e.message.contains(variable), "{}", e.message);
        }
        let e = env(&[("UMD_RELEASE_SMTP_HOST", "smtp.example.org")]).unwrap_err();
        assert!(e.message.contains("UMD_RELEASE_SMTP_FROM"), "{}", e.message);
    }

    #[test]
    fn no_tls_is_allowed_for_this_machine_only() {
        for host in ["127.0.0.1", "localhost", "::1"] {
            let c = env(&[
                ("UMD_RELEASE_SMTP_HOST", host),
                ("UMD_RELEASE_SMTP_FROM", "umd@example.org"),
                ("UMD_RELEASE_SMTP_TLS", "none"),
                ("UMD_RELEASE_SMTP_PORT", "2525"),
            ])
            .unwrap()
            .unwrap();
            assert_eq!((c.security, c.port), (Security::None, 2525));
        }
    }

    #[test]
    fn the_password_never_shows() {
        let c = env(&[
            ("UMD_RELEASE_SMTP_HOST", "smtp.example.org"),
            ("UMD_RELEASE_SMTP_FROM", "umd@example.org"),
            ("UMD_RELEASE_SMTP_USER", "me"),
            ("UMD_RELEASE_SMTP_PASSWORD", "hunter2-secret"),
        ])
        .unwrap()
        .unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("hunter2-secret") && shown.contains("***"),
            "{shown}"
        );
        let m = SmtpMailer::new(c).unwrap();
        let shown = format!("{m:?} {}", m.describe());
        assert!(!shown.contains("hunter2-secret"), "{shown}");
    }

    #[test]
    fn bad_addresses_are_skipped_with_a_warning_and_duplicates_dropped() {
        let (to, warnings) = recipients([
            "a@example.org",
            "",
            "A@example.org",
            "not an address",
            "b@example.org\r\nBcc: evil@example.org",
        ]);
        assert_eq!(to, vec!["a@example.org".to_string()]);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn untrusted_text_is_escaped_in_html_and_cannot_add_headers() {
        let h = html("<script>alert('x')</script> & more\n\nsecond");
        assert!(!h.contains("<script>"), "{h}");
        assert!(h.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
        assert!(h.contains("<p>second</p>"));
        let from: Mailbox = "umd@example.org".parse().unwrap();
        let to = vec!["a@example.org".to_string()];
        let m = compose(
            &from,
            &Mail {
                to: &to,
                subject: "title\r\nBcc: evil@example.org",
                text: "t",
                html: "<p>t</p>",
            },
        )
        .unwrap();
        let raw = String::from_utf8_lossy(&m.formatted()).to_string();
        assert!(
            !raw.lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw}");
    }

    #[test]
    fn plain_drops_bold_marks_and_the_key() {
        let body = crate::plan::once("this is **Delayed**", "m");
        assert_eq!(plain(&body), "this is Delayed");
    }
}
