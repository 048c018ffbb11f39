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
}
