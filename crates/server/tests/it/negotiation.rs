//! Authentication, media types, Content-Type on every response, trailing slashes, unknown resources.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::support::{TAXII, admin, get, indicator, post_as, send, test_hub};

#[tokio::test]
async fn unauthenticated_requests_get_401_with_www_authenticate_and_taxii_type() {
    let test = test_hub().await;
    for path in [
        "/taxii2/",
        "/api1/",
        "/api1/collections/",
        "/api1/collections/default/objects/",
    ] {
        let reply = send(
            &test.app,
            Request::get(path)
                .header(header::ACCEPT, TAXII)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(
            reply
                .header("www-authenticate")
                .is_some_and(|v| v.starts_with("Basic"))
        );
        assert_eq!(reply.header("content-type"), Some(TAXII));
        assert_eq!(reply.json()["http_status"], "401");
    }
    let wrong = crate::support::basic("admin", "wrong");
    let reply = send(&test.app, crate::support::get_as("/taxii2/", &wrong)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = send(&test.app, crate::support::get_as("/taxii2/", "Bearer shx_nope")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bearer_tokens_authenticate() {
    let test = test_hub().await;
    let token = test
        .hub
        .create_token(&hub::Caller::operator(), "admin")
        .await
        .unwrap();
    let reply = send(
        &test.app,
        crate::support::get_as("/taxii2/", &format!("Bearer {token}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn discovery_and_api_root_describe_the_default_root() {
    let test = test_hub().await;
    let discovery = get(&test.app, "/taxii2/").await;
    assert_eq!(discovery.status, StatusCode::OK);
    assert_eq!(discovery.header("content-type"), Some(TAXII));
    assert_eq!(discovery.json()["default"], "/api1/");
    assert_eq!(discovery.json()["api_roots"][0], "/api1/");
    let root = get(&test.app, "/api1/").await.json();
    assert_eq!(root["versions"][0], TAXII);
    assert!(root["max_content_length"].as_u64().unwrap() > 0);
    assert_eq!(get(&test.app, "/nope/").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&test.app, "/api1/collections/nope/").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&test.app, "/api1/status/nope/").await.status,
        StatusCode::NOT_FOUND
    );
    let unknown_path = get(&test.app, "/api1/collections/default/objects/x/versions/y/").await;
    assert_eq!(unknown_path.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown_path.header("content-type"), Some(TAXII));
}

#[tokio::test]
async fn routes_answer_without_the_trailing_slash() {
    let test = test_hub().await;
    assert_eq!(get(&test.app, "/taxii2").await.status, StatusCode::OK);
    assert_eq!(get(&test.app, "/api1").await.status, StatusCode::OK);
    assert_eq!(
        get(&test.app, "/api1/collections/default/objects").await.status,
        StatusCode::OK
    );
}

fn with_accept(path: &str, accept: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(path).header(header::AUTHORIZATION, admin());
    if let Some(accept) = accept {
        builder = builder.header(header::ACCEPT, accept);
    }
    builder.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn accept_negotiation_serves_21_and_refuses_other_versions() {
    let test = test_hub().await;
    let objects = "/api1/collections/default/objects/";
    for accept in [
        None,
        Some("*/*"),
        Some("application/taxii+json"),
        Some("application/taxii+json ; version=2.1"),
    ] {
        assert_eq!(
            send(&test.app, with_accept(objects, accept)).await.status,
            StatusCode::OK,
            "{accept:?}"
        );
    }
    for accept in [
        "application/taxii+json;version=2.0",
        "application/json",
        "text/html",
    ] {
        let reply = send(&test.app, with_accept(objects, Some(accept))).await;
        assert_eq!(reply.status, StatusCode::NOT_ACCEPTABLE, "{accept}");
        assert_eq!(reply.header("content-type"), Some(TAXII));
    }
    let both = "application/taxii+json;version=2.1,application/stix+json;version=2.1";
    assert_eq!(
        send(
            &test.app,
            with_accept("/api1/collections/default/manifest/", Some(both))
        )
        .await
        .status,
        StatusCode::OK
    );
    // XSOAR's AIS helper sends a Content-Type on GETs: never 415 a GET.
    let get_with_type = Request::get(objects)
        .header(header::AUTHORIZATION, admin())
        .header(header::ACCEPT, TAXII)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&test.app, get_with_type).await.status, StatusCode::OK);
}

#[tokio::test]
async fn posts_need_the_taxii_content_type() {
    let test = test_hub().await;
    let body = format!(r#"{{"objects":[{}]}}"#, indicator(1, 1));
    for content_type in [
        Some("application/json"),
        Some("application/taxii+json;version=2.0"),
        None,
    ] {
        let mut builder = Request::post("/api1/collections/default/objects/")
            .header(header::AUTHORIZATION, admin())
            .header(header::ACCEPT, TAXII);
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        let reply = send(&test.app, builder.body(Body::from(body.clone())).unwrap()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert_eq!(reply.header("content-type"), Some(TAXII));
    }
    let reply = send(
        &test.app,
        post_as("/api1/collections/default/objects/", &admin(), body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn unsupported_methods_get_405_with_taxii_type() {
    let test = test_hub().await;
    let request = Request::put("/api1/collections/default/objects/")
        .header(header::AUTHORIZATION, admin())
        .body(Body::empty())
        .unwrap();
    let reply = send(&test.app, request).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("content-type"), Some(TAXII));
}

#[tokio::test]
async fn malformed_path_segments_get_a_taxii_400() {
    let test = test_hub().await;
    for path in [
        "/%FF/",
        "/api1/status/%FF/",
        "/api1/collections/%FF/",
        "/api1/collections/%FF/objects/",
        "/api1/collections/default/objects/%FF/",
        "/api1/collections/default/objects/%FF/versions/",
    ] {
        let reply = get(&test.app, path).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(reply.header("content-type"), Some(TAXII), "{path}");
        assert!(
            reply.body.contains("\"http_status\":\"400\""),
            "{path}: {}",
            reply.body
        );
    }
}
