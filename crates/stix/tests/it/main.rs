//! Integration tests of the `stix` crate against the shared corpus (`../shared/corpus`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic in a test is a failed assertion"
)]

mod corpus;
mod oracle;
mod roundtrip;
mod validate;
mod validate_docs;
