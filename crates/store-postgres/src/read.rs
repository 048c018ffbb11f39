//! Reading objects: one SQL statement per page, keyset-paged on the primary key `(coll, date_added)`.
//!
//! Invariant: the SQL implements exactly the semantics documented on `store::ObjectQuery`. Version selection
//! uses the cached `flags` bits when no row filter can split an id's versions (no `added_after`, no
//! `match[spec_version]`); otherwise a row qualifies by its bit or, failing that, by a correlated
//! `NOT EXISTS` over `objects_identity`. List filters are bound as arrays (`= ANY($n)`). Page statements
//! are not cached: each is planned with its own values (one extra round trip, about 0.1 ms).
//!
//! Reads take no lock: `date_added` already follows commit order (see `objects`), so a plain READ COMMITTED
//! snapshot never shows a gap that a later commit could fill.

use deadpool_postgres::GenericClient;
use store::plan::{FIRST, LAST, SHADOW, UNVERSIONED, unversioned_date_added, version_key};
use store::{
    CollectionId, ObjectQuery, ObjectSharing, Page, Projection, StoreResult, StoredObject, VersionSelector,
};
use tokio_postgres::types::ToSql;

use crate::error::{column, from_pg};

/// A statement under construction: SQL text and its parameters, numbered in order.
struct Statement {
    sql: String,
    params: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl Statement {
    /// Binds `value` and returns its placeholder (`$n`).
    fn bind(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }
}

/// Runs one page query. An unknown collection reads as empty.
pub(crate) async fn query_objects(client: &impl GenericClient, query: &ObjectQuery) -> StoreResult<Page> {
    let with_raw = query.projection == Projection::Full;
    let mut stmt = Statement {
        sql: String::from(
            "SELECT o.date_added, o.stix_id, o.object_type, o.version_text, o.spec_version, o.submitter, \
             o.submitter_org, o.recipients, o.markings, o.flags",
        ),
        params: Vec::new(),
    };
    if with_raw {
        stmt.sql.push_str(", o.raw");
    }
    let collection = stmt.bind(query.collection.as_str().to_owned());
    stmt.sql.push_str(&format!(
        " FROM objects o WHERE o.coll = (SELECT seq FROM collections WHERE id = {collection})"
    ));
    for (column_name, values) in [
        ("o.stix_id", &query.ids),
        ("o.object_type", &query.types),
        ("o.spec_version", &query.spec_versions),
    ] {
        if !values.is_empty() {
            let list = stmt.bind(values.clone());
            stmt.sql.push_str(&format!(" AND {column_name} = ANY({list})"));
        }
    }
    let lower_bound = match (query.added_after, query.after) {
        (Some(added_after), Some(after)) => Some(added_after.max(after.0)),
        (added_after, after) => added_after.or(after.map(|position| position.0)),
    };
    if let Some(lower_bound) = lower_bound {
        let bound = stmt.bind(lower_bound);
        stmt.sql.push_str(&format!(" AND o.date_added > {bound}"));
    }
    push_version_selection(&mut stmt, query);
    let limit = query.limit.max(1);
    let fetch = stmt.bind(i64::try_from(limit).unwrap_or(i64::MAX - 1) + 1);
    stmt.sql
        .push_str(&format!(" ORDER BY o.date_added LIMIT {fetch}"));

    let params: Vec<&(dyn ToSql + Sync)> = stmt
        .params
        .iter()
        .map(|param| param.as_ref() as &(dyn ToSql + Sync))
        .collect();
    // An unnamed statement, planned with this execution's values: a cached generic plan, chosen after a
    // few executions on a common `match[type]` or id, would scan the whole collection for a rare one.
    let rows = client.query(stmt.sql.as_str(), &params).await.map_err(from_pg)?;
    let mut records = Vec::with_capacity(rows.len().min(limit));
    for row in &rows {
        let raw = if with_raw {
            let bytes: Vec<u8> = column(row, 10)?;
            Some(
                String::from_utf8(bytes)
                    .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned()),
            )
        } else {
            None
        };
        records.push(StoredObject {
            date_added: column(row, 0)?,
            id: column(row, 1)?,
            object_type: column(row, 2)?,
            version: column(row, 3)?,
            spec_version: column(row, 4)?,
            raw,
            sharing: ObjectSharing {
                submitter: column(row, 5)?,
                submitter_org: column(row, 6)?,
                recipients: split_lines(&column::<String>(row, 7)?),
                markings: split_lines(&column::<String>(row, 8)?),
                shadow: column::<i16>(row, 9)? & SHADOW != 0,
            },
        });
    }
    let more = records.len() > limit;
    records.truncate(limit);
    Ok(Page { records, more })
}

/// A newline-joined list (the storage of list-valued sharing facts) split back; empty text is no item.
pub(crate) fn split_lines(text: &str) -> Vec<String> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').map(str::to_owned).collect()
    }
}

/// True when the collection holds a version of `object_id`.
pub(crate) async fn object_exists(
    client: &impl GenericClient,
    collection: &CollectionId,
    object_id: &str,
) -> StoreResult<bool> {
    let stmt = client
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM objects WHERE coll = (SELECT seq FROM collections WHERE id = $1) \
             AND stix_id = $2)",
        )
        .await
        .map_err(from_pg)?;
    let row = client
        .query_one(&stmt, &[&collection.as_str(), &object_id])
        .await
        .map_err(from_pg)?;
    column(&row, 0)
}

fn push_version_selection(stmt: &mut Statement, query: &ObjectQuery) {
    let VersionSelector::Pick { first, last, exact } = &query.versions else {
        return;
    };
    let rows_split = query.added_after.is_some() || !query.spec_versions.is_empty();
    let mut alternatives: Vec<String> = Vec::new();
    for (wanted, flag, comparison) in [(*first, FIRST, "<"), (*last, LAST, ">")] {
        if !wanted {
            continue;
        }
        if !rows_split {
            alternatives.push(format!("(o.flags & {flag}) <> 0"));
            continue;
        }
        // A row that is the first (last) version overall and passed the row filters is also the first
        // (last) among the filtered rows, so the cached bit settles most rows without the subquery.
        let mut other = format!(
            "(o.flags & {flag}) <> 0 OR NOT EXISTS (SELECT 1 FROM objects p WHERE p.coll = o.coll \
             AND p.stix_id = o.stix_id AND p.grp = o.grp AND p.version {comparison} o.version"
        );
        if let Some(added_after) = query.added_after {
            let bound = stmt.bind(added_after);
            other.push_str(&format!(" AND p.date_added > {bound}"));
        }
        if !query.spec_versions.is_empty() {
            let list = stmt.bind(query.spec_versions.clone());
            other.push_str(&format!(" AND p.spec_version = ANY({list})"));
        }
        other.push(')');
        alternatives.push(format!("({other})"));
    }
    if !exact.is_empty() {
        let keys: Vec<i64> = exact.iter().map(version_key).collect();
        let list = stmt.bind(keys);
        let unversioned = stmt.bind(UNVERSIONED);
        alternatives.push(format!(
            "(o.version = ANY({list}) AND o.version <> {unversioned})"
        ));
        // An unversioned object's single version is shown as its `date_added` (manifest, versions), so that
        // instant selects it.
        let added: Vec<i64> = exact.iter().filter_map(unversioned_date_added).collect();
        if !added.is_empty() {
            let added = stmt.bind(added);
            alternatives.push(format!(
                "(o.version = {unversioned} AND o.date_added = ANY({added}))"
            ));
        }
    }
    if alternatives.is_empty() {
        stmt.sql.push_str(" AND false");
    } else {
        stmt.sql
            .push_str(&format!(" AND ({})", alternatives.join(" OR ")));
    }
}
