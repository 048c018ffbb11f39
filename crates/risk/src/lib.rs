//! The National Critical Function risk register (issue 18, the hub half) as pure rules: the catalogue of
//! sectors and National Critical Functions (`ncf`), the tags organisations, assets and products carry
//! (`tags`), the mission and well-being impact those tags mean for SSVC (`mission`), the ranked roll-up of
//! findings and threat activity per function with every contributor kept (`register`), who sees whose
//! contributions (`visibility`), joint action plans (`plan`) and a supplier's findings as STIX (`supplier`).
//!
//! Invariants:
//! - Every number of the register is the sum of the contributors listed beside it: `register::rank` builds
//!   totals only from the contributors it keeps.
//! - A function name that no source confirms is never invented: the built-in catalogue holds only the names
//!   the compiled reference gives, counts the rest as unnamed, and marks operator-loaded names as such.
//!
//! Boundary: pure (no I/O, no clock: callers pass instants); depends on `serde_json` and `uuid` only. The
//! hub loads tags, findings, activity and plans from the store, applies `visibility` per reader and calls
//! `register::rank`.

pub mod mission;
pub mod ncf;
pub mod plan;
pub mod register;
pub mod supplier;
pub mod tags;
pub mod visibility;

pub use crate::ncf::{Catalogue, Function, NameStatus, Sector};
pub use crate::tags::{TagError, Tags};

/// An error of the risk rules: the message names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RiskError {
    /// The field (JSON path or parameter name) at fault.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl RiskError {
    /// An error on `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> RiskError {
        RiskError {
            field: field.into(),
            message: message.into(),
        }
    }
}
