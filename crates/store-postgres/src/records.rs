//! Hub-owned records (issues 15–18; contract in `store::records`). Each write is one statement whose
//! condition is the expectation, so concurrent writers on several nodes see a compare-and-swap; a batch is one
//! transaction.

use deadpool_postgres::GenericClient;
use store::{Expect, Record, RecordScan, RecordWrite, StoreResult, expectation_failed};

use crate::error::{column, from_pg};

fn record_from_row(row: &tokio_postgres::Row) -> StoreResult<Record> {
    Ok(Record {
        ns: column(row, 0)?,
        key: column(row, 1)?,
        version: column(row, 2)?,
        updated_micros: column(row, 3)?,
        body: column(row, 4)?,
    })
}

pub(crate) async fn write(
    client: &mut deadpool_postgres::Client,
    writes: &[RecordWrite],
    now_micros: i64,
) -> StoreResult<Vec<i64>> {
    let tx = client.transaction().await.map_err(from_pg)?;
    let mut versions = Vec::with_capacity(writes.len());
    for write in writes {
        let (ns, key) = (&write.ns, &write.key);
        let applied: Option<i64> = match (&write.body, write.expect) {
            (Some(body), Expect::Any) => Some(column(
                &tx.query_one(
                    "INSERT INTO records (ns, key, version, updated_micros, body) VALUES ($1, $2, 1, $3, $4) \
                     ON CONFLICT (ns, key) DO UPDATE SET version = records.version + 1, \
                     updated_micros = excluded.updated_micros, body = excluded.body RETURNING version",
                    &[ns, key, &now_micros, body],
                )
                .await
                .map_err(from_pg)?,
                0,
            )?),
            (Some(body), Expect::Absent) => tx
                .query_opt(
                    "INSERT INTO records (ns, key, version, updated_micros, body) VALUES ($1, $2, 1, $3, $4) \
                     ON CONFLICT (ns, key) DO NOTHING RETURNING version",
                    &[ns, key, &now_micros, body],
                )
                .await
                .map_err(from_pg)?
                .map(|row| column(&row, 0))
                .transpose()?,
            (Some(body), Expect::Version(v)) => tx
                .query_opt(
                    "UPDATE records SET version = version + 1, updated_micros = $3, body = $4 \
                     WHERE ns = $1 AND key = $2 AND version = $5 RETURNING version",
                    &[ns, key, &now_micros, body, &v],
                )
                .await
                .map_err(from_pg)?
                .map(|row| column(&row, 0))
                .transpose()?,
            (None, Expect::Any) => {
                tx.execute("DELETE FROM records WHERE ns = $1 AND key = $2", &[ns, key])
                    .await
                    .map_err(from_pg)?;
                Some(0)
            }
            (None, Expect::Version(v)) => {
                let n = tx
                    .execute(
                        "DELETE FROM records WHERE ns = $1 AND key = $2 AND version = $3",
                        &[ns, key, &v],
                    )
                    .await
                    .map_err(from_pg)?;
                (n == 1).then_some(0)
            }
            (None, Expect::Absent) => {
                let exists = tx
                    .query_opt("SELECT 1 FROM records WHERE ns = $1 AND key = $2", &[ns, key])
                    .await
                    .map_err(from_pg)?;
                exists.is_none().then_some(0)
            }
        };
        match applied {
            Some(version) => versions.push(version),
            None => {
                let found = tx
                    .query_opt(
                        "SELECT version FROM records WHERE ns = $1 AND key = $2",
                        &[ns, key],
                    )
                    .await
                    .map_err(from_pg)?
                    .map(|row| column(&row, 0))
                    .transpose()?;
                return Err(expectation_failed(write, found));
            }
        }
    }
    tx.commit().await.map_err(from_pg)?;
    Ok(versions)
}

pub(crate) async fn get(client: &impl GenericClient, ns: &str, key: &str) -> StoreResult<Option<Record>> {
    client
        .query_opt(
            "SELECT ns, key, version, updated_micros, body FROM records WHERE ns = $1 AND key = $2",
            &[&ns, &key],
        )
        .await
        .map_err(from_pg)?
        .as_ref()
        .map(record_from_row)
        .transpose()
}

pub(crate) async fn scan(client: &impl GenericClient, scan: &RecordScan) -> StoreResult<Vec<Record>> {
    let limit = i64::try_from(scan.limit).unwrap_or(i64::MAX);
    client
        .query(
            "SELECT ns, key, version, updated_micros, body FROM records \
             WHERE ns = $1 AND key >= $2 AND ($3::text IS NULL OR key > $3) AND starts_with(key, $2) \
             ORDER BY key LIMIT $4",
            &[&scan.ns, &scan.prefix, &scan.after, &limit],
        )
        .await
        .map_err(from_pg)?
        .iter()
        .map(record_from_row)
        .collect()
}
