//! The admin REST API and its OpenAPI document.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hub::Rights;

use crate::support::{account, admin, admin_post, get_as, send, test_hub};

#[tokio::test]
async fn the_openapi_document_lists_every_admin_route() {
    let test = test_hub().await;
    let reply = send(
        &test.app,
        Request::get("/admin/v1/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let document = reply.json();
    for path in [
        "/collections/",
        "/accounts/",
        "/accounts/{account}/tokens/",
        "/grants/",
        "/organisations/",
        "/communities/",
        "/communities/{community}/members/",
        "/communities/{community}/admins/",
        "/collections/{collection}/audience/",
        "/accounts/{account}/markings/{marking}",
        "/reviews/",
        "/reviews/{review}",
        "/reviews/{review}/decision",
        "/collections/{collection}/anonymity/{org}",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path}");
    }
}

#[tokio::test]
async fn an_admin_creates_collection_account_grant_and_token() {
    let test = test_hub().await;
    let created = send(
        &test.app,
        admin_post(
            "/admin/v1/collections/",
            &admin(),
            r#"{"title":"Feed","alias":"feed"}"#,
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let collection_id = created.json()["id"].as_str().unwrap().to_owned();
    let conflict = send(
        &test.app,
        admin_post(
            "/admin/v1/collections/",
            &admin(),
            r#"{"title":"Again","alias":"feed"}"#,
        ),
    )
    .await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    let account = send(
        &test.app,
        admin_post(
            "/admin/v1/accounts/",
            &admin(),
            r#"{"name":"ana","password":"s3cret"}"#,
        ),
    )
    .await;
    assert_eq!(account.status, StatusCode::CREATED);
    let grant = send(
        &test.app,
        admin_post(
            "/admin/v1/grants/",
            &admin(),
            r#"{"account":"ana","collection":"feed","read":true}"#,
        ),
    )
    .await;
    assert_eq!(grant.status, StatusCode::OK);
    assert_eq!(grant.json()["collection"], collection_id.as_str());
    let token = send(
        &test.app,
        admin_post("/admin/v1/accounts/ana/tokens/", &admin(), ""),
    )
    .await;
    assert_eq!(token.status, StatusCode::CREATED);
    let bearer = format!("Bearer {}", token.json()["token"].as_str().unwrap());
    let seen = send(&test.app, get_as("/api1/collections/feed/", &bearer))
        .await
        .json();
    assert_eq!(
        (seen["can_read"].clone(), seen["can_write"].clone()),
        (true.into(), false.into())
    );
    let missing = send(
        &test.app,
        admin_post(
            "/admin/v1/grants/",
            &admin(),
            r#"{"account":"ana","collection":"nope"}"#,
        ),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let bad = send(
        &test.app,
        admin_post("/admin/v1/accounts/", &admin(), r#"{"name":5}"#),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn non_admins_are_refused_by_the_admin_api() {
    let test = test_hub().await;
    let reader = account(
        &test.hub,
        "reader",
        Some(Rights {
            can_read: true,
            can_write: true,
        }),
    )
    .await;
    let reply = send(
        &test.app,
        admin_post("/admin/v1/accounts/", &reader, r#"{"name":"x","password":"y"}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let anonymous = Request::post("/admin/v1/accounts/")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(send(&test.app, anonymous).await.status, StatusCode::UNAUTHORIZED);
}
