//! This node's view of the event log's tail: a bounded ring of the newest events, read once from the store and
//! shared by every subscriber on the node, with a `watch` of the newest position and the wake-ups that move it.
//!
//! Invariants:
//! - The ring is bounded by count (`ring_capacity`) and by payload bytes (`ring_bytes`), whichever is
//!   reached first, so its memory does not depend on object sizes.
//! - The store's log is the truth. The ring only caches a contiguous run of it (`first ..= last`); a reader
//!   asking for older positions reads the store. Nothing is ever written to the ring but what the store
//!   returned, in order, so a position in the ring is committed.
//! - A deletion empties the ring's `object-added` events of the deleted versions (as the store's log does), so
//!   a reader served from the ring never gets an object that is gone.
//! - Ingest never waits on subscribers: a commit only wakes the tail (`Notify`, which coalesces), and
//!   subscribers wait on the `watch`, which holds one number. A slow subscriber falls behind the ring and
//!   reads the store, never holding anything that blocks a writer.
//! - Cross-node wake-ups go through `EventBus` (implemented outside the hub, e.g. over NATS); without one, or
//!   when it is down, `Hub::run_event_tail` polls the store every `EventsConfig::poll_interval`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use store::{EventRecord, OBJECT_ADDED, OBJECT_DELETED};
use tokio::sync::{Notify, watch};

use crate::{Hub, HubResult};

/// How many events one store read of the tail takes.
const TAIL_BATCH: usize = 1000;

/// Tells other nodes that events up to a position are committed. Implementations must not block: queue and
/// return (a lost announcement costs only latency, since every node also polls the log).
pub trait EventBus: Send + Sync + std::fmt::Debug {
    /// Events up to `seq` are committed on this node.
    fn announce(&self, seq: u64);
    /// Whether the bus is connected (for `/readyz` and metrics).
    fn connected(&self) -> bool;
}

/// Settings of the event stream.
#[derive(Debug, Clone)]
pub struct EventsConfig {
    /// Events older than this are removed from the log.
    pub retention_age: Duration,
    /// At most this many of the newest events are kept.
    pub retention_count: u64,
    /// How many of the newest events each node keeps in memory for its subscribers.
    pub ring_capacity: usize,
    /// At most this many bytes of event payload (object JSON) in that memory: large objects shorten the ring
    /// instead of growing the process (65,536 reports of 100 KiB would otherwise hold 6 GiB).
    pub ring_bytes: usize,
    /// How often the tail reads the log when nothing woke it (the fallback when a wake-up is lost).
    pub poll_interval: Duration,
}

impl Default for EventsConfig {
    fn default() -> EventsConfig {
        EventsConfig {
            retention_age: Duration::from_secs(7 * 24 * 3600),
            retention_count: 10_000_000,
            ring_capacity: 65_536,
            ring_bytes: 32 << 20,
            poll_interval: Duration::from_secs(1),
        }
    }
}

#[derive(Debug, Default)]
struct Ring {
    /// The position of `entries[0]` (when empty: the next position expected).
    first: u64,
    entries: VecDeque<Arc<EventRecord>>,
    /// The approximate heap size of `entries` (see `footprint`).
    bytes: usize,
}

/// A deletion reached the ring: the `object-added` events of that version in the ring lose their bytes, as the
/// store's copy of the log does (`raw` is `None` once a version is deleted), so a reader released from the
/// ring gets nothing for them, exactly like a reader of the store.
fn forget_deleted(ring: &mut Ring, deleted: &EventRecord) {
    let Some(gone) = &deleted.object else { return };
    for entry in &mut ring.entries {
        let same = entry.kind == OBJECT_ADDED
            && entry.collection == deleted.collection
            && entry.object.as_ref().is_some_and(|o| {
                o.raw.is_some()
                    && o.id == gone.id
                    && o.version == gone.version
                    && o.date_added == gone.date_added
            });
        if same {
            let mut emptied = EventRecord::clone(entry);
            if let Some(object) = emptied.object.as_mut() {
                let freed = object.raw.take().map_or(0, |raw| raw.len());
                ring.bytes = ring.bytes.saturating_sub(freed);
            }
            *entry = Arc::new(emptied);
        }
    }
}

/// Roughly what one event holds on the heap: its JSON and strings plus a fixed overhead.
fn footprint(event: &EventRecord) -> usize {
    let object = event.object.as_ref().map_or(0, |o| {
        o.raw.as_ref().map_or(0, String::len)
            + o.id.len()
            + o.sharing.markings.iter().map(String::len).sum::<usize>()
            + o.sharing.recipients.iter().map(String::len).sum::<usize>()
    });
    256 + event.kind.len() + object + event.payload.as_ref().map_or(0, String::len)
}

/// The shared tail state (one per hub).
#[derive(Debug)]
pub(crate) struct EventTail {
    ring: RwLock<Ring>,
    latest: watch::Sender<u64>,
    wake: Notify,
    /// Serialises refreshes (one store read at a time).
    refreshing: tokio::sync::Mutex<()>,
    bus: RwLock<Option<Arc<dyn EventBus>>>,
    started: AtomicBool,
    /// Whether `Hub::start_event_tail` spawned the tail task.
    running: AtomicBool,
    /// The oldest position the store still holds, as last read.
    log_first: AtomicU64,
}

impl Default for EventTail {
    fn default() -> EventTail {
        EventTail {
            ring: RwLock::new(Ring::default()),
            latest: watch::Sender::new(0),
            wake: Notify::new(),
            refreshing: tokio::sync::Mutex::new(()),
            bus: RwLock::new(None),
            started: AtomicBool::new(false),
            running: AtomicBool::new(false),
            log_first: AtomicU64::new(1),
        }
    }
}

impl EventTail {
    /// Up to `limit` events after `after` if the ring holds that run (`None`: read the store).
    pub(crate) fn cached_after(&self, after: u64, limit: usize) -> Option<Vec<Arc<EventRecord>>> {
        let ring = self
            .ring
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !self.started.load(Ordering::Acquire) || after + 1 < ring.first {
            return None;
        }
        let skip = usize::try_from(after + 1 - ring.first).unwrap_or(usize::MAX);
        Some(ring.entries.iter().skip(skip).take(limit).cloned().collect())
    }

    pub(crate) fn latest(&self) -> u64 {
        *self.latest.borrow()
    }

    fn log_first(&self) -> u64 {
        self.log_first.load(Ordering::Relaxed)
    }

    fn push(&self, events: Vec<EventRecord>, capacity: usize, max_bytes: usize) -> Option<u64> {
        let mut ring = self
            .ring
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut last = None;
        for event in events {
            let next = ring.first + ring.entries.len() as u64;
            if event.seq != next {
                // Not contiguous (a restart of the ring): start over at this event.
                ring.entries.clear();
                ring.bytes = 0;
                ring.first = event.seq;
            }
            last = Some(event.seq);
            if event.kind == OBJECT_DELETED {
                forget_deleted(&mut ring, &event);
            }
            ring.bytes += footprint(&event);
            ring.entries.push_back(Arc::new(event));
            while ring.entries.len() > capacity.max(1) || (ring.bytes > max_bytes && ring.entries.len() > 1) {
                if let Some(old) = ring.entries.pop_front() {
                    ring.bytes = ring.bytes.saturating_sub(footprint(&old));
                }
                ring.first += 1;
            }
        }
        last
    }
}

impl Hub {
    /// Installs the cross-node bus (at most once; later calls replace it).
    pub fn set_event_bus(&self, bus: Arc<dyn EventBus>) {
        *self
            .event_tail
            .bus
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(bus);
    }

    /// Whether a bus is installed and connected (`None`: no bus configured).
    pub fn event_bus_connected(&self) -> Option<bool> {
        self.event_tail
            .bus
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|bus| bus.connected())
    }

    /// A name for this hub's event bus channel, the same on every node of one store (from a store secret, so
    /// hubs on different stores sharing one NATS server never wake each other).
    pub async fn event_bus_name(&self) -> HubResult<String> {
        let secret = self.store.secret("event-bus").await?;
        Ok(secret[..8].iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Wakes this node's tail (another node announced new events, or a local write committed some).
    pub fn wake_events(&self) {
        self.event_tail.wake.notify_one();
    }

    /// Called after a local write that appended events: wakes the tail; the tail announces to other nodes.
    pub(crate) fn events_committed(&self) {
        self.event_tail.wake.notify_one();
    }

    /// A receiver of the newest position this node has read from the log (subscribers wait on it).
    pub fn watch_events(&self) -> watch::Receiver<u64> {
        self.event_tail.latest.subscribe()
    }

    /// The oldest position the log still holds, as this node last read it.
    pub fn oldest_event(&self) -> u64 {
        self.event_tail.log_first()
    }

    /// Up to `limit` events after `position` for a follower of the log (the live index, the scores): from this
    /// node's ring when it holds them, else from the store.
    pub(crate) async fn events_to_apply(
        &self,
        position: u64,
        limit: usize,
    ) -> HubResult<Vec<Arc<EventRecord>>> {
        Ok(match self.event_tail.cached_after(position, limit) {
            Some(cached) if !cached.is_empty() || self.event_tail.latest() <= position => cached,
            _ => self
                .store
                .events_after(position, limit)
                .await?
                .into_iter()
                .map(Arc::new)
                .collect(),
        })
    }

    /// The newest position this node has read from the log.
    pub fn latest_event(&self) -> u64 {
        self.event_tail.latest()
    }

    /// Reads the log past the ring's end into the ring, moves the watch and announces the new position to the
    /// bus when this node found new events. Returns the newest position.
    pub async fn refresh_events(&self) -> HubResult<u64> {
        let _turn = self.event_tail.refreshing.lock().await;
        let tail = &self.event_tail;
        if !tail.started.load(Ordering::Acquire) {
            let bounds = self.store.event_bounds().await?;
            {
                let mut ring = tail
                    .ring
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                ring.first = bounds.latest + 1;
                ring.entries.clear();
                ring.bytes = 0;
            }
            tail.log_first.store(bounds.first, Ordering::Relaxed);
            tail.latest.send_replace(bounds.latest);
            tail.started.store(true, Ordering::Release);
        }
        let before = tail.latest();
        let mut last = before;
        loop {
            let events = self.store.events_after(last, TAIL_BATCH).await?;
            let n = events.len();
            let events_config = &self.config.events;
            if let Some(seq) = tail.push(events, events_config.ring_capacity, events_config.ring_bytes) {
                last = seq;
            }
            if n < TAIL_BATCH {
                break;
            }
        }
        if last > before {
            tail.latest.send_replace(last);
            let bus = tail
                .bus
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            if let Some(bus) = bus {
                bus.announce(last);
            }
        }
        Ok(last)
    }

    /// Spawns `run_event_tail` on the current runtime, once per hub.
    pub fn start_event_tail(self: &Arc<Hub>) {
        if !self.event_tail.running.swap(true, Ordering::AcqRel) {
            tokio::spawn(Arc::clone(self).run_event_tail());
        }
    }

    /// Runs this node's tail until the hub is dropped: refreshes on every wake-up and at least every
    /// `poll_interval`; trims the log by the retention settings every minute. Errors are logged and retried.
    pub async fn run_event_tail(self: Arc<Hub>) {
        let poll = self.config.events.poll_interval;
        let mut next_trim = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            if let Err(err) = self.refresh_events().await {
                tracing::warn!(error = %err, "reading the event log failed; retrying");
            }
            if tokio::time::Instant::now() >= next_trim {
                next_trim = tokio::time::Instant::now() + Duration::from_secs(60);
                match self.trim_events().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "event log trimmed by retention"),
                    Err(err) => tracing::warn!(error = %err, "trimming the event log failed"),
                }
            }
            if Arc::strong_count(&self) == 1 {
                return;
            }
            tokio::select! {
                () = self.event_tail.wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Removes events the retention settings let go; returns how many.
    pub async fn trim_events(&self) -> HubResult<u64> {
        let age = i64::try_from(self.config.events.retention_age.as_micros()).unwrap_or(i64::MAX);
        let removed = self
            .store
            .trim_events(store::EventRetention {
                before_micros: crate::now_micros().saturating_sub(age),
                keep_latest: self.config.events.retention_count,
            })
            .await?;
        let bounds = self.store.event_bounds().await?;
        self.event_tail.log_first.store(bounds.first, Ordering::Relaxed);
        Ok(removed)
    }
}
