//! The event stream (issue 13) through the router: SSE frames for new objects, `Last-Event-ID` resume, hidden
//! events skipped without a trace, filters checked with a 400 naming the field, subscriptions over REST.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use futures_util::StreamExt;
use hub::Rights;
use serde_json::Value;
use tower::ServiceExt;

use crate::support::{account, admin, admin_post, indicator, indicator_id, post_objects, send, test_hub};

/// An open SSE response body, read frame by frame.
struct Frames {
    body: axum::body::BodyDataStream,
    buffer: String,
}

impl Frames {
    /// The next `data:` of an event within `wait` (comments skipped), with its `id:`.
    async fn next(&mut self, wait: Duration) -> Option<(u64, Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let id = frame
                    .lines()
                    .find_map(|l| l.strip_prefix("id: "))
                    .map(|v| v.parse().unwrap());
                let data = frame.lines().find_map(|l| l.strip_prefix("data: "));
                if let (Some(id), Some(data)) = (id, data) {
                    return Some((id, serde_json::from_str(data).unwrap()));
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next()).await.ok()??;
            self.buffer
                .push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        }
    }
}

async fn open(app: &axum::Router, path: &str, authorization: &str, last_event_id: Option<u64>) -> Frames {
    let mut request = Request::get(path).header(header::AUTHORIZATION, authorization);
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id.to_string());
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/event-stream");
    Frames {
        body: response.into_body().into_data_stream(),
        buffer: String::new(),
    }
}

#[tokio::test]
async fn new_objects_arrive_as_frames_and_resume_from_last_event_id() {
    let test = test_hub().await;
    let mut stream = open(&test.app, "/events/v1/stream", &admin(), None).await;
    let outsider = account(&test.hub, "outsider", None).await;
    let mut hidden = open(&test.app, "/events/v1/stream", &outsider, None).await;
    assert_eq!(
        post_objects(&test.app, "default", &[indicator(1, 1)])
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let (id, data) = stream.next(Duration::from_secs(5)).await.expect("a frame");
    assert_eq!(data["seq"], id);
    assert_eq!(data["kind"], "object-added");
    assert_eq!(data["object"]["id"], indicator_id(1));
    assert!(
        hidden.next(Duration::from_millis(500)).await.is_none(),
        "no grant: no frame"
    );

    post_objects(&test.app, "default", &[indicator(2, 1), indicator(3, 1)]).await;
    let collection = data["collection"].as_str().unwrap().to_owned();
    // Resume after the first: the next two, in order; ad-hoc type filter lets them through.
    let path = format!("/events/v1/stream?collection={collection}&type=indicator");
    let mut resumed = open(&test.app, &path, &admin(), Some(id)).await;
    let (second, data) = resumed.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(data["object"]["id"], indicator_id(2));
    let (third, data) = resumed.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(data["object"]["id"], indicator_id(3));
    assert!(id < second && second < third);
    let mut other_type = open(&test.app, "/events/v1/stream?type=malware", &admin(), Some(0)).await;
    assert!(other_type.next(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn bad_filters_are_400_naming_the_field() {
    let test = test_hub().await;
    for (path, field) in [
        ("/events/v1/stream?type=Not%20A%20Type", "types[0]"),
        (
            "/events/v1/stream?collection=00000000-0000-4000-8000-000000000000",
            "collections[0]",
        ),
        ("/events/v1/stream?colour=red", "colour"),
        ("/events/v1/stream?subscription=nope", ""),
    ] {
        let reply = send(
            &test.app,
            Request::get(path)
                .header(header::AUTHORIZATION, admin())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        if field.is_empty() {
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
            continue;
        }
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}: {}", reply.body);
        assert!(reply.body.contains(field), "{path}: {}", reply.body);
    }
    let request = Request::get("/events/v1/stream")
        .header(header::AUTHORIZATION, admin())
        .header("last-event-id", "99")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&test.app, request).await.status, StatusCode::BAD_REQUEST);
    let anonymous = Request::get("/events/v1/stream").body(Body::empty()).unwrap();
    assert_eq!(send(&test.app, anonymous).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn subscriptions_over_rest_filter_the_stream() {
    let test = test_hub().await;
    let rights = Rights {
        can_read: true,
        can_write: false,
    };
    let reader = account(&test.hub, "reader", Some(rights)).await;
    let bad = admin_post(
        "/events/v1/subscriptions/",
        &reader,
        r#"{"name":"x","filter":{"tlp_max":"purple"}}"#,
    );
    let reply = send(&test.app, bad).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("tlp_max"), "{}", reply.body);
    let good = admin_post(
        "/events/v1/subscriptions/",
        &reader,
        r#"{"name":"ransomware","filter":{"types":["malware"],"malware_types":["ransomware"]}}"#,
    );
    let reply = send(&test.app, good).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let listed = send(
        &test.app,
        crate::support::get_as("/events/v1/subscriptions/", &reader),
    )
    .await;
    assert_eq!(listed.json()["subscriptions"][0]["id"], id);
    // Another account neither sees nor deletes it.
    let other = account(&test.hub, "other", None).await;
    let peek = send(
        &test.app,
        crate::support::get_as(&format!("/events/v1/subscriptions/{id}"), &other),
    )
    .await;
    assert_eq!(peek.status, StatusCode::NOT_FOUND);

    let mut stream = open(
        &test.app,
        &format!("/events/v1/stream?subscription={id}"),
        &reader,
        None,
    )
    .await;
    let malware = |name: &str, kind: &str| {
        format!(
            r#"{{"type":"malware","spec_version":"2.1","id":"malware--0000000{}-0000-4000-8000-000000000000","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"{name}","is_family":true,"malware_types":["{kind}"]}}"#,
            name.len()
        )
    };
    post_objects(
        &test.app,
        "default",
        &[
            indicator(1, 1),
            malware("wiper", "wiper"),
            malware("locker", "ransomware"),
        ],
    )
    .await;
    let (_, data) = stream.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(data["object"]["name"], "locker");
    let stats = send(
        &test.app,
        crate::support::get_as("/admin/v1/events/stats", &admin()),
    )
    .await;
    assert_eq!(stats.status, StatusCode::OK);
    assert!(stats.body.contains(&id), "{}", stats.body);
    let metrics = send(&test.app, Request::get("/metrics").body(Body::empty()).unwrap()).await;
    assert!(metrics.body.contains("stixhub_events_deliveries_total"));
    assert!(
        !metrics.body.contains(&id),
        "no subscription id in public metrics"
    );
    let delete = Request::delete(format!("/events/v1/subscriptions/{id}"))
        .header(header::AUTHORIZATION, &reader)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&test.app, delete).await.status, StatusCode::OK);
}
