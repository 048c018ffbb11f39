//! Push delivery for every channel (webhooks, e-mail): each node runs one loop per channel
//! (`Hub::run_webhook_deliveries`, `Hub::run_mail_deliveries`), which delivers every enabled endpoint of that
//! channel whose lease it holds. Ingest never waits on it: it follows the event log. A channel (`Channel`)
//! only says which endpoints are its own, what they select and how one message is sent; the lease, the
//! position, retries, dead letters and the gate are here, once.
//!
//! Guarantees (docs/events.md, "Webhooks" and "E-mail"):
//! - **One sender per endpoint.** A node delivers an endpoint only under its lease (`Store::acquire_webhook_lease`,
//!   a compare-and-swap with an expiry), and records each outcome fenced by the lease generation: a node that
//!   lost its lease (stalled, partitioned) cannot move the endpoint's position or rows.
//! - **At least once, deduplicable.** An event is recorded as handed over only after its attempt; a node that
//!   dies between a receiver's acceptance and that record leaves the event to the next holder, which sends it
//!   again with the same id (the event's position: `webhook-id`, the mail's `Message-ID`).
//! - **Gated at delivery time.** Every attempt, first or retry, takes the event through `Hub::read_events` for
//!   the owning account as it is now; an event the owner may no longer read is dropped, not sent.
//! - **Failures do not block.** A failed event goes to the endpoint's retry rows (schedule in `webhook::schedule`)
//!   and later events go on; `410` disables the endpoint (position kept, so enabling resumes there); `429` or
//!   `503` with `Retry-After` waits as asked; a spent schedule or a permanent refusal (SMTP 5xx) makes a dead
//!   letter, replayable.
//! - **Digests** (`Plan::digest`, e-mail): events wait until the oldest is `digest` old, then go as one
//!   message; a failed digest leaves each of its events as a retry row, and due rows are retried together as
//!   one digest (`digest_rounds`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use events::Filter;
use store::{DeliveryUpdate, WebhookDelivery, WebhookEndpoint, WebhookProgress};
use webhook::{Outcome, RetrySchedule};

use crate::event_read::{DeliveredEvent, EventReader};
use crate::{Hub, HubError, HubResult, now_micros};

/// How a node delivers pushed events (webhooks and e-mail alike).
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

pub(crate) fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// What one endpoint's deliveries select and how they are grouped, resolved at the start of a round.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The events it takes (after the owner's release gate).
    pub(crate) filter: Filter,
    /// One message per this interval listing the events (`None`: one message per event).
    pub(crate) digest: Option<Duration>,
    /// Why the recipient gets it, for people ("subscription \"county\"").
    pub(crate) label: String,
}

/// One delivery channel: which endpoints are its own, what they select, how one message goes out.
#[async_trait]
pub(crate) trait Channel: Send + Sync {
    /// True for the endpoints this channel delivers (by their destination).
    fn handles(&self, endpoint: &WebhookEndpoint) -> bool;
    /// The endpoint's plan now; `None` when it has nothing to deliver (e.g. its subscription is gone).
    async fn plan(&self, hub: &Hub, endpoint: &WebhookEndpoint) -> HubResult<Option<Plan>>;
    /// Sends `events` (released to the owner) as one message: one event, or a digest of several (of which
    /// `more` further events are only counted).
    async fn send(
        &self,
        hub: &Hub,
        endpoint: &WebhookEndpoint,
        plan: &Plan,
        events: &[DeliveredEvent],
        more: u64,
    ) -> Outcome;
}

/// What the worker does after an outcome.
pub(crate) enum Verdict {
    /// Handed over.
    Delivered,
    /// Stop the endpoint with this reason (a `410`).
    Disable(String),
    /// Try again per schedule, or not before the wait the receiver asked for.
    Retry(Option<Duration>, String),
    /// A dead letter at once (a permanent refusal).
    Dead(String),
}

impl From<Outcome> for Verdict {
    fn from(outcome: Outcome) -> Verdict {
        match outcome {
            Outcome::Delivered => Verdict::Delivered,
            Outcome::Gone => Verdict::Disable("the receiver answered 410 Gone".to_owned()),
            Outcome::RetryAfter(wait, reason) => Verdict::Retry(Some(wait), reason),
            Outcome::Failed(reason) => Verdict::Retry(None, reason),
            Outcome::Rejected(reason) => Verdict::Dead(reason),
        }
    }
}

/// One endpoint's delivery under one lease.
pub(crate) struct Round<'a> {
    pub(crate) hub: &'a Hub,
    pub(crate) channel: &'a dyn Channel,
    pub(crate) config: &'a WebhookDeliveryConfig,
    pub(crate) endpoint: WebhookEndpoint,
    pub(crate) plan: Plan,
    pub(crate) generation: u64,
    pub(crate) lease_until: i64,
}

impl Round<'_> {
    /// Renews the lease when half of it is gone; false when it was lost.
    pub(crate) async fn keep_lease(&mut self) -> HubResult<bool> {
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

    pub(crate) async fn record(
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

    /// Sends events as one message; the verdict.
    pub(crate) async fn send(&self, events: &[DeliveredEvent], more: u64) -> Verdict {
        let outcome = self
            .channel
            .send(self.hub, &self.endpoint, &self.plan, events, more)
            .await;
        if !matches!(outcome, Outcome::Delivered) {
            let seq = events.first().map_or(0, |e| e.seq);
            tracing::info!(endpoint = %self.endpoint.id, seq, ?outcome, "delivery attempt failed");
        }
        outcome.into()
    }

    /// The delivery row of `seq` after a failed attempt number `attempts` (dead when the schedule is spent or
    /// the refusal is permanent).
    pub(crate) fn failed_row(
        &self,
        seq: u64,
        attempts: u32,
        wait: Option<Duration>,
        reason: String,
        permanent: bool,
    ) -> WebhookDelivery {
        let next = if permanent {
            None
        } else {
            self.config.schedule.after_failure(attempts)
        };
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

    /// The row update for a failed verdict (`None` for `Delivered` and `Disable`).
    pub(crate) fn failure_update(
        &self,
        seq: u64,
        attempts: u32,
        verdict: &Verdict,
    ) -> Option<DeliveryUpdate> {
        let row = match verdict {
            Verdict::Retry(wait, reason) => self.failed_row(seq, attempts, *wait, reason.clone(), false),
            Verdict::Dead(reason) => self.failed_row(seq, attempts, None, reason.clone(), true),
            Verdict::Delivered | Verdict::Disable(_) => return None,
        };
        Some(DeliveryUpdate::Keep(row))
    }

    /// The event at `seq` as released to the owner now; `None` when it no longer is (or was trimmed away).
    pub(crate) async fn released_at(
        &self,
        reader: &mut EventReader,
        seq: u64,
    ) -> HubResult<Option<DeliveredEvent>> {
        let batch = self.hub.read_events(reader, seq.saturating_sub(1), 1).await?;
        Ok(batch
            .events
            .into_iter()
            .next()
            .filter(|e| e.seq == seq && e.kind != "resync"))
    }

    /// Retries the due deliveries one by one. False when the round must stop (lease lost or endpoint gone).
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
                let Some(event) = self.released_at(reader, row.seq).await? else {
                    // No longer released to the owner (or trimmed away): nothing may be sent.
                    let forget = vec![DeliveryUpdate::Forget(row.seq)];
                    self.record(self.endpoint.position, forget, 0, 0, None).await?;
                    continue;
                };
                let attempts = row.attempts.saturating_add(1);
                let verdict = self.send(std::slice::from_ref(&event), 0).await;
                let (update, delivered, failed, disable) = match verdict {
                    Verdict::Delivered => (DeliveryUpdate::Forget(row.seq), 1, 0, None),
                    Verdict::Disable(reason) => {
                        let kept = WebhookDelivery {
                            attempts,
                            last_error: "HTTP 410".to_owned(),
                            ..row
                        };
                        (DeliveryUpdate::Keep(kept), 0, 1, Some(reason))
                    }
                    failed => {
                        let update = self.failure_update(row.seq, attempts, &failed);
                        (update.unwrap_or(DeliveryUpdate::Forget(row.seq)), 0, 1, None)
                    }
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

    /// Delivers events after the endpoint's position, one message each, until none is left.
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
                let verdict = self.send(std::slice::from_ref(event), 0).await;
                let (updates, delivered, failed) = match verdict {
                    Verdict::Delivered => (Vec::new(), 1, 0),
                    Verdict::Disable(reason) => {
                        // Stop before this event: enabling the endpoint again resumes with it.
                        self.record(event.seq.saturating_sub(1), Vec::new(), 0, 1, Some(reason))
                            .await?;
                        return Ok(());
                    }
                    failed => (
                        self.failure_update(event.seq, 1, &failed).into_iter().collect(),
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
    /// Delivers the endpoints `channel` handles until the process ends: starts one task per enabled endpoint
    /// that has work (at most `max_parallel` at once), woken by new events and every `poll_interval`.
    pub(crate) async fn run_deliveries(
        self: Arc<Hub>,
        channel: Arc<dyn Channel>,
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
                    let busy = endpoints.into_iter().filter(|e| {
                        e.enabled && (e.position < latest || e.pending > 0) && channel.handles(e)
                    });
                    for endpoint in busy {
                        if running.contains_key(&endpoint.id) {
                            continue;
                        }
                        let (hub, channel, config, permits) = (
                            Arc::clone(&self),
                            Arc::clone(&channel),
                            Arc::clone(&config),
                            Arc::clone(&permits),
                        );
                        let id = endpoint.id.clone();
                        running.insert(
                            id,
                            tokio::spawn(async move {
                                let Ok(_permit) = permits.acquire_owned().await else {
                                    return;
                                };
                                let id = endpoint.id.clone();
                                if let Err(err) = hub.deliver_endpoint(&*channel, &config, endpoint).await {
                                    tracing::warn!(endpoint = %id, error = %err, "delivery round failed");
                                }
                            }),
                        );
                    }
                }
                Err(err) => tracing::warn!(error = %err, "cannot list push endpoints"),
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
        channel: &dyn Channel,
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
        let Some(plan) = channel.plan(self, &endpoint).await? else {
            return Ok(());
        };
        let mut reader = EventReader::new(owner, plan.filter.clone());
        let digest = plan.digest;
        let mut round = Round {
            hub: self,
            channel,
            config,
            endpoint,
            plan,
            generation,
            lease_until,
        };
        match digest {
            None => {
                if round.retry_due(&mut reader).await? {
                    round.deliver_new(&mut reader).await?;
                }
            }
            Some(interval) => {
                if round.retry_digest(&mut reader).await? {
                    round.deliver_digest(&mut reader, interval).await?;
                }
            }
        }
        Ok(())
    }
}
