//! Writing objects: ingest (with its status) and delete, each in one transaction under the collection lock.
//!
//! Invariant (standards §5 trap 18, with several `stixhub` processes on one database): every transaction
//! that writes a collection's objects first locks that collection's `collection_clocks` row
//! (`FOR NO KEY UPDATE`) and holds it to COMMIT. Under the lock it reads the last `date_added` and the
//! database clock and assigns `date_added = max(now, last + 1)` to each new row, then stores the new last
//! value. PostgreSQL makes a committed transaction visible before it releases its row locks, so the next
//! writer of the collection starts only after this one is visible to every reader: `date_added` is unique,
//! strictly increasing and in commit order per collection, and a reader that has seen `date_added = t`
//! never later finds a new row at or below `t`. Sequences are not used for positions: their values are
//! taken before commit and would break that guarantee.

use deadpool_postgres::{GenericClient, Transaction};
use store::{
    CollectionId, EntityKind, IngestRequest, NewObject, StatusEntry, StatusRecord, StoreError, StoreResult,
    VersionSelector,
};

use crate::error::{column, from_pg};
use crate::plan::{FIRST, LAST, StoredVersion, exact_key, plan_ingest, version_key};
use crate::status::pack_entries;

/// Locks the collection's clock row; returns (collection key, last `date_added`, database clock in µs).
const LOCK_COLLECTION: &str = "SELECT k.coll, k.last_date_added, \
     (extract(epoch FROM clock_timestamp()) * 1000000)::bigint \
     FROM collection_clocks k JOIN collections c ON c.seq = k.coll WHERE c.id = $1 \
     FOR NO KEY UPDATE OF k";

struct CollectionLock {
    coll: i64,
    last_date_added: i64,
    now: i64,
}

async fn lock_collection(tx: &Transaction<'_>, collection: &CollectionId) -> StoreResult<CollectionLock> {
    let stmt = tx.prepare_cached(LOCK_COLLECTION).await.map_err(from_pg)?;
    let row = tx
        .query_opt(&stmt, &[&collection.as_str()])
        .await
        .map_err(from_pg)?
        .ok_or(StoreError::NotFound(EntityKind::Collection))?;
    Ok(CollectionLock {
        coll: column(&row, 0)?,
        last_date_added: column(&row, 1)?,
        now: column(&row, 2)?,
    })
}

/// The sharing facts one POST stores on every row it inserts.
pub(crate) struct Submitter {
    pub(crate) account: String,
    pub(crate) org: Option<String>,
    /// Newline-joined.
    pub(crate) recipients: String,
}

/// Stores `objects` in `collection` under its lock (inside `tx`); returns the status entries (successes,
/// failures) with `failures` (refused earlier) first among the failures.
pub(crate) async fn store_versions(
    tx: &Transaction<'_>,
    collection: &CollectionId,
    objects: Vec<NewObject>,
    failures: Vec<StatusEntry>,
    submitter: &Submitter,
) -> StoreResult<(Vec<StatusEntry>, Vec<StatusEntry>)> {
    let lock = lock_collection(tx, collection).await?;
    let stored = stored_versions(tx, lock.coll, &objects).await?;
    let plan = plan_ingest(objects, failures, stored, lock.now, lock.last_date_added);
    for (ids, bit) in [(&plan.clear_first, FIRST), (&plan.clear_last, LAST)] {
        if ids.is_empty() {
            continue;
        }
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let stmt = tx
            .prepare_cached(
                "UPDATE objects SET flags = flags & ~$3::smallint \
                 WHERE coll = $1 AND stix_id = ANY($2) AND flags & $3::smallint <> 0",
            )
            .await
            .map_err(from_pg)?;
        tx.execute(&stmt, &[&lock.coll, &ids, &bit])
            .await
            .map_err(from_pg)?;
    }
    if !plan.rows.is_empty() {
        insert_rows(tx, lock.coll, submitter, &plan.rows).await?;
        let stmt = tx
            .prepare_cached("UPDATE collection_clocks SET last_date_added = $2 WHERE coll = $1")
            .await
            .map_err(from_pg)?;
        tx.execute(&stmt, &[&lock.coll, &plan.last_date_added])
            .await
            .map_err(from_pg)?;
        let first = plan.rows[0].date_added;
        crate::events::objects_added(tx, lock.coll, collection, first, plan.rows.len()).await?;
    }
    Ok((plan.successes, plan.failures))
}

/// Stores one POST's objects, its reviews and its status; returns the status once committed.
pub(crate) async fn ingest(
    client: &mut deadpool_postgres::Client,
    request: IngestRequest,
) -> StoreResult<StatusRecord> {
    let tx = client.transaction().await.map_err(from_pg)?;
    let submitter = Submitter {
        account: request.account.clone(),
        org: request.submitter_org.clone(),
        recipients: request.recipients.join("\n"),
    };
    let (successes, failures) = store_versions(
        &tx,
        &request.collection,
        request.objects,
        request.failures,
        &submitter,
    )
    .await?;
    let posting = crate::review::Posting {
        status_id: &request.status_id,
        api_root: &request.api_root,
        collection: &request.collection,
        submitter: &submitter,
        created: request.request_timestamp,
    };
    let mut pendings = Vec::with_capacity(request.pending.len());
    for held in &request.pending {
        pendings.push(crate::review::insert(&tx, &posting, held).await?);
    }
    let status = StatusRecord {
        id: request.status_id,
        api_root: request.api_root,
        account: request.account,
        request_timestamp: request.request_timestamp,
        successes,
        failures,
        pendings,
    };
    insert_status(&tx, &status).await?;
    tx.commit().await.map_err(from_pg)?;
    Ok(status)
}

/// The stored versions of the ids among `objects`, read under the collection lock.
async fn stored_versions(
    tx: &Transaction<'_>,
    coll: i64,
    objects: &[NewObject],
) -> StoreResult<Vec<StoredVersion>> {
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<&str> = objects.iter().map(|o| o.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let stmt = tx
        .prepare_cached(
            "SELECT stix_id, version, date_added, revoked FROM objects WHERE coll = $1 AND stix_id = ANY($2)",
        )
        .await
        .map_err(from_pg)?;
    let rows = tx.query(&stmt, &[&coll, &ids]).await.map_err(from_pg)?;
    rows.iter()
        .map(|row| {
            Ok(StoredVersion {
                stix_id: column(row, 0)?,
                version: column(row, 1)?,
                date_added: column(row, 2)?,
                revoked: column(row, 3)?,
            })
        })
        .collect()
}

/// Inserts planned rows with one statement: each column is bound as one array and `unnest`ed, so a POST
/// of thousands of objects is one round trip.
async fn insert_rows(
    tx: &Transaction<'_>,
    coll: i64,
    submitter: &Submitter,
    rows: &[crate::plan::PlannedRow],
) -> StoreResult<()> {
    let date_added: Vec<i64> = rows.iter().map(|r| r.date_added).collect();
    let stix_id: Vec<&str> = rows.iter().map(|r| r.object.id.as_str()).collect();
    let object_type: Vec<&str> = rows.iter().map(|r| r.object.object_type.as_str()).collect();
    let version: Vec<i64> = rows.iter().map(|r| r.version).collect();
    let version_text: Vec<Option<&str>> = rows
        .iter()
        .map(|r| r.object.version.as_ref().map(|v| v.as_str()))
        .collect();
    let spec_version: Vec<&str> = rows.iter().map(|r| r.object.spec_version.as_str()).collect();
    let revoked: Vec<bool> = rows.iter().map(|r| r.object.revoked).collect();
    let flags: Vec<i16> = rows.iter().map(|r| r.flags).collect();
    let raw: Vec<&[u8]> = rows.iter().map(|r| r.object.raw.as_bytes()).collect();
    let markings: Vec<String> = rows.iter().map(|r| r.object.markings.join("\n")).collect();
    let public_id: Vec<Option<&str>> = rows.iter().map(|r| r.object.public_id.as_deref()).collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO objects (coll, date_added, stix_id, object_type, version, version_text, spec_version, \
             revoked, flags, raw, markings, public_id, submitter, submitter_org, recipients) \
             SELECT $1, *, $13, $14, $15 FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], \
             $6::text[], $7::text[], $8::boolean[], $9::smallint[], $10::bytea[], $11::text[], $12::text[])",
        )
        .await
        .map_err(from_pg)?;
    tx.execute(
        &stmt,
        &[
            &coll,
            &date_added,
            &stix_id,
            &object_type,
            &version,
            &version_text,
            &spec_version,
            &revoked,
            &flags,
            &raw,
            &markings,
            &public_id,
            &submitter.account,
            &submitter.org,
            &submitter.recipients,
        ],
    )
    .await
    .map_err(from_pg)?;
    Ok(())
}

pub(crate) async fn insert_status(tx: &Transaction<'_>, status: &StatusRecord) -> StoreResult<()> {
    let packed = pack_entries(status);
    let stmt = tx
        .prepare_cached(
            "INSERT INTO statuses (id, api_root, account, request_timestamp, kinds, ids, versions, messages) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .await
        .map_err(from_pg)?;
    tx.execute(
        &stmt,
        &[
            &status.id,
            &status.api_root,
            &status.account,
            &status.request_timestamp,
            &packed.kinds,
            &packed.ids,
            &packed.versions,
            &packed.messages,
        ],
    )
    .await
    .map_err(from_pg)?;
    Ok(())
}

/// Deletes the selected versions of one object and repairs the first/last flags of the rest.
pub(crate) async fn delete(
    client: &mut deadpool_postgres::Client,
    collection: &CollectionId,
    object_id: &str,
    selector: &VersionSelector,
    spec_versions: &[String],
) -> StoreResult<u64> {
    let tx = client.transaction().await.map_err(from_pg)?;
    let lock = lock_collection(&tx, collection).await?;
    let rows = tx
        .query(
            "SELECT version, spec_version, flags, date_added FROM objects WHERE coll = $1 AND stix_id = $2",
            &[&lock.coll, &object_id],
        )
        .await
        .map_err(from_pg)?;
    let mut versions: Vec<(i64, String, i16)> = Vec::with_capacity(rows.len());
    let mut exact_keys: Vec<i64> = Vec::with_capacity(rows.len());
    for row in &rows {
        let version: i64 = column(row, 0)?;
        versions.push((version, column(row, 1)?, column(row, 2)?));
        exact_keys.push(exact_key(version, column(row, 3)?));
    }
    let candidates: Vec<(i64, i64)> = versions
        .iter()
        .zip(&exact_keys)
        .filter(|(v, _)| spec_versions.is_empty() || spec_versions.contains(&v.1))
        .map(|(v, key)| (v.0, *key))
        .collect();
    let doomed = select_versions(&candidates, selector);
    if doomed.is_empty() {
        return Ok(0);
    }
    crate::events::objects_deleted(&tx, lock.coll, collection, object_id, &doomed).await?;
    let deleted = tx
        .execute(
            "DELETE FROM objects WHERE coll = $1 AND stix_id = $2 AND version = ANY($3)",
            &[&lock.coll, &object_id, &doomed],
        )
        .await
        .map_err(from_pg)?;
    let remaining: Vec<&(i64, String, i16)> = versions.iter().filter(|v| !doomed.contains(&v.0)).collect();
    let min = remaining.iter().map(|v| v.0).min();
    let max = remaining.iter().map(|v| v.0).max();
    for (version, _, old_flags) in remaining {
        let flags =
            if Some(*version) == min { FIRST } else { 0 } | if Some(*version) == max { LAST } else { 0 };
        if flags != *old_flags {
            tx.execute(
                "UPDATE objects SET flags = $4 WHERE coll = $1 AND stix_id = $2 AND version = $3",
                &[&lock.coll, &object_id, version, &flags],
            )
            .await
            .map_err(from_pg)?;
        }
    }
    tx.commit().await.map_err(from_pg)?;
    Ok(deleted)
}

/// The versions among `candidates` (one object's (version, exact key)) that `selector` picks.
fn select_versions(candidates: &[(i64, i64)], selector: &VersionSelector) -> Vec<i64> {
    match selector {
        VersionSelector::All => candidates.iter().map(|(v, _)| *v).collect(),
        VersionSelector::Pick { first, last, exact } => {
            let min = candidates.iter().map(|(v, _)| *v).min();
            let max = candidates.iter().map(|(v, _)| *v).max();
            let exact: Vec<i64> = exact.iter().map(version_key).collect();
            candidates
                .iter()
                .filter(|(v, key)| {
                    (*first && Some(*v) == min) || (*last && Some(*v) == max) || exact.contains(key)
                })
                .map(|(v, _)| *v)
                .collect()
        }
    }
}
