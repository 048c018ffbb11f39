//! Writing objects: ingest (with its status) and delete, run by the writer inside its transaction.
//!
//! Invariant: `date_added` = max(now, last `date_added` of the collection + 1 µs), read inside the writing
//! transaction, so it is unique, strictly increasing per collection and in commit order. The `flags` bits
//! (1 = first version, 2 = last version of the id) are kept exact on every insert and delete.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};
use stix::timestamp::Timestamp;
use store::plan::{DeleteCandidate, FIRST, LAST, PlanInput, StoredVersion, plan_delete, plan_ingest};
use store::{
    CollectionId, EntityKind, IngestRequest, NewObject, StatusEntry, StatusRecord, StoreError, StoreResult,
    VersionSelector,
};

use crate::error::from_sqlite;
use crate::status::encode_entries;

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

/// The sharing facts every version stored by one write carries.
pub(crate) struct Submitter<'a> {
    pub(crate) account: &'a str,
    pub(crate) org: Option<&'a str>,
    /// Newline-joined.
    pub(crate) recipients: String,
}

/// Stores `objects` in the collection `coll` (inside the writer's transaction) as `store::plan` decides,
/// appending one status entry per object to `successes` or `failures`.
pub(crate) fn store_versions(
    conn: &Connection,
    coll: i64,
    objects: Vec<NewObject>,
    submitter: &Submitter<'_>,
    successes: &mut Vec<StatusEntry>,
    failures: &mut Vec<StatusEntry>,
) -> StoreResult<()> {
    let last_date_added: i64 = conn
        .prepare_cached("SELECT max(date_added) FROM objects WHERE coll = ?1")
        .and_then(|mut stmt| stmt.query_row([coll], |row| row.get::<_, Option<i64>>(0)))
        .map_err(from_sqlite)?
        .unwrap_or(0);
    let group = store::plan::submitter_group(submitter.account, submitter.org);
    let mut select_versions = conn
        .prepare_cached(
            "SELECT version, date_added, revoked FROM objects WHERE coll = ?1 AND stix_id = ?2 AND grp = ?3",
        )
        .map_err(from_sqlite)?;
    let mut select_owner = conn
        .prepare_cached("SELECT grp FROM object_owners WHERE stix_id = ?1")
        .map_err(from_sqlite)?;
    let mut stored = Vec::new();
    let mut owners = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for object in &objects {
        if !seen.insert(object.id.as_str()) {
            continue;
        }
        let rows = select_versions
            .query_map(params![coll, object.id, group], |row| {
                Ok(StoredVersion {
                    stix_id: object.id.clone(),
                    version: row.get(0)?,
                    date_added: row.get(1)?,
                    revoked: row.get(2)?,
                })
            })
            .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
            .map_err(from_sqlite)?;
        stored.extend(rows);
        if object.public_id.is_some()
            && let Some(owner) = select_owner
                .query_row([&object.id], |row| row.get::<_, String>(0))
                .optional()
                .map_err(from_sqlite)?
        {
            owners.insert(object.id.clone(), owner);
        }
    }
    let input = PlanInput {
        group: &group,
        stored,
        owners,
        now: now_micros(),
        last_date_added,
    };
    let plan = plan_ingest(objects, std::mem::take(failures), input);
    *failures = plan.failures;
    successes.extend(plan.successes);
    let mut clear_flag = conn
        .prepare_cached(
            "UPDATE objects SET flags = flags & ~?3 WHERE coll = ?1 AND stix_id = ?2 AND grp = ?4 AND flags & ?3",
        )
        .map_err(from_sqlite)?;
    for (ids, bit) in [(&plan.clear_first, FIRST), (&plan.clear_last, LAST)] {
        for id in ids {
            clear_flag
                .execute(params![coll, id, bit, group])
                .map_err(from_sqlite)?;
        }
    }
    let mut claim = conn
        .prepare_cached("INSERT OR IGNORE INTO object_owners (stix_id, grp) VALUES (?1, ?2)")
        .map_err(from_sqlite)?;
    for id in &plan.claims {
        claim.execute(params![id, group]).map_err(from_sqlite)?;
    }
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO objects (coll, date_added, stix_id, object_type, version, version_text, spec_version, \
             revoked, flags, raw, submitter, submitter_org, recipients, markings, public_id, grp) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )
        .map_err(from_sqlite)?;
    let first_inserted = plan.rows.first().map(|row| row.date_added);
    for row in plan.rows {
        let object = row.object;
        insert
            .execute(params![
                coll,
                row.date_added,
                object.id,
                object.object_type,
                row.version,
                object.version.as_ref().map(Timestamp::as_str),
                object.spec_version,
                object.revoked,
                row.flags,
                object.raw.as_bytes(),
                submitter.account,
                submitter.org,
                submitter.recipients,
                object.markings.join("\n"),
                object.public_id,
                group,
            ])
            .map_err(from_sqlite)?;
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

/// Deletes the selected versions of one object, per group (`group`, or every group), and repairs the
/// first/last flags of the rest.
pub(crate) fn delete(
    conn: &Connection,
    collection: &CollectionId,
    object_id: &str,
    group: Option<&str>,
    versions: &VersionSelector,
    spec_versions: &[String],
) -> StoreResult<u64> {
    let coll = collection_seq(conn, collection)?;
    let rows: Vec<(i64, String, DeleteCandidate)> = conn
        .prepare_cached(
            "SELECT seq, grp, version, date_added, spec_version, flags FROM objects \
             WHERE coll = ?1 AND stix_id = ?2 AND (?3 IS NULL OR grp = ?3) ORDER BY grp",
        )
        .and_then(|mut stmt| {
            stmt.query_map(params![coll, object_id, group], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    DeleteCandidate {
                        version: row.get(2)?,
                        date_added: row.get(3)?,
                        spec_version: row.get(4)?,
                        flags: row.get(5)?,
                    },
                ))
            })?
            .collect()
        })
        .map_err(from_sqlite)?;
    let mut delete = conn
        .prepare_cached("DELETE FROM objects WHERE seq = ?1")
        .map_err(from_sqlite)?;
    let mut set_flags = conn
        .prepare_cached("UPDATE objects SET flags = ?2 WHERE seq = ?1")
        .map_err(from_sqlite)?;
    let mut deleted = 0;
    for chunk in rows.chunk_by(|a, b| a.1 == b.1) {
        let candidates: Vec<DeleteCandidate> = chunk.iter().map(|row| row.2.clone()).collect();
        let plan = plan_delete(&candidates, versions, spec_versions);
        let doomed: Vec<i64> = plan.doomed.iter().map(|&idx| chunk[idx].0).collect();
        crate::events::objects_deleted(conn, collection.as_str(), &doomed)?;
        for idx in plan.doomed {
            delete.execute([chunk[idx].0]).map_err(from_sqlite)?;
            deleted += 1;
        }
        for (idx, flags) in plan.reflagged {
            set_flags
                .execute(params![chunk[idx].0, flags])
                .map_err(from_sqlite)?;
        }
    }
    Ok(deleted)
}
