//! Webhook endpoints (issue 13): round trips, the delivery lease as a compare-and-swap with fencing, progress
//! applied atomically, retries, dead letters and replay.

use store::{
    CollectionId, DeliveryUpdate, EntityKind, Store, StoreError, WebhookDelivery, WebhookEndpoint,
    WebhookProgress, WebhookSecret,
};

async fn owner(store: &dyn Store, name: &str) {
    store
        .create_account(crate::access::account(name))
        .await
        .expect("account");
}

fn endpoint(id: &str, account: &str) -> WebhookEndpoint {
    WebhookEndpoint {
        id: id.to_owned(),
        account: account.to_owned(),
        url: format!("https://hooks.example/{id}"),
        secrets: vec![WebhookSecret {
            secret: format!("whsec_{id}AAAA"),
            expires_micros: None,
        }],
        collections: vec![
            CollectionId::new("c-1".to_owned()),
            CollectionId::new("c-2".to_owned()),
        ],
        types: vec!["indicator".to_owned()],
        enabled: true,
        disabled_reason: None,
        position: 7,
        created_micros: 1_000,
        delivered: 0,
        failed_attempts: 0,
        pending: 0,
        dead: 0,
    }
}

fn delivery(id: &str, seq: u64, attempts: u32, next: i64, dead: bool) -> WebhookDelivery {
    WebhookDelivery {
        endpoint: id.to_owned(),
        seq,
        attempts,
        next_attempt_micros: next,
        last_error: format!("HTTP 500 at attempt {attempts}"),
        dead,
    }
}

fn progress(id: &str, generation: u64, position: u64, updates: Vec<DeliveryUpdate>) -> WebhookProgress {
    WebhookProgress {
        endpoint: id.to_owned(),
        generation,
        position,
        updates,
        delivered: 1,
        failed_attempts: 1,
        disable: None,
    }
}

/// Endpoints round-trip per account in creation order; secrets are replaced; disabling keeps a reason and
/// enabling clears it; deleting forgets; unknown accounts and ids are `NotFound`, a reused id `Conflict`.
pub async fn webhooks_round_trip(store: &dyn Store) {
    owner(store, "alice").await;
    owner(store, "bob").await;
    let first = endpoint("w1", "alice");
    store.create_webhook(first.clone()).await.expect("create");
    store.create_webhook(endpoint("w2", "bob")).await.expect("create");
    store
        .create_webhook(endpoint("w3", "alice"))
        .await
        .expect("create");
    assert!(matches!(
        store.create_webhook(endpoint("w1", "bob")).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.create_webhook(endpoint("w9", "nobody")).await,
        Err(StoreError::NotFound(EntityKind::Account))
    ));
    assert_eq!(store.webhook("w1").await.expect("get"), Some(first));
    assert_eq!(store.webhook("w9").await.expect("get"), None);
    let ids = |list: Vec<WebhookEndpoint>| list.into_iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.webhooks(Some("alice")).await.expect("list")),
        ["w1", "w3"]
    );
    assert_eq!(ids(store.webhooks(None).await.expect("list")), ["w1", "w2", "w3"]);

    let rotated = vec![
        WebhookSecret {
            secret: "whsec_new".to_owned(),
            expires_micros: None,
        },
        WebhookSecret {
            secret: "whsec_old".to_owned(),
            expires_micros: Some(99_000),
        },
    ];
    store
        .set_webhook_secrets("w1", rotated.clone())
        .await
        .expect("rotate");
    assert_eq!(
        store.webhook("w1").await.expect("get").map(|e| e.secrets),
        Some(rotated)
    );
    store
        .set_webhook_enabled("w1", false, Some("HTTP 410".to_owned()))
        .await
        .expect("disable");
    let disabled = store.webhook("w1").await.expect("get").expect("exists");
    assert_eq!(
        (disabled.enabled, disabled.disabled_reason.as_deref()),
        (false, Some("HTTP 410"))
    );
    store.set_webhook_enabled("w1", true, None).await.expect("enable");
    let enabled = store.webhook("w1").await.expect("get").expect("exists");
    assert_eq!((enabled.enabled, enabled.disabled_reason), (true, None));
    for missing in [
        store.set_webhook_secrets("w9", Vec::new()).await,
        store.set_webhook_enabled("w9", true, None).await,
    ] {
        assert!(matches!(missing, Err(StoreError::NotFound(EntityKind::Webhook))));
    }
    assert!(store.delete_webhook("w3").await.expect("delete"));
    assert!(!store.delete_webhook("w3").await.expect("delete again"));
    assert_eq!(ids(store.webhooks(Some("alice")).await.expect("list")), ["w1"]);
}

/// One holder at a time: a second owner cannot take an unexpired lease, can after expiry (a new
/// generation), and the old holder's progress is then refused with nothing written.
pub async fn webhook_lease_is_a_fenced_compare_and_swap(store: &dyn Store) {
    owner(store, "alice").await;
    store
        .create_webhook(endpoint("w1", "alice"))
        .await
        .expect("create");
    assert_eq!(
        store
            .acquire_webhook_lease("w9", "node-a", 0, 10)
            .await
            .expect("lease"),
        None
    );
    let first = store
        .acquire_webhook_lease("w1", "node-a", 100, 200)
        .await
        .expect("lease")
        .expect("taken");
    assert_eq!(
        store
            .acquire_webhook_lease("w1", "node-b", 150, 250)
            .await
            .expect("lease"),
        None
    );
    // Renewal by the holder keeps the generation.
    assert_eq!(
        store
            .acquire_webhook_lease("w1", "node-a", 190, 300)
            .await
            .expect("renew"),
        Some(first)
    );
    assert_eq!(
        store
            .acquire_webhook_lease("w1", "node-b", 299, 400)
            .await
            .expect("lease"),
        None
    );
    let second = store
        .acquire_webhook_lease("w1", "node-b", 301, 400)
        .await
        .expect("lease")
        .expect("taken");
    assert!(second > first);

    let stale = store
        .record_webhook_progress(progress("w1", first, 50, Vec::new()))
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let unchanged = store.webhook("w1").await.expect("get").expect("exists");
    assert_eq!((unchanged.position, unchanged.delivered), (7, 0));
    // The old holder coming back after the new lease expired gets yet another generation.
    let third = store
        .acquire_webhook_lease("w1", "node-a", 401, 500)
        .await
        .expect("lease")
        .expect("taken");
    assert!(third > second);
    assert!(matches!(
        store
            .record_webhook_progress(progress("w9", third, 1, Vec::new()))
            .await,
        Err(StoreError::NotFound(EntityKind::Webhook))
    ));
}

/// Progress moves the position forward only, counts, keeps and forgets delivery rows; due rows come by
/// position and time; dead letters are listed apart and replayed (all, or chosen positions); a `410`
/// disables.
pub async fn webhook_deliveries_retry_die_and_replay(store: &dyn Store) {
    owner(store, "alice").await;
    store
        .create_webhook(endpoint("w1", "alice"))
        .await
        .expect("create");
    let generation = store
        .acquire_webhook_lease("w1", "n", 0, i64::MAX)
        .await
        .expect("lease")
        .expect("taken");
    let updates = vec![
        DeliveryUpdate::Keep(delivery("w1", 9, 1, 5_000, false)),
        DeliveryUpdate::Keep(delivery("w1", 8, 1, 1_000, false)),
        DeliveryUpdate::Keep(delivery("w1", 10, 8, 0, true)),
        DeliveryUpdate::Keep(delivery("w1", 11, 8, 0, true)),
    ];
    store
        .record_webhook_progress(progress("w1", generation, 12, updates))
        .await
        .expect("record");
    store
        .record_webhook_progress(progress("w1", generation, 3, Vec::new()))
        .await
        .expect("record");
    let state = store.webhook("w1").await.expect("get").expect("exists");
    assert_eq!(
        (
            state.position,
            state.delivered,
            state.failed_attempts,
            state.pending,
            state.dead
        ),
        (12, 2, 2, 2, 2)
    );
    let seqs = |list: Vec<WebhookDelivery>| list.into_iter().map(|d| d.seq).collect::<Vec<_>>();
    assert_eq!(
        seqs(store.due_webhook_deliveries("w1", 999, 10).await.expect("due")),
        Vec::<u64>::new()
    );
    assert_eq!(
        store.due_webhook_deliveries("w1", 1_000, 10).await.expect("due"),
        [delivery("w1", 8, 1, 1_000, false)]
    );
    assert_eq!(
        seqs(store.due_webhook_deliveries("w1", 9_000, 10).await.expect("due")),
        [8, 9]
    );
    assert_eq!(
        seqs(store.due_webhook_deliveries("w1", 9_000, 1).await.expect("due")),
        [8]
    );
    assert_eq!(
        seqs(store.webhook_dead_letters("w1", 10).await.expect("dead")),
        [10, 11]
    );

    let retried = vec![
        DeliveryUpdate::Forget(8),
        DeliveryUpdate::Keep(delivery("w1", 9, 2, 7_000, false)),
    ];
    store
        .record_webhook_progress(progress("w1", generation, 12, retried))
        .await
        .expect("record");
    assert_eq!(
        store.due_webhook_deliveries("w1", 9_000, 10).await.expect("due"),
        [delivery("w1", 9, 2, 7_000, false)]
    );

    assert_eq!(
        store
            .replay_webhook_dead_letters("w1", vec![11, 42], 8_000)
            .await
            .expect("replay"),
        1
    );
    assert_eq!(
        seqs(store.webhook_dead_letters("w1", 10).await.expect("dead")),
        [10]
    );
    let replayed = store.due_webhook_deliveries("w1", 8_000, 10).await.expect("due");
    assert_eq!(
        replayed.iter().map(|d| (d.seq, d.attempts)).collect::<Vec<_>>(),
        [(9, 2), (11, 0)]
    );
    assert_eq!(
        store
            .replay_webhook_dead_letters("w1", Vec::new(), 8_000)
            .await
            .expect("replay"),
        1
    );
    assert!(
        store
            .webhook_dead_letters("w1", 10)
            .await
            .expect("dead")
            .is_empty()
    );

    let mut gone = progress("w1", generation, 12, Vec::new());
    gone.disable = Some("the receiver answered 410 Gone".to_owned());
    store.record_webhook_progress(gone).await.expect("record");
    let state = store.webhook("w1").await.expect("get").expect("exists");
    assert!(!state.enabled);
    assert_eq!(
        state.disabled_reason.as_deref(),
        Some("the receiver answered 410 Gone")
    );
    assert!(store.delete_webhook("w1").await.expect("delete"));
    assert!(
        store
            .due_webhook_deliveries("w1", i64::MAX, 10)
            .await
            .expect("due")
            .is_empty()
    );
}
