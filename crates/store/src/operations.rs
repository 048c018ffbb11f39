//! Types for running a store in production (issue 8): per-organisation usage, for storage quotas, and gauges,
//! for metrics.

/// What one organisation's accounts have stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Object versions.
    pub objects: u64,
    /// Their bytes, as submitted.
    pub bytes: u64,
}

/// One instantaneous value of a backend (a queue depth, a pool size), exported as a Prometheus gauge.
#[derive(Debug, Clone, PartialEq)]
pub struct Gauge {
    /// Metric name, `stixhub_store_` prefixed, `snake_case`.
    pub name: &'static str,
    /// One-line help text.
    pub help: &'static str,
    /// The value now.
    pub value: f64,
}
