//! Runs the conformance suite of `store-tests` on SQLite, each test on a fresh store in its own directory, and
//! migrates a populated older schema.

store_tests::conformance_suite!(crate::tests::fresh_store);

pub(crate) async fn fresh_store() -> std::sync::Arc<dyn store::Store> {
    let dir = std::env::temp_dir().join(format!("stixhub-store-sqlite-{}", uuid::Uuid::new_v4()));
    std::sync::Arc::new(crate::SqliteStore::open(&dir).expect("a fresh store opens in a new temp dir"))
}

/// A database at schema 2 (before public ids, marking grants and reviews), holding an object posted by an
/// organisation's account, migrates to the current schema on open and serves the object unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_populated_schema_2_database_migrates() {
    use store::{CollectionId, ObjectQuery, Projection, ReviewState, Store, VersionSelector};

    let dir = std::env::temp_dir().join(format!("stixhub-store-sqlite-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let raw = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000001","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"}"#;
    {
        let mut conn = rusqlite::Connection::open(dir.join(crate::DATABASE_FILE)).expect("open");
        crate::schema::migrate_to(&mut conn, 2).expect("schema 2");
        conn.execute_batch(
            "INSERT INTO api_roots (name, title, max_content_length) VALUES ('api1', 'API', 1000);
             INSERT INTO collections (id, api_root, title, alias)
                 VALUES ('11111111-0000-4000-8000-000000000000', 'api1', 'Old', 'old');",
        )
        .expect("schema 2 rows");
        conn.execute(
            "INSERT INTO objects (coll, date_added, stix_id, object_type, version, version_text, spec_version,
                 revoked, flags, raw, submitter, submitter_org, recipients, markings)
             VALUES (1, 1000, 'indicator--00000000-0000-4000-8000-000000000001', 'indicator', 1577836800000000000,
                 '2020-01-01T00:00:00.000Z', '2.1', 0, 3, ?1, 'clerk', 'county-a', 'state', '')",
            [raw.as_bytes()],
        )
        .expect("schema 2 object");
    }
    let store = crate::SqliteStore::open(&dir).expect("migrates on open");
    let collection = CollectionId::new("11111111-0000-4000-8000-000000000000");
    let page = store
        .query_objects(ObjectQuery {
            collection: collection.clone(),
            ids: Vec::new(),
            types: Vec::new(),
            added_after: None,
            spec_versions: Vec::new(),
            versions: VersionSelector::All,
            after: None,
            limit: 10,
            projection: Projection::Full,
        })
        .await
        .expect("query");
    assert_eq!(page.records.len(), 1);
    assert_eq!(page.records[0].raw.as_deref(), Some(raw));
    assert_eq!(page.records[0].sharing.submitter_org.as_deref(), Some("county-a"));
    assert_eq!(page.records[0].sharing.recipients, vec!["state".to_owned()]);
    let by_public = store
        .ids_by_public_id(
            &collection,
            vec!["indicator--00000000-0000-4000-8000-000000000001".to_owned()],
        )
        .await
        .expect("public ids");
    assert!(
        by_public.is_empty(),
        "versions stored before migration 3 have no public id"
    );
    assert!(
        store
            .reviews(ReviewState::Pending, 10)
            .await
            .expect("reviews")
            .is_empty()
    );
    assert!(
        store
            .sharing_directory()
            .await
            .expect("directory")
            .marking_grants
            .is_empty()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
