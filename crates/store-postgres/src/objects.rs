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

use std::collections::HashMap;

use store::plan::{
    DeleteCandidate, FIRST, LAST, PlanInput, PlannedRow, SHADOW, StoredVersion, group_republishable,
    plan_delete, plan_ingest, submitter_group,
};

use crate::error::{column, from_pg};
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

/// Stores `objects` in `collection` under its lock (inside `tx`) as `store::plan` decides; returns the status
/// entries (successes, failures) with `failures` (refused earlier) first among the failures.
pub(crate) async fn store_versions(
    tx: &Transaction<'_>,
    collection: &CollectionId,
    objects: Vec<NewObject>,
    failures: Vec<StatusEntry>,
    submitter: &Submitter,
) -> StoreResult<(Vec<StatusEntry>, Vec<StatusEntry>)> {
    let lock = lock_collection(tx, collection).await?;
    let group = submitter_group(&submitter.account, submitter.org.as_deref());
    let stored = stored_versions(tx, lock.coll, &group, &objects).await?;
    let owners = claim_owners(tx, &group, &objects).await?;
    let input = PlanInput {
        group: &group,
        stored,
        owners,
        now: lock.now,
        last_date_added: lock.last_date_added,
    };
    let plan = plan_ingest(objects, failures, input);
    if !group_republishable(&group) {
        // `claim_owners` claimed the posted ids (and an organisation's public ids); an account's public ids
        // are claimed only for the shadows the plan keeps them for.
        let mut shadows: Vec<&str> = plan
            .rows
            .iter()
            .filter(|row| row.flags & SHADOW != 0)
            .filter_map(|row| row.object.public_id.as_deref())
            .collect();
        if !shadows.is_empty() {
            shadows.sort_unstable();
            shadows.dedup();
            claim(tx, &group, &shadows).await?;
        }
    }
    for (ids, bit) in [(&plan.clear_first, FIRST), (&plan.clear_last, LAST)] {
        if ids.is_empty() {
            continue;
        }
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let stmt = tx
            .prepare_cached(
                "UPDATE objects SET flags = flags & ~$3::smallint \
                 WHERE coll = $1 AND stix_id = ANY($2) AND grp = $4 AND flags & $3::smallint <> 0",
            )
            .await
            .map_err(from_pg)?;
        tx.execute(&stmt, &[&lock.coll, &ids, &bit, &group])
            .await
            .map_err(from_pg)?;
    }
    if !plan.rows.is_empty() {
        insert_rows(tx, lock.coll, submitter, &group, &plan.rows).await?;
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

/// Claims for `group` every claimable posted id (and an organisation's public ids) nobody owns, then reads the
/// owner of each posted id (one round trip each, for the whole POST). The claim is an `INSERT … ON CONFLICT DO NOTHING` in this transaction: a
/// concurrent first claim of the same id (any collection, any process) makes it wait for that transaction,
/// and the following read (a new READ COMMITTED snapshot) sees whichever claim committed; ids are claimed in
/// sorted order so two such transactions cannot deadlock.
async fn claim_owners(
    tx: &Transaction<'_>,
    group: &str,
    objects: &[NewObject],
) -> StoreResult<HashMap<String, String>> {
    let mut ids: Vec<&str> = objects
        .iter()
        .filter(|o| o.public_id.is_some())
        .map(|o| o.id.as_str())
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    ids.sort_unstable();
    ids.dedup();
    // An organisation's public id is the group's whether its version is the owner's or a shadow (see
    // `store::plan`); an account's is claimed after the plan, for shadows only.
    let public_ids = objects
        .iter()
        .filter(|_| group_republishable(group))
        .filter_map(|o| o.public_id.as_deref());
    let mut claimed: Vec<&str> = public_ids.chain(ids.iter().copied()).collect();
    claimed.sort_unstable();
    claimed.dedup();
    claim(tx, group, &claimed).await?;
    let read = tx
        .prepare_cached("SELECT stix_id, grp FROM object_owners WHERE stix_id = ANY($1)")
        .await
        .map_err(from_pg)?;
    let rows = tx.query(&read, &[&ids]).await.map_err(from_pg)?;
    rows.iter()
        .map(|row| Ok((column(row, 0)?, column(row, 1)?)))
        .collect()
}

/// Claims `ids` (sorted) for `group` where nobody owns them yet.
async fn claim(tx: &Transaction<'_>, group: &str, ids: &[&str]) -> StoreResult<()> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO object_owners (stix_id, grp) SELECT id, $2 FROM unnest($1::text[]) AS id \
             ON CONFLICT (stix_id) DO NOTHING",
        )
        .await
        .map_err(from_pg)?;
    tx.execute(&stmt, &[&ids, &group]).await.map_err(from_pg)?;
    Ok(())
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

/// The stored versions in `group` of the ids among `objects`, read under the collection lock.
async fn stored_versions(
    tx: &Transaction<'_>,
    coll: i64,
    group: &str,
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
            "SELECT stix_id, version, date_added, revoked FROM objects \
             WHERE coll = $1 AND stix_id = ANY($2) AND grp = $3",
        )
        .await
        .map_err(from_pg)?;
    let rows = tx.query(&stmt, &[&coll, &ids, &group]).await.map_err(from_pg)?;
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
    group: &str,
    rows: &[PlannedRow],
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
             revoked, flags, raw, markings, public_id, submitter, submitter_org, recipients, grp) \
             SELECT $1, *, $13, $14, $15, $16 FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], \
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
            &group,
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

/// Deletes the selected versions of one object, per group (`group`, or every group), and repairs the
/// first/last flags of the rest.
pub(crate) async fn delete(
    client: &mut deadpool_postgres::Client,
    collection: &CollectionId,
    object_id: &str,
    group: Option<&str>,
    selector: &VersionSelector,
    spec_versions: &[String],
) -> StoreResult<u64> {
    let tx = client.transaction().await.map_err(from_pg)?;
    let lock = lock_collection(&tx, collection).await?;
    let rows = tx
        .query(
            "SELECT grp, version, date_added, spec_version, flags FROM objects \
             WHERE coll = $1 AND stix_id = $2 AND ($3::text IS NULL OR grp = $3) ORDER BY grp",
            &[&lock.coll, &object_id, &group],
        )
        .await
        .map_err(from_pg)?;
    let mut versions: Vec<(String, DeleteCandidate)> = Vec::with_capacity(rows.len());
    for row in &rows {
        versions.push((
            column(row, 0)?,
            DeleteCandidate {
                version: column(row, 1)?,
                date_added: column(row, 2)?,
                spec_version: column(row, 3)?,
                flags: column(row, 4)?,
            },
        ));
    }
    let mut deleted = 0;
    for chunk in versions.chunk_by(|a, b| a.0 == b.0) {
        let group = &chunk[0].0;
        let candidates: Vec<DeleteCandidate> = chunk.iter().map(|row| row.1.clone()).collect();
        let plan = plan_delete(&candidates, selector, spec_versions);
        if plan.doomed.is_empty() {
            continue;
        }
        let doomed: Vec<i64> = plan.doomed.iter().map(|&idx| candidates[idx].version).collect();
        crate::events::objects_deleted(&tx, lock.coll, collection, object_id, group, &doomed).await?;
        deleted += tx
            .execute(
                "DELETE FROM objects WHERE coll = $1 AND stix_id = $2 AND grp = $3 AND version = ANY($4)",
                &[&lock.coll, &object_id, group, &doomed],
            )
            .await
            .map_err(from_pg)?;
        for (idx, flags) in plan.reflagged {
            tx.execute(
                "UPDATE objects SET flags = $5 WHERE coll = $1 AND stix_id = $2 AND grp = $3 AND version = $4",
                &[&lock.coll, &object_id, group, &candidates[idx].version, &flags],
            )
            .await
            .map_err(from_pg)?;
        }
    }
    if deleted == 0 {
        return Ok(0);
    }
    tx.commit().await.map_err(from_pg)?;
    Ok(deleted)
}
