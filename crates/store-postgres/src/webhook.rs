//! Webhook endpoints, their delivery rows and leases (issue 13; contract in `store::webhook`).
//!
//! Invariant: the lease is one conditional `UPDATE … RETURNING` (a compare-and-swap under the row lock), and
//! `record` locks the endpoint row (`FOR UPDATE`), checks the generation and applies everything in one
//! transaction, so a node whose lease was taken over writes nothing.

use deadpool_postgres::GenericClient;
use store::{
    CollectionId, DeliveryUpdate, EntityKind, StoreError, StoreResult, WebhookDelivery, WebhookEndpoint,
    WebhookProgress, WebhookSecret,
};

use crate::error::{column, from_pg};

fn to_i64(value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Backend(format!("webhook value {value} out of range")))
}

fn to_u64(value: i64) -> StoreResult<u64> {
    u64::try_from(value).map_err(|_| StoreError::Backend(format!("negative webhook value {value}")))
}

const SELECT: &str = "SELECT w.id, w.account, w.url, w.secrets, w.collections, w.types, w.enabled, \
     w.disabled_reason, w.position, w.created_micros, w.delivered, w.failed_attempts, \
     (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = w.id AND NOT d.dead), \
     (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = w.id AND d.dead) \
     FROM webhooks w";

fn endpoint_from_row(row: &tokio_postgres::Row) -> StoreResult<WebhookEndpoint> {
    let secrets: String = column(row, 3)?;
    let collections: String = column(row, 4)?;
    let types: String = column(row, 5)?;
    Ok(WebhookEndpoint {
        id: column(row, 0)?,
        account: column(row, 1)?,
        url: column(row, 2)?,
        secrets: WebhookSecret::decode_all(&secrets),
        collections: collections
            .lines()
            .map(|c| CollectionId::new(c.to_owned()))
            .collect(),
        types: types.lines().map(str::to_owned).collect(),
        enabled: column(row, 6)?,
        disabled_reason: column(row, 7)?,
        position: to_u64(column(row, 8)?)?,
        created_micros: column(row, 9)?,
        delivered: to_u64(column(row, 10)?)?,
        failed_attempts: to_u64(column(row, 11)?)?,
        pending: to_u64(column(row, 12)?)?,
        dead: to_u64(column(row, 13)?)?,
    })
}

pub(crate) async fn create(client: &impl GenericClient, endpoint: &WebhookEndpoint) -> StoreResult<()> {
    let collections: Vec<&str> = endpoint.collections.iter().map(CollectionId::as_str).collect();
    let inserted = client
        .execute(
            "INSERT INTO webhooks (id, account, url, secrets, collections, types, enabled, disabled_reason, \
             position, created_micros, delivered, failed_attempts) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 WHERE EXISTS \
             (SELECT 1 FROM accounts WHERE name = $2)",
            &[
                &endpoint.id,
                &endpoint.account,
                &endpoint.url,
                &WebhookSecret::encode_all(&endpoint.secrets),
                &collections.join("\n"),
                &endpoint.types.join("\n"),
                &endpoint.enabled,
                &endpoint.disabled_reason,
                &to_i64(endpoint.position)?,
                &endpoint.created_micros,
                &to_i64(endpoint.delivered)?,
                &to_i64(endpoint.failed_attempts)?,
            ],
        )
        .await
        .map_err(from_pg)?;
    if inserted == 0 {
        Err(StoreError::NotFound(EntityKind::Account))
    } else {
        Ok(())
    }
}

pub(crate) async fn list(
    client: &impl GenericClient,
    account: Option<&str>,
) -> StoreResult<Vec<WebhookEndpoint>> {
    let rows = client
        .query(
            &format!("{SELECT} WHERE $1::text IS NULL OR w.account = $1 ORDER BY w.seq"),
            &[&account],
        )
        .await
        .map_err(from_pg)?;
    rows.iter().map(endpoint_from_row).collect()
}

pub(crate) async fn get(client: &impl GenericClient, id: &str) -> StoreResult<Option<WebhookEndpoint>> {
    let row = client
        .query_opt(&format!("{SELECT} WHERE w.id = $1"), &[&id])
        .await
        .map_err(from_pg)?;
    row.as_ref().map(endpoint_from_row).transpose()
}

pub(crate) async fn delete(client: &mut deadpool_postgres::Client, id: &str) -> StoreResult<bool> {
    let tx = client.transaction().await.map_err(from_pg)?;
    tx.execute("DELETE FROM webhook_deliveries WHERE endpoint = $1", &[&id])
        .await
        .map_err(from_pg)?;
    let n = tx
        .execute("DELETE FROM webhooks WHERE id = $1", &[&id])
        .await
        .map_err(from_pg)?;
    tx.commit().await.map_err(from_pg)?;
    Ok(n > 0)
}

fn changed_one(n: u64) -> StoreResult<()> {
    if n == 0 {
        Err(StoreError::NotFound(EntityKind::Webhook))
    } else {
        Ok(())
    }
}

pub(crate) async fn set_secrets(
    client: &impl GenericClient,
    id: &str,
    secrets: &[WebhookSecret],
) -> StoreResult<()> {
    let n = client
        .execute(
            "UPDATE webhooks SET secrets = $2 WHERE id = $1",
            &[&id, &WebhookSecret::encode_all(secrets)],
        )
        .await
        .map_err(from_pg)?;
    changed_one(n)
}

pub(crate) async fn set_enabled(
    client: &impl GenericClient,
    id: &str,
    enabled: bool,
    reason: Option<&str>,
) -> StoreResult<()> {
    let n = client
        .execute(
            "UPDATE webhooks SET enabled = $2, disabled_reason = CASE WHEN $2 THEN NULL ELSE $3 END WHERE id = $1",
            &[&id, &enabled, &reason],
        )
        .await
        .map_err(from_pg)?;
    changed_one(n)
}

pub(crate) async fn acquire_lease(
    client: &impl GenericClient,
    id: &str,
    owner: &str,
    now: i64,
    until: i64,
) -> StoreResult<Option<u64>> {
    let row = client
        .query_opt(
            "UPDATE webhooks SET \
               lease_gen = CASE WHEN lease_owner = $2 AND lease_until >= $3 THEN lease_gen ELSE lease_gen + 1 END, \
               lease_owner = $2, lease_until = $4 \
             WHERE id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < $3) \
             RETURNING lease_gen",
            &[&id, &owner, &now, &until],
        )
        .await
        .map_err(from_pg)?;
    row.map(|row| to_u64(column(&row, 0)?)).transpose()
}

pub(crate) async fn record(
    client: &mut deadpool_postgres::Client,
    progress: &WebhookProgress,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(from_pg)?;
    let row = tx
        .query_opt(
            "SELECT lease_gen FROM webhooks WHERE id = $1 FOR UPDATE",
            &[&progress.endpoint],
        )
        .await
        .map_err(from_pg)?;
    let Some(row) = row else {
        return Err(StoreError::NotFound(EntityKind::Webhook));
    };
    let generation: i64 = column(&row, 0)?;
    if generation != to_i64(progress.generation)? {
        return Err(StoreError::Conflict(format!(
            "webhook {} lease moved to generation {generation}",
            progress.endpoint
        )));
    }
    tx.execute(
        "UPDATE webhooks SET position = greatest(position, $2), delivered = delivered + $3, \
         failed_attempts = failed_attempts + $4, \
         enabled = CASE WHEN $5::text IS NULL THEN enabled ELSE false END, \
         disabled_reason = coalesce($5, disabled_reason) WHERE id = $1",
        &[
            &progress.endpoint,
            &to_i64(progress.position)?,
            &to_i64(progress.delivered)?,
            &to_i64(progress.failed_attempts)?,
            &progress.disable,
        ],
    )
    .await
    .map_err(from_pg)?;
    for update in &progress.updates {
        match update {
            DeliveryUpdate::Keep(d) => {
                let attempts = i32::try_from(d.attempts).unwrap_or(i32::MAX);
                tx.execute(
                    "INSERT INTO webhook_deliveries (endpoint, seq, attempts, next_attempt_micros, last_error, dead) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (endpoint, seq) DO UPDATE SET \
                     attempts = EXCLUDED.attempts, next_attempt_micros = EXCLUDED.next_attempt_micros, \
                     last_error = EXCLUDED.last_error, dead = EXCLUDED.dead",
                    &[&progress.endpoint, &to_i64(d.seq)?, &attempts, &d.next_attempt_micros, &d.last_error, &d.dead],
                )
                .await
                .map_err(from_pg)?;
            }
            DeliveryUpdate::Forget(seq) => {
                tx.execute(
                    "DELETE FROM webhook_deliveries WHERE endpoint = $1 AND seq = $2",
                    &[&progress.endpoint, &to_i64(*seq)?],
                )
                .await
                .map_err(from_pg)?;
            }
        }
    }
    tx.commit().await.map_err(from_pg)
}

fn delivery_from_row(row: &tokio_postgres::Row) -> StoreResult<WebhookDelivery> {
    let attempts: i32 = column(row, 2)?;
    Ok(WebhookDelivery {
        endpoint: column(row, 0)?,
        seq: to_u64(column(row, 1)?)?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        next_attempt_micros: column(row, 3)?,
        last_error: column(row, 4)?,
        dead: column(row, 5)?,
    })
}

const DELIVERY_COLUMNS: &str = "endpoint, seq, attempts, next_attempt_micros, last_error, dead";

fn to_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

pub(crate) async fn due(
    client: &impl GenericClient,
    id: &str,
    now: i64,
    limit: usize,
) -> StoreResult<Vec<WebhookDelivery>> {
    let rows = client
        .query(
            &format!(
                "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
                 WHERE endpoint = $1 AND NOT dead AND next_attempt_micros <= $2 ORDER BY seq LIMIT $3"
            ),
            &[&id, &now, &to_limit(limit)],
        )
        .await
        .map_err(from_pg)?;
    rows.iter().map(delivery_from_row).collect()
}

pub(crate) async fn dead_letters(
    client: &impl GenericClient,
    id: &str,
    limit: usize,
) -> StoreResult<Vec<WebhookDelivery>> {
    let rows = client
        .query(
            &format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint = $1 AND dead ORDER BY seq LIMIT $2"),
            &[&id, &to_limit(limit)],
        )
        .await
        .map_err(from_pg)?;
    rows.iter().map(delivery_from_row).collect()
}

pub(crate) async fn replay(
    client: &impl GenericClient,
    id: &str,
    seqs: &[u64],
    now: i64,
) -> StoreResult<u64> {
    let seqs = seqs
        .iter()
        .map(|seq| to_i64(*seq))
        .collect::<StoreResult<Vec<i64>>>()?;
    client
        .execute(
            "UPDATE webhook_deliveries SET dead = false, attempts = 0, next_attempt_micros = $2 \
             WHERE endpoint = $1 AND dead AND (cardinality($3::bigint[]) = 0 OR seq = ANY($3))",
            &[&id, &now, &seqs],
        )
        .await
        .map_err(from_pg)
}
