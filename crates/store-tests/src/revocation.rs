//! Taking access back (issue 12): account changes and their epoch, token lists, expiry and revocation,
//! removing community members and admins.

use store::{Access, AccountChange, Community, EntityKind, Organisation, Store, StoreError, TokenRecord};

use crate::access::account;
use crate::fixtures::collection;

fn token(seed: u8, account: &str, expires_micros: Option<i64>) -> TokenRecord {
    TokenRecord {
        sha256: [seed; 32],
        account: account.to_owned(),
        created_micros: i64::from(seed),
        id: format!("id-{seed}"),
        expires_micros,
    }
}

/// Disable, enable, password change and ending sessions each bump the epoch; delete makes the account absent
/// (its name stays taken) and takes its tokens and grants with it.
pub async fn account_changes_bump_the_epoch(store: &dyn Store) {
    let coll = collection(store, "revocation").await;
    store.create_account(account("carol")).await.expect("create");
    store.create_account(account("dave")).await.expect("create");
    let disabled = store
        .change_account("carol", AccountChange::Disable)
        .await
        .expect("disable");
    assert!(disabled.disabled);
    assert_eq!(disabled.epoch, 1);
    let stored = store.account("carol").await.expect("account").expect("kept");
    assert_eq!(stored, disabled);
    let enabled = store
        .change_account("carol", AccountChange::Enable)
        .await
        .expect("enable");
    assert!(!enabled.disabled);
    assert_eq!(enabled.epoch, 2);
    let changed = store
        .change_account("carol", AccountChange::Password("$argon2id$new".to_owned()))
        .await
        .expect("password");
    assert_eq!(changed.password_hash, "$argon2id$new");
    assert_eq!(changed.epoch, 3);
    let ended = store
        .change_account("carol", AccountChange::EndSessions)
        .await
        .expect("end sessions");
    assert_eq!(ended.epoch, 4);
    let names: Vec<String> = store
        .accounts()
        .await
        .expect("accounts")
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, vec!["carol", "dave"]);

    let both = Access {
        can_read: true,
        can_write: true,
    };
    store.set_access("carol", &coll, both).await.expect("grant");
    store.create_token(token(1, "carol", None)).await.expect("token");
    let subscription = store::SubscriptionRecord {
        id: "00000000-0000-4000-8000-00000000c0c0".to_owned(),
        account: "carol".to_owned(),
        name: "feed".to_owned(),
        filter: "{}".to_owned(),
        created_micros: 1,
    };
    store
        .create_subscription(subscription)
        .await
        .expect("subscription");
    store
        .change_account("carol", AccountChange::Delete)
        .await
        .expect("delete");
    assert_eq!(store.account("carol").await.expect("account"), None);
    assert_eq!(store.account_for_token(&[1; 32], 0).await.expect("token"), None);
    assert!(store.tokens("carol").await.expect("tokens").is_empty());
    assert!(
        store
            .subscriptions(Some("carol".to_owned()))
            .await
            .expect("subscriptions")
            .is_empty()
    );
    assert_eq!(
        store.access("carol", &coll).await.expect("access"),
        Access::default()
    );
    assert!(matches!(
        store.set_access("carol", &coll, both).await,
        Err(StoreError::NotFound(EntityKind::Account))
    ));
    assert!(matches!(
        store.create_account(account("carol")).await,
        Err(StoreError::Conflict(_))
    ));
    for change in [AccountChange::Enable, AccountChange::Delete] {
        assert!(matches!(
            store.change_account("carol", change).await,
            Err(StoreError::NotFound(EntityKind::Account))
        ));
    }
    assert!(matches!(
        store.change_account("nobody", AccountChange::Disable).await,
        Err(StoreError::NotFound(EntityKind::Account))
    ));
    let names: Vec<String> = store
        .accounts()
        .await
        .expect("accounts")
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, vec!["dave"]);
}

/// Tokens are listed per account, stop resolving once expired, and are revoked by id or by hash.
pub async fn tokens_list_expire_and_revoke(store: &dyn Store) {
    store.create_account(account("erin")).await.expect("create");
    store.create_token(token(1, "erin", None)).await.expect("token");
    store
        .create_token(token(2, "erin", Some(100)))
        .await
        .expect("token");
    store.create_token(token(3, "erin", None)).await.expect("token");
    let listed = store.tokens("erin").await.expect("tokens");
    assert_eq!(
        listed,
        vec![
            token(1, "erin", None),
            token(2, "erin", Some(100)),
            token(3, "erin", None)
        ]
    );
    assert!(
        store
            .account_for_token(&[2; 32], 99)
            .await
            .expect("lookup")
            .is_some()
    );
    assert_eq!(
        store.find_token("id-2", &[0; 32]).await.expect("find"),
        Some(token(2, "erin", Some(100)))
    );
    assert_eq!(
        store.find_token("", &[3; 32]).await.expect("find").map(|t| t.id),
        Some("id-3".to_owned())
    );
    assert_eq!(store.find_token("id-9", &[9; 32]).await.expect("find"), None);
    assert!(
        store
            .account_for_token(&[2; 32], 100)
            .await
            .expect("lookup")
            .is_none()
    );

    assert_eq!(
        store.revoke_token("id-1", &[0; 32]).await.expect("revoke"),
        Some("erin".to_owned())
    );
    assert!(
        store
            .account_for_token(&[1; 32], 0)
            .await
            .expect("lookup")
            .is_none()
    );
    assert_eq!(
        store.revoke_token("not-an-id", &[3; 32]).await.expect("revoke"),
        Some("erin".to_owned())
    );
    assert!(
        store
            .account_for_token(&[3; 32], 0)
            .await
            .expect("lookup")
            .is_none()
    );
    assert_eq!(store.revoke_token("id-1", &[1; 32]).await.expect("again"), None);
    let left: Vec<String> = store
        .tokens("erin")
        .await
        .expect("tokens")
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(left, vec!["id-2"]);
}

/// Members and admins leave a community; removing one that is not there changes nothing.
pub async fn community_members_and_admins_are_removed(store: &dyn Store) {
    let org = Organisation {
        name: "county-z".to_owned(),
        government: true,
        consent: "none".to_owned(),
    };
    store.create_organisation(org).await.expect("org");
    let community = Community {
        name: "region".to_owned(),
        parent: None,
    };
    store.create_community(community).await.expect("community");
    store.create_account(account("frank")).await.expect("account");
    store
        .add_community_member("region", "county-z")
        .await
        .expect("member");
    store.add_community_admin("region", "frank").await.expect("admin");
    store
        .remove_community_member("region", "county-z")
        .await
        .expect("remove member");
    store
        .remove_community_admin("region", "frank")
        .await
        .expect("remove admin");
    store
        .remove_community_member("region", "county-z")
        .await
        .expect("again");
    let directory = store.sharing_directory().await.expect("directory");
    assert!(directory.members.is_empty());
    assert!(directory.community_admins.is_empty());
    assert!(matches!(
        store.remove_community_member("nowhere", "county-z").await,
        Err(StoreError::NotFound(EntityKind::Community))
    ));
    assert!(matches!(
        store.remove_community_admin("nowhere", "frank").await,
        Err(StoreError::NotFound(EntityKind::Community))
    ));
}
