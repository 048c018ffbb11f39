//! The one translation of rusqlite errors into `StoreError`.

use rusqlite::ErrorCode;
use store::StoreError;

/// Maps a driver error to a domain error: uniqueness violations are conflicts, a locked database is
/// "unavailable" (retry later), a full disk is "storage full", everything else is a backend failure.
pub(crate) fn from_sqlite(err: rusqlite::Error) -> StoreError {
    match err.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => StoreError::Conflict(err.to_string()),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Unavailable(err.to_string()),
        Some(ErrorCode::DiskFull) => StoreError::StorageFull(err.to_string()),
        _ => StoreError::Backend(err.to_string()),
    }
}
