//! Event subscriptions as pure rules: what a subscriber asks to be told about (`Filter`), how a filter is
//! checked (`Filter::validate`, each problem naming its field) and how one released object is matched
//! (`Filter::matches`).
//!
//! Invariant: matching sees only what the subscriber may read. The hub calls `matches` on the object as the
//! release gate served it to that subscriber (a redacted or republished copy, its id and markings), never on
//! the stored original, so a filter cannot be used to probe hidden fields.
//!
//! Boundary: pure (no I/O, no async); depends on `stix` for the TLP order only.

mod filter;

pub use crate::filter::{ASSET_KINDS, Candidate, Filter, FilterError, VOCABULARY_PROPERTIES, parse_tlp};
