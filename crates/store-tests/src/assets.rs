//! Asset claims, notice keys and added recipients (issue 14; contract in `store::assets`).

use store::{AssetRecord, EntityKind, Organisation, Store, StoreError};

use crate::fixtures::{collection, indicator, ingest_as, query, run};

fn claim(id: &str, org: &str, kind: &str, value: &str) -> AssetRecord {
    AssetRecord {
        id: id.to_owned(),
        org: org.to_owned(),
        kind: kind.to_owned(),
        value: value.to_owned(),
        created_by: format!("{org}-admin"),
        created_micros: 1_000,
        verified_by: None,
        verified_micros: None,
    }
}

async fn organisation(store: &dyn Store, name: &str) {
    store
        .create_organisation(Organisation {
            name: name.to_owned(),
            government: false,
            consent: "none".to_owned(),
        })
        .await
        .expect("organisation");
}

/// Claims round-trip per organisation, are unique per (organisation, kind, value), are verified once and
/// deleted; an unknown organisation is refused.
pub async fn assets_round_trip(store: &dyn Store) {
    organisation(store, "county-a").await;
    organisation(store, "county-b").await;
    let a1 = claim("a-1", "county-a", "cidr", "198.51.100.0/24");
    store.create_asset(a1.clone()).await.expect("claim");
    let a2 = claim("a-2", "county-a", "domain", "county-a.example");
    store.create_asset(a2.clone()).await.expect("claim");
    // Another organisation may claim the same value (the hub flags the overlap); the same one may not.
    let b1 = claim("b-1", "county-b", "cidr", "198.51.100.0/24");
    store.create_asset(b1.clone()).await.expect("claim");
    let again = store
        .create_asset(claim("a-3", "county-a", "cidr", "198.51.100.0/24"))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let same_id = store
        .create_asset(claim("a-1", "county-a", "asn", "AS64500"))
        .await;
    assert!(matches!(same_id, Err(StoreError::Conflict(_))), "{same_id:?}");
    let unknown = store.create_asset(claim("x-1", "nobody", "asn", "AS64500")).await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound(EntityKind::Organisation))),
        "{unknown:?}"
    );

    assert_eq!(
        store.assets(Some("county-a".to_owned())).await.expect("list"),
        vec![a1.clone(), a2.clone()]
    );
    assert_eq!(
        store.assets(None).await.expect("list"),
        vec![a1.clone(), a2.clone(), b1.clone()]
    );
    assert_eq!(store.asset("b-1").await.expect("get"), Some(b1));
    assert_eq!(store.asset("nope").await.expect("get"), None);

    assert!(
        store
            .verify_asset("a-1", "state-admin", 2_000)
            .await
            .expect("verify")
    );
    assert!(
        store
            .verify_asset("a-1", "hub-admin", 3_000)
            .await
            .expect("verify again")
    );
    let verified = store.asset("a-1").await.expect("get").expect("present");
    assert_eq!(
        verified.verified_by.as_deref(),
        Some("state-admin"),
        "the first verifier stays"
    );
    assert_eq!(verified.verified_micros, Some(2_000));
    assert!(!store.verify_asset("nope", "hub-admin", 1).await.expect("unknown"));

    assert!(store.delete_asset("a-2").await.expect("delete"));
    assert!(!store.delete_asset("a-2").await.expect("delete again"));
    assert_eq!(
        store
            .assets(Some("county-a".to_owned()))
            .await
            .expect("list")
            .len(),
        1
    );
}

/// Each notice key is recorded once ever: a second claim, and racing claims, get it once in all.
pub async fn notice_keys_are_claimed_once(store: &dyn Store) {
    let keys = |range: std::ops::Range<u32>| {
        range
            .map(|n| format!("asset-1|indicator--{n}"))
            .collect::<Vec<_>>()
    };
    let sorted = |mut keys: Vec<String>| {
        keys.sort();
        keys
    };
    assert_eq!(
        sorted(store.claim_notices(keys(0..3)).await.expect("claim")),
        sorted(keys(0..3))
    );
    assert_eq!(
        sorted(store.claim_notices(keys(2..5)).await.expect("claim")),
        sorted(keys(3..5))
    );
    assert!(store.claim_notices(Vec::new()).await.expect("none").is_empty());
    let (a, b, c) = tokio::join!(
        store.claim_notices(keys(5..50)),
        store.claim_notices(keys(5..50)),
        store.claim_notices(keys(5..50)),
    );
    let mut total = Vec::new();
    for claimed in [a, b, c] {
        total.extend(claimed.expect("race"));
    }
    total.sort();
    let mut expected = keys(5..50);
    expected.sort();
    assert_eq!(total, expected, "every key exactly once across racers");
}

/// Recipients are added to one version, keeping its own, without duplicates; an unknown version is false.
pub async fn recipients_are_added_to_one_version(store: &dyn Store) {
    let coll = collection(store, "release").await;
    ingest_as(
        store,
        &coll,
        Some("state"),
        vec![indicator(1, 1), indicator(2, 1)],
    )
    .await;
    let page = run(store, query(&coll)).await;
    let first = &page.records[0];
    assert!(
        store
            .add_recipients(&coll, first.date_added, vec!["org:county-a".to_owned()])
            .await
            .expect("add")
    );
    assert!(
        store
            .add_recipients(
                &coll,
                first.date_added,
                vec!["org:county-a".to_owned(), "account:x".to_owned()]
            )
            .await
            .expect("add again")
    );
    let page = run(store, query(&coll)).await;
    assert_eq!(
        page.records[0].sharing.recipients,
        vec!["org:county-a".to_owned(), "account:x".to_owned()]
    );
    assert!(page.records[1].sharing.recipients.is_empty(), "only that version");
    assert!(
        !store
            .add_recipients(&coll, 1, vec!["org:x".to_owned()])
            .await
            .expect("unknown")
    );
}
