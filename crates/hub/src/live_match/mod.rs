//! Matching a caller's observations against the live index (issue 14, `POST /match/v1/`), released per
//! reader.
//!
//! Three steps, so that indicators the caller may not read never shape the answer:
//! 1. **Candidates** (blocking thread, index read lock): every indicator key any observation makes a
//!    candidate (`IndicatorIndex::candidate_ids`).
//! 2. **Release**: the candidates are grouped by collection; in each collection the caller may read, their
//!    newest versions are read from the store and passed through the release gate (`Hub::release_one`,
//!    with the reader's view: clearance, granular markings, anonymity). What survives is the set of visible
//!    keys, each with the id the caller is served it under.
//! 3. **Stream** (blocking thread): the observations, in `first_observed` order, go through a fresh
//!    `ObservationStream` that considers only visible keys (`push_filtered`), so multi-observation state,
//!    its bounds and every answer are exactly those of an index holding only what the caller may read.
//!
//! Errors never depend on indicators: every item is checked before matching (`input`), and a request is
//! refused for its own size only. Residual: step 2 reads the store for hidden candidates too (one batched
//! query per collection), so its time grows with them; the answer, its size and its status do not.

mod input;
mod sightings;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use matcher::stream::{ObservationStream, StreamConfig};
use serde_json::Value;
use store::{ObjectQuery, Projection, VersionSelector};

use self::input::{InputError, Observations, read_observations};
pub use self::input::{ItemProblem, ObservationRef};
use crate::live_index::LiveIndex;
use crate::live_index::state::split_key;
use crate::{Caller, Hub, HubError, HubResult};

/// Ids read from the store per query when releasing candidates.
const RELEASE_CHUNK: usize = 500;

/// One indicator the caller may read and the observations it matched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IndicatorMatch {
    /// The indicator's id as the caller is served it (its public id when republished).
    pub indicator: String,
    /// The observations that matched (several for a multi-observation pattern), sorted (array indexes numerically, ids as text).
    pub observations: Vec<ObservationRef>,
}

/// The answer to a match request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MatchReport {
    /// One entry per matching indicator, ordered by indicator id.
    pub matches: Vec<IndicatorMatch>,
    /// How many observations were matched.
    pub observations: usize,
}

/// What a match request gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchOutcome {
    /// The matches.
    Matched(MatchReport),
    /// Items of the body are malformed (each named; at most 100); nothing was matched.
    Malformed(Vec<ItemProblem>),
}

impl Hub {
    /// Matches the observations of `body` (a STIX bundle or a JSON array of observables) against every
    /// indicator the caller may read. `BadRequest` for a body that is not JSON or has the wrong shape or too
    /// many observations (`HubConfig::max_match_observations`); `Unavailable` while the index is built.
    pub async fn match_observations(&self, caller: &Caller, body: &[u8]) -> HubResult<MatchOutcome> {
        if !self.live_index.is_ready() {
            return Err(HubError::Unavailable(
                "the live indicator index is still being built".to_owned(),
            ));
        }
        let body: Value = serde_json::from_slice(body)
            .map_err(|err| HubError::BadRequest(format!("the body is not JSON: {err}")))?;
        let max = self.config.max_match_observations;
        let now = stix::timestamp::Timestamp::from_unix_nanos(i128::from(crate::now_micros()) * 1000, 6)
            .as_str()
            .to_owned();
        let read = tokio::task::spawn_blocking(move || read_observations(body, &now, max))
            .await
            .map_err(|err| HubError::Internal(format!("matching failed: {err}")))?;
        let observations = match read {
            Ok(observations) => observations,
            Err(InputError::Body(message)) => return Err(HubError::BadRequest(message)),
            Err(InputError::Items(problems)) => return Ok(MatchOutcome::Malformed(problems)),
        };
        let n_observations = observations.observed_data.len();
        let found = self.match_prepared(caller, observations).await?;
        let details = serde_json::json!({
            "endpoint": "match",
            "observations": n_observations,
            "org": caller.org,
        });
        self.audit_read(caller, found.len() as u64, details).await?;
        Ok(MatchOutcome::Matched(MatchReport {
            matches: found.into_iter().map(|found| found.public).collect(),
            observations: n_observations,
        }))
    }

    /// The matches of checked observations among the indicators `caller` may read (candidates, release,
    /// stream: see the module's documentation).
    pub(crate) async fn match_prepared(
        &self,
        caller: &Caller,
        observations: Observations,
    ) -> HubResult<Vec<Found>> {
        let index = Arc::clone(&self.live_index);
        let (observations, candidates) = tokio::task::spawn_blocking(move || {
            let candidates = candidates(&index, &observations);
            (observations, candidates)
        })
        .await
        .map_err(|err| HubError::Internal(format!("matching failed: {err}")))?;
        let visible = self.release_candidates(caller, candidates).await?;
        let index = Arc::clone(&self.live_index);
        tokio::task::spawn_blocking(move || stream_matches(&index, &observations, &visible))
            .await
            .map_err(|err| HubError::Internal(format!("matching failed: {err}")))?
    }

    /// The keys among `candidates` the caller may read, with the id it is served each under.
    async fn release_candidates(
        &self,
        caller: &Caller,
        candidates: HashSet<String>,
    ) -> HubResult<HashMap<String, Released>> {
        let mut by_collection: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
        for key in candidates {
            if let Some((collection, _, id)) = split_key(&key) {
                by_collection
                    .entry(collection.to_owned())
                    .or_default()
                    .entry(id.to_owned())
                    .or_default()
                    .push(key.clone());
            }
        }
        let mut visible = HashMap::new();
        for (collection_id, keys_by_id) in by_collection {
            let Some(collection) = self.store.find_collection(&collection_id).await? else {
                continue;
            };
            if !self.access(caller, &collection).await?.can_read {
                continue;
            }
            let view = self.sharing_view(caller, &collection).await?;
            let ids: Vec<String> = keys_by_id.keys().cloned().collect();
            for chunk in ids.chunks(RELEASE_CHUNK) {
                let page = self
                    .store
                    .query_objects(ObjectQuery {
                        collection: collection.id.clone(),
                        ids: chunk.to_vec(),
                        types: vec!["indicator".to_owned()],
                        added_after: None,
                        spec_versions: Vec::new(),
                        versions: VersionSelector::last(),
                        after: None,
                        limit: chunk.len() * 64,
                        projection: Projection::Full,
                    })
                    .await?;
                let republish = self.republish_facts(&view, &page.records).await?;
                for stored in page.records {
                    let group = store::plan::submitter_group(
                        &stored.sharing.submitter,
                        stored.sharing.submitter_org.as_deref(),
                    );
                    let key = crate::live_index::state::index_key(collection.id.as_str(), &group, &stored.id);
                    if !keys_by_id.get(&stored.id).is_some_and(|keys| keys.contains(&key)) {
                        continue;
                    }
                    let facts = republish.get(&stored.date_added);
                    if let Some(released) = self.release_one(&view, stored, facts)? {
                        let markings = released.sharing.markings;
                        visible.insert(
                            key,
                            Released {
                                served: released.id,
                                markings,
                            },
                        );
                    }
                }
            }
        }
        Ok(visible)
    }
}

/// An indicator released to the caller: the id it is served under and its `object_marking_refs`.
#[derive(Debug, Clone)]
pub(crate) struct Released {
    served: String,
    markings: Vec<String>,
}

/// A match as the hub uses it: what the caller is told, and the indicator's markings.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) public: IndicatorMatch,
    pub(crate) markings: Vec<String>,
}

/// Every key any observation makes a candidate.
fn candidates(index: &LiveIndex, observations: &Observations) -> HashSet<String> {
    let state = index.read();
    let mut keys = HashSet::new();
    for observed_data in &observations.observed_data {
        // Observations were checked when read; one the matcher still refuses has no candidates.
        if let Ok(ids) = state.index.candidate_ids(observed_data, &observations.scos) {
            keys.extend(ids.into_iter().map(str::to_owned));
        }
    }
    keys
}

/// The stream over the observations, considering only `visible` keys, grouped by served indicator id.
fn stream_matches(
    index: &LiveIndex,
    observations: &Observations,
    visible: &HashMap<String, Released>,
) -> HubResult<Vec<Found>> {
    let ref_of: HashMap<&str, &ObservationRef> = observations
        .observed_data
        .iter()
        .zip(&observations.refs)
        .filter_map(|(value, reference)| Some((value.get("id")?.as_str()?, reference)))
        .collect();
    let state = index.read();
    let mut stream = ObservationStream::new(StreamConfig::default());
    let keep = |key: &str| visible.contains_key(key);
    let mut found: BTreeMap<&str, (BTreeSet<&ObservationRef>, &[String])> = BTreeMap::new();
    for observed_data in &observations.observed_data {
        let matches = stream
            .push_filtered(&state.index, observed_data, &observations.scos, &keep)
            .map_err(|err| HubError::Internal(format!("a checked observation was refused: {err}")))?;
        for found_match in matches {
            let Some(released) = visible.get(&found_match.indicator_id) else {
                continue;
            };
            let entry = found
                .entry(released.served.as_str())
                .or_insert_with(|| (BTreeSet::new(), released.markings.as_slice()));
            for id in &found_match.observed_data_ids {
                if let Some(reference) = ref_of.get(id.as_str()) {
                    entry.0.insert(reference);
                }
            }
        }
    }
    Ok(found
        .into_iter()
        .map(|(indicator, (refs, markings))| Found {
            public: IndicatorMatch {
                indicator: indicator.to_owned(),
                observations: refs.into_iter().cloned().collect(),
            },
            markings: markings.to_vec(),
        })
        .collect())
}
