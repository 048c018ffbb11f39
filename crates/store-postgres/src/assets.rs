//! Asset claims, notice keys and added recipients (issue 14; contract in `store::assets`).

use deadpool_postgres::GenericClient;
use store::{AssetRecord, CollectionId, EntityKind, StoreError, StoreResult};
use tokio_postgres::Row;

use crate::error::{column, from_pg};

const SELECT: &str = "SELECT id, org, kind, value, created_by, created_micros, verified_by, verified_micros \
     FROM assets";

fn asset_from_row(row: &Row) -> StoreResult<AssetRecord> {
    Ok(AssetRecord {
        id: column(row, 0)?,
        org: column(row, 1)?,
        kind: column(row, 2)?,
        value: column(row, 3)?,
        created_by: column(row, 4)?,
        created_micros: column(row, 5)?,
        verified_by: column(row, 6)?,
        verified_micros: column(row, 7)?,
    })
}

pub(crate) async fn create(client: &impl GenericClient, asset: &AssetRecord) -> StoreResult<()> {
    let org_exists = client
        .query_opt("SELECT 1 FROM organisations WHERE name = $1", &[&asset.org])
        .await
        .map_err(from_pg)?;
    if org_exists.is_none() {
        return Err(StoreError::NotFound(EntityKind::Organisation));
    }
    client
        .execute(
            "INSERT INTO assets (id, org, kind, value, created_by, created_micros, verified_by, \
             verified_micros) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &asset.id,
                &asset.org,
                &asset.kind,
                &asset.value,
                &asset.created_by,
                &asset.created_micros,
                &asset.verified_by,
                &asset.verified_micros,
            ],
        )
        .await
        .map_err(from_pg)?;
    Ok(())
}

pub(crate) async fn list(client: &impl GenericClient, org: Option<&str>) -> StoreResult<Vec<AssetRecord>> {
    let rows = client
        .query(
            &format!("{SELECT} WHERE $1::text IS NULL OR org = $1 ORDER BY seq"),
            &[&org],
        )
        .await
        .map_err(from_pg)?;
    rows.iter().map(asset_from_row).collect()
}

pub(crate) async fn get(client: &impl GenericClient, id: &str) -> StoreResult<Option<AssetRecord>> {
    let row = client
        .query_opt(&format!("{SELECT} WHERE id = $1"), &[&id])
        .await
        .map_err(from_pg)?;
    row.as_ref().map(asset_from_row).transpose()
}

pub(crate) async fn verify(
    client: &impl GenericClient,
    id: &str,
    account: &str,
    micros: i64,
) -> StoreResult<bool> {
    let updated = client
        .execute(
            "UPDATE assets SET verified_by = coalesce(verified_by, $2), \
             verified_micros = coalesce(verified_micros, $3) WHERE id = $1",
            &[&id, &account, &micros],
        )
        .await
        .map_err(from_pg)?;
    Ok(updated > 0)
}

pub(crate) async fn delete(client: &impl GenericClient, id: &str) -> StoreResult<bool> {
    let deleted = client
        .execute("DELETE FROM assets WHERE id = $1", &[&id])
        .await
        .map_err(from_pg)?;
    Ok(deleted > 0)
}

pub(crate) async fn claim_notices(client: &impl GenericClient, keys: &[String]) -> StoreResult<Vec<String>> {
    // One statement: inserted rows come back, concurrent claims of one key on several nodes insert it once.
    let rows = client
        .query(
            "INSERT INTO asset_notices (key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING key",
            &[&keys],
        )
        .await
        .map_err(from_pg)?;
    rows.iter().map(|row| column(row, 0)).collect()
}

pub(crate) async fn add_recipients(
    client: &mut deadpool_postgres::Client,
    collection: &CollectionId,
    date_added: i64,
    recipients: &[String],
) -> StoreResult<bool> {
    let tx = client.transaction().await.map_err(from_pg)?;
    let row = tx
        .query_opt(
            "SELECT o.coll, o.recipients FROM objects o JOIN collections c ON c.seq = o.coll \
             WHERE c.id = $1 AND o.date_added = $2 FOR UPDATE OF o",
            &[&collection.as_str(), &date_added],
        )
        .await
        .map_err(from_pg)?;
    let Some(row) = row else { return Ok(false) };
    let coll: i64 = column(&row, 0)?;
    let current: String = column(&row, 1)?;
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
    tx.execute(
        "UPDATE objects SET recipients = $3 WHERE coll = $1 AND date_added = $2",
        &[&coll, &date_added, &merged.join("\n")],
    )
    .await
    .map_err(from_pg)?;
    tx.commit().await.map_err(from_pg)?;
    Ok(true)
}
