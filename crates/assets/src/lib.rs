//! Organisations' assets (issue 14, victim notification) as pure rules: what a claim may be and how it is
//! written (`claim`), which observable values an object involves (`probe`), and an index that answers "whose
//! assets does this value fall in" quickly for many assets (`index`).
//!
//! Invariants:
//! - Every `Asset` is normalised: two spellings of one claim are equal (`198.51.100.0/24` and
//!   `198.51.100.000/24` are refused and accepted respectively as documented on `Asset::parse`, `Example.ORG.`
//!   is `example.org`), so storage, overlap and matching compare values, never text.
//! - `AssetIndex::matches` returns exactly the assets whose `Asset::contains_probe` holds (property test), and
//!   `Asset::overlaps` is symmetric.
//!
//! Boundary: pure (no I/O, no async); depends on `stix-pattern` (indicator patterns) and `serde_json` (SCOs).

pub mod claim;
pub mod index;
pub mod probe;
mod software;

pub use crate::claim::{Asset, AssetKind, ClaimError};
pub use crate::index::AssetIndex;
pub use crate::probe::{Probe, probes_of_object, probes_of_pattern, probes_of_sco};
