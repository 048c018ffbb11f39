//! The audit log (issue 6): appending under a compare-and-swap on the head, reading entries back.
//!
//! Invariant: an append locks the one `audit_head` row (`SELECT … FOR UPDATE`), checks it is still the head
//! the caller chained after, inserts the entries and moves the head, in one transaction. A concurrent
//! append from another process waits on the row lock and then sees the moved head, so it gets `Conflict`
//! (and re-chains) instead of forking the chain.

use deadpool_postgres::GenericClient;
use store::{AuditHead, AuditRecord, StoreError, StoreResult};

use crate::error::{column, from_pg};

fn to_i64(value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Backend(format!("audit value {value} out of range")))
}

fn to_u64(value: i64) -> StoreResult<u64> {
    u64::try_from(value).map_err(|_| StoreError::Backend(format!("negative audit value {value}")))
}

fn head_from_row(row: &tokio_postgres::Row) -> StoreResult<AuditHead> {
    let hash: Vec<u8> = column(row, 1)?;
    Ok(AuditHead {
        n_entries: to_u64(column(row, 0)?)?,
        last_hash: <[u8; 32]>::try_from(hash.as_slice())
            .map_err(|_| StoreError::Backend(format!("audit head hash of {} bytes", hash.len())))?,
    })
}

pub(crate) async fn head(client: &impl GenericClient) -> StoreResult<AuditHead> {
    let row = client
        .query_opt("SELECT n_entries, last_hash FROM audit_head WHERE id = 1", &[])
        .await
        .map_err(from_pg)?;
    row.as_ref().map_or(Ok(AuditHead::EMPTY), head_from_row)
}

pub(crate) async fn append(
    client: &mut deadpool_postgres::Client,
    expected: &AuditHead,
    records: &[AuditRecord],
) -> StoreResult<AuditHead> {
    let tx = client.transaction().await.map_err(from_pg)?;
    let row = tx
        .query_opt(
            "SELECT n_entries, last_hash FROM audit_head WHERE id = 1 FOR UPDATE",
            &[],
        )
        .await
        .map_err(from_pg)?;
    let current = row.as_ref().map_or(Ok(AuditHead::EMPTY), head_from_row)?;
    if current != *expected {
        return Err(StoreError::Conflict(format!(
            "the audit head moved: expected {} entries, found {}",
            expected.n_entries, current.n_entries
        )));
    }
    let insert = tx
        .prepare_cached(
            "INSERT INTO audit_log (seq, actor, action, at, n_objects, details, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .await
        .map_err(from_pg)?;
    let mut new_head = current;
    for record in records {
        if record.seq != new_head.n_entries {
            return Err(StoreError::Backend(format!(
                "audit record seq {} does not follow the head ({} entries)",
                record.seq, new_head.n_entries
            )));
        }
        tx.execute(
            &insert,
            &[
                &to_i64(record.seq)?,
                &record.actor,
                &record.action,
                &record.at,
                &to_i64(record.n_objects)?,
                &record.details,
                &record.hash.as_slice(),
            ],
        )
        .await
        .map_err(from_pg)?;
        new_head = AuditHead {
            n_entries: record.seq + 1,
            last_hash: record.hash,
        };
    }
    tx.execute(
        "UPDATE audit_head SET n_entries = $1, last_hash = $2 WHERE id = 1",
        &[&to_i64(new_head.n_entries)?, &new_head.last_hash.as_slice()],
    )
    .await
    .map_err(from_pg)?;
    tx.commit().await.map_err(from_pg)?;
    Ok(new_head)
}

pub(crate) async fn entries(
    client: &impl GenericClient,
    from_seq: u64,
    limit: usize,
) -> StoreResult<Vec<AuditRecord>> {
    let rows = client
        .query(
            "SELECT seq, actor, action, at, n_objects, details, hash FROM audit_log \
             WHERE seq >= $1 ORDER BY seq LIMIT $2",
            &[
                &i64::try_from(from_seq).unwrap_or(i64::MAX),
                &i64::try_from(limit).unwrap_or(i64::MAX),
            ],
        )
        .await
        .map_err(from_pg)?;
    rows.iter()
        .map(|row| {
            let hash: Vec<u8> = column(row, 6)?;
            Ok(AuditRecord {
                seq: to_u64(column(row, 0)?)?,
                actor: column(row, 1)?,
                action: column(row, 2)?,
                at: column(row, 3)?,
                n_objects: to_u64(column(row, 4)?)?,
                details: column(row, 5)?,
                // A hash of the wrong length (a damaged row) reads as zeros, which never verifies: the hub
                // reports the entry as broken rather than failing to read the log.
                hash: <[u8; 32]>::try_from(hash.as_slice()).unwrap_or([0; 32]),
            })
        })
        .collect()
}
