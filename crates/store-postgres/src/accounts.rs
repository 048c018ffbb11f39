//! Taking access back (issue 12): account changes (disable, enable, delete, password, ending sessions), the
//! account list, token lists and revocation.
//!
//! Invariant: every account change bumps the account's epoch in the same transaction, so a session or a
//! cached credential issued before the change never matches again, on any node.

use deadpool_postgres::GenericClient;
use store::{Account, AccountChange, EntityKind, StoreError, StoreResult, TokenRecord};

use crate::admin::{ACCOUNT_COLUMNS, account_from_row};
use crate::error::{column, from_pg};

pub(crate) async fn accounts(client: &impl GenericClient) -> StoreResult<Vec<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE NOT a.deleted ORDER BY a.name");
    let rows = client.query(&sql, &[]).await.map_err(from_pg)?;
    rows.iter().map(account_from_row).collect()
}

pub(crate) async fn change_account(
    client: &mut deadpool_postgres::Client,
    name: &str,
    change: &AccountChange,
) -> StoreResult<Account> {
    let tx = client.transaction().await.map_err(from_pg)?;
    let bump = "UPDATE accounts a SET epoch = a.epoch + 1";
    let where_live = "WHERE a.name = $1 AND NOT a.deleted";
    if let AccountChange::Delete = change {
        let live = tx
            .query_opt(
                "SELECT 1 FROM accounts WHERE name = $1 AND NOT deleted FOR UPDATE",
                &[&name],
            )
            .await
            .map_err(from_pg)?;
        if live.is_none() {
            return Err(StoreError::NotFound(EntityKind::Account));
        }
        for table in [
            "tokens",
            "grants",
            "marking_grants",
            "community_admins",
            "subscriptions",
        ] {
            tx.execute(&format!("DELETE FROM {table} WHERE account = $1"), &[&name])
                .await
                .map_err(from_pg)?;
        }
    }
    let returning = format!("RETURNING {ACCOUNT_COLUMNS}");
    let row = match change {
        AccountChange::Disable => {
            let sql = format!("{bump}, disabled = true {where_live} {returning}");
            tx.query_opt(&sql, &[&name]).await
        }
        AccountChange::Enable => {
            let sql = format!("{bump}, disabled = false {where_live} {returning}");
            tx.query_opt(&sql, &[&name]).await
        }
        AccountChange::EndSessions => {
            let sql = format!("{bump} {where_live} {returning}");
            tx.query_opt(&sql, &[&name]).await
        }
        AccountChange::Password(hash) => {
            let sql = format!("{bump}, password_hash = $2 {where_live} {returning}");
            tx.query_opt(&sql, &[&name, hash]).await
        }
        AccountChange::Delete => {
            let sql = format!(
                "{bump}, deleted = true, disabled = true, password_hash = '' {where_live} {returning}"
            );
            tx.query_opt(&sql, &[&name]).await
        }
    }
    .map_err(from_pg)?
    .ok_or(StoreError::NotFound(EntityKind::Account))?;
    let changed = account_from_row(&row)?;
    tx.commit().await.map_err(from_pg)?;
    Ok(changed)
}

const TOKEN_COLUMNS: &str = "sha256, account, created, id, expires";

fn token_from_row(row: &tokio_postgres::Row) -> StoreResult<TokenRecord> {
    let sha256: Vec<u8> = column(row, 0)?;
    Ok(TokenRecord {
        sha256: <[u8; 32]>::try_from(sha256.as_slice()).unwrap_or([0; 32]),
        account: column(row, 1)?,
        created_micros: column(row, 2)?,
        id: column(row, 3)?,
        expires_micros: column(row, 4)?,
    })
}

pub(crate) async fn tokens(client: &impl GenericClient, account: &str) -> StoreResult<Vec<TokenRecord>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE account = $1 ORDER BY created, id");
    let rows = client.query(&sql, &[&account]).await.map_err(from_pg)?;
    rows.iter().map(token_from_row).collect()
}

pub(crate) async fn find_token(
    client: &impl GenericClient,
    id: &str,
    sha256: &[u8; 32],
) -> StoreResult<Option<TokenRecord>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = $1 OR sha256 = $2 LIMIT 1");
    let row = client
        .query_opt(&sql, &[&id, &sha256.as_slice()])
        .await
        .map_err(from_pg)?;
    row.as_ref().map(token_from_row).transpose()
}

pub(crate) async fn revoke_token(
    client: &impl GenericClient,
    id: &str,
    sha256: &[u8; 32],
) -> StoreResult<Option<String>> {
    let row = client
        .query_opt(
            "DELETE FROM tokens WHERE id = $1 OR sha256 = $2 RETURNING account",
            &[&id, &sha256.as_slice()],
        )
        .await
        .map_err(from_pg)?;
    row.as_ref().map(|row| column(row, 0)).transpose()
}
