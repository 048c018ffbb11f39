//! The audit log (issue 6): appending under a compare-and-swap on the head, reading entries back.
//!
//! Invariant: `append` runs in the writer's transaction, so the head check, the inserts and the head update
//! commit together; another process (the admin CLI) writing at the same time is serialised by SQLite's write
//! lock and then sees the moved head, so it gets `Conflict` instead of forking the chain.

use rusqlite::{Connection, OptionalExtension, params};
use store::{AuditHead, AuditRecord, StoreError, StoreResult};

use crate::error::from_sqlite;

fn to_i64(value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Backend(format!("audit value {value} out of range")))
}

fn to_u64(value: i64) -> rusqlite::Result<u64> {
    u64::try_from(value).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(0, value))
}

fn to_hash(bytes: &[u8]) -> StoreResult<[u8; 32]> {
    <[u8; 32]>::try_from(bytes)
        .map_err(|_| StoreError::Backend(format!("audit hash of {} bytes, not 32", bytes.len())))
}

pub(crate) fn head(conn: &Connection) -> StoreResult<AuditHead> {
    let row = conn
        .prepare_cached("SELECT n_entries, last_hash FROM audit_head WHERE id = 1")
        .and_then(|mut stmt| {
            stmt.query_row([], |row| Ok((to_u64(row.get(0)?)?, row.get::<_, Vec<u8>>(1)?)))
                .optional()
        })
        .map_err(from_sqlite)?;
    match row {
        Some((n_entries, hash)) => Ok(AuditHead {
            n_entries,
            last_hash: to_hash(&hash)?,
        }),
        None => Ok(AuditHead::EMPTY),
    }
}

pub(crate) fn append(
    conn: &Connection,
    expected: &AuditHead,
    records: &[AuditRecord],
) -> StoreResult<AuditHead> {
    let current = head(conn)?;
    if current != *expected {
        return Err(StoreError::Conflict(format!(
            "the audit head moved: expected {} entries, found {}",
            expected.n_entries, current.n_entries
        )));
    }
    let mut new_head = current;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO audit_log (seq, actor, action, at, n_objects, details, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(from_sqlite)?;
    for record in records {
        if record.seq != new_head.n_entries {
            return Err(StoreError::Backend(format!(
                "audit record seq {} does not follow the head ({} entries)",
                record.seq, new_head.n_entries
            )));
        }
        insert
            .execute(params![
                to_i64(record.seq)?,
                record.actor,
                record.action,
                record.at,
                to_i64(record.n_objects)?,
                record.details,
                record.hash.as_slice(),
            ])
            .map_err(from_sqlite)?;
        new_head = AuditHead {
            n_entries: record.seq + 1,
            last_hash: record.hash,
        };
    }
    conn.execute(
        "UPDATE audit_head SET n_entries = ?1, last_hash = ?2 WHERE id = 1",
        params![to_i64(new_head.n_entries)?, new_head.last_hash.as_slice()],
    )
    .map_err(from_sqlite)?;
    Ok(new_head)
}

pub(crate) fn entries(conn: &Connection, from_seq: u64, limit: usize) -> StoreResult<Vec<AuditRecord>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows: Vec<(AuditRecord, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT seq, actor, action, at, n_objects, details, hash FROM audit_log \
             WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
        )
        .and_then(|mut stmt| {
            stmt.query_map(params![to_i64(from_seq).unwrap_or(i64::MAX), limit], |row| {
                Ok((
                    AuditRecord {
                        seq: to_u64(row.get(0)?)?,
                        actor: row.get(1)?,
                        action: row.get(2)?,
                        at: row.get(3)?,
                        n_objects: to_u64(row.get(4)?)?,
                        details: row.get(5)?,
                        hash: [0; 32],
                    },
                    row.get(6)?,
                ))
            })
            .and_then(Iterator::collect)
        })
        .map_err(from_sqlite)?;
    rows.into_iter()
        .map(|(mut record, hash)| {
            // A hash of the wrong length (a damaged row) reads as zeros, which never verifies: the hub
            // reports the entry as broken rather than failing to read the log.
            record.hash = to_hash(&hash).unwrap_or([0; 32]);
            record
        })
        .map(Ok)
        .collect()
}
