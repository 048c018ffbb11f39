//! Taking access back (issue 12): account changes (disable, enable, delete, password, ending sessions), the
//! account list, token lists and revocation.
//!
//! Invariant: every account change bumps the account's epoch in the same statement, so a session or a cached
//! credential issued before the change never matches again.

use rusqlite::{Connection, OptionalExtension, params};
use store::{Account, AccountChange, EntityKind, StoreError, StoreResult, TokenRecord};

use crate::admin::{ACCOUNT_COLUMNS, account, account_from_row};
use crate::error::from_sqlite;

pub(crate) fn accounts(conn: &Connection) -> StoreResult<Vec<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE NOT a.deleted ORDER BY a.name");
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_map([], account_from_row)
        .and_then(Iterator::collect)
        .map_err(from_sqlite)
}

pub(crate) fn change_account(conn: &Connection, name: &str, change: &AccountChange) -> StoreResult<()> {
    if account(conn, name)?.is_none() {
        return Err(StoreError::NotFound(EntityKind::Account));
    }
    let bump = "UPDATE accounts SET epoch = epoch + 1";
    match change {
        AccountChange::Disable => conn.execute(&format!("{bump}, disabled = 1 WHERE name = ?1"), [name]),
        AccountChange::Enable => conn.execute(&format!("{bump}, disabled = 0 WHERE name = ?1"), [name]),
        AccountChange::EndSessions => conn.execute(&format!("{bump} WHERE name = ?1"), [name]),
        AccountChange::Password(hash) => conn.execute(
            &format!("{bump}, password_hash = ?2 WHERE name = ?1"),
            params![name, hash],
        ),
        AccountChange::Delete => {
            for table in [
                "tokens",
                "grants",
                "marking_grants",
                "community_admins",
                "subscriptions",
            ] {
                conn.execute(&format!("DELETE FROM {table} WHERE account = ?1"), [name])
                    .map_err(from_sqlite)?;
            }
            conn.execute(
                &format!("{bump}, deleted = 1, disabled = 1, password_hash = '' WHERE name = ?1"),
                [name],
            )
        }
    }
    .map_err(from_sqlite)?;
    Ok(())
}

const TOKEN_COLUMNS: &str = "sha256, account, created, id, expires";

fn token_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRecord> {
    let sha256: Vec<u8> = row.get(0)?;
    Ok(TokenRecord {
        sha256: <[u8; 32]>::try_from(sha256.as_slice()).unwrap_or([0; 32]),
        account: row.get(1)?,
        created_micros: row.get(2)?,
        id: row.get(3)?,
        expires_micros: row.get(4)?,
    })
}

pub(crate) fn tokens(conn: &Connection, account: &str) -> StoreResult<Vec<TokenRecord>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE account = ?1 ORDER BY created, id");
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_map([account], token_from_row)
        .and_then(Iterator::collect)
        .map_err(from_sqlite)
}

/// The token with this id or hash.
pub(crate) fn find_token(conn: &Connection, id: &str, sha256: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ?1 OR sha256 = ?2 LIMIT 1");
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_row(params![id, sha256.as_slice()], token_from_row)
        .optional()
        .map_err(from_sqlite)
}

pub(crate) fn revoke_token(conn: &Connection, id: &str, sha256: &[u8; 32]) -> StoreResult<u64> {
    let deleted = conn
        .execute(
            "DELETE FROM tokens WHERE id = ?1 OR sha256 = ?2",
            params![id, sha256.as_slice()],
        )
        .map_err(from_sqlite)?;
    Ok(deleted as u64)
}
