//! A small pool of read-only connections, used from `spawn_blocking` so SQLite never runs on the async
//! runtime's threads.
//!
//! Invariant: a connection is used by one task at a time (taken out of the pool, put back after). At most
//! `MAX_IDLE` connections are kept; a burst beyond that opens short-lived extra ones.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use store::{StoreError, StoreResult};

use crate::error::from_sqlite;
use crate::schema;

const MAX_IDLE: usize = 8;
const READER_CACHE_KIB: i64 = 8 * 1024;

/// The reader pool.
#[derive(Debug, Clone)]
pub(crate) struct ReaderPool {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl ReaderPool {
    pub(crate) fn new(path: PathBuf) -> ReaderPool {
        ReaderPool {
            path,
            idle: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Runs `read` on a pooled connection on the blocking thread pool.
    pub(crate) async fn read<T, F>(&self, read: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.take()?;
            let outcome = read(&conn);
            pool.give_back(conn);
            outcome
        })
        .await
        .map_err(|err| StoreError::Backend(format!("reader task failed: {err}")))?
    }

    fn take(&self) -> StoreResult<Connection> {
        if let Some(conn) = self.idle.lock().map_err(|_| poisoned())?.pop() {
            return Ok(conn);
        }
        let flags =
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(from_sqlite)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(from_sqlite)?;
        conn.execute_batch(&format!(
            "PRAGMA cache_size = -{READER_CACHE_KIB}; PRAGMA temp_store = MEMORY;"
        ))
        .map_err(from_sqlite)?;
        let _ = schema::SCHEMA_VERSION;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
    }
}

fn poisoned() -> StoreError {
    StoreError::Backend("reader pool lock poisoned".to_owned())
}
