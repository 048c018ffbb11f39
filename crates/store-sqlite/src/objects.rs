//! Writing objects: ingest (with its status) and delete, run by the writer inside its transaction.
//!
//! Invariant: `date_added` = max(now, last `date_added` of the collection + 1 µs), read inside the writing
//! transaction, so it is unique, strictly increasing per collection and in commit order. The `flags` bits
//! (1 = first version, 2 = last version of the id) are kept exact on every insert and delete.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};
use stix::timestamp::Timestamp;
use store::{
    CollectionId, EntityKind, IngestRequest, NewObject, StatusEntry, StatusRecord, StoreError, StoreResult,
    VersionSelector,
};

use crate::error::from_sqlite;
use crate::status::encode_entries;

/// The `version` column of objects that have no version (one version only).
pub(crate) const UNVERSIONED: i64 = i64::MIN;

const FIRST: i64 = 1;
const LAST: i64 = 2;

/// The `version` column for a version instant (nanoseconds, clamped to the i64 range).
pub(crate) fn version_key(version: &Timestamp) -> i64 {
    let nanos = version.unix_nanos();
    i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN + 1 } else { i64::MAX })
}

/// The `date_added` (microseconds) an unversioned object must have for `version` to name its one version: an
/// unversioned object's version is shown as its `date_added`. `None` below microsecond precision.
pub(crate) fn unversioned_date_added(version: &Timestamp) -> Option<i64> {
    let nanos = version.unix_nanos();
    if nanos % 1000 == 0 {
        i64::try_from(nanos / 1000).ok()
    } else {
        None
    }
}

/// The key an exact `match[version]` compares with a row's: its version, or for an unversioned row its
/// `date_added` in nanoseconds (the instant shown as its version).
fn exact_key(version: i64, date_added: i64) -> i64 {
    if version == UNVERSIONED {
        date_added.saturating_mul(1000)
    } else {
        version
    }
}

/// Microseconds since the epoch, now.
pub(crate) fn now_micros() -> i64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX)
}

/// The internal key of a collection.
pub(crate) fn collection_seq(conn: &Connection, collection: &CollectionId) -> StoreResult<i64> {
    let mut stmt = conn
        .prepare_cached("SELECT seq FROM collections WHERE id = ?1")
        .map_err(from_sqlite)?;
    let seq = stmt
        .query_row([collection.as_str()], |row| row.get(0))
        .optional()
        .map_err(from_sqlite)?;
    seq.ok_or(StoreError::NotFound(EntityKind::Collection))
}

struct ExistingVersion {
    version: i64,
    date_added: i64,
    revoked: bool,
}

/// The sharing facts every version stored by one write carries.
pub(crate) struct Submitter<'a> {
    pub(crate) account: &'a str,
    pub(crate) org: Option<&'a str>,
    /// Newline-joined.
    pub(crate) recipients: String,
}

/// Stores `objects` in the collection `coll` (inside the writer's transaction), appending one status entry
/// per object to `successes` (new, or an exact version already present) or `failures` (a new version of a
/// revoked id).
pub(crate) fn store_versions(
    conn: &Connection,
    coll: i64,
    objects: Vec<NewObject>,
    submitter: &Submitter<'_>,
    successes: &mut Vec<StatusEntry>,
    failures: &mut Vec<StatusEntry>,
) -> StoreResult<()> {
    let mut last_date_added: i64 = conn
        .prepare_cached("SELECT max(date_added) FROM objects WHERE coll = ?1")
        .and_then(|mut stmt| stmt.query_row([coll], |row| row.get::<_, Option<i64>>(0)))
        .map_err(from_sqlite)?
        .unwrap_or(0);
    let now = now_micros();
    let mut select_versions = conn
        .prepare_cached("SELECT version, date_added, revoked FROM objects WHERE coll = ?1 AND stix_id = ?2")
        .map_err(from_sqlite)?;
    let mut clear_flag = conn
        .prepare_cached(
            "UPDATE objects SET flags = flags & ~?3 WHERE coll = ?1 AND stix_id = ?2 AND flags & ?3",
        )
        .map_err(from_sqlite)?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO objects (coll, date_added, stix_id, object_type, version, version_text, spec_version, \
             revoked, flags, raw, submitter, submitter_org, recipients, markings, public_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )
        .map_err(from_sqlite)?;
    let mut first_inserted = None;
    for object in objects {
        let version = object.version.as_ref().map_or(UNVERSIONED, version_key);
        let existing: Vec<ExistingVersion> = select_versions
            .query_map(params![coll, object.id], |row| {
                Ok(ExistingVersion {
                    version: row.get(0)?,
                    date_added: row.get(1)?,
                    revoked: row.get(2)?,
                })
            })
            .and_then(Iterator::collect)
            .map_err(from_sqlite)?;
        let version_text = |date_added: i64| match &object.version {
            Some(version) => version.as_str().to_owned(),
            None => taxii_micros(date_added),
        };
        if let Some(same) = existing.iter().find(|e| e.version == version) {
            successes.push(StatusEntry {
                id: object.id,
                version: version_text(same.date_added),
                message: None,
            });
            continue;
        }
        if existing.iter().any(|e| e.revoked) {
            let message = Some("the object is revoked; revocation is final".to_owned());
            failures.push(StatusEntry {
                id: object.id,
                version: version_text(now),
                message,
            });
            continue;
        }
        let is_first = existing.iter().all(|e| version < e.version);
        let is_last = existing.iter().all(|e| version > e.version);
        if is_first && !existing.is_empty() {
            clear_flag
                .execute(params![coll, object.id, FIRST])
                .map_err(from_sqlite)?;
        }
        if is_last && !existing.is_empty() {
            clear_flag
                .execute(params![coll, object.id, LAST])
                .map_err(from_sqlite)?;
        }
        let flags = if is_first { FIRST } else { 0 } | if is_last { LAST } else { 0 };
        let date_added = now.max(last_date_added + 1);
        last_date_added = date_added;
        first_inserted.get_or_insert(date_added);
        insert
            .execute(params![
                coll,
                date_added,
                object.id,
                object.object_type,
                version,
                object.version.as_ref().map(Timestamp::as_str),
                object.spec_version,
                object.revoked,
                flags,
                object.raw.as_bytes(),
                submitter.account,
                submitter.org,
                submitter.recipients,
                object.markings.join("\n"),
                object.public_id,
            ])
            .map_err(from_sqlite)?;
        successes.push(StatusEntry {
            id: object.id,
            version: version_text(date_added),
            message: None,
        });
    }
    if let Some(first) = first_inserted {
        crate::events::objects_added(conn, coll, first)?;
    }
    Ok(())
}

/// Stores one POST's objects, its reviews and its status.
pub(crate) fn ingest(conn: &Connection, request: IngestRequest) -> StoreResult<StatusRecord> {
    let IngestRequest {
        collection,
        api_root,
        status_id,
        account,
        submitter_org,
        recipients,
        request_timestamp,
        objects,
        failures,
        pending,
    } = request;
    let coll = collection_seq(conn, &collection)?;
    let submitter = Submitter {
        account: &account,
        org: submitter_org.as_deref(),
        recipients: recipients.join("\n"),
    };
    let mut successes = Vec::with_capacity(objects.len());
    let mut failures = failures;
    store_versions(conn, coll, objects, &submitter, &mut successes, &mut failures)?;
    let posting = crate::review::Posting {
        status_id: &status_id,
        api_root: &api_root,
        collection: &collection,
        submitter: &submitter,
        created: request_timestamp,
    };
    let pendings = pending
        .iter()
        .map(|held| crate::review::insert(conn, &posting, held))
        .collect::<StoreResult<Vec<_>>>()?;
    let status = StatusRecord {
        id: status_id,
        api_root,
        account,
        request_timestamp,
        successes,
        failures,
        pendings,
    };
    conn.prepare_cached(
        "INSERT INTO statuses (id, api_root, account, request_timestamp, entries) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            status.id,
            status.api_root,
            status.account,
            status.request_timestamp,
            encode_entries(&status)
        ])
    })
    .map_err(from_sqlite)?;
    Ok(status)
}

/// Deletes the selected versions of one object and repairs the first/last flags of the rest.
pub(crate) fn delete(
    conn: &Connection,
    collection: &CollectionId,
    object_id: &str,
    versions: &VersionSelector,
    spec_versions: &[String],
) -> StoreResult<u64> {
    let coll = collection_seq(conn, collection)?;
    let rows: Vec<(i64, i64, String, i64, i64)> = conn
        .prepare_cached(
            "SELECT seq, version, spec_version, flags, date_added FROM objects WHERE coll = ?1 AND stix_id = ?2",
        )
        .and_then(|mut stmt| {
            stmt.query_map(params![coll, object_id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
            })?
            .collect()
        })
        .map_err(from_sqlite)?;
    let candidates: Vec<(i64, i64, i64)> = rows
        .iter()
        .filter(|row| spec_versions.is_empty() || spec_versions.contains(&row.2))
        .map(|row| (row.0, row.1, exact_key(row.1, row.4)))
        .collect();
    let doomed = select_versions(&candidates, versions);
    crate::events::objects_deleted(conn, collection.as_str(), &doomed)?;
    let mut delete = conn
        .prepare_cached("DELETE FROM objects WHERE seq = ?1")
        .map_err(from_sqlite)?;
    for seq in &doomed {
        delete.execute([seq]).map_err(from_sqlite)?;
    }
    let remaining: Vec<&(i64, i64, String, i64, i64)> =
        rows.iter().filter(|row| !doomed.contains(&row.0)).collect();
    let min = remaining.iter().map(|row| row.1).min();
    let max = remaining.iter().map(|row| row.1).max();
    let mut set_flags = conn
        .prepare_cached("UPDATE objects SET flags = ?2 WHERE seq = ?1")
        .map_err(from_sqlite)?;
    for row in remaining {
        let flags = if Some(row.1) == min { FIRST } else { 0 } | if Some(row.1) == max { LAST } else { 0 };
        if flags != row.3 {
            set_flags.execute(params![row.0, flags]).map_err(from_sqlite)?;
        }
    }
    Ok(doomed.len() as u64)
}

/// The seqs of `rows` (seq, version, exact key) that `selector` picks, over one object's versions.
fn select_versions(rows: &[(i64, i64, i64)], selector: &VersionSelector) -> Vec<i64> {
    match selector {
        VersionSelector::All => rows.iter().map(|row| row.0).collect(),
        VersionSelector::Pick { first, last, exact } => {
            let min = rows.iter().map(|row| row.1).min();
            let max = rows.iter().map(|row| row.1).max();
            let exact: Vec<i64> = exact.iter().map(version_key).collect();
            rows.iter()
                .filter(|row| {
                    (*first && Some(row.1) == min) || (*last && Some(row.1) == max) || exact.contains(&row.2)
                })
                .map(|row| row.0)
                .collect()
        }
    }
}

/// A TAXII timestamp (six fraction digits) for microseconds since the epoch.
pub(crate) fn taxii_micros(micros: i64) -> String {
    Timestamp::from_unix_nanos(i128::from(micros) * 1000, 6)
        .as_str()
        .to_owned()
}
