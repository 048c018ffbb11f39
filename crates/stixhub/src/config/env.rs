//! Every environment variable stixhub reads, declared here and nowhere else (design §3 item 14).
//!
//! Environment values override the configuration file and are overridden by command-line flags.

use std::collections::BTreeMap;

/// Overrides `listen`.
pub(crate) const LISTEN: &str = "STIXHUB_LISTEN";
/// Overrides `data`.
pub(crate) const DATA: &str = "STIXHUB_DATA";
/// Overrides `database` (may hold a password: never printed back).
pub(crate) const DATABASE: &str = "STIXHUB_DATABASE";
/// Overrides `log_level` (a `tracing` env-filter).
pub(crate) const LOG: &str = "STIXHUB_LOG";
/// Overrides `log_format`.
pub(crate) const LOG_FORMAT: &str = "STIXHUB_LOG_FORMAT";
/// Overrides `bus.nats`: the NATS server that carries cross-node event wake-ups (issue 13).
pub(crate) const NATS_URL: &str = "STIXHUB_NATS_URL";
/// The password of the `admin` account created on first start (otherwise one is generated and printed).
pub(crate) const ADMIN_PASSWORD: &str = "STIXHUB_ADMIN_PASSWORD";
/// The audit chain's key file, when `--audit-key-file` is not given (docs/audit.md).
pub(crate) const AUDIT_KEY_FILE: &str = "STIXHUB_AUDIT_KEY_FILE";
/// When set, commands print their peak resident set size on stderr (tests and benchmarks).
pub(crate) const REPORT_PEAK_RSS: &str = "STIXHUB_REPORT_PEAK_RSS";

/// Overrides `webhooks.allow_private` (`true`/`false`, `1`/`0`).
pub(crate) const ALLOW_PRIVATE_WEBHOOKS: &str = "STIXHUB_ALLOW_PRIVATE_WEBHOOKS";
/// Overrides `webhooks.retry_schedule`.
pub(crate) const WEBHOOK_RETRY_SCHEDULE: &str = "STIXHUB_WEBHOOK_RETRY_SCHEDULE";
/// Overrides `webhooks.lease_seconds`.
pub(crate) const WEBHOOK_LEASE_SECONDS: &str = "STIXHUB_WEBHOOK_LEASE_SECONDS";

/// Overrides `email.relay` (`HOST:PORT`).
pub(crate) const SMTP_RELAY: &str = "STIXHUB_SMTP_RELAY";
/// The SMTP AUTH password (instead of `email.password_file`; never printed back).
pub(crate) const SMTP_PASSWORD: &str = "STIXHUB_SMTP_PASSWORD";

/// The variables that override configuration keys, with their keys.
pub(crate) const OVERRIDES: [(&str, &str); 11] = [
    (LISTEN, "listen"),
    (NATS_URL, "bus.nats"),
    (DATA, "data"),
    (DATABASE, "database"),
    (LOG, "log_level"),
    (LOG_FORMAT, "log_format"),
    (ALLOW_PRIVATE_WEBHOOKS, "webhooks.allow_private"),
    (WEBHOOK_RETRY_SCHEDULE, "webhooks.retry_schedule"),
    (WEBHOOK_LEASE_SECONDS, "webhooks.lease_seconds"),
    (SMTP_RELAY, "email.relay"),
    (SMTP_PASSWORD, "email.password_file"),
];

/// A snapshot of the overriding variables; tests build one by hand instead of touching the process.
#[derive(Debug, Default, Clone)]
pub(crate) struct Environment {
    values: BTreeMap<&'static str, String>,
}

impl Environment {
    /// The overriding variables of this process (set and valid Unicode; empty counts as unset).
    pub(crate) fn from_process() -> Environment {
        let mut environment = Environment::default();
        for (name, _) in OVERRIDES {
            if let Ok(value) = std::env::var(name) {
                environment = environment.with(name, &value);
            }
        }
        environment
    }

    /// This environment with `name` set to `value` (empty values count as unset).
    pub(crate) fn with(mut self, name: &'static str, value: &str) -> Environment {
        if !value.is_empty() {
            self.values.insert(name, value.to_owned());
        }
        self
    }

    /// The value of `name`, if set.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}
