//! An index over many STIX indicators: which of them match an SCO, an observed-data, or a stream of
//! observed-data, without evaluating every pattern.
//!
//! - [`index::IndicatorIndex`] holds the indicators in force (added, superseded by newer versions, revoked,
//!   removed) and answers [`match_sco`](index::IndicatorIndex::match_sco) and
//!   [`match_observed_data`](index::IndicatorIndex::match_observed_data).
//! - [`stream::ObservationStream`] adds bounded per-pattern state for patterns that need several
//!   observations (`AND`/`FOLLOWEDBY` across observations, `REPEATS`, `WITHIN`).
//!
//! How a query works: each `[…]` of each pattern ("leaf") is filed, per object type it can match, under
//! *anchors* that any matching object must hit: an exact value of a property (`=`, `IN`), a CIDR network
//! (`ISSUBSET`, `ISSUPERSET`, `=` on IP values), or a substring every match contains (`LIKE`, `MATCHES`).
//! Leaves without one go on a per-type fallback list. An SCO is read only at the paths anchors use; the hits
//! plus the fallback list are the candidates, and only those are evaluated, by `stix_pattern::eval`.
//!
//! Layout: `anchor` (anchors of a leaf), `catalog` (the structures anchors live in), `postings`, `cidr`,
//! `literal`, `path` (reading an SCO), `observation` (reading an observed-data), `indicator`, `index`,
//! `stream`, `time`, `error`.
//!
//! Architecture invariant: pure and synchronous; no I/O. The index never drops a match: its answers equal
//! evaluating every pattern (checked by the differential test in `tests/it`).
#![deny(missing_docs)]

mod anchor;
mod catalog;
mod cidr;
pub mod error;
pub mod index;
pub mod indicator;
mod literal;
mod observation;
mod path;
mod postings;
pub mod stream;
pub mod time;

pub use catalog::CatalogStats;
