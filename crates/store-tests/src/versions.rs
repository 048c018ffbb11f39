//! Version selection: first, last, all, exact and their unions, and its interplay with `added_after`.

use stix::timestamp::Timestamp;
use store::{Store, VersionSelector};

use crate::fixtures::{collection, indicator, indicator_id, ingest, query, run, versions_of};

fn pick(first: bool, last: bool, exact: &[&str]) -> VersionSelector {
    let exact = exact
        .iter()
        .map(|t| Timestamp::parse(t).expect("test timestamp"))
        .collect();
    VersionSelector::Pick { first, last, exact }
}

/// Three versions posted out of order (2, 1, 3): each selector picks the right rows, ordered by `date_added`.
pub async fn version_selection_first_last_all_exact(store: &dyn Store) {
    let coll = collection(store, "versions").await;
    for version in [2, 1, 3] {
        ingest(store, &coll, vec![indicator(1, version)]).await;
    }
    ingest(store, &coll, vec![indicator(2, 1)]).await;
    let select = |versions: VersionSelector| {
        let mut q = query(&coll);
        q.ids = vec![indicator_id(1)];
        q.versions = versions;
        q
    };
    let v = |n: u32| format!("2020-01-01T00:00:00.{n:03}Z");
    assert_eq!(
        versions_of(&run(store, select(VersionSelector::last())).await),
        vec![v(3)]
    );
    assert_eq!(
        versions_of(&run(store, select(pick(true, false, &[]))).await),
        vec![v(1)]
    );
    assert_eq!(
        versions_of(&run(store, select(VersionSelector::All)).await),
        vec![v(2), v(1), v(3)]
    );
    assert_eq!(
        versions_of(&run(store, select(pick(false, false, &["2020-01-01T00:00:00.002Z"]))).await),
        vec![v(2)]
    );
    // Versions are instants: `.002000Z` equals `.002Z`.
    assert_eq!(
        versions_of(
            &run(
                store,
                select(pick(false, false, &["2020-01-01T00:00:00.002000Z"]))
            )
            .await
        ),
        vec![v(2)]
    );
    assert_eq!(
        versions_of(&run(store, select(pick(true, true, &[]))).await),
        vec![v(1), v(3)]
    );
    assert!(
        run(store, select(pick(false, false, &["2021-01-01T00:00:00Z"])))
            .await
            .records
            .is_empty()
    );
    // Without match[id], `last` is per object: one row each.
    let all_last = run(store, query(&coll)).await;
    assert_eq!(all_last.records.len(), 2);
}

/// `last` is chosen among the versions left after `added_after` (medallion's filter order): with versions
/// posted 1, 3, 2 and `added_after` = the `date_added` of version 3, `last` is version 2.
pub async fn version_selection_after_added_after(store: &dyn Store) {
    let coll = collection(store, "versions-after").await;
    let mut dates = Vec::new();
    for version in [1, 3, 2] {
        ingest(store, &coll, vec![indicator(7, version)]).await;
        let mut q = query(&coll);
        q.versions = VersionSelector::All;
        dates.push(
            run(store, q)
                .await
                .records
                .last()
                .map(|r| r.date_added)
                .expect("a row"),
        );
    }
    let mut q = query(&coll);
    q.added_after = Some(dates[1]);
    assert_eq!(
        versions_of(&run(store, q.clone()).await),
        vec!["2020-01-01T00:00:00.002Z"]
    );
    q.added_after = Some(dates[0]);
    assert_eq!(
        versions_of(&run(store, q.clone()).await),
        vec!["2020-01-01T00:00:00.003Z"]
    );
    q.versions = pick(true, false, &[]);
    assert_eq!(
        versions_of(&run(store, q).await),
        vec!["2020-01-01T00:00:00.002Z"]
    );
}
