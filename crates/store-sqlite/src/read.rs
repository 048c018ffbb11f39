//! Reading objects: one SQL statement per page, keyset-paged on `(coll, date_added)`.
//!
//! Invariant: the SQL implements exactly the semantics documented on `store::ObjectQuery`. Version selection
//! uses the cached `flags` bits when no row filter can split an id's versions (no `added_after`, no
//! `match[spec_version]`), and a correlated `NOT EXISTS` over `objects_identity` otherwise, both per (id, group)
//! as `store::plan` keeps them.

use rusqlite::Connection;
use rusqlite::types::Value;
use store::plan::{SHADOW, UNVERSIONED, unversioned_date_added, version_key};
use store::{ObjectQuery, ObjectSharing, Page, Projection, StoreResult, StoredObject, VersionSelector};

use crate::error::from_sqlite;

use crate::objects::collection_seq;

/// Runs one page query.
pub(crate) fn query_objects(conn: &Connection, query: &ObjectQuery) -> StoreResult<Page> {
    let coll = match collection_seq(conn, &query.collection) {
        Ok(coll) => coll,
        Err(store::StoreError::NotFound(_)) => {
            return Ok(Page {
                records: Vec::new(),
                more: false,
            });
        }
        Err(err) => return Err(err),
    };
    let mut params: Vec<Value> = vec![Value::Integer(coll)];
    let limit = query.limit.max(1);
    let limit_plus_one = Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX - 1) + 1);
    let sql = if query.ids.is_empty() && query.types.len() > 1 {
        // One ordered index range per type, each cut at limit + 1, merged: never a scan of the whole
        // collection for rare types, never a sort of more than types × (limit + 1) rows.
        let mut branches = Vec::with_capacity(query.types.len());
        for object_type in &query.types {
            let branch = branch_sql(query, Some(object_type), &mut params);
            params.push(limit_plus_one.clone());
            branches.push(format!("SELECT * FROM ({branch} LIMIT ?{})", params.len()));
        }
        params.push(limit_plus_one);
        format!(
            "{} ORDER BY 1 LIMIT ?{}",
            branches.join(" UNION ALL "),
            params.len()
        )
    } else {
        let branch = branch_sql(query, None, &mut params);
        params.push(limit_plus_one);
        format!("{branch} LIMIT ?{}", params.len())
    };

    let mut stmt = conn.prepare_cached(&sql).map_err(from_sqlite)?;
    let with_raw = query.projection == Projection::Full;
    let mut records: Vec<StoredObject> = stmt
        .query_map(rusqlite::params_from_iter(params.iter()), |row| {
            let raw = if with_raw {
                let bytes: Vec<u8> = row.get(10)?;
                Some(
                    String::from_utf8(bytes)
                        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned()),
                )
            } else {
                None
            };
            Ok(StoredObject {
                date_added: row.get(0)?,
                id: row.get(1)?,
                object_type: row.get(2)?,
                version: row.get(3)?,
                spec_version: row.get(4)?,
                raw,
                sharing: ObjectSharing {
                    submitter: row.get(5)?,
                    submitter_org: row.get(6)?,
                    recipients: split_lines(&row.get::<_, String>(7)?),
                    markings: split_lines(&row.get::<_, String>(8)?),
                    shadow: row.get::<_, i64>(9)? & i64::from(SHADOW) != 0,
                },
            })
        })
        .and_then(Iterator::collect)
        .map_err(from_sqlite)?;
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
pub(crate) fn object_exists(
    conn: &Connection,
    collection: &store::CollectionId,
    object_id: &str,
) -> StoreResult<bool> {
    let coll = match collection_seq(conn, collection) {
        Ok(coll) => coll,
        Err(store::StoreError::NotFound(_)) => return Ok(false),
        Err(err) => return Err(err),
    };
    let mut stmt = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM objects WHERE coll = ?1 AND stix_id = ?2)")
        .map_err(from_sqlite)?;
    stmt.query_row(rusqlite::params![coll, object_id], |row| row.get(0))
        .map_err(from_sqlite)
}

/// `SELECT … ORDER BY date_added` over one index range: the rows of `query`, restricted to `only_type` when
/// given (otherwise to `query.types`), with the version selection applied. Pushes its parameters.
fn branch_sql(query: &ObjectQuery, only_type: Option<&String>, params: &mut Vec<Value>) -> String {
    let mut sql = String::from(
        "SELECT o.date_added, o.stix_id, o.object_type, o.version_text, o.spec_version, \
                      o.submitter, o.submitter_org, o.recipients, o.markings, o.flags",
    );
    if query.projection == Projection::Full {
        sql.push_str(", o.raw");
    }
    sql.push_str(" FROM objects o");
    let types: &[String] = match only_type {
        Some(object_type) => std::slice::from_ref(object_type),
        None => &query.types,
    };
    if !query.ids.is_empty() {
        sql.push_str(" INDEXED BY objects_identity");
    } else if types.len() == 1 {
        sql.push_str(" INDEXED BY objects_type");
    }
    sql.push_str(" WHERE o.coll = ?1");
    push_in_list(&mut sql, params, "o.stix_id", &query.ids);
    push_in_list(&mut sql, params, "o.object_type", types);
    push_in_list(&mut sql, params, "o.spec_version", &query.spec_versions);
    if let Some(added_after) = query.added_after {
        params.push(Value::Integer(added_after));
        sql.push_str(&format!(" AND o.date_added > ?{}", params.len()));
    }
    if let Some(after) = query.after {
        params.push(Value::Integer(after.0));
        sql.push_str(&format!(" AND o.date_added > ?{}", params.len()));
    }
    push_version_selection(&mut sql, params, query);
    sql.push_str(" ORDER BY o.date_added");
    sql
}

fn push_in_list(sql: &mut String, params: &mut Vec<Value>, column: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    sql.push_str(&format!(" AND {column} IN ("));
    for (value_idx, value) in values.iter().enumerate() {
        params.push(Value::Text(value.clone()));
        if value_idx > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("?{}", params.len()));
    }
    sql.push(')');
}

fn push_version_selection(sql: &mut String, params: &mut Vec<Value>, query: &ObjectQuery) {
    let VersionSelector::Pick { first, last, exact } = &query.versions else {
        return;
    };
    let rows_split = query.added_after.is_some() || !query.spec_versions.is_empty();
    let mut alternatives: Vec<String> = Vec::new();
    for (wanted, flag, comparison) in [(*first, 1, "<"), (*last, 2, ">")] {
        if !wanted {
            continue;
        }
        if !rows_split {
            alternatives.push(format!("(o.flags & {flag}) != 0"));
            continue;
        }
        let mut other = format!(
            "NOT EXISTS (SELECT 1 FROM objects p INDEXED BY objects_identity WHERE p.coll = o.coll \
             AND p.stix_id = o.stix_id AND p.grp = o.grp AND p.version {comparison} o.version"
        );
        if let Some(added_after) = query.added_after {
            params.push(Value::Integer(added_after));
            other.push_str(&format!(" AND p.date_added > ?{}", params.len()));
        }
        push_in_list(&mut other, params, "p.spec_version", &query.spec_versions);
        other.push(')');
        alternatives.push(other);
    }
    if !exact.is_empty() {
        let mut list = String::from("o.version IN (");
        for (version_idx, version) in exact.iter().enumerate() {
            params.push(Value::Integer(version_key(version)));
            if version_idx > 0 {
                list.push(',');
            }
            list.push_str(&format!("?{}", params.len()));
        }
        list.push(')');
        list.push_str(&format!(" AND o.version != {UNVERSIONED}"));
        alternatives.push(format!("({list})"));
        // An unversioned object's single version is shown as its `date_added` (manifest, versions), so that
        // instant selects it.
        let added: Vec<i64> = exact.iter().filter_map(unversioned_date_added).collect();
        if !added.is_empty() {
            let mut unversioned = format!("(o.version = {UNVERSIONED} AND o.date_added IN (");
            for (added_idx, micros) in added.into_iter().enumerate() {
                params.push(Value::Integer(micros));
                if added_idx > 0 {
                    unversioned.push(',');
                }
                unversioned.push_str(&format!("?{}", params.len()));
            }
            unversioned.push_str("))");
            alternatives.push(unversioned);
        }
    }
    if alternatives.is_empty() {
        sql.push_str(" AND 0");
    } else {
        sql.push_str(&format!(" AND ({})", alternatives.join(" OR ")));
    }
}
