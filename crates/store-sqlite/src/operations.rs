//! Operating the SQLite store (issue 8): per-organisation usage for quotas, online backup (`VACUUM INTO`) and
//! restore into a stopped data directory.
//!
//! Invariants: a backup is one consistent snapshot taken in a read transaction, so it runs while a server
//! writes (WAL readers never block the writer); restore never touches a data directory another stixhub process
//! has open (every `SqliteStore` holds a shared lock on `LOCK_FILE`, restore takes it exclusively), and
//! replaces the database only after the copy passed `PRAGMA integrity_check`.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use store::{StoreError, StoreResult, Usage};

use crate::DATABASE_FILE;
use crate::error::from_sqlite;

/// The lock file of a data directory: shared while a store is open, exclusive during a restore.
pub const LOCK_FILE: &str = "stixhub.lock";

/// Objects and bytes stored by the accounts of `organisation`.
pub(crate) fn organisation_usage(conn: &Connection, organisation: &str) -> StoreResult<Usage> {
    conn.query_row(
        "SELECT count(*), coalesce(sum(length(raw)), 0) FROM objects WHERE submitter_org = ?1",
        [organisation],
        |row| {
            let objects: i64 = row.get(0)?;
            let bytes: i64 = row.get(1)?;
            Ok(Usage {
                objects: u64::try_from(objects).unwrap_or(0),
                bytes: u64::try_from(bytes).unwrap_or(0),
            })
        },
    )
    .map_err(from_sqlite)
}

/// Takes the shared lock of `data_dir` for the life of the returned file; fails while a restore runs.
pub(crate) fn lock_shared(data_dir: &Path) -> StoreResult<File> {
    let file = open_lock_file(data_dir)?;
    file.try_lock_shared().map_err(|_| {
        StoreError::Unavailable(format!(
            "{} is being restored; try again after",
            data_dir.display()
        ))
    })?;
    Ok(file)
}

/// Writes a consistent copy of the store in `data_dir` to `to` (which must not exist), while other processes
/// may read and write it. Returns the size of the copy in bytes.
pub fn backup(data_dir: &Path, to: &Path) -> StoreResult<u64> {
    let database = data_dir.join(DATABASE_FILE);
    if !database.exists() {
        return Err(StoreError::Backend(format!(
            "no stixhub store in {}",
            data_dir.display()
        )));
    }
    if to.exists() {
        return Err(StoreError::Conflict(format!(
            "{} exists; choose a new file",
            to.display()
        )));
    }
    let target = to
        .to_str()
        .ok_or_else(|| StoreError::Backend(format!("{} is not a UTF-8 path", to.display())))?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(&database, flags).map_err(from_sqlite)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(from_sqlite)?;
    conn.execute("VACUUM INTO ?1", [target]).map_err(from_sqlite)?;
    let size = std::fs::metadata(to)
        .map_err(|err| StoreError::Backend(format!("cannot read {}: {err}", to.display())))?
        .len();
    Ok(size)
}

/// `Ok` when the store in `data_dir` passes `PRAGMA integrity_check`; the first problems otherwise.
pub fn integrity_check(data_dir: &Path) -> StoreResult<()> {
    check_backup(&data_dir.join(DATABASE_FILE))
}

/// What `restore` should do when the data directory already holds a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistingStore {
    /// Refuse (the default: never clobber data by accident).
    Refuse,
    /// Replace it.
    Replace,
}

/// Restores the backup `from` into `data_dir` (created if missing). Refuses while any stixhub process has the
/// directory open, when `from` is not an intact stixhub store, and (unless told to replace) when a store
/// exists there already.
pub fn restore(from: &Path, data_dir: &Path, existing: ExistingStore) -> StoreResult<()> {
    check_backup(from)?;
    std::fs::create_dir_all(data_dir)
        .map_err(|err| StoreError::Backend(format!("cannot create {}: {err}", data_dir.display())))?;
    let lock = open_lock_file(data_dir)?;
    lock.try_lock().map_err(|_| {
        StoreError::Conflict(format!(
            "a stixhub process has {} open; stop it before restoring",
            data_dir.display()
        ))
    })?;
    let database = data_dir.join(DATABASE_FILE);
    if database.exists() && existing == ExistingStore::Refuse {
        return Err(StoreError::Conflict(format!(
            "{} already holds a store; pass --force to replace it",
            data_dir.display()
        )));
    }
    let staged = data_dir.join(format!("{DATABASE_FILE}.restoring"));
    std::fs::copy(from, &staged).map_err(|err| io_error(&staged, &err))?;
    File::open(&staged)
        .and_then(|file| file.sync_all())
        .map_err(|err| io_error(&staged, &err))?;
    check_backup(&staged)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", database.display()));
        if side.exists() {
            std::fs::remove_file(&side).map_err(|err| io_error(&side, &err))?;
        }
    }
    std::fs::rename(&staged, &database).map_err(|err| io_error(&database, &err))?;
    if let Ok(dir) = File::open(data_dir) {
        let _ = dir.sync_all();
    }
    drop(lock);
    Ok(())
}

/// `Ok` when `path` is an intact SQLite database holding a stixhub schema.
fn check_backup(path: &Path) -> StoreResult<()> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|err| StoreError::Backend(format!("{}: {err}", path.display())))?;
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .map_err(|err| StoreError::Backend(format!("{} is not a stixhub backup: {err}", path.display())))?;
    if verdict != "ok" {
        return Err(StoreError::Backend(format!(
            "{} is damaged: {verdict}",
            path.display()
        )));
    }
    let version: i64 = conn
        .query_row("SELECT max(version) FROM schema_version", [], |row| row.get(0))
        .map_err(|err| StoreError::Backend(format!("{} is not a stixhub backup: {err}", path.display())))?;
    if version > crate::schema::SCHEMA_VERSION {
        return Err(StoreError::Backend(format!(
            "{} has schema version {version}, newer than this stixhub ({})",
            path.display(),
            crate::schema::SCHEMA_VERSION
        )));
    }
    Ok(())
}

fn open_lock_file(data_dir: &Path) -> StoreResult<File> {
    let path = data_dir.join(LOCK_FILE);
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|err| io_error(&path, &err))
}

fn io_error(path: &Path, err: &std::io::Error) -> StoreError {
    if err.raw_os_error() == Some(28) {
        return StoreError::StorageFull(format!("{}: {err}", path.display()));
    }
    StoreError::Backend(format!("{}: {err}", path.display()))
}
