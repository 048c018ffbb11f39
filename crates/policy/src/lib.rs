//! Who may see what: the pure sharing-policy rules the hub's one read gate calls.
//!
//! - [`model`]: organisations, accounts, nested communities, collections' audiences, marking grants, and the
//!   [`model::Directory`] that resolves an account into a [`model::Reader`].
//! - [`admin`]: delegated administration (who may add whom to what).
//! - [`clearance`]: the TLP 2.0 clearance rules and the per-object decision, [`clearance::decide`].
//! - [`granular`]: the served copy of an object whose granular markings the reader is not cleared for.
//! - [`anonymity`]: consent levels and republishing a submission with the hub as publisher of record.
//! - [`pii`]: finding and redacting personal data in free text, keeping the threat data.
//! - [`audit`]: the hash-chained audit log as pure functions.
//! - [`gate`]: the one call per served object: clearance, then granular markings, then anonymity.
//!
//! Invariant: no I/O, no async, no clock, no randomness. Every input is a value the hub passes in, so every
//! rule can be tested exhaustively and the same decision is made on every node.
#![deny(missing_docs)]

pub mod admin;
pub mod anonymity;
pub mod audit;
pub mod clearance;
pub mod error;
pub mod gate;
pub mod granular;
pub mod model;
pub mod pii;
