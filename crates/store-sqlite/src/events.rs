//! The event log and subscriptions (issue 13; the contract is in `store::events`).
//!
//! Invariant: positions are assigned only by the writer, inside its transaction, from the `event_log` row
//! (`last_seq`), which moves in the same transaction; one writer transaction at a time makes them dense and in
//! commit order, and a rolled-back job (its SAVEPOINT) takes its positions back. Other processes on the same
//! file (the admin CLI) are serialised by SQLite's write lock and read `last_seq` afresh.

use rusqlite::{Connection, OptionalExtension, params};
use store::{
    CollectionId, EntityKind, EventBounds, EventRecord, EventRetention, NewEvent, OBJECT_ADDED,
    OBJECT_DELETED, ObjectSharing, StoreError, StoreResult, StoredObject, SubscriptionRecord,
};

use crate::error::from_sqlite;
use crate::objects::now_micros;
use crate::read::split_lines;

/// The columns an object event copies from its version's row (`o`).
const OBJECT_FACTS: &str = "o.coll, o.date_added, o.stix_id, o.object_type, o.version_text, o.spec_version, \
     o.submitter, o.submitter_org, o.recipients, o.markings, o.flags";

fn last_seq(conn: &Connection) -> StoreResult<i64> {
    conn.prepare_cached("SELECT last_seq FROM event_log WHERE id = 1")
        .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)))
        .map_err(from_sqlite)
}

fn advance(conn: &Connection, by: i64) -> StoreResult<()> {
    conn.prepare_cached("UPDATE event_log SET last_seq = last_seq + ?1 WHERE id = 1")
        .and_then(|mut stmt| stmt.execute([by]))
        .map_err(from_sqlite)?;
    Ok(())
}

/// Appends one `object-added` event per version stored in `coll` at or after `from_date_added` (the versions
/// this transaction just inserted), in `date_added` order. Called inside the writing transaction.
pub(crate) fn objects_added(conn: &Connection, coll: i64, from_date_added: i64) -> StoreResult<()> {
    let base = last_seq(conn)?;
    let inserted = conn
        .prepare_cached(&format!(
            "INSERT INTO events (seq, kind, created, collection_id, coll, date_added, stix_id, object_type, \
             version_text, spec_version, submitter, submitter_org, recipients, markings, flags) \
             SELECT ?1 + row_number() OVER (ORDER BY o.date_added), '{OBJECT_ADDED}', ?2, c.id, {OBJECT_FACTS} \
             FROM objects o JOIN collections c ON c.seq = o.coll \
             WHERE o.coll = ?3 AND o.date_added >= ?4 ORDER BY o.date_added"
        ))
        .and_then(|mut stmt| stmt.execute(params![base, now_micros(), coll, from_date_added]))
        .map_err(from_sqlite)?;
    advance(conn, inserted as i64)
}

/// Appends one `object-deleted` event per row of `row_seqs` (`objects.seq`), before they are deleted.
pub(crate) fn objects_deleted(conn: &Connection, collection: &str, row_seqs: &[i64]) -> StoreResult<()> {
    let base = last_seq(conn)?;
    let mut insert = conn
        .prepare_cached(&format!(
            "INSERT INTO events (seq, kind, created, collection_id, coll, date_added, stix_id, object_type, \
             version_text, spec_version, submitter, submitter_org, recipients, markings, flags) \
             SELECT ?1, '{OBJECT_DELETED}', ?2, ?3, {OBJECT_FACTS} FROM objects o WHERE o.seq = ?4"
        ))
        .map_err(from_sqlite)?;
    let now = now_micros();
    let mut n = 0;
    for row in row_seqs {
        n += insert
            .execute(params![base + n + 1, now, collection, row])
            .map_err(from_sqlite)? as i64;
    }
    advance(conn, n)
}

/// Appends events of other kinds; returns the last position.
pub(crate) fn append(conn: &Connection, events: &[NewEvent]) -> StoreResult<u64> {
    let base = last_seq(conn)?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO events (seq, kind, created, collection_id, payload) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(from_sqlite)?;
    let now = now_micros();
    for (i, event) in events.iter().enumerate() {
        insert
            .execute(params![
                base + i as i64 + 1,
                event.kind,
                now,
                event.collection.as_ref().map(CollectionId::as_str),
                event.payload
            ])
            .map_err(from_sqlite)?;
    }
    advance(conn, events.len() as i64)?;
    Ok(to_u64(base) + events.len() as u64)
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn raw_text(bytes: Option<Vec<u8>>) -> Option<String> {
    bytes.map(|bytes| {
        String::from_utf8(bytes).unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
    })
}

/// Up to `limit` events after `after`, with the bytes of still-stored added versions.
pub(crate) fn after(conn: &Connection, after: u64, limit: usize) -> StoreResult<Vec<EventRecord>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT e.seq, e.kind, e.created, e.collection_id, e.date_added, e.stix_id, e.object_type, \
             e.version_text, e.spec_version, e.submitter, e.submitter_org, e.recipients, e.markings, e.payload, \
             CASE WHEN e.kind = '{OBJECT_ADDED}' THEN o.raw END, e.flags \
             FROM events e LEFT JOIN objects o ON o.coll = e.coll AND o.date_added = e.date_added \
             WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2"
        ))
        .map_err(from_sqlite)?;
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    stmt.query_map(params![after, limit], |row| {
        let date_added: Option<i64> = row.get(4)?;
        let object = match date_added {
            Some(date_added) => Some(StoredObject {
                id: row.get(5)?,
                object_type: row.get(6)?,
                date_added,
                version: row.get(7)?,
                spec_version: row.get(8)?,
                raw: raw_text(row.get(14)?),
                sharing: ObjectSharing {
                    submitter: row.get(9)?,
                    submitter_org: row.get(10)?,
                    recipients: split_lines(&row.get::<_, String>(11)?),
                    markings: split_lines(&row.get::<_, String>(12)?),
                    shadow: row.get::<_, i64>(15)? & i64::from(store::plan::SHADOW) != 0,
                },
            }),
            None => None,
        };
        Ok(EventRecord {
            seq: to_u64(row.get(0)?),
            kind: row.get(1)?,
            created_micros: row.get(2)?,
            collection: row.get::<_, Option<String>>(3)?.map(CollectionId::new),
            object,
            payload: row.get(13)?,
        })
    })
    .and_then(Iterator::collect)
    .map_err(from_sqlite)
}

pub(crate) fn bounds(conn: &Connection) -> StoreResult<EventBounds> {
    conn.prepare_cached("SELECT first_seq, last_seq FROM event_log WHERE id = 1")
        .and_then(|mut stmt| {
            stmt.query_row([], |row| {
                Ok(EventBounds {
                    first: to_u64(row.get(0)?),
                    latest: to_u64(row.get(1)?),
                })
            })
        })
        .map_err(from_sqlite)
}

pub(crate) fn trim(conn: &Connection, retention: EventRetention) -> StoreResult<u64> {
    let EventBounds { first, latest } = bounds(conn)?;
    let keep = i64::try_from(retention.keep_latest).unwrap_or(i64::MAX);
    let by_count = i64::try_from(latest).unwrap_or(0).saturating_sub(keep);
    // Positions follow commit order, so "older than" is a prefix of the log: its last position.
    let by_age: Option<i64> = conn
        .prepare_cached("SELECT max(seq) FROM events WHERE created < ?1")
        .and_then(|mut stmt| stmt.query_row([retention.before_micros], |row| row.get(0)))
        .map_err(from_sqlite)?;
    let through = by_count.max(by_age.unwrap_or(0));
    if through < i64::try_from(first).unwrap_or(i64::MAX) {
        return Ok(0);
    }
    let from_created: Option<i64> = conn
        .query_row(
            "SELECT min(created) FROM events WHERE seq <= ?1",
            [through],
            |row| row.get(0),
        )
        .map_err(from_sqlite)?;
    conn.execute(
        "INSERT OR REPLACE INTO event_trims (through_seq, from_created) VALUES (?1, ?2)",
        params![through, from_created.unwrap_or(0)],
    )
    .map_err(from_sqlite)?;
    let removed = conn
        .execute("DELETE FROM events WHERE seq <= ?1", [through])
        .map_err(from_sqlite)?;
    conn.execute("UPDATE event_log SET first_seq = ?1 WHERE id = 1", [through + 1])
        .map_err(from_sqlite)?;
    Ok(removed as u64)
}

pub(crate) fn trimmed_from(conn: &Connection, after: u64) -> StoreResult<Option<i64>> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "SELECT from_created FROM event_trims WHERE through_seq > ?1 ORDER BY through_seq LIMIT 1",
    )
    .and_then(|mut stmt| stmt.query_row([after], |row| row.get(0)).optional())
    .map_err(from_sqlite)
}

pub(crate) fn create_subscription(conn: &Connection, sub: &SubscriptionRecord) -> StoreResult<()> {
    let exists: Option<i64> = conn
        .query_row("SELECT 1 FROM accounts WHERE name = ?1", [&sub.account], |row| {
            row.get(0)
        })
        .optional()
        .map_err(from_sqlite)?;
    if exists.is_none() {
        return Err(StoreError::NotFound(EntityKind::Account));
    }
    conn.execute(
        "INSERT INTO subscriptions (id, account, name, filter, created) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![sub.id, sub.account, sub.name, sub.filter, sub.created_micros],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub(crate) fn subscriptions(
    conn: &Connection,
    account: Option<&str>,
) -> StoreResult<Vec<SubscriptionRecord>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, account, name, filter, created FROM subscriptions \
             WHERE ?1 IS NULL OR account = ?1 ORDER BY created, id",
        )
        .map_err(from_sqlite)?;
    stmt.query_map([account], |row| {
        Ok(SubscriptionRecord {
            id: row.get(0)?,
            account: row.get(1)?,
            name: row.get(2)?,
            filter: row.get(3)?,
            created_micros: row.get(4)?,
        })
    })
    .and_then(Iterator::collect)
    .map_err(from_sqlite)
}

pub(crate) fn delete_subscription(conn: &Connection, id: &str) -> StoreResult<u64> {
    conn.execute("DELETE FROM subscriptions WHERE id = ?1", [id])
        .map(|n| n as u64)
        .map_err(from_sqlite)
}
