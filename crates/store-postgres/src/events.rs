//! The event log and subscriptions (issue 13; the contract is in `store::events`).
//!
//! Invariant (standards trap 18, several processes on one database): positions are never taken from a
//! sequence. A transaction that appends events moves the one `event_log` row (`last_seq += n`), which locks it
//! until COMMIT, and numbers its events below the new value. PostgreSQL makes a commit visible before it
//! releases the row lock, so the next appender starts only after these events are visible to every reader:
//! positions are dense and in commit order across nodes, and a rolled-back transaction gives its positions
//! back. Object writes take this lock last (after their collection's clock row), just before COMMIT, so the
//! hub-wide serialisation covers only the end of each write, and the lock order never inverts.

use deadpool_postgres::{GenericClient, Transaction};
use store::{
    CollectionId, EntityKind, EventBounds, EventRecord, EventRetention, NewEvent, OBJECT_ADDED,
    OBJECT_DELETED, ObjectSharing, StoreError, StoreResult, StoredObject, SubscriptionRecord,
};

use crate::error::{column, from_pg};
use crate::read::split_lines;

/// The columns an object event copies from its version's row (`o`).
const OBJECT_FACTS: &str = "o.coll, o.date_added, o.stix_id, o.object_type, o.version_text, o.spec_version, \
     o.submitter, o.submitter_org, o.recipients, o.markings, o.flags";

const EVENT_COLUMNS: &str = "seq, kind, created, collection_id, coll, date_added, stix_id, object_type, \
     version_text, spec_version, submitter, submitter_org, recipients, markings, flags";

fn now_micros() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
}

/// Reserves `n` positions (locking the log row until COMMIT); returns the position before the first.
async fn reserve(tx: &Transaction<'_>, n: i64) -> StoreResult<i64> {
    let stmt = tx
        .prepare_cached("UPDATE event_log SET last_seq = last_seq + $1 WHERE id = 1 RETURNING last_seq")
        .await
        .map_err(from_pg)?;
    let row = tx.query_one(&stmt, &[&n]).await.map_err(from_pg)?;
    let last: i64 = column(&row, 0)?;
    Ok(last - n)
}

/// Appends one `object-added` event per version the transaction just stored in `coll` (`n` of them, every
/// `date_added` from `from_date_added` on), in `date_added` order.
pub(crate) async fn objects_added(
    tx: &Transaction<'_>,
    coll: i64,
    collection: &CollectionId,
    from_date_added: i64,
    n: usize,
) -> StoreResult<()> {
    let base = reserve(tx, i64::try_from(n).unwrap_or(i64::MAX)).await?;
    let stmt = tx
        .prepare_cached(&format!(
            "INSERT INTO events ({EVENT_COLUMNS}) \
             SELECT $1 + row_number() OVER (ORDER BY o.date_added), '{OBJECT_ADDED}', $2, $3, {OBJECT_FACTS} \
             FROM objects o WHERE o.coll = $4 AND o.date_added >= $5"
        ))
        .await
        .map_err(from_pg)?;
    let inserted = tx
        .execute(
            &stmt,
            &[
                &base,
                &now_micros(),
                &collection.as_str(),
                &coll,
                &from_date_added,
            ],
        )
        .await
        .map_err(from_pg)?;
    check_count(inserted, n)
}

/// Appends one `object-deleted` event per version of `object_id` in `group` in `versions`, before they are
/// deleted.
pub(crate) async fn objects_deleted(
    tx: &Transaction<'_>,
    coll: i64,
    collection: &CollectionId,
    object_id: &str,
    group: &str,
    versions: &[i64],
) -> StoreResult<()> {
    let base = reserve(tx, i64::try_from(versions.len()).unwrap_or(i64::MAX)).await?;
    let stmt = tx
        .prepare_cached(&format!(
            "INSERT INTO events ({EVENT_COLUMNS}) \
             SELECT $1 + row_number() OVER (ORDER BY o.date_added), '{OBJECT_DELETED}', $2, $3, {OBJECT_FACTS} \
             FROM objects o WHERE o.coll = $4 AND o.stix_id = $5 AND o.grp = $7 AND o.version = ANY($6)"
        ))
        .await
        .map_err(from_pg)?;
    let inserted = tx
        .execute(
            &stmt,
            &[
                &base,
                &now_micros(),
                &collection.as_str(),
                &coll,
                &object_id,
                &versions,
                &group,
            ],
        )
        .await
        .map_err(from_pg)?;
    check_count(inserted, versions.len())
}

/// A hole in the positions would break the log's contract: refuse (the transaction rolls back).
fn check_count(inserted: u64, reserved: usize) -> StoreResult<()> {
    if inserted == reserved as u64 {
        Ok(())
    } else {
        Err(StoreError::Backend(format!(
            "event log: {inserted} events written for {reserved} positions"
        )))
    }
}

/// Appends events of other kinds in one transaction; returns the last position.
pub(crate) async fn append(client: &mut deadpool_postgres::Client, events: &[NewEvent]) -> StoreResult<u64> {
    let tx = client.transaction().await.map_err(from_pg)?;
    let base = reserve(&tx, i64::try_from(events.len()).unwrap_or(i64::MAX)).await?;
    let stmt = tx
        .prepare_cached(
            "INSERT INTO events (seq, kind, created, collection_id, payload) VALUES ($1, $2, $3, $4, $5)",
        )
        .await
        .map_err(from_pg)?;
    let now = now_micros();
    for (i, event) in events.iter().enumerate() {
        let seq = base + i64::try_from(i).unwrap_or(i64::MAX) + 1;
        let collection = event.collection.as_ref().map(CollectionId::as_str);
        tx.execute(&stmt, &[&seq, &event.kind, &now, &collection, &event.payload])
            .await
            .map_err(from_pg)?;
    }
    tx.commit().await.map_err(from_pg)?;
    Ok(u64::try_from(base).unwrap_or(0) + events.len() as u64)
}

/// Up to `limit` events after `after`, with the bytes of still-stored added versions.
pub(crate) async fn after(
    client: &impl GenericClient,
    after: u64,
    limit: usize,
) -> StoreResult<Vec<EventRecord>> {
    let stmt = client
        .prepare_cached(&format!(
            "SELECT e.seq, e.kind, e.created, e.collection_id, e.date_added, e.stix_id, e.object_type, \
             e.version_text, e.spec_version, e.submitter, e.submitter_org, e.recipients, e.markings, e.payload, \
             CASE WHEN e.kind = '{OBJECT_ADDED}' THEN o.raw END, e.flags \
             FROM events e LEFT JOIN objects o ON o.coll = e.coll AND o.date_added = e.date_added \
             WHERE e.seq > $1 ORDER BY e.seq LIMIT $2"
        ))
        .await
        .map_err(from_pg)?;
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = client.query(&stmt, &[&after, &limit]).await.map_err(from_pg)?;
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        let date_added: Option<i64> = column(row, 4)?;
        let object = match date_added {
            Some(date_added) => Some(StoredObject {
                id: column(row, 5)?,
                object_type: column(row, 6)?,
                date_added,
                version: column(row, 7)?,
                spec_version: column(row, 8)?,
                raw: column::<Option<Vec<u8>>>(row, 14)?.map(|bytes| {
                    String::from_utf8(bytes)
                        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
                }),
                sharing: ObjectSharing {
                    submitter: column(row, 9)?,
                    submitter_org: column(row, 10)?,
                    recipients: split_lines(&column::<String>(row, 11)?),
                    markings: split_lines(&column::<String>(row, 12)?),
                    shadow: column::<i16>(row, 15)? & store::plan::SHADOW != 0,
                },
            }),
            None => None,
        };
        events.push(EventRecord {
            seq: u64::try_from(column::<i64>(row, 0)?).unwrap_or(0),
            kind: column(row, 1)?,
            created_micros: column(row, 2)?,
            collection: column::<Option<String>>(row, 3)?.map(CollectionId::new),
            object,
            payload: column(row, 13)?,
        });
    }
    Ok(events)
}

pub(crate) async fn bounds(client: &impl GenericClient) -> StoreResult<EventBounds> {
    let row = client
        .query_one("SELECT first_seq, last_seq FROM event_log WHERE id = 1", &[])
        .await
        .map_err(from_pg)?;
    Ok(EventBounds {
        first: u64::try_from(column::<i64>(&row, 0)?).unwrap_or(0),
        latest: u64::try_from(column::<i64>(&row, 1)?).unwrap_or(0),
    })
}

pub(crate) async fn trim(
    client: &mut deadpool_postgres::Client,
    retention: EventRetention,
) -> StoreResult<u64> {
    let tx = client.transaction().await.map_err(from_pg)?;
    let row = tx
        .query_one(
            "SELECT first_seq, last_seq FROM event_log WHERE id = 1 FOR UPDATE",
            &[],
        )
        .await
        .map_err(from_pg)?;
    let (first, latest): (i64, i64) = (column(&row, 0)?, column(&row, 1)?);
    let keep = i64::try_from(retention.keep_latest).unwrap_or(i64::MAX);
    // Positions follow commit order, so "older than" is a prefix of the log: its last position.
    let by_age: Option<i64> = tx
        .query_one(
            "SELECT max(seq) FROM events WHERE created < $1",
            &[&retention.before_micros],
        )
        .await
        .map_err(from_pg)?
        .try_get(0)
        .map_err(from_pg)?;
    let through = latest.saturating_sub(keep).max(by_age.unwrap_or(0));
    if through < first {
        return Ok(0);
    }
    tx.execute(
        "INSERT INTO event_trims (through_seq, from_created) \
         SELECT $1, coalesce(min(created), 0) FROM events WHERE seq <= $1 \
         ON CONFLICT (through_seq) DO NOTHING",
        &[&through],
    )
    .await
    .map_err(from_pg)?;
    let removed = tx
        .execute("DELETE FROM events WHERE seq <= $1", &[&through])
        .await
        .map_err(from_pg)?;
    tx.execute(
        "UPDATE event_log SET first_seq = $1 WHERE id = 1",
        &[&(through + 1)],
    )
    .await
    .map_err(from_pg)?;
    tx.commit().await.map_err(from_pg)?;
    Ok(removed)
}

pub(crate) async fn trimmed_from(client: &impl GenericClient, after: u64) -> StoreResult<Option<i64>> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let row = client
        .query_opt(
            "SELECT from_created FROM event_trims WHERE through_seq > $1 ORDER BY through_seq LIMIT 1",
            &[&after],
        )
        .await
        .map_err(from_pg)?;
    row.map(|row| column(&row, 0)).transpose()
}

pub(crate) async fn create_subscription(
    client: &impl GenericClient,
    sub: &SubscriptionRecord,
) -> StoreResult<()> {
    let exists = client
        .query_opt("SELECT 1 FROM accounts WHERE name = $1", &[&sub.account])
        .await
        .map_err(from_pg)?;
    if exists.is_none() {
        return Err(StoreError::NotFound(EntityKind::Account));
    }
    client
        .execute(
            "INSERT INTO subscriptions (id, account, name, filter, created) VALUES ($1, $2, $3, $4, $5)",
            &[&sub.id, &sub.account, &sub.name, &sub.filter, &sub.created_micros],
        )
        .await
        .map_err(from_pg)?;
    Ok(())
}

pub(crate) async fn subscriptions(
    client: &impl GenericClient,
    account: Option<&str>,
) -> StoreResult<Vec<SubscriptionRecord>> {
    let rows = client
        .query(
            "SELECT id, account, name, filter, created FROM subscriptions \
             WHERE $1::text IS NULL OR account = $1 ORDER BY created, id",
            &[&account],
        )
        .await
        .map_err(from_pg)?;
    rows.iter()
        .map(|row| {
            Ok(SubscriptionRecord {
                id: column(row, 0)?,
                account: column(row, 1)?,
                name: column(row, 2)?,
                filter: column(row, 3)?,
                created_micros: column(row, 4)?,
            })
        })
        .collect()
}

pub(crate) async fn delete_subscription(client: &impl GenericClient, id: &str) -> StoreResult<bool> {
    let deleted = client
        .execute("DELETE FROM subscriptions WHERE id = $1", &[&id])
        .await
        .map_err(from_pg)?;
    Ok(deleted > 0)
}
