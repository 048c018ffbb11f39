//! The durable event log: one hub-wide, gap-free sequence of what happened (object versions added, versions
//! deleted, and kinds later features append), which the event stream, webhooks and e-mail read from.
//!
//! Contract every backend keeps (checked by `store-tests`):
//! - **Dense and in commit order.** Positions (`seq`) start at 1 and run without holes: each is assigned
//!   under one hub-wide lock (SQLite: the single writer; PostgreSQL: the `event_log` row, locked until
//!   COMMIT), so a reader that has seen `seq = n` committed will never later find a new event at or below
//!   `n`, on any node (standards trap 18). A rolled-back transaction takes its positions back with it.
//! - **Written with the change.** `ingest` (and a review approval that stores its object) appends one
//!   `object-added` event per new version, and `delete_object` one `object-deleted` event per deleted version,
//!   inside the same transaction as the change: no event without its change, no change without its event.
//!   An exact version posted again stores nothing and appends nothing.
//! - **Object facts.** An object event carries the version's row facts (id, type, version, spec version,
//!   sharing facts) as they were when the event was written, so a deleted version can still be gated. The
//!   bytes come from the live row: an `object-added` event whose version was deleted since has `raw = None`.
//! - **Retention.** `trim_events` removes the oldest events; `first` then moves past them. Positions are never
//!   reused.

use crate::model::CollectionId;
use crate::query::StoredObject;

/// The kind of event the store appends for each new object version.
pub const OBJECT_ADDED: &str = "object-added";
/// The kind of event the store appends for each deleted object version.
pub const OBJECT_DELETED: &str = "object-deleted";

/// An event of any other kind, appended by `Store::append_events`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Its kind, e.g. `victim-notification` (lowercase words joined by `-`).
    pub kind: String,
    /// The collection it concerns, if any (readers of that collection only).
    pub collection: Option<CollectionId>,
    /// One JSON object, as the kind defines it (the store keeps the text).
    pub payload: String,
}

/// One event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Its position, from 1.
    pub seq: u64,
    /// `object-added`, `object-deleted`, or an appended kind.
    pub kind: String,
    /// When written, µs since the epoch.
    pub created_micros: i64,
    /// The collection it concerns.
    pub collection: Option<CollectionId>,
    /// For object events: the version's facts (`raw` set for an `object-added` whose version is still
    /// stored).
    pub object: Option<StoredObject>,
    /// For appended kinds: the JSON payload.
    pub payload: Option<String>,
}

/// The retained range of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventBounds {
    /// The oldest retained position (`latest + 1` when nothing is retained).
    pub first: u64,
    /// The newest committed position (0 before the first event).
    pub latest: u64,
}

/// What `trim_events` removes: every event older than `before_micros`, and the oldest beyond `keep_latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRetention {
    /// Events written before this instant (µs since the epoch) go.
    pub before_micros: i64,
    /// At most this many of the newest events stay.
    pub keep_latest: u64,
}

/// A subscription: an account's saved event filter (the hub defines and checks the filter's JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRecord {
    /// Its id (UUIDv4).
    pub id: String,
    /// The owning account.
    pub account: String,
    /// A name for people.
    pub name: String,
    /// The filter, as JSON text.
    pub filter: String,
    /// When created, µs since the epoch.
    pub created_micros: i64,
}
