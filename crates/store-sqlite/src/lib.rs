//! `SqliteStore`: the embedded, default `Store` backend (`stixhub serve --data DIR`).
//!
//! Invariant: one writer thread owns the only read-write connection of this process and batches every write
//! (see `writer`); reads use a small pool of read-only connections on the blocking pool (see `pool`). The
//! database is in WAL mode with `synchronous = FULL`, so readers never block the writer, a committed ingest
//! survives a crash, and other processes (the admin CLI) may write at the same time (busy timeout).
//! Objects are stored as their exact bytes beside the few indexed columns reads need (see `schema`).

mod accounts;
mod admin;
mod assets;
mod audit;
mod error;
mod events;
mod objects;
mod operations;
mod pool;
mod read;
mod records;
mod review;
mod schema;
mod sharing;
mod status;
mod store_impl;
mod webhook;
mod writer;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use store::{StoreError, StoreResult};

use crate::error::from_sqlite;
pub use crate::operations::{ExistingStore, LOCK_FILE, backup, integrity_check, restore};
use crate::pool::ReaderPool;
use crate::writer::{WriteOutput, Writer};

/// The file name of the database inside the data directory.
pub const DATABASE_FILE: &str = "stixhub.sqlite3";

const WRITER_CACHE_KIB: i64 = 64 * 1024;

/// The SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: Writer,
    readers: ReaderPool,
    /// The shared lock on the data directory, held while the store is open (so `restore` cannot run).
    _lock: std::fs::File,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir`, migrating its schema.
    pub fn open(data_dir: &Path) -> StoreResult<SqliteStore> {
        std::fs::create_dir_all(data_dir)
            .map_err(|err| StoreError::Backend(format!("cannot create {}: {err}", data_dir.display())))?;
        let lock = operations::lock_shared(data_dir)?;
        let path = data_dir.join(DATABASE_FILE);
        let mut conn = Connection::open(&path).map_err(from_sqlite)?;
        schema::configure(&conn, WRITER_CACHE_KIB).map_err(from_sqlite)?;
        schema::migrate(&mut conn).map_err(from_sqlite)?;
        let writer = Writer::start(conn).map_err(|err| StoreError::Backend(err.to_string()))?;
        Ok(SqliteStore {
            readers: ReaderPool::new(path.clone()),
            path,
            writer,
            _lock: lock,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn write_done<F>(&self, work: F) -> StoreResult<()>
    where
        F: FnOnce(&Connection) -> StoreResult<()> + Send + 'static,
    {
        self.writer
            .write(Box::new(move |conn| work(conn).map(|()| WriteOutput::Done)))
            .await
            .map(|_| ())
    }

    async fn write_count<F>(&self, work: F) -> StoreResult<u64>
    where
        F: FnOnce(&Connection) -> StoreResult<u64> + Send + 'static,
    {
        match self
            .writer
            .write(Box::new(move |conn| work(conn).map(WriteOutput::Count)))
            .await?
        {
            WriteOutput::Count(count) => Ok(count),
            other => Err(StoreError::Backend(format!(
                "writer answered {other:?} to a count"
            ))),
        }
    }
}

#[cfg(test)]
mod tests;
