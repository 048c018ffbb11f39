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
use crate::timestamp::truncate_to_micros;

/// Instances used per observed-data index, sorted by index.
type Binding = Vec<(usize, u64)>;

/// How many binding combinations one evaluation may try before giving up.
const WORK_LIMIT: u64 = 5_000_000;

/// The largest `REPEATS` count searched for (the search keeps one partial binding per repetition).
const MAX_REPEATS_SEARCHED: u64 = 100_000;

/// Evaluates `pattern` with its `[…]` bodies already compiled, in the order of [`leaves_in_order`].
pub(crate) fn pattern_matches(
    pattern: &Pattern,
    compiled_leaves: &[CompiledComparison],
    observations: &[Observation],
) -> Result<bool, EvalError> {
    let mut evaluator = Evaluator {
        observations,
        compiled_leaves,
        next_leaf: 0,
        work: 0,
    };
    // At the root only existence matters: a repetition search can stop at its first combination.
    if let ObservationExpr::Qualified(inner, Qualifier::Repeats(count)) = &pattern.expression {
        evaluator.check_qualifier(&Qualifier::Repeats(*count))?;
        let inner = evaluator.bindings(inner)?;
        return Ok(!evaluator.repeat(&inner, *count, None, Wanted::Any)?.is_empty());
    }
    Ok(!evaluator.bindings(&pattern.expression)?.is_empty())
}

/// The `[…]` bodies of `expr`, left to right: the order in which evaluation visits them. Iterative, since
/// operator chains may be long.
pub(crate) fn leaves_in_order(expr: &ObservationExpr) -> Vec<&ComparisonExpr> {
    let mut leaves = Vec::new();
    let mut stack = vec![expr];
    while let Some(node) = stack.pop() {
        match node {
            ObservationExpr::Observation(comparison) => leaves.push(comparison),
            ObservationExpr::And(l, r) | ObservationExpr::Or(l, r) | ObservationExpr::FollowedBy(l, r) => {
                stack.push(r);
                stack.push(l);
            }
            ObservationExpr::Qualified(inner, _) => stack.push(inner),
        }
    }
    leaves
}

/// Whether a search must find every combination or just one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    All,
    Any,
}

struct Evaluator<'o> {
    observations: &'o [Observation],
    /// One compiled comparison per `[…]`, in visiting order.
    compiled_leaves: &'o [CompiledComparison],
    next_leaf: usize,
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
            ObservationExpr::Observation(_) => self.leaf(),
            ObservationExpr::Or(..) => {
                let mut all = Vec::new();
                for operand in chain_operands(expr) {
                    all.extend(self.bindings(operand)?);
                }
                Ok(dedup(all))
            }
            ObservationExpr::And(..) => {
                let operands = chain_operands(expr);
                let mut acc = self.bindings(operands[0])?;
                for operand in &operands[1..] {
                    let right = self.bindings(operand)?;
                    acc = self.join(&acc, &right, |_, _| true)?;
                }
                Ok(acc)
            }
            ObservationExpr::FollowedBy(..) => {
                let observations = self.observations;
                let operands = chain_operands(expr);
                let mut acc = self.bindings(operands[0])?;
                for operand in &operands[1..] {
                    let right = self.bindings(operand)?;
                    acc = self.join(&acc, &right, |a, b| {
                        latest_first(observations, a) <= earliest_last(observations, b)
                    })?;
                }
                Ok(acc)
            }
            ObservationExpr::Qualified(inner, qualifier) => {
                self.check_qualifier(qualifier)?;
                // `… REPEATS n TIMES WITHIN d SECONDS`: the window prunes the repetition search, since
                // adding observations to a binding never narrows its span.
                if let (
                    Qualifier::Within(seconds),
                    ObservationExpr::Qualified(repeated, Qualifier::Repeats(count)),
                ) = (qualifier, &**inner)
                {
                    self.check_qualifier(&Qualifier::Repeats(*count))?;
                    let repeated = self.bindings(repeated)?;
                    let window = Some(seconds_to_nanos(*seconds));
                    let combined = self.repeat(&repeated, *count, window, Wanted::All)?;
                    return self.qualify(combined, qualifier);
                }
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
            Qualifier::StartStop { start, stop } => {
                super::compile::check_calendar_valid(start)?;
                super::compile::check_calendar_valid(stop)
            }
            Qualifier::Within(_) | Qualifier::Repeats(_) => Ok(()),
        }
    }

    fn leaf(&mut self) -> Result<Vec<Binding>, EvalError> {
        let compiled_leaves = self.compiled_leaves;
        let compiled = compiled_leaves.get(self.next_leaf).ok_or_else(|| {
            EvalError::InvalidPattern("the compiled comparisons do not fit the pattern".to_owned())
        })?;
        self.next_leaf += 1;
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
                let (start, stop) = (
                    truncate_to_micros(start.epoch_nanos()),
                    truncate_to_micros(stop.epoch_nanos()),
                );
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
            Qualifier::Repeats(count) => self.repeat(&inner, *count, None, Wanted::All),
        }
    }

    /// All combinations of `count` bindings from `inner` (repetition allowed) that fit within capacity.
    /// With `window`, partial combinations whose span already exceeds it are abandoned; with
    /// [`Wanted::Any`], the search stops at the first combination.
    fn repeat(
        &mut self,
        inner: &[Binding],
        count: u64,
        window: Option<i128>,
        wanted: Wanted,
    ) -> Result<Vec<Binding>, EvalError> {
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
        if count > MAX_REPEATS_SEARCHED {
            return Err(EvalError::TooComplex(format!(
                "REPEATS {count} TIMES (more than {MAX_REPEATS_SEARCHED})"
            )));
        }
        // Depth-first over non-decreasing choices (a binding may repeat while capacity allows), with an
        // explicit stack: the depth is `count`, far beyond what recursion could afford.
        struct Frame {
            next_idx: usize,
            so_far: Binding,
        }
        let mut found = HashSet::new();
        let mut frames = vec![Frame {
            next_idx: 0,
            so_far: Vec::new(),
        }];
        loop {
            let depth = frames.len().saturating_sub(1) as u64;
            let Some(top) = frames.last_mut() else { break };
            if depth == count {
                if let Some(done) = frames.pop() {
                    found.insert(done.so_far);
                }
                if wanted == Wanted::Any {
                    break;
                }
                continue;
            }
            let Some(binding) = inner.get(top.next_idx) else {
                frames.pop();
                continue;
            };
            let binding_idx = top.next_idx;
            top.next_idx += 1;
            let observations = self.observations;
            let merged = merge(observations, &top.so_far, binding).filter(|merged| {
                window.is_none_or(|window| {
                    latest_first(observations, merged)
                        <= earliest_last(observations, merged).saturating_add(window)
                })
            });
            self.spend(1)?;
            if let Some(merged) = merged {
                frames.push(Frame {
                    next_idx: binding_idx,
                    so_far: merged,
                });
            }
        }
        Ok(dedup(found.into_iter().collect()))
    }
}

/// The operands of a left-leaning chain of the operator at the root of `expr` (And, Or or FollowedBy), left
/// to right, found without recursion: `((a OP b) OP c)` gives `[a, b, c]`.
fn chain_operands(expr: &ObservationExpr) -> Vec<&ObservationExpr> {
    let same_operator = |e: &ObservationExpr| std::mem::discriminant(e) == std::mem::discriminant(expr);
    let mut operands = Vec::new();
    let mut current = expr;
    loop {
        match current {
            ObservationExpr::And(l, r) | ObservationExpr::Or(l, r) | ObservationExpr::FollowedBy(l, r)
                if same_operator(current) =>
            {
                operands.push(&**r);
                current = l;
            }
            _ => break,
        }
    }
    operands.push(current);
    operands.reverse();
    operands
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
