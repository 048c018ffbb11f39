//! Integration tests of `stix-pattern`: parser goldens, the shared pattern corpus, and random round trips.
// Test helpers outside `#[test]` functions may unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod corpus;
mod eval_props;
mod golden;
mod matcher_verdicts;
mod reference;
mod roundtrip;
mod strategies;
