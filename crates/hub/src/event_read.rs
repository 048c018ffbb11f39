//! Events released to one caller: the read side of the event log for every channel (SSE here, webhooks and
//! e-mail elsewhere), through the same release gate as a TAXII read.
//!
//! Invariants:
//! - Every object an event carries passes `Hub::release_one` for this caller **at delivery time** (the sharing
//!   directory and grants as they are now, anonymity included), exactly like a TAXII read of that version; an
//!   event whose object the caller may not read is skipped without a trace: no frame, no id, no count.
//! - The filter sees the object as served (see `events` crate), so it cannot probe hidden fields.
//! - A reader behind retention gets a `resync` event, never a silent gap.
//! - Events of kinds without an object go to readers of their collection; without a collection, to hub admins
//!   and to the accounts and organisations the payload names in `"audience": {"accounts": […], "orgs": […]}`.
//!   Victim notifications (issue 14) go only to the named organisation's accounts that may read the object
//!   now (`victim_release`), not to hub admins.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use events::{Candidate, Filter};
use serde_json::{Value, json};
use stix::markings::TlpLevel;
use store::{Collection, EventRecord, OBJECT_ADDED, OBJECT_DELETED};

use crate::release::SharingView;
use crate::{Caller, Hub, HubError, HubResult};

/// The most events examined per call (released or not), so one call does bounded work.
pub(crate) const SCAN_LIMIT: usize = 2000;
/// How long a reader reuses its resolved view of a collection (as long as the sharing directory cache).
const VIEW_TTL: Duration = Duration::from_secs(1);
/// A resync's `added_after` is this much before the oldest missed event's write time (clock skew between
/// nodes and the database: `date_added` is assigned by the database clock, the event time by the node's).
const RESYNC_MARGIN_MICROS: i64 = 60_000_000;

/// One event as delivered to one caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredEvent {
    /// Its position (the SSE `id:`).
    pub seq: u64,
    /// Its kind (`object-added`, `object-deleted`, `resync`, …).
    pub kind: String,
    /// The JSON object delivered (the SSE `data:`, the webhook body).
    pub json: String,
    /// When the event was written, µs since the epoch (digests wait from it).
    pub created_micros: i64,
}

/// The answer of `Hub::events_for`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBatch {
    /// The events released to the caller, ascending by position (a `resync` event alone when behind).
    pub events: Vec<DeliveredEvent>,
    /// Ask for events after this position next time: past the last event examined, released or not.
    pub next_after: u64,
}

/// A caller's reading of the log: its filter and its resolved collections, reused across batches for a
/// short time (`VIEW_TTL`) so a stream does not resolve the sharing policy per event.
#[derive(Debug)]
pub struct EventReader {
    caller: Caller,
    filter: Filter,
    /// Per collection id: the collection and the caller's view of it (`None`: may not read it).
    views: HashMap<String, (Instant, Option<ReadableCollection>)>,
}

/// A collection the reader may read, with its view of it.
type ReadableCollection = Arc<(Collection, SharingView)>;

impl EventReader {
    /// A reader for `caller` with `filter` (checked by the caller of this function).
    pub fn new(caller: Caller, filter: Filter) -> EventReader {
        EventReader {
            caller,
            filter,
            views: HashMap::new(),
        }
    }

    /// The caller.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The filter.
    pub fn filter(&self) -> &Filter {
        &self.filter
    }
}

impl Hub {
    /// The events after position `after` that `caller` may read and `filter` selects, at most `limit`, each as
    /// the JSON a channel delivers (`{"seq", "kind", "collection", "object"}`, or `"id"` when delivered thin
    /// or deleted), released for the caller now.
    ///
    /// Contract (stable; used by every delivery channel):
    /// - `after = 0` starts at the beginning of the retained log; `after` beyond the newest position is a
    ///   `BadRequest`.
    /// - Positions only grow; resuming with `next_after` never repeats or skips an event. Hidden events are
    ///   passed over without a trace (`next_after` moves past them).
    /// - Behind retention, the batch is one event of kind `resync` (`seq` = `resume_after` = the position to
    ///   resume after, `collections`: the caller's readable collections with the TAXII `added_after` to re-read
    ///   from, `null` = from the beginning), and `next_after` is that position.
    /// - At most `SCAN_LIMIT` events are examined per call, so an empty batch with a larger `next_after` means
    ///   "call again".
    pub async fn events_for(
        &self,
        caller: &Caller,
        after: u64,
        filter: &Filter,
        limit: usize,
    ) -> HubResult<EventBatch> {
        let mut reader = EventReader::new(caller.clone(), filter.clone());
        self.read_events(&mut reader, after, limit).await
    }

    /// `events_for` with a reader kept across calls (a stream).
    pub async fn read_events(
        &self,
        reader: &mut EventReader,
        after: u64,
        limit: usize,
    ) -> HubResult<EventBatch> {
        let latest = self.event_tail.latest().max(self.store_latest_if_cold().await?);
        if after > latest {
            return Err(HubError::BadRequest(format!(
                "position {after} is beyond the newest event ({latest})"
            )));
        }
        let scan = SCAN_LIMIT.max(limit);
        let records: Vec<Arc<EventRecord>> = match self.event_tail.cached_after(after, scan) {
            Some(records) => records,
            None => {
                let records = self.store.events_after(after, scan).await?;
                let behind = match records.first() {
                    Some(first) => first.seq > after + 1,
                    None => after < latest,
                };
                if behind {
                    return self.resync(reader, after).await;
                }
                records.into_iter().map(Arc::new).collect()
            }
        };
        let mut batch = EventBatch {
            events: Vec::new(),
            next_after: after,
        };
        for record in records {
            if batch.events.len() >= limit.max(1) {
                break;
            }
            batch.next_after = record.seq;
            if let Some(delivered) = self.release_event(reader, &record).await? {
                batch.events.push(delivered);
            }
        }
        Ok(batch)
    }

    /// Before the tail has run (a use without `run_event_tail`, e.g. the command line), the store's newest.
    async fn store_latest_if_cold(&self) -> HubResult<u64> {
        if self.event_tail.latest() > 0 {
            return Ok(0);
        }
        Ok(self.store.event_bounds().await?.latest)
    }

    /// The caller's resolved view of a collection, if it may read it now.
    async fn reader_view(
        &self,
        reader: &mut EventReader,
        collection_id: &str,
    ) -> HubResult<Option<ReadableCollection>> {
        if let Some((at, view)) = reader.views.get(collection_id)
            && at.elapsed() < VIEW_TTL
        {
            return Ok(view.clone());
        }
        let view = match self.store.find_collection(collection_id).await? {
            Some(collection) if collection.id.as_str() == collection_id => {
                let access = self.access(&reader.caller, &collection).await?;
                if access.can_read {
                    let view = self.sharing_view(&reader.caller, &collection).await?;
                    Some(Arc::new((collection, view)))
                } else {
                    None
                }
            }
            _ => None,
        };
        reader
            .views
            .insert(collection_id.to_owned(), (Instant::now(), view.clone()));
        Ok(view)
    }

    /// One event for one reader: `None` when hidden or not selected.
    pub(crate) async fn release_event(
        &self,
        reader: &mut EventReader,
        record: &EventRecord,
    ) -> HubResult<Option<DeliveredEvent>> {
        if !reader.filter.admits_kind(&record.kind) {
            return Ok(None);
        }
        if record.kind == crate::victims::NOTIFICATION {
            return self.release_notification(reader, record).await;
        }
        if crate::incidents::is_incident_kind(&record.kind) {
            return self.release_incident_event(reader, record).await;
        }
        let collection_id = record.collection.as_ref().map(|c| c.as_str().to_owned());
        if let Some(id) = &collection_id
            && !reader.filter.collections.is_empty()
            && !reader.filter.collections.contains(id)
        {
            return Ok(None);
        }
        let view = match &collection_id {
            Some(id) => match self.reader_view(reader, id).await? {
                Some(view) => Some(view),
                None => return Ok(None),
            },
            None => None,
        };
        if record.kind == crate::feedback::EXPIRED_EVENT {
            // Names a stored indicator: released like the indicator itself, never as its payload.
            return match &view {
                Some(view) => self.release_expired(reader, record, &view.0, &view.1).await,
                None => Ok(None),
            };
        }
        let Some(stored) = record.object.clone() else {
            return Ok(self.release_other(reader, record, collection_id.as_deref()));
        };
        let Some(view) = view else { return Ok(None) };
        let (collection, view) = (&view.0, &view.1);
        let tlp = hub_tlp(&stored.sharing.markings);
        let deleted = record.kind == OBJECT_DELETED;
        if record.kind == OBJECT_ADDED && stored.raw.is_none() {
            // Deleted since: nothing left to read.
            return Ok(None);
        }
        let republish = self.republish_facts(view, std::slice::from_ref(&stored)).await?;
        let Some(served) = self.release_one(view, stored, republish.get(&record_date(record)))? else {
            return Ok(None);
        };
        // Parsed only when the filter looks into the bytes: the frame embeds the served bytes as they are.
        let parsed: Option<Value> = match (&served.raw, reader.filter.needs_bytes()) {
            (Some(raw), true) => Some(
                serde_json::from_str(raw)
                    .map_err(|err| HubError::Internal(format!("a stored object is not JSON: {err}")))?,
            ),
            _ => None,
        };
        // The hub's score (issue 15), by the id the reader is served, only when the filter asks for it.
        let score = if reader.filter.needs_score() && served.object_type == "indicator" {
            self.scores_of_served([served.id.as_str()])
                .get(&served.id)
                .copied()
        } else {
            None
        };
        let candidate = Candidate {
            collection: collection_id.as_deref(),
            object_type: Some(served.object_type.as_str()),
            tlp,
            object: parsed.as_ref(),
            score,
        };
        if !reader.filter.matches(&candidate) {
            return Ok(None);
        }
        let thin = deleted || reader.filter.delivers_thin(tlp) || served.raw.is_none();
        let json = match (&served.raw, thin) {
            (Some(raw), false) => format!(
                r#"{{"seq":{},"kind":{},"collection":{},"object":{raw}}}"#,
                record.seq,
                Value::from(record.kind.as_str()),
                Value::from(collection.id.as_str()),
            ),
            _ => {
                let mut data = json!({
                    "seq": record.seq,
                    "kind": record.kind,
                    "collection": collection.id.as_str(),
                    "id": served.id,
                    "type": served.object_type,
                });
                if let Some(version) = &served.version {
                    data["version"] = version.as_str().into();
                }
                if !deleted {
                    data["link"] = format!(
                        "/{}/collections/{}/objects/{}/",
                        collection.api_root, collection.id, served.id
                    )
                    .into();
                }
                data.to_string()
            }
        };
        Ok(Some(DeliveredEvent {
            seq: record.seq,
            kind: record.kind.clone(),
            json,
            created_micros: record.created_micros,
        }))
    }

    /// An event of a kind without an object (see the module's audience rule).
    fn release_other(
        &self,
        reader: &EventReader,
        record: &EventRecord,
        collection_id: Option<&str>,
    ) -> Option<DeliveredEvent> {
        let payload: Value = record
            .payload
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or(Value::Null);
        if collection_id.is_none() && !reader.caller.is_admin && !named_in_audience(&payload, &reader.caller)
        {
            return None;
        }
        let candidate = Candidate {
            collection: collection_id,
            object_type: None,
            tlp: None,
            object: None,
            score: None,
        };
        if !reader.filter.matches(&candidate) {
            return None;
        }
        let data = json!({
            "seq": record.seq,
            "kind": record.kind,
            "collection": collection_id,
            "payload": payload,
        });
        Some(DeliveredEvent {
            seq: record.seq,
            kind: record.kind.clone(),
            json: data.to_string(),
            created_micros: record.created_micros,
        })
    }

    /// The `resync` signal for a reader whose position `after` was trimmed away.
    async fn resync(&self, reader: &mut EventReader, after: u64) -> HubResult<EventBatch> {
        let bounds = self.store.event_bounds().await?;
        let resume_after = bounds.first.saturating_sub(1).max(after);
        let added_after = self
            .store
            .trimmed_from(after)
            .await?
            .map(|micros| taxii_timestamp(micros.saturating_sub(RESYNC_MARGIN_MICROS)));
        let mut collections = Vec::new();
        for root in self.store.api_roots().await? {
            for collection in self.store.collections(&root.name).await? {
                let id = collection.id.as_str().to_owned();
                if !reader.filter.collections.is_empty() && !reader.filter.collections.contains(&id) {
                    continue;
                }
                if self.reader_view(reader, &id).await?.is_some() {
                    collections.push(json!({"collection": id, "added_after": added_after}));
                }
            }
        }
        let data = json!({
            "seq": resume_after,
            "kind": "resync",
            "resume_after": resume_after,
            "collections": collections,
        });
        Ok(EventBatch {
            events: vec![DeliveredEvent {
                seq: resume_after,
                kind: "resync".to_owned(),
                json: data.to_string(),
                created_micros: crate::now_micros(),
            }],
            next_after: resume_after,
        })
    }
}

fn record_date(record: &EventRecord) -> i64 {
    record.object.as_ref().map_or(0, |o| o.date_added)
}

fn hub_tlp(markings: &[String]) -> Option<TlpLevel> {
    crate::search::tlp_of_markings(markings.iter().map(String::as_str))
}

fn named_in_audience(payload: &Value, caller: &Caller) -> bool {
    let audience = &payload["audience"];
    let named = |key: &str, name: &str| {
        audience[key]
            .as_array()
            .is_some_and(|names| names.iter().any(|n| n.as_str() == Some(name)))
    };
    named("accounts", &caller.account) || caller.org.as_deref().is_some_and(|org| named("orgs", org))
}

/// A TAXII timestamp (microseconds) for µs since the epoch.
pub(crate) fn taxii_timestamp(micros: i64) -> String {
    stix::timestamp::Timestamp::from_unix_nanos(i128::from(micros) * 1000, 6)
        .as_str()
        .to_owned()
}
