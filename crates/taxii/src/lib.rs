//! TAXII 2.1 on the wire: resources, media types, timestamps and query parameters.
//!
//! Invariant: this crate is pure. It knows no tokio, no I/O and no HTTP framework types; the server and any
//! TAXII client code share it so the two cannot drift apart. Only this crate and `stix` derive serde.
#![deny(missing_docs)]

pub mod media;
pub mod paging;
pub mod query;
pub mod resources;
pub mod timestamp;

#[cfg(test)]
mod tests;
