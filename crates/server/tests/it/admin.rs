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
        "/feeds/",
        "/feeds/{id}",
        "/feeds/{id}/run",
        "/collections/{collection}/anonymity/{org}",
        "/audit/",
        "/audit/verify",
        "/audit/report",
        "/accounts/{account}",
        "/accounts/{account}/disable",
        "/accounts/{account}/enable",
        "/accounts/{account}/password",
        "/password",
        "/tokens/{token_id}",
        "/tokens/revoke",
        "/communities/{community}/members/{org}",
        "/communities/{community}/admins/{account}",
        "/exports/v1/{collection}/{format}",
        "/webhooks/",
        "/webhooks/{id}",
        "/webhooks/{id}/rotate",
        "/webhooks/{id}/dead-letters",
        "/webhooks/{id}/replay",
        "/emails/",
        "/emails/{id}",
        "/emails/{id}/dead-letters",
        "/emails/{id}/replay",
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

#[tokio::test]
async fn the_audit_log_is_listed_verified_and_reported_for_admins_only() {
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
    let read = send(&test.app, get_as("/api1/collections/default/objects/", &reader)).await;
    assert_eq!(read.status, StatusCode::OK);
    for path in [
        "/admin/v1/audit/",
        "/admin/v1/audit/verify",
        "/admin/v1/audit/report",
    ] {
        let refused = send(&test.app, get_as(path, &reader)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
    }
    let verify = send(&test.app, get_as("/admin/v1/audit/verify", &admin())).await;
    assert_eq!(verify.status, StatusCode::OK);
    let verify = verify.json();
    assert_eq!(verify["intact"], true, "{verify}");
    let n_entries = verify["n_entries"].as_u64().unwrap();
    let listed = send(
        &test.app,
        get_as("/admin/v1/audit/?from_seq=0&limit=1000", &admin()),
    )
    .await
    .json();
    let entries = listed["entries"].as_array().unwrap();
    assert_eq!(entries.len() as u64, n_entries);
    assert_eq!(listed["next_seq"], n_entries);
    assert!(
        entries
            .iter()
            .any(|e| e["actor"] == "reader" && e["action"] == "objects.read"),
        "the read is logged (flushed before listing): {listed}"
    );
    let page = send(&test.app, get_as("/admin/v1/audit/?from_seq=1&limit=1", &admin()))
        .await
        .json();
    assert_eq!(page["entries"][0]["seq"], 1);
    assert_eq!(page["next_seq"], 2);
    let bad = send(&test.app, get_as("/admin/v1/audit/?limit=x", &admin())).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let report = send(&test.app, get_as("/admin/v1/audit/report", &admin())).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.json()["organisations"].is_array());
}
