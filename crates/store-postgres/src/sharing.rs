//! The sharing model (issue 6): organisations, communities, memberships and collection audiences.
//!
//! Rows here are never deleted, so checking that a referenced row exists before inserting needs no lock.

use deadpool_postgres::GenericClient;
use store::{CollectionId, Community, EntityKind, Organisation, SharingDirectory, StoreError, StoreResult};

use crate::error::{column, from_pg};

async fn require(client: &impl GenericClient, kind: EntityKind, key: &str) -> StoreResult<()> {
    let sql = match kind {
        EntityKind::Organisation => "SELECT EXISTS (SELECT 1 FROM organisations WHERE name = $1)",
        EntityKind::Community => "SELECT EXISTS (SELECT 1 FROM communities WHERE name = $1)",
        _ => "SELECT EXISTS (SELECT 1 FROM collections WHERE id = $1)",
    };
    let row = client.query_one(sql, &[&key]).await.map_err(from_pg)?;
    if column::<bool>(&row, 0)? {
        Ok(())
    } else {
        Err(StoreError::NotFound(kind))
    }
}

pub(crate) async fn create_organisation(client: &impl GenericClient, org: &Organisation) -> StoreResult<()> {
    client
        .execute(
            "INSERT INTO organisations (name, government, consent) VALUES ($1, $2, $3)",
            &[&org.name, &org.government, &org.consent],
        )
        .await
        .map_err(from_pg)?;
    Ok(())
}

pub(crate) async fn create_community(client: &impl GenericClient, community: &Community) -> StoreResult<()> {
    if let Some(parent) = &community.parent {
        require(client, EntityKind::Community, parent).await?;
    }
    client
        .execute(
            "INSERT INTO communities (name, parent) VALUES ($1, $2)",
            &[&community.name, &community.parent],
        )
        .await
        .map_err(from_pg)?;
    Ok(())
}

pub(crate) async fn add_community_member(
    client: &impl GenericClient,
    community: &str,
    org: &str,
) -> StoreResult<()> {
    require(client, EntityKind::Community, community).await?;
    require(client, EntityKind::Organisation, org).await?;
    client
        .execute(
            "INSERT INTO community_members (community, org) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&community, &org],
        )
        .await
        .map_err(from_pg)?;
    Ok(())
}

pub(crate) async fn share_collection(
    client: &impl GenericClient,
    collection: &CollectionId,
    community: &str,
) -> StoreResult<()> {
    require(client, EntityKind::Collection, collection.as_str()).await?;
    require(client, EntityKind::Community, community).await?;
    client
        .execute(
            "INSERT INTO collection_audiences (collection_id, community) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&collection.as_str(), &community],
        )
        .await
        .map_err(from_pg)?;
    Ok(())
}

pub(crate) async fn sharing_directory(client: &impl GenericClient) -> StoreResult<SharingDirectory> {
    let mut directory = SharingDirectory::default();
    for row in client
        .query(
            "SELECT name, government, consent FROM organisations ORDER BY name",
            &[],
        )
        .await
        .map_err(from_pg)?
    {
        directory.organisations.push(Organisation {
            name: column(&row, 0)?,
            government: column(&row, 1)?,
            consent: column(&row, 2)?,
        });
    }
    for row in client
        .query("SELECT name, parent FROM communities ORDER BY name", &[])
        .await
        .map_err(from_pg)?
    {
        directory.communities.push(Community {
            name: column(&row, 0)?,
            parent: column(&row, 1)?,
        });
    }
    for row in client
        .query(
            "SELECT community, org FROM community_members ORDER BY community, org",
            &[],
        )
        .await
        .map_err(from_pg)?
    {
        directory.members.push((column(&row, 0)?, column(&row, 1)?));
    }
    for row in client
        .query(
            "SELECT collection_id, community FROM collection_audiences ORDER BY collection_id, community",
            &[],
        )
        .await
        .map_err(from_pg)?
    {
        directory
            .audiences
            .push((CollectionId::new(column::<String>(&row, 0)?), column(&row, 1)?));
    }
    for row in client
        .query(
            "SELECT community, account FROM community_admins ORDER BY community, account",
            &[],
        )
        .await
        .map_err(from_pg)?
    {
        directory
            .community_admins
            .push((column(&row, 0)?, column(&row, 1)?));
    }
    for row in client
        .query(
            "SELECT account, marking_id FROM marking_grants ORDER BY account, marking_id",
            &[],
        )
        .await
        .map_err(from_pg)?
    {
        directory
            .marking_grants
            .push((column(&row, 0)?, column(&row, 1)?));
    }
    Ok(directory)
}

pub(crate) async fn add_community_admin(
    client: &impl GenericClient,
    community: &str,
    account: &str,
) -> StoreResult<()> {
    for (sql, kind, key) in [
        (
            "SELECT 1 FROM communities WHERE name = $1",
            EntityKind::Community,
            community,
        ),
        (
            "SELECT 1 FROM accounts WHERE name = $1 AND NOT deleted",
            EntityKind::Account,
            account,
        ),
    ] {
        if client.query_opt(sql, &[&key]).await.map_err(from_pg)?.is_none() {
            return Err(StoreError::NotFound(kind));
        }
    }
    client
        .execute(
            "INSERT INTO community_admins (community, account) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&community, &account],
        )
        .await
        .map_err(from_pg)?;
    Ok(())
}

/// Deletes a community's direct member or named admin (`table` is `community_members` with column `org`, or
/// `community_admins` with column `account`).
pub(crate) async fn remove_from_community(
    client: &impl GenericClient,
    table: &str,
    column_name: &str,
    community: &str,
    key: &str,
) -> StoreResult<()> {
    if client
        .query_opt("SELECT 1 FROM communities WHERE name = $1", &[&community])
        .await
        .map_err(from_pg)?
        .is_none()
    {
        return Err(StoreError::NotFound(EntityKind::Community));
    }
    client
        .execute(
            &format!("DELETE FROM {table} WHERE community = $1 AND {column_name} = $2"),
            &[&community, &key],
        )
        .await
        .map_err(from_pg)?;
    Ok(())
}

pub(crate) async fn set_marking_grant(
    client: &impl GenericClient,
    account: &str,
    marking_id: &str,
    granted: bool,
) -> StoreResult<()> {
    let known = client
        .query_opt(
            "SELECT 1 FROM accounts WHERE name = $1 AND NOT deleted",
            &[&account],
        )
        .await
        .map_err(from_pg)?;
    if known.is_none() {
        return Err(StoreError::NotFound(EntityKind::Account));
    }
    let sql = if granted {
        "INSERT INTO marking_grants (account, marking_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM marking_grants WHERE account = $1 AND marking_id = $2"
    };
    client
        .execute(sql, &[&account, &marking_id])
        .await
        .map_err(from_pg)?;
    Ok(())
}

/// `(public id, stored id)` pairs of `collection` for the public ids in `ids`.
pub(crate) async fn ids_by_public_id(
    client: &impl GenericClient,
    collection: &CollectionId,
    ids: &[String],
) -> StoreResult<Vec<(String, String)>> {
    let rows = client
        .query(
            "SELECT DISTINCT o.public_id, o.stix_id FROM objects o JOIN collections c ON c.seq = o.coll \
             WHERE c.id = $1 AND o.public_id = ANY($2) ORDER BY 1, 2",
            &[&collection.as_str(), &ids],
        )
        .await
        .map_err(from_pg)?;
    rows.iter()
        .map(|row| Ok((column(row, 0)?, column(row, 1)?)))
        .collect()
}

/// The owning group of each of `ids` that has one.
pub(crate) async fn object_owners(
    client: &impl GenericClient,
    ids: &[String],
) -> StoreResult<Vec<(String, String)>> {
    let stmt = client
        .prepare_cached("SELECT stix_id, grp FROM object_owners WHERE stix_id = ANY($1)")
        .await
        .map_err(from_pg)?;
    let rows = client.query(&stmt, &[&ids]).await.map_err(from_pg)?;
    rows.iter()
        .map(|row| Ok((column(row, 0)?, column(row, 1)?)))
        .collect()
}

/// Those of `ids` with a version in `collection` submitted by `org`.
pub(crate) async fn ids_submitted_by(
    client: &impl GenericClient,
    collection: &CollectionId,
    org: &str,
    ids: &[String],
) -> StoreResult<Vec<String>> {
    let rows = client
        .query(
            "SELECT DISTINCT o.stix_id FROM objects o JOIN collections c ON c.seq = o.coll \
             WHERE c.id = $1 AND o.stix_id = ANY($2) AND o.submitter_org = $3 ORDER BY 1",
            &[&collection.as_str(), &ids, &org],
        )
        .await
        .map_err(from_pg)?;
    rows.iter().map(|row| column(row, 0)).collect()
}
