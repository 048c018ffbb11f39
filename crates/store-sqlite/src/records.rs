//! Hub-owned records (issues 15–18; contract in `store::records`). Writes run as one writer job, so the
//! job's savepoint makes a batch all-or-nothing.

use rusqlite::{Connection, OptionalExtension, Row, params};
use store::{Record, RecordScan, RecordWrite, StoreResult, expectation_failed, expectation_holds};

use crate::error::from_sqlite;

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<Record> {
    Ok(Record {
        ns: row.get(0)?,
        key: row.get(1)?,
        version: row.get(2)?,
        updated_micros: row.get(3)?,
        body: row.get(4)?,
    })
}

pub(crate) fn write(conn: &Connection, writes: &[RecordWrite], now_micros: i64) -> StoreResult<Vec<i64>> {
    let mut versions = Vec::with_capacity(writes.len());
    for write in writes {
        let found: Option<i64> = conn
            .prepare_cached("SELECT version FROM records WHERE ns = ?1 AND key = ?2")
            .and_then(|mut stmt| {
                stmt.query_row(params![write.ns, write.key], |row| row.get(0))
                    .optional()
            })
            .map_err(from_sqlite)?;
        if !expectation_holds(write.expect, found) {
            return Err(expectation_failed(write, found));
        }
        match &write.body {
            Some(body) => {
                let version = found.unwrap_or(0) + 1;
                conn.prepare_cached(
                    "INSERT INTO records (ns, key, version, updated_micros, body) VALUES (?1, ?2, ?3, ?4, ?5) \
                     ON CONFLICT (ns, key) DO UPDATE SET version = excluded.version, \
                     updated_micros = excluded.updated_micros, body = excluded.body",
                )
                .and_then(|mut stmt| stmt.execute(params![write.ns, write.key, version, now_micros, body]))
                .map_err(from_sqlite)?;
                versions.push(version);
            }
            None => {
                conn.prepare_cached("DELETE FROM records WHERE ns = ?1 AND key = ?2")
                    .and_then(|mut stmt| stmt.execute(params![write.ns, write.key]))
                    .map_err(from_sqlite)?;
                versions.push(0);
            }
        }
    }
    Ok(versions)
}

pub(crate) fn get(conn: &Connection, ns: &str, key: &str) -> StoreResult<Option<Record>> {
    conn.prepare_cached(
        "SELECT ns, key, version, updated_micros, body FROM records WHERE ns = ?1 AND key = ?2",
    )
    .and_then(|mut stmt| stmt.query_row(params![ns, key], record_from_row).optional())
    .map_err(from_sqlite)
}

pub(crate) fn scan(conn: &Connection, scan: &RecordScan) -> StoreResult<Vec<Record>> {
    // A range on the primary key rather than LIKE: keys are arbitrary text, and `substr` keeps the prefix
    // test exact for every byte (no LIKE wildcards, no case folding).
    let limit = i64::try_from(scan.limit).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "SELECT ns, key, version, updated_micros, body FROM records \
         WHERE ns = ?1 AND key >= ?2 AND (?3 IS NULL OR key > ?3) AND substr(key, 1, length(?2)) = ?2 \
         ORDER BY key LIMIT ?4",
    )
    .and_then(|mut stmt| {
        stmt.query_map(params![scan.ns, scan.prefix, scan.after, limit], record_from_row)?
            .collect()
    })
    .map_err(from_sqlite)
}
