//! Election-Day incident cases (issue 16) as pure rules, with no I/O and no clock (callers pass instants as
//! Unix microseconds):
//!
//! - [`taxonomy`]: the incident categories (the NC SBE Numbered Memo 2018-13 list of
//!   `shared/reference/election/`, plus CISA's threat types), extendable by the operator.
//! - [`model`]: severities, statuses, systems, observables, and a validated [`model::Report`].
//! - [`validate`]: a report from JSON, with one message per bad field (`{"field", "message"}`).
//! - [`case`]: the case, its history, and the state machine (which transitions are allowed).
//! - [`timers`]: deadlines per severity for acknowledge, triage and resolve, and when each is met or breached.
//! - [`routing`]: operator rules (jurisdiction, category, severity → tiers of responders) and their evaluation.
//! - [`share`]: the cleaned STIX bundle a responder publishes from a case (incident, indicators, relationships,
//!   the county named only when its consent allows, the EXERCISE marking on exercise cases).
//! - [`from_stix`]: a report from a STIX `incident` posted by TAXII, with its indicators and observed-data.
//!
//! The EXERCISE statement marking itself is defined in `stix::markings` (`EXERCISE_MARKING_ID`), so the policy
//! crate can keep its id when it republishes anonymously.

pub mod case;
pub mod from_stix;
pub mod model;
pub mod routing;
pub mod share;
pub mod taxonomy;
pub mod time;
pub mod timers;
pub mod validate;

pub use case::{Case, HistoryEntry, ShareRecord, TransitionError};
pub use model::{FieldError, Observable, ObservableKind, Report, Severity, Status, System};
pub use routing::{RouteRule, Tier};
pub use stix::markings::{EXERCISE_MARKING_ID, EXERCISE_STATEMENT, exercise_marking_definition};
pub use taxonomy::{Category, Taxonomy};
pub use timers::{Stage, TimerPolicy, TimerState};
