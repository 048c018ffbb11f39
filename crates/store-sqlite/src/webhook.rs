//! Webhook endpoints, their delivery rows and leases (issue 13; contract in `store::webhook`).
//!
//! Every write runs in the writer's transaction, so the lease check and the changes it guards commit
//! together; another process writing the same endpoint is serialised by SQLite's write lock.

use rusqlite::{Connection, OptionalExtension, Row, params};
use store::{
    CollectionId, DeliveryUpdate, EntityKind, StoreError, StoreResult, WebhookDelivery, WebhookEndpoint,
    WebhookProgress, WebhookSecret,
};

use crate::error::from_sqlite;

fn to_i64(value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Backend(format!("webhook value {value} out of range")))
}

fn to_u64(value: i64) -> rusqlite::Result<u64> {
    u64::try_from(value).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(0, value))
}

const SELECT: &str = "SELECT w.id, w.account, w.url, w.secrets, w.collections, w.types, w.enabled, \
     w.disabled_reason, w.position, w.created_micros, w.delivered, w.failed_attempts, \
     (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = w.id AND d.dead = 0), \
     (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = w.id AND d.dead = 1) \
     FROM webhooks w";

fn endpoint_from_row(row: &Row<'_>) -> rusqlite::Result<WebhookEndpoint> {
    let secrets: String = row.get(3)?;
    let collections: String = row.get(4)?;
    let types: String = row.get(5)?;
    Ok(WebhookEndpoint {
        id: row.get(0)?,
        account: row.get(1)?,
        url: row.get(2)?,
        secrets: WebhookSecret::decode_all(&secrets),
        collections: collections
            .lines()
            .map(|c| CollectionId::new(c.to_owned()))
            .collect(),
        types: types.lines().map(str::to_owned).collect(),
        enabled: row.get(6)?,
        disabled_reason: row.get(7)?,
        position: to_u64(row.get(8)?)?,
        created_micros: row.get(9)?,
        delivered: to_u64(row.get(10)?)?,
        failed_attempts: to_u64(row.get(11)?)?,
        pending: to_u64(row.get(12)?)?,
        dead: to_u64(row.get(13)?)?,
    })
}

pub(crate) fn create(conn: &Connection, endpoint: &WebhookEndpoint) -> StoreResult<()> {
    let account_exists = conn
        .query_row(
            "SELECT 1 FROM accounts WHERE name = ?1",
            [&endpoint.account],
            |_| Ok(()),
        )
        .optional()
        .map_err(from_sqlite)?;
    if account_exists.is_none() {
        return Err(StoreError::NotFound(EntityKind::Account));
    }
    let collections: Vec<&str> = endpoint.collections.iter().map(CollectionId::as_str).collect();
    conn.execute(
        "INSERT INTO webhooks (id, account, url, secrets, collections, types, enabled, disabled_reason, \
         position, created_micros, delivered, failed_attempts) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            endpoint.id,
            endpoint.account,
            endpoint.url,
            WebhookSecret::encode_all(&endpoint.secrets),
            collections.join("\n"),
            endpoint.types.join("\n"),
            endpoint.enabled,
            endpoint.disabled_reason,
            to_i64(endpoint.position)?,
            endpoint.created_micros,
            to_i64(endpoint.delivered)?,
            to_i64(endpoint.failed_attempts)?,
        ],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub(crate) fn list(conn: &Connection, account: Option<&str>) -> StoreResult<Vec<WebhookEndpoint>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "{SELECT} WHERE ?1 IS NULL OR w.account = ?1 ORDER BY w.seq"
        ))
        .map_err(from_sqlite)?;
    let rows = stmt
        .query_map([account], endpoint_from_row)
        .map_err(from_sqlite)?;
    rows.collect::<Result<_, _>>().map_err(from_sqlite)
}

pub(crate) fn get(conn: &Connection, id: &str) -> StoreResult<Option<WebhookEndpoint>> {
    conn.prepare_cached(&format!("{SELECT} WHERE w.id = ?1"))
        .and_then(|mut stmt| stmt.query_row([id], endpoint_from_row).optional())
        .map_err(from_sqlite)
}

pub(crate) fn delete(conn: &Connection, id: &str) -> StoreResult<u64> {
    conn.execute("DELETE FROM webhook_deliveries WHERE endpoint = ?1", [id])
        .map_err(from_sqlite)?;
    let n = conn
        .execute("DELETE FROM webhooks WHERE id = ?1", [id])
        .map_err(from_sqlite)?;
    Ok(n as u64)
}

fn changed_one(n: usize) -> StoreResult<()> {
    if n == 0 {
        Err(StoreError::NotFound(EntityKind::Webhook))
    } else {
        Ok(())
    }
}

pub(crate) fn set_secrets(conn: &Connection, id: &str, secrets: &[WebhookSecret]) -> StoreResult<()> {
    let n = conn
        .execute(
            "UPDATE webhooks SET secrets = ?2 WHERE id = ?1",
            params![id, WebhookSecret::encode_all(secrets)],
        )
        .map_err(from_sqlite)?;
    changed_one(n)
}

pub(crate) fn set_enabled(
    conn: &Connection,
    id: &str,
    enabled: bool,
    reason: Option<&str>,
) -> StoreResult<()> {
    let n = conn
        .execute(
            "UPDATE webhooks SET enabled = ?2, disabled_reason = CASE WHEN ?2 THEN NULL ELSE ?3 END WHERE id = ?1",
            params![id, enabled, reason],
        )
        .map_err(from_sqlite)?;
    changed_one(n)
}

/// Returns the generation, or 0 when not acquired (generations start at 1).
pub(crate) fn acquire_lease(
    conn: &Connection,
    id: &str,
    owner: &str,
    now: i64,
    until: i64,
) -> StoreResult<u64> {
    let generation: Option<i64> = conn
        .query_row(
            "UPDATE webhooks SET \
               lease_gen = CASE WHEN lease_owner = ?2 AND lease_until >= ?3 THEN lease_gen ELSE lease_gen + 1 END, \
               lease_owner = ?2, lease_until = ?4 \
             WHERE id = ?1 AND (lease_owner IS NULL OR lease_owner = ?2 OR lease_until < ?3) \
             RETURNING lease_gen",
            params![id, owner, now, until],
            |row| row.get(0),
        )
        .optional()
        .map_err(from_sqlite)?;
    generation.map_or(Ok(0), |g| to_u64(g).map_err(from_sqlite))
}

pub(crate) fn record(conn: &Connection, progress: &WebhookProgress) -> StoreResult<()> {
    let generation: Option<i64> = conn
        .query_row(
            "SELECT lease_gen FROM webhooks WHERE id = ?1",
            [&progress.endpoint],
            |row| row.get(0),
        )
        .optional()
        .map_err(from_sqlite)?;
    match generation {
        None => return Err(StoreError::NotFound(EntityKind::Webhook)),
        Some(g) if g != to_i64(progress.generation)? => {
            return Err(StoreError::Conflict(format!(
                "webhook {} lease moved to generation {g}",
                progress.endpoint
            )));
        }
        Some(_) => {}
    }
    conn.execute(
        "UPDATE webhooks SET position = max(position, ?2), delivered = delivered + ?3, \
         failed_attempts = failed_attempts + ?4, \
         enabled = CASE WHEN ?5 IS NULL THEN enabled ELSE 0 END, \
         disabled_reason = coalesce(?5, disabled_reason) WHERE id = ?1",
        params![
            progress.endpoint,
            to_i64(progress.position)?,
            to_i64(progress.delivered)?,
            to_i64(progress.failed_attempts)?,
            progress.disable,
        ],
    )
    .map_err(from_sqlite)?;
    for update in &progress.updates {
        match update {
            DeliveryUpdate::Keep(d) => {
                let seq = to_i64(d.seq)?;
                conn.prepare_cached(
                    "INSERT OR REPLACE INTO webhook_deliveries \
                     (endpoint, seq, attempts, next_attempt_micros, last_error, dead) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .and_then(|mut stmt| {
                    stmt.execute(params![
                        progress.endpoint,
                        seq,
                        d.attempts,
                        d.next_attempt_micros,
                        d.last_error,
                        d.dead
                    ])
                })
                .map_err(from_sqlite)?;
            }
            DeliveryUpdate::Forget(seq) => {
                let seq = to_i64(*seq)?;
                conn.prepare_cached("DELETE FROM webhook_deliveries WHERE endpoint = ?1 AND seq = ?2")
                    .and_then(|mut stmt| stmt.execute(params![progress.endpoint, seq]))
                    .map_err(from_sqlite)?;
            }
        }
    }
    Ok(())
}

fn delivery_from_row(row: &Row<'_>) -> rusqlite::Result<WebhookDelivery> {
    Ok(WebhookDelivery {
        endpoint: row.get(0)?,
        seq: to_u64(row.get(1)?)?,
        attempts: row.get(2)?,
        next_attempt_micros: row.get(3)?,
        last_error: row.get(4)?,
        dead: row.get(5)?,
    })
}

const DELIVERY_COLUMNS: &str = "endpoint, seq, attempts, next_attempt_micros, last_error, dead";

pub(crate) fn due(conn: &Connection, id: &str, now: i64, limit: usize) -> StoreResult<Vec<WebhookDelivery>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
             WHERE endpoint = ?1 AND dead = 0 AND next_attempt_micros <= ?2 ORDER BY seq LIMIT ?3"
        ))
        .map_err(from_sqlite)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![id, now, limit], delivery_from_row)
        .map_err(from_sqlite)?;
    rows.collect::<Result<_, _>>().map_err(from_sqlite)
}

pub(crate) fn dead_letters(conn: &Connection, id: &str, limit: usize) -> StoreResult<Vec<WebhookDelivery>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint = ?1 AND dead = 1 ORDER BY seq LIMIT ?2"
        ))
        .map_err(from_sqlite)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![id, limit], delivery_from_row)
        .map_err(from_sqlite)?;
    rows.collect::<Result<_, _>>().map_err(from_sqlite)
}

pub(crate) fn replay(conn: &Connection, id: &str, seqs: &[u64], now: i64) -> StoreResult<u64> {
    let sql = "UPDATE webhook_deliveries SET dead = 0, attempts = 0, next_attempt_micros = ?2 \
               WHERE endpoint = ?1 AND dead = 1";
    if seqs.is_empty() {
        return Ok(conn.execute(sql, params![id, now]).map_err(from_sqlite)? as u64);
    }
    let mut replayed = 0;
    for seq in seqs {
        replayed += conn
            .execute(&format!("{sql} AND seq = ?3"), params![id, now, to_i64(*seq)?])
            .map_err(from_sqlite)? as u64;
    }
    Ok(replayed)
}
