//! Readiness (whether the hub can serve, which is whether its store answers) and counts for metrics.

use crate::{Hub, HubResult};

impl Hub {
    /// Ok when the store answers a cheap read (listing the API roots); the store's error otherwise.
    pub async fn check_ready(&self) -> HubResult<()> {
        self.store.api_roots().await?;
        Ok(())
    }

    /// How many requests were answered `NotFound` because the caller has no right on an existing collection
    /// (the policy hides it); counted since start.
    pub fn policy_denials(&self) -> u64 {
        self.policy_denials.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Latency and failures per store operation, since start (issue 8).
    pub fn store_operation_stats(&self) -> Vec<crate::StoreOperationStats> {
        self.store_timings.snapshot()
    }

    /// The store's queue depths and pool sizes now, as (name, help, value) (issue 8).
    pub fn store_gauges(&self) -> Vec<(&'static str, &'static str, f64)> {
        self.store
            .gauges()
            .into_iter()
            .map(|gauge| (gauge.name, gauge.help, gauge.value))
            .collect()
    }
}
