//! `StoreError`: what can go wrong in a store, in domain terms. Driver errors are translated once, in the
//! backend crate, into these variants.

use std::fmt;

/// The kinds of entity a `NotFound` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityKind {
    /// An API root.
    ApiRoot,
    /// A collection.
    Collection,
    /// An account.
    Account,
    /// An object.
    Object,
    /// A status resource.
    Status,
    /// An organisation (sharing policy).
    Organisation,
    /// A community (sharing policy).
    Community,
    /// A PII review.
    Review,
    /// A webhook endpoint (issue 13).
    Webhook,
    /// An asset claim (issue 14).
    Asset,
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            EntityKind::ApiRoot => "api root",
            EntityKind::Collection => "collection",
            EntityKind::Account => "account",
            EntityKind::Object => "object",
            EntityKind::Status => "status",
            EntityKind::Organisation => "organisation",
            EntityKind::Community => "community",
            EntityKind::Review => "review",
            EntityKind::Webhook => "webhook",
            EntityKind::Asset => "asset",
        };
        f.write_str(name)
    }
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The entity does not exist.
    #[error("{0} not found")]
    NotFound(EntityKind),
    /// A uniqueness rule would break (name, id or alias taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The store is shutting down or cannot be reached; retrying later may work.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The disk (or the database's space) is full; the write was rolled back and may work once space is freed.
    #[error("store full: {0}")]
    StorageFull(String),
    /// Anything else the backend reports (corruption, I/O, a bug).
    #[error("store failure: {0}")]
    Backend(String),
}
