//! Evaluation of a pattern against observed-data, with the semantics of `stix2-matcher` 3.0.0.
//!
//! An [`Observation`] is one observed-data object with the SCOs it references. [`matches()`] answers whether a
//! pattern matches a set of observations; [`comparison_matches_object`] (and [`CompiledComparison`]) answer
//! the inner question, whether one comparison expression holds for one SCO, which is what an index over many
//! patterns needs to confirm a candidate.
//!
//! Rules (standards.md §2.6, checked against `stix2-matcher`):
//! - a `[…]` is satisfied by one observation in which one SCO (the root) satisfies every comparison;
//!   comparisons on another type are false for that root, so `[a:x = 1 AND b:y = 2]` never matches;
//! - a path that does not resolve makes the comparison false under every operator, `NOT` and `!=` included;
//!   with `[*]` or `_refs` the comparison holds when any resolved value satisfies it;
//! - `AND`, `OR`, `FOLLOWEDBY` and `REPEATS` bind *different* observations, where an observed-data with
//!   `number_observed: k` counts as k observations (all with its `first_observed`/`last_observed`).
//!
//! - timestamps (literals, `first_observed`/`last_observed`, string properties compared with `t'…'`) must
//!   have the STIX shape and be real calendar instants, and compare at microsecond precision, as in
//!   `stix2-matcher`.
//!
//! Known, deliberate differences from `stix2-matcher` (each justified by the spec) are listed with the
//! case that shows them in `test_data/matcher-disagreements.tsv`: `NOT EXISTS`, DOTALL for `MATCHES`,
//! IPv6 and lenient CIDR operands, no exceptions on malformed values (incompatible, hence false).
//!
//! Invariant: evaluation never panics on input; malformed observed-data is an [`EvalError`]. Chains of
//! operators are evaluated without recursion, so the parser's size limits bound the stack.

mod bindings;
mod compile;
mod net;
mod observation;
mod path;
mod values;

#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::ast::{ComparisonExpr, Pattern};

pub use compile::CompiledComparison;
pub use observation::Observation;

/// Why a pattern could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A construct this evaluator cannot express, e.g. a `MATCHES` regular expression with a feature the
    /// `regex` crate lacks (look-around, back-references). Never reported as a silent "no match".
    #[error("unsupported in evaluation: {0}")]
    Unsupported(String),
    /// A pattern that parses but cannot be evaluated (e.g. `REPEATS 0 TIMES`, `WITHIN 0 SECONDS`, an `IN`
    /// list mixing types); `stix2-matcher` raises on the same patterns.
    #[error("pattern cannot be evaluated: {0}")]
    InvalidPattern(String),
    /// An observed-data object missing or misusing a required property.
    #[error("invalid observed-data: {0}")]
    InvalidObservation(String),
    /// The search for a binding grew past a fixed work bound (many observations under `REPEATS`).
    #[error("evaluation too complex: {0}")]
    TooComplex(String),
}

/// Whether `pattern` matches `observations`.
///
/// # Errors
/// See [`EvalError`]: unsupported regular expressions, patterns that cannot be evaluated, and searches that
/// exceed the work bound.
pub fn matches(pattern: &Pattern, observations: &[Observation]) -> Result<bool, EvalError> {
    let compiled_leaves = compile_leaves(pattern)?;
    bindings::pattern_matches(pattern, &compiled_leaves, observations)
}

/// A pattern with every regular expression built once, to match many sets of observations.
#[derive(Debug, Clone)]
pub struct CompiledPattern {
    pattern: Pattern,
    compiled_leaves: Vec<CompiledComparison>,
}

impl CompiledPattern {
    /// Compiles every `[…]` of `pattern`.
    ///
    /// # Errors
    /// As [`CompiledComparison::new`], for the first `[…]` that cannot be compiled.
    pub fn new(pattern: &Pattern) -> Result<CompiledPattern, EvalError> {
        Ok(CompiledPattern {
            pattern: pattern.clone(),
            compiled_leaves: compile_leaves(pattern)?,
        })
    }

    /// The pattern this was compiled from.
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// Whether the pattern matches `observations`; the same answer as [`matches()`].
    ///
    /// # Errors
    /// As [`matches()`], except for compilation errors, which [`CompiledPattern::new`] reported.
    pub fn matches(&self, observations: &[Observation]) -> Result<bool, EvalError> {
        bindings::pattern_matches(&self.pattern, &self.compiled_leaves, observations)
    }
}

fn compile_leaves(pattern: &Pattern) -> Result<Vec<CompiledComparison>, EvalError> {
    bindings::leaves_in_order(&pattern.expression)
        .into_iter()
        .map(CompiledComparison::new)
        .collect()
}

/// Whether `expr` holds for the SCO `root`, with `resolve` turning an id from a `_ref`/`_refs` property into
/// the referenced SCO (resolve only to the SCOs of the same observation).
///
/// Returns `false` when the expression cannot be evaluated at all (an unsupported regular expression, an
/// `IN` list mixing types); use [`CompiledComparison::new`] to see that error, and to evaluate one
/// expression against many objects without compiling its regular expressions each time.
pub fn comparison_matches_object<'v>(
    expr: &ComparisonExpr,
    root: &'v Value,
    resolve: &dyn Fn(&str) -> Option<&'v Value>,
) -> bool {
    CompiledComparison::new(expr).is_ok_and(|compiled| compiled.matches_object(root, resolve))
}
