//! The one translation of driver errors (tokio-postgres, the deadpool pool) into `StoreError`.
//!
//! Invariant: no other module of this crate builds a `StoreError` from a driver error; they all call
//! `from_pg` or `from_pool`, so a SQLSTATE means the same domain error everywhere.

use deadpool_postgres::PoolError;
use store::StoreError;
use tokio_postgres::error::SqlState;

/// Maps a driver error to a domain error: uniqueness violations are conflicts; lost connections, shutdowns,
/// serialization failures and deadlocks are "unavailable" (retrying later may work); everything else is a
/// backend failure.
pub(crate) fn from_pg(err: tokio_postgres::Error) -> StoreError {
    let Some(code) = err.code() else {
        // No SQLSTATE: the connection broke, could not be opened, or the protocol failed. The first two
        // are worth retrying: the server may come back.
        let source = std::error::Error::source(&err);
        let io_failure = source.is_some_and(|source| source.is::<std::io::Error>());
        // The driver's own text omits the cause ("error connecting to server"); name it.
        let message = match source {
            Some(source) => format!("{err}: {source}"),
            None => err.to_string(),
        };
        return if err.is_closed() || io_failure {
            StoreError::Unavailable(message)
        } else {
            StoreError::Backend(message)
        };
    };
    let message = match err.as_db_error() {
        Some(db_error) => format!("{} ({})", db_error.message(), code.code()),
        None => err.to_string(),
    };
    if *code == SqlState::UNIQUE_VIOLATION {
        StoreError::Conflict(message)
    } else if *code == SqlState::DISK_FULL || *code == SqlState::INSUFFICIENT_RESOURCES {
        StoreError::StorageFull(message)
    } else if is_transient(code) {
        StoreError::Unavailable(message)
    } else {
        StoreError::Backend(message)
    }
}

/// Maps a pool error: a connection that cannot be had is "unavailable".
pub(crate) fn from_pool(err: PoolError) -> StoreError {
    match err {
        PoolError::Backend(err) => from_pg(err),
        other => StoreError::Unavailable(format!("no database connection: {other}")),
    }
}

fn is_transient(code: &SqlState) -> bool {
    [
        SqlState::T_R_SERIALIZATION_FAILURE,
        SqlState::T_R_DEADLOCK_DETECTED,
        SqlState::ADMIN_SHUTDOWN,
        SqlState::CRASH_SHUTDOWN,
        SqlState::CANNOT_CONNECT_NOW,
        SqlState::TOO_MANY_CONNECTIONS,
        SqlState::QUERY_CANCELED,
        SqlState::LOCK_NOT_AVAILABLE,
    ]
    .contains(code)
}

/// Reads column `column_idx` of `row`; a type mismatch (a bug, or a schema this binary does not know) is a
/// backend error rather than a panic.
pub(crate) fn column<'a, T>(row: &'a tokio_postgres::Row, column_idx: usize) -> Result<T, StoreError>
where
    T: tokio_postgres::types::FromSql<'a>,
{
    row.try_get(column_idx).map_err(from_pg)
}
