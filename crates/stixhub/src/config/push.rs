//! The webhook keys of the configuration (issue 13): `[webhooks]` in the file, `STIXHUB_*` variables and the
//! `serve` flags that override them. Precedence as for every key: flags, environment, file, defaults.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Deserialize;
use webhook::RetrySchedule;

use crate::config::env::{self, Environment};
use crate::config::validated::{ConfigError, Source};

/// `[webhooks]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWebhooks {
    /// Let webhooks target loopback and private addresses.
    pub(crate) allow_private: Option<bool>,
    /// Delays before each attempt, e.g. `"0s,5s,5m,30m,2h,5h,10h,10h"`.
    pub(crate) retry_schedule: Option<String>,
    /// Seconds one attempt may take.
    pub(crate) timeout_seconds: Option<u64>,
    /// Seconds a node holds an endpoint's delivery lease without renewing.
    pub(crate) lease_seconds: Option<u64>,
}

/// Webhook flags of `stixhub serve`.
#[derive(Debug, Default, Clone, clap::Args)]
pub(crate) struct PushFlags {
    /// Let webhooks target loopback, private, link-local and CGNAT addresses (refused otherwise).
    #[arg(long)]
    pub(crate) allow_private_webhooks: bool,
    /// Delays before each webhook attempt, comma-separated (units ms, s, m, h)
    /// [default: 0s,5s,5m,30m,2h,5h,10h,10h].
    #[arg(long, value_name = "DELAYS")]
    pub(crate) webhook_retry_schedule: Option<String>,
}

/// The webhook settings, resolved.
#[derive(Debug, Clone)]
pub(crate) struct PushConfig {
    /// Loopback and private targets allowed.
    pub(crate) allow_private: bool,
    /// When failed deliveries are retried.
    pub(crate) schedule: RetrySchedule,
    /// The longest one attempt may take.
    pub(crate) timeout: Duration,
    /// How long a node holds an endpoint without renewing (another node takes over after it).
    pub(crate) lease: Duration,
}

fn number(
    value: Option<(String, Source)>,
    key: &'static str,
    default: u64,
    errors: &mut Vec<ConfigError>,
) -> u64 {
    match value {
        Some((text, source)) => match text.parse::<u64>() {
            Ok(n) if n > 0 => n,
            _ => {
                errors.push(ConfigError {
                    key,
                    source,
                    problem: format!("{text:?} is not a whole number of seconds above 0"),
                });
                default
            }
        },
        None => default,
    }
}

/// Resolves `[webhooks]` with its variables and flags.
pub(crate) fn resolve(
    raw: Option<&RawWebhooks>,
    environment: &Environment,
    flags: &PushFlags,
    errors: &mut Vec<ConfigError>,
) -> PushConfig {
    let raw = raw.cloned().unwrap_or_default();
    let allow_private = if flags.allow_private_webhooks {
        true
    } else if let Some(text) = environment.get(env::ALLOW_PRIVATE_WEBHOOKS) {
        match text {
            "1" | "true" => true,
            "0" | "false" => false,
            other => {
                errors.push(ConfigError {
                    key: "webhooks.allow_private",
                    source: Source::Env(env::ALLOW_PRIVATE_WEBHOOKS),
                    problem: format!("{other:?} is not true, false, 1 or 0"),
                });
                false
            }
        }
    } else {
        raw.allow_private.unwrap_or(false)
    };
    let schedule_text = flags
        .webhook_retry_schedule
        .clone()
        .map(|v| (v, Source::Flag))
        .or_else(|| {
            environment
                .get(env::WEBHOOK_RETRY_SCHEDULE)
                .map(|v| (v.to_owned(), Source::Env(env::WEBHOOK_RETRY_SCHEDULE)))
        })
        .or_else(|| raw.retry_schedule.map(|v| (v, Source::File)));
    let schedule = match schedule_text {
        Some((text, source)) => RetrySchedule::parse(&text).unwrap_or_else(|problem| {
            errors.push(ConfigError {
                key: "webhooks.retry_schedule",
                source,
                problem,
            });
            RetrySchedule::default()
        }),
        None => RetrySchedule::default(),
    };
    let timeout = number(
        raw.timeout_seconds.map(|n| (n.to_string(), Source::File)),
        "webhooks.timeout_seconds",
        15,
        errors,
    );
    let lease_value = environment
        .get(env::WEBHOOK_LEASE_SECONDS)
        .map(|v| (v.to_owned(), Source::Env(env::WEBHOOK_LEASE_SECONDS)))
        .or_else(|| raw.lease_seconds.map(|n| (n.to_string(), Source::File)));
    let lease = number(lease_value, "webhooks.lease_seconds", 60, errors);
    PushConfig {
        allow_private,
        schedule,
        timeout: Duration::from_secs(timeout),
        lease: Duration::from_secs(lease),
    }
}

/// `[webhooks]` as `config check` prints it (nothing when every value is the default).
pub(crate) fn to_toml(push: &PushConfig) -> String {
    let defaults = push.schedule == RetrySchedule::default()
        && !push.allow_private
        && push.timeout == Duration::from_secs(15)
        && push.lease == Duration::from_secs(60);
    if defaults {
        // Like the other sections: only what differs from the defaults.
        return String::new();
    }
    let delays: Vec<String> = push
        .schedule
        .delays()
        .iter()
        .map(|d| format!("{}ms", d.as_millis()))
        .collect();
    let mut text = String::from("\n[webhooks]\n");
    let _ = writeln!(text, "allow_private = {}", push.allow_private);
    let _ = writeln!(text, "retry_schedule = \"{}\"", delays.join(","));
    let _ = writeln!(text, "timeout_seconds = {}", push.timeout.as_secs());
    let _ = writeln!(text, "lease_seconds = {}", push.lease.as_secs());
    text
}
