//! Readiness: whether the hub can serve, which is whether its store answers.

use crate::{Hub, HubResult};

impl Hub {
    /// Ok when the store answers a cheap read (listing the API roots); the store's error otherwise.
    pub async fn check_ready(&self) -> HubResult<()> {
        self.store.api_roots().await?;
        Ok(())
    }
}
