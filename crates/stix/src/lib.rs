//! The STIX 2.1 model: what the hub reads, checks and keeps.
//!
//! Objects are kept as their exact original bytes (`StixObject::raw`) beside a parsed view used for checks and
//! typed access, so nothing the hub serves drifts from what was posted. Identifiers and timestamps are newtypes
//! built once at the boundary. This crate does no I/O and knows nothing of TAXII, storage or HTTP.
#![deny(missing_docs)]

pub mod bundle;
pub mod diagnostic;
pub mod id;
pub mod jcs;
pub mod markings;
pub mod object;
pub mod scoid;
pub mod timestamp;
pub mod validate;
pub mod vocab;
