//! Per-organisation storage quotas (issue 8): object versions and bytes stored by an organisation's accounts.
//!
//! How it counts: the store's count (`Store::organisation_usage`, a full count) is cached per organisation and
//! refreshed when older than `QuotaConfig::refresh`; between refreshes, what this process stored is added to
//! the cached figure. So several nodes on one PostgreSQL database each see the others' writes within one
//! refresh period, and a quota is a soft limit: concurrent posts near it may overshoot it by what they carry.
//! A POST that would take the organisation over its quota is refused whole (`HubError::QuotaExceeded`) before
//! anything is stored. Accounts without an organisation have no quota.
//!
//! Invariant: no lock is held across an `.await` (the store is asked with the cache unlocked).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use store::Usage;

use crate::{Hub, HubError, HubResult};

/// The limits of one organisation; `None` means unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quota {
    /// The most object versions its accounts may have stored.
    pub max_objects: Option<u64>,
    /// The most bytes (objects as posted) its accounts may have stored.
    pub max_bytes: Option<u64>,
}

/// The quotas of every organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaConfig {
    /// The quota of organisations not named in `per_organisation`.
    pub default: Quota,
    /// Quotas of named organisations, replacing the default for them.
    pub per_organisation: BTreeMap<String, Quota>,
    /// How old a cached usage count may get before the store is asked again.
    pub refresh: Duration,
}

impl Default for QuotaConfig {
    fn default() -> QuotaConfig {
        QuotaConfig {
            default: Quota::default(),
            per_organisation: BTreeMap::new(),
            refresh: Duration::from_secs(30),
        }
    }
}

impl QuotaConfig {
    fn quota_of(&self, organisation: &str) -> Quota {
        self.per_organisation
            .get(organisation)
            .copied()
            .unwrap_or(self.default)
    }
}

/// Cached usage per organisation.
#[derive(Debug, Default)]
pub(crate) struct UsageCache {
    entries: Mutex<BTreeMap<String, (Usage, Instant)>>,
}

impl UsageCache {
    fn fresh(&self, organisation: &str, refresh: Duration) -> Option<Usage> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(organisation)
            .filter(|(_, counted)| counted.elapsed() < refresh)
            .map(|(usage, _)| *usage)
    }

    fn store(&self, organisation: &str, usage: Usage) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.insert(organisation.to_owned(), (usage, Instant::now()));
    }

    fn add(&self, organisation: &str, n_objects: u64, n_bytes: u64) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((usage, _)) = entries.get_mut(organisation) {
            usage.objects = usage.objects.saturating_add(n_objects);
            usage.bytes = usage.bytes.saturating_add(n_bytes);
        }
    }
}

impl Hub {
    /// `QuotaExceeded` when storing `n_objects` objects of `n_bytes` bytes would take `organisation` over its
    /// quota.
    pub(crate) async fn check_quota(
        &self,
        organisation: &str,
        n_objects: u64,
        n_bytes: u64,
    ) -> HubResult<()> {
        let quota = self.config.quotas.quota_of(organisation);
        if quota == Quota::default() {
            return Ok(());
        }
        let usage = match self.usage.fresh(organisation, self.config.quotas.refresh) {
            Some(usage) => usage,
            None => {
                let usage = self.store.organisation_usage(organisation).await?;
                self.usage.store(organisation, usage);
                usage
            }
        };
        if let Some(max_objects) = quota.max_objects
            && usage.objects.saturating_add(n_objects) > max_objects
        {
            return Err(HubError::QuotaExceeded(format!(
                "organisation {organisation} stores {} of its {max_objects} objects; this request adds {n_objects}",
                usage.objects
            )));
        }
        if let Some(max_bytes) = quota.max_bytes
            && usage.bytes.saturating_add(n_bytes) > max_bytes
        {
            return Err(HubError::QuotaExceeded(format!(
                "organisation {organisation} stores {} of its {max_bytes} bytes; this request adds {n_bytes}",
                usage.bytes
            )));
        }
        Ok(())
    }

    /// Counts what a committed POST stored against the organisation's cached usage.
    pub(crate) fn count_stored(&self, organisation: &str, n_objects: u64, n_bytes: u64) {
        self.usage.add(organisation, n_objects, n_bytes);
    }
}
