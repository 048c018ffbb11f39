//! Searching a collection for people (the web UI): objects filtered by type, TLP, date added and text, a
//! collection's counts by type and TLP, its most recent additions, and the relationships of one object.
//!
//! Invariants:
//! - Every row examined passes the release gate (`Hub::release_one`) before it is filtered, counted or shown,
//!   so these use cases can reveal nothing TAXII would not; hidden rows are skipped silently.
//! - Every call does a bounded amount of work (`SCAN_BUDGET` rows, `COUNT_BUDGET` for counts): a search for a
//!   rare string stops after the budget and hands back a `next` cursor that resumes the scan where it stopped,
//!   so a page costs about the same whatever the collection's size. Answers say whether they are complete.
//! - `next` cursors are the TAXII ones (`cursor`): keyed, bound to the collection and the canonical filters.
//! - Every call that hands out objects is recorded in the audit log as a read (`ui.search`, `ui.recent`,
//!   `ui.relationships`), like the TAXII reads.

use std::collections::BTreeMap;

use serde_json::Value;
use stix::markings::{TlpLevel, predefined_tlp};
use store::{ObjectQuery, Projection, StoredObject, VersionSelector};

use crate::catalog::Need;
use crate::release::{RepublishFacts, SharingView};
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
        let mut after = match &query.next {
            Some(next) => Some(cursor::decode(&self.cursor_key, &scope, &filters, next)?),
            None => None,
        };
        let limit = query.limit.clamp(1, self.config.max_page_size);
        let needle = query.text.trim().to_lowercase();
        let mut hits = Vec::new();
        let mut n_scanned = 0;
        let mut exhausted = false;
        while hits.len() < limit && n_scanned < SCAN_BUDGET {
            let page = self
                .store
                .query_objects(ObjectQuery {
                    collection: collection.id.clone(),
                    ids: Vec::new(),
                    types: query.types.clone(),
                    added_after: query.added_after,
                    spec_versions: Vec::new(),
                    versions: VersionSelector::last(),
                    after,
                    limit: SCAN_CHUNK,
                    projection: Projection::Full,
                })
                .await?;
            let n_rows = page.records.len();
            let republish = self.republish_facts(&view, &page.records).await?;
            for (row_idx, stored) in page.records.into_iter().enumerate() {
                n_scanned += 1;
                after = Some(stored.position());
                let facts = republish.get(&stored.date_added);
                if let Some(hit) = self.matching_hit(&view, stored, facts, query.tlp, &needle)? {
                    hits.push(hit);
                }
                if hits.len() >= limit || n_scanned >= SCAN_BUDGET {
                    exhausted = row_idx + 1 == n_rows && !page.more;
                    break;
                }
                exhausted = row_idx + 1 == n_rows && !page.more;
            }
            if n_rows == 0 || exhausted {
                exhausted = true;
                break;
            }
        }
        let next = match (exhausted, after) {
            (false, Some(position)) => Some(cursor::encode(&self.cursor_key, &scope, &filters, position)),
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
    /// rows read without their bytes.
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
        let mut after = None;
        let mut n_scanned = 0;
        loop {
            let page = self
                .store
                .query_objects(ObjectQuery {
                    collection: collection.id.clone(),
                    ids: Vec::new(),
                    types: Vec::new(),
                    added_after: None,
                    spec_versions: Vec::new(),
                    versions: VersionSelector::last(),
                    after,
                    limit: (COUNT_BUDGET - n_scanned).min(self.config.max_page_size),
                    projection: Projection::Manifest,
                })
                .await?;
            n_scanned += page.records.len();
            if let Some(last) = page.records.last() {
                after = Some(last.position());
            }
            let republish = self.republish_facts(&view, &page.records).await?;
            for stored in page.records {
                let facts = republish.get(&stored.date_added);
                let Some(stored) = self.release_one(&view, stored, facts)? else {
                    continue;
                };
                let tlp = tlp_of_markings(stored.sharing.markings.iter().map(String::as_str));
                *counts.by_type.entry(stored.object_type).or_default() += 1;
                *counts.by_tlp.entry(tlp).or_default() += 1;
                counts.total += 1;
            }
            if !page.more {
                counts.complete = true;
                break;
            }
            if n_scanned >= COUNT_BUDGET {
                break;
            }
        }
        Ok(counts)
    }

    /// The object versions most recently added to a collection that the caller may see: among the last
    /// `n_recent` additions, newest first. The newest rows are found by bisecting `added_after` (the store
    /// pages oldest first), so the cost is about 50 tiny queries whatever the collection's size.
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
        let query_after = |added_after: Option<i64>, limit: usize, projection: Projection| ObjectQuery {
            collection: collection.id.clone(),
            ids: Vec::new(),
            types: Vec::new(),
            added_after,
            spec_versions: Vec::new(),
            versions: VersionSelector::All,
            after: None,
            limit,
            projection,
        };
        // Invariant of the bisection: at least `n_recent` rows follow `low` (or `low` is None: the start),
        // fewer follow `high`.
        let (mut low, mut high) = (None::<i64>, now_micros().saturating_add(1));
        let mut floor = 0i64;
        while high - floor > 1 {
            let middle = floor + (high - floor) / 2;
            let page = self
                .store
                .query_objects(query_after(Some(middle), n_recent, Projection::Manifest))
                .await?;
            if page.records.len() >= n_recent {
                (low, floor) = (Some(middle), middle);
            } else {
                high = middle;
            }
        }
        let page = self
            .store
            .query_objects(query_after(low, n_recent + 1, Projection::Full))
            .await?;
        let republish = self.republish_facts(&view, &page.records).await?;
        let mut hits = Vec::new();
        for stored in page.records.into_iter().rev().take(n_recent) {
            let facts = republish.get(&stored.date_added);
            if let Some(hit) = self.matching_hit(&view, stored, facts, None, "")? {
                hits.push(hit);
            }
        }
        self.audit_ui_read(caller, api_root, &collection, "ui.recent", hits.len())
            .await?;
        Ok(hits)
    }

    /// The relationships and sightings in a collection that point at or from `object_id`, among at most
    /// `SCAN_BUDGET` of them.
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
        let mut after = None;
        let mut n_scanned = 0;
        loop {
            let page = self
                .store
                .query_objects(ObjectQuery {
                    collection: collection.id.clone(),
                    ids: Vec::new(),
                    types: vec!["relationship".to_owned(), "sighting".to_owned()],
                    added_after: None,
                    spec_versions: Vec::new(),
                    versions: VersionSelector::last(),
                    after,
                    limit: SCAN_CHUNK,
                    projection: Projection::Full,
                })
                .await?;
            n_scanned += page.records.len();
            if let Some(last) = page.records.last() {
                after = Some(last.position());
            }
            let mentioning: Vec<StoredObject> = page
                .records
                .into_iter()
                // Cheap test on the bytes first; most relationships do not mention the object.
                .filter(|stored| stored.raw.as_deref().is_some_and(|raw| raw.contains(object_id)))
                .collect();
            let republish = self.republish_facts(&view, &mentioning).await?;
            for stored in mentioning {
                let facts = republish.get(&stored.date_added);
                let Some(stored) = self.release_one(&view, stored, facts)? else {
                    continue;
                };
                links_of(&stored, object_id, &mut found.links);
            }
            if !page.more {
                found.complete = true;
                break;
            }
            if n_scanned >= SCAN_BUDGET {
                break;
            }
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
    async fn audit_ui_read(
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

    /// The released form of `stored` as a hit, if it passes the TLP and text filters.
    fn matching_hit(
        &self,
        view: &SharingView,
        stored: StoredObject,
        republish: Option<&RepublishFacts>,
        tlp: Option<TlpFilter>,
        needle: &str,
    ) -> HubResult<Option<SearchHit>> {
        let level = tlp_of_markings(stored.sharing.markings.iter().map(String::as_str));
        let wanted = match tlp {
            None => true,
            Some(TlpFilter::Unmarked) => level.is_none(),
            Some(TlpFilter::Level(wanted)) => level == Some(wanted),
        };
        if !wanted {
            return Ok(None);
        }
        // A needle without escapable characters appears verbatim in the JSON text when it appears in a
        // field, so most rows are rejected before parsing.
        let plain_needle =
            !needle.is_empty() && needle.chars().all(|c| c.is_ascii() && c != '"' && c != '\\');
        if plain_needle
            && !stored
                .raw
                .as_deref()
                .is_some_and(|raw| contains_ignoring_ascii_case(raw, needle))
        {
            return Ok(None);
        }
        let Some(stored) = self.release_one(view, stored, republish)? else {
            return Ok(None);
        };
        let value: Value = stored
            .raw
            .as_deref()
            .and_then(|raw| serde_json::from_str(raw).ok())
            .unwrap_or(Value::Null);
        let text = |key: &str| value.get(key).and_then(Value::as_str);
        if !needle.is_empty() {
            let found = stored.id.to_lowercase().contains(needle)
                || ["name", "description", "pattern", "value"]
                    .iter()
                    .filter_map(|key| text(key))
                    .any(|field| field.to_lowercase().contains(needle));
            if !found {
                return Ok(None);
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
        Ok(Some(SearchHit {
            name: text("name").map(str::to_owned),
            summary,
            tlp: level,
            id: stored.id,
            object_type: stored.object_type,
            date_added: stored.date_added,
        }))
    }
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
