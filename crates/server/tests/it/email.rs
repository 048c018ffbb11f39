//! E-mail delivery end to end (issue 13): a hub, its mail worker and `SmtpMailer` against the test SMTP sink.
//! Per-event and digest mails with the right content, 4xx retried, 5xx dead-lettered and replayed, header
//! injection through object names neutralised, and nothing about objects the subscriber may not read.

use std::sync::Arc;
use std::time::Duration;

use hub::{Caller, EventFilter, Hub, Rights, WebhookDeliveryConfig};
use mail::Address;
use server::{SmtpMailer, SmtpSettings, StartTls};

use crate::smtp_sink::{Received, Sink, SinkOptions, body_of, header_of};
use crate::support::{account, indicator, indicator_id, post_objects, test_hub};

const WEB: &str = "https://hub.example";

fn start_mail(hub: &Arc<Hub>, sink: &Sink) {
    let mailer = SmtpMailer::new(SmtpSettings {
        host: "localhost".to_owned(),
        port: sink.addr.port(),
        from: Address::parse("alerts@hub.example").unwrap(),
        starttls: StartTls::Required,
        credentials: None,
        timeout: Duration::from_secs(5),
        extra_roots: sink.cert.iter().cloned().collect(),
        helo: "hub.example".to_owned(),
    });
    let config = WebhookDeliveryConfig {
        schedule: webhook::RetrySchedule::parse("0s,200ms,200ms").unwrap(),
        poll_interval: Duration::from_millis(100),
        ..WebhookDeliveryConfig::default()
    };
    hub.start_event_tail();
    tokio::spawn(Arc::clone(hub).run_mail_deliveries(Arc::new(mailer), format!("{WEB}/"), config));
}

async fn tls_sink() -> Sink {
    Sink::start(SinkOptions {
        starttls: true,
        ..SinkOptions::default()
    })
    .await
}

async fn wait_mails(sink: &Sink, n: usize) -> Vec<Received> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mails = sink.mails();
        if mails.len() >= n {
            return mails;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited for {n} mails, got {mails:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn named(n: u32, name: &str, markings: &str) -> String {
    let mut object: serde_json::Value = serde_json::from_str(&indicator(n, 1)).unwrap();
    object["name"] = name.into();
    if !markings.is_empty() {
        object["object_marking_refs"] = serde_json::json!([markings]);
    }
    object.to_string()
}

const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

async fn reader(hub: &Hub) -> Caller {
    account(
        hub,
        "reader",
        Some(Rights {
            can_read: true,
            can_write: false,
        }),
    )
    .await;
    hub.account_caller("reader").await.unwrap()
}

#[tokio::test]
async fn one_mail_per_event_says_what_where_and_how_restricted() {
    let t = test_hub().await;
    let sink = tls_sink().await;
    // The submitter itself subscribes, so it may read its AMBER and RED objects.
    let who = t.hub.account_caller("admin").await.unwrap();
    let filter = EventFilter {
        thin_restricted: true,
        ..EventFilter::default()
    };
    let subscription = t
        .hub
        .create_subscription(&who, "admin", "county", filter)
        .await
        .unwrap();
    let email = t
        .hub
        .create_email(&who, &subscription.id, "alice@example.org", None)
        .await
        .unwrap();
    start_mail(&t.hub, &sink);
    let hostile = "evil.example\r\nBcc: victims\r\n\r\nforged body";
    post_objects(
        &t.app,
        "default",
        &[named(1, hostile, TLP_AMBER), named(2, "red one", TLP_RED)],
    )
    .await;
    let mails = wait_mails(&sink, 2).await;
    let first = mails
        .iter()
        .find(|m| m.data.contains(&indicator_id(1)) || body_of(&m.data).contains(&indicator_id(1)))
        .unwrap();
    assert!(first.tls);
    assert_eq!(first.to, ["<alice@example.org>"]);
    let head = first.data.split_once("\r\n\r\n").unwrap().0;
    assert!(!head.to_ascii_lowercase().contains("\nbcc"), "{head}");
    let subject = header_of(&first.data, "Subject").unwrap();
    assert_eq!(
        subject,
        "[stixhub] [TLP:AMBER] New indicator \"evil.example Bcc: victims forged body\" in Default collection"
    );
    let body = body_of(&first.data);
    assert!(body.contains(&format!("Open:       {WEB}/ui/c/api1/")), "{body}");
    assert!(body.contains(&format!("/objects/{}/", indicator_id(1))), "{body}");
    assert!(body.contains("the stixhub subscription \"county\""), "{body}");
    assert!(header_of(&first.data, "Message-ID").unwrap().contains(&email.id));
    // The RED object goes thin: id and link, never its name.
    let red = mails
        .iter()
        .find(|m| body_of(&m.data).contains(&indicator_id(2)))
        .unwrap();
    assert!(
        !red.data.contains("red one") && !body_of(&red.data).contains("red one"),
        "{}",
        red.data
    );
    assert!(body_of(&red.data).contains("restricted"));
    let listed = t.hub.emails(&who, None).await.unwrap();
    assert_eq!(listed.len(), 1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while t.hub.emails(&who, None).await.unwrap()[0].delivered < 2 {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(t.hub.email_totals().await.unwrap().delivered, 2);
    assert_eq!(
        t.hub.webhook_totals().await.unwrap().delivered,
        0,
        "mail is not counted as webhooks"
    );
    assert!(t.hub.webhooks(&who, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_digest_lists_the_events_of_its_interval_in_one_mail() {
    let t = test_hub().await;
    let sink = tls_sink().await;
    let who = reader(&t.hub).await;
    let subscription = t
        .hub
        .create_subscription(&who, "reader", "digest", EventFilter::default())
        .await
        .unwrap();
    t.hub
        .create_email(
            &who,
            &subscription.id,
            "bob@example.org",
            Some(Duration::from_secs(2)),
        )
        .await
        .unwrap();
    start_mail(&t.hub, &sink);
    let objects: Vec<String> = (0..55).map(|n| named(n, &format!("name-{n}"), "")).collect();
    post_objects(&t.app, "default", &objects).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(sink.mails().is_empty(), "the interval has not passed");
    let mails = wait_mails(&sink, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.mails().len(), 1, "one digest");
    let subject = header_of(&mails[0].data, "Subject").unwrap();
    assert_eq!(subject, "[stixhub] 55 new events");
    let body = body_of(&mails[0].data);
    assert!(
        body.contains("\"name-0\"") && body.contains("\"name-49\""),
        "{body}"
    );
    assert!(!body.contains("\"name-50\""), "{body}");
    assert!(
        body.contains(&format!("... and 5 more: {WEB}/ui/alerts")),
        "{body}"
    );
}

#[tokio::test]
async fn four_hundreds_are_retried_and_five_hundreds_dead_lettered_then_replayed() {
    let t = test_hub().await;
    let sink = tls_sink().await;
    let who = reader(&t.hub).await;
    let subscription = t
        .hub
        .create_subscription(&who, "reader", "s", EventFilter::default())
        .await
        .unwrap();
    let email = t
        .hub
        .create_email(&who, &subscription.id, "carol@example.org", None)
        .await
        .unwrap();
    sink.script(&["451 4.3.0 try later"]);
    start_mail(&t.hub, &sink);
    post_objects(&t.app, "default", &[indicator(1, 1)]).await;
    // 451 then retried: accepted on the second attempt.
    let mails = wait_mails(&sink, 1).await;
    assert!(body_of(&mails[0].data).contains(&indicator_id(1)));
    // 554: a dead letter at once, no retry.
    sink.script(&["554 5.7.1 refused"]);
    post_objects(&t.app, "default", &[indicator(2, 1)]).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let dead = loop {
        let dead = t.hub.webhook_failures(&who, &email.id, true, 10).await.unwrap();
        if !dead.is_empty() {
            break dead;
        }
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(dead[0].attempts, 1, "{dead:?}");
    assert!(dead[0].last_error.contains("554"), "{dead:?}");
    assert_eq!(sink.mails().len(), 1);
    assert_eq!(
        t.hub.replay_webhook(&who, &email.id, Vec::new()).await.unwrap(),
        1
    );
    let mails = wait_mails(&sink, 2).await;
    assert!(body_of(&mails[1].data).contains(&indicator_id(2)));
    let totals = t.hub.email_totals().await.unwrap();
    assert!(totals.failed_attempts >= 2, "{totals:?}");
}

#[tokio::test]
async fn nothing_is_mailed_about_what_the_subscriber_may_not_read() {
    let t = test_hub().await;
    let sink = tls_sink().await;
    let who = reader(&t.hub).await;
    let secret = t
        .hub
        .create_collection(
            &Caller::operator(),
            hub::NewCollection {
                title: "Secret".to_owned(),
                alias: Some("secret".to_owned()),
                description: None,
                api_root: None,
            },
        )
        .await
        .unwrap();
    let subscription = t
        .hub
        .create_subscription(&who, "reader", "all", EventFilter::default())
        .await
        .unwrap();
    t.hub
        .create_email(&who, &subscription.id, "dave@example.org", None)
        .await
        .unwrap();
    // Another account's destination on someone else's subscription is refused like an unknown one.
    account(&t.hub, "other", None).await;
    let other = t.hub.account_caller("other").await.unwrap();
    let err = t
        .hub
        .create_email(&other, &subscription.id, "eve@evil.example", None)
        .await
        .unwrap_err();
    assert!(matches!(err, hub::HubError::NotFound), "{err:?}");
    let err = t
        .hub
        .create_email(&who, &subscription.id, "x@y.z\r\nBcc: e@v.il", None)
        .await
        .unwrap_err();
    assert!(matches!(err, hub::HubError::BadRequest(_)), "{err:?}");
    start_mail(&t.hub, &sink);
    post_objects(&t.app, &secret.id, &[named(7, "hidden thing", "")]).await;
    post_objects(&t.app, "default", &[named(8, "visible thing", "")]).await;
    let mails = wait_mails(&sink, 1).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.mails().len(), 1, "{mails:#?}");
    let all = format!("{}{}", mails[0].data, body_of(&mails[0].data));
    assert!(all.contains("visible thing"));
    assert!(!all.contains("hidden thing") && !all.contains(&indicator_id(7)) && !all.contains("Secret"));
    // Removing the subscription removes its destination.
    t.hub.delete_subscription(&who, &subscription.id).await.unwrap();
    assert!(t.hub.emails(&who, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_failed_digest_is_retried_as_one_digest() {
    let t = test_hub().await;
    let sink = tls_sink().await;
    let who = reader(&t.hub).await;
    let subscription = t
        .hub
        .create_subscription(&who, "reader", "d", EventFilter::default())
        .await
        .unwrap();
    t.hub
        .create_email(
            &who,
            &subscription.id,
            "erin@example.org",
            Some(Duration::from_secs(1)),
        )
        .await
        .unwrap();
    sink.script(&["452 4.2.2 mailbox full"]);
    start_mail(&t.hub, &sink);
    let objects: Vec<String> = (0..3).map(|n| named(n, &format!("d-{n}"), "")).collect();
    post_objects(&t.app, "default", &objects).await;
    let mails = wait_mails(&sink, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.mails().len(), 1);
    let body = body_of(&mails[0].data);
    assert_eq!(
        header_of(&mails[0].data, "Subject").unwrap(),
        "[stixhub] 3 new events"
    );
    assert!(body.contains("\"d-0\"") && body.contains("\"d-2\""), "{body}");
    let data_commands = sink
        .commands
        .lock()
        .unwrap()
        .iter()
        .filter(|c| *c == "DATA")
        .count();
    assert_eq!(data_commands, 2, "one refused attempt, one accepted");
    let email = &t.hub.emails(&who, None).await.unwrap()[0];
    assert_eq!((email.delivered, email.pending, email.dead), (3, 0, 0));
}

#[tokio::test]
async fn rest_and_metrics_show_destinations_to_their_owner_only() {
    use axum::http::StatusCode;

    use crate::support::{admin_post, get, get_as, send};
    let t = test_hub().await;
    let reader = account(
        &t.hub,
        "reader",
        Some(Rights {
            can_read: true,
            can_write: false,
        }),
    )
    .await;
    let other = account(
        &t.hub,
        "other",
        Some(Rights {
            can_read: true,
            can_write: false,
        }),
    )
    .await;
    let who = t.hub.account_caller("reader").await.unwrap();
    let subscription = t
        .hub
        .create_subscription(&who, "reader", "s", EventFilter::default())
        .await
        .unwrap();
    let body = format!(
        r#"{{"subscription":"{}","address":"r@example.org","digest_seconds":900}}"#,
        subscription.id
    );
    let created = send(&t.app, admin_post("/events/v1/emails/", &reader, &body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(created.json()["mode"], "digest");
    // Another account: its own subscription list is empty, and the reader's ids are 404 like unknown ones.
    let theirs = send(&t.app, admin_post("/events/v1/emails/", &other, &body)).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.body);
    let unknown = send(&t.app, get_as("/events/v1/emails/no-such-id", &other)).await;
    let hidden = send(&t.app, get_as(&format!("/events/v1/emails/{id}"), &other)).await;
    assert_eq!(
        (hidden.status, hidden.body.clone()),
        (unknown.status, unknown.body.clone())
    );
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let listed = send(&t.app, get_as("/events/v1/emails/", &other)).await;
    assert_eq!(listed.json()["emails"], serde_json::json!([]));
    let mine = send(&t.app, get_as(&format!("/events/v1/emails/{id}"), &reader)).await;
    assert_eq!(mine.json()["address"], "r@example.org");
    let bad = format!(
        r#"{{"subscription":"{}","address":"r@example.org\r\nBcc: x@y.z"}}"#,
        subscription.id
    );
    let bad = send(&t.app, admin_post("/events/v1/emails/", &reader, &bad)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let metrics = get(&t.app, "/metrics").await.body;
    assert!(
        metrics.contains("stixhub_email_destinations{state=\"enabled\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("stixhub_email_deliveries_total 0"), "{metrics}");
    assert!(
        !metrics.contains("r@example.org") && !metrics.contains(&id),
        "aggregates only"
    );
}
