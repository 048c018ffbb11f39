//! The crate's one error type.

use thiserror::Error;

/// An error from the policy rules: a reference to something that does not exist, a structure that would break
/// an invariant (a community cycle), or an administrative action the actor may not take.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// No organisation with this id.
    #[error("unknown organisation {0}")]
    UnknownOrganisation(String),
    /// No account with this id.
    #[error("unknown account {0}")]
    UnknownAccount(String),
    /// No community with this id.
    #[error("unknown community {0}")]
    UnknownCommunity(String),
    /// The id is already taken.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// Making this community a child of that parent would create a cycle.
    #[error("community {0} cannot nest under its own descendant")]
    CommunityCycle(String),
    /// The object is not a STIX object this transform can handle (no `id`, not a JSON object, …).
    #[error("malformed object: {0}")]
    MalformedObject(&'static str),
    /// The actor may not take this administrative action; the reason is fixed text, safe to show the actor.
    #[error("not permitted: {0}")]
    NotPermitted(&'static str),
}
