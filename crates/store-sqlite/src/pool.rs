//! A small pool of read-only connections, used from `spawn_blocking` so SQLite never runs on the async
//! runtime's threads.
//!
//! Invariant: a connection is used by one task at a time (taken out of the pool, put back after). At most
//! `MAX_READERS` reads run at once (a semaphore; more wait for a turn, in order), so at most that many
//! connections and page caches exist: memory stays bounded under any load (issue 8).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use store::{StoreError, StoreResult};

use crate::error::from_sqlite;
use crate::schema;

/// Reads running at once, and connections kept.
const MAX_READERS: usize = 8;
const READER_CACHE_KIB: i64 = 8 * 1024;

/// The reader pool.
#[derive(Debug, Clone)]
pub(crate) struct ReaderPool {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
    turns: Arc<tokio::sync::Semaphore>,
}

impl ReaderPool {
    pub(crate) fn new(path: PathBuf) -> ReaderPool {
        ReaderPool {
            path,
            idle: Arc::new(Mutex::new(Vec::new())),
            turns: Arc::new(tokio::sync::Semaphore::new(MAX_READERS)),
        }
    }

    /// Runs `read` on a pooled connection on the blocking thread pool.
    pub(crate) async fn read<T, F>(&self, read: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let turn = Arc::clone(&self.turns)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Unavailable("the reader pool is closed".to_owned()))?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.take()?;
            let outcome = read(&conn);
            pool.give_back(conn);
            drop(turn);
            outcome
        })
        .await
        .map_err(|err| StoreError::Backend(format!("reader task failed: {err}")))?
    }

    /// Reads running now.
    pub(crate) fn reads_in_progress(&self) -> usize {
        MAX_READERS - self.turns.available_permits()
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
            && idle.len() < MAX_READERS
        {
            idle.push(conn);
        }
    }
}

fn poisoned() -> StoreError {
    StoreError::Backend("reader pool lock poisoned".to_owned())
}
