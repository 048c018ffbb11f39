//! The sharing model (issue 6): organisations, communities, memberships and collection audiences.

use rusqlite::{Connection, params};
use store::{CollectionId, Community, EntityKind, Organisation, SharingDirectory, StoreError, StoreResult};

use crate::error::from_sqlite;

fn exists(conn: &Connection, sql: &str, key: &str) -> StoreResult<bool> {
    conn.prepare_cached(sql)
        .and_then(|mut stmt| stmt.query_row([key], |row| row.get(0)))
        .map_err(from_sqlite)
}

fn require(conn: &Connection, kind: EntityKind, key: &str) -> StoreResult<()> {
    let sql = match kind {
        EntityKind::Organisation => "SELECT EXISTS (SELECT 1 FROM organisations WHERE name = ?1)",
        EntityKind::Community => "SELECT EXISTS (SELECT 1 FROM communities WHERE name = ?1)",
        _ => "SELECT EXISTS (SELECT 1 FROM collections WHERE id = ?1)",
    };
    if exists(conn, sql, key)? {
        Ok(())
    } else {
        Err(StoreError::NotFound(kind))
    }
}

pub(crate) fn create_organisation(conn: &Connection, org: &Organisation) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO organisations (name, government, consent) VALUES (?1, ?2, ?3)",
        params![org.name, org.government, org.consent],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub(crate) fn create_community(conn: &Connection, community: &Community) -> StoreResult<()> {
    if let Some(parent) = &community.parent {
        require(conn, EntityKind::Community, parent)?;
    }
    conn.execute(
        "INSERT INTO communities (name, parent) VALUES (?1, ?2)",
        params![community.name, community.parent],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub(crate) fn add_community_member(conn: &Connection, community: &str, org: &str) -> StoreResult<()> {
    require(conn, EntityKind::Community, community)?;
    require(conn, EntityKind::Organisation, org)?;
    conn.execute(
        "INSERT OR IGNORE INTO community_members (community, org) VALUES (?1, ?2)",
        params![community, org],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub(crate) fn share_collection(
    conn: &Connection,
    collection: &CollectionId,
    community: &str,
) -> StoreResult<()> {
    require(conn, EntityKind::Collection, collection.as_str())?;
    require(conn, EntityKind::Community, community)?;
    conn.execute(
        "INSERT OR IGNORE INTO collection_audiences (collection_id, community) VALUES (?1, ?2)",
        params![collection.as_str(), community],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub(crate) fn sharing_directory(conn: &Connection) -> StoreResult<SharingDirectory> {
    let organisations = conn
        .prepare_cached("SELECT name, government, consent FROM organisations ORDER BY name")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| {
                Ok(Organisation {
                    name: row.get(0)?,
                    government: row.get(1)?,
                    consent: row.get(2)?,
                })
            })
            .and_then(Iterator::collect)
        })
        .map_err(from_sqlite)?;
    let communities = conn
        .prepare_cached("SELECT name, parent FROM communities ORDER BY name")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| {
                Ok(Community {
                    name: row.get(0)?,
                    parent: row.get(1)?,
                })
            })
            .and_then(Iterator::collect)
        })
        .map_err(from_sqlite)?;
    let members = conn
        .prepare_cached("SELECT community, org FROM community_members ORDER BY community, org")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .and_then(Iterator::collect)
        })
        .map_err(from_sqlite)?;
    let audiences = conn
        .prepare_cached(
            "SELECT collection_id, community FROM collection_audiences ORDER BY collection_id, community",
        )
        .and_then(|mut stmt| {
            stmt.query_map([], |row| {
                Ok((CollectionId::new(row.get::<_, String>(0)?), row.get(1)?))
            })
            .and_then(Iterator::collect)
        })
        .map_err(from_sqlite)?;
    Ok(SharingDirectory {
        organisations,
        communities,
        members,
        audiences,
    })
}
