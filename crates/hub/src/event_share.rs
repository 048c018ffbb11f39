//! Streams that read the log with the same rights and filter share one release of each event: with 1,000 SSE
//! clients of one account, an event passes the release gate once (per `RELEASE_TTL`), not 1,000 times.
//!
//! Invariants:
//! - Sharing is keyed by everything a release depends on for the reader: the caller as authenticated
//!   (account, organisation, admin flag, role) and the whole filter. Two streams share only when
//!   `Hub::read_events` would give each the same answer.
//! - A shared outcome is reused for at most `RELEASE_TTL` (the time a reader already reuses its resolved view of
//!   a collection, and the sharing directory cache's period), so "the gate at delivery time" holds with the
//!   same staleness bound as an unshared stream.
//! - Only events in the node's ring are shared; a stream behind the ring (or in a resync) reads the store on its
//!   own through `read_events`, exactly as before.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::event_read::{DeliveredEvent, EventBatch, EventReader, SCAN_LIMIT};
use crate::{Caller, EventFilter, Hub, HubResult};

/// How long a release outcome is reused by the streams sharing it.
const RELEASE_TTL: Duration = Duration::from_secs(1);
/// Outcomes kept per shared reader (the newest positions).
const KEPT: usize = 8192;

/// A reading of the log shared by every stream with the same caller and filter.
#[derive(Debug)]
pub struct SharedReader {
    caller: Caller,
    state: tokio::sync::Mutex<SharedState>,
}

#[derive(Debug)]
struct SharedState {
    reader: EventReader,
    /// Per position: when released, and the outcome (`None`: hidden or not selected).
    released: BTreeMap<u64, (Instant, Option<Arc<DeliveredEvent>>)>,
}

/// The answer of `Hub::read_events_shared`: as `EventBatch`, with events shared between streams.
#[derive(Debug, Clone)]
pub struct SharedBatch {
    /// The events released to the reader, ascending by position.
    pub events: Vec<Arc<DeliveredEvent>>,
    /// Ask for events after this position next time.
    pub next_after: u64,
}

impl From<EventBatch> for SharedBatch {
    fn from(batch: EventBatch) -> SharedBatch {
        SharedBatch {
            events: batch.events.into_iter().map(Arc::new).collect(),
            next_after: batch.next_after,
        }
    }
}

impl SharedReader {
    /// The caller this reader releases for.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }
}

/// The shared readers of one hub, by key; a reader lives as long as a stream holds it.
#[derive(Debug, Default)]
pub(crate) struct SharedReaders {
    readers: Mutex<HashMap<String, Weak<SharedReader>>>,
}

fn sharing_key(caller: &Caller, filter: &EventFilter) -> String {
    // serde_json of the filter is deterministic (fields in declaration order, maps sorted).
    let filter = serde_json::to_string(filter).unwrap_or_default();
    serde_json::json!([caller.account, caller.org, caller.is_admin, caller.role, filter]).to_string()
}

impl Hub {
    /// The shared reader for `caller` and `filter` (created when no live stream holds one).
    pub fn shared_reader(&self, caller: Caller, filter: EventFilter) -> Arc<SharedReader> {
        let key = sharing_key(&caller, &filter);
        let mut readers = self
            .shared_readers
            .readers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(reader) = readers.get(&key).and_then(Weak::upgrade) {
            return reader;
        }
        readers.retain(|_, reader| reader.strong_count() > 0);
        let reader = Arc::new(SharedReader {
            caller: caller.clone(),
            state: tokio::sync::Mutex::new(SharedState {
                reader: EventReader::new(caller, filter),
                released: BTreeMap::new(),
            }),
        });
        readers.insert(key, Arc::downgrade(&reader));
        reader
    }

    /// `read_events` for a stream holding a shared reader: events in the node's ring are released once per
    /// `RELEASE_TTL` for every stream of that reader; older positions are read from the store as before.
    pub async fn read_events_shared(
        &self,
        shared: &SharedReader,
        after: u64,
        limit: usize,
    ) -> HubResult<SharedBatch> {
        let latest = self.event_tail.latest();
        let scan = SCAN_LIMIT.max(limit);
        let records = match self.event_tail.cached_after(after, scan) {
            Some(records) if after <= latest => records,
            _ => {
                let mut state = shared.state.lock().await;
                return Ok(self.read_events(&mut state.reader, after, limit).await?.into());
            }
        };
        let mut batch = SharedBatch {
            events: Vec::new(),
            next_after: after,
        };
        let mut state = shared.state.lock().await;
        let state = &mut *state;
        for record in records {
            if batch.events.len() >= limit.max(1) {
                break;
            }
            batch.next_after = record.seq;
            let outcome = match state.released.get(&record.seq) {
                Some((at, outcome)) if at.elapsed() < RELEASE_TTL => outcome.clone(),
                _ => {
                    let outcome = self
                        .release_event(&mut state.reader, &record)
                        .await?
                        .map(Arc::new);
                    state
                        .released
                        .insert(record.seq, (Instant::now(), outcome.clone()));
                    outcome
                }
            };
            if let Some(event) = outcome {
                batch.events.push(event);
            }
        }
        // Outcomes past their time are never reused: memory holds about one `RELEASE_TTL` of events per reader.
        while let Some((_, (at, _))) = state.released.first_key_value()
            && (state.released.len() > KEPT || at.elapsed() >= RELEASE_TTL)
        {
            state.released.pop_first();
        }
        Ok(batch)
    }
}
