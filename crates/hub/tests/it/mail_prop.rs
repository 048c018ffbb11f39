//! Issue 13 acceptance for the e-mail channel: over the random sharing models of `read_paths_prop` (orgs,
//! nested communities, TLP and custom markings, anonymous submitters with consent rules), every account has an
//! e-mail destination on an all-events subscription, and the mail worker runs with a recording `MailSender`.
//! Each account receives exactly one mail per object version it is cleared for at delivery time, naming it
//! by the id it may know it by, and no mail names an original id it may not know.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use hub::{EventFilter, MailSender, WebhookDeliveryConfig};
use proptest::prelude::*;
use store::Store;

use crate::read_paths_prop::{
    MARKINGS, Model, account_name, build, caller, drop_schema, fresh_schema_store, indicator, model,
    object_id, runtime,
};

#[derive(Debug)]
struct Recorder {
    from: mail::Address,
    mails: Mutex<Vec<(String, String)>>,
}

#[async_trait]
impl MailSender for Recorder {
    fn sender(&self) -> &mail::Address {
        &self.from
    }

    async fn send(&self, to: &mail::Address, message: &[u8]) -> Result<(), mail::SendError> {
        let text = String::from_utf8(message.to_vec()).unwrap();
        self.mails.lock().unwrap().push((to.to_string(), text));
        Ok(())
    }
}

fn address(reader: usize) -> String {
    format!("{}@example.org", account_name(reader))
}

async fn check(store: Arc<dyn Store>, model: Model) {
    let (hub, public) = build(store, &model).await;
    let hub = Arc::new(hub);
    for reader in 0..model.accounts.len() {
        let who = caller(&model, reader);
        let subscription = hub
            .create_subscription(&who, &who.account, "all", EventFilter::default())
            .await
            .unwrap();
        hub.create_email(&who, &subscription.id, &address(reader), None)
            .await
            .unwrap();
    }
    let recorder = Arc::new(Recorder {
        from: mail::Address::parse("hub@hub.test").unwrap(),
        mails: Mutex::default(),
    });
    hub.start_event_tail();
    let config = WebhookDeliveryConfig {
        poll_interval: Duration::from_millis(50),
        ..WebhookDeliveryConfig::default()
    };
    let worker = tokio::spawn(Arc::clone(&hub).run_mail_deliveries(
        recorder.clone(),
        "https://hub.test".to_owned(),
        config,
    ));
    // A second version of every object, committed after the destinations exist.
    for (i, (submitter, marking)) in model.objects.iter().enumerate() {
        let body = indicator(i, MARKINGS[*marking]).replace(
            r#""modified":"2026-01-01T00:00:00.000Z""#,
            r#""modified":"2026-01-02T00:00:00.000Z""#,
        );
        let status = hub
            .add_objects(&caller(&model, *submitter), "api1", "default", body)
            .await
            .unwrap();
        assert_eq!(status.success_count, 1, "{status:?}");
    }
    let served_id = |reader: usize, object: usize| {
        let original = object_id(object);
        if model.revealed(reader, object) {
            original
        } else {
            public[&original].clone()
        }
    };
    let expected_total: usize = (0..model.accounts.len())
        .map(|r| (0..model.objects.len()).filter(|o| model.cleared(r, *o)).count())
        .sum();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while recorder.mails.lock().unwrap().len() < expected_total {
        assert!(
            tokio::time::Instant::now() < deadline,
            "mails: {:?}",
            recorder.mails.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    worker.abort();
    let mails = recorder.mails.lock().unwrap().clone();
    assert_eq!(mails.len(), expected_total);
    for reader in 0..model.accounts.len() {
        let mine: Vec<&String> = mails
            .iter()
            .filter(|(to, _)| *to == address(reader))
            .map(|(_, m)| m)
            .collect();
        let mut got: Vec<String> = mine
            .iter()
            .map(|m| {
                let line = m.lines().find(|l| l.starts_with("Id:")).expect("an Id line");
                line.trim_start_matches("Id:").trim().to_owned()
            })
            .collect();
        got.sort();
        let mut expected: Vec<String> = (0..model.objects.len())
            .filter(|o| model.cleared(reader, *o))
            .map(|o| served_id(reader, o))
            .collect();
        expected.sort();
        assert_eq!(got, expected, "reader {reader}");
        for mail in &mine {
            for object in 0..model.objects.len() {
                if !model.revealed(reader, object) {
                    assert!(
                        !mail.contains(&object_id(object)),
                        "reader {reader} learns {}",
                        object_id(object)
                    );
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn mail_carries_exactly_what_the_subscriber_may_read_sqlite(model in model()) {
        let dir = std::env::temp_dir().join(format!("stixhub-hub-mail-{}", uuid::Uuid::new_v4()));
        let store: Arc<dyn Store> = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
        runtime().block_on(check(store, model));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn mail_carries_exactly_what_the_subscriber_may_read_postgres(model in model()) {
        let Ok(url) = std::env::var("STIXHUB_TEST_DATABASE_URL") else {
            return Ok(());
        };
        runtime().block_on(async {
            let (store, schema) = fresh_schema_store(&url).await;
            check(store, model).await;
            drop_schema(&url, &schema).await;
        });
    }
}
