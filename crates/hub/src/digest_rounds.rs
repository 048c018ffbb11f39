//! Digest delivery (an e-mail destination with `--digest`): the events after the endpoint's position wait
//! until the oldest of them is one interval old, then go as one message listing the first
//! `mail::text::DIGEST_LISTED` and counting the rest ("and N more", with a link).
//!
//! Rules:
//! - Only events released to the owner now are listed **or counted** (`Hub::read_events`), so a count never
//!   reveals a hidden event.
//! - One digest examines at most `DIGEST_SCAN` events; a larger backlog goes out as several digests in a row.
//! - A failed digest leaves a retry row for each listed event (the count is not kept); due rows are retried
//!   together as one digest, each still released to the owner at that attempt.

use store::DeliveryUpdate;

use crate::event_read::{DeliveredEvent, EventReader};
use crate::webhook_worker::{Round, Verdict, micros};
use crate::{HubResult, now_micros};

/// The most events one digest examines (listed, counted or hidden).
const DIGEST_SCAN: u64 = 10_000;

impl Round<'_> {
    /// Retries the due rows together as one digest. False when the round must stop (lease lost).
    pub(crate) async fn retry_digest(&mut self, reader: &mut EventReader) -> HubResult<bool> {
        let due = self
            .hub
            .store
            .due_webhook_deliveries(&self.endpoint.id, now_micros(), mail::text::DIGEST_LISTED)
            .await?;
        if due.is_empty() {
            return Ok(true);
        }
        if !self.keep_lease().await? {
            return Ok(false);
        }
        let mut updates = Vec::new();
        let mut events = Vec::new();
        let mut attempts = 0;
        for row in due {
            match self.released_at(reader, row.seq).await? {
                Some(event) => {
                    attempts = attempts.max(row.attempts);
                    events.push(event);
                }
                // No longer released to the owner: nothing may be sent.
                None => updates.push(DeliveryUpdate::Forget(row.seq)),
            }
        }
        let position = self.endpoint.position;
        if events.is_empty() {
            self.record(position, updates, 0, 0, None).await?;
            return Ok(true);
        }
        let verdict = self.send(&events, 0).await;
        let attempts = attempts.saturating_add(1);
        self.record_digest(position, updates, &events, attempts, verdict)
            .await
    }

    /// The digest's outcome for its listed events; false when the endpoint was disabled.
    async fn record_digest(
        &self,
        position: u64,
        mut updates: Vec<DeliveryUpdate>,
        events: &[DeliveredEvent],
        attempts: u32,
        verdict: Verdict,
    ) -> HubResult<bool> {
        let (delivered, failed, disable) = match verdict {
            Verdict::Delivered => {
                updates.extend(events.iter().map(|e| DeliveryUpdate::Forget(e.seq)));
                (events.len() as u64, 0, None)
            }
            Verdict::Disable(reason) => (0, 1, Some(reason)),
            failed => {
                updates.extend(
                    events
                        .iter()
                        .filter_map(|e| self.failure_update(e.seq, attempts, &failed)),
                );
                (0, 1, None)
            }
        };
        let disabled = disable.is_some();
        self.record(position, updates, delivered, failed, disable).await?;
        Ok(!disabled)
    }

    /// Sends the events after the position as one digest once the oldest is `interval` old.
    pub(crate) async fn deliver_digest(
        &mut self,
        reader: &mut EventReader,
        interval: std::time::Duration,
    ) -> HubResult<()> {
        let start = self.endpoint.position;
        let mut position = start;
        let mut listed: Vec<DeliveredEvent> = Vec::new();
        let mut more = 0u64;
        let now = now_micros();
        while position - start < DIGEST_SCAN {
            let batch = self.hub.read_events(reader, position, self.config.batch).await?;
            if batch.events.is_empty() && batch.next_after == position {
                break;
            }
            for event in batch.events {
                if listed.is_empty() && event.created_micros.saturating_add(micros(interval)) > now {
                    // The oldest waiting event is not old enough: nothing goes out yet. Hidden events before it
                    // are passed over for good.
                    let before = event.seq.saturating_sub(1);
                    if before > start {
                        self.record(before, Vec::new(), 0, 0, None).await?;
                    }
                    return Ok(());
                }
                if listed.len() < mail::text::DIGEST_LISTED {
                    listed.push(event);
                } else {
                    more += 1;
                }
            }
            position = batch.next_after;
        }
        if listed.is_empty() {
            if position > start {
                self.record(position, Vec::new(), 0, 0, None).await?;
            }
            return Ok(());
        }
        if !self.keep_lease().await? {
            return Ok(());
        }
        let verdict = self.send(&listed, more).await;
        self.record_digest(position, Vec::new(), &listed, 1, verdict)
            .await
            .map(|_| ())
    }
}
