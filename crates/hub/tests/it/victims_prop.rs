//! Issue 14 acceptance (victim notification): over the random sharing models of `read_paths_prop` (each
//! object an indicator of `203.0.113.<its index>`), organisations claim random networks of `203.0.113.0/24`,
//! some verified. After the notifier has read the log, every account reading its events receives a
//! `victim-notification` exactly for the (verified asset of its own organisation, object involving it) pairs
//! whose object it may read, with the object as served to it (never more than its clearance) and once each;
//! nobody else receives one; where no account of the owner may read the object, the submitter gets a
//! `victim-found` task instead; and no event names an object to an account that may not read it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use hub::{Caller, EventFilter, Hub};
use proptest::prelude::*;
use serde_json::Value;
use store::Store;

use crate::read_paths_prop::{Model, build, caller, model, object_id, run_sql, runtime};

/// A claim: (organisation, first address's last octet, prefix length, verified).
type Claim = (usize, u8, u8, bool);

fn claims(model: &Model) -> impl Strategy<Value = Vec<Claim>> + use<> {
    let n_orgs = model.orgs.len();
    prop::collection::vec(
        (
            0..n_orgs,
            0u8..12,
            prop::sample::select(vec![24u8, 30, 32]),
            any::<bool>(),
        ),
        0..6,
    )
}

fn covers(first: u8, prefix: u8, value: usize) -> bool {
    match prefix {
        24 => true,
        30 => usize::from(first & !3) == value & !3,
        _ => usize::from(first) == value,
    }
}

fn claim_text(first: u8, prefix: u8) -> String {
    match prefix {
        24 => "203.0.113.0/24".to_owned(),
        30 => format!("203.0.113.{}/30", first & !3),
        _ => format!("203.0.113.{first}"),
    }
}

async fn delivered(hub: &Hub, who: &Caller) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let batch = hub
            .events_for(who, after, &EventFilter::default(), 50)
            .await
            .unwrap();
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

async fn check(store: Arc<dyn Store>, model: Model, claims: Vec<Claim>) {
    let (hub, public) = build(store.clone(), &model).await;
    let op = Caller::operator();
    // (asset id, organisation, first, prefix) of the verified claims.
    let mut verified = Vec::new();
    let mut seen = BTreeSet::new();
    for (org, first, prefix, verify) in claims {
        let text = claim_text(first, prefix);
        if !seen.insert((org, text.clone())) {
            continue;
        }
        let asset = hub
            .claim_asset(&op, Some(&format!("org{org}")), "cidr", &text)
            .await
            .unwrap();
        if verify {
            hub.verify_asset(&op, &asset.id).await.unwrap();
            verified.push((asset.id, org, first, prefix));
        }
    }
    let records: Vec<Arc<store::EventRecord>> = store
        .events_after(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(Arc::new)
        .collect();
    hub.notify_victims(&records).await.unwrap();
    // Again: repeats are suppressed.
    let again = hub.notify_victims(&records).await.unwrap();
    assert_eq!(again.notified + again.tasks, 0, "{again:?}");
    // The notifier appends to the store's log; this node's tail (whose ring the reads below use) picks the
    // new events up on its next poll, which a serving node runs continuously.
    hub.refresh_events().await.unwrap();

    let served_id = |reader: usize, object: usize| {
        let original = object_id(object);
        if model.revealed(reader, object) {
            original
        } else {
            public[&original].clone()
        }
    };
    let accounts = &model.accounts;
    let org_accounts = |org: usize| (0..accounts.len()).filter(move |a| accounts[*a] == Some(org));
    let mut expected_tasks: BTreeMap<usize, BTreeSet<(String, usize)>> = BTreeMap::new();
    for (asset, org, first, prefix) in &verified {
        for object in 0..model.objects.len() {
            if covers(*first, *prefix, object) && !org_accounts(*org).any(|a| model.cleared(a, object)) {
                let submitter = model.objects[object].0;
                expected_tasks
                    .entry(submitter)
                    .or_default()
                    .insert((asset.clone(), object));
            }
        }
    }
    for reader in 0..model.accounts.len() {
        let events = delivered(&hub, &caller(&model, reader)).await;
        let mut expected = BTreeSet::new();
        if let Some(org) = model.accounts[reader] {
            for (asset, owner, first, prefix) in &verified {
                for object in 0..model.objects.len() {
                    if *owner == org && covers(*first, *prefix, object) && model.cleared(reader, object) {
                        expected.insert((asset.clone(), served_id(reader, object)));
                    }
                }
            }
        }
        let mut got = Vec::new();
        let mut tasks = BTreeSet::new();
        for event in &events {
            match event["kind"].as_str().unwrap() {
                "victim-notification" => {
                    got.push((
                        event["asset"]["id"].as_str().unwrap().to_owned(),
                        event["object"]["id"].as_str().unwrap().to_owned(),
                    ));
                }
                "victim-found" => {
                    let payload = &event["payload"];
                    let object = payload["object"]["id"].as_str().unwrap();
                    let index = (0..model.objects.len())
                        .find(|o| object_id(*o) == object)
                        .unwrap();
                    tasks.insert((payload["asset"].as_str().unwrap().to_owned(), index));
                }
                _ => {}
            }
            // No event names an object the reader may not read (tasks go to the submitter, who may).
            for object in 0..model.objects.len() {
                if !model.cleared(reader, object) {
                    assert!(
                        !event.to_string().contains(&object_id(object)),
                        "reader {reader}: {event}"
                    );
                }
            }
        }
        let got_set: BTreeSet<(String, String)> = got.iter().cloned().collect();
        assert_eq!(got.len(), got_set.len(), "reader {reader}: once each");
        assert_eq!(got_set, expected, "reader {reader}");
        assert_eq!(
            tasks,
            expected_tasks.remove(&reader).unwrap_or_default(),
            "tasks of reader {reader}"
        );
    }
}

fn with_claims() -> impl Strategy<Value = (Model, Vec<Claim>)> {
    model().prop_flat_map(|model| {
        let claims = claims(&model);
        (Just(model), claims)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn victim_notifications_reach_exactly_the_cleared_verified_owners_sqlite((model, claims) in with_claims()) {
        let dir = std::env::temp_dir().join(format!("stixhub-hub-victims-{}", uuid::Uuid::new_v4()));
        let store: Arc<dyn Store> = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
        runtime().block_on(check(store, model, claims));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn victim_notifications_reach_exactly_the_cleared_verified_owners_postgres((model, claims) in with_claims()) {
        let Ok(url) = std::env::var("STIXHUB_TEST_DATABASE_URL") else {
            return Ok(());
        };
        runtime().block_on(async {
            let schema = format!("hub_victims_{}", uuid::Uuid::new_v4().simple());
            run_sql(&url, &format!("CREATE SCHEMA {schema}")).await;
            let separator = if url.contains('?') { '&' } else { '?' };
            let schema_url = format!("{url}{separator}options=-csearch_path%3D{schema}");
            let store: Arc<dyn Store> =
                Arc::new(store_postgres::PostgresStore::connect(&schema_url).await.unwrap());
            check(store, model, claims).await;
            run_sql(&url, &format!("DROP SCHEMA {schema} CASCADE")).await;
        });
    }
}
