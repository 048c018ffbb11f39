//! [`ObservationStream`]: matching a stream of observed-data against every pattern, including patterns that
//! need several observations (observation `AND`/`OR`, `FOLLOWEDBY`, `WITHIN`, `REPEATS`).
//!
//! For each pattern that needs more than one observation the stream keeps a buffer of the recent
//! observations on which at least one of the pattern's `[…]` held (and during which the indicator was in
//! force). When an observation joins a buffer, the evaluator (`stix_pattern::eval::matches`) is asked
//! whether the buffer now satisfies the whole pattern; if so a [`StreamMatch`] is reported and the buffer
//! is cleared, so every report is built from observations that arrived after the previous one. Patterns
//! that one observation decides are evaluated on it alone and keep no state.
//!
//! Bounds (all configurable in [`StreamConfig`]):
//! - **Time.** A buffer holds an observation only while `last_observed + window ≥ watermark`, where the
//!   watermark is the newest `first_observed` the pattern has seen and the window is the pattern's outer
//!   `WITHIN` (the larger branch for an `OR`), never more than `max_window` (default 24 h). For streams in
//!   `first_observed` order this loses no match of a pattern with an outer `WITHIN` of at most
//!   `max_window` (the evaluator's `WITHIN d` needs the latest `first_observed` ≤ the earliest
//!   `last_observed` + d); an observation arriving later than the window behind the watermark can only match with
//!   observations still buffered.
//! - **Count.** A buffer holds at most `max_observations_per_indicator` observations (default 64), or the
//!   fewest the pattern can need (`REPEATS 100 TIMES` needs 100) if that is more, up to 4,096; beyond it the
//!   oldest (`first_observed`) goes first.
//! - **Patterns.** At most `max_tracked_indicators` buffers exist (default 100,000); beyond it the buffers
//!   with the oldest watermark are dropped (down to 90 % of the bound).
//!
//! Memory is therefore at most `max_tracked_indicators × 4,096` buffered observations, and in practice
//! `max_tracked_indicators × max_observations_per_indicator` (each a copy of the observed-data's SCOs).

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use stix_pattern::ast::{ObservationExpr, Qualifier};
use stix_pattern::eval::Observation;

use crate::error::MatcherError;
use crate::index::IndicatorIndex;
use crate::observation::ObservedData;
use crate::time::{Moment, seconds_to_nanos};

/// The hard ceiling on one buffer, whatever a pattern's `REPEATS` asks for.
const MAX_BUFFER: usize = 4096;

/// Bounds on the state an [`ObservationStream`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamConfig {
    /// The longest span of time a buffer covers.
    pub max_window: Duration,
    /// The most observations a buffer keeps (raised to what a pattern's `REPEATS` needs, up to 4,096).
    pub max_observations_per_indicator: usize,
    /// The most buffers kept at once.
    pub max_tracked_indicators: usize,
}

impl Default for StreamConfig {
    fn default() -> StreamConfig {
        StreamConfig {
            max_window: Duration::from_secs(24 * 3600),
            max_observations_per_indicator: 64,
            max_tracked_indicators: 100_000,
        }
    }
}

/// One pattern satisfied by the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamMatch {
    /// The indicator's id.
    pub indicator_id: String,
    /// The ids of the observed-data the match was found among, the one that completed it last. (For a
    /// pattern that needs several observations these are the whole buffer, a superset of the binding.)
    pub observed_data_ids: Vec<String>,
}

/// Counters of what a stream did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Observations pushed.
    pub n_observations: u64,
    /// Buffers currently kept.
    pub n_buffers: usize,
    /// Observations dropped from buffers by the time window.
    pub n_evicted_by_time: u64,
    /// Observations dropped from buffers by the count bound.
    pub n_evicted_by_count: u64,
    /// Buffers dropped by the pattern bound.
    pub n_buffers_dropped: u64,
    /// Evaluations that failed (unsupported regex, too complex); counted as no match.
    pub n_evaluation_errors: u64,
}

/// Per-pattern state over a stream of observed-data.
#[derive(Debug, Default)]
pub struct ObservationStream {
    config: StreamConfig,
    buffers: hashbrown::HashMap<u32, Buffer>,
    stats: StreamStats,
}

#[derive(Debug)]
struct Buffer {
    generation: u64,
    watermark: Moment,
    observations: Vec<Observation>,
    times: Vec<Buffered>,
}

#[derive(Debug, Clone)]
struct Buffered {
    first_observed: Moment,
    last_observed: Moment,
    id: String,
}

impl ObservationStream {
    /// A stream with the given bounds.
    pub fn new(config: StreamConfig) -> ObservationStream {
        ObservationStream {
            config,
            buffers: hashbrown::HashMap::new(),
            stats: StreamStats::default(),
        }
    }

    /// What the stream did so far.
    pub fn stats(&self) -> StreamStats {
        StreamStats {
            n_buffers: self.buffers.len(),
            ..self.stats
        }
    }

    /// Feeds one observed-data (SCOs looked up in `scos_by_id`) and returns the patterns it completes.
    ///
    /// # Errors
    /// As [`IndicatorIndex::match_observed_data`].
    pub fn push(
        &mut self,
        index: &IndicatorIndex,
        observed_data: &Value,
        scos_by_id: &HashMap<String, Value>,
    ) -> Result<Vec<StreamMatch>, MatcherError> {
        self.push_filtered(index, observed_data, scos_by_id, &|_| true)
    }

    /// As [`ObservationStream::push`], considering only the indicators whose id `keep` accepts: the others
    /// get no buffer and take no part in the bounds, so a caller that may see only some indicators gets
    /// exactly the answers an index of those alone would give.
    ///
    /// # Errors
    /// As [`IndicatorIndex::match_observed_data`].
    pub fn push_filtered(
        &mut self,
        index: &IndicatorIndex,
        observed_data: &Value,
        scos_by_id: &HashMap<String, Value>,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<StreamMatch>, MatcherError> {
        self.stats.n_observations += 1;
        let view = ObservedData::read(observed_data, scos_by_id)?;
        let mut slots = index.confirmed_slots(&view);
        slots.retain(|(_, entry, _)| keep(&entry.id));
        if slots.is_empty() {
            return Ok(Vec::new());
        }
        let observation = Observation::from_observed_data(observed_data, scos_by_id)
            .map_err(|error| MatcherError::InvalidObservation(error.to_string()))?;
        let this = Buffered {
            first_observed: view.first_observed,
            last_observed: view.last_observed,
            id: view.id.unwrap_or_default().to_owned(),
        };
        let mut found = Vec::new();
        for (slot, entry, pattern) in slots {
            let expression = &pattern.expression;
            if !needs_several_observations(expression) {
                match stix_pattern::eval::matches(&pattern, std::slice::from_ref(&observation)) {
                    Ok(true) => found.push(StreamMatch {
                        indicator_id: entry.id.to_string(),
                        observed_data_ids: vec![this.id.clone()],
                    }),
                    Ok(false) => {}
                    Err(_) => self.stats.n_evaluation_errors += 1,
                }
                continue;
            }
            let buffer = self
                .buffers
                .entry(slot)
                .or_insert_with(|| Buffer::new(entry.generation));
            if buffer.generation != entry.generation {
                *buffer = Buffer::new(entry.generation);
            }
            buffer.observations.push(observation.clone());
            buffer.times.push(this.clone());
            buffer.watermark = buffer.watermark.max(view.first_observed);
            let window = pattern_window(expression)
                .map_or(self.config.max_window.as_nanos() as i128, |window| {
                    window.min(self.config.max_window.as_nanos() as i128)
                });
            self.stats.n_evicted_by_time += buffer.evict_older_than(window) as u64;
            let capacity = self
                .config
                .max_observations_per_indicator
                .max(fewest_observations(expression))
                .min(MAX_BUFFER);
            self.stats.n_evicted_by_count += buffer.evict_beyond(capacity) as u64;
            match stix_pattern::eval::matches(&pattern, &buffer.observations) {
                Ok(true) => {
                    let ids = buffer.times.drain(..).map(|buffered| buffered.id).collect();
                    buffer.observations.clear();
                    found.push(StreamMatch {
                        indicator_id: entry.id.to_string(),
                        observed_data_ids: ids,
                    });
                }
                Ok(false) => {}
                Err(_) => self.stats.n_evaluation_errors += 1,
            }
        }
        self.enforce_buffer_bound();
        Ok(found)
    }

    /// Drops, from every buffer, the observations that can no longer take part in a match once the stream
    /// has reached `now` (as if an observation at `now` had arrived), and the buffers of indicators no longer
    /// in `index` (or superseded).
    pub fn expire(&mut self, index: &IndicatorIndex, now: Moment) {
        let max_window = self.config.max_window.as_nanos() as i128;
        let mut n_evicted = 0;
        self.buffers.retain(|slot, buffer| {
            let Some(entry) = index
                .entry(*slot)
                .filter(|entry| entry.generation == buffer.generation)
            else {
                return false;
            };
            buffer.watermark = buffer.watermark.max(now);
            let Some(pattern) = entry.pattern() else {
                return false;
            };
            let window =
                pattern_window(&pattern.expression).map_or(max_window, |window| window.min(max_window));
            n_evicted += buffer.evict_older_than(window);
            !buffer.observations.is_empty()
        });
        self.stats.n_evicted_by_time += n_evicted as u64;
    }

    fn enforce_buffer_bound(&mut self) {
        let bound = self.config.max_tracked_indicators;
        if self.buffers.len() <= bound {
            return;
        }
        let target = bound - bound / 10;
        let mut by_age: Vec<(Moment, u32)> = self
            .buffers
            .iter()
            .map(|(slot, buffer)| (buffer.watermark, *slot))
            .collect();
        by_age.sort_unstable();
        let n_drop = self.buffers.len() - target;
        for (_, slot) in by_age.into_iter().take(n_drop) {
            self.buffers.remove(&slot);
            self.stats.n_buffers_dropped += 1;
        }
    }
}

impl Buffer {
    fn new(generation: u64) -> Buffer {
        Buffer {
            generation,
            watermark: Moment::from_epoch_nanos(i128::MIN / 4),
            observations: Vec::new(),
            times: Vec::new(),
        }
    }

    /// Drops observations with `last_observed + window < watermark`; returns how many.
    fn evict_older_than(&mut self, window: i128) -> usize {
        let before = self.times.len();
        let watermark = self.watermark;
        let mut idx = 0;
        while idx < self.times.len() {
            if self.times[idx].last_observed.saturating_add_nanos(window) < watermark {
                self.times.remove(idx);
                self.observations.remove(idx);
            } else {
                idx += 1;
            }
        }
        before - self.times.len()
    }

    /// Drops the oldest observations (by `first_observed`) beyond `capacity`; returns how many.
    fn evict_beyond(&mut self, capacity: usize) -> usize {
        let mut n_evicted = 0;
        while self.times.len() > capacity.max(1) {
            let oldest = (0..self.times.len())
                .min_by_key(|idx| self.times[*idx].first_observed)
                .unwrap_or(0);
            self.times.remove(oldest);
            self.observations.remove(oldest);
            n_evicted += 1;
        }
        n_evicted
    }
}

/// Whether the pattern can only be satisfied by several observations together (so needs state).
pub(crate) fn needs_several_observations(expr: &ObservationExpr) -> bool {
    match expr {
        ObservationExpr::Observation(_) => false,
        ObservationExpr::And(..) | ObservationExpr::FollowedBy(..) => true,
        ObservationExpr::Or(left, right) => {
            needs_several_observations(left) || needs_several_observations(right)
        }
        ObservationExpr::Qualified(inner, qualifier) => {
            matches!(qualifier, Qualifier::Repeats(count) if *count > 1) || needs_several_observations(inner)
        }
    }
}

/// The longest span (nanoseconds) one match of `expr` can cover, when the pattern bounds it.
fn pattern_window(expr: &ObservationExpr) -> Option<i128> {
    match expr {
        ObservationExpr::Observation(_) => Some(0),
        ObservationExpr::And(..) | ObservationExpr::FollowedBy(..) => None,
        ObservationExpr::Or(left, right) => Some(pattern_window(left)?.max(pattern_window(right)?)),
        ObservationExpr::Qualified(inner, qualifier) => match qualifier {
            Qualifier::Within(seconds) => {
                let within = seconds_to_nanos(*seconds);
                Some(pattern_window(inner).map_or(within, |inner| inner.min(within)))
            }
            Qualifier::StartStop { .. } => pattern_window(inner),
            Qualifier::Repeats(_) => None,
        },
    }
}

/// The fewest observations a match of `expr` can use.
fn fewest_observations(expr: &ObservationExpr) -> usize {
    match expr {
        ObservationExpr::Observation(_) => 1,
        ObservationExpr::And(left, right) | ObservationExpr::FollowedBy(left, right) => {
            fewest_observations(left).saturating_add(fewest_observations(right))
        }
        ObservationExpr::Or(left, right) => fewest_observations(left).min(fewest_observations(right)),
        ObservationExpr::Qualified(inner, Qualifier::Repeats(count)) => {
            fewest_observations(inner).saturating_mul(usize::try_from(*count).unwrap_or(usize::MAX))
        }
        ObservationExpr::Qualified(inner, _) => fewest_observations(inner),
    }
}

#[cfg(test)]
mod tests;
