//! The e-mail keys of the configuration (issue 13): `[email]` in the file, `STIXHUB_SMTP_*` variables and
//! the `serve --smtp-relay` flag. Without a relay, `serve` mails nothing (destinations wait, nothing is lost:
//! the event log keeps their position).
//!
//! The SMTP password is read from `password_file` or `STIXHUB_SMTP_PASSWORD` (the variable wins), never
//! from the file itself, and `config check` never prints it.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::config::env::{self, Environment};
use crate::config::validated::{ConfigError, Source};

/// `[email]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEmail {
    /// `HOST:PORT` of the SMTP relay.
    pub(crate) relay: Option<String>,
    /// The sender address (`From:`).
    pub(crate) from: Option<String>,
    /// `required` (default), `opportunistic` or `none`.
    pub(crate) starttls: Option<String>,
    /// The AUTH user (with a password from `password_file` or `STIXHUB_SMTP_PASSWORD`).
    pub(crate) username: Option<String>,
    /// A file holding the AUTH password (its first line).
    pub(crate) password_file: Option<String>,
    /// The hub's address as people reach it, for links in mails (e.g. `https://hub.example.org`).
    pub(crate) web_url: Option<String>,
    /// A PEM file of extra trusted certificates (an internal relay's CA).
    pub(crate) ca_file: Option<String>,
    /// Seconds one SMTP attempt may take (default 30).
    pub(crate) timeout_seconds: Option<u64>,
}

/// E-mail flags of `stixhub serve`.
#[derive(Debug, Default, Clone, clap::Args)]
pub(crate) struct EmailFlags {
    /// The SMTP relay (HOST:PORT) that mails subscriptions' events; see `[email]` for the rest.
    #[arg(long, value_name = "HOST:PORT")]
    pub(crate) smtp_relay: Option<String>,
}

/// The STARTTLS policy, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StartTlsMode {
    Required,
    Opportunistic,
    Never,
}

/// The e-mail settings, resolved (`None` in `Config` when no relay is set).
#[derive(Clone)]
pub(crate) struct EmailConfig {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) from: String,
    pub(crate) starttls: StartTlsMode,
    pub(crate) credentials: Option<(String, String)>,
    pub(crate) web_url: String,
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) timeout: Duration,
}

impl std::fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("relay", &format!("{}:{}", self.host, self.port))
            .field("from", &self.from)
            .field("starttls", &self.starttls)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("web_url", &self.web_url)
            .finish_non_exhaustive()
    }
}

fn problem(errors: &mut Vec<ConfigError>, key: &'static str, source: Source, text: String) {
    errors.push(ConfigError {
        key,
        source,
        problem: text,
    });
}

/// Resolves `[email]` with its variables and flags; `None` when no relay is configured.
pub(crate) fn resolve(
    raw: Option<&RawEmail>,
    environment: &Environment,
    flags: &EmailFlags,
    errors: &mut Vec<ConfigError>,
) -> Option<EmailConfig> {
    let raw = raw.cloned().unwrap_or_default();
    let (relay, source) = if let Some(relay) = &flags.smtp_relay {
        (relay.clone(), Source::Flag)
    } else if let Some(relay) = environment.get(env::SMTP_RELAY) {
        (relay.to_owned(), Source::Env(env::SMTP_RELAY))
    } else {
        (raw.relay.clone()?, Source::File)
    };
    let before = errors.len();
    let (host, port) = match relay.rsplit_once(':').map(|(h, p)| (h, p.parse::<u16>())) {
        Some((host, Ok(port))) if !host.is_empty() && port > 0 => {
            (host.trim_matches(['[', ']']).to_owned(), port)
        }
        _ => {
            problem(
                errors,
                "email.relay",
                source,
                format!("{relay:?} is not HOST:PORT"),
            );
            (String::new(), 0)
        }
    };
    let from = raw.from.clone().unwrap_or_default();
    if mail::Address::parse(&from).is_err() {
        problem(
            errors,
            "email.from",
            Source::File,
            format!("{from:?} is not an e-mail address (required with a relay)"),
        );
    }
    let starttls = match raw.starttls.as_deref() {
        None | Some("required") => StartTlsMode::Required,
        Some("opportunistic") => StartTlsMode::Opportunistic,
        Some("none") => StartTlsMode::Never,
        Some(other) => {
            let text = format!("{other:?} is not required, opportunistic or none");
            problem(errors, "email.starttls", Source::File, text);
            StartTlsMode::Required
        }
    };
    let password = match (environment.get(env::SMTP_PASSWORD), &raw.password_file) {
        (Some(password), _) => Some(password.to_owned()),
        (None, Some(path)) => match std::fs::read_to_string(path) {
            Ok(text) => Some(text.lines().next().unwrap_or("").to_owned()),
            Err(err) => {
                problem(
                    errors,
                    "email.password_file",
                    Source::File,
                    format!("cannot read {path}: {err}"),
                );
                None
            }
        },
        (None, None) => None,
    };
    let credentials = match (raw.username.clone(), password) {
        (Some(user), Some(password)) => Some((user, password)),
        (None, None) => None,
        (Some(_), None) => {
            let text = "a username needs password_file or STIXHUB_SMTP_PASSWORD".to_owned();
            problem(errors, "email.username", Source::File, text);
            None
        }
        (None, Some(_)) => {
            problem(
                errors,
                "email.username",
                Source::File,
                "a password needs a username".to_owned(),
            );
            None
        }
    };
    if credentials.is_some() && starttls == StartTlsMode::Never {
        let text = "credentials are never sent without TLS: use required or opportunistic".to_owned();
        problem(errors, "email.starttls", Source::File, text);
    }
    let web_url = raw.web_url.clone().unwrap_or_default();
    if !(web_url.starts_with("https://") || web_url.starts_with("http://"))
        || web_url.chars().any(char::is_whitespace)
    {
        let text = format!(
            "{web_url:?}: the hub's http(s) address as people reach it (links in mails), required with a relay"
        );
        problem(errors, "email.web_url", Source::File, text);
    }
    let timeout = match raw.timeout_seconds {
        Some(0) => {
            problem(
                errors,
                "email.timeout_seconds",
                Source::File,
                "must be above 0".to_owned(),
            );
            30
        }
        Some(n) => n,
        None => 30,
    };
    if errors.len() > before {
        return None;
    }
    Some(EmailConfig {
        host,
        port,
        from,
        starttls,
        credentials,
        web_url,
        ca_file: raw.ca_file.map(PathBuf::from),
        timeout: Duration::from_secs(timeout),
    })
}

/// `[email]` as `config check` prints it (nothing without a relay; never the password).
pub(crate) fn to_toml(email: Option<&EmailConfig>) -> String {
    let Some(email) = email else {
        return String::new();
    };
    let mut text = String::from("\n[email]\n");
    let _ = writeln!(text, "relay = \"{}:{}\"", email.host, email.port);
    let _ = writeln!(text, "from = \"{}\"", email.from);
    let mode = match email.starttls {
        StartTlsMode::Required => "required",
        StartTlsMode::Opportunistic => "opportunistic",
        StartTlsMode::Never => "none",
    };
    let _ = writeln!(text, "starttls = \"{mode}\"");
    if let Some((user, _)) = &email.credentials {
        let _ = writeln!(text, "username = {user:?}");
    }
    let _ = writeln!(text, "web_url = {:?}", email.web_url);
    if let Some(ca) = &email.ca_file {
        let _ = writeln!(text, "ca_file = {:?}", ca.display().to_string());
    }
    let _ = writeln!(text, "timeout_seconds = {}", email.timeout.as_secs());
    text
}
