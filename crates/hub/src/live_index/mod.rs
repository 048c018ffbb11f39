//! The live indicator index (issue 14): every current `pattern_type: stix` indicator of every collection in a
//! `matcher` index, on this node.
//!
//! - **Build.** `Hub::start_live_index` notes the event log's newest position, then reads every collection's
//!   newest indicator versions from the store, page by page; parsing and insertion run on blocking threads,
//!   with progress logged every 100,000 indicators. Until the build ends, matching answers `Unavailable`.
//! - **Kept current.** It then applies every event after that position, in order: an `object-added`
//!   indicator version is applied (`state::IndexState::apply`: newer versions replace older ones; revoked,
//!   expired and unmatchable ones leave; not-yet-valid ones wait for their `valid_from`); an `object-deleted`
//!   one forgets its key and re-applies the versions the store still holds for it. Each node tails the shared
//!   event log itself (local commits wake it at once; other nodes through the `EventBus` or the poll), so
//!   every node keeps its own index. If the log was trimmed past this node's position, it rebuilds.
//! - **Bounds.** The index holds pattern texts and anchors only; the bytes of indicators stay in the store,
//!   and matches are released per reader by `crate::live_match` through the release gate.

pub(crate) mod state;

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use matcher::indicator::IndicatorRecord;
use matcher::time::Moment;
use store::{EventRecord, ObjectQuery, Projection, StoredObject, VersionSelector};
use tokio::sync::watch;

use self::state::{IndexState, index_key};
use crate::{Hub, HubError, HubResult};

/// Indicators read from the store per page while building.
const BUILD_PAGE: usize = 5000;
/// Events applied per read of the log.
const EVENT_BATCH: usize = 1000;
/// Progress is logged every this many indicators.
const PROGRESS_EVERY: u64 = 100_000;

/// This node's live index.
#[derive(Debug)]
pub(crate) struct LiveIndex {
    pub(crate) state: RwLock<IndexState>,
    ready: AtomicBool,
    running: AtomicBool,
    /// The event position applied so far (0 before the first build ends).
    applied: watch::Sender<u64>,
}

impl Default for LiveIndex {
    fn default() -> LiveIndex {
        LiveIndex {
            state: RwLock::new(IndexState::default()),
            ready: AtomicBool::new(false),
            running: AtomicBool::new(false),
            applied: watch::Sender::new(0),
        }
    }
}

impl LiveIndex {
    pub(crate) fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, IndexState> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, IndexState> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Sizes of the live index, for logs, metrics and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiveIndexStats {
    /// Whether the first build has finished.
    pub ready: bool,
    /// Indicators in force.
    pub indicators: usize,
    /// Versions waiting for their `valid_from`.
    pub pending: usize,
    /// Versions whose pattern the engine refuses.
    pub unmatchable: u64,
    /// The event position applied.
    pub position: u64,
}

/// The parts of an indicator's JSON the index reads (borrowed where the text has no escapes).
#[derive(serde::Deserialize)]
struct IndicatorFields<'a> {
    #[serde(borrow, rename = "type")]
    object_type: Cow<'a, str>,
    #[serde(borrow)]
    pattern_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pattern: Option<Cow<'a, str>>,
    #[serde(borrow)]
    modified: Option<Cow<'a, str>>,
    #[serde(borrow)]
    created: Option<Cow<'a, str>>,
    #[serde(borrow)]
    valid_from: Option<Cow<'a, str>>,
    #[serde(borrow)]
    valid_until: Option<Cow<'a, str>>,
    #[serde(default)]
    revoked: bool,
}

/// The record of a stored indicator version, or `None` when it is not a STIX-pattern indicator the index can
/// read (another pattern language, no pattern, unreadable timestamps).
pub(crate) fn record_from_raw(raw: &str) -> Option<IndicatorRecord> {
    let fields: IndicatorFields<'_> = serde_json::from_str(raw).ok()?;
    if fields.object_type != "indicator" || fields.pattern_type.as_deref().is_some_and(|t| t != "stix") {
        return None;
    }
    // `Err` for a timestamp present but unreadable (the version is not indexed), `Ok(None)` when absent.
    let time = |text: &Option<Cow<'_, str>>| match text.as_deref() {
        None => Ok(None),
        Some(text) => Moment::parse(text).map(Some).ok_or(()),
    };
    let modified = match time(&fields.modified).ok()? {
        Some(modified) => modified,
        None => time(&fields.created).ok()??,
    };
    let valid_from = time(&fields.valid_from).ok()?;
    let valid_until = time(&fields.valid_until).ok()?;
    Some(IndicatorRecord {
        id: String::new(),
        modified,
        valid_from,
        valid_until,
        revoked: fields.revoked,
        pattern: fields.pattern?.into_owned(),
    })
}

/// Now, as a matcher moment.
pub(crate) fn now_moment() -> Moment {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Moment::from_epoch_nanos(i128::try_from(since.as_nanos()).unwrap_or(i128::MAX))
}

/// The index key of a stored version.
fn key_of(collection: &store::CollectionId, stored: &StoredObject) -> String {
    let group =
        store::plan::submitter_group(&stored.sharing.submitter, stored.sharing.submitter_org.as_deref());
    index_key(collection.as_str(), &group, &stored.id)
}

impl Hub {
    /// Builds this node's live index in the background and keeps it current from the event log (once per
    /// hub; also starts the event tail it reads).
    pub fn start_live_index(self: &Arc<Hub>) {
        if self.live_index.running.swap(true, Ordering::AcqRel) {
            return;
        }
        self.start_event_tail();
        tokio::spawn(run_live_index(Arc::downgrade(self)));
    }

    /// Sizes of the live index.
    pub fn live_index_stats(&self) -> LiveIndexStats {
        let state = self.live_index.read();
        LiveIndexStats {
            ready: self.live_index.is_ready(),
            indicators: state.index.len(),
            pending: state.n_pending(),
            unmatchable: state.n_unmatchable,
            position: *self.live_index.applied.borrow(),
        }
    }

    /// Waits until the live index has applied the event log up to `seq` (or `timeout` passes); returns whether
    /// it has. (Tests and benchmarks use it; answers never wait.)
    pub async fn wait_live_index(&self, seq: u64, timeout: Duration) -> bool {
        let mut applied = self.live_index.applied.subscribe();
        let wait = applied.wait_for(|position| *position >= seq && self.live_index.is_ready());
        matches!(tokio::time::timeout(timeout, wait).await, Ok(Ok(_)))
    }

    /// Reads every collection's newest indicator versions into a new index state; returns it with the event
    /// position it is current at.
    async fn build_live_index(&self) -> HubResult<(IndexState, u64)> {
        let started = Instant::now();
        let position = self.store.event_bounds().await?.latest;
        let mut state = IndexState::default();
        let mut n_read: u64 = 0;
        for root in self.store.api_roots().await? {
            for collection in self.store.collections(&root.name).await? {
                let mut query = indicator_query(&collection.id, Vec::new());
                loop {
                    let page = self.store.query_objects(query.clone()).await?;
                    if let Some(last) = page.records.last() {
                        query.after = Some(last.position());
                    }
                    let before = n_read;
                    n_read += page.records.len() as u64;
                    let more = page.more;
                    let id = collection.id.clone();
                    state = tokio::task::spawn_blocking(move || {
                        let now = now_moment();
                        for stored in &page.records {
                            apply_stored(&mut state, &id, stored, now);
                        }
                        state
                    })
                    .await
                    .map_err(|err| HubError::Internal(format!("live index build failed: {err}")))?;
                    if n_read / PROGRESS_EVERY > before / PROGRESS_EVERY {
                        tracing::info!(
                            indicators = n_read,
                            elapsed_ms = started.elapsed().as_millis() as u64,
                            "building the live indicator index"
                        );
                    }
                    if !more {
                        break;
                    }
                }
            }
        }
        tracing::info!(
            read = n_read,
            in_force = state.index.len(),
            waiting = state.n_pending(),
            unmatchable = state.n_unmatchable,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "live indicator index built"
        );
        Ok((state, position))
    }

    /// Applies the events after `position`; `Ok(false)` when the log no longer holds the next one (rebuild).
    async fn apply_new_events(&self, position: &mut u64) -> HubResult<bool> {
        loop {
            let events = self.events_to_apply(*position, EVENT_BATCH).await?;
            let Some(first) = events.first() else {
                return Ok(true);
            };
            if first.seq != *position + 1 {
                return Ok(false);
            }
            let n = events.len();
            for event in events {
                self.apply_event(&event).await?;
                *position = event.seq;
            }
            self.live_index.applied.send_replace(*position);
            if n < EVENT_BATCH {
                return Ok(true);
            }
        }
    }

    async fn apply_event(&self, event: &EventRecord) -> HubResult<()> {
        let (Some(collection), Some(stored)) = (&event.collection, &event.object) else {
            return Ok(());
        };
        if stored.object_type != "indicator" {
            return Ok(());
        }
        match event.kind.as_str() {
            store::OBJECT_ADDED => {
                // No bytes: the version was deleted since; its delete event follows.
                apply_stored(&mut self.live_index.write(), collection, stored, now_moment());
            }
            store::OBJECT_DELETED => {
                let key = key_of(collection, stored);
                self.live_index.write().forget(&key);
                // What the store still holds for this key (a delete may take only some versions).
                let page = self
                    .store
                    .query_objects(indicator_query(collection, vec![stored.id.clone()]))
                    .await?;
                let mut state = self.live_index.write();
                let now = now_moment();
                for left in page.records.iter().filter(|left| key_of(collection, left) == key) {
                    apply_stored(&mut state, collection, left, now);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The newest indicator versions of a collection (of `ids`, when given), with their bytes.
fn indicator_query(collection: &store::CollectionId, ids: Vec<String>) -> ObjectQuery {
    ObjectQuery {
        collection: collection.clone(),
        ids,
        types: vec!["indicator".to_owned()],
        added_after: None,
        spec_versions: Vec::new(),
        versions: VersionSelector::last(),
        after: None,
        limit: BUILD_PAGE,
        projection: Projection::Full,
    }
}

fn apply_stored(
    state: &mut IndexState,
    collection: &store::CollectionId,
    stored: &StoredObject,
    now: Moment,
) {
    let Some(record) = stored.raw.as_deref().and_then(record_from_raw) else {
        return;
    };
    state.apply(key_of(collection, stored), record, now);
}

/// Builds, then follows the log until the hub is dropped (holding it only while working).
async fn run_live_index(hub: Weak<Hub>) {
    loop {
        let Some(strong) = hub.upgrade() else { return };
        let (state, mut position) = match strong.build_live_index().await {
            Ok(built) => built,
            Err(err) => {
                tracing::warn!(error = %err, "building the live indicator index failed; retrying");
                drop(strong);
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        *strong.live_index.write() = state;
        strong.live_index.ready.store(true, Ordering::Release);
        strong.live_index.applied.send_replace(position);
        let mut latest = strong.watch_events();
        let poll = strong.config.events.poll_interval;
        drop(strong);
        loop {
            let Some(strong) = hub.upgrade() else { return };
            match strong.apply_new_events(&mut position).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(
                        position,
                        "the event log was trimmed past the live index; rebuilding"
                    );
                    break;
                }
                Err(err) => {
                    tracing::warn!(error = %err, "updating the live indicator index failed; retrying")
                }
            }
            let now = now_moment();
            let next_due = {
                let mut state = strong.live_index.write();
                state.run_due(now);
                state.next_due()
            };
            drop(strong);
            let until_due = next_due.map_or(poll, |at| {
                let nanos = u64::try_from((at - now.epoch_nanos()).max(0)).unwrap_or(u64::MAX);
                Duration::from_nanos(nanos).min(poll)
            });
            tokio::select! {
                changed = latest.changed() => if changed.is_err() { return },
                () = tokio::time::sleep(until_due) => {}
            }
        }
    }
}
