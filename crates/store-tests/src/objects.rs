//! Objects: duplicates, revocation, delete, unversioned objects, exact bytes, filters.

use stix::timestamp::Timestamp;
use store::{NewObject, Store, VersionSelector};

use crate::fixtures::{collection, indicator, indicator_id, ingest, query, run, versions_of};

/// Posting an existing version again is a success and stores nothing: same row, same `date_added`.
pub async fn duplicates_store_nothing_new(store: &dyn Store) {
    let coll = collection(store, "duplicates").await;
    let first = ingest(store, &coll, vec![indicator(1, 1), indicator(1, 1)]).await;
    assert_eq!(first.successes.len(), 2);
    assert!(first.failures.is_empty());
    let before = run(store, query(&coll)).await;
    let again = ingest(store, &coll, vec![indicator(1, 1)]).await;
    assert_eq!(again.successes.len(), 1);
    assert_eq!(again.successes[0].version, "2020-01-01T00:00:00.001Z");
    let mut all = query(&coll);
    all.versions = VersionSelector::All;
    let after = run(store, all).await;
    assert_eq!(after.records, before.records);
}

/// After a revoked version, no new version of that id is stored; the revoked one stays the last.
pub async fn revoked_is_final(store: &dyn Store) {
    let coll = collection(store, "revoked").await;
    let mut revoked = indicator(3, 2);
    revoked.revoked = true;
    revoked.raw = revoked
        .raw
        .replace(r#""pattern":"#, r#""revoked":true,"pattern":"#);
    ingest(store, &coll, vec![indicator(3, 1), revoked]).await;
    let status = ingest(store, &coll, vec![indicator(3, 3), indicator(4, 1)]).await;
    assert_eq!(status.failures.len(), 1, "{status:?}");
    assert_eq!(status.failures[0].id, indicator_id(3));
    assert!(status.failures[0].message.is_some());
    assert_eq!(status.successes.len(), 1);
    let mut last = query(&coll);
    last.ids = vec![indicator_id(3)];
    assert_eq!(
        versions_of(&run(store, last).await),
        vec!["2020-01-01T00:00:00.002Z"]
    );
}

/// Deleting one version leaves the others, with `last` moving back; deleting all removes the object.
pub async fn delete_removes_versions_and_repairs_selection(store: &dyn Store) {
    let coll = collection(store, "delete").await;
    ingest(
        store,
        &coll,
        vec![indicator(5, 1), indicator(5, 2), indicator(5, 3), indicator(6, 1)],
    )
    .await;
    let newest = VersionSelector::Pick {
        first: false,
        last: false,
        exact: vec![Timestamp::parse("2020-01-01T00:00:00.003Z").expect("timestamp")],
    };
    let deleted = store
        .delete_object(&coll, &indicator_id(5), None, newest, Vec::new())
        .await
        .expect("delete");
    assert_eq!(deleted, 1);
    let mut last = query(&coll);
    last.ids = vec![indicator_id(5)];
    assert_eq!(
        versions_of(&run(store, last.clone()).await),
        vec!["2020-01-01T00:00:00.002Z"]
    );
    let deleted = store
        .delete_object(&coll, &indicator_id(5), None, VersionSelector::All, Vec::new())
        .await
        .expect("delete");
    assert_eq!(deleted, 2);
    assert!(
        !store
            .object_exists(&coll, &indicator_id(5))
            .await
            .expect("exists")
    );
    assert!(run(store, last).await.records.is_empty());
    assert!(
        store
            .object_exists(&coll, &indicator_id(6))
            .await
            .expect("exists")
    );
    let none = store
        .delete_object(&coll, &indicator_id(5), None, VersionSelector::All, Vec::new())
        .await
        .expect("delete");
    assert_eq!(none, 0);
}

pub(crate) fn ipv4(value: &str, raw_suffix: &str) -> NewObject {
    let id = "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4".to_owned();
    NewObject {
        id: id.clone(),
        object_type: "ipv4-addr".to_owned(),
        version: None,
        spec_version: "2.1".to_owned(),
        revoked: false,
        raw: format!(r#"{{"type":"ipv4-addr","id":"{id}","value":"{value}"{raw_suffix}}}"#),
        markings: Vec::new(),
        public_id: None,
    }
}

/// An object without `modified`/`created` has one version: posting it again is a duplicate, and it is both
/// first and last.
pub async fn unversioned_objects_have_one_version(store: &dyn Store) {
    let coll = collection(store, "unversioned").await;
    let status = ingest(store, &coll, vec![ipv4("198.51.100.3", "")]).await;
    assert_eq!(status.successes.len(), 1);
    assert!(
        !status.successes[0].version.is_empty(),
        "an unversioned success still names a version"
    );
    let status = ingest(store, &coll, vec![ipv4("198.51.100.3", r#","x_note":"again""#)]).await;
    assert_eq!(status.successes.len(), 1);
    let mut all = query(&coll);
    all.versions = VersionSelector::All;
    let page = run(store, all).await;
    assert_eq!(page.records.len(), 1);
    assert_eq!(page.records[0].version, None);
    assert!(
        !page.records[0].raw.as_deref().unwrap_or("").contains("again"),
        "the first version is kept"
    );
    let mut first = query(&coll);
    first.versions = VersionSelector::Pick {
        first: true,
        last: false,
        exact: Vec::new(),
    };
    assert_eq!(run(store, first).await.records.len(), 1);
}

/// Bytes come back exactly as posted: spacing, key order, escapes and non-ASCII text.
pub async fn objects_come_back_byte_identical(store: &dyn Store) {
    let coll = collection(store, "bytes").await;
    let mut object = indicator(9, 1);
    object.raw = object.raw.replace(
        r#""pattern":"#,
        " \"name\" : \"caf\\u00e9 – Zürich 🚀\",\n  \"pattern\":",
    );
    let posted = object.raw.clone();
    ingest(store, &coll, vec![object]).await;
    let page = run(store, query(&coll)).await;
    assert_eq!(page.records[0].raw.as_deref(), Some(posted.as_str()));
    let mut manifest = query(&coll);
    manifest.projection = store::Projection::Manifest;
    assert_eq!(run(store, manifest).await.records[0].raw, None);
}

/// `match[id]`, `match[type]` and `match[spec_version]` filter rows; values inside one are ORed.
pub async fn id_type_and_spec_version_filters(store: &dyn Store) {
    let coll = collection(store, "filters").await;
    ingest(
        store,
        &coll,
        vec![
            indicator(1, 1),
            indicator(2, 1),
            indicator(3, 1),
            ipv4("198.51.100.3", ""),
        ],
    )
    .await;
    let mut by_id = query(&coll);
    by_id.ids = vec![
        indicator_id(1),
        indicator_id(3),
        "indicator--00000000-0000-4000-8000-999999999999".to_owned(),
    ];
    assert_eq!(run(store, by_id).await.records.len(), 2);
    let mut by_type = query(&coll);
    by_type.types = vec!["ipv4-addr".to_owned()];
    assert_eq!(run(store, by_type.clone()).await.records.len(), 1);
    by_type.types.push("indicator".to_owned());
    assert_eq!(run(store, by_type).await.records.len(), 4);
    let mut by_spec = query(&coll);
    by_spec.spec_versions = vec!["2.0".to_owned()];
    assert!(run(store, by_spec.clone()).await.records.is_empty());
    by_spec.spec_versions = vec!["2.1".to_owned()];
    assert_eq!(run(store, by_spec).await.records.len(), 4);
    let mut both = query(&coll);
    both.ids = vec![indicator_id(1)];
    both.types = vec!["ipv4-addr".to_owned()];
    assert!(
        run(store, both).await.records.is_empty(),
        "different fields are ANDed"
    );
}

fn typed(object_type: &str, n: u32) -> NewObject {
    let id = format!("{object_type}--00000000-0000-4000-8000-{n:012}");
    NewObject {
        id: id.clone(),
        object_type: object_type.to_owned(),
        version: Some(Timestamp::parse("2020-01-01T00:00:00.000Z").expect("timestamp")),
        spec_version: "2.1".to_owned(),
        revoked: false,
        raw: format!(r#"{{"type":"{object_type}","id":"{id}"}}"#),
        markings: Vec::new(),
        public_id: None,
    }
}

/// Several `match[type]` values page together in `date_added` order, with `limit`, positions and
/// `added_after`, whatever the mix (interleaved, rare, absent types).
pub async fn multi_type_filters_page_in_date_added_order(store: &dyn Store) {
    let coll = collection(store, "multi-type").await;
    let kinds = ["malware", "indicator", "tool", "indicator", "indicator"];
    let objects: Vec<NewObject> = (0..40u32)
        .map(|n| typed(kinds[n as usize % kinds.len()], n))
        .collect();
    for chunk in objects.chunks(7) {
        ingest(store, &coll, chunk.to_vec()).await;
    }
    let wanted = ["tool".to_owned(), "malware".to_owned(), "campaign".to_owned()];
    let mut all = query(&coll);
    all.versions = VersionSelector::All;
    let everything = run(store, all).await.records;
    let expected: Vec<String> = everything
        .iter()
        .filter(|r| wanted.contains(&r.object_type))
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(expected.len(), 16);
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let mut page_query = query(&coll);
        page_query.types = wanted.to_vec();
        page_query.limit = 5;
        page_query.after = after;
        let page = run(store, page_query).await;
        assert!(page.records.len() <= 5);
        seen.extend(page.records.iter().map(|r| r.id.clone()));
        after = page.records.last().map(|r| r.position());
        if !page.more {
            break;
        }
    }
    assert_eq!(seen, expected);
    let mut later = query(&coll);
    later.types = wanted.to_vec();
    later.added_after = Some(everything[20].date_added);
    let later_ids: Vec<String> = run(store, later)
        .await
        .records
        .into_iter()
        .map(|r| r.id)
        .collect();
    let expected_later: Vec<String> = everything[21..]
        .iter()
        .filter(|r| wanted.contains(&r.object_type))
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(later_ids, expected_later);
}
