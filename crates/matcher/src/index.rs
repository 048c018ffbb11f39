//! [`IndicatorIndex`]: the indicators currently in force, and their anchors in the catalog.
//!
//! Versions: an indicator is known by its id. A version whose `modified` is newer than the one held replaces
//! it (its old anchors are removed, the new ones added); an older or equal version is ignored. A revoked
//! version removes the indicator for good: later versions of a revoked id are ignored, as STIX says a
//! revocation cannot be undone. [`IndicatorIndex::remove`] forgets an id entirely (no tombstone).
//!
//! Slots: each live indicator sits in a slot (`u32`); postings name slots. A freed slot is reused, and every
//! insertion gets a fresh *generation* number so that per-indicator stream state left over from an earlier
//! occupant or version is recognised and dropped.

mod query;

use std::sync::Arc;

use serde_json::Value;
use stix_pattern::ast::{CompOp, ComparisonExpr, Pattern};
use stix_pattern::eval::CompiledComparison;

use crate::catalog::{Catalog, CatalogStats};
use crate::error::MatcherError;
use crate::indicator::{IndicatorRecord, leaves, parse_pattern};
use crate::postings::Posting;
use crate::time::Moment;

/// An index over indicators, answering which of them match an SCO, an observed-data, or (with
/// [`crate::stream::ObservationStream`]) a stream of observed-data.
#[derive(Debug, Default)]
pub struct IndicatorIndex {
    slots: Vec<Option<Entry>>,
    free_slots: Vec<u32>,
    ids: hashbrown::HashMap<Arc<str>, IdState>,
    catalog: Catalog,
    n_live: usize,
    next_generation: u64,
}

/// What [`IndicatorIndex::insert`] did with a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    /// The id was new; the indicator is now indexed.
    Added,
    /// A newer version replaced the one held.
    Superseded,
    /// The version is not newer than the one held (or last seen); nothing changed.
    Stale,
    /// The version is revoked; the indicator was removed and its id will stay revoked.
    Revoked,
    /// The id was revoked earlier; nothing changed.
    AlreadyRevoked,
}

/// Sizes of an index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Indicators in force.
    pub n_indicators: usize,
    /// Ids known, including revoked ones.
    pub n_ids: usize,
    /// What the catalog holds.
    pub catalog: CatalogStats,
}

/// The state kept for an id.
#[derive(Debug, Clone, Copy)]
struct IdState {
    slot: Option<u32>,
    modified: Moment,
    revoked: bool,
}

/// One indicator in force.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) id: Arc<str>,
    pub(crate) generation: u64,
    /// `valid_from` in epoch nanoseconds (`i64::MIN` when absent). Entries are kept small (72 bytes) because
    /// there are millions; `i64` nanoseconds cover 1677–2262, and times beyond saturate, which keeps every
    /// comparison with a moment inside that range exact.
    valid_from: i64,
    /// `valid_until` (exclusive) in epoch nanoseconds (`i64::MAX` when absent).
    valid_until: i64,
    /// The pattern text; see [`Entry::pattern`].
    pattern_text: Box<str>,
    /// For leaves with `LIKE`/`MATCHES`, the leaf compiled once (regular expressions are costly to build).
    compiled_leaves: Box<[(u32, CompiledComparison)]>,
}

impl Entry {
    /// Whether the indicator is in force at some moment of `[first, last]`.
    pub(crate) fn is_valid_during(&self, first: Moment, last: Moment) -> bool {
        i128::from(self.valid_from) <= last.epoch_nanos()
            && first.epoch_nanos() < i128::from(self.valid_until)
    }

    /// The parsed pattern. (It parsed when inserted, so `None` cannot happen; it is not an error path.)
    pub(crate) fn pattern(&self) -> Option<Pattern> {
        stix_pattern::parse(&self.pattern_text).ok()
    }

    /// Whether leaf `leaf` of `pattern` (this entry's, from [`Entry::pattern`]) holds for the SCO `root`.
    pub(crate) fn leaf_matches<'v>(
        &self,
        pattern: &Pattern,
        leaf: u32,
        root: &'v Value,
        resolve: &dyn Fn(&str) -> Option<&'v Value>,
    ) -> bool {
        if let Some((_, compiled)) = self.compiled_leaves.iter().find(|(idx, _)| *idx == leaf) {
            return compiled.matches_object(root, resolve);
        }
        match leaves(pattern).get(leaf as usize) {
            Some(expr) => stix_pattern::eval::comparison_matches_object(expr, root, resolve),
            None => false,
        }
    }
}

impl IndicatorIndex {
    /// An empty index.
    pub fn new() -> IndicatorIndex {
        IndicatorIndex::default()
    }

    /// Reads an indicator object and inserts it (see [`IndicatorIndex::insert`]).
    ///
    /// # Errors
    /// As [`IndicatorRecord::from_json`]; the index is unchanged.
    pub fn add_indicator(&mut self, indicator: &Value) -> Result<AddOutcome, MatcherError> {
        self.insert(IndicatorRecord::from_json(indicator)?)
    }

    /// Adds one version of an indicator, superseding or ignoring what is held for its id.
    ///
    /// # Errors
    /// [`MatcherError::InvalidPattern`] when the pattern does not parse; the index is unchanged.
    pub fn insert(&mut self, record: IndicatorRecord) -> Result<AddOutcome, MatcherError> {
        let (id, previous): (Arc<str>, Option<IdState>) = match self.ids.get_key_value(record.id.as_str()) {
            Some((known, state)) => (Arc::clone(known), Some(*state)),
            None => (Arc::from(record.id.as_str()), None),
        };
        if let Some(previous) = previous {
            if previous.revoked {
                return Ok(AddOutcome::AlreadyRevoked);
            }
            if record.modified <= previous.modified {
                return Ok(AddOutcome::Stale);
            }
        }
        if record.revoked {
            if let Some(slot) = previous.and_then(|previous| previous.slot) {
                self.free_slot(slot);
            }
            let state = IdState {
                slot: None,
                modified: record.modified,
                revoked: true,
            };
            self.ids.insert(id, state);
            return Ok(AddOutcome::Revoked);
        }
        // Parse before touching the index, so an invalid version leaves the previous one in force.
        let pattern = parse_pattern(&record.pattern)?;
        let compiled_leaves = compile_regex_leaves(&pattern)?;
        if let Some(slot) = previous.and_then(|previous| previous.slot) {
            self.free_slot(slot);
        }
        let modified = record.modified;
        let slot = self.occupy_slot(Arc::clone(&id), record, &pattern, compiled_leaves);
        self.ids.insert(
            id,
            IdState {
                slot: Some(slot),
                modified,
                revoked: false,
            },
        );
        Ok(if previous.is_some() {
            AddOutcome::Superseded
        } else {
            AddOutcome::Added
        })
    }

    /// Makes room for `additional` more indicators, so a bulk load does not grow (and rehash) the large
    /// tables step by step.
    pub fn reserve(&mut self, additional: usize) {
        self.slots.reserve(additional);
        self.ids.reserve(additional);
        self.catalog.reserve(additional);
    }

    /// Revokes `id`: removes it, and ignores every later version. Returns whether it was in force.
    pub fn revoke(&mut self, id: &str) -> bool {
        let Some(state) = self.ids.get(id).copied() else {
            self.ids.insert(
                Arc::from(id),
                IdState {
                    slot: None,
                    modified: Moment::from_epoch_nanos(0),
                    revoked: true,
                },
            );
            return false;
        };
        if let Some(slot) = state.slot {
            self.free_slot(slot);
        }
        if let Some(state) = self.ids.get_mut(id) {
            state.slot = None;
            state.revoked = true;
        }
        state.slot.is_some()
    }

    /// Forgets `id` entirely: a later version of it is added as new. Returns whether it was in force.
    pub fn remove(&mut self, id: &str) -> bool {
        match self.ids.remove(id) {
            Some(IdState { slot: Some(slot), .. }) => {
                self.free_slot(slot);
                true
            }
            _ => false,
        }
    }

    /// The version (`modified`) held for `id` while it is in force; `None` when it is not (unknown, removed
    /// or revoked).
    pub fn version_in_force(&self, id: &str) -> Option<Moment> {
        self.ids
            .get(id)
            .filter(|state| state.slot.is_some())
            .map(|state| state.modified)
    }

    /// How many indicators are in force.
    pub fn len(&self) -> usize {
        self.n_live
    }

    /// Whether no indicator is in force.
    pub fn is_empty(&self) -> bool {
        self.n_live == 0
    }

    /// Sizes, for tests and benchmarks.
    pub fn stats(&self) -> IndexStats {
        IndexStats {
            n_indicators: self.n_live,
            n_ids: self.ids.len(),
            catalog: self.catalog.stats(),
        }
    }

    pub(crate) fn entry(&self, slot: u32) -> Option<&Entry> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    fn occupy_slot(
        &mut self,
        id: Arc<str>,
        record: IndicatorRecord,
        pattern: &Pattern,
        compiled_leaves: Box<[(u32, CompiledComparison)]>,
    ) -> u32 {
        let slot = match self.free_slots.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        let pattern_leaves = leaves(pattern);
        for (leaf, expr) in pattern_leaves.into_iter().enumerate() {
            self.catalog.insert_leaf(
                expr,
                Posting {
                    slot,
                    leaf: leaf as u32,
                },
            );
        }
        self.next_generation += 1;
        self.slots[slot as usize] = Some(Entry {
            id,
            generation: self.next_generation,
            valid_from: record.valid_from.map_or(i64::MIN, saturating_nanos),
            valid_until: record.valid_until.map_or(i64::MAX, saturating_nanos),
            pattern_text: record.pattern.into_boxed_str(),
            compiled_leaves,
        });
        self.n_live += 1;
        slot
    }

    fn free_slot(&mut self, slot: u32) {
        let Some(entry) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        if let Some(pattern) = entry.pattern() {
            for (leaf, expr) in leaves(&pattern).into_iter().enumerate() {
                self.catalog.remove_leaf(
                    expr,
                    Posting {
                        slot,
                        leaf: leaf as u32,
                    },
                );
            }
        }
        self.free_slots.push(slot);
        self.n_live -= 1;
    }
}

fn saturating_nanos(moment: Moment) -> i64 {
    let nanos = moment.epoch_nanos();
    i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN } else { i64::MAX })
}

/// The compiled regexes of the leaves with `LIKE` or `MATCHES`, or why one cannot be compiled.
fn compile_regex_leaves(pattern: &Pattern) -> Result<Box<[(u32, CompiledComparison)]>, MatcherError> {
    leaves(pattern)
        .iter()
        .enumerate()
        .filter(|(_, expr)| uses_regex(expr))
        .map(|(leaf, expr)| {
            let compiled =
                CompiledComparison::new(expr).map_err(|err| MatcherError::Unsupported(err.to_string()))?;
            Ok((leaf as u32, compiled))
        })
        .collect()
}

/// Whether a leaf has a `LIKE` or `MATCHES` comparison.
fn uses_regex(expr: &ComparisonExpr) -> bool {
    match expr {
        ComparisonExpr::And(left, right) | ComparisonExpr::Or(left, right) => {
            uses_regex(left) || uses_regex(right)
        }
        ComparisonExpr::Comparison(comparison) => matches!(comparison.op, CompOp::Like | CompOp::Matches),
        ComparisonExpr::Exists { .. } => false,
    }
}

#[cfg(test)]
mod tests;
