//! Correlation and search across collections (issue 14, part 4): the objects that share observable values with
//! one object, a text search over every collection the caller may read, and the names of objects a page links
//! to.
//!
//! Invariants:
//! - Every row comes through `Hub::scan_released` (or `Hub::list` / `Hub::search`, which use it): a hidden
//!   object is never listed, never named and never counted; what a row shares is computed from the copy the
//!   caller is served (anonymity and granular markings applied), so a withheld property shares nothing.
//! - The work is bounded: at most `CORRELATE_BUDGET` released rows per collection (the newest ones) and
//!   `CORRELATE_TOTAL` in all, at most `MAX_RELATED` objects listed; answers say when they are incomplete.
//! - Reads that hand out objects are audited like the other UI reads (`ui.correlate`, `ui.search`).

use std::collections::{HashMap, HashSet};

use detect::mentions::mentions;
use detect::observable::Observable;
use serde_json::Value;
use store::{ObjectQuery, Projection, VersionSelector};
use taxii::query::ListParams;

use crate::released::Visit;
use crate::search::{SearchHit, matching_hit};
use crate::{Caller, Hub, HubError, HubResult, ListKind, SearchPage, SearchQuery};

/// Released rows examined per collection when correlating (the newest ones).
pub const CORRELATE_BUDGET: usize = 2_000;
/// Released rows examined in all when correlating.
const CORRELATE_TOTAL: usize = 20_000;
/// Objects listed as related.
pub const MAX_RELATED: usize = 50;
/// Hits per collection in a search across collections.
const HITS_PER_COLLECTION: usize = 10;
/// Objects whose names one page resolves.
const MAX_NAMED: usize = 200;

/// The types that can mention observable values.
const MENTIONING_TYPES: [&str; 8] = [
    "indicator",
    "observed-data",
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "url",
    "email-addr",
    "file",
];

/// One object that shares values with the object asked about.
#[derive(Debug, Clone)]
pub struct Related {
    /// Its API root.
    pub api_root: String,
    /// Its collection's id.
    pub collection: String,
    /// Its collection's title.
    pub collection_title: String,
    /// The object, as a list shows it.
    pub hit: SearchHit,
    /// The values both mention.
    pub shared: Vec<String>,
}

/// What one object shares with others.
#[derive(Debug, Clone, Default)]
pub struct Correlation {
    /// The values the object mentions (at most `detect::mentions::MAX_MENTIONS`).
    pub values: Vec<String>,
    /// Objects sharing at least one of them, newest collections' rows first found first.
    pub related: Vec<Related>,
    /// False when a budget stopped the search: more may exist.
    pub complete: bool,
}

/// The hits of one collection in a search across collections.
#[derive(Debug, Clone)]
pub struct CollectionHits {
    /// Its API root.
    pub api_root: String,
    /// Its id.
    pub collection: String,
    /// Its title.
    pub title: String,
    /// The first hits and where the collection's own search resumes.
    pub page: SearchPage,
}

impl Hub {
    /// The collections the caller may read, with their API roots, in discovery order.
    pub(crate) async fn readable_collections(
        &self,
        caller: &Caller,
    ) -> HubResult<Vec<(String, store::Collection)>> {
        let mut found = Vec::new();
        for root in self.store.api_roots().await? {
            for collection in self.store.collections(&root.name).await? {
                if self.access(caller, &collection).await?.can_read {
                    found.push((root.name.clone(), collection));
                }
            }
        }
        Ok(found)
    }

    /// The objects, in every collection the caller may read, that mention an observable value the object
    /// `object_id` of `collection` mentions as the caller is served it. Hidden and absent objects are the
    /// same `NotFound`.
    pub async fn correlate(
        &self,
        caller: &Caller,
        api_root: &str,
        collection: &str,
        object_id: &str,
    ) -> HubResult<Correlation> {
        let params = ListParams::parse(None).map_err(|err| HubError::BadRequest(err.to_string()))?;
        let newest = self
            .list(
                caller,
                api_root,
                collection,
                ListKind::Object(object_id.to_owned()),
                &params,
            )
            .await?;
        let object: Value = newest
            .records
            .last()
            .and_then(|record| record.raw.as_deref())
            .and_then(|raw| serde_json::from_str(raw).ok())
            .ok_or(HubError::NotFound)?;
        let wanted: HashSet<Observable> = mentions(&object).into_iter().collect();
        let mut answer = Correlation {
            values: wanted.iter().map(Observable::value).collect(),
            related: Vec::new(),
            complete: true,
        };
        answer.values.sort();
        if wanted.is_empty() {
            return Ok(answer);
        }
        let mut n_total = 0;
        for (root, target) in self.readable_collections(caller).await? {
            if answer.related.len() >= MAX_RELATED || n_total >= CORRELATE_TOTAL {
                answer.complete = false;
                break;
            }
            let view = self.sharing_view(caller, &target).await?;
            let start = self.tail_start(&target, CORRELATE_BUDGET).await?;
            let query = ObjectQuery {
                collection: target.id.clone(),
                ids: Vec::new(),
                types: MENTIONING_TYPES.iter().map(|t| (*t).to_owned()).collect(),
                added_after: start,
                spec_versions: Vec::new(),
                versions: VersionSelector::last(),
                after: None,
                limit: CORRELATE_BUDGET,
                projection: Projection::Full,
            };
            let (mut n_scanned, n_before) = (0, answer.related.len());
            let stopped = self
                .scan_released(&view, query, 250, |released| {
                    n_scanned += 1;
                    n_total += 1;
                    let same =
                        released.id == object_id && root == api_root && target.id.as_str() == collection;
                    let served: Option<Value> = released
                        .raw
                        .as_deref()
                        .and_then(|raw| serde_json::from_str(raw).ok());
                    if let (false, Some(served)) = (same, served) {
                        let mut shared: Vec<String> = mentions(&served)
                            .into_iter()
                            .filter(|value| wanted.contains(value))
                            .map(|value| value.value())
                            .collect();
                        if !shared.is_empty()
                            && let Some(hit) = matching_hit(released, None, "")
                        {
                            shared.sort();
                            answer.related.push(Related {
                                api_root: root.clone(),
                                collection: target.id.to_string(),
                                collection_title: target.title.clone(),
                                hit,
                                shared,
                            });
                        }
                    }
                    let full = answer.related.len() >= MAX_RELATED;
                    Ok(
                        if full || n_scanned >= CORRELATE_BUDGET || n_total >= CORRELATE_TOTAL {
                            Visit::Stop
                        } else {
                            Visit::Continue
                        },
                    )
                })
                .await?;
            // A tail that started after the collection's beginning left older rows unexamined.
            if stopped || start.is_some() {
                answer.complete = false;
            }
            let n_found = answer.related.len() - n_before;
            self.audit_ui_read(caller, &root, &target, "ui.correlate", n_found)
                .await?;
        }
        Ok(answer)
    }

    /// The first hits of a text search in every collection the caller may read (each collection's own
    /// bounded search; its `next` continues there).
    pub async fn search_everywhere(&self, caller: &Caller, text: &str) -> HubResult<Vec<CollectionHits>> {
        let mut found = Vec::new();
        for (root, collection) in self.readable_collections(caller).await? {
            let query = SearchQuery {
                text: text.to_owned(),
                limit: HITS_PER_COLLECTION,
                ..SearchQuery::default()
            };
            let page = self.search(caller, &root, collection.id.as_str(), &query).await?;
            if !page.hits.is_empty() || page.next.is_some() {
                found.push(CollectionHits {
                    api_root: root,
                    collection: collection.id.to_string(),
                    title: collection.title.clone(),
                    page,
                });
            }
        }
        Ok(found)
    }

    /// The names (or, for unnamed objects, the summaries a list shows) of the objects among `ids` in a
    /// collection the caller may read, as served to the caller; ids it may not read are simply absent.
    pub(crate) async fn names_in(
        &self,
        view: &crate::release::SharingView,
        collection: &store::Collection,
        ids: &[String],
    ) -> HubResult<HashMap<String, String>> {
        let mut ids: Vec<String> = ids.iter().take(MAX_NAMED).cloned().collect();
        ids.sort();
        ids.dedup();
        let mut names = HashMap::new();
        if ids.is_empty() {
            return Ok(names);
        }
        let query = ObjectQuery {
            collection: collection.id.clone(),
            ids: ids.clone(),
            types: Vec::new(),
            added_after: None,
            spec_versions: Vec::new(),
            versions: VersionSelector::last(),
            after: None,
            limit: ids.len(),
            projection: Projection::Full,
        };
        self.scan_released(view, query, ids.len(), |released| {
            let id = released.id.clone();
            if let Some(hit) = matching_hit(released, None, "")
                && let Some(name) = hit.name.or(hit.summary)
            {
                names.insert(id, name);
            }
            Ok(Visit::Continue)
        })
        .await?;
        Ok(names)
    }
}
