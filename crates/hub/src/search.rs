//! Searching a collection for people (the web UI): objects filtered by type, TLP, date added and text, a
//! collection's counts by type and TLP, its most recent additions, and the relationships of one object.
//!
//! Invariants:
//! - Every row is read through `Hub::scan_released` (the one reader of released rows, shared with TAXII), so
//!   these use cases filter, count and show released versions only, in the form the caller is served them,
//!   and reveal nothing TAXII would not: hidden rows are neither counted nor shown, and never a position.
//! - Every call does a bounded amount of work over released rows (`SCAN_BUDGET` rows, `COUNT_BUDGET` for
//!   counts and recent additions): a search for a rare string stops after the budget and hands back a `next`
//!   cursor that resumes after the last released row it examined. Answers say whether they are complete.
//! - `next` cursors are the TAXII ones (`cursor`): authenticated (HMAC keyed by a store secret) over the
//!   position, the collection and the canonical filters.
//! - Every call that hands out objects is recorded in the audit log as a read (`ui.search`, `ui.recent`,
//!   `ui.relationships`), like the TAXII reads.

use std::collections::BTreeMap;

use serde_json::Value;
use stix::markings::{TlpLevel, predefined_tlp};
use store::{ObjectQuery, Projection, StoredObject, VersionSelector};

use crate::catalog::Need;
use crate::released::Visit;
use crate::{Caller, Hub, HubResult, cursor, now_micros};

/// Rows one search request may examine before it answers with what it found and a cursor.
pub const SCAN_BUDGET: usize = 2_000;
/// Rows (without their bytes) the counts of one collection may examine.
pub const COUNT_BUDGET: usize = 10_000;
/// Rows read from the store per round trip while scanning.
const SCAN_CHUNK: usize = 250;

/// The TLP filter of a search: a level, or objects with no TLP marking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlpFilter {
    /// Objects whose most restrictive TLP marking is this level.
    Level(TlpLevel),
    /// Objects without any TLP marking.
    Unmarked,
}

/// What the browse and search page asks.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Object types (ORed); empty = any.
    pub types: Vec<String>,
    /// TLP filter; `None` = any.
    pub tlp: Option<TlpFilter>,
    /// Only objects added strictly after this instant (µs since the epoch).
    pub added_after: Option<i64>,
    /// Case-insensitive text searched in `name`, `description`, `pattern`, `value` and the id; empty = any.
    pub text: String,
    /// The cursor of a previous page.
    pub next: Option<String>,
    /// Hits per page (at most the hub's largest page).
    pub limit: usize,
}

/// One object found (its newest version the caller may see).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// STIX id.
    pub id: String,
    /// STIX type.
    pub object_type: String,
    /// When added (µs since the epoch).
    pub date_added: i64,
    /// `name`, when the object has one.
    pub name: Option<String>,
    /// `pattern`, `value` or the start of `description`: what identifies it best in a list.
    pub summary: Option<String>,
    /// Its most restrictive TLP marking.
    pub tlp: Option<TlpLevel>,
}

/// One page of search results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    /// Hits, ascending by date added.
    pub hits: Vec<SearchHit>,
    /// Where to resume; `None` once the collection has been scanned to the end.
    pub next: Option<String>,
    /// Rows examined for this page.
    pub n_scanned: usize,
}

/// Object counts of one collection as the caller sees it.
#[derive(Debug, Clone, Default)]
pub struct CollectionCounts {
    /// Objects (newest versions) per type.
    pub by_type: BTreeMap<String, u64>,
    /// Objects per TLP level; `None` = unmarked.
    pub by_tlp: BTreeMap<Option<TlpLevel>, u64>,
    /// All visible objects counted.
    pub total: u64,
    /// False when the count stopped at `COUNT_BUDGET` rows: the figures are lower bounds.
    pub complete: bool,
}

/// A relationship (or sighting) that points at or from an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipLink {
    /// The relationship or sighting.
    pub via_id: String,
    /// `relationship_type`, or `sighting-of` / `sighted-at` for sightings.
    pub kind: String,
    /// The object at the other end.
    pub other_id: String,
    /// True when the object is the source (the link goes out of it).
    pub outgoing: bool,
    /// The other object's name (or list summary) when the caller may read it in this collection.
    pub other_name: Option<String>,
}

/// The relationships of one object.
#[derive(Debug, Clone, Default)]
pub struct Relationships {
    /// Links found.
    pub links: Vec<RelationshipLink>,
    /// False when the scan stopped at `SCAN_BUDGET` relationships.
    pub complete: bool,
}

/// The most restrictive TLP level among marking-definition ids.
pub fn tlp_of_markings<'a>(markings: impl IntoIterator<Item = &'a str>) -> Option<TlpLevel> {
    markings
        .into_iter()
        .filter_map(|id| predefined_tlp(id).map(|tlp| tlp.level))
        .max()
}

impl Hub {
    /// One page of a collection's objects matching `query`, read through the release gate.
    #[tracing::instrument(skip_all, fields(api_root = %api_root, collection = %collection))]
    pub async fn search(
        &self,
        caller: &Caller,
        api_root: &str,
        collection: &str,
        query: &SearchQuery,
    ) -> HubResult<SearchPage> {
        let collection = self
            .collection_for(caller, api_root, collection, Need::Read)
            .await?;
        let view = self.sharing_view(caller, &collection).await?;
        let scope = format!("{api_root}|{}|search", collection.id);
        let filters = search_filters(query);
        let after = match &query.next {
            Some(next) => Some(cursor::decode(&self.cursor_key, &scope, &filters, next)?),
            None => None,
        };
        let limit = query.limit.clamp(1, self.config.max_page_size);
        let needle = query.text.trim().to_lowercase();
        let mut hits = Vec::new();
        let mut n_scanned = 0;
        let mut last = None;
        let stopped = self
            .scan_released(
                &view,
                ObjectQuery {
                    collection: collection.id.clone(),
                    ids: Vec::new(),
                    types: query.types.clone(),
                    added_after: query.added_after,
                    spec_versions: Vec::new(),
                    versions: VersionSelector::last(),
                    after,
                    limit: SCAN_CHUNK,
                    projection: Projection::Full,
                },
                SCAN_CHUNK,
                |released| {
                    n_scanned += 1;
                    last = Some(released.position());
                    if let Some(hit) = matching_hit(released, query.tlp, &needle) {
                        hits.push(hit);
                    }
                    Ok(if hits.len() >= limit || n_scanned >= SCAN_BUDGET {
                        Visit::Stop
                    } else {
                        Visit::Continue
                    })
                },
            )
            .await?;
        // The cursor resumes after the last *released* row examined: it carries no hidden position.
        let next = match (stopped, last) {
            (true, Some(position)) => Some(cursor::encode(&self.cursor_key, &scope, &filters, position)),
            _ => None,
        };
        self.audit_ui_read(caller, api_root, &collection, "ui.search", hits.len())
            .await?;
        Ok(SearchPage {
            hits,
            next,
            n_scanned,
        })
    }

    /// Counts a collection's visible objects (newest versions) by type and TLP, over at most `COUNT_BUDGET`
    /// released rows.
    pub async fn collection_counts(
        &self,
        caller: &Caller,
        api_root: &str,
        collection: &str,
    ) -> HubResult<CollectionCounts> {
        let collection = self
            .collection_for(caller, api_root, collection, Need::Read)
            .await?;
        let view = self.sharing_view(caller, &collection).await?;
        let mut counts = CollectionCounts::default();
        let stopped = self
            .scan_released(
                &view,
                whole_collection(&collection, VersionSelector::last(), Projection::Manifest),
                self.config.max_page_size,
                |released| {
                    if counts.total as usize >= COUNT_BUDGET {
                        return Ok(Visit::Stop);
                    }
                    let tlp = tlp_of_markings(released.sharing.markings.iter().map(String::as_str));
                    *counts.by_type.entry(released.object_type).or_default() += 1;
                    *counts.by_tlp.entry(tlp).or_default() += 1;
                    counts.total += 1;
                    Ok(Visit::Continue)
                },
            )
            .await?;
        counts.complete = !stopped;
        Ok(counts)
    }

    /// The object versions most recently added to a collection that the caller may see: the last `n_recent`
    /// released versions, newest first. The store pages oldest first, so the start of the tail is found by
    /// bisecting `added_after` (about 50 tiny queries whatever the collection's size) for a tail of `n_recent`
    /// rows, grown fourfold while hidden rows leave fewer than `n_recent` released in it, up to `COUNT_BUDGET`
    /// rows.
    pub async fn recent_additions(
        &self,
        caller: &Caller,
        api_root: &str,
        collection: &str,
        n_recent: usize,
    ) -> HubResult<Vec<SearchHit>> {
        let collection = self
            .collection_for(caller, api_root, collection, Need::Read)
            .await?;
        let view = self.sharing_view(caller, &collection).await?;
        let n_recent = n_recent.clamp(1, 1000);
        let mut tail = n_recent;
        let mut newest = std::collections::VecDeque::with_capacity(n_recent + 1);
        loop {
            let start = self.tail_start(&collection, tail).await?;
            newest.clear();
            let mut query = whole_collection(&collection, VersionSelector::All, Projection::Full);
            query.added_after = start;
            self.scan_released(&view, query, tail + 1, |released| {
                newest.push_back(released);
                if newest.len() > n_recent {
                    newest.pop_front();
                }
                Ok(Visit::Continue)
            })
            .await?;
            if newest.len() >= n_recent || start.is_none() || tail >= COUNT_BUDGET {
                break;
            }
            tail = (tail * 4).min(COUNT_BUDGET);
        }
        let hits: Vec<SearchHit> = newest
            .into_iter()
            .rev()
            .filter_map(|released| matching_hit(released, None, ""))
            .collect();
        self.audit_ui_read(caller, api_root, &collection, "ui.recent", hits.len())
            .await?;
        Ok(hits)
    }

    /// The `added_after` instant after which at least `tail` rows of the collection follow (`None`: the whole
    /// collection has fewer), by bisection. Internal: the instant is never shown to a caller.
    pub(crate) async fn tail_start(
        &self,
        collection: &store::Collection,
        tail: usize,
    ) -> HubResult<Option<i64>> {
        // Invariant of the bisection: at least `tail` rows follow `floor` (or floor is the start), fewer
        // follow `high`.
        let (mut low, mut high) = (None::<i64>, now_micros().saturating_add(1));
        let mut floor = 0i64;
        while high - floor > 1 {
            let middle = floor + (high - floor) / 2;
            let mut query = whole_collection(collection, VersionSelector::All, Projection::Manifest);
            query.added_after = Some(middle);
            query.limit = tail;
            let page = self.store.query_objects(query).await?;
            if page.records.len() >= tail {
                (low, floor) = (Some(middle), middle);
            } else {
                high = middle;
            }
        }
        Ok(low)
    }

    /// The relationships and sightings in a collection that point at or from `object_id` (the id the caller
    /// knows it by), among at most `SCAN_BUDGET` released ones.
    pub async fn relationships(
        &self,
        caller: &Caller,
        api_root: &str,
        collection: &str,
        object_id: &str,
    ) -> HubResult<Relationships> {
        let collection = self
            .collection_for(caller, api_root, collection, Need::Read)
            .await?;
        let view = self.sharing_view(caller, &collection).await?;
        let mut found = Relationships::default();
        let mut query = whole_collection(&collection, VersionSelector::last(), Projection::Full);
        query.types = vec!["relationship".to_owned(), "sighting".to_owned()];
        let mut n_scanned = 0;
        let stopped = self
            .scan_released(&view, query, SCAN_CHUNK, |released| {
                if n_scanned >= SCAN_BUDGET {
                    return Ok(Visit::Stop);
                }
                n_scanned += 1;
                // Cheap test on the served bytes first; most relationships do not mention the object.
                if released.raw.as_deref().is_some_and(|raw| raw.contains(object_id)) {
                    links_of(&released, object_id, &mut found.links);
                }
                Ok(Visit::Continue)
            })
            .await?;
        found.complete = !stopped;
        // Pages name the other ends, not bare ids (issue 14); ids the caller may not read stay bare.
        let others: Vec<String> = found.links.iter().map(|link| link.other_id.clone()).collect();
        let names = self.names_in(&view, &collection, &others).await?;
        for link in &mut found.links {
            link.other_name = names.get(&link.other_id).cloned();
        }
        self.audit_ui_read(
            caller,
            api_root,
            &collection,
            "ui.relationships",
            found.links.len(),
        )
        .await?;
        Ok(found)
    }

    /// Records in the audit log that a UI read handed out `n_objects` objects (counts hand out none and are not
    /// recorded), like the TAXII reads in `read`.
    pub(crate) async fn audit_ui_read(
        &self,
        caller: &Caller,
        api_root: &str,
        collection: &store::Collection,
        endpoint: &str,
        n_objects: usize,
    ) -> HubResult<()> {
        let mut details = crate::audit::collection_details(caller, api_root, collection.id.as_str());
        details["endpoint"] = endpoint.into();
        self.audit_read(caller, n_objects as u64, details).await
    }
}

/// A query over a whole collection (the scan sets the page size).
fn whole_collection(
    collection: &store::Collection,
    versions: VersionSelector,
    projection: Projection,
) -> ObjectQuery {
    ObjectQuery {
        collection: collection.id.clone(),
        ids: Vec::new(),
        types: Vec::new(),
        added_after: None,
        spec_versions: Vec::new(),
        versions,
        after: None,
        limit: SCAN_CHUNK,
        projection,
    }
}

/// A released version as a hit, if it passes the TLP and text filters.
pub(crate) fn matching_hit(
    released: StoredObject,
    tlp: Option<TlpFilter>,
    needle: &str,
) -> Option<SearchHit> {
    let level = tlp_of_markings(released.sharing.markings.iter().map(String::as_str));
    let wanted = match tlp {
        None => true,
        Some(TlpFilter::Unmarked) => level.is_none(),
        Some(TlpFilter::Level(wanted)) => level == Some(wanted),
    };
    if !wanted {
        return None;
    }
    // A needle without escapable characters appears verbatim in the JSON text when it appears in a field,
    // so most rows are rejected before parsing.
    let plain_needle = !needle.is_empty() && needle.chars().all(|c| c.is_ascii() && c != '"' && c != '\\');
    if plain_needle
        && !released
            .raw
            .as_deref()
            .is_some_and(|raw| contains_ignoring_ascii_case(raw, needle))
    {
        return None;
    }
    let value: Value = released
        .raw
        .as_deref()
        .and_then(|raw| serde_json::from_str(raw).ok())
        .unwrap_or(Value::Null);
    let text = |key: &str| value.get(key).and_then(Value::as_str);
    if !needle.is_empty() {
        let found = released.id.to_lowercase().contains(needle)
            || ["name", "description", "pattern", "value"]
                .iter()
                .filter_map(|key| text(key))
                .any(|field| field.to_lowercase().contains(needle));
        if !found {
            return None;
        }
    }
    // Relationships and sightings have no name: their kind and ends identify them in a list.
    let link = match (text("relationship_type"), text("sighting_of_ref")) {
        (Some(kind), _) => Some(format!(
            "{} {kind} {}",
            text("source_ref").unwrap_or("?"),
            text("target_ref").unwrap_or("?")
        )),
        (None, Some(sighted)) => Some(format!("sighting of {sighted}")),
        (None, None) => None,
    };
    let summary = text("pattern")
        .or_else(|| text("value"))
        .map(str::to_owned)
        .or(link)
        .or_else(|| text("description").map(str::to_owned))
        .map(|s| s.chars().take(160).collect());
    Some(SearchHit {
        name: text("name").map(str::to_owned),
        summary,
        tlp: level,
        id: released.id,
        object_type: released.object_type,
        date_added: released.date_added,
    })
}

/// The filters that define a search's result set, canonically (cursors are bound to them).
fn search_filters(query: &SearchQuery) -> String {
    let mut types = query.types.clone();
    types.sort();
    format!(
        "types={}&tlp={:?}&added_after={:?}&text={}",
        types.join(","),
        query.tlp,
        query.added_after,
        query.text.trim().to_lowercase()
    )
}

fn contains_ignoring_ascii_case(haystack: &str, needle_lowercase: &str) -> bool {
    let needle = needle_lowercase.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len().max(1))
        .any(|window| window.eq_ignore_ascii_case(needle))
}

fn links_of(stored: &StoredObject, object_id: &str, links: &mut Vec<RelationshipLink>) {
    let Some(value) = stored
        .raw
        .as_deref()
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
    else {
        return;
    };
    let text = |key: &str| value.get(key).and_then(Value::as_str);
    let mut push = |kind: &str, other: &str, outgoing: bool| {
        links.push(RelationshipLink {
            via_id: stored.id.clone(),
            kind: kind.to_owned(),
            other_id: other.to_owned(),
            outgoing,
            other_name: None,
        });
    };
    if stored.object_type == "relationship" {
        let kind = text("relationship_type").unwrap_or("related-to");
        match (text("source_ref"), text("target_ref")) {
            (Some(source), Some(target)) if source == object_id => push(kind, target, true),
            (Some(source), Some(target)) if target == object_id => push(kind, source, false),
            _ => {}
        }
    } else {
        // A sighting links what was sighted and where it was sighted.
        let sighted = text("sighting_of_ref");
        let places: Vec<&str> = value
            .get("where_sighted_refs")
            .and_then(Value::as_array)
            .map(|refs| refs.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if sighted == Some(object_id) {
            push("sighted by", &stored.id, false);
        } else if places.contains(&object_id)
            && let Some(sighted) = sighted
        {
            push("sighted", sighted, true);
        }
    }
}
