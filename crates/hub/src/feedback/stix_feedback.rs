//! Feedback given as STIX (issue 15): sightings of indicators and opinions on them, read from the event log
//! as they are stored (the objects themselves are stored and served unchanged).
//!
//! - A `sighting` whose `sighting_of_ref` names an indicator its submitting account may read now (by the id
//!   it is served, republished or not) adds one sighting to that account's feedback on the indicator: a
//!   true-positive signal that also refreshes the score (`first_seen`/`last_seen`, else `created`).
//!   Counted once per sighting id (new versions of a sighting do not count again), at most
//!   `MAX_SIGHTING_IDS` ids remembered per account and indicator.
//! - An `opinion` whose `object_refs` name such indicators sets that account's verdict on each (at most
//!   `MAX_OPINION_REFS`): `strongly-agree`/`agree` true positive, `disagree`/`strongly-disagree` false
//!   positive, `neutral` nothing.
//! - A producer's sightings and opinions on its own indicators are ignored, as its verdicts are.

use serde_json::Value;
use store::{CollectionId, StoredObject};

use super::{Readable, caller_producer};
use crate::{Hub, HubResult};

/// Sighting ids remembered per account and indicator (beyond it, sightings still refresh, not count).
const MAX_SIGHTING_IDS: usize = 1000;
/// Indicators one opinion may judge.
const MAX_OPINION_REFS: usize = 100;

impl Hub {
    /// Turns a stored sighting or opinion into feedback (see the module).
    pub(crate) async fn stix_feedback(
        &self,
        _collection: &CollectionId,
        stored: &StoredObject,
    ) -> HubResult<()> {
        let Some(value) = stored
            .raw
            .as_deref()
            .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        else {
            return Ok(());
        };
        // The submitting account acts; one that is gone (or disabled) gives no feedback.
        let Ok(caller) = self.account_caller(&stored.sharing.submitter).await else {
            return Ok(());
        };
        match stored.object_type.as_str() {
            "sighting" => {
                let Some(target) = value.get("sighting_of_ref").and_then(Value::as_str) else {
                    return Ok(());
                };
                let Some(readable) = self.judgeable(&caller, target).await? else {
                    return Ok(());
                };
                let micros = |field: &str| {
                    let text = value.get(field)?.as_str()?;
                    let parsed = stix::timestamp::Timestamp::parse(text).ok()?;
                    i64::try_from(parsed.unix_nanos() / 1000).ok()
                };
                let created = micros("created").unwrap_or(stored.date_added);
                let first = micros("first_seen").unwrap_or(created);
                let last = micros("last_seen").unwrap_or(first).max(first);
                let sighting_id = stored.id.clone();
                self.update_feedback_record(&readable.stored_id, &caller, |record| {
                    let new = !record.sighting_ids.contains(&sighting_id);
                    if new && record.sighting_ids.len() < MAX_SIGHTING_IDS {
                        record.sighting_ids.insert(sighting_id.clone());
                    }
                    if new {
                        record.sightings = record.sightings.saturating_add(1);
                    }
                    record.first_seen = Some(record.first_seen.map_or(first, |f| f.min(first)));
                    record.last_seen = Some(record.last_seen.map_or(last, |l| l.max(last)));
                })
                .await?;
                self.refresh_indicator(&readable).await?;
            }
            "opinion" => {
                let verdict = match value.get("opinion").and_then(Value::as_str) {
                    Some("strongly-agree" | "agree") => true,
                    Some("disagree" | "strongly-disagree") => false,
                    _ => return Ok(()),
                };
                let refs: Vec<&str> = value
                    .get("object_refs")
                    .and_then(Value::as_array)
                    .map(|refs| {
                        refs.iter()
                            .filter_map(Value::as_str)
                            .take(MAX_OPINION_REFS)
                            .collect()
                    })
                    .unwrap_or_default();
                let at = stored.date_added;
                for target in refs {
                    let Some(readable) = self.judgeable(&caller, target).await? else {
                        continue;
                    };
                    self.update_feedback_record(&readable.stored_id, &caller, |record| {
                        record.verdict = Some(verdict);
                        record.verdict_source = Some("opinion".to_owned());
                        record.verdict_micros = Some(at);
                    })
                    .await?;
                    self.refresh_indicator(&readable).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The indicator `id` when `caller` may read it and is not its producer.
    async fn judgeable(&self, caller: &crate::Caller, id: &str) -> HubResult<Option<Readable>> {
        Ok(self
            .readable_indicator(caller, id)
            .await?
            .filter(|readable| readable.producer != caller_producer(caller)))
    }
}
