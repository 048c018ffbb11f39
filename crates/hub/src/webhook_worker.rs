//! Webhook delivery: each node runs `Hub::run_webhook_deliveries`, which delivers every enabled endpoint
//! whose lease it holds. Ingest never waits on it: it follows the event log.
//!
//! Guarantees (docs/events.md, "Webhooks"):
//! - **One sender per endpoint.** A node delivers an endpoint only under its lease (`Store::acquire_webhook_lease`,
//!   a compare-and-swap with an expiry), and records each outcome fenced by the lease generation: a node that
//!   lost its lease (stalled, partitioned) cannot move the endpoint's position or rows.
//! - **At least once, deduplicable.** An event is recorded as handed over only after its attempt; a node that
//!   dies between a receiver's 2xx and that record leaves the event to the next holder, which sends it again
//!   with the same `webhook-id` (the event's position). So every event reaches every matching receiver, and a
//!   receiver that drops repeated `webhook-id`s sees each event once.
//! - **Gated at delivery time.** Every attempt, first or retry, takes the event through `Hub::read_events` for
//!   the owning account as it is now; an event the owner may no longer read is dropped, not sent.
//! - **Failures do not block.** A failed event goes to the endpoint's retry rows (schedule in `webhook::schedule`)
//!   and later events go on; `410` disables the endpoint (position kept, so enabling resumes there); `429` or
//!   `503` with `Retry-After` waits as asked; a spent schedule makes a dead letter, replayable.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use events::Filter;
use store::{DeliveryUpdate, WebhookDelivery, WebhookEndpoint, WebhookProgress};
use webhook::{Outcome, RetrySchedule, Secret};

use crate::event_read::{DeliveredEvent, EventReader};
use crate::webhooks::{WebhookSender, live_secrets};
use crate::{Hub, HubError, HubResult, now_micros};

/// How a node delivers webhooks.
#[derive(Debug, Clone)]
pub struct WebhookDeliveryConfig {
    /// When failed deliveries are tried again (the Standard Webhooks schedule by default).
    pub schedule: RetrySchedule,
    /// How long a node holds an endpoint without renewing; another node takes over after it (keep it well
    /// above the sender's timeout).
    pub lease: Duration,
    /// How often endpoints are checked for due retries and unclaimed work when no event arrives.
    pub poll_interval: Duration,
    /// Events read per round.
    pub batch: usize,
    /// Endpoints delivered at once by this node.
    pub max_parallel: usize,
    /// This node's name in leases (unique per process).
    pub node: String,
}

impl Default for WebhookDeliveryConfig {
    fn default() -> WebhookDeliveryConfig {
        WebhookDeliveryConfig {
            schedule: RetrySchedule::default(),
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            batch: 100,
            max_parallel: 64,
            node: uuid::Uuid::new_v4().to_string(),
        }
    }
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// The `webhook-id` of an event: its position (a `resync` signal gets its own namespace, since it reuses the
/// position of the event it stands for).
fn message_id(event: &DeliveredEvent) -> String {
    if event.kind == "resync" {
        format!("resync-{}", event.seq)
    } else {
        event.seq.to_string()
    }
}

/// One endpoint's delivery under one lease.
struct Round<'a> {
    hub: &'a Hub,
    sender: &'a dyn WebhookSender,
    config: &'a WebhookDeliveryConfig,
    endpoint: WebhookEndpoint,
    generation: u64,
    lease_until: i64,
}

impl Round<'_> {
    /// Renews the lease when half of it is gone; false when it was lost.
    async fn keep_lease(&mut self) -> HubResult<bool> {
        let now = now_micros();
        let lease = micros(self.config.lease);
        if self.lease_until - now > lease / 2 {
            return Ok(true);
        }
        let renewed = self
            .hub
            .store
            .acquire_webhook_lease(&self.endpoint.id, &self.config.node, now, now + lease)
            .await?;
        self.lease_until = now + lease;
        Ok(renewed == Some(self.generation))
    }

    async fn record(
        &self,
        position: u64,
        updates: Vec<DeliveryUpdate>,
        delivered: u64,
        failed: u64,
        disable: Option<String>,
    ) -> HubResult<()> {
        let progress = WebhookProgress {
            endpoint: self.endpoint.id.clone(),
            generation: self.generation,
            position,
            updates,
            delivered,
            failed_attempts: failed,
            disable,
        };
        self.hub
            .store
            .record_webhook_progress(progress)
            .await
            .map_err(HubError::from)
    }

    /// Signs and POSTs one event; the classified outcome.
    async fn send(&self, event: &DeliveredEvent) -> Outcome {
        let now = now_micros();
        let secrets: Vec<Secret> = live_secrets(&self.endpoint.secrets, now)
            .into_iter()
            .filter_map(|s| Secret::parse(&s.secret).ok())
            .collect();
        let id = message_id(event);
        let timestamp = now / 1_000_000;
        let signature = webhook::sign(&id, timestamp, event.json.as_bytes(), &secrets);
        let headers = [
            ("webhook-id", id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ];
        let answer = self
            .sender
            .post(&self.endpoint.url, &headers, event.json.as_bytes())
            .await;
        let outcome = answer.outcome(timestamp);
        if !matches!(outcome, Outcome::Delivered) {
            tracing::info!(webhook = %self.endpoint.id, seq = event.seq, ?outcome, "webhook attempt failed");
        }
        outcome
    }

    /// The delivery row after a failed attempt number `attempts`.
    fn failed_row(&self, seq: u64, attempts: u32, wait: Option<Duration>, reason: String) -> WebhookDelivery {
        let next = self.config.schedule.after_failure(attempts);
        let delay = match (next, wait) {
            (Some(_), Some(asked)) => Some(asked),
            (next, _) => next,
        };
        WebhookDelivery {
            endpoint: self.endpoint.id.clone(),
            seq,
            attempts,
            next_attempt_micros: now_micros().saturating_add(delay.map_or(0, micros)),
            last_error: reason,
            dead: delay.is_none(),
        }
    }

    /// Retries the due deliveries. False when the round must stop (lease lost or endpoint gone).
    async fn retry_due(&mut self, reader: &mut EventReader) -> HubResult<bool> {
        loop {
            let due = self
                .hub
                .store
                .due_webhook_deliveries(&self.endpoint.id, now_micros(), self.config.batch)
                .await?;
            let full = due.len() >= self.config.batch;
            for row in due {
                if !self.keep_lease().await? {
                    return Ok(false);
                }
                let after = row.seq.saturating_sub(1);
                let batch = self.hub.read_events(reader, after, 1).await?;
                let event = batch
                    .events
                    .into_iter()
                    .next()
                    .filter(|e| e.seq == row.seq && e.kind != "resync");
                let Some(event) = event else {
                    // No longer released to the owner (or trimmed away): nothing may be sent.
                    self.record(
                        self.endpoint.position,
                        vec![DeliveryUpdate::Forget(row.seq)],
                        0,
                        0,
                        None,
                    )
                    .await?;
                    continue;
                };
                let attempts = row.attempts.saturating_add(1);
                let (update, delivered, failed, disable) = match self.send(&event).await {
                    Outcome::Delivered => (DeliveryUpdate::Forget(row.seq), 1, 0, None),
                    Outcome::Gone => {
                        let kept = WebhookDelivery {
                            attempts,
                            last_error: "HTTP 410".to_owned(),
                            ..row
                        };
                        (
                            DeliveryUpdate::Keep(kept),
                            0,
                            1,
                            Some("the receiver answered 410 Gone".to_owned()),
                        )
                    }
                    Outcome::RetryAfter(wait, reason) => (
                        DeliveryUpdate::Keep(self.failed_row(row.seq, attempts, Some(wait), reason)),
                        0,
                        1,
                        None,
                    ),
                    Outcome::Failed(reason) => (
                        DeliveryUpdate::Keep(self.failed_row(row.seq, attempts, None, reason)),
                        0,
                        1,
                        None,
                    ),
                };
                let gone = disable.is_some();
                self.record(self.endpoint.position, vec![update], delivered, failed, disable)
                    .await?;
                if gone {
                    return Ok(false);
                }
            }
            if !full {
                return Ok(true);
            }
        }
    }

    /// Delivers events after the endpoint's position until none is left.
    async fn deliver_new(&mut self, reader: &mut EventReader) -> HubResult<()> {
        let mut position = self.endpoint.position;
        loop {
            let batch = self.hub.read_events(reader, position, self.config.batch).await?;
            if batch.events.is_empty() && batch.next_after == position {
                return Ok(());
            }
            for event in &batch.events {
                if !self.keep_lease().await? {
                    return Ok(());
                }
                let (updates, delivered, failed) = match self.send(event).await {
                    Outcome::Delivered => (Vec::new(), 1, 0),
                    Outcome::Gone => {
                        // Stop before this event: enabling the endpoint again resumes with it.
                        let reason = "the receiver answered 410 Gone".to_owned();
                        self.record(event.seq.saturating_sub(1), Vec::new(), 0, 1, Some(reason))
                            .await?;
                        return Ok(());
                    }
                    Outcome::RetryAfter(wait, reason) => (
                        vec![DeliveryUpdate::Keep(self.failed_row(
                            event.seq,
                            1,
                            Some(wait),
                            reason,
                        ))],
                        0,
                        1,
                    ),
                    Outcome::Failed(reason) => (
                        vec![DeliveryUpdate::Keep(self.failed_row(event.seq, 1, None, reason))],
                        0,
                        1,
                    ),
                };
                self.record(event.seq, updates, delivered, failed, None).await?;
                position = event.seq;
            }
            if batch.next_after > position {
                position = batch.next_after;
                self.record(position, Vec::new(), 0, 0, None).await?;
            }
        }
    }
}

impl Hub {
    /// Delivers webhooks until the process ends: starts one task per enabled endpoint that has work (at most
    /// `max_parallel` at once), woken by new events and every `poll_interval`.
    pub async fn run_webhook_deliveries(
        self: Arc<Hub>,
        sender: Arc<dyn WebhookSender>,
        config: WebhookDeliveryConfig,
    ) {
        let config = Arc::new(config);
        let permits = Arc::new(tokio::sync::Semaphore::new(config.max_parallel.max(1)));
        let mut running: HashMap<String, tokio::task::JoinHandle<()>> = HashMap::new();
        let mut events = self.watch_events();
        loop {
            running.retain(|_, task| !task.is_finished());
            let latest = match self.store.event_bounds().await {
                Ok(bounds) => bounds.latest.max(self.latest_event()),
                Err(_) => self.latest_event(),
            };
            match self.store.webhooks(None).await {
                Ok(endpoints) => {
                    // Only endpoints with work: events past their position, or deliveries to retry.
                    let busy = endpoints
                        .into_iter()
                        .filter(|e| e.enabled && (e.position < latest || e.pending > 0));
                    for endpoint in busy {
                        if running.contains_key(&endpoint.id) {
                            continue;
                        }
                        let (hub, sender, config, permits) = (
                            Arc::clone(&self),
                            Arc::clone(&sender),
                            Arc::clone(&config),
                            Arc::clone(&permits),
                        );
                        let id = endpoint.id.clone();
                        running.insert(
                            id,
                            tokio::spawn(async move {
                                let Ok(_permit) = permits.acquire_owned().await else { return };
                                let id = endpoint.id.clone();
                                if let Err(err) = hub.deliver_endpoint(&*sender, &config, endpoint).await {
                                    tracing::warn!(webhook = %id, error = %err, "webhook delivery round failed");
                                }
                            }),
                        );
                    }
                }
                Err(err) => tracing::warn!(error = %err, "cannot list webhooks"),
            }
            // New events wake the loop at once; a short pause bounds how often the endpoints are listed.
            tokio::select! {
                _ = events.changed() => tokio::time::sleep(Duration::from_millis(50)).await,
                () = tokio::time::sleep(config.poll_interval) => {}
            }
        }
    }

    /// One round for one endpoint: take its lease, retry what is due, deliver what is new.
    async fn deliver_endpoint(
        &self,
        sender: &dyn WebhookSender,
        config: &WebhookDeliveryConfig,
        endpoint: WebhookEndpoint,
    ) -> HubResult<()> {
        let now = now_micros();
        let lease_until = now + micros(config.lease);
        let Some(generation) = self
            .store
            .acquire_webhook_lease(&endpoint.id, &config.node, now, lease_until)
            .await?
        else {
            return Ok(());
        };
        // Re-read under the lease: another node may have moved the position meanwhile.
        let Some(endpoint) = self.store.webhook(&endpoint.id).await?.filter(|e| e.enabled) else {
            return Ok(());
        };
        let Ok(owner) = self.account_caller(&endpoint.account).await else {
            // The owning account is gone or disabled: nothing is released to it.
            return Ok(());
        };
        let filter = Filter {
            collections: endpoint
                .collections
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            types: endpoint.types.clone(),
            ..Filter::default()
        };
        let mut reader = EventReader::new(owner, filter);
        let mut round = Round {
            hub: self,
            sender,
            config,
            endpoint,
            generation,
            lease_until,
        };
        if round.retry_due(&mut reader).await? {
            round.deliver_new(&mut reader).await?;
        }
        Ok(())
    }
}
