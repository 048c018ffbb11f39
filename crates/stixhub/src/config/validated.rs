//! Phase two: typed, checked values from the raw file, the environment and the flags.
//!
//! Precedence, highest first: command-line flags, environment variables, the file, defaults. Every problem is
//! collected (not only the first), and each names its key and where the value came from.

use std::fmt;
use std::path::PathBuf;

use crate::cmd::store_args::StoreArgs;
use crate::config::ConfigFlags;
use crate::config::env::{self, Environment};
use crate::config::raw::{CURRENT_VERSION, RawConfig};

/// The listen address when nothing sets one.
pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The SQLite data directory when nothing sets a store.
pub(crate) const DEFAULT_DATA: &str = "./stixhub-data";
/// The log filter when nothing sets one.
pub(crate) const DEFAULT_LOG_LEVEL: &str = "warn";

/// The effective configuration of `serve`.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// `HOST:PORT`; the port is a number (0 picks a free one).
    pub(crate) listen: String,
    /// Which store to open.
    pub(crate) store: StoreLocation,
    /// How log lines look.
    pub(crate) log_format: LogFormat,
    /// A `tracing` env-filter, checked.
    pub(crate) log_level: String,
    /// TLS, limits and quotas (issue 8).
    pub(crate) operations: crate::config::operations::Operations,
    /// The audit chain's key file (`audit_key_file`; docs/audit.md).
    pub(crate) audit_key_file: Option<PathBuf>,
    /// The event stream: NATS and retention (issue 13).
    pub(crate) events: crate::config::events::EventSettings,
    /// Webhook delivery (issue 13).
    pub(crate) push: crate::config::push::PushConfig,
    /// E-mail delivery (issue 13); `None` without a relay.
    pub(crate) email: Option<crate::config::email::EmailConfig>,
}

/// Where the hub keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreLocation {
    /// The embedded SQLite store in this directory.
    Sqlite(PathBuf),
    /// A PostgreSQL database (the URL may hold a password).
    Postgres(String),
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Where a value came from (to point the operator at the right place).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A command-line flag.
    Flag,
    /// An environment variable.
    Env(&'static str),
    /// The configuration file.
    File,
}

/// One invalid value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigError {
    /// The configuration key.
    pub(crate) key: &'static str,
    /// Where the value came from.
    pub(crate) source: Source,
    /// What is wrong with it.
    pub(crate) problem: String,
}

/// Every invalid value of a configuration (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigErrors(pub(crate) Vec<ConfigError>);

impl Config {
    /// Resolves each key by precedence (flags, environment, file, defaults) and checks it.
    pub(crate) fn resolve(
        raw: RawConfig,
        environment: &Environment,
        flags: &ConfigFlags,
    ) -> Result<Config, ConfigErrors> {
        let mut errors = Vec::new();
        if let Some(version) = raw.version
            && version != CURRENT_VERSION
        {
            errors.push(ConfigError {
                key: "version",
                source: Source::File,
                problem: format!(
                    "unsupported version {version}; this stixhub reads version {CURRENT_VERSION}"
                ),
            });
        }
        let listen = pick(flags.listen.clone(), environment, env::LISTEN, raw.listen);
        let listen = match listen {
            Some((value, source)) => match check_listen(&value) {
                Ok(()) => value,
                Err(problem) => {
                    errors.push(ConfigError {
                        key: "listen",
                        source,
                        problem,
                    });
                    value
                }
            },
            None => DEFAULT_LISTEN.to_owned(),
        };
        let store = resolve_store(&raw.data, &raw.database, environment, flags, &mut errors);
        let log_format = match pick(
            flags.log_format.clone(),
            environment,
            env::LOG_FORMAT,
            raw.log_format,
        ) {
            Some((value, source)) => match value.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    errors.push(ConfigError {
                        key: "log_format",
                        source,
                        problem: format!("{other:?} is not a log format; expected \"text\" or \"json\""),
                    });
                    LogFormat::Text
                }
            },
            None => LogFormat::Text,
        };
        let log_level = match pick(flags.log_level.clone(), environment, env::LOG, raw.log_level) {
            Some((value, source)) => {
                if let Err(err) = tracing_subscriber::EnvFilter::try_new(&value) {
                    errors.push(ConfigError {
                        key: "log_level",
                        source,
                        problem: format!("{value:?} is not a log filter: {err}"),
                    });
                }
                value
            }
            None => DEFAULT_LOG_LEVEL.to_owned(),
        };
        let operations = crate::config::operations::resolve(
            raw.tls.as_ref(),
            raw.limits.as_ref(),
            raw.quotas.as_ref(),
            &flags.tls,
            &flags.limits,
            &mut errors,
        );
        let events =
            crate::config::events::resolve(raw.bus.as_ref(), raw.events.as_ref(), environment, &mut errors);
        let push = crate::config::push::resolve(raw.webhooks.as_ref(), environment, &flags.push, &mut errors);
        let email = crate::config::email::resolve(raw.email.as_ref(), environment, &flags.email, &mut errors);
        if errors.is_empty() {
            Ok(Config {
                listen,
                store,
                log_format,
                log_level,
                operations,
                audit_key_file: raw.audit_key_file.map(PathBuf::from),
                events,
                push,
                email,
            })
        } else {
            Err(ConfigErrors(errors))
        }
    }

    /// The store arguments the commands share.
    pub(crate) fn store_args(&self) -> StoreArgs {
        match &self.store {
            StoreLocation::Sqlite(data) => StoreArgs {
                data: data.clone(),
                database: None,
                audit_key_file: self.audit_key_file.clone(),
            },
            StoreLocation::Postgres(url) => StoreArgs {
                data: PathBuf::from(DEFAULT_DATA),
                database: Some(url.clone()),
                audit_key_file: self.audit_key_file.clone(),
            },
        }
    }

    /// The effective configuration as a TOML file (`config check` prints it); a database password is masked.
    pub(crate) fn to_toml(&self) -> String {
        let mut text = format!("version = {CURRENT_VERSION}\nlisten = {}\n", quote(&self.listen));
        match &self.store {
            StoreLocation::Sqlite(data) => {
                text.push_str(&format!("data = {}\n", quote(&data.display().to_string())))
            }
            StoreLocation::Postgres(url) => {
                text.push_str(&format!("database = {}\n", quote(&mask_password(url))));
            }
        }
        let log_format = match self.log_format {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        };
        text.push_str(&format!(
            "log_format = {}\nlog_level = {}\n",
            quote(log_format),
            quote(&self.log_level)
        ));
        if let Some(path) = &self.audit_key_file {
            text.push_str(&format!(
                "audit_key_file = {}\n",
                quote(&path.display().to_string())
            ));
        }
        text.push_str(&crate::config::operations::to_toml(&self.operations));
        text.push_str(&crate::config::events::to_toml(&self.events));
        text.push_str(&crate::config::push::to_toml(&self.push));
        text.push_str(&crate::config::email::to_toml(self.email.as_ref()));
        text
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => write!(f, "command line"),
            Source::Env(name) => write!(f, "environment variable {name}"),
            Source::File => write!(f, "configuration file"),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key `{}` (from {}): {}", self.key, self.source, self.problem)
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (error_idx, error) in self.0.iter().enumerate() {
            if error_idx > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The first of flag, environment variable and file value that is set, with its source.
fn pick(
    flag: Option<String>,
    environment: &Environment,
    variable: &'static str,
    file: Option<String>,
) -> Option<(String, Source)> {
    flag.map(|value| (value, Source::Flag))
        .or_else(|| {
            environment
                .get(variable)
                .map(|value| (value.to_owned(), Source::Env(variable)))
        })
        .or_else(|| file.map(|value| (value, Source::File)))
}

/// `data` and `database` exclude each other at the same level; a higher level's choice wins over a lower one.
fn resolve_store(
    file_data: &Option<String>,
    file_database: &Option<String>,
    environment: &Environment,
    flags: &ConfigFlags,
    errors: &mut Vec<ConfigError>,
) -> StoreLocation {
    let levels = [
        (
            flags.data.as_ref().map(|path| path.display().to_string()),
            flags.database.clone(),
            Source::Flag,
            Source::Flag,
        ),
        (
            environment.get(env::DATA).map(str::to_owned),
            environment.get(env::DATABASE).map(str::to_owned),
            Source::Env(env::DATA),
            Source::Env(env::DATABASE),
        ),
        (
            file_data.clone(),
            file_database.clone(),
            Source::File,
            Source::File,
        ),
    ];
    for (data, database, data_source, database_source) in levels {
        match (data, database) {
            (Some(_), Some(_)) => {
                errors.push(ConfigError {
                    key: "database",
                    source: database_source,
                    problem: "set together with `data`; choose one store".to_owned(),
                });
                return StoreLocation::Sqlite(PathBuf::from(DEFAULT_DATA));
            }
            (Some(data), None) => {
                if data.trim().is_empty() {
                    errors.push(ConfigError {
                        key: "data",
                        source: data_source,
                        problem: "empty path".to_owned(),
                    });
                }
                return StoreLocation::Sqlite(PathBuf::from(data));
            }
            (None, Some(url)) => {
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    errors.push(ConfigError {
                        key: "database",
                        source: database_source,
                        problem: "unsupported URL: expected postgres://USER@HOST:PORT/DB".to_owned(),
                    });
                }
                return StoreLocation::Postgres(url);
            }
            (None, None) => {}
        }
    }
    StoreLocation::Sqlite(PathBuf::from(DEFAULT_DATA))
}

/// `HOST:PORT` with a non-empty host and a numeric port; IPv6 hosts in brackets.
fn check_listen(value: &str) -> Result<(), String> {
    if value.parse::<std::net::SocketAddr>().is_ok() {
        return Ok(());
    }
    let Some((host, port)) = value.rsplit_once(':') else {
        return Err(format!("{value:?} is not HOST:PORT (no port)"));
    };
    if host.is_empty() {
        return Err(format!("{value:?} is not HOST:PORT (no host)"));
    }
    if host.contains(':') && !(host.starts_with('[') && host.ends_with(']')) {
        return Err(format!(
            "{value:?} is not HOST:PORT (write IPv6 addresses in brackets: [::1]:8080)"
        ));
    }
    if port.parse::<u16>().is_err() {
        return Err(format!(
            "{value:?} is not HOST:PORT (port {port:?} is not a number from 0 to 65535)"
        ));
    }
    Ok(())
}

/// A TOML basic string.
fn quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for character in value.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            control if control.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(control))),
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

/// `postgres://user:secret@host/db` as `postgres://user:***@host/db`.
fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests;
