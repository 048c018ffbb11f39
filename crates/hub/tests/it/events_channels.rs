//! The delivery channels of the event stream as `events_prop` drives them: shared SSE reading, thin delivery,
//! webhooks (the real worker with a recording sender) and the resync signal. Each function returns what one
//! reader received on one channel, for `events_prop` to hold to the model.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hub::{Caller, EventFilter, Hub, WebhookDeliveryConfig, WebhookSender};
use serde_json::Value;
use store::{Store, WebhookEndpoint, WebhookSecret};

/// Every event released to `who` with `filter` through `read` (a batch function), parsed; batches of 3.
pub(crate) async fn drain<F, Fut>(mut read: F) -> Vec<Value>
where
    F: FnMut(u64) -> Fut,
    Fut: std::future::Future<Output = (Vec<String>, u64)>,
{
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let (events, next_after) = read(after).await;
        assert!(events.len() <= 3);
        out.extend(events.iter().map(|e| serde_json::from_str::<Value>(e).unwrap()));
        if next_after == after {
            return out;
        }
        after = next_after;
    }
}

/// What `events_for` releases.
pub(crate) async fn plain(hub: &Hub, who: &Caller, filter: &EventFilter) -> Vec<Value> {
    drain(|after| async move {
        let batch = hub.events_for(who, after, filter, 3).await.unwrap();
        (
            batch.events.into_iter().map(|e| e.json).collect(),
            batch.next_after,
        )
    })
    .await
}

/// What an SSE stream releases: `read_events_shared`, two streams of the same reader interleaved, so the
/// second reuses the first's releases; both must see the same.
pub(crate) async fn shared(hub: &Hub, who: &Caller, filter: &EventFilter) -> Vec<Value> {
    let first = hub.shared_reader(who.clone(), filter.clone());
    let second = hub.shared_reader(who.clone(), filter.clone());
    assert!(
        Arc::ptr_eq(&first, &second),
        "one shared reader per caller and filter"
    );
    let read = |reader: Arc<hub::SharedReader>| async move {
        drain(|after| {
            let reader = Arc::clone(&reader);
            async move {
                let batch = hub.read_events_shared(&reader, after, 3).await.unwrap();
                (
                    batch.events.iter().map(|e| e.json.clone()).collect(),
                    batch.next_after,
                )
            }
        })
        .await
    };
    let (a, b) = tokio::join!(read(first), read(second));
    assert_eq!(a, b, "two streams of one reader");
    a
}

/// Records every POST instead of sending it.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    /// (url, body) per attempt.
    pub(crate) posts: Mutex<Vec<(String, String)>>,
}

#[async_trait::async_trait]
impl WebhookSender for Recorder {
    async fn check_target(&self, _url: &str) -> Result<(), String> {
        Ok(())
    }

    async fn post(&self, url: &str, _headers: &[(&'static str, String)], body: &[u8]) -> webhook::Answer {
        self.posts
            .lock()
            .unwrap()
            .push((url.to_owned(), String::from_utf8_lossy(body).into_owned()));
        webhook::Answer::Status {
            code: 200,
            retry_after: None,
        }
    }
}

/// A webhook for each account, delivering the whole log (position 0: the store's own record, so the test's
/// webhooks also see the events written before they were made).
pub(crate) async fn webhooks_from_start(store: &Arc<dyn Store>, accounts: &[String]) {
    for account in accounts {
        store
            .create_webhook(WebhookEndpoint {
                id: format!("wh-{account}"),
                account: account.clone(),
                url: format!("http://receiver.invalid/{account}"),
                secrets: vec![WebhookSecret {
                    secret: webhook::Secret::from_random([9; 32]).expose(),
                    expires_micros: None,
                }],
                collections: Vec::new(),
                types: Vec::new(),
                enabled: true,
                disabled_reason: None,
                position: 0,
                created_micros: 0,
                delivered: 0,
                failed_attempts: 0,
                pending: 0,
                dead: 0,
            })
            .await
            .unwrap();
    }
}

/// Runs the webhook worker until every endpoint has reached the newest event; the bodies sent per account
/// since `recorder` was last drained, and each endpoint's `delivered` counter.
pub(crate) async fn deliver(
    hub: &Arc<Hub>,
    store: &Arc<dyn Store>,
    recorder: &Arc<Recorder>,
) -> BTreeMap<String, (Vec<Value>, u64)> {
    let config = WebhookDeliveryConfig {
        poll_interval: Duration::from_millis(20),
        // One node across calls: its lease from the last call is still its own.
        node: "events-prop".to_owned(),
        ..WebhookDeliveryConfig::default()
    };
    let worker = tokio::spawn(
        Arc::clone(hub).run_webhook_deliveries(Arc::clone(recorder) as Arc<dyn WebhookSender>, config),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let endpoints = loop {
        // This node's tail (`run_event_tail` in a server) reads what was committed.
        hub.refresh_events().await.unwrap();
        let latest = store.event_bounds().await.unwrap().latest;
        let endpoints = store.webhooks(None).await.unwrap();
        if endpoints.iter().all(|e| e.position >= latest && e.pending == 0) {
            break endpoints;
        }
        if Instant::now() >= deadline {
            let log: Vec<(u64, String, Option<String>)> = store
                .events_after(0, 100)
                .await
                .unwrap()
                .into_iter()
                .map(|e| (e.seq, e.kind, e.payload))
                .collect();
            panic!(
                "webhooks never caught up to {latest} (the ring's {}): {:?}; log {log:?}",
                hub.latest_event(),
                endpoints
                    .iter()
                    .map(|e| (e.position, e.delivered, e.pending))
                    .collect::<Vec<_>>()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    worker.abort();
    let _ = worker.await;
    let posts = std::mem::take(&mut *recorder.posts.lock().unwrap());
    let mut out: BTreeMap<String, (Vec<Value>, u64)> = BTreeMap::new();
    for endpoint in endpoints {
        out.insert(endpoint.account.clone(), (Vec::new(), endpoint.delivered));
    }
    for (url, body) in posts {
        let account = url.rsplit('/').next().unwrap().to_owned();
        out.entry(account)
            .or_default()
            .0
            .push(serde_json::from_str(&body).unwrap());
    }
    for (bodies, _) in out.values_mut() {
        bodies.sort_by_key(|b| b["seq"].as_u64());
    }
    out
}
