//! Integration tests of the `stix` crate against the shared corpus (`../shared/corpus`).

mod corpus;
mod oracle;
mod roundtrip;
mod validate;
