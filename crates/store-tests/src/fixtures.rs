//! Builders shared by the checks: a store with one API root and collection, objects, queries.

use stix::timestamp::Timestamp;
use store::{
    ApiRoot, Collection, CollectionId, IngestRequest, NewObject, ObjectQuery, Page, Projection, StatusRecord,
    Store, VersionSelector,
};

/// Creates API root `root` (if missing) and a fresh collection in it; returns the collection id.
pub(crate) async fn collection(store: &dyn Store, alias: &str) -> CollectionId {
    let roots = store.api_roots().await.expect("api_roots");
    if !roots.iter().any(|r| r.name == "root") {
        let api_root = ApiRoot {
            name: "root".to_owned(),
            title: "Root".to_owned(),
            description: None,
            max_content_length: 1 << 20,
        };
        store.create_api_root(api_root).await.expect("create_api_root");
    }
    let id = CollectionId::new(format!(
        "{:08x}-0000-4000-8000-{:012x}",
        alias.len(),
        fxhash(alias)
    ));
    let collection = Collection {
        id: id.clone(),
        api_root: "root".to_owned(),
        title: format!("collection {alias}"),
        description: Some("conformance".to_owned()),
        alias: Some(alias.to_owned()),
    };
    store
        .create_collection(collection)
        .await
        .expect("create_collection");
    id
}

fn fxhash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }) & 0xffff_ffff_ffff
}

/// The id `indicator--…` numbered `n`.
pub(crate) fn indicator_id(n: u32) -> String {
    format!("indicator--00000000-0000-4000-8000-{n:012}")
}

/// An indicator version; `modified` is `2020-01-01T00:00:00.{version:03}Z`.
pub(crate) fn indicator(n: u32, version: u32) -> NewObject {
    let id = indicator_id(n);
    let modified = format!("2020-01-01T00:00:{:02}.{:03}Z", version / 1000, version % 1000);
    let raw = format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","created":"2020-01-01T00:00:00.000Z","modified":"{modified}","pattern":"[ipv4-addr:value = '10.0.0.{}']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"}}"#,
        n % 250
    );
    NewObject {
        id,
        object_type: "indicator".to_owned(),
        version: Some(Timestamp::parse(&modified).expect("fixture timestamp")),
        spec_version: "2.1".to_owned(),
        revoked: false,
        raw,
        markings: Vec::new(),
        public_id: None,
    }
}

/// One ingest with a fresh status id.
pub(crate) async fn ingest(
    store: &dyn Store,
    collection: &CollectionId,
    objects: Vec<NewObject>,
) -> StatusRecord {
    ingest_as(store, collection, None, objects).await
}

/// One ingest by an account of organisation `org` (`None`: the account `tester`, without one).
pub(crate) async fn ingest_as(
    store: &dyn Store,
    collection: &CollectionId,
    org: Option<&str>,
    objects: Vec<NewObject>,
) -> StatusRecord {
    let request = IngestRequest {
        collection: collection.clone(),
        api_root: "root".to_owned(),
        status_id: format!("status-{}", next_serial()),
        account: org.map_or_else(|| "tester".to_owned(), |org| format!("{org}-analyst")),
        submitter_org: org.map(str::to_owned),
        recipients: Vec::new(),
        request_timestamp: 1_600_000_000_000_000,
        objects,
        failures: Vec::new(),
        pending: Vec::new(),
    };
    store.ingest(request).await.expect("ingest")
}

fn next_serial() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

/// A query of the whole collection with the TAXII defaults.
pub(crate) fn query(collection: &CollectionId) -> ObjectQuery {
    ObjectQuery {
        collection: collection.clone(),
        ids: Vec::new(),
        types: Vec::new(),
        added_after: None,
        spec_versions: Vec::new(),
        versions: VersionSelector::last(),
        after: None,
        limit: 1000,
        projection: Projection::Full,
    }
}

/// Runs a query, panicking on a store error.
pub(crate) async fn run(store: &dyn Store, query: ObjectQuery) -> Page {
    store.query_objects(query).await.expect("query_objects")
}

/// The versions of a page, as written.
pub(crate) fn versions_of(page: &Page) -> Vec<String> {
    page.records
        .iter()
        .map(|r| r.version.clone().unwrap_or_default())
        .collect()
}
