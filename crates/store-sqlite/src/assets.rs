//! Asset claims, notice keys and added recipients (issue 14; contract in `store::assets`).

use rusqlite::{Connection, OptionalExtension, Row, params};
use store::{AssetRecord, CollectionId, EntityKind, StoreError, StoreResult};

use crate::error::from_sqlite;

const SELECT: &str = "SELECT id, org, kind, value, created_by, created_micros, verified_by, verified_micros \
     FROM assets";

fn asset_from_row(row: &Row<'_>) -> rusqlite::Result<AssetRecord> {
    Ok(AssetRecord {
        id: row.get(0)?,
        org: row.get(1)?,
        kind: row.get(2)?,
        value: row.get(3)?,
        created_by: row.get(4)?,
        created_micros: row.get(5)?,
        verified_by: row.get(6)?,
        verified_micros: row.get(7)?,
    })
}

pub(crate) fn create(conn: &Connection, asset: &AssetRecord) -> StoreResult<()> {
    let org_exists = conn
        .query_row(
            "SELECT 1 FROM organisations WHERE name = ?1",
            [&asset.org],
            |_| Ok(()),
        )
        .optional()
        .map_err(from_sqlite)?;
    if org_exists.is_none() {
        return Err(StoreError::NotFound(EntityKind::Organisation));
    }
    conn.execute(
        "INSERT INTO assets (id, org, kind, value, created_by, created_micros, verified_by, verified_micros) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            asset.id,
            asset.org,
            asset.kind,
            asset.value,
            asset.created_by,
            asset.created_micros,
            asset.verified_by,
            asset.verified_micros
        ],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub(crate) fn list(conn: &Connection, org: Option<&str>) -> StoreResult<Vec<AssetRecord>> {
    let mut stmt = conn
        .prepare_cached(&format!("{SELECT} WHERE ?1 IS NULL OR org = ?1 ORDER BY seq"))
        .map_err(from_sqlite)?;
    stmt.query_map([org], asset_from_row)
        .and_then(Iterator::collect)
        .map_err(from_sqlite)
}

pub(crate) fn get(conn: &Connection, id: &str) -> StoreResult<Option<AssetRecord>> {
    conn.query_row(&format!("{SELECT} WHERE id = ?1"), [id], asset_from_row)
        .optional()
        .map_err(from_sqlite)
}

pub(crate) fn verify(conn: &Connection, id: &str, account: &str, micros: i64) -> StoreResult<u64> {
    conn.execute(
        "UPDATE assets SET verified_by = coalesce(verified_by, ?2), \
         verified_micros = coalesce(verified_micros, ?3) WHERE id = ?1",
        params![id, account, micros],
    )
    .map(|n| n as u64)
    .map_err(from_sqlite)
}

pub(crate) fn delete(conn: &Connection, id: &str) -> StoreResult<u64> {
    conn.execute("DELETE FROM assets WHERE id = ?1", [id])
        .map(|n| n as u64)
        .map_err(from_sqlite)
}

pub(crate) fn claim_notices(conn: &Connection, keys: &[String]) -> StoreResult<Vec<String>> {
    let mut stmt = conn
        .prepare_cached("INSERT OR IGNORE INTO asset_notices (key) VALUES (?1)")
        .map_err(from_sqlite)?;
    let mut claimed = Vec::new();
    for key in keys {
        if stmt.execute([key]).map_err(from_sqlite)? > 0 {
            claimed.push(key.clone());
        }
    }
    Ok(claimed)
}

pub(crate) fn add_recipients(
    conn: &Connection,
    collection: &CollectionId,
    date_added: i64,
    recipients: &[String],
) -> StoreResult<u64> {
    let Ok(coll) = crate::objects::collection_seq(conn, collection) else {
        return Ok(0);
    };
    let current: Option<String> = conn
        .query_row(
            "SELECT recipients FROM objects WHERE coll = ?1 AND date_added = ?2",
            params![coll, date_added],
            |row| row.get(0),
        )
        .optional()
        .map_err(from_sqlite)?;
    let Some(current) = current else { return Ok(0) };
    let mut merged: Vec<String> = current
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    for recipient in recipients {
        if !merged.contains(recipient) {
            merged.push(recipient.clone());
        }
    }
    conn.execute(
        "UPDATE objects SET recipients = ?3 WHERE coll = ?1 AND date_added = ?2",
        params![coll, date_added, merged.join("\n")],
    )
    .map(|n| n as u64)
    .map_err(from_sqlite)
}
