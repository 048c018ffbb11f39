//! Observation-level evaluation: the sets of observations ("bindings") that satisfy each sub-expression.
//!
//! `stix2-matcher` expands an observed-data with `number_observed: k` into k interchangeable instances and
//! requires the instances bound to different parts of a pattern to be distinct. Since instances of one
//! observed-data are interchangeable (same objects, same interval), a binding here is a multiset: for each
//! observed-data index, how many of its instances are used, never more than `number_observed`. This is the
//! same relation with far fewer bindings.
//!
//! - `[…]`: one instance of each observed-data with a root SCO satisfying the comparison expression;
//! - `A AND B`: a binding of each, combined within capacity; `A OR B`: a binding of either;
//! - `A FOLLOWEDBY B`: as AND, and the latest `first_observed` of A ≤ the earliest `last_observed` of B;
//! - `WITHIN d`: the intervals of the binding can all be touched by one window of `d` seconds, i.e. the
//!   latest `first_observed` ≤ the earliest `last_observed` + d;
//! - `START s STOP t`: every interval overlaps the half-open `[s, t)` (nothing when `s ≥ t`);
//! - `REPEATS n`: n bindings of the inner expression combined within capacity.

use std::collections::HashSet;

use super::{CompiledComparison, EvalError, Observation};
use crate::ast::{ComparisonExpr, ObservationExpr, Pattern, Qualifier};

/// Instances used per observed-data index, sorted by index.
type Binding = Vec<(usize, u64)>;

/// How many binding combinations one evaluation may try before giving up.
const WORK_LIMIT: u64 = 20_000_000;

pub(crate) fn pattern_matches(pattern: &Pattern, observations: &[Observation]) -> Result<bool, EvalError> {
    let mut evaluator = Evaluator {
        observations,
        work: 0,
    };
    Ok(!evaluator.bindings(&pattern.expression)?.is_empty())
}

struct Evaluator<'o> {
    observations: &'o [Observation],
    work: u64,
}

impl Evaluator<'_> {
    fn spend(&mut self, amount: u64) -> Result<(), EvalError> {
        self.work += amount;
        if self.work > WORK_LIMIT {
            return Err(EvalError::TooComplex(format!(
                "more than {WORK_LIMIT} binding combinations"
            )));
        }
        Ok(())
    }

    fn bindings(&mut self, expr: &ObservationExpr) -> Result<Vec<Binding>, EvalError> {
        match expr {
            ObservationExpr::Observation(comparison) => self.leaf(comparison),
            ObservationExpr::Or(l, r) => {
                let mut all = self.bindings(l)?;
                all.extend(self.bindings(r)?);
                Ok(dedup(all))
            }
            ObservationExpr::And(l, r) => {
                let (left, right) = (self.bindings(l)?, self.bindings(r)?);
                self.join(&left, &right, |_, _| true)
            }
            ObservationExpr::FollowedBy(l, r) => {
                let (left, right) = (self.bindings(l)?, self.bindings(r)?);
                let observations = self.observations;
                self.join(&left, &right, |a, b| {
                    latest_first(observations, a) <= earliest_last(observations, b)
                })
            }
            ObservationExpr::Qualified(inner, qualifier) => {
                self.check_qualifier(qualifier)?;
                let inner = self.bindings(inner)?;
                self.qualify(inner, qualifier)
            }
        }
    }

    fn check_qualifier(&self, qualifier: &Qualifier) -> Result<(), EvalError> {
        match qualifier {
            Qualifier::Within(seconds) if *seconds <= 0.0 => Err(EvalError::InvalidPattern(
                "WITHIN needs a positive number of seconds".to_owned(),
            )),
            Qualifier::Repeats(0) => Err(EvalError::InvalidPattern(
                "REPEATS needs a count of at least 1".to_owned(),
            )),
            _ => Ok(()),
        }
    }

    fn leaf(&mut self, comparison: &ComparisonExpr) -> Result<Vec<Binding>, EvalError> {
        let compiled = CompiledComparison::new(comparison)?;
        let mut bindings = Vec::new();
        for (obs_idx, observation) in self.observations.iter().enumerate() {
            self.spend(observation.objects.len() as u64 + 1)?;
            let resolve = |id: &str| observation.object_by_id(id);
            if observation
                .objects
                .iter()
                .any(|(_, object)| compiled.matches_object(object, &resolve))
            {
                bindings.push(vec![(obs_idx, 1)]);
            }
        }
        Ok(bindings)
    }

    fn join(
        &mut self,
        left: &[Binding],
        right: &[Binding],
        extra: impl Fn(&Binding, &Binding) -> bool,
    ) -> Result<Vec<Binding>, EvalError> {
        let mut out = Vec::new();
        for a in left {
            self.spend(right.len() as u64 + 1)?;
            for b in right {
                if let Some(merged) = merge(self.observations, a, b)
                    && extra(a, b)
                {
                    out.push(merged);
                }
            }
        }
        Ok(dedup(out))
    }

    fn qualify(&mut self, inner: Vec<Binding>, qualifier: &Qualifier) -> Result<Vec<Binding>, EvalError> {
        let observations = self.observations;
        match qualifier {
            Qualifier::Within(seconds) => {
                let window = seconds_to_nanos(*seconds);
                Ok(inner
                    .into_iter()
                    .filter(|b| {
                        latest_first(observations, b) <= earliest_last(observations, b).saturating_add(window)
                    })
                    .collect())
            }
            Qualifier::StartStop { start, stop } => {
                let (start, stop) = (start.epoch_nanos(), stop.epoch_nanos());
                if start >= stop {
                    return Ok(Vec::new());
                }
                Ok(inner
                    .into_iter()
                    .filter(|b| {
                        b.iter().all(|&(obs_idx, _)| {
                            let observation = &observations[obs_idx];
                            observation.first_observed < stop && observation.last_observed >= start
                        })
                    })
                    .collect())
            }
            Qualifier::Repeats(count) => self.repeat(&inner, *count),
        }
    }

    /// All combinations of `count` bindings from `inner` (repetition allowed) that fit within capacity.
    fn repeat(&mut self, inner: &[Binding], count: u64) -> Result<Vec<Binding>, EvalError> {
        if count == 1 {
            return Ok(inner.to_vec());
        }
        // A binding uses at least one instance, so more repeats than instances in total cannot fit.
        let capacity: u64 = self
            .observations
            .iter()
            .map(|o| o.number_observed)
            .fold(0, u64::saturating_add);
        if count > capacity || inner.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = HashSet::new();
        self.repeat_from(inner, 0, count, &Vec::new(), &mut found)?;
        Ok(dedup(found.into_iter().collect()))
    }

    fn repeat_from(
        &mut self,
        inner: &[Binding],
        first_idx: usize,
        remaining: u64,
        so_far: &Binding,
        found: &mut HashSet<Binding>,
    ) -> Result<(), EvalError> {
        if remaining == 0 {
            found.insert(so_far.clone());
            return Ok(());
        }
        for (binding_idx, binding) in inner.iter().enumerate().skip(first_idx) {
            self.spend(1)?;
            if let Some(merged) = merge(self.observations, so_far, binding) {
                self.repeat_from(inner, binding_idx, remaining - 1, &merged, found)?;
            }
        }
        Ok(())
    }
}

/// The two bindings together, or `None` if some observed-data would be used more than `number_observed`.
fn merge(observations: &[Observation], a: &Binding, b: &Binding) -> Option<Binding> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(&(ai, ac)), Some(&(bi, bc))) if ai == bi => {
                i += 1;
                j += 1;
                (ai, ac + bc)
            }
            (Some(&x), Some(&(bi, _))) if x.0 < bi => {
                i += 1;
                x
            }
            (_, Some(&y)) => {
                j += 1;
                y
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, None) => break,
        };
        if next.1 > observations[next.0].number_observed {
            return None;
        }
        out.push(next);
    }
    Some(out)
}

fn latest_first(observations: &[Observation], binding: &Binding) -> i128 {
    binding
        .iter()
        .map(|&(obs_idx, _)| observations[obs_idx].first_observed)
        .max()
        .unwrap_or(i128::MIN)
}

fn earliest_last(observations: &[Observation], binding: &Binding) -> i128 {
    binding
        .iter()
        .map(|&(obs_idx, _)| observations[obs_idx].last_observed)
        .min()
        .unwrap_or(i128::MAX)
}

fn seconds_to_nanos(seconds: f64) -> i128 {
    let nanos = (seconds * 1e9).round();
    if nanos >= 1e38 { i128::MAX } else { nanos as i128 }
}

fn dedup(mut bindings: Vec<Binding>) -> Vec<Binding> {
    bindings.sort_unstable();
    bindings.dedup();
    bindings
}
