//! API roots, collections, statuses, accounts, tokens, grants and secrets: small rows, simple statements.
//!
//! Invariant: every check-then-insert here is either made safe by a unique constraint (a race ends in
//! `Conflict`) or concerns rows that are never deleted (API roots, accounts, collections), so it needs no
//! lock across processes.

use deadpool_postgres::GenericClient;
use store::{
    Access, Account, ApiRoot, Collection, CollectionId, EntityKind, StatusRecord, StoreError, StoreResult,
    TokenRecord,
};
use tokio_postgres::Row;

use crate::error::{column, from_pg};
use crate::status::unpack_entries;

pub(crate) async fn create_api_root(client: &impl GenericClient, api_root: &ApiRoot) -> StoreResult<()> {
    let max_content_length = i64::try_from(api_root.max_content_length).unwrap_or(i64::MAX);
    client
        .execute(
            "INSERT INTO api_roots (name, title, description, max_content_length) VALUES ($1, $2, $3, $4)",
            &[
                &api_root.name,
                &api_root.title,
                &api_root.description,
                &max_content_length,
            ],
        )
        .await
        .map_err(from_pg)?;
    Ok(())
}

pub(crate) async fn api_roots(client: &impl GenericClient) -> StoreResult<Vec<ApiRoot>> {
    let stmt = client
        .prepare_cached("SELECT name, title, description, max_content_length FROM api_roots ORDER BY seq")
        .await
        .map_err(from_pg)?;
    let rows = client.query(&stmt, &[]).await.map_err(from_pg)?;
    rows.iter()
        .map(|row| {
            Ok(ApiRoot {
                name: column(row, 0)?,
                title: column(row, 1)?,
                description: column(row, 2)?,
                max_content_length: u64::try_from(column::<i64>(row, 3)?).unwrap_or(0),
            })
        })
        .collect()
}

/// Creates a collection and its clock row in one transaction.
pub(crate) async fn create_collection(
    client: &mut deadpool_postgres::Client,
    collection: &Collection,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(from_pg)?;
    let root_exists: bool = column(
        &tx.query_one(
            "SELECT EXISTS (SELECT 1 FROM api_roots WHERE name = $1)",
            &[&collection.api_root],
        )
        .await
        .map_err(from_pg)?,
        0,
    )?;
    if !root_exists {
        return Err(StoreError::NotFound(EntityKind::ApiRoot));
    }
    if let Some(alias) = &collection.alias {
        let alias_taken: bool = column(
            &tx.query_one(
                "SELECT EXISTS (SELECT 1 FROM collections WHERE api_root = $1 AND (alias = $2 OR id = $2))",
                &[&collection.api_root, alias],
            )
            .await
            .map_err(from_pg)?,
            0,
        )?;
        if alias_taken {
            return Err(StoreError::Conflict(format!(
                "alias {alias:?} is taken in this api root"
            )));
        }
    }
    let row = tx
        .query_one(
            "INSERT INTO collections (id, api_root, title, description, alias) VALUES ($1, $2, $3, $4, $5) \
             RETURNING seq",
            &[
                &collection.id.as_str(),
                &collection.api_root,
                &collection.title,
                &collection.description,
                &collection.alias,
            ],
        )
        .await
        .map_err(from_pg)?;
    let coll: i64 = column(&row, 0)?;
    tx.execute(
        "INSERT INTO collection_clocks (coll, last_date_added) VALUES ($1, 0)",
        &[&coll],
    )
    .await
    .map_err(from_pg)?;
    tx.commit().await.map_err(from_pg)
}

const COLLECTION_COLUMNS: &str = "id, api_root, title, description, alias";

fn collection_from_row(row: &Row) -> StoreResult<Collection> {
    Ok(Collection {
        id: CollectionId::new(column::<String>(row, 0)?),
        api_root: column(row, 1)?,
        title: column(row, 2)?,
        description: column(row, 3)?,
        alias: column(row, 4)?,
    })
}

pub(crate) async fn collections(client: &impl GenericClient, api_root: &str) -> StoreResult<Vec<Collection>> {
    let sql = format!("SELECT {COLLECTION_COLUMNS} FROM collections WHERE api_root = $1 ORDER BY seq");
    let stmt = client.prepare_cached(&sql).await.map_err(from_pg)?;
    let rows = client.query(&stmt, &[&api_root]).await.map_err(from_pg)?;
    rows.iter().map(collection_from_row).collect()
}

/// The collection with this id or alias, in `api_root` when given. An id match wins over an alias match.
pub(crate) async fn collection(
    client: &impl GenericClient,
    api_root: Option<&str>,
    id_or_alias: &str,
) -> StoreResult<Option<Collection>> {
    let sql = format!(
        "SELECT {COLLECTION_COLUMNS} FROM collections WHERE (id = $1 OR alias = $1) \
         AND ($2::text IS NULL OR api_root = $2) ORDER BY (id = $1) DESC, seq LIMIT 1"
    );
    let stmt = client.prepare_cached(&sql).await.map_err(from_pg)?;
    let row = client
        .query_opt(&stmt, &[&id_or_alias, &api_root])
        .await
        .map_err(from_pg)?;
    row.as_ref().map(collection_from_row).transpose()
}

pub(crate) async fn status(
    client: &impl GenericClient,
    api_root: &str,
    status_id: &str,
) -> StoreResult<Option<StatusRecord>> {
    let stmt = client
        .prepare_cached(
            "SELECT account, request_timestamp, kinds, ids, versions, messages FROM statuses \
             WHERE id = $1 AND api_root = $2",
        )
        .await
        .map_err(from_pg)?;
    let Some(row) = client
        .query_opt(&stmt, &[&status_id, &api_root])
        .await
        .map_err(from_pg)?
    else {
        return Ok(None);
    };
    let [successes, failures, pendings] = unpack_entries(
        column(&row, 2)?,
        column(&row, 3)?,
        column(&row, 4)?,
        column(&row, 5)?,
    )?;
    Ok(Some(StatusRecord {
        id: status_id.to_owned(),
        api_root: api_root.to_owned(),
        account: column(&row, 0)?,
        request_timestamp: column(&row, 1)?,
        successes,
        failures,
        pendings,
    }))
}

pub(crate) async fn purge_statuses(client: &impl GenericClient, before_micros: i64) -> StoreResult<u64> {
    client
        .execute(
            "DELETE FROM statuses WHERE request_timestamp < $1",
            &[&before_micros],
        )
        .await
        .map_err(from_pg)
}

pub(crate) async fn create_account(client: &impl GenericClient, account: &Account) -> StoreResult<()> {
    client
        .execute(
            "INSERT INTO accounts (name, password_hash, org, is_admin, role) VALUES ($1, $2, $3, $4, $5)",
            &[
                &account.name,
                &account.password_hash,
                &account.org,
                &account.is_admin,
                &account.role,
            ],
        )
        .await
        .map_err(from_pg)?;
    Ok(())
}

pub(crate) fn account_from_row(row: &Row) -> StoreResult<Account> {
    Ok(Account {
        name: column(row, 0)?,
        password_hash: column(row, 1)?,
        org: column(row, 2)?,
        is_admin: column(row, 3)?,
        role: column(row, 4)?,
        disabled: column(row, 5)?,
        epoch: column(row, 6)?,
    })
}

/// The columns `account_from_row` reads, of table alias `a`.
pub(crate) const ACCOUNT_COLUMNS: &str =
    "a.name, a.password_hash, a.org, a.is_admin, a.role, a.disabled, a.epoch";

pub(crate) async fn account(client: &impl GenericClient, name: &str) -> StoreResult<Option<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.name = $1 AND NOT a.deleted");
    let stmt = client.prepare_cached(&sql).await.map_err(from_pg)?;
    let row = client.query_opt(&stmt, &[&name]).await.map_err(from_pg)?;
    row.as_ref().map(account_from_row).transpose()
}

pub(crate) async fn count_accounts(client: &impl GenericClient) -> StoreResult<u64> {
    let row = client
        .query_one("SELECT count(*) FROM accounts", &[])
        .await
        .map_err(from_pg)?;
    Ok(u64::try_from(column::<i64>(&row, 0)?).unwrap_or(0))
}

pub(crate) async fn create_token(client: &impl GenericClient, token: &TokenRecord) -> StoreResult<()> {
    if account(client, &token.account).await?.is_none() {
        return Err(StoreError::NotFound(EntityKind::Account));
    }
    client
        .execute(
            "INSERT INTO tokens (sha256, account, created, id, expires) VALUES ($1, $2, $3, $4, $5)",
            &[
                &token.sha256.as_slice(),
                &token.account,
                &token.created_micros,
                &token.id,
                &token.expires_micros,
            ],
        )
        .await
        .map_err(from_pg)?;
    Ok(())
}

pub(crate) async fn account_for_token(
    client: &impl GenericClient,
    token_sha256: &[u8; 32],
    now_micros: i64,
) -> StoreResult<Option<Account>> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM tokens t JOIN accounts a ON a.name = t.account \
         WHERE t.sha256 = $1 AND NOT a.deleted AND (t.expires IS NULL OR t.expires > $2)"
    );
    let stmt = client.prepare_cached(&sql).await.map_err(from_pg)?;
    let row = client
        .query_opt(&stmt, &[&token_sha256.as_slice(), &now_micros])
        .await
        .map_err(from_pg)?;
    row.as_ref().map(account_from_row).transpose()
}

pub(crate) async fn set_access(
    client: &impl GenericClient,
    account_name: &str,
    collection_id: &CollectionId,
    access: Access,
) -> StoreResult<()> {
    if account(client, account_name).await?.is_none() {
        return Err(StoreError::NotFound(EntityKind::Account));
    }
    if collection(client, None, collection_id.as_str()).await?.is_none() {
        return Err(StoreError::NotFound(EntityKind::Collection));
    }
    client
        .execute(
            "INSERT INTO grants (account, collection_id, can_read, can_write) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (account, collection_id) DO UPDATE SET can_read = $3, can_write = $4",
            &[
                &account_name,
                &collection_id.as_str(),
                &access.can_read,
                &access.can_write,
            ],
        )
        .await
        .map_err(from_pg)?;
    Ok(())
}

pub(crate) async fn access(
    client: &impl GenericClient,
    account_name: &str,
    collection_id: &CollectionId,
) -> StoreResult<Access> {
    let stmt = client
        .prepare_cached("SELECT can_read, can_write FROM grants WHERE account = $1 AND collection_id = $2")
        .await
        .map_err(from_pg)?;
    let row = client
        .query_opt(&stmt, &[&account_name, &collection_id.as_str()])
        .await
        .map_err(from_pg)?;
    match row {
        Some(row) => Ok(Access {
            can_read: column(&row, 0)?,
            can_write: column(&row, 1)?,
        }),
        None => Ok(Access::default()),
    }
}

/// The secret `name`, created from `fresh` if missing. The insert and the read are two statements (two
/// snapshots), so a secret another process inserted concurrently is seen by the read.
pub(crate) async fn secret(
    client: &impl GenericClient,
    name: &str,
    fresh: &[u8; 32],
) -> StoreResult<[u8; 32]> {
    client
        .execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            &[&name, &fresh.as_slice()],
        )
        .await
        .map_err(from_pg)?;
    let row = client
        .query_one("SELECT value FROM meta WHERE key = $1", &[&name])
        .await
        .map_err(from_pg)?;
    let value: Vec<u8> = column(&row, 0)?;
    <[u8; 32]>::try_from(value.as_slice())
        .map_err(|_| StoreError::Backend(format!("secret {name:?} is not 32 bytes")))
}
