//! Issue 13 acceptance (the release side of every channel): over the random sharing models of
//! `read_paths_prop`, each account reading the event log through `Hub::events_for` receives exactly the object
//! versions it is cleared for at delivery time, under the id it may know them by, and nothing else: no id, no
//! count. Then rights change (a grant is withdrawn, an object deleted) and the same log is read again: what the
//! account may no longer read is gone from it, and a deletion is told only to those who could read the object.

use std::collections::BTreeSet;
use std::sync::Arc;

use hub::{Caller, EventFilter, Hub};
use proptest::prelude::*;
use serde_json::Value;
use store::Store;

use crate::read_paths_prop::{Model, account_name, build, caller, model, object_id, run_sql, runtime};

/// Every event delivered to `who`, parsed.
async fn delivered(hub: &Hub, who: &Caller) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let batch = hub
            .events_for(who, after, &EventFilter::default(), 3)
            .await
            .unwrap();
        assert!(batch.events.len() <= 3);
        out.extend(
            batch
                .events
                .iter()
                .map(|e| serde_json::from_str::<Value>(&e.json).unwrap()),
        );
        if batch.next_after == after {
            break;
        }
        after = batch.next_after;
    }
    out
}

async fn check(store: Arc<dyn Store>, model: Model, withdrawn: BTreeSet<usize>, deleted: usize) {
    let (hub, public) = build(store.clone(), &model).await;
    let served_id = |reader: usize, object: usize| {
        let original = object_id(object);
        if model.revealed(reader, object) {
            original
        } else {
            public[&original].clone()
        }
    };
    for reader in 0..model.accounts.len() {
        let who = caller(&model, reader);
        let events = delivered(&hub, &who).await;
        let expected: Vec<String> = (0..model.objects.len())
            .filter(|o| model.cleared(reader, *o))
            .map(|o| served_id(reader, o))
            .collect();
        let got: Vec<String> = events
            .iter()
            .map(|e| {
                assert_eq!(e["kind"], "object-added");
                e["object"]["id"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(got, expected, "reader {reader}");
        for event in &events {
            // A republished copy never names the anonymous submitter's identity or original id.
            let text = event.to_string();
            for object in 0..model.objects.len() {
                if !model.revealed(reader, object) {
                    assert!(
                        !text.contains(&object_id(object)),
                        "reader {reader} learns {}",
                        object_id(object)
                    );
                }
            }
        }
    }

    // Rights change after the events were written: delivery follows the rights at delivery time.
    let deleted = deleted % model.objects.len();
    let submitter = caller(&model, model.objects[deleted].0);
    let everything = taxii::query::ListParams::parse(None).unwrap();
    hub.delete_object(
        &submitter,
        "api1",
        "default",
        &served_id(model.objects[deleted].0, deleted),
        &everything,
    )
    .await
    .unwrap();
    let default = store.find_collection("default").await.unwrap().unwrap();
    for reader in &withdrawn {
        store
            .set_access(&account_name(*reader), &default.id, store::Access::default())
            .await
            .unwrap();
    }
    for reader in 0..model.accounts.len() {
        let who = caller(&model, reader);
        let events = delivered(&hub, &who).await;
        if withdrawn.contains(&reader) {
            assert!(events.is_empty(), "reader {reader} lost its grant: {events:?}");
            continue;
        }
        let expected: Vec<(String, String)> = (0..model.objects.len())
            .filter(|o| *o != deleted && model.cleared(reader, *o))
            .map(|o| ("object-added".to_owned(), served_id(reader, o)))
            .chain(
                model
                    .cleared(reader, deleted)
                    .then(|| ("object-deleted".to_owned(), served_id(reader, deleted))),
            )
            .collect();
        let got: Vec<(String, String)> = events
            .iter()
            .map(|e| {
                let id = e["object"]["id"].as_str().or(e["id"].as_str()).unwrap();
                (e["kind"].as_str().unwrap().to_owned(), id.to_owned())
            })
            .collect();
        assert_eq!(got, expected, "reader {reader} after the changes");
    }
}

fn with_changes() -> impl Strategy<Value = (Model, (BTreeSet<usize>, usize))> {
    model().prop_flat_map(|model| {
        let changes = (
            prop::collection::btree_set(0..model.accounts.len(), 0..2),
            0..model.objects.len(),
        );
        (Just(model), changes)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn events_release_exactly_what_the_reader_may_read_now_sqlite(
        (model, (withdrawn, deleted)) in with_changes()
    ) {
        let dir = std::env::temp_dir().join(format!("stixhub-hub-events-{}", uuid::Uuid::new_v4()));
        let store: Arc<dyn Store> = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
        runtime().block_on(check(store, model, withdrawn, deleted));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn events_release_exactly_what_the_reader_may_read_now_postgres(
        (model, (withdrawn, deleted)) in with_changes()
    ) {
        let Ok(url) = std::env::var("STIXHUB_TEST_DATABASE_URL") else {
            return Ok(());
        };
        runtime().block_on(async {
            let schema = format!("hub_events_{}", uuid::Uuid::new_v4().simple());
            run_sql(&url, &format!("CREATE SCHEMA {schema}")).await;
            let separator = if url.contains('?') { '&' } else { '?' };
            let schema_url = format!("{url}{separator}options=-csearch_path%3D{schema}");
            let store: Arc<dyn Store> =
                Arc::new(store_postgres::PostgresStore::connect(&schema_url).await.unwrap());
            check(store, model, withdrawn, deleted).await;
            run_sql(&url, &format!("DROP SCHEMA {schema} CASCADE")).await;
        });
    }
}
