//! Statuses, accounts, tokens, grants, API roots, collections and secrets.

use store::{Access, Account, ApiRoot, Collection, CollectionId, EntityKind, Store, StoreError, TokenRecord};

use crate::fixtures::{collection, indicator, ingest};

/// A status is kept as returned by `ingest`, and purged only when older than the cut-off.
pub async fn statuses_persist(store: &dyn Store) {
    let coll = collection(store, "statuses").await;
    let status = ingest(store, &coll, vec![indicator(1, 1), indicator(2, 1)]).await;
    let kept = store
        .status("root", &status.id)
        .await
        .expect("status")
        .expect("kept");
    assert_eq!(kept, status);
    assert!(
        store
            .status("other-root", &status.id)
            .await
            .expect("status")
            .is_none()
    );
    assert_eq!(
        store
            .purge_statuses(status.request_timestamp)
            .await
            .expect("purge"),
        0
    );
    assert!(
        store
            .purge_statuses(status.request_timestamp + 1)
            .await
            .expect("purge")
            >= 1
    );
    assert!(store.status("root", &status.id).await.expect("status").is_none());
}

pub(crate) fn account(name: &str) -> Account {
    Account {
        name: name.to_owned(),
        password_hash: "$argon2id$fake".to_owned(),
        org: None,
        is_admin: false,
        role: "member".to_owned(),
        disabled: false,
        epoch: 0,
    }
}

/// Accounts are unique; tokens resolve by hash; grants are set and read per collection.
pub async fn accounts_tokens_and_grants(store: &dyn Store) {
    let coll = collection(store, "grants").await;
    assert_eq!(store.count_accounts().await.expect("count"), 0);
    store.create_account(account("alice")).await.expect("create");
    assert!(matches!(
        store.create_account(account("alice")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.count_accounts().await.expect("count"), 1);
    assert_eq!(
        store.account("alice").await.expect("account"),
        Some(account("alice"))
    );
    assert_eq!(store.account("bob").await.expect("account"), None);

    let token = TokenRecord {
        sha256: [7; 32],
        account: "alice".to_owned(),
        created_micros: 1,
        id: "t7".to_owned(),
        expires_micros: None,
    };
    store.create_token(token).await.expect("token");
    assert_eq!(
        store
            .account_for_token(&[7; 32], 2)
            .await
            .expect("lookup")
            .map(|a| a.name),
        Some("alice".to_owned())
    );
    assert_eq!(store.account_for_token(&[8; 32], 2).await.expect("lookup"), None);
    let orphan = TokenRecord {
        sha256: [9; 32],
        account: "nobody".to_owned(),
        created_micros: 1,
        id: "t9".to_owned(),
        expires_micros: None,
    };
    assert!(matches!(
        store.create_token(orphan).await,
        Err(StoreError::NotFound(EntityKind::Account))
    ));

    assert_eq!(
        store.access("alice", &coll).await.expect("access"),
        Access::default()
    );
    let read_only = Access {
        can_read: true,
        can_write: false,
    };
    store.set_access("alice", &coll, read_only).await.expect("grant");
    assert_eq!(store.access("alice", &coll).await.expect("access"), read_only);
    let both = Access {
        can_read: true,
        can_write: true,
    };
    store.set_access("alice", &coll, both).await.expect("grant");
    assert_eq!(store.access("alice", &coll).await.expect("access"), both);
    let unknown = CollectionId::new("00000000-0000-4000-8000-000000000000");
    assert!(matches!(
        store.set_access("alice", &unknown, both).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.set_access("bob", &coll, both).await,
        Err(StoreError::NotFound(_))
    ));
}

/// API roots keep creation order; collections resolve by id or alias; aliases are unique per API root.
pub async fn collections_and_api_roots(store: &dyn Store) {
    let first = collection(store, "alpha").await;
    let second_root = ApiRoot {
        name: "second".to_owned(),
        title: "Second".to_owned(),
        description: None,
        max_content_length: 10,
    };
    store.create_api_root(second_root.clone()).await.expect("root");
    assert!(matches!(
        store.create_api_root(second_root).await,
        Err(StoreError::Conflict(_))
    ));
    let names: Vec<String> = store
        .api_roots()
        .await
        .expect("roots")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, vec!["root", "second"]);

    let by_alias = store
        .collection("root", "alpha")
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(by_alias.id, first);
    assert_eq!(
        store
            .collection("root", first.as_str())
            .await
            .expect("lookup")
            .map(|c| c.id),
        Some(first.clone())
    );
    assert_eq!(store.collection("second", "alpha").await.expect("lookup"), None);
    assert_eq!(
        store
            .find_collection("alpha")
            .await
            .expect("lookup")
            .map(|c| c.id),
        Some(first.clone())
    );

    let clash = Collection {
        id: CollectionId::new("11111111-1111-4111-8111-111111111111"),
        api_root: "root".to_owned(),
        title: "clash".to_owned(),
        description: None,
        alias: Some("alpha".to_owned()),
    };
    assert!(matches!(
        store.create_collection(clash.clone()).await,
        Err(StoreError::Conflict(_))
    ));
    let elsewhere = Collection {
        api_root: "second".to_owned(),
        ..clash.clone()
    };
    store
        .create_collection(elsewhere)
        .await
        .expect("the same alias in another api root");
    let orphan = Collection {
        api_root: "nowhere".to_owned(),
        id: CollectionId::new("22222222-2222-4222-8222-222222222222"),
        ..clash
    };
    assert!(matches!(
        store.create_collection(orphan).await,
        Err(StoreError::NotFound(EntityKind::ApiRoot))
    ));
    let second = collection(store, "beta").await;
    let listed: Vec<CollectionId> = store
        .collections("root")
        .await
        .expect("list")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(listed, vec![first, second]);
}

/// A named secret is created once and then stable.
pub async fn secrets_are_stable(store: &dyn Store) {
    let first = store.secret("cursor").await.expect("secret");
    let again = store.secret("cursor").await.expect("secret");
    let other = store.secret("other").await.expect("secret");
    assert_eq!(first, again);
    assert_ne!(first, other);
}
