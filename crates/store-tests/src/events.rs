//! The event log (issue 13): one dense, commit-ordered position per added and deleted version, written with
//! the change; appended kinds; retention; subscriptions.

use std::collections::BTreeSet;
use std::sync::Arc;

use store::{
    Account, EventRetention, NewEvent, OBJECT_ADDED, OBJECT_DELETED, Store, StoreError, SubscriptionRecord,
    VersionSelector,
};

use crate::fixtures::{collection, indicator, indicator_id, ingest};
use crate::paging::join_all;

/// Each new version appends one `object-added` event (an exact re-post appends none), each deleted version one
/// `object-deleted` event; positions run 1, 2, 3… with the version's facts; an added event keeps its bytes
/// while the version is stored and loses them once it is deleted; appended kinds keep their payload.
pub async fn event_log_follows_adds_and_deletes(store: &dyn Store) {
    let bounds = store.event_bounds().await.expect("bounds");
    assert_eq!((bounds.first, bounds.latest), (1, 0), "an empty log");
    let a = collection(store, "events-a").await;
    let b = collection(store, "events-b").await;
    ingest(store, &a, vec![indicator(1, 1), indicator(2, 1)]).await;
    ingest(store, &a, vec![indicator(1, 1)]).await; // the same version again: nothing new
    ingest(store, &b, vec![indicator(3, 1)]).await;
    ingest(store, &a, vec![indicator(1, 2)]).await;
    let events = store.events_after(0, 100).await.expect("events");
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
    assert!(events.iter().all(|e| e.kind == OBJECT_ADDED));
    let ids: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            let object = e.object.as_ref().expect("object facts");
            (
                e.collection.as_ref().expect("collection").as_str(),
                object.id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        vec![
            (a.as_str(), indicator_id(1).as_str()),
            (a.as_str(), indicator_id(2).as_str()),
            (b.as_str(), indicator_id(3).as_str()),
            (a.as_str(), indicator_id(1).as_str()),
        ]
    );
    let first = events[0].object.as_ref().expect("object");
    assert_eq!(first.raw.as_deref(), Some(indicator(1, 1).raw.as_str()));
    assert_eq!(first.sharing.submitter, "tester");
    assert_eq!(first.object_type, "indicator");
    assert_eq!(store.event_bounds().await.expect("bounds").latest, 4);

    let deleted = store
        .delete_object(&a, &indicator_id(1), None, VersionSelector::All, Vec::new())
        .await
        .expect("delete");
    assert_eq!(deleted, 2);
    let events = store.events_after(0, 100).await.expect("events");
    assert_eq!(events.len(), 6);
    assert!(
        events[0].object.as_ref().expect("facts").raw.is_none(),
        "deleted since"
    );
    assert!(
        events[1].object.as_ref().expect("facts").raw.is_some(),
        "still stored"
    );
    for deleted in &events[4..] {
        assert_eq!(deleted.kind, OBJECT_DELETED);
        let object = deleted.object.as_ref().expect("facts of the deleted version");
        assert_eq!(object.id, indicator_id(1));
        assert!(object.raw.is_none());
    }

    let last = store
        .append_events(vec![
            NewEvent {
                kind: "victim-notification".to_owned(),
                collection: Some(b.clone()),
                payload: r#"{"asset":"x"}"#.to_owned(),
            },
            NewEvent {
                kind: "drill".to_owned(),
                collection: None,
                payload: "{}".to_owned(),
            },
        ])
        .await
        .expect("append");
    assert_eq!(last, 8);
    let tail = store.events_after(6, 10).await.expect("tail");
    assert_eq!(tail.len(), 2);
    assert_eq!(tail[0].kind, "victim-notification");
    assert_eq!(tail[0].payload.as_deref(), Some(r#"{"asset":"x"}"#));
    assert_eq!(tail[0].collection.as_ref(), Some(&b));
    assert!(tail[0].object.is_none());
    assert_eq!(tail[1].collection, None);
    assert_eq!(store.events_after(2, 3).await.expect("page").len(), 3, "limit");
}

/// Retention by count and by age removes a prefix of the log and moves `first`; positions are not reused.
pub async fn event_log_retention_trims_a_prefix(store: &dyn Store) {
    let a = collection(store, "events-trim").await;
    for n in 0..10 {
        ingest(store, &a, vec![indicator(n, 1)]).await;
    }
    let removed = store
        .trim_events(EventRetention {
            before_micros: 0,
            keep_latest: 4,
        })
        .await
        .expect("trim by count");
    assert_eq!(removed, 6);
    let bounds = store.event_bounds().await.expect("bounds");
    assert_eq!((bounds.first, bounds.latest), (7, 10));
    let seqs: Vec<u64> = store
        .events_after(0, 100)
        .await
        .expect("events")
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, vec![7, 8, 9, 10]);
    assert_eq!(store.trimmed_from(6).await.expect("trimmed"), None, "not behind");
    let missed_from = store.trimmed_from(2).await.expect("trimmed").expect("recorded");
    assert!(missed_from > 0);
    let removed = store
        .trim_events(EventRetention {
            before_micros: i64::MAX,
            keep_latest: u64::MAX,
        })
        .await
        .expect("trim by age");
    assert_eq!(removed, 4);
    ingest(store, &a, vec![indicator(99, 1)]).await;
    let bounds = store.event_bounds().await.expect("bounds");
    assert_eq!((bounds.first, bounds.latest), (11, 11));
    assert_eq!(store.events_after(0, 10).await.expect("events")[0].seq, 11);
}

/// Concurrent writers on several collections, a reader tailing the log meanwhile: every batch the reader gets
/// starts right after the last position it saw (never a hole that fills later), and in the end every stored
/// version has exactly one event.
pub async fn event_log_tail_never_skips_under_concurrency(store: &dyn Store) {
    let mut collections = Vec::new();
    for idx in 0..4 {
        collections.push(collection(store, &format!("events-race-{idx}")).await);
    }
    let collections = Arc::new(collections);
    let writers = async {
        let mut futures = Vec::new();
        for writer_idx in 0..8u32 {
            let collections = Arc::clone(&collections);
            futures.push(async move {
                let coll = &collections[writer_idx as usize % collections.len()];
                for chunk in 0..10u32 {
                    let first = writer_idx * 1000 + chunk * 3;
                    ingest(store, coll, (first..first + 3).map(|n| indicator(n, 1)).collect()).await;
                }
            });
        }
        join_all(futures).await;
    };
    let mut seen: Vec<u64> = Vec::new();
    let reader = async {
        for _ in 0..200 {
            let after = seen.last().copied().unwrap_or(0);
            let batch = store.events_after(after, 7).await.expect("tail");
            if let Some(event) = batch.first() {
                assert_eq!(
                    event.seq,
                    after + 1,
                    "a hole at {after}: a later commit showed first"
                );
            }
            seen.extend(batch.iter().map(|e| e.seq));
            tokio::task::yield_now().await;
        }
    };
    tokio::join!(writers, reader);
    loop {
        let after = seen.last().copied().unwrap_or(0);
        let batch = store.events_after(after, 50).await.expect("tail");
        if batch.is_empty() {
            break;
        }
        assert_eq!(batch[0].seq, after + 1);
        seen.extend(batch.iter().map(|e| e.seq));
    }
    assert_eq!(seen, (1..=240).collect::<Vec<u64>>());
    let all = store.events_after(0, 1000).await.expect("all");
    let versions: BTreeSet<(String, String)> = all
        .iter()
        .map(|e| {
            let object = e.object.as_ref().expect("facts");
            (
                e.collection.as_ref().expect("coll").to_string(),
                object.id.clone(),
            )
        })
        .collect();
    assert_eq!(versions.len(), 240, "one event per stored version");
}

fn subscription(id: &str, account: &str, created: i64) -> SubscriptionRecord {
    SubscriptionRecord {
        id: id.to_owned(),
        account: account.to_owned(),
        name: format!("watch {id}"),
        filter: r#"{"types":["indicator"]}"#.to_owned(),
        created_micros: created,
    }
}

/// Subscriptions belong to existing accounts, list per account or all, oldest first, and go away once.
pub async fn subscriptions_round_trip(store: &dyn Store) {
    for name in ["sub-alice", "sub-bob"] {
        store
            .create_account(Account {
                name: name.to_owned(),
                password_hash: String::new(),
                org: None,
                is_admin: false,
                role: "member".to_owned(),
                disabled: false,
                epoch: 0,
            })
            .await
            .expect("account");
    }
    store
        .create_subscription(subscription("s2", "sub-alice", 20))
        .await
        .expect("s2");
    store
        .create_subscription(subscription("s1", "sub-alice", 10))
        .await
        .expect("s1");
    store
        .create_subscription(subscription("s3", "sub-bob", 30))
        .await
        .expect("s3");
    let unknown = store.create_subscription(subscription("s4", "nobody", 1)).await;
    assert!(matches!(unknown, Err(StoreError::NotFound(_))), "{unknown:?}");
    let twice = store.create_subscription(subscription("s1", "sub-bob", 1)).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    let alice = store
        .subscriptions(Some("sub-alice".to_owned()))
        .await
        .expect("alice's");
    assert_eq!(
        alice,
        vec![
            subscription("s1", "sub-alice", 10),
            subscription("s2", "sub-alice", 20)
        ]
    );
    assert_eq!(store.subscriptions(None).await.expect("all").len(), 3);
    assert!(store.delete_subscription("s1").await.expect("delete"));
    assert!(!store.delete_subscription("s1").await.expect("again"));
    assert_eq!(store.subscriptions(None).await.expect("all").len(), 2);
}
