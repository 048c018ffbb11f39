//! Hub-owned records (issues 15–18; contract in `store::records`).

use store::{Expect, RecordScan, RecordWrite, Store, StoreError};

fn keys(records: &[store::Record]) -> Vec<&str> {
    records.iter().map(|r| r.key.as_str()).collect()
}

/// Records are created, versioned, compared-and-swapped, deleted and scanned by prefix in byte order; a
/// batch with one failed expectation writes nothing.
pub async fn records_round_trip(store: &dyn Store) {
    let put = |key: &str, body: &str| RecordWrite::put("cases", key, body);
    let versions = store
        .write_records(
            vec![
                put("org/b/2", r#"{"n":2}"#),
                put("org/a/1", r#"{"n":1}"#),
                put("org/a/10", r#"{"n":10}"#),
                put("org/a/2", r#"{"n":2}"#),
                put("org/a%/x", "{}"),
                RecordWrite::put("other", "org/a/1", "{}"),
            ],
            1_000,
        )
        .await
        .expect("first writes");
    assert_eq!(versions, vec![1; 6]);
    let one = store
        .record("cases", "org/a/1")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        (one.version, one.updated_micros, one.body.as_str()),
        (1, 1_000, r#"{"n":1}"#)
    );
    assert_eq!(store.record("cases", "org/a/3").await.expect("get"), None);

    // Prefix scans: exact bytes (no wildcard meaning for `%` or `_`), key order, resumable, limited.
    let all_a = store
        .records(RecordScan::prefix("cases", "org/a/", 10))
        .await
        .expect("scan");
    assert_eq!(keys(&all_a), vec!["org/a/1", "org/a/10", "org/a/2"]);
    let mut resumed = RecordScan::prefix("cases", "org/a/", 1);
    resumed.after = Some("org/a/1".to_owned());
    assert_eq!(
        keys(&store.records(resumed).await.expect("scan")),
        vec!["org/a/10"]
    );
    let everything = store
        .records(RecordScan::prefix("cases", "", 100))
        .await
        .expect("scan");
    assert_eq!(everything.len(), 5, "the other namespace is not listed");

    // Compare-and-swap: the right version wins once; a stale version or an existing key is a conflict.
    let v2 = store
        .write_records(
            vec![put("org/a/1", r#"{"n":11}"#).expecting(Expect::Version(1))],
            2_000,
        )
        .await
        .expect("swap");
    assert_eq!(v2, vec![2]);
    let stale = store
        .write_records(vec![put("org/a/1", "{}").expecting(Expect::Version(1))], 3_000)
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let taken = store
        .write_records(vec![put("org/a/2", "{}").expecting(Expect::Absent)], 3_000)
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");

    // All or nothing: the first write of a failing batch is not kept.
    let batch = store
        .write_records(
            vec![
                put("org/c/1", "{}"),
                put("org/a/1", "{}").expecting(Expect::Version(1)),
            ],
            4_000,
        )
        .await;
    assert!(matches!(batch, Err(StoreError::Conflict(_))), "{batch:?}");
    assert_eq!(store.record("cases", "org/c/1").await.expect("get"), None);
    let kept = store
        .record("cases", "org/a/1")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!((kept.version, kept.body.as_str()), (2, r#"{"n":11}"#));

    // Deletes: conditional on the version, then gone; a new write starts again at version 1.
    let stale_delete = store
        .write_records(
            vec![RecordWrite::delete("cases", "org/a/1").expecting(Expect::Version(1))],
            5_000,
        )
        .await;
    assert!(
        matches!(stale_delete, Err(StoreError::Conflict(_))),
        "{stale_delete:?}"
    );
    store
        .write_records(
            vec![RecordWrite::delete("cases", "org/a/1").expecting(Expect::Version(2))],
            5_000,
        )
        .await
        .expect("delete");
    assert_eq!(store.record("cases", "org/a/1").await.expect("get"), None);
    let again = store
        .write_records(vec![put("org/a/1", "{}").expecting(Expect::Absent)], 6_000)
        .await
        .expect("recreate");
    assert_eq!(again, vec![1]);
}

/// Concurrent compare-and-swap increments of one record never lose an update.
pub async fn record_swaps_racing_lose_nothing(store: &dyn Store) {
    store
        .write_records(vec![RecordWrite::put("counters", "c", "0")], 1)
        .await
        .expect("seed");
    let incrementer = || async move {
        let mut done = 0;
        while done < 10 {
            let current = store.record("counters", "c").await.expect("get").expect("exists");
            let n: u64 = current.body.parse().expect("number");
            let write = RecordWrite::put("counters", "c", (n + 1).to_string())
                .expecting(Expect::Version(current.version));
            match store.write_records(vec![write], 2).await {
                Ok(_) => done += 1,
                Err(StoreError::Conflict(_)) => tokio::task::yield_now().await,
                Err(other) => panic!("{other:?}"),
            }
        }
    };
    tokio::join!(incrementer(), incrementer(), incrementer(), incrementer());
    let last = store.record("counters", "c").await.expect("get").expect("exists");
    assert_eq!((last.body.as_str(), last.version), ("40", 41));
}
