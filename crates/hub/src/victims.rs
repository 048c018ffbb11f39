//! Victim notification (issue 14): new indicator, observed-data and sighting versions are checked against the
//! verified assets of every organisation, and the owner — only it — is told, within its clearance.
//!
//! How (docs/assets.md):
//! - `run_victim_notifier` follows the event log from the newest position at start; each `object-added`
//!   event of an indicator (its pattern's values), observed-data (its SCOs, inline or by `object_refs` in the
//!   same collection) or sighting (the observed-data it names) is read for the values it involves
//!   (`assets::probe`) and looked up in an `AssetIndex` of the verified assets (rebuilt when a claim is
//!   verified or removed here, and after `INDEX_TTL` (longer for a large index, see `reuse_until`) for other
//!   nodes' changes). The matching runs on a blocking thread, a batch at a time.
//! - For each (asset, object) hit: when an account of the owner may read the version through the release gate
//!   now, a `victim-notification` event is appended for the owner organisation; otherwise a `victim-found`
//!   task for the version's submitter (and hub admins, who see every event without a collection) — the
//!   owner gets nothing until the producer (or a hub admin) releases it with `release_to_victim`, which names
//!   the owner as a recipient (`org:OWNER`, or its accounts for TLP:RED) and then notifies.
//! - Repeat suppression: each (asset, object id) notifies once and raises one task, ever, on every node
//!   (`Store::claim_notices`); new versions of a notified indicator stay quiet.
//! - The notification event carries no object: `event_read` releases the object per reader at delivery
//!   time, to accounts of the owner organisation only, exactly like a TAXII read (a right lost later hides
//!   it). Every notification, task and release is audited.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assets::{AssetIndex, Probe, probes_of_object};
use serde_json::{Value, json};
use store::{
    AssetRecord, Collection, CollectionId, EventRecord, NewEvent, OBJECT_ADDED, ObjectQuery, Projection,
    StoredObject, VersionSelector,
};

use crate::{Caller, Hub, HubError, HubResult};

/// The event kind of a notification to an asset's owner.
pub const NOTIFICATION: &str = "victim-notification";
/// The event kind of a "victim found" task for the producer and hub admins.
pub const TASK: &str = "victim-found";
/// The audit actor of notifications the hub raises by itself.
pub const VICTIM_ACTOR: &str = "hub:victims";
/// How long an index of verified assets is at least reused before it is read again (other nodes'
/// verifications); a large index is reused for 20 times as long as it took to build, so rebuilding stays
/// under 5% of the time (changes made on this node rebuild it at once).
const INDEX_TTL: Duration = Duration::from_secs(2);
/// The most referenced objects read per observed-data or sighting.
const MAX_REFS: usize = 100;
/// Events read per pass.
const BATCH: usize = 2000;

/// The verified assets and their index.
#[derive(Debug)]
pub(crate) struct OwnedIndex {
    index: AssetIndex,
    records: Vec<AssetRecord>,
}

/// This node's index cache.
#[derive(Debug, Default)]
pub(crate) struct VictimState {
    generation: AtomicU64,
    cached: Mutex<Option<(Instant, u64, Arc<OwnedIndex>)>>,
}

/// When an index built at `at` in `took` is to be read again.
fn reuse_until(at: Instant, took: Duration) -> Instant {
    at + INDEX_TTL.max(took * 20)
}

impl VictimState {
    /// Makes the next pass read the assets again (a claim was verified or removed here).
    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

/// What a pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct VictimCounts {
    /// Object versions examined.
    pub examined: u64,
    /// Notifications appended.
    pub notified: u64,
    /// Victim-found tasks appended.
    pub tasks: u64,
    /// Hits suppressed as repeats.
    pub suppressed: u64,
}

/// One object version involving one verified asset.
#[derive(Debug, Clone)]
struct Hit {
    asset: usize,
    collection: CollectionId,
    object: StoredObject,
    values: Vec<String>,
}

/// An object version to examine: the values read from it already (an indicator's pattern), or its JSON and the
/// SCOs its references lead to.
struct Examined {
    collection: CollectionId,
    record: Arc<EventRecord>,
    probes: Vec<Probe>,
    json: Option<Value>,
    referenced: Vec<Value>,
}

/// What the notifier reads of an indicator (borrowed where the text has no escapes): its pattern, without
/// building a JSON tree of the whole object.
#[derive(serde::Deserialize)]
struct PatternFields<'a> {
    #[serde(borrow)]
    pattern_type: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    pattern: Option<std::borrow::Cow<'a, str>>,
}

/// Whether an event may involve an asset: a stored version (with its bytes) of a type whose values are read.
fn examinable(record: &EventRecord) -> bool {
    record.kind == OBJECT_ADDED
        && record.collection.is_some()
        && record.object.as_ref().is_some_and(|object| {
            object.raw.is_some()
                && matches!(
                    object.object_type.as_str(),
                    "indicator" | "observed-data" | "sighting"
                )
        })
}

/// An examinable version read: an indicator's values (as `probes_of_object` reads them), or another type's JSON
/// (its references are resolved before matching). `None` when the bytes are not JSON.
fn read_version(object: &StoredObject) -> Option<(Vec<Probe>, Option<Value>)> {
    let raw = object.raw.as_deref()?;
    if object.object_type == "indicator"
        && let Ok(fields) = serde_json::from_str::<PatternFields<'_>>(raw)
    {
        let probes = match fields.pattern {
            Some(pattern) if fields.pattern_type.as_deref().is_none_or(|t| t == "stix") => {
                assets::probes_of_pattern(&pattern)
            }
            _ => Vec::new(),
        };
        return Some((probes, None));
    }
    serde_json::from_str::<Value>(raw)
        .ok()
        .map(|json| (Vec::new(), Some(json)))
}

impl Hub {
    /// The verified assets, indexed (cached; see `INDEX_TTL`).
    async fn verified_index(&self) -> HubResult<Arc<OwnedIndex>> {
        let generation = self.victims.generation.load(Ordering::Acquire);
        if let Some((until, cached_generation, index)) = &*self.victims_cache()
            && *cached_generation == generation
            && Instant::now() < *until
        {
            return Ok(Arc::clone(index));
        }
        let started = Instant::now();
        let records: Vec<AssetRecord> = self
            .store
            .assets(None)
            .await?
            .into_iter()
            .filter(|record| record.verified_by.is_some())
            .collect();
        let built = tokio::task::spawn_blocking(move || {
            let (records, claims): (Vec<AssetRecord>, Vec<assets::Asset>) = records
                .into_iter()
                .filter_map(|record| crate::asset_claims::parsed(&record).map(|asset| (record, asset)))
                .unzip();
            OwnedIndex {
                index: AssetIndex::new(claims),
                records,
            }
        })
        .await
        .map_err(|err| HubError::Internal(format!("asset index task failed: {err}")))?;
        let built = Arc::new(built);
        *self.victims_cache() = Some((
            reuse_until(started, started.elapsed()),
            generation,
            Arc::clone(&built),
        ));
        Ok(built)
    }

    fn victims_cache(&self) -> std::sync::MutexGuard<'_, Option<(Instant, u64, Arc<OwnedIndex>)>> {
        self.victims
            .cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Follows the event log from its newest position and notifies victims, until the hub is dropped.
    /// Errors are logged and the batch retried.
    pub async fn run_victim_notifier(self: Arc<Hub>) {
        let mut events = self.watch_events();
        let mut after = match self.store.event_bounds().await {
            Ok(bounds) => bounds.latest,
            Err(_) => self.latest_event(),
        };
        loop {
            // The node's ring when it holds the events (the tail read them with their bytes already).
            match self.events_to_apply(after, BATCH).await {
                Ok(records) if !records.is_empty() => {
                    let last = records.last().map_or(after, |r| r.seq);
                    match self.notify_victims(&records).await {
                        Ok(_) => after = last,
                        Err(err) => {
                            tracing::warn!(error = %err, "victim notification failed; retrying");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                    continue;
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "reading the event log for victims failed"),
            }
            if Arc::strong_count(&self) == 1 {
                return;
            }
            tokio::select! {
                changed = events.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                () = tokio::time::sleep(self.config.events.poll_interval) => {}
            }
        }
    }

    /// Examines `records` (event log entries) and notifies the owners of verified assets they involve.
    pub async fn notify_victims(&self, records: &[Arc<EventRecord>]) -> HubResult<VictimCounts> {
        let candidates: Vec<Arc<EventRecord>> = records
            .iter()
            .filter(|record| examinable(record))
            .cloned()
            .collect();
        let mut counts = VictimCounts {
            examined: candidates.len() as u64,
            ..VictimCounts::default()
        };
        if candidates.is_empty() {
            return Ok(counts);
        }
        // Nothing is read while no asset is verified (a hub without claims pays nothing per version).
        let index = self.verified_index().await?;
        if index.records.is_empty() {
            return Ok(counts);
        }
        // Reading the versions' JSON is CPU work: off the async threads, a batch at a time.
        let read = tokio::task::spawn_blocking(move || {
            candidates
                .into_iter()
                .filter_map(|record| {
                    let (probes, json) = read_version(record.object.as_ref()?)?;
                    Some((record, probes, json))
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|err| HubError::Internal(format!("reading versions for victims failed: {err}")))?;
        counts.examined = read.len() as u64;
        let mut examined = Vec::with_capacity(read.len());
        for (record, probes, json) in read {
            let Some(collection) = record.collection.clone() else {
                continue;
            };
            let referenced = match &json {
                Some(json) => self.referenced_scos(&collection, json).await?,
                None => Vec::new(),
            };
            examined.push(Examined {
                collection,
                record,
                probes,
                json,
                referenced,
            });
        }
        let hits = {
            let index = Arc::clone(&index);
            tokio::task::spawn_blocking(move || find_hits(&index, examined))
                .await
                .map_err(|err| HubError::Internal(format!("asset matching task failed: {err}")))?
        };
        self.raise(&index, hits, &mut counts).await?;
        Ok(counts)
    }

    /// The SCOs an observed-data names by `object_refs`, or the observed-data a sighting names (and theirs),
    /// read from the same collection (bounded by `MAX_REFS`).
    async fn referenced_scos(&self, collection: &CollectionId, json: &Value) -> HubResult<Vec<Value>> {
        let refs = |key: &str, value: &Value| -> Vec<String> {
            value
                .get(key)
                .and_then(Value::as_array)
                .map(|ids| {
                    ids.iter()
                        .filter_map(Value::as_str)
                        .take(MAX_REFS)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut ids = refs("object_refs", json);
        let mut out = Vec::new();
        if json.get("type").and_then(Value::as_str) == Some("sighting") {
            for observed in self
                .objects_by_id(collection, refs("observed_data_refs", json))
                .await?
            {
                ids.extend(refs("object_refs", &observed));
                out.push(observed);
            }
        }
        ids.truncate(MAX_REFS);
        out.extend(self.objects_by_id(collection, ids).await?);
        Ok(out)
    }

    async fn objects_by_id(&self, collection: &CollectionId, ids: Vec<String>) -> HubResult<Vec<Value>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let page = self
            .store
            .query_objects(ObjectQuery {
                collection: collection.clone(),
                ids,
                types: Vec::new(),
                added_after: None,
                spec_versions: Vec::new(),
                versions: VersionSelector::last(),
                after: None,
                limit: MAX_REFS,
                projection: Projection::Full,
            })
            .await?;
        Ok(page
            .records
            .iter()
            .filter_map(|r| r.raw.as_deref().and_then(|raw| serde_json::from_str(raw).ok()))
            .collect())
    }

    /// Turns hits into notifications or tasks, once per (asset, object) ever (one `claim_notices` for the
    /// batch), and audits them.
    async fn raise(&self, index: &OwnedIndex, hits: Vec<Hit>, counts: &mut VictimCounts) -> HubResult<()> {
        let mut readers: HashMap<String, Vec<Caller>> = HashMap::new();
        let mut collections: HashMap<String, Option<Collection>> = HashMap::new();
        // The accounts of each organisation, grouped once per batch (not scanned once per organisation hit).
        let mut accounts: Option<HashMap<String, Vec<store::Account>>> = None;
        let mut decided = Vec::with_capacity(hits.len());
        for hit in hits {
            let asset = &index.records[hit.asset];
            let collection_id = hit.collection.as_str().to_owned();
            if !collections.contains_key(&collection_id) {
                let found = self.store.find_collection(&collection_id).await?;
                collections.insert(collection_id.clone(), found);
            }
            let Some(Some(collection)) = collections.get(&collection_id) else {
                continue;
            };
            if !readers.contains_key(&asset.org) {
                if accounts.is_none() {
                    let mut by_org: HashMap<String, Vec<store::Account>> = HashMap::new();
                    for account in self.store.accounts().await? {
                        if let Some(org) = account.org.clone() {
                            by_org.entry(org).or_default().push(account);
                        }
                    }
                    accounts = Some(by_org);
                }
                let members = match accounts.as_ref().and_then(|by_org| by_org.get(&asset.org)) {
                    Some(of_org) => self.org_readers(of_org, &asset.org).await,
                    None => Vec::new(),
                };
                readers.insert(asset.org.clone(), members);
            }
            let members = readers.get(&asset.org).map_or(&[][..], Vec::as_slice);
            let owner_reads = self.any_reads(members, collection, &hit.object).await?;
            let prefix = if owner_reads { "n" } else { "t" };
            decided.push((
                format!("{prefix}|{}|{}", asset.id, hit.object.id),
                owner_reads,
                hit,
            ));
        }
        let keys: Vec<String> = decided.iter().map(|(key, _, _)| key.clone()).collect();
        let claimed: std::collections::HashSet<String> =
            self.store.claim_notices(keys).await?.into_iter().collect();
        let mut events = Vec::new();
        let mut audit = Vec::new();
        for (key, owner_reads, hit) in decided {
            if !claimed.contains(&key) {
                counts.suppressed += 1;
                continue;
            }
            let asset = &index.records[hit.asset];
            let (event, action) = if owner_reads {
                counts.notified += 1;
                (notification(asset, &hit), "victim.notify")
            } else {
                counts.tasks += 1;
                (task(asset, &hit), "victim.task")
            };
            audit.push((action, audit_details(asset, &hit)));
            events.push(event);
        }
        if !events.is_empty() {
            self.store.append_events(events).await?;
            self.events_committed();
        }
        self.audit_batch(VICTIM_ACTOR, audit).await
    }

    /// The usable accounts of `org` among `accounts` (every account, as `Store::accounts` lists them), as
    /// readers.
    pub(crate) async fn org_readers(&self, accounts: &[store::Account], org: &str) -> Vec<Caller> {
        let mut readers = Vec::new();
        for account in accounts {
            if account.org.as_deref() == Some(org)
                && !account.disabled
                && let Ok(caller) = self.account_caller(&account.name).await
            {
                readers.push(caller);
            }
        }
        readers
    }

    /// Whether one of `readers` may be served the version now (the release gate, as a TAXII read).
    async fn any_reads(
        &self,
        readers: &[Caller],
        collection: &Collection,
        object: &StoredObject,
    ) -> HubResult<bool> {
        for reader in readers {
            if self
                .released_to(reader, collection, object.clone())
                .await?
                .is_some()
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The version as served to `reader`, if it may read it now.
    pub(crate) async fn released_to(
        &self,
        reader: &Caller,
        collection: &Collection,
        object: StoredObject,
    ) -> HubResult<Option<StoredObject>> {
        if !self.access(reader, collection).await?.can_read {
            return Ok(None);
        }
        let view = self.sharing_view(reader, collection).await?;
        let republish = self.republish_facts(&view, std::slice::from_ref(&object)).await?;
        let date_added = object.date_added;
        self.release_one(&view, object, republish.get(&date_added))
    }

    /// The stored version of `object_id` added at `date_added` in `collection`, with its current facts.
    pub(crate) async fn stored_version(
        &self,
        collection: &CollectionId,
        object_id: &str,
        date_added: i64,
    ) -> HubResult<Option<StoredObject>> {
        let mut after = None;
        loop {
            let page = self
                .store
                .query_objects(ObjectQuery {
                    collection: collection.clone(),
                    ids: vec![object_id.to_owned()],
                    types: Vec::new(),
                    added_after: Some(date_added - 1),
                    spec_versions: Vec::new(),
                    versions: VersionSelector::All,
                    after,
                    limit: 100,
                    projection: Projection::Full,
                })
                .await?;
            if let Some(found) = page.records.iter().find(|r| r.date_added == date_added) {
                return Ok(Some(found.clone()));
            }
            if !page.more || page.records.last().is_some_and(|r| r.date_added > date_added) {
                return Ok(None);
            }
            after = page.records.last().map(StoredObject::position);
        }
    }
}

/// The hits of a batch: each (verified asset, object version) pair, with the values that fell in it.
fn find_hits(index: &OwnedIndex, examined: Vec<Examined>) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut found = Vec::new();
    for item in examined {
        let Some(object) = item.record.object.as_ref() else {
            continue;
        };
        let mut probes = item.probes;
        if let Some(json) = &item.json {
            probes.extend(probes_of_object(json));
        }
        for referenced in &item.referenced {
            probes.extend(probes_of_object(referenced));
        }
        let mut by_asset: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for probe in &probes {
            found.clear();
            index.index.matches(probe, &mut found);
            for &handle in &found {
                let values = by_asset.entry(handle as usize).or_default();
                let value = probe.value();
                if !values.contains(&value) {
                    values.push(value);
                }
            }
        }
        for (asset, values) in by_asset {
            hits.push(Hit {
                asset,
                collection: item.collection.clone(),
                object: object.clone(),
                values,
            });
        }
    }
    hits
}

fn object_ref(hit: &Hit) -> Value {
    json!({
        "collection": hit.collection.as_str(),
        "id": hit.object.id,
        "type": hit.object.object_type,
        "date_added": hit.object.date_added,
    })
}

/// The notification event: no object, no collection (so only the named organisation reads it); the object
/// is released per reader at delivery (`event_read`).
fn notification(asset: &AssetRecord, hit: &Hit) -> NewEvent {
    NewEvent {
        kind: NOTIFICATION.to_owned(),
        collection: None,
        payload: json!({
            "audience": {"orgs": [asset.org]},
            "asset": {"id": asset.id, "kind": asset.kind, "value": asset.value},
            "object": object_ref(hit),
            "matched": hit.values,
        })
        .to_string(),
    }
}

/// The task for the version's submitter (hub admins read every event without a collection). It names the
/// owner organisation and the object's own values, not the owner's claim.
fn task(asset: &AssetRecord, hit: &Hit) -> NewEvent {
    NewEvent {
        kind: TASK.to_owned(),
        collection: None,
        payload: json!({
            "audience": {"accounts": [hit.object.sharing.submitter]},
            "owner": asset.org,
            "asset": asset.id,
            "object": object_ref(hit),
            "matched": hit.values,
            "release": "name the owner as a recipient: POST /assets/v1/victim-tasks/{seq}/release",
        })
        .to_string(),
    }
}

fn audit_details(asset: &AssetRecord, hit: &Hit) -> Value {
    json!({
        "asset": asset.id,
        "owner": asset.org,
        "object": hit.object.id,
        "collection": hit.collection.as_str(),
        "date_added": hit.object.date_added,
        "submitter": hit.object.sharing.submitter,
    })
}
