//! The `indicator-expired` event (issue 15): subscribers are told when an indicator's score falls below
//! `EXPIRE_BELOW`, or it is revoked, or its `valid_until` passes.
//!
//! - The scoring worker checks every `CHECK_EVERY`. Each indicator is announced once, hub-wide: the node that
//!   creates the record `scores/expired/{id}` (compare-and-swap on absence) appends the event; the others see
//!   the conflict and only remember it.
//! - The event names the stored indicator and its collection; it is released per reader like the object
//!   itself (`release_expired`): a reader who may not read the indicator now gets nothing, and one who knows
//!   it by a republished id is told that id — never the stored one.

use std::time::Duration;

use serde_json::{Value, json};
use store::{CollectionId, EventRecord, NewEvent, RecordWrite};

use super::NS_SCORES;
use crate::event_read::{DeliveredEvent, EventReader};
use crate::{Hub, HubResult};

/// The event kind.
pub const EXPIRED_EVENT: &str = "indicator-expired";
/// A score below this is announced as expired.
pub const EXPIRE_BELOW: u8 = 20;
/// How often the worker looks for newly expired indicators.
pub(crate) const CHECK_EVERY: Duration = Duration::from_secs(10);

impl Hub {
    /// Appends an `indicator-expired` event for each indicator newly expired (see the module).
    pub(crate) async fn announce_expired(&self) -> HubResult<usize> {
        let due = self.scores.lock().expiring(crate::now_micros(), EXPIRE_BELOW);
        let mut appended = 0;
        for (id, collection, reason, score) in due {
            let claim = RecordWrite::put(
                NS_SCORES,
                format!("expired/{id}"),
                json!({"reason": reason, "score": score, "at": crate::now_micros()}).to_string(),
            )
            .expecting(store::Expect::Absent);
            match self.store.write_records(vec![claim], crate::now_micros()).await {
                Ok(_) => {
                    self.store
                        .append_events(vec![NewEvent {
                            kind: EXPIRED_EVENT.to_owned(),
                            collection: Some(CollectionId::new(collection)),
                            payload: json!({"indicator": id, "reason": reason, "score": score}).to_string(),
                        }])
                        .await?;
                    appended += 1;
                }
                Err(store::StoreError::Conflict(_)) => {}
                Err(err) => return Err(err.into()),
            }
            self.scores.lock().announced.insert(id);
        }
        Ok(appended)
    }

    /// An `indicator-expired` event for one reader: the indicator's newest version in the event's collection
    /// released through the gate now, or nothing.
    pub(crate) async fn release_expired(
        &self,
        reader: &EventReader,
        record: &EventRecord,
        collection: &store::Collection,
        view: &crate::release::SharingView,
    ) -> HubResult<Option<DeliveredEvent>> {
        let payload: Value = record
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default();
        let Some(stored_id) = payload["indicator"].as_str() else {
            return Ok(None);
        };
        let page = self
            .store
            .query_objects(super::worker::indicator_query(
                &collection.id,
                vec![stored_id.to_owned()],
                16,
            ))
            .await?;
        let republish = self.republish_facts(view, &page.records).await?;
        for stored in page.records {
            let facts = republish.get(&stored.date_added);
            let Some(served) = self.release_one(view, stored, facts)? else {
                continue;
            };
            let candidate = events::Candidate {
                collection: Some(collection.id.as_str()),
                object_type: Some("indicator"),
                tlp: None,
                object: None,
                score: payload["score"].as_u64().and_then(|s| u8::try_from(s).ok()),
            };
            // A `min_score` subscriber asked for good indicators: an expired one is news to it too.
            let mut filter = reader.filter().clone();
            filter.min_score = None;
            if !filter.matches(&candidate) {
                return Ok(None);
            }
            let data = json!({
                "seq": record.seq,
                "kind": EXPIRED_EVENT,
                "collection": collection.id.as_str(),
                "id": served.id,
                "reason": payload["reason"],
                "score": payload["score"],
                "link": format!("/{}/collections/{}/objects/{}/", collection.api_root, collection.id, served.id),
            });
            return Ok(Some(DeliveredEvent {
                seq: record.seq,
                kind: EXPIRED_EVENT.to_owned(),
                json: data.to_string(),
                created_micros: record.created_micros,
            }));
        }
        Ok(None)
    }
}
