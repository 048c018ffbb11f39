//! Phase one: the configuration file as written. Unknown keys are errors (with their line and column), and
//! nothing is interpreted yet; `validated` does that.

use serde::Deserialize;

/// The only configuration format version so far.
pub(crate) const CURRENT_VERSION: u32 = 1;

/// The TOML file, key for key. Every key is optional: a missing key falls back to the default.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    /// Format version; only 1 exists.
    pub(crate) version: Option<u32>,
    /// `HOST:PORT` to listen on.
    pub(crate) listen: Option<String>,
    /// Directory of the embedded SQLite store.
    pub(crate) data: Option<String>,
    /// PostgreSQL URL.
    pub(crate) database: Option<String>,
    /// `text` or `json`.
    pub(crate) log_format: Option<String>,
    /// A `tracing` env-filter.
    pub(crate) log_level: Option<String>,
    /// `[tls]`: serve HTTPS.
    pub(crate) tls: Option<RawTls>,
    /// `[limits]`: connections, requests in flight, per-account rates.
    pub(crate) limits: Option<RawLimits>,
    /// `[quotas]`: storage per organisation.
    pub(crate) quotas: Option<RawQuotas>,
    /// The audit chain's key file (every PostgreSQL node the same).
    pub(crate) audit_key_file: Option<String>,
    /// `[bus]`: cross-node event wake-ups (issue 13).
    pub(crate) bus: Option<RawBus>,
    /// `[events]`: the event log's retention (issue 13).
    pub(crate) events: Option<RawEvents>,
    /// `[webhooks]`: push delivery (issue 13).
    pub(crate) webhooks: Option<crate::config::push::RawWebhooks>,
    /// `[email]`: mail delivery through an SMTP relay (issue 13).
    pub(crate) email: Option<crate::config::email::RawEmail>,
}

/// `[bus]`: the NATS server carrying "new events" wake-ups between nodes.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBus {
    /// `nats://host:port`.
    pub(crate) nats: Option<String>,
}

/// `[events]`: how long the event log keeps events.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEvents {
    /// Events older than this many days are removed.
    pub(crate) retention_days: Option<u64>,
    /// At most this many of the newest events are kept.
    pub(crate) retention_count: Option<u64>,
    /// How often each node reads the log when nothing woke it (the fallback while the bus is down).
    pub(crate) poll_ms: Option<u64>,
}

/// `[tls]`, as `serve --tls-*`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTls {
    /// PEM certificate chain, leaf first.
    pub(crate) cert: Option<String>,
    /// PEM private key.
    pub(crate) key: Option<String>,
    /// PEM CA certificates that client certificates are verified against.
    pub(crate) client_ca: Option<String>,
    /// `optional` or `required`.
    pub(crate) client_auth: Option<String>,
}

/// `[limits]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLimits {
    /// Open connections at most.
    pub(crate) max_connections: Option<u64>,
    /// Requests processed at once at most.
    pub(crate) max_in_flight: Option<u64>,
    /// Requests waiting for admission at most.
    pub(crate) max_waiting: Option<u64>,
    /// How long a request may wait for admission, in milliseconds.
    pub(crate) admission_timeout_ms: Option<u64>,
    /// Requests per second per account (token bucket rate).
    pub(crate) account_rate: Option<f64>,
    /// Token bucket size per account.
    pub(crate) account_burst: Option<u64>,
    /// Bytes of objects one TAXII page carries at most (at least one object).
    pub(crate) max_page_bytes: Option<u64>,
}

/// `[quotas]`: the default quota of every organisation, and `[quotas.organisations.NAME]` overrides.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuotas {
    /// Object versions per organisation.
    pub(crate) max_objects: Option<u64>,
    /// Bytes per organisation.
    pub(crate) max_bytes: Option<u64>,
    /// Seconds a usage count is cached.
    pub(crate) refresh_seconds: Option<u64>,
    /// Per-organisation quotas.
    pub(crate) organisations: Option<std::collections::BTreeMap<String, RawQuota>>,
}

/// One organisation's quota.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuota {
    /// Object versions.
    pub(crate) max_objects: Option<u64>,
    /// Bytes.
    pub(crate) max_bytes: Option<u64>,
}

impl RawConfig {
    /// Parses the file's text; the error names the key, the problem, and the line and column.
    pub(crate) fn parse(text: &str) -> Result<RawConfig, RawConfigError> {
        toml::from_str(text).map_err(|err| {
            let position = err.span().map(|span| line_and_column(text, span.start));
            RawConfigError {
                message: err.message().trim_end().to_owned(),
                position,
            }
        })
    }
}

/// Why the file could not be read as a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawConfigError {
    /// What is wrong (from the TOML reader; names the key).
    pub(crate) message: String,
    /// 1-based line and column, when known.
    pub(crate) position: Option<(usize, usize)>,
}

impl std::fmt::Display for RawConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "line {line}, column {column}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for RawConfigError {}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |idx| idx + 1);
    let column = before.get(line_start..).map_or(0, |rest| rest.chars().count()) + 1;
    (line, column)
}
