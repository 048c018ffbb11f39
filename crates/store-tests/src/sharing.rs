//! The sharing model (issue 6): organisations, communities, memberships, audiences, roles and the sharing
//! facts kept with each object version.

use store::{
    Account, Community, EntityKind, IngestRequest, ObjectQuery, ObjectSharing, Organisation, Projection,
    Store, StoreError, VersionSelector,
};

use crate::fixtures::{collection, indicator};

fn org(name: &str, government: bool, consent: &str) -> Organisation {
    Organisation {
        name: name.to_owned(),
        government,
        consent: consent.to_owned(),
    }
}

fn community(name: &str, parent: Option<&str>) -> Community {
    Community {
        name: name.to_owned(),
        parent: parent.map(str::to_owned),
    }
}

/// Organisations, nested communities, memberships and audiences come back from `sharing_directory`, ordered;
/// duplicates conflict, unknown references are `NotFound`, repeated memberships and shares change nothing.
pub async fn sharing_directory_round_trips(store: &dyn Store) {
    let coll = collection(store, "shared").await;
    assert_eq!(
        store.sharing_directory().await.expect("directory"),
        Default::default()
    );
    store
        .create_organisation(org("ohio", true, "government"))
        .await
        .expect("org");
    store
        .create_organisation(org("county-a", true, "none"))
        .await
        .expect("org");
    assert!(matches!(
        store.create_organisation(org("ohio", false, "everyone")).await,
        Err(StoreError::Conflict(_))
    ));
    store
        .create_community(community("state", None))
        .await
        .expect("community");
    store
        .create_community(community("counties", Some("state")))
        .await
        .expect("child community");
    assert!(matches!(
        store.create_community(community("orphan", Some("nowhere"))).await,
        Err(StoreError::NotFound(EntityKind::Community))
    ));
    assert!(matches!(
        store.create_community(community("state", None)).await,
        Err(StoreError::Conflict(_))
    ));
    store.add_community_member("state", "ohio").await.expect("member");
    store
        .add_community_member("counties", "county-a")
        .await
        .expect("member");
    store
        .add_community_member("counties", "county-a")
        .await
        .expect("again");
    assert!(matches!(
        store.add_community_member("counties", "ghost").await,
        Err(StoreError::NotFound(EntityKind::Organisation))
    ));
    assert!(matches!(
        store.add_community_member("ghosts", "ohio").await,
        Err(StoreError::NotFound(EntityKind::Community))
    ));
    store.share_collection(&coll, "state").await.expect("share");
    store.share_collection(&coll, "state").await.expect("again");
    assert!(matches!(
        store.share_collection(&coll, "ghosts").await,
        Err(StoreError::NotFound(EntityKind::Community))
    ));
    assert!(matches!(
        store
            .share_collection(
                &store::CollectionId::new("00000000-0000-4000-8000-000000000000"),
                "state"
            )
            .await,
        Err(StoreError::NotFound(EntityKind::Collection))
    ));
    let directory = store.sharing_directory().await.expect("directory");
    assert_eq!(
        directory.organisations,
        vec![org("county-a", true, "none"), org("ohio", true, "government")]
    );
    assert_eq!(
        directory.communities,
        vec![community("counties", Some("state")), community("state", None)]
    );
    assert_eq!(
        directory.members,
        vec![
            ("counties".to_owned(), "county-a".to_owned()),
            ("state".to_owned(), "ohio".to_owned())
        ]
    );
    assert_eq!(directory.audiences, vec![(coll, "state".to_owned())]);
}

/// An account keeps its organisation and role.
pub async fn accounts_keep_organisation_and_role(store: &dyn Store) {
    let account = Account {
        name: "clerk".to_owned(),
        password_hash: String::new(),
        org: Some("county-b".to_owned()),
        is_admin: false,
        role: "org-admin".to_owned(),
        disabled: false,
        epoch: 0,
    };
    store.create_account(account.clone()).await.expect("account");
    assert_eq!(store.account("clerk").await.expect("account"), Some(account));
}

/// The submitter, its organisation, the recipients and each object's markings come back with both
/// projections, exactly as given at ingest.
pub async fn objects_keep_their_sharing_facts(store: &dyn Store) {
    let coll = collection(store, "facts").await;
    let mut marked = indicator(1, 1);
    marked.markings = vec![
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421".to_owned(),
        "marking-definition--0000000a-0000-4000-8000-000000000000".to_owned(),
    ];
    let request = IngestRequest {
        collection: coll.clone(),
        api_root: "root".to_owned(),
        status_id: "status-sharing-facts".to_owned(),
        account: "county-a-analyst".to_owned(),
        submitter_org: Some("county-a".to_owned()),
        recipients: vec!["state".to_owned(), "state partners".to_owned()],
        request_timestamp: 1_600_000_000_000_000,
        objects: vec![marked.clone(), indicator(2, 1)],
        failures: Vec::new(),
        pending: Vec::new(),
    };
    store.ingest(request).await.expect("ingest");
    for projection in [Projection::Full, Projection::Manifest] {
        let page = store
            .query_objects(ObjectQuery {
                collection: coll.clone(),
                ids: Vec::new(),
                types: Vec::new(),
                added_after: None,
                spec_versions: Vec::new(),
                versions: VersionSelector::All,
                after: None,
                limit: 10,
                projection,
            })
            .await
            .expect("query");
        let facts: Vec<&ObjectSharing> = page.records.iter().map(|r| &r.sharing).collect();
        let expected = |markings: Vec<String>| ObjectSharing {
            submitter: "county-a-analyst".to_owned(),
            submitter_org: Some("county-a".to_owned()),
            recipients: vec!["state".to_owned(), "state partners".to_owned()],
            markings,
            shadow: false,
        };
        assert_eq!(
            facts,
            vec![&expected(marked.markings.clone()), &expected(Vec::new())]
        );
    }
}
