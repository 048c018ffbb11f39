//! Detection exports: STIX indicators rendered as Suricata and Snort rules, Zeek intel framework files, CSV,
//! DNS RPZ zones and plain blocklists.
//!
//! - [`observable`] finds what a pattern says exactly (an OR of `=` comparisons on known paths) or why not.
//! - [`mentions`] lists every exact observable value an object mentions, for correlation.
//! - [`record`] reads the few indicator properties an export needs and applies the filters.
//! - [`warninglist`] holds the embedded known-benign lists.
//! - [`rules`] and [`lists`] render one value per line; [`escape`] keeps every line valid whatever the input.
//! - [`export::Exporter`] streams one export: head, lines, trailer with the counts.
//!
//! Boundary: pure (no I/O, no async): the hub walks the collection through the release gate and feeds this
//! crate the objects a caller may read.
#![deny(missing_docs)]

pub mod escape;
pub mod export;
pub mod lists;
pub mod mentions;
pub mod observable;
pub mod record;
pub mod rules;
pub mod warninglist;

#[cfg(test)]
mod tests;
