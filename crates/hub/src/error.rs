//! `HubError`: the outcomes a transport maps to its own codes (the server maps each to one HTTP status).

use store::StoreError;

/// Why a use case did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HubError {
    /// No or wrong credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// The caller may see the resource but not do this to it.
    #[error("not allowed")]
    Forbidden,
    /// An admin action the sharing model's delegation rules refuse, with the rule's reason.
    #[error("not permitted: {0}")]
    NotPermitted(String),
    /// Not found, or not visible to this caller (indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// A malformed request (parameters, cursor).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Content that cannot be processed (not an envelope, not JSON).
    #[error("unprocessable content: {0}")]
    Unprocessable(String),
    /// A uniqueness rule (name, alias) would break.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Temporarily unable to serve (store busy or stopping).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Too many failed sign-ins for this account name or client address (issue 12); retry after the time.
    #[error("too many failed sign-ins; retry in {retry_after_seconds} s")]
    TooManyAttempts {
        /// Seconds until another attempt is allowed.
        retry_after_seconds: u64,
    },
    /// The organisation's storage quota would be exceeded (issue 8); waiting does not help, deleting does.
    #[error("quota exceeded: {0}")]
    QuotaExceeded(String),
    /// The store's disk is full; the write was rolled back (issue 8).
    #[error("insufficient storage: {0}")]
    InsufficientStorage(String),
    /// A bug or a broken store; details are logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for HubError {
    fn from(err: StoreError) -> HubError {
        match err {
            StoreError::NotFound(_) => HubError::NotFound,
            StoreError::Conflict(message) => HubError::Conflict(message),
            StoreError::Unavailable(message) => HubError::Unavailable(message),
            StoreError::StorageFull(message) => HubError::InsufficientStorage(message),
            StoreError::Backend(message) => HubError::Internal(message),
        }
    }
}
