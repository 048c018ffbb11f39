//! API roots, collections, statuses, accounts, tokens, grants and secrets: small rows, simple statements.

use rusqlite::{Connection, OptionalExtension, Row, params};
use store::{
    Access, Account, ApiRoot, Collection, CollectionId, EntityKind, StatusRecord, StoreError, StoreResult,
    TokenRecord,
};

use crate::error::from_sqlite;
use crate::status::decode_entries;

pub(crate) fn create_api_root(conn: &Connection, api_root: &ApiRoot) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO api_roots (name, title, description, max_content_length) VALUES (?1, ?2, ?3, ?4)",
        params![
            api_root.name,
            api_root.title,
            api_root.description,
            i64::try_from(api_root.max_content_length).unwrap_or(i64::MAX)
        ],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub(crate) fn api_roots(conn: &Connection) -> StoreResult<Vec<ApiRoot>> {
    let mut stmt = conn
        .prepare_cached("SELECT name, title, description, max_content_length FROM api_roots ORDER BY seq")
        .map_err(from_sqlite)?;
    stmt.query_map([], |row| {
        Ok(ApiRoot {
            name: row.get(0)?,
            title: row.get(1)?,
            description: row.get(2)?,
            max_content_length: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
        })
    })
    .and_then(Iterator::collect)
    .map_err(from_sqlite)
}

pub(crate) fn create_collection(conn: &Connection, collection: &Collection) -> StoreResult<()> {
    let root_exists: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM api_roots WHERE name = ?1)",
            [&collection.api_root],
            |row| row.get(0),
        )
        .map_err(from_sqlite)?;
    if !root_exists {
        return Err(StoreError::NotFound(EntityKind::ApiRoot));
    }
    if let Some(alias) = &collection.alias {
        let alias_taken: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM collections WHERE api_root = ?1 AND (alias = ?2 OR id = ?2))",
                params![collection.api_root, alias],
                |row| row.get(0),
            )
            .map_err(from_sqlite)?;
        if alias_taken {
            return Err(StoreError::Conflict(format!(
                "alias {alias:?} is taken in this api root"
            )));
        }
    }
    conn.execute(
        "INSERT INTO collections (id, api_root, title, description, alias) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            collection.id.as_str(),
            collection.api_root,
            collection.title,
            collection.description,
            collection.alias
        ],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

const COLLECTION_COLUMNS: &str = "id, api_root, title, description, alias";

fn collection_from_row(row: &Row<'_>) -> rusqlite::Result<Collection> {
    Ok(Collection {
        id: CollectionId::new(row.get::<_, String>(0)?),
        api_root: row.get(1)?,
        title: row.get(2)?,
        description: row.get(3)?,
        alias: row.get(4)?,
    })
}

pub(crate) fn collections(conn: &Connection, api_root: &str) -> StoreResult<Vec<Collection>> {
    let sql = format!("SELECT {COLLECTION_COLUMNS} FROM collections WHERE api_root = ?1 ORDER BY seq");
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_map([api_root], collection_from_row)
        .and_then(Iterator::collect)
        .map_err(from_sqlite)
}

/// The collection with this id or alias, in `api_root` when given. An id match wins over an alias match.
pub(crate) fn collection(
    conn: &Connection,
    api_root: Option<&str>,
    id_or_alias: &str,
) -> StoreResult<Option<Collection>> {
    let sql = format!(
        "SELECT {COLLECTION_COLUMNS} FROM collections WHERE (id = ?1 OR alias = ?1) AND (?2 IS NULL OR api_root = ?2) \
         ORDER BY (id = ?1) DESC, seq LIMIT 1"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_row(params![id_or_alias, api_root], collection_from_row)
        .optional()
        .map_err(from_sqlite)
}

pub(crate) fn status(
    conn: &Connection,
    api_root: &str,
    status_id: &str,
) -> StoreResult<Option<StatusRecord>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT account, request_timestamp, entries FROM statuses WHERE id = ?1 AND api_root = ?2",
        )
        .map_err(from_sqlite)?;
    let row = stmt
        .query_row(params![status_id, api_root], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .optional()
        .map_err(from_sqlite)?;
    Ok(row.map(|(account, request_timestamp, entries)| {
        let [successes, failures, pendings] = decode_entries(&entries);
        StatusRecord {
            id: status_id.to_owned(),
            api_root: api_root.to_owned(),
            account,
            request_timestamp,
            successes,
            failures,
            pendings,
        }
    }))
}

pub(crate) fn purge_statuses(conn: &Connection, before_micros: i64) -> StoreResult<u64> {
    let purged = conn
        .execute(
            "DELETE FROM statuses WHERE request_timestamp < ?1",
            [before_micros],
        )
        .map_err(from_sqlite)?;
    Ok(purged as u64)
}

pub(crate) fn create_account(conn: &Connection, account: &Account) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO accounts (name, password_hash, org, is_admin, role) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            account.name,
            account.password_hash,
            account.org,
            account.is_admin,
            account.role
        ],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub(crate) fn account_from_row(row: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        name: row.get(0)?,
        password_hash: row.get(1)?,
        org: row.get(2)?,
        is_admin: row.get(3)?,
        role: row.get(4)?,
        disabled: row.get(5)?,
        epoch: row.get(6)?,
    })
}

/// The columns `account_from_row` reads, of table alias `a`.
pub(crate) const ACCOUNT_COLUMNS: &str =
    "a.name, a.password_hash, a.org, a.is_admin, a.role, a.disabled, a.epoch";

pub(crate) fn account(conn: &Connection, name: &str) -> StoreResult<Option<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.name = ?1 AND NOT a.deleted");
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_row([name], account_from_row)
        .optional()
        .map_err(from_sqlite)
}

pub(crate) fn count_accounts(conn: &Connection) -> StoreResult<u64> {
    let count: i64 = conn
        .query_row("SELECT count(*) FROM accounts", [], |row| row.get(0))
        .map_err(from_sqlite)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

pub(crate) fn create_token(conn: &Connection, token: &TokenRecord) -> StoreResult<()> {
    if account(conn, &token.account)?.is_none() {
        return Err(StoreError::NotFound(EntityKind::Account));
    }
    conn.execute(
        "INSERT INTO tokens (sha256, account, created, id, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            token.sha256.as_slice(),
            token.account,
            token.created_micros,
            token.id,
            token.expires_micros
        ],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub(crate) fn account_for_token(
    conn: &Connection,
    token_sha256: &[u8; 32],
    now_micros: i64,
) -> StoreResult<Option<Account>> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM tokens t JOIN accounts a ON a.name = t.account \
         WHERE t.sha256 = ?1 AND NOT a.deleted AND (t.expires IS NULL OR t.expires > ?2)"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    stmt.query_row(params![token_sha256.as_slice(), now_micros], account_from_row)
        .optional()
        .map_err(from_sqlite)
}

pub(crate) fn set_access(
    conn: &Connection,
    account_name: &str,
    collection_id: &CollectionId,
    access: Access,
) -> StoreResult<()> {
    if account(conn, account_name)?.is_none() {
        return Err(StoreError::NotFound(EntityKind::Account));
    }
    if collection(conn, None, collection_id.as_str())?.is_none() {
        return Err(StoreError::NotFound(EntityKind::Collection));
    }
    conn.execute(
        "INSERT INTO grants (account, collection_id, can_read, can_write) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (account, collection_id) DO UPDATE SET can_read = ?3, can_write = ?4",
        params![
            account_name,
            collection_id.as_str(),
            access.can_read,
            access.can_write
        ],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub(crate) fn access(
    conn: &Connection,
    account_name: &str,
    collection_id: &CollectionId,
) -> StoreResult<Access> {
    let mut stmt = conn
        .prepare_cached("SELECT can_read, can_write FROM grants WHERE account = ?1 AND collection_id = ?2")
        .map_err(from_sqlite)?;
    let access = stmt
        .query_row(params![account_name, collection_id.as_str()], |row| {
            Ok(Access {
                can_read: row.get(0)?,
                can_write: row.get(1)?,
            })
        })
        .optional()
        .map_err(from_sqlite)?;
    Ok(access.unwrap_or_default())
}

pub(crate) fn insert_secret_if_missing(conn: &Connection, name: &str, fresh: &[u8; 32]) -> StoreResult<()> {
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
        params![name, fresh.as_slice()],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub(crate) fn secret(conn: &Connection, name: &str) -> StoreResult<[u8; 32]> {
    let value: Vec<u8> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [name], |row| row.get(0))
        .map_err(from_sqlite)?;
    <[u8; 32]>::try_from(value.as_slice())
        .map_err(|_| StoreError::Backend(format!("secret {name:?} is not 32 bytes")))
}
