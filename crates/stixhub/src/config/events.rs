//! The event stream's keys (issue 13): `[bus] nats` (or `STIXHUB_NATS_URL`) and `[events] retention_days`,
//! `retention_count`, `poll_ms`.

use std::fmt::Write as _;
use std::time::Duration;

use crate::config::env::{self, Environment};
use crate::config::raw::{RawBus, RawEvents};
use crate::config::validated::{ConfigError, Source};

/// The resolved event settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct EventSettings {
    /// The NATS server for cross-node wake-ups; none: this node polls the log (and wakes itself).
    pub(crate) nats: Option<String>,
    /// Retention and the in-memory tail.
    pub(crate) hub: hub::EventsConfig,
}

/// Resolves `[bus]` and `[events]` (the environment overrides `bus.nats`).
pub(crate) fn resolve(
    bus: Option<&RawBus>,
    events: Option<&RawEvents>,
    environment: &Environment,
    errors: &mut Vec<ConfigError>,
) -> EventSettings {
    let mut settings = EventSettings::default();
    let nats = environment
        .get(env::NATS_URL)
        .map(|url| (url.to_owned(), Source::Env(env::NATS_URL)))
        .or_else(|| bus.and_then(|b| b.nats.clone()).map(|url| (url, Source::File)));
    if let Some((url, source)) = nats {
        if url.starts_with("nats://") || url.starts_with("tls://") {
            settings.nats = Some(url);
        } else {
            errors.push(ConfigError {
                key: "bus.nats",
                source,
                problem: format!("{url:?} is not a NATS URL (nats://HOST:PORT)"),
            });
        }
    }
    if let Some(events) = events {
        match events.retention_days {
            Some(0) => errors.push(ConfigError {
                key: "events.retention_days",
                source: Source::File,
                problem: "must be at least 1".to_owned(),
            }),
            Some(days) => settings.hub.retention_age = Duration::from_secs(days.saturating_mul(86_400)),
            None => {}
        }
        match events.retention_count {
            Some(0) => errors.push(ConfigError {
                key: "events.retention_count",
                source: Source::File,
                problem: "must be at least 1".to_owned(),
            }),
            Some(count) => settings.hub.retention_count = count,
            None => {}
        }
        match events.poll_ms {
            Some(ms) if !(10..=60_000).contains(&ms) => errors.push(ConfigError {
                key: "events.poll_ms",
                source: Source::File,
                problem: "must be 10 to 60000 (milliseconds)".to_owned(),
            }),
            Some(ms) => settings.hub.poll_interval = Duration::from_millis(ms),
            None => {}
        }
    }
    settings
}

/// The keys as TOML (for `config check`), only those not at their defaults.
pub(crate) fn to_toml(settings: &EventSettings) -> String {
    let mut text = String::new();
    if let Some(url) = &settings.nats {
        let _ = writeln!(text, "\n[bus]\nnats = {url:?}");
    }
    let defaults = hub::EventsConfig::default();
    if settings.hub.retention_age != defaults.retention_age
        || settings.hub.retention_count != defaults.retention_count
    {
        let _ = writeln!(
            text,
            "\n[events]\nretention_days = {}\nretention_count = {}",
            settings.hub.retention_age.as_secs() / 86_400,
            settings.hub.retention_count
        );
    }
    if settings.hub.poll_interval != defaults.poll_interval {
        let ms = settings.hub.poll_interval.as_millis();
        if text.contains("\n[events]\n") {
            let _ = writeln!(text, "poll_ms = {ms}");
        } else {
            let _ = writeln!(text, "\n[events]\npoll_ms = {ms}");
        }
    }
    text
}
