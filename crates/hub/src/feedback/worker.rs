//! Keeping this node's scores current: build from the store, then follow the event log.
//!
//! - **Build.** Note the log's newest position, read every collection's newest indicator versions (their
//!   facts: producer, observable kind, validity) and every `feedback` record, solve the consensus once.
//! - **Follow.** After that position, in order: an `object-added` indicator updates its facts; a sighting or
//!   an opinion becomes feedback (`stix_feedback`); a `feedback` event re-reads that indicator's records (so
//!   a verdict given on another node counts here within the poll interval, at once on the node that took it).
//! - **Solve** again whenever feedback changed, at most every `SOLVE_EVERY`, on a blocking thread over a
//!   snapshot; the answer (consumer weights, producer reliabilities) is kept in memory and written to the
//!   `scores` records namespace (`consensus`), derived data anyone can rebuild.

use std::sync::Arc;
use std::sync::Weak;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::json;
use store::{EventRecord, ObjectQuery, Projection, RecordScan, RecordWrite, VersionSelector};

use super::state::{self, ScoreState};
use super::{FEEDBACK_EVENT, FeedbackRecord, NS_FEEDBACK, NS_SCORES, producer_of};
use crate::{Hub, HubError, HubResult};

/// Indicators read per page while building.
const BUILD_PAGE: usize = 5000;
/// Feedback records read per page while building.
const RECORD_PAGE: usize = 5000;
/// Events applied per read of the log.
const EVENT_BATCH: usize = 1000;
/// The shortest time between two solves.
const SOLVE_EVERY: Duration = Duration::from_secs(1);
/// How often the worker reads the event log itself when nothing woke it, whatever the tail's poll interval: a
/// verdict taken on another node counts here within this (issue 15: ≤ 1 s), also without a NATS bus.
const FEEDBACK_POLL: Duration = Duration::from_millis(250);

impl Hub {
    /// Starts this node's scoring worker (once per hub; also starts the event tail it follows).
    pub fn start_scores(self: &Arc<Hub>) {
        if self.scores.running.swap(true, Ordering::AcqRel) {
            return;
        }
        self.start_event_tail();
        tokio::spawn(run_scores(Arc::downgrade(self)));
    }

    /// Waits (at most `timeout`) for the first build; `Unavailable` if it has not finished.
    pub(crate) async fn scores_ready(self: &Arc<Hub>, timeout: Duration) -> HubResult<()> {
        self.start_scores();
        let mut ready = self.scores.ready.subscribe();
        match tokio::time::timeout(timeout, ready.wait_for(|ready| *ready)).await {
            Ok(Ok(_)) => Ok(()),
            _ => Err(HubError::Unavailable(
                "scores are still being computed".to_owned(),
            )),
        }
    }

    pub(super) async fn build_scores(&self) -> HubResult<(ScoreState, u64)> {
        let started = Instant::now();
        let position = self.store.event_bounds().await?.latest;
        let mut built = ScoreState::default();
        for root in self.store.api_roots().await? {
            for collection in self.store.collections(&root.name).await? {
                let mut query = indicator_query(&collection.id, Vec::new(), BUILD_PAGE);
                loop {
                    let page = self.store.query_objects(query.clone()).await?;
                    if let Some(last) = page.records.last() {
                        query.after = Some(last.position());
                    }
                    for stored in &page.records {
                        self.apply_indicator(&mut built, collection.id.as_str(), stored);
                    }
                    if !page.more {
                        break;
                    }
                }
            }
        }
        let mut scan = RecordScan::prefix(NS_FEEDBACK, "i/", RECORD_PAGE);
        loop {
            let page = self.store.records(scan.clone()).await?;
            for record in &page {
                if let Ok(parsed) = serde_json::from_str::<FeedbackRecord>(&record.body) {
                    built
                        .feedback
                        .entry(parsed.indicator.clone())
                        .or_default()
                        .push(parsed.to_feedback());
                }
            }
            match page.last() {
                Some(last) if page.len() == RECORD_PAGE => scan.after = Some(last.key.clone()),
                _ => break,
            }
        }
        let mut scan = RecordScan::prefix(NS_SCORES, "expired/", RECORD_PAGE);
        loop {
            let page = self.store.records(scan.clone()).await?;
            for record in &page {
                if let Some(id) = record.key.strip_prefix("expired/") {
                    built.announced.insert(id.to_owned());
                }
            }
            match page.last() {
                Some(last) if page.len() == RECORD_PAGE => scan.after = Some(last.key.clone()),
                _ => break,
            }
        }
        built.dirty = true;
        tracing::info!(
            indicators = built.indicators.len(),
            judged = built.feedback.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "scores built"
        );
        Ok((built, position))
    }

    /// Applies the events after `position`; `Ok(false)` when the log no longer holds the next one.
    async fn apply_score_events(&self, position: &mut u64) -> HubResult<bool> {
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
                self.apply_score_event(&event).await?;
                *position = event.seq;
            }
            if n < EVENT_BATCH {
                return Ok(true);
            }
        }
    }

    async fn apply_score_event(&self, event: &EventRecord) -> HubResult<()> {
        if event.kind == FEEDBACK_EVENT {
            let payload: serde_json::Value = event
                .payload
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or_default();
            if let Some(indicator) = payload["indicator"].as_str() {
                let entries = self.feedback_of(indicator).await?;
                self.scores.lock().set_feedback(indicator, entries);
            }
            return Ok(());
        }
        let (Some(collection), Some(stored)) = (&event.collection, &event.object) else {
            return Ok(());
        };
        if event.kind != store::OBJECT_ADDED || stored.raw.is_none() {
            return Ok(());
        }
        match stored.object_type.as_str() {
            "indicator" => {
                let mut state = self.scores.lock();
                self.apply_indicator(&mut state, collection.as_str(), stored);
            }
            "sighting" | "opinion" => self.stix_feedback(collection, stored).await?,
            _ => {}
        }
        Ok(())
    }

    /// Solves the consensus when feedback changed; writes its answer to the `scores` records.
    async fn solve_scores(&self) -> HubResult<()> {
        let snapshot = {
            let mut state = self.scores.lock();
            if !state.dirty {
                return Ok(());
            }
            state.dirty = false;
            state.snapshot()
        };
        let (snapshot, answer) = tokio::task::spawn_blocking(move || {
            let answer = snapshot.solve();
            (snapshot, answer)
        })
        .await
        .map_err(|err| HubError::Internal(format!("solving scores failed: {err}")))?;
        let body = {
            let mut state = self.scores.lock();
            state.take_solution(&snapshot, &answer);
            json!({
                "solved_micros": crate::now_micros(),
                "producer_reliability": state.reliability,
                "consumer_weight": state.weights,
            })
            .to_string()
        };
        self.store
            .write_records(
                vec![RecordWrite::put(NS_SCORES, "consensus", body)],
                crate::now_micros(),
            )
            .await?;
        Ok(())
    }
}

/// The newest indicator versions of a collection (of `ids`, when given), with their bytes, `limit` a page.
pub(super) fn indicator_query(
    collection: &store::CollectionId,
    ids: Vec<String>,
    limit: usize,
) -> ObjectQuery {
    ObjectQuery {
        collection: collection.clone(),
        ids,
        types: vec!["indicator".to_owned()],
        added_after: None,
        spec_versions: Vec::new(),
        versions: VersionSelector::last(),
        after: None,
        limit,
        projection: Projection::Full,
    }
}

impl Hub {
    /// Takes an indicator version's facts, and the id it is republished under.
    pub(crate) fn apply_indicator(
        &self,
        state: &mut ScoreState,
        collection: &str,
        stored: &store::StoredObject,
    ) {
        let Some(raw) = stored.raw.as_deref() else { return };
        let producer = producer_of(&stored.sharing.submitter, stored.sharing.submitter_org.as_deref());
        let shared = state
            .indicators
            .get(&stored.id)
            .map_or(stored.date_added, |known| {
                known.shared_micros.min(stored.date_added)
            });
        if let Some(facts) = state::facts_of(raw, producer, shared, collection) {
            state.indicators.insert(stored.id.clone(), facts);
            let org = crate::sharing::effective_org(
                &stored.sharing.submitter,
                stored.sharing.submitter_org.as_deref(),
            );
            if let Some(public) = self.public_id(&org, &stored.id) {
                state.aliases.insert(public, stored.id.clone());
            }
        }
    }
}

/// Builds, then follows the log until the hub is dropped (holding it only while working).
async fn run_scores(hub: Weak<Hub>) {
    loop {
        let Some(strong) = hub.upgrade() else { return };
        let (built, mut position) = match strong.build_scores().await {
            Ok(built) => built,
            Err(err) => {
                tracing::warn!(error = %err, "building the scores failed; retrying");
                drop(strong);
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        *strong.scores.lock() = built;
        if let Err(err) = strong.solve_scores().await {
            tracing::warn!(error = %err, "solving the scores failed");
        }
        strong.scores.ready.send_replace(true);
        let mut latest = strong.watch_events();
        let poll = strong.config.events.poll_interval;
        drop(strong);
        let mut last_solve = Instant::now();
        // The first check soon after the build, then every `CHECK_EVERY`.
        let mut last_expiry = Instant::now()
            .checked_sub(super::expiry::CHECK_EVERY)
            .unwrap_or_else(Instant::now);
        let mut timed_out = false;
        loop {
            let Some(strong) = hub.upgrade() else { return };
            if timed_out && let Err(err) = strong.refresh_events().await {
                tracing::warn!(error = %err, "reading the event log for the scores failed");
            }
            match strong.apply_score_events(&mut position).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(position, "the event log was trimmed past the scores; rebuilding");
                    break;
                }
                Err(err) => tracing::warn!(error = %err, "updating the scores failed; retrying"),
            }
            if last_solve.elapsed() >= SOLVE_EVERY {
                if let Err(err) = strong.solve_scores().await {
                    tracing::warn!(error = %err, "solving the scores failed");
                }
                last_solve = Instant::now();
            }
            if last_expiry.elapsed() >= super::expiry::CHECK_EVERY {
                if let Err(err) = strong.announce_expired().await {
                    tracing::warn!(error = %err, "announcing expired indicators failed");
                }
                last_expiry = Instant::now();
            }
            let dirty = strong.scores.lock().dirty;
            drop(strong);
            let wait = if dirty { SOLVE_EVERY.min(poll) } else { poll }.min(FEEDBACK_POLL);
            timed_out = tokio::select! {
                changed = latest.changed() => if changed.is_err() { return } else { false },
                () = tokio::time::sleep(wait) => true,
            };
        }
    }
}
