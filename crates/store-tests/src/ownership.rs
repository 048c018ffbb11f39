//! Ownership (issue 12): version rules per (id, submitter group), hub-wide owners of claimable ids, shadows,
//! deletes within one group, and concurrent first claims.

use store::{NewObject, Store, VersionSelector};

use crate::fixtures::{collection, indicator, indicator_id, ingest_as, query, run, versions_of};
use crate::objects::ipv4;

/// `indicator(n, version)` posted with a public id: claimable.
fn claimable(n: u32, version: u32) -> NewObject {
    NewObject {
        public_id: Some(format!("indicator--99999999-0000-4000-8000-{n:012}")),
        ..indicator(n, version)
    }
}

fn all_versions(coll: &store::CollectionId, id: &str) -> store::ObjectQuery {
    let mut all = query(coll);
    all.ids = vec![id.to_owned()];
    all.versions = VersionSelector::All;
    all
}

/// Another group's versions never count: its same version is stored anew, its newer version does not move
/// the first group's `last`, and its revocation does not stop the first group.
pub async fn versions_are_kept_per_group(store: &dyn Store) {
    let coll = collection(store, "groups").await;
    let mut revoked = indicator(1, 5);
    revoked.revoked = true;
    ingest_as(store, &coll, Some("a"), vec![indicator(1, 1), indicator(1, 2)]).await;
    let by_b = ingest_as(store, &coll, Some("b"), vec![indicator(1, 1), revoked]).await;
    assert_eq!(by_b.successes.len(), 2, "{by_b:?}");
    let by_a = ingest_as(store, &coll, Some("a"), vec![indicator(1, 3)]).await;
    assert!(by_a.failures.is_empty(), "b's revocation is b's: {by_a:?}");
    let all = run(store, all_versions(&coll, &indicator_id(1))).await;
    assert_eq!(all.records.len(), 5);
    let mut last = query(&coll);
    last.ids = vec![indicator_id(1)];
    let page = run(store, last.clone()).await;
    let mut served: Vec<(String, Option<String>)> = page
        .records
        .iter()
        .map(|r| {
            (
                r.version.clone().unwrap_or_default(),
                r.sharing.submitter_org.clone(),
            )
        })
        .collect();
    served.sort();
    assert_eq!(
        served,
        vec![
            ("2020-01-01T00:00:00.003Z".to_owned(), Some("a".to_owned())),
            ("2020-01-01T00:00:00.005Z".to_owned(), Some("b".to_owned())),
        ]
    );
    // The per-group bits also hold where the selection is computed (a row filter splits the versions).
    last.added_after = Some(0);
    assert_eq!(run(store, last).await.records.len(), 2);
    let by_b = ingest_as(store, &coll, Some("b"), vec![indicator(1, 6)]).await;
    assert_eq!(by_b.failures.len(), 1, "b's own revocation is final for b");
}

/// A deterministic-id SCO posted by two organisations is two submissions: each its own row and
/// `date_added`, and each organisation's status names its own.
pub async fn observables_are_each_groups_own(store: &dyn Store) {
    let coll = collection(store, "observables").await;
    let first = ingest_as(store, &coll, Some("a"), vec![ipv4("10.0.0.1", "")]).await;
    let second = ingest_as(store, &coll, Some("b"), vec![ipv4("10.0.0.1", "")]).await;
    assert_ne!(first.successes[0].version, second.successes[0].version);
    let again = ingest_as(store, &coll, Some("b"), vec![ipv4("10.0.0.1", "")]).await;
    assert_eq!(again.successes[0].version, second.successes[0].version);
    let all = run(store, all_versions(&coll, &ipv4("", "").id)).await;
    assert_eq!(all.records.len(), 2);
    assert!(all.records.iter().all(|r| !r.sharing.shadow));
}

/// The first group to store a claimable id owns it hub-wide (any collection); every other group's versions of
/// it are shadows; unclaimable objects are never shadows.
pub async fn first_claim_owns_and_others_are_shadows(store: &dyn Store) {
    let one = collection(store, "claims one").await;
    let two = collection(store, "claims two").await;
    ingest_as(store, &two, Some("b"), vec![claimable(2, 1)]).await;
    ingest_as(store, &one, Some("a"), vec![claimable(2, 2), claimable(3, 1)]).await;
    ingest_as(store, &one, Some("b"), vec![claimable(3, 2), claimable(2, 3)]).await;
    let mut owners = store
        .object_owners(vec![indicator_id(2), indicator_id(3), indicator_id(4)])
        .await
        .expect("object_owners");
    owners.sort();
    assert_eq!(
        owners,
        vec![
            (indicator_id(2), "org:b".to_owned()),
            (indicator_id(3), "org:a".to_owned()),
        ]
    );
    for (id, shadow_org) in [(indicator_id(2), "a"), (indicator_id(3), "b")] {
        let rows = run(store, all_versions(&one, &id)).await;
        assert_eq!(rows.records.len(), 2);
        for row in &rows.records {
            let is_shadow_org = row.sharing.submitter_org.as_deref() == Some(shadow_org);
            assert_eq!(row.sharing.shadow, is_shadow_org, "{row:?}");
        }
    }
    assert!(
        !run(store, all_versions(&two, &indicator_id(2))).await.records[0]
            .sharing
            .shadow
    );
}

/// A delete with a group touches only that group's versions (its own `last`); without one, every group's.
pub async fn delete_touches_only_one_group(store: &dyn Store) {
    let coll = collection(store, "group delete").await;
    ingest_as(store, &coll, Some("a"), vec![claimable(7, 1), claimable(7, 2)]).await;
    ingest_as(store, &coll, Some("b"), vec![claimable(7, 3)]).await;
    let deleted = store
        .delete_object(
            &coll,
            &indicator_id(7),
            Some("org:a".to_owned()),
            VersionSelector::last(),
            Vec::new(),
        )
        .await
        .expect("delete");
    assert_eq!(deleted, 1);
    let mut last = query(&coll);
    last.ids = vec![indicator_id(7)];
    let mut versions = versions_of(&run(store, last).await);
    versions.sort();
    assert_eq!(
        versions,
        vec!["2020-01-01T00:00:00.001Z", "2020-01-01T00:00:00.003Z"],
        "a's last moved back; b's untouched and still a shadow"
    );
    let rows = run(store, all_versions(&coll, &indicator_id(7))).await;
    assert!(rows.records.iter().any(|r| r.sharing.shadow));
    let none = store
        .delete_object(
            &coll,
            &indicator_id(7),
            Some("org:c".to_owned()),
            VersionSelector::All,
            Vec::new(),
        )
        .await
        .expect("delete");
    assert_eq!(none, 0);
    let all = store
        .delete_object(&coll, &indicator_id(7), None, VersionSelector::All, Vec::new())
        .await
        .expect("delete");
    assert_eq!(all, 2);
}

/// Many first claims of one id at once, from different groups into different collections: exactly one group
/// owns it, and exactly the other groups' versions are shadows.
pub async fn concurrent_first_claims_agree(store: &dyn Store) {
    const WRITERS: usize = 6;
    let mut collections = Vec::new();
    for writer in 0..WRITERS {
        collections.push(collection(store, &format!("race {writer}")).await);
    }
    let mut writes = Vec::new();
    for (writer, coll) in collections.iter().enumerate() {
        let org = format!("racer-{writer}");
        writes.push(async move {
            ingest_as(store, coll, Some(&org), vec![claimable(9, 1)]).await;
        });
    }
    crate::paging::join_all(writes).await;
    let owners = store
        .object_owners(vec![indicator_id(9)])
        .await
        .expect("object_owners");
    assert_eq!(owners.len(), 1);
    let owner = owners[0].1.clone();
    let mut n_owned = 0;
    for coll in &collections {
        let rows = run(store, all_versions(coll, &indicator_id(9))).await;
        assert_eq!(rows.records.len(), 1);
        let row = &rows.records[0];
        let group =
            store::plan::submitter_group(&row.sharing.submitter, row.sharing.submitter_org.as_deref());
        assert_eq!(row.sharing.shadow, group != owner, "{row:?}");
        n_owned += usize::from(!row.sharing.shadow);
    }
    assert_eq!(n_owned, 1);
}
