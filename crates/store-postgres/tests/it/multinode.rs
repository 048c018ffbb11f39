//! Several "nodes" (stores with their own pools, as separate `stixhub serve` processes would have) on one
//! database: concurrent writers through both, a reader paging with `added_after` through one of them.
//! Nothing may be lost or repeated, `date_added` must strictly increase along the walk, and no version
//! N + 1 of an id may appear before version N (standards §5 trap 18).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use stix::timestamp::Timestamp;
use store::{
    ApiRoot, Collection, CollectionId, IngestRequest, NewObject, ObjectQuery, Projection, Store,
    VersionSelector,
};
use store_postgres::PostgresStore;

use crate::harness::{TestSchema, database_url};

const N_WRITERS: u32 = 6;
const IDS_PER_WRITER: u32 = 8;
const N_VERSIONS: u32 = 12;

fn object(n: u32, version: u32) -> NewObject {
    let id = format!("indicator--00000000-0000-4000-8000-{n:012}");
    let modified = format!("2021-01-01T00:00:{:02}.000Z", version);
    NewObject {
        raw: format!(
            r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","created":"2021-01-01T00:00:00.000Z","modified":"{modified}"}}"#
        ),
        id,
        object_type: "indicator".to_owned(),
        version: Some(Timestamp::parse(&modified).expect("fixture timestamp")),
        spec_version: "2.1".to_owned(),
        revoked: false,
        markings: Vec::new(),
        public_id: None,
    }
}

fn walk_query(collection: &CollectionId, added_after: Option<i64>) -> ObjectQuery {
    ObjectQuery {
        collection: collection.clone(),
        ids: Vec::new(),
        types: Vec::new(),
        added_after,
        spec_versions: Vec::new(),
        versions: VersionSelector::All,
        after: None,
        limit: 17,
        projection: Projection::Manifest,
    }
}

/// One record of the walk: (date_added, id, version).
type Seen = (i64, String, String);

async fn walk_step(
    store: &PostgresStore,
    collection: &CollectionId,
    added_after: &mut Option<i64>,
) -> Vec<Seen> {
    let page = store
        .query_objects(walk_query(collection, *added_after))
        .await
        .expect("a page");
    if let Some(last) = page.records.last() {
        *added_after = Some(last.date_added);
    }
    page.records
        .into_iter()
        .map(|r| (r.date_added, r.id, r.version.unwrap_or_default()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_ingesting_while_a_reader_pages_lose_and_reorder_nothing() {
    let Some(url) = database_url("two_nodes_ingesting_while_a_reader_pages_lose_and_reorder_nothing") else {
        return;
    };
    let schema = TestSchema::create(&url).await;
    let schema_url = schema.url();
    let (node_a, node_b) = tokio::join!(
        PostgresStore::connect_with_max_connections(&schema_url, 4),
        PostgresStore::connect_with_max_connections(&schema_url, 4),
    );
    let nodes = [node_a.expect("node a"), node_b.expect("node b")];
    nodes[0]
        .create_api_root(ApiRoot {
            name: "root".to_owned(),
            title: "Root".to_owned(),
            description: None,
            max_content_length: 1 << 20,
        })
        .await
        .expect("api root");
    let collection = CollectionId::new("6a3c1b2e-0000-4000-8000-000000000001");
    nodes[1]
        .create_collection(Collection {
            id: collection.clone(),
            api_root: "root".to_owned(),
            title: "multi-node".to_owned(),
            description: None,
            alias: None,
        })
        .await
        .expect("collection");

    let mut writers = Vec::new();
    for writer_idx in 0..N_WRITERS {
        let nodes = nodes.clone();
        let collection = collection.clone();
        writers.push(tokio::spawn(async move {
            for version in 1..=N_VERSIONS {
                // Each version of this writer's ids goes through the other node than the previous one.
                let node = &nodes[usize::try_from((writer_idx + version) % 2).expect("0 or 1")];
                let objects = (0..IDS_PER_WRITER)
                    .map(|k| object(writer_idx * 100 + k, version))
                    .collect();
                let request = IngestRequest {
                    collection: collection.clone(),
                    api_root: "root".to_owned(),
                    status_id: format!("status-{writer_idx}-{version}"),
                    account: "tester".to_owned(),
                    submitter_org: None,
                    recipients: Vec::new(),
                    request_timestamp: 1,
                    objects,
                    failures: Vec::new(),
                    pending: Vec::new(),
                };
                let status = node.ingest(request).await.expect("ingest");
                assert_eq!(status.successes.len(), IDS_PER_WRITER as usize);
            }
        }));
    }

    let mut seen: Vec<Seen> = Vec::new();
    let mut added_after = None;
    while writers.iter().any(|writer| !writer.is_finished()) {
        seen.extend(walk_step(&nodes[1], &collection, &mut added_after).await);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for writer in writers {
        writer.await.expect("writer task");
    }
    loop {
        let step = walk_step(&nodes[0], &collection, &mut added_after).await;
        if step.is_empty() {
            break;
        }
        seen.extend(step);
    }

    assert!(
        seen.windows(2).all(|pair| pair[0].0 < pair[1].0),
        "date_added strictly increases along the walk"
    );
    let distinct: BTreeSet<(&String, &String)> = seen.iter().map(|s| (&s.1, &s.2)).collect();
    assert_eq!(distinct.len(), seen.len(), "no version is repeated");
    assert_eq!(
        seen.len(),
        (N_WRITERS * IDS_PER_WRITER * N_VERSIONS) as usize,
        "no version is lost"
    );
    let mut versions_by_id: BTreeMap<&String, Vec<&String>> = BTreeMap::new();
    for (_, id, version) in &seen {
        versions_by_id.entry(id).or_default().push(version);
    }
    for (id, versions) in versions_by_id {
        assert!(
            versions.windows(2).all(|pair| pair[0] < pair[1]),
            "{id}: versions seen out of order: {versions:?}"
        );
    }
    drop(nodes);
    drop(schema);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_position_from_one_node_resumes_on_the_other() {
    let Some(url) = database_url("a_cursor_position_from_one_node_resumes_on_the_other") else {
        return;
    };
    let schema = TestSchema::create(&url).await;
    let node_a = PostgresStore::connect_with_max_connections(&schema.url(), 2)
        .await
        .expect("node a");
    let node_b = PostgresStore::connect_with_max_connections(&schema.url(), 2)
        .await
        .expect("node b");
    node_a
        .create_api_root(ApiRoot {
            name: "root".to_owned(),
            title: "Root".to_owned(),
            description: None,
            max_content_length: 1 << 20,
        })
        .await
        .expect("api root");
    let collection = CollectionId::new("6a3c1b2e-0000-4000-8000-000000000002");
    node_a
        .create_collection(Collection {
            id: collection.clone(),
            api_root: "root".to_owned(),
            title: "cursor".to_owned(),
            description: None,
            alias: Some("cursor".to_owned()),
        })
        .await
        .expect("collection");
    let request = IngestRequest {
        collection: collection.clone(),
        api_root: "root".to_owned(),
        status_id: "status-cursor".to_owned(),
        account: "tester".to_owned(),
        submitter_org: None,
        recipients: Vec::new(),
        request_timestamp: 1,
        objects: (0..30).map(|n| object(n, 1)).collect(),
        failures: Vec::new(),
        pending: Vec::new(),
    };
    node_a.ingest(request).await.expect("ingest");
    assert!(node_b.find_collection("cursor").await.expect("lookup").is_some());
    assert!(
        node_b
            .status("root", "status-cursor")
            .await
            .expect("status")
            .is_some()
    );
    assert_eq!(
        node_a.secret("cursor").await.expect("secret"),
        node_b.secret("cursor").await.expect("secret"),
        "every node derives cursor keys from one secret"
    );
    let mut query = walk_query(&collection, None);
    query.limit = 10;
    let first = node_a.query_objects(query.clone()).await.expect("page");
    query.after = first.records.last().map(store::StoredObject::position);
    let on_a = node_a.query_objects(query.clone()).await.expect("page");
    let on_b = node_b.query_objects(query).await.expect("page");
    assert_eq!(on_a, on_b);
    assert_eq!(on_b.records.len(), 10);
    assert!(on_b.more);
    drop((node_a, node_b));
    drop(schema);
}

/// The ordering protocol itself: while another transaction (another node mid-ingest) holds a collection's
/// clock row, an ingest into that collection waits, and once that transaction commits its rows are the
/// later ones. A reader therefore never pages past a `date_added` that a slower writer could still fill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ingest_waits_for_the_writer_holding_the_collection_clock() {
    let Some(url) = database_url("an_ingest_waits_for_the_writer_holding_the_collection_clock") else {
        return;
    };
    let schema = TestSchema::create(&url).await;
    let store = PostgresStore::connect_with_max_connections(&schema.url(), 2)
        .await
        .expect("store");
    store
        .create_api_root(ApiRoot {
            name: "root".to_owned(),
            title: "Root".to_owned(),
            description: None,
            max_content_length: 1 << 20,
        })
        .await
        .expect("api root");
    let collection = CollectionId::new("6a3c1b2e-0000-4000-8000-000000000003");
    store
        .create_collection(Collection {
            id: collection.clone(),
            api_root: "root".to_owned(),
            title: "lock".to_owned(),
            description: None,
            alias: None,
        })
        .await
        .expect("collection");

    let (holder, connection) = tokio_postgres::connect(&schema.url(), tokio_postgres::NoTls)
        .await
        .expect("a raw connection");
    let connection = tokio::spawn(connection);
    holder
        .batch_execute(
            "BEGIN; SELECT 1 FROM collection_clocks k JOIN collections c ON c.seq = k.coll \
             WHERE c.id = '6a3c1b2e-0000-4000-8000-000000000003' FOR NO KEY UPDATE OF k",
        )
        .await
        .expect("the clock row is locked");
    let request = IngestRequest {
        collection: collection.clone(),
        api_root: "root".to_owned(),
        status_id: "status-lock".to_owned(),
        account: "tester".to_owned(),
        submitter_org: None,
        recipients: Vec::new(),
        request_timestamp: 1,
        objects: vec![object(1, 1)],
        failures: Vec::new(),
        pending: Vec::new(),
    };
    let ingest = tokio::spawn({
        let store = store.clone();
        async move { store.ingest(request).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!ingest.is_finished(), "the ingest waits for the clock row");
    let before = store
        .query_objects(walk_query(&collection, None))
        .await
        .expect("a page");
    assert!(
        before.records.is_empty(),
        "nothing is visible before the writer commits"
    );
    holder.batch_execute("COMMIT").await.expect("commit");
    let status = ingest.await.expect("task").expect("ingest");
    assert_eq!(status.successes.len(), 1);
    drop(holder);
    let _ = connection.await;
    drop(store);
    drop(schema);
}
