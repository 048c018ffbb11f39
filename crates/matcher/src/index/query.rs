//! The read side of [`IndicatorIndex`]: candidates from the catalog, then confirmation by the evaluator.
//!
//! Candidates are (indicator, leaf) postings. A query sorts and deduplicates them, drops indicators not in
//! force at the observation's time, confirms each leaf on the SCOs with the evaluator, and only then asks
//! the evaluator about the whole pattern. The catalog never misses a leaf that holds, so a leaf that is not
//! a candidate is false, and the answers equal evaluating every pattern (the differential test checks this).

use std::collections::HashMap;

use serde_json::Value;
use stix_pattern::ast::{ObservationExpr, Pattern, Qualifier};
use stix_pattern::eval::Observation;

use super::{Entry, IndicatorIndex};
use crate::error::MatcherError;
use crate::observation::ObservedData;
use crate::postings::Posting;
use crate::time::Moment;

impl IndicatorIndex {
    /// The ids of the indicators that one observation holding only `sco`, seen at `at`, satisfies: their
    /// pattern holds when every `[…]` is evaluated on this SCO alone (observation `AND`/`FOLLOWEDBY` and
    /// `REPEATS` above 1 need more observations and are false; `START`/`STOP` is checked against `at`), and
    /// they are in force at `at`. `resolve` turns a `_ref` id into the referenced SCO.
    ///
    /// Ids come in index order, each once.
    pub fn match_sco<'v>(
        &self,
        sco: &'v Value,
        resolve: &dyn Fn(&str) -> Option<&'v Value>,
        at: Moment,
    ) -> Vec<&str> {
        let mut postings = Vec::new();
        self.catalog.candidates(sco, resolve, &mut postings);
        if postings.is_empty() {
            return Vec::new();
        }
        postings.sort_unstable();
        postings.dedup();
        let mut matched = Vec::new();
        for group in postings.chunk_by(|a, b| a.slot == b.slot) {
            let Some(entry) = self.entry(group[0].slot) else {
                continue;
            };
            if !entry.is_valid_during(at, at) {
                continue;
            }
            let Some(pattern) = entry.pattern() else { continue };
            let confirmed: Vec<u32> = group
                .iter()
                .filter(|posting| entry.leaf_matches(&pattern, posting.leaf, sco, resolve))
                .map(|p| p.leaf)
                .collect();
            if confirmed.is_empty() {
                continue;
            }
            let mut next_leaf = 0;
            if holds_on_one_observation(&pattern.expression, &mut next_leaf, &confirmed, at) {
                matched.push(&*entry.id);
            }
        }
        matched
    }

    /// The ids of the indicators whose pattern `observed_data` alone satisfies (as
    /// `stix_pattern::eval::matches` with this one observation decides) and that are in force at some moment
    /// between its `first_observed` and `last_observed`. SCOs are looked up in `scos_by_id` through
    /// `object_refs`, or taken from the deprecated embedded `objects`.
    ///
    /// # Errors
    /// When `observed_data` is not an object or lacks a valid `first_observed`/`last_observed`; and when
    /// the evaluator rejects the observation (e.g. a bad `number_observed`) while some indicator is a
    /// candidate.
    pub fn match_observed_data(
        &self,
        observed_data: &Value,
        scos_by_id: &HashMap<String, Value>,
    ) -> Result<Vec<&str>, MatcherError> {
        let view = ObservedData::read(observed_data, scos_by_id)?;
        let slots = self.confirmed_slots(&view);
        if slots.is_empty() {
            return Ok(Vec::new());
        }
        let observation = Observation::from_observed_data(observed_data, scos_by_id)
            .map_err(|error| MatcherError::InvalidObservation(error.to_string()))?;
        let observations = std::slice::from_ref(&observation);
        Ok(slots
            .into_iter()
            .filter(|(_, _, pattern)| stix_pattern::eval::matches(pattern, observations).unwrap_or(false))
            .map(|(_, entry, _)| &*entry.id)
            .collect())
    }

    /// The ids of the indicators that `observed_data` makes candidates: in force during it, with at least one
    /// `[…]` that holds on one of its SCOs. Every indicator a stream could report for this observation is
    /// among them (a caller can decide, once per id, which of them it may use; see
    /// [`crate::stream::ObservationStream::push_filtered`]).
    ///
    /// # Errors
    /// When `observed_data` is not an object or lacks a valid `first_observed`/`last_observed`.
    pub fn candidate_ids(
        &self,
        observed_data: &Value,
        scos_by_id: &HashMap<String, Value>,
    ) -> Result<Vec<&str>, MatcherError> {
        let view = ObservedData::read(observed_data, scos_by_id)?;
        Ok(self
            .confirmed_slots(&view)
            .into_iter()
            .map(|(_, entry, _)| &*entry.id)
            .collect())
    }

    /// The indicators in force during `view` with at least one leaf that holds on one of its SCOs, with
    /// their slots and parsed patterns.
    pub(crate) fn confirmed_slots(&self, view: &ObservedData<'_>) -> Vec<(u32, &Entry, Pattern)> {
        let resolve = |id: &str| view.resolve(id);
        let mut postings: Vec<Posting> = Vec::new();
        for (_, sco) in &view.objects {
            self.catalog.candidates(sco, &resolve, &mut postings);
        }
        if postings.is_empty() {
            return Vec::new();
        }
        postings.sort_unstable();
        postings.dedup();
        let mut slots = Vec::new();
        for group in postings.chunk_by(|a, b| a.slot == b.slot) {
            let Some(entry) = self.entry(group[0].slot) else {
                continue;
            };
            if !entry.is_valid_during(view.first_observed, view.last_observed) {
                continue;
            }
            let Some(pattern) = entry.pattern() else { continue };
            if group
                .iter()
                .any(|posting| leaf_holds_somewhere(entry, &pattern, posting.leaf, view))
            {
                slots.push((group[0].slot, entry, pattern));
            }
        }
        slots
    }
}

fn leaf_holds_somewhere(entry: &Entry, pattern: &Pattern, leaf: u32, view: &ObservedData<'_>) -> bool {
    let resolve = |id: &str| view.resolve(id);
    view.objects
        .iter()
        .any(|(_, sco)| entry.leaf_matches(pattern, leaf, sco, &resolve))
}

/// Whether `expr` holds on a single observation in which exactly the leaves `confirmed` hold, seen at `at`.
/// `next_leaf` numbers the leaves in the order `indicator::leaves` does; both sides of every operator are
/// walked so the numbering stays right.
fn holds_on_one_observation(
    expr: &ObservationExpr,
    next_leaf: &mut u32,
    confirmed: &[u32],
    at: Moment,
) -> bool {
    match expr {
        ObservationExpr::Observation(_) => {
            let leaf = *next_leaf;
            *next_leaf += 1;
            confirmed.contains(&leaf)
        }
        ObservationExpr::Or(left, right) => {
            let left = holds_on_one_observation(left, next_leaf, confirmed, at);
            let right = holds_on_one_observation(right, next_leaf, confirmed, at);
            left || right
        }
        ObservationExpr::And(left, right) | ObservationExpr::FollowedBy(left, right) => {
            holds_on_one_observation(left, next_leaf, confirmed, at);
            holds_on_one_observation(right, next_leaf, confirmed, at);
            false
        }
        ObservationExpr::Qualified(inner, qualifier) => {
            let inner = holds_on_one_observation(inner, next_leaf, confirmed, at);
            inner
                && match qualifier {
                    Qualifier::Within(seconds) => *seconds > 0.0,
                    Qualifier::Repeats(count) => *count == 1,
                    Qualifier::StartStop { start, stop } => {
                        let at = at.epoch_nanos();
                        start.epoch_nanos() <= at && at < stop.epoch_nanos()
                    }
                }
        }
    }
}
