//! Webhook endpoints as the store keeps them (issue 13): owned by accounts, with their signing secrets,
//! filters, enabled state, delivery position, per-event delivery state (retries and dead letters) and the
//! lease that makes one node at a time deliver an endpoint's events.
//!
//! Invariants a backend keeps:
//! - A lease is taken by compare-and-swap: `acquire_webhook_lease` succeeds only when the endpoint is
//!   unleased, its lease has expired, or the caller already holds it; taking it from another holder (or after
//!   expiry) gives a new, larger generation. `record_webhook_progress` is fenced by that generation: a node
//!   whose lease was taken over gets `Conflict` and writes nothing, so two nodes never both move one
//!   endpoint's position.
//! - `record_webhook_progress` applies the position, the delivery rows and the counters in one transaction;
//!   the position never moves backwards.

use crate::model::CollectionId;

/// One signing secret of an endpoint (`whsec_…`); an old one is kept until `expires_micros` during rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSecret {
    /// The `whsec_…` text.
    pub secret: String,
    /// When it stops being used (µs since the epoch); `None` for the current secret.
    pub expires_micros: Option<i64>,
}

/// A webhook endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Its id (UUIDv4).
    pub id: String,
    /// The owning account: events are released to the endpoint as to this account.
    pub account: String,
    /// The destination: an http(s) URL (a webhook), or a `mailto:` URI (an e-mail destination; the hub reads
    /// it, the store keeps it as text).
    pub url: String,
    /// Signing secrets, current first.
    pub secrets: Vec<WebhookSecret>,
    /// Only events of these collections (empty: any the account may read).
    pub collections: Vec<CollectionId>,
    /// Only objects of these STIX types (empty: any).
    pub types: Vec<String>,
    /// False once disabled (by a `410 Gone` or an operator).
    pub enabled: bool,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// The last event position handed to delivery (delivered, or recorded as a pending delivery).
    pub position: u64,
    /// When created, µs since the epoch.
    pub created_micros: i64,
    /// Events delivered (2xx), over its life.
    pub delivered: u64,
    /// Failed attempts, over its life.
    pub failed_attempts: u64,
    /// Deliveries waiting for a retry now.
    pub pending: u64,
    /// Dead letters now.
    pub dead: u64,
}

/// A delivery that did not succeed at its first attempt: waiting for a retry, or a dead letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// The endpoint.
    pub endpoint: String,
    /// The event's position.
    pub seq: u64,
    /// Attempts made.
    pub attempts: u32,
    /// When to try again (µs since the epoch); meaningless for a dead letter.
    pub next_attempt_micros: i64,
    /// What the last attempt got (status or error), for people.
    pub last_error: String,
    /// True once the retry schedule is spent.
    pub dead: bool,
}

/// What one delivery round changed for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryUpdate {
    /// Keep (insert or replace) this delivery row.
    Keep(WebhookDelivery),
    /// The event was delivered (or is no longer deliverable): forget its row, if any.
    Forget(u64),
}

/// One delivery round's outcome, applied under the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookProgress {
    /// The endpoint.
    pub endpoint: String,
    /// The lease generation the caller holds.
    pub generation: u64,
    /// The new position (ignored when lower than the stored one).
    pub position: u64,
    /// Delivery rows to keep or forget.
    pub updates: Vec<DeliveryUpdate>,
    /// Events delivered in this round.
    pub delivered: u64,
    /// Failed attempts in this round.
    pub failed_attempts: u64,
    /// Disable the endpoint with this reason (a `410 Gone`).
    pub disable: Option<String>,
}

impl WebhookSecret {
    /// The text form both backends keep: one secret per line, `secret` or `secret expires_micros`. (Secrets
    /// are base64 and hold neither spaces nor newlines.)
    pub fn encode_all(secrets: &[WebhookSecret]) -> String {
        secrets
            .iter()
            .map(|s| match s.expires_micros {
                Some(expires) => format!("{} {expires}", s.secret),
                None => s.secret.clone(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Reads `encode_all`'s output back.
    pub fn decode_all(text: &str) -> Vec<WebhookSecret> {
        text.lines()
            .filter(|line| !line.is_empty())
            .map(|line| match line.split_once(' ') {
                Some((secret, expires)) => WebhookSecret {
                    secret: secret.to_owned(),
                    expires_micros: expires.parse().ok(),
                },
                None => WebhookSecret {
                    secret: line.to_owned(),
                    expires_micros: None,
                },
            })
            .collect()
    }
}
