//! `/metrics`, `/readyz` and request ids.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::support::{account, get, get_as, indicator, post_objects, send, test_hub};

fn plain_get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn metrics_count_requests_by_route_method_and_status_with_latency_buckets() {
    let test = test_hub().await;
    assert_eq!(get(&test.app, "/taxii2/").await.status, StatusCode::OK);
    assert_eq!(get(&test.app, "/taxii2").await.status, StatusCode::OK);
    assert_eq!(
        get(&test.app, "/api1/collections/nope/").await.status,
        StatusCode::NOT_FOUND
    );
    let reply = post_objects(&test.app, "default", &[indicator(1, 1), indicator(2, 1)]).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert_eq!(
        send(&test.app, plain_get("/no/such/route/at/all/x/y"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let reply = send(&test.app, plain_get("/metrics")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = reply.body;
    let expected = [
        "stixhub_http_requests_total{route=\"/taxii2\",method=\"GET\",status=\"200\"} 2",
        "stixhub_http_requests_total{route=\"/{api_root}/collections/{collection}\",method=\"GET\",status=\"404\"} 1",
        "stixhub_http_requests_total{route=\"/{api_root}/collections/{collection}/objects\",method=\"POST\",status=\"202\"} 1",
        "stixhub_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1",
        "# TYPE stixhub_http_request_duration_seconds histogram",
        "stixhub_http_request_duration_seconds_bucket{route=\"/taxii2\",le=\"+Inf\"} 2",
        "stixhub_http_request_duration_seconds_bucket{route=\"/taxii2\",le=\"10\"} 2",
        "stixhub_http_request_duration_seconds_count{route=\"/taxii2\"} 2",
        "stixhub_http_request_duration_seconds_count{route=\"/{api_root}/collections/{collection}/objects\"} 1",
        "stixhub_objects_ingested_total 2",
    ];
    for line in expected {
        assert!(
            text.lines().any(|candidate| candidate == line),
            "missing {line:?} in\n{text}"
        );
    }
    // Buckets are cumulative: each count is at most the next.
    let taxii2_buckets: Vec<u64> = text
        .lines()
        .filter(|line| line.starts_with("stixhub_http_request_duration_seconds_bucket{route=\"/taxii2\""))
        .map(|line| line.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(taxii2_buckets.len(), 13);
    assert!(
        taxii2_buckets.windows(2).all(|pair| pair[0] <= pair[1]),
        "{taxii2_buckets:?}"
    );
}

#[tokio::test]
async fn request_id_is_echoed_or_generated() {
    let test = test_hub().await;
    let request = Request::get("/healthz")
        .header("x-request-id", "abc-123")
        .body(Body::empty())
        .unwrap();
    let reply = send(&test.app, request).await;
    assert_eq!(reply.header("x-request-id"), Some("abc-123"));

    let first = send(&test.app, plain_get("/healthz")).await;
    let second = send(&test.app, plain_get("/healthz")).await;
    let first_id = first.header("x-request-id").unwrap();
    assert_eq!(first_id.len(), 36, "a UUID: {first_id}");
    assert_ne!(Some(first_id), second.header("x-request-id"));

    // Errors carry it too.
    let request = Request::get("/nowhere")
        .header("x-request-id", "err-1")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&test.app, request).await.header("x-request-id"),
        Some("err-1")
    );
}

#[tokio::test]
async fn readyz_answers_200_when_the_store_answers() {
    let test = test_hub().await;
    let reply = send(&test.app, plain_get("/readyz")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "{\"status\":\"ready\"}");
}

#[tokio::test]
async fn metrics_count_policy_denials() {
    let test = test_hub().await;
    let outsider = account(&test.hub, "outsider", None).await;
    let reply = send(&test.app, get_as("/api1/collections/default/objects/", &outsider)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let text = send(&test.app, plain_get("/metrics")).await.body;
    assert!(
        text.lines().any(|line| line == "stixhub_policy_denials_total 1"),
        "{text}"
    );
    // A collection that does not exist counts the same (issue 12: the unauthenticated /metrics must not tell
    // an absent collection from a hidden one), and so does the store work it causes.
    let reply = send(&test.app, get_as("/api1/collections/missing/objects/", &outsider)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let after_absent = send(&test.app, plain_get("/metrics")).await.body;
    assert!(
        after_absent
            .lines()
            .any(|line| line == "stixhub_policy_denials_total 2"),
        "{after_absent}"
    );
    let reply = send(&test.app, get_as("/api1/collections/default/objects/", &outsider)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let after_hidden = send(&test.app, plain_get("/metrics")).await.body;
    let reply = send(&test.app, get_as("/api1/collections/missing/objects/", &outsider)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let after_absent_again = send(&test.app, plain_get("/metrics")).await.body;
    let counts = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|line| line.starts_with("stixhub_store_operation") && line.contains("_count"))
            .map(str::to_owned)
            .collect()
    };
    // The store operations a hidden and an absent collection cost are the same ones, the same number of times.
    let diff = |before: &str, after: &str| -> Vec<String> {
        let before = counts(before);
        counts(after)
            .into_iter()
            .filter(|line| !before.contains(line))
            .map(|line| {
                line.rsplit_once(' ')
                    .map_or(line.clone(), |(name, _)| name.to_owned())
            })
            .collect()
    };
    assert_eq!(
        diff(&after_absent, &after_hidden),
        diff(&after_hidden, &after_absent_again)
    );
}
