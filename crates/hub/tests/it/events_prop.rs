//! Issue 13 acceptance (the release side of every channel): over the random sharing models of
//! `read_paths_prop`, each account reading the event log through `Hub::events_for` receives exactly the object
//! versions it is cleared for at delivery time, under the id it may know them by, and nothing else: no id, no
//! count. Then rights change (a grant is withdrawn, an object deleted) and the same log is read again: what the
//! account may no longer read is gone from it, and a deletion is told only to those who could read the object.
//!
//! Every channel is held to the same answer (`events_channels`): SSE streams (`read_events_shared`, two streams
//! of one reader sharing releases), thin delivery (RED and AMBER+STRICT as id and link only, nothing else),
//! webhook bodies sent by the real delivery worker and its `delivered` counts, and the `resync` signal of a node
//! whose log was trimmed (it names only collections the reader may read, and no object).

use std::collections::BTreeSet;
use std::sync::Arc;

use hub::{Caller, EventFilter, Hub, HubConfig};
use proptest::prelude::*;
use serde_json::Value;
use store::Store;

use crate::events_channels::{Recorder, deliver, plain, shared, webhooks_from_start};
use crate::read_paths_prop::{
    MARKINGS, Model, account_name, build, caller, model, object_id, run_sql, runtime,
};

/// Marking indexes (in `MARKINGS`) delivered thin with `thin_restricted`: AMBER+STRICT and RED.
const RESTRICTED: [usize; 2] = [4, 5];

/// Every event delivered to `who` without a filter, parsed.
async fn delivered(hub: &Hub, who: &Caller) -> Vec<Value> {
    plain(hub, who, &EventFilter::default()).await
}

/// No original id of an object the reader may not know the submitter of appears in `text`.
fn no_hidden_ids(model: &Model, reader: usize, text: &str) {
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

async fn check(store: Arc<dyn Store>, model: Model, withdrawn: BTreeSet<usize>, deleted: usize) {
    let (hub, public) = build(store.clone(), &model).await;
    let hub = Arc::new(hub);
    hub.refresh_events().await.unwrap();
    let accounts: Vec<String> = (0..model.accounts.len()).map(account_name).collect();
    webhooks_from_start(&store, &accounts).await;
    let recorder = Arc::new(Recorder::default());
    let mut hooks = deliver(&hub, &store, &recorder).await;
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
            no_hidden_ids(&model, reader, &event.to_string());
        }
        // SSE streams and webhook bodies carry exactly these events; the webhook's counter counts them.
        assert_eq!(
            shared(&hub, &who, &EventFilter::default()).await,
            events,
            "reader {reader}: SSE"
        );
        let (bodies, counted) = hooks.remove(&account_name(reader)).unwrap_or_default();
        assert_eq!(bodies, events, "reader {reader}: webhook bodies");
        assert_eq!(
            counted,
            events.len() as u64,
            "reader {reader}: webhook delivered count"
        );
        // Thin delivery: the same events, RED and AMBER+STRICT as id and link only.
        let thin_filter = EventFilter {
            thin_restricted: true,
            ..EventFilter::default()
        };
        let thin = shared(&hub, &who, &thin_filter).await;
        let cleared: Vec<usize> = (0..model.objects.len())
            .filter(|o| model.cleared(reader, *o))
            .collect();
        assert_eq!(thin.len(), cleared.len(), "reader {reader}: thin count");
        for (event, object) in thin.iter().zip(&cleared) {
            let restricted = RESTRICTED.contains(&model.objects[*object].1);
            let id = event["object"]["id"].as_str().or(event["id"].as_str()).unwrap();
            assert_eq!(id, served_id(reader, *object), "reader {reader}: thin id");
            assert_eq!(
                event.get("object").is_none(),
                restricted,
                "reader {reader}: thin {event}"
            );
            if restricted {
                assert!(
                    !event.to_string().contains("pattern"),
                    "thin carries no content: {event}"
                );
            }
            no_hidden_ids(&model, reader, &event.to_string());
        }
        assert!(MARKINGS.len() > RESTRICTED[1]);
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
    hub.refresh_events().await.unwrap();
    let mut hooks = deliver(&hub, &store, &recorder).await;
    for reader in 0..model.accounts.len() {
        let who = caller(&model, reader);
        let events = delivered(&hub, &who).await;
        assert_eq!(
            shared(&hub, &who, &EventFilter::default()).await,
            events,
            "reader {reader}: SSE after"
        );
        // Webhooks deliver only what is new: the deletion, to those who could read the object.
        let (bodies, _) = hooks.remove(&account_name(reader)).unwrap_or_default();
        let told: Vec<&Value> = events.iter().filter(|e| e["kind"] == "object-deleted").collect();
        assert_eq!(
            bodies.iter().collect::<Vec<_>>(),
            told,
            "reader {reader}: webhook after the changes"
        );
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

    // A node that starts after the log was trimmed sends a resync naming only readable collections.
    store
        .trim_events(store::EventRetention {
            before_micros: 0,
            keep_latest: 1,
        })
        .await
        .unwrap();
    let late = Hub::new(store.clone(), HubConfig::default()).await.unwrap();
    for reader in 0..model.accounts.len() {
        let who = caller(&model, reader);
        let first = late
            .events_for(&who, 0, &EventFilter::default(), 3)
            .await
            .unwrap();
        let Some(signal) = first.events.first() else {
            panic!("reader {reader}: no resync signal after a trim");
        };
        assert_eq!(signal.kind, "resync", "reader {reader}");
        let signal: Value = serde_json::from_str(&signal.json).unwrap();
        let named: Vec<&str> = signal["collections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["collection"].as_str().unwrap())
            .collect();
        let readable = !withdrawn.contains(&reader);
        assert_eq!(named.len(), usize::from(readable), "reader {reader}: {signal}");
        let text = signal.to_string();
        for object in 0..model.objects.len() {
            assert!(
                !text.contains(&object_id(object)),
                "a resync names no object: {text}"
            );
            assert!(
                !text.contains(&served_id(reader, object)),
                "a resync names no object: {text}"
            );
        }
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
