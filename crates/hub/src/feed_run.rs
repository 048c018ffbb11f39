//! Pulling a feed (issue 17, docs/federation.md): one run walks the upstream collection from the saved
//! position, page by page, through the normal ingest, saving the position after each page.
//!
//! Invariants:
//! - Objects enter only through `Hub::add_objects` as the feed's account (validation, PII screening,
//!   ownership, quotas, events, audit). An invalid object is a failure of its own, with its reason in the
//!   feed's warnings; it never stops the page or touches the rest of the collection.
//! - The position (`FeedState::watermark`) moves only after the page below it was committed, so a run that
//!   dies (the upstream killed, this process killed) resumes where the last committed page ended; the page
//!   that was in flight is fetched again, and what of it arrived already is recognised (below).
//! - Nothing arrives twice and nothing loops between hubs: a version whose (id, version) the local collection
//!   already holds — stored by anyone, or arrived by another feed — is skipped (checked as the operator, per
//!   page, with one `match[id]` manifest read), and so is a version this hub deleted as a tombstone. Each
//!   version a feed stores gets a provenance record (`prov/{collection}/{id}|{version}`: the feed and its
//!   upstream URL).
//! - A run ends: paging follows `taxii::paging` (every step advances) and is bounded by `MAX_PAGES_PER_RUN`;
//!   each request is bounded by the source's timeout and retries.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use store::{Expect, RecordScan, RecordWrite};
use taxii::paging::{Position, Step};
use taxii::query::{ListParams, VersionParam};

use crate::delegation::AdminAction;
use crate::feed_reconcile::prov_prefix;
use crate::feeds::{FeedConfig, FeedSource, FeedState, NS, Upstream, UpstreamQuery, json, state_key};
use crate::read::ListKind;
use crate::{Caller, Hub, HubError, HubResult, now_micros};

/// Objects asked per page.
pub const FEED_PAGE_SIZE: u32 = 1000;
/// The most pages one run fetches (a run always ends; the next run resumes).
pub const MAX_PAGES_PER_RUN: u64 = 100_000;
/// How many problem messages a feed's status keeps.
const MAX_WARNINGS: usize = 20;
/// How long a run holds its feed without saving a page (a crashed run's hold expires after this).
const RUN_LEASE_MICROS: i64 = 120_000_000;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FeedRun {
    /// Versions stored.
    pub stored: u64,
    /// Versions already here (skipped).
    pub present: u64,
    /// Versions refused, with reasons in `warnings`.
    pub failed: u64,
    /// Versions deleted as the upstream deleted them.
    pub deleted: u64,
    /// Pages fetched.
    pub pages: u64,
    /// The run reached the end of the upstream collection.
    pub caught_up: bool,
    /// Problems that did not stop the run.
    pub warnings: Vec<String>,
}

/// Where a version came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Provenance {
    pub(crate) feed: String,
    pub(crate) upstream: String,
    pub(crate) at: i64,
}

#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow, default)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    modified: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    created: Option<std::borrow::Cow<'a, str>>,
}

/// `{id}|{version as ns since the epoch}`: versions compared as instants, whatever text precision a server
/// prints (`""` for an unversioned object).
pub(crate) fn version_key(id: &str, version: Option<&str>) -> String {
    let version = version.map_or_else(String::new, |text| {
        stix::timestamp::Timestamp::parse(text)
            .map_or_else(|_| text.to_owned(), |t| t.unix_nanos().to_string())
    });
    format!("{id}|{version}")
}

impl Hub {
    /// Pulls feed `id` once now (`stixhub feed run`, the admin API); the run's counts, or the failure in words
    /// (also saved as the feed's `last_error`).
    pub async fn run_feed(&self, caller: &Caller, source: &dyn FeedSource, id: &str) -> HubResult<FeedRun> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        self.feed_config(id).await?;
        // Another process (`serve`'s schedule) may be running it: wait for that run to end, bounded.
        let mut run = self.pull_feed(source, id).await;
        for _ in 0..600 {
            if !matches!(&run, Err(HubError::Conflict(_))) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            run = self.pull_feed(source, id).await;
        }
        let details = match &run {
            Ok(run) => {
                serde_json::json!({"feed": id, "stored": run.stored, "present": run.present, "failed": run.failed})
            }
            Err(err) => serde_json::json!({"feed": id, "error": err.to_string()}),
        };
        let n = run.as_ref().map_or(0, |run| run.stored);
        self.audit(&caller.account, "feed.run", n, details).await?;
        run
    }

    /// Runs every feed when it is due, for ever (`serve`): each feed every `every_secs`, backing off
    /// exponentially (to at most an hour) after failures in a row.
    pub async fn run_feed_scheduler(self: Arc<Self>, source: Arc<dyn FeedSource>, tick: Duration) {
        let mut ticks = tokio::time::interval(tick);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let configs = match self
                .store
                .records(RecordScan::prefix(NS, "config/", crate::feeds::MAX_FEEDS))
                .await
            {
                Ok(configs) => configs,
                Err(err) => {
                    tracing::warn!(error = %err, "listing feeds failed");
                    continue;
                }
            };
            for record in configs {
                let Ok(config) = serde_json::from_str::<FeedConfig>(&record.body) else {
                    continue;
                };
                let Ok((state, _)) = self.feed_state(&config.id).await else {
                    continue;
                };
                let backoff = 1u64 << state.consecutive_failures.min(8);
                let period = config
                    .every_secs
                    .saturating_mul(backoff)
                    .min(3600.max(config.every_secs));
                let due = state.last_attempt_micros.is_none_or(|at| {
                    now_micros() - at >= i64::try_from(period).unwrap_or(i64::MAX) * 1_000_000
                });
                if due {
                    match self.pull_feed(source.as_ref(), &config.id).await {
                        Ok(run) => tracing::debug!(feed = %config.id, stored = run.stored, "feed pulled"),
                        Err(err) => tracing::warn!(feed = %config.id, error = %err, "feed pull failed"),
                    }
                }
            }
        }
    }

    /// One run; its outcome is saved in the feed's state.
    async fn pull_feed(&self, source: &dyn FeedSource, id: &str) -> HubResult<FeedRun> {
        let config = self.feed_config(id).await?;
        let (mut state, mut version) = self.feed_state(id).await?;
        if state
            .running_until_micros
            .is_some_and(|until| until > now_micros())
        {
            return Err(HubError::Conflict(format!("feed {id} is being run elsewhere")));
        }
        state.running_until_micros = Some(now_micros() + RUN_LEASE_MICROS);
        state.last_attempt_micros = Some(now_micros());
        state.runs += 1;
        version = Some(self.save_feed_state(id, &state, version).await?);
        let mut run = FeedRun::default();
        let outcome = self
            .walk_feed(source, &config, &mut state, &mut version, &mut run)
            .await;
        let outcome = match outcome {
            Ok(()) if config.reconcile_every > 0 && state.runs % u64::from(config.reconcile_every) == 0 => {
                self.reconcile_feed(source, &config, &mut run).await
            }
            other => other,
        };
        state.objects_deleted += run.deleted;
        state.running_until_micros = None;
        state.last_warnings = run.warnings.clone();
        match &outcome {
            Ok(()) => {
                state.last_error = None;
                state.consecutive_failures = 0;
                if run.caught_up {
                    state.last_success_micros = Some(now_micros());
                }
            }
            Err(err) => {
                state.last_error = Some(err.to_string());
                state.failed_runs += 1;
                state.consecutive_failures = state.consecutive_failures.saturating_add(1);
            }
        }
        self.save_feed_state(id, &state, version).await?;
        outcome.map(|()| run)
    }

    async fn save_feed_state(&self, id: &str, state: &FeedState, version: Option<i64>) -> HubResult<i64> {
        let mut state = state.clone();
        if state.running_until_micros.is_some() {
            state.running_until_micros = Some(now_micros() + RUN_LEASE_MICROS);
        }
        let state = &state;
        let expect = version.map_or(Expect::Absent, Expect::Version);
        let written = self
            .store
            .write_records(
                vec![RecordWrite::put(NS, state_key(id), json(state)?).expecting(expect)],
                now_micros(),
            )
            .await
            .map_err(|err| match err {
                store::StoreError::Conflict(_) => HubError::Conflict(format!(
                    "feed {id} is being run elsewhere (its state changed during this run)"
                )),
                other => other.into(),
            })?;
        Ok(written.first().copied().unwrap_or_default())
    }

    async fn walk_feed(
        &self,
        source: &dyn FeedSource,
        config: &FeedConfig,
        state: &mut FeedState,
        version: &mut Option<i64>,
        run: &mut FeedRun,
    ) -> HubResult<()> {
        let upstream = self.feed_upstream(config).await?;
        let caller = self.account_caller(&config.account).await.map_err(|_| {
            HubError::BadRequest(format!(
                "the feed's account {:?} no longer exists or is disabled",
                config.account
            ))
        })?;
        let tombstones = self.tombstones(&config.collection).await?;
        let mut position = Position::resume(state.watermark.clone());
        let fetch = |position: &Position| {
            let query = UpstreamQuery {
                added_after: position.added_after.clone(),
                next: position.next.clone(),
                limit: FEED_PAGE_SIZE,
            };
            let upstream = &upstream;
            async move {
                source
                    .objects(upstream, &query)
                    .await
                    .map_err(|err| HubError::Unavailable(format!("upstream: {err}")))
            }
        };
        let mut page = fetch(&position).await?;
        loop {
            run.pages += 1;
            let step = taxii::paging::step(
                &position,
                &taxii::paging::PageAnswer {
                    more: page.more,
                    next: page.next.as_deref(),
                    date_added_last: page.date_added_last.as_deref(),
                    n_objects: page.objects.len(),
                    fingerprint: taxii::paging::fingerprint(
                        page.objects.first().map(|o| o.get()),
                        page.objects.last().map(|o| o.get()),
                        page.objects.len(),
                    ),
                },
            );
            // The next page is fetched while this one is ingested (the upstream serves as this hub stores).
            let prefetch = match &step {
                Step::Continue { position, .. } if run.pages < MAX_PAGES_PER_RUN => Some(fetch(position)),
                _ => None,
            };
            let ingest = self.ingest_feed_page(config, &caller, &upstream, page.objects, &tombstones, run);
            let (counts, next_page) = match prefetch {
                Some(prefetch) => {
                    let (counts, next_page) = tokio::join!(ingest, prefetch);
                    (counts, Some(next_page))
                }
                None => (ingest.await, None),
            };
            let counts = counts?;
            state.objects_pulled += counts.0;
            state.objects_present += counts.1;
            state.objects_failed += counts.2;
            state.pages += 1;
            let next_position = match step {
                Step::Continue { position, warning } => {
                    push_warning(run, warning);
                    state.watermark = position.watermark.clone();
                    position
                }
                Step::Done { watermark } => {
                    state.watermark = watermark;
                    *version = Some(self.save_feed_state(&config.id, state, *version).await?);
                    run.caught_up = true;
                    return Ok(());
                }
                Step::Stuck(reason) => {
                    *version = Some(self.save_feed_state(&config.id, state, *version).await?);
                    return Err(HubError::Unavailable(format!("upstream paging: {reason}")));
                }
            };
            *version = Some(self.save_feed_state(&config.id, state, *version).await?);
            match next_page {
                // A failed prefetch fails the run only now, with this page committed and its position saved.
                Some(next_page) => page = next_page?,
                None => {
                    push_warning(
                        run,
                        Some(format!(
                            "stopped after {MAX_PAGES_PER_RUN} pages; the next run continues"
                        )),
                    );
                    return Ok(());
                }
            }
            position = next_position;
        }
    }

    /// Ingests one page; (stored, present, failed).
    async fn ingest_feed_page(
        &self,
        config: &FeedConfig,
        caller: &Caller,
        upstream: &Upstream,
        objects: Vec<Box<serde_json::value::RawValue>>,
        tombstones: &HashSet<String>,
        run: &mut FeedRun,
    ) -> HubResult<(u64, u64, u64)> {
        if objects.is_empty() {
            return Ok((0, 0, 0));
        }
        let heads: Vec<Option<(String, Option<String>)>> = objects
            .iter()
            .map(|raw| {
                serde_json::from_str::<Head<'_>>(raw.get()).ok().and_then(|head| {
                    let version = head.modified.or(head.created).map(|v| v.into_owned());
                    head.id.map(|id| (id.into_owned(), version))
                })
            })
            .collect();
        let ids: Vec<String> = heads
            .iter()
            .flatten()
            .map(|(id, _)| id.clone())
            // An id that is not a STIX id cannot be here; ingest will refuse its object.
            .filter(|id| stix::id::StixId::parse(id).is_ok())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let here = self.versions_here(config, &ids).await?;
        let mut present = 0u64;
        let mut keep = Vec::with_capacity(objects.len());
        let mut seen = HashSet::new();
        for (raw, head) in objects.into_iter().zip(heads) {
            if let Some((id, version)) = &head {
                let key = version_key(id, version.as_deref());
                let unversioned_here = version.is_none() && here.contains(&version_key(id, None));
                if here.contains(&key) || unversioned_here || tombstones.contains(&key) || !seen.insert(key) {
                    present += 1;
                    continue;
                }
            }
            keep.push((raw, head));
        }
        if keep.is_empty() {
            run.present += present;
            return Ok((0, present, 0));
        }
        let mut body =
            String::with_capacity(keep.iter().map(|(raw, _)| raw.get().len() + 1).sum::<usize>() + 16);
        body.push_str("{\"objects\":[");
        for (object_idx, (raw, _)) in keep.iter().enumerate() {
            if object_idx > 0 {
                body.push(',');
            }
            match map_markings(raw.get(), &config.marking_map) {
                Some(mapped) => body.push_str(&mapped),
                None => body.push_str(raw.get()),
            }
        }
        body.push_str("]}");
        let status = self
            .add_objects(caller, &config.api_root, &config.collection, body.into_bytes())
            .await?;
        let stored = status.success_count + status.pending_count;
        for failure in &status.failures {
            push_warning(
                run,
                Some(format!(
                    "{} {}: refused: {}",
                    failure.id,
                    failure.version,
                    failure.message.as_deref().unwrap_or("invalid")
                )),
            );
        }
        let now = now_micros();
        let provenance = json(&Provenance {
            feed: config.id.clone(),
            upstream: upstream.url.clone(),
            at: now,
        })?;
        let failed_ids: HashSet<&str> = status.failures.iter().map(|f| f.id.as_str()).collect();
        let writes: Vec<RecordWrite> = keep
            .iter()
            .filter_map(|(_, head)| head.as_ref())
            .filter(|(id, _)| !failed_ids.contains(id.as_str()))
            .map(|(id, version)| {
                RecordWrite::put(
                    NS,
                    format!(
                        "{}{}",
                        prov_prefix(&config.collection),
                        version_key(id, version.as_deref())
                    ),
                    provenance.clone(),
                )
            })
            .collect();
        if !writes.is_empty() {
            self.store.write_records(writes, now).await?;
        }
        run.stored += stored;
        run.present += present;
        run.failed += status.failure_count;
        Ok((stored, present, status.failure_count))
    }

    /// The (id|version) keys of `ids` the local collection holds, from anyone (read as the operator).
    async fn versions_here(&self, config: &FeedConfig, ids: &[String]) -> HubResult<HashSet<String>> {
        let mut here = HashSet::new();
        if ids.is_empty() {
            return Ok(here);
        }
        let mut next = None;
        loop {
            let params = ListParams {
                added_after: None,
                limit: Some(u32::try_from(self.config.max_page_size).unwrap_or(u32::MAX)),
                next,
                ids: ids.to_vec(),
                types: Vec::new(),
                versions: VersionParam::All,
                spec_versions: Vec::new(),
            };
            let page = self
                .list(
                    &Caller::operator(),
                    &config.api_root,
                    &config.collection,
                    ListKind::Manifest,
                    &params,
                )
                .await?;
            for record in &page.records {
                here.insert(version_key(&record.id, record.version.as_deref()));
                if record.version.is_none() {
                    here.insert(version_key(&record.id, None));
                }
            }
            match page.next {
                Some(cursor) if page.more => next = Some(cursor),
                _ => return Ok(here),
            }
        }
    }
}

pub(crate) fn push_warning(run: &mut FeedRun, warning: Option<String>) {
    if let Some(warning) = warning
        && run.warnings.len() < MAX_WARNINGS
    {
        run.warnings.push(warning);
    }
}

/// The object with its `object_marking_refs` replaced per `map`, or `None` when nothing changes (then its bytes
/// go on unchanged).
fn map_markings(raw: &str, map: &std::collections::BTreeMap<String, String>) -> Option<String> {
    if map.is_empty() || !map.keys().any(|from| raw.contains(from.as_str())) {
        return None;
    }
    let mut value: serde_json::Value = serde_json::from_str(raw).ok()?;
    let refs = value.get_mut("object_marking_refs")?.as_array_mut()?;
    let mut changed = false;
    for marking in refs.iter_mut() {
        if let Some(to) = marking.as_str().and_then(|from| map.get(from)) {
            *marking = serde_json::Value::from(to.as_str());
            changed = true;
        }
    }
    changed.then(|| value.to_string())
}
