//! The policy crate's integration tests: one binary, a module per rule set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic in a test is a failed assertion"
)]

mod admin;
mod anonymity;
mod anonymity_prop;
mod audit;
mod clearance;
mod clearance_prop;
mod gate;
mod granular;
mod pii;
mod pii_corpus;
mod pii_object;
