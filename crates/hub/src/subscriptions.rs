//! Subscriptions: saved event filters owned by accounts, and this node's delivery counters per subscription.
//!
//! Rules: an account manages its own subscriptions; a hub admin manages anyone's. A filter is checked in full
//! before anything is stored (`events::Filter::validate`, then every named collection must be one the owner
//! may read *now*: an unknown and an unreadable collection get the same answer). Delivery re-checks
//! everything per event at delivery time (`events`), so a right lost later hides events at once.

use std::collections::HashMap;
use std::sync::Mutex;

use events::Filter;
use store::SubscriptionRecord;

use crate::{Caller, Hub, HubError, HubResult};

/// A subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Its id (UUIDv4).
    pub id: String,
    /// The owning account.
    pub account: String,
    /// A name for people.
    pub name: String,
    /// What it selects.
    pub filter: Filter,
    /// When created, µs since the epoch.
    pub created_micros: i64,
}

/// Delivery counters of one subscription (or of one account's ad-hoc streams) on this node since start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionStats {
    /// The subscription id, or `adhoc:ACCOUNT` for streams without a subscription.
    pub key: String,
    /// The owning account.
    pub account: String,
    /// Streams open now.
    pub streams: u64,
    /// The newest position delivered (or passed over) by any of its streams.
    pub delivered_seq: u64,
    /// Events delivered.
    pub deliveries: u64,
    /// Deliveries that failed (the stream broke while sending).
    pub failures: u64,
}

/// The counters, by key.
#[derive(Debug, Default)]
pub(crate) struct StatsTable {
    entries: Mutex<HashMap<String, SubscriptionStats>>,
}

impl StatsTable {
    fn update(&self, key: &str, account: &str, change: impl FnOnce(&mut SubscriptionStats)) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let stats = entries
            .entry(key.to_owned())
            .or_insert_with(|| SubscriptionStats {
                key: key.to_owned(),
                account: account.to_owned(),
                ..SubscriptionStats::default()
            });
        change(stats);
    }
}

fn to_subscription(record: SubscriptionRecord) -> HubResult<Subscription> {
    let filter = Filter::from_json(&record.filter)
        .map_err(|err| HubError::Internal(format!("stored subscription {}: {err}", record.id)))?;
    Ok(Subscription {
        id: record.id,
        account: record.account,
        name: record.name,
        filter,
        created_micros: record.created_micros,
    })
}

impl Hub {
    /// Checks `filter` for `owner`: a `BadRequest` naming the field, or unknown/unreadable collections.
    pub async fn check_event_filter(&self, owner: &Caller, filter: &Filter) -> HubResult<()> {
        filter
            .validate()
            .map_err(|err| HubError::BadRequest(err.to_string()))?;
        for (idx, id) in filter.collections.iter().enumerate() {
            let readable = match self.store.find_collection(id).await? {
                Some(collection) if collection.id.as_str() == id => {
                    self.access(owner, &collection).await?.can_read
                }
                _ => false,
            };
            if !readable {
                return Err(HubError::BadRequest(format!(
                    "collections[{idx}]: no readable collection {id:?}"
                )));
            }
        }
        Ok(())
    }

    /// Creates a subscription for `account` (the actor's own, or anyone's for a hub admin).
    pub async fn create_subscription(
        &self,
        actor: &Caller,
        account: &str,
        name: &str,
        filter: Filter,
    ) -> HubResult<Subscription> {
        let owner = self.subscription_owner(actor, account).await?;
        if name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(HubError::BadRequest(
                "name: at most 200 characters, no control characters".to_owned(),
            ));
        }
        let mut filter = filter;
        for entry in &mut filter.collections {
            // An alias names the collection by its id from here on.
            if let Some(collection) = self.store.find_collection(entry).await? {
                *entry = collection.id.as_str().to_owned();
            }
        }
        self.check_event_filter(&owner, &filter).await?;
        let filter_json = serde_json::to_string(&filter)
            .map_err(|err| HubError::Internal(format!("filter not serialisable: {err}")))?;
        let record = SubscriptionRecord {
            id: uuid::Uuid::new_v4().to_string(),
            account: owner.account.clone(),
            name: name.to_owned(),
            filter: filter_json,
            created_micros: crate::now_micros(),
        };
        self.store.create_subscription(record.clone()).await?;
        let details = serde_json::json!({"subscription": record.id, "account": record.account});
        self.audit(&actor.account, "subscription.create", 0, details)
            .await?;
        to_subscription(record)
    }

    /// The owner as a caller: the actor itself, or (hub admins only) another existing account.
    async fn subscription_owner(&self, actor: &Caller, account: &str) -> HubResult<Caller> {
        if actor.account == account {
            return Ok(actor.clone());
        }
        if !actor.is_admin {
            return Err(HubError::Forbidden);
        }
        self.account_caller(account).await
    }

    /// The subscriptions of `account` (`None`: the actor's own; hub admins may name anyone, or `"*"` for all).
    pub async fn subscriptions(&self, actor: &Caller, account: Option<&str>) -> HubResult<Vec<Subscription>> {
        let wanted = match account {
            None => Some(actor.account.clone()),
            Some(name) if name == actor.account => Some(name.to_owned()),
            Some(_) if !actor.is_admin => return Err(HubError::Forbidden),
            Some("*") => None,
            Some(name) => Some(name.to_owned()),
        };
        self.store
            .subscriptions(wanted)
            .await?
            .into_iter()
            .map(to_subscription)
            .collect()
    }

    /// One subscription the actor owns (hub admins: any). Others' and unknown ids are both `NotFound`.
    pub async fn subscription(&self, actor: &Caller, id: &str) -> HubResult<Subscription> {
        let owner = if actor.is_admin {
            None
        } else {
            Some(actor.account.clone())
        };
        self.store
            .subscriptions(owner)
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .map(to_subscription)
            .ok_or(HubError::NotFound)?
    }

    /// Removes a subscription the actor owns (hub admins: any).
    pub async fn delete_subscription(&self, actor: &Caller, id: &str) -> HubResult<()> {
        let subscription = self.subscription(actor, id).await?;
        if !self.store.delete_subscription(&subscription.id).await? {
            return Err(HubError::NotFound);
        }
        self.delete_subscription_emails(&subscription.account, &subscription.id)
            .await?;
        let details = serde_json::json!({"subscription": subscription.id, "account": subscription.account});
        self.audit(&actor.account, "subscription.delete", 0, details)
            .await
    }

    /// A stream opened (`opened`) or closed for `key` (a subscription id or `adhoc:ACCOUNT`).
    pub fn record_stream(&self, key: &str, account: &str, opened: bool) {
        self.subscription_stats.update(key, account, |stats| {
            if opened {
                stats.streams += 1;
            } else {
                stats.streams = stats.streams.saturating_sub(1);
            }
        });
    }

    /// A stream of `key` delivered `delivered` events and has passed position `seq`.
    pub fn record_delivery(&self, key: &str, account: &str, seq: u64, delivered: u64) {
        self.subscription_stats.update(key, account, |stats| {
            stats.delivered_seq = stats.delivered_seq.max(seq);
            stats.deliveries += delivered;
        });
    }

    /// A stream of `key` failed to deliver (the client went away mid-send).
    pub fn record_delivery_failure(&self, key: &str, account: &str) {
        self.subscription_stats
            .update(key, account, |stats| stats.failures += 1);
    }

    /// The delivery counters of this node, by key (admins; the metrics render aggregates only).
    pub fn subscription_stats(&self) -> Vec<SubscriptionStats> {
        let entries = self
            .subscription_stats
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut stats: Vec<SubscriptionStats> = entries.values().cloned().collect();
        stats.sort_by(|a, b| a.key.cmp(&b.key));
        stats
    }
}
