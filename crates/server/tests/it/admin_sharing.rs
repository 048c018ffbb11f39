//! The sharing model's admin REST API under delegated administration: hub admins do everything, an
//! organisation admin manages its own organisation only, a community admin its communities, a member nothing;
//! refusals are 403 with the rule's reason.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hub::NewAccount;

use crate::support::{admin, admin_post, basic, get_as, send, test_hub};

#[tokio::test]
async fn delegated_administration_of_organisations_communities_and_accounts() {
    let test = test_hub().await;
    let app = &test.app;
    for (path, body) in [
        (
            "/admin/v1/organisations/",
            r#"{"name":"ohio","government":true,"consent":"government"}"#,
        ),
        (
            "/admin/v1/organisations/",
            r#"{"name":"county-a","government":true}"#,
        ),
        (
            "/admin/v1/organisations/",
            r#"{"name":"county-b","government":true}"#,
        ),
        ("/admin/v1/communities/", r#"{"name":"ohio-state"}"#),
    ] {
        let reply = send(app, admin_post(path, &admin(), body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{path}: {}", reply.body);
    }
    let reply = send(
        app,
        admin_post(
            "/admin/v1/organisations/",
            &admin(),
            r#"{"name":"x","consent":"maybe"}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);

    // The hub admin makes an org admin for county A and a community admin in the state.
    for (name, org, role) in [
        ("a-admin", "county-a", "org-admin"),
        ("state-admin", "ohio", "community-admin"),
    ] {
        let body = format!(r#"{{"name":"{name}","password":"pw","org":"{org}","role":"{role}"}}"#);
        let reply = send(app, admin_post("/admin/v1/accounts/", &admin(), &body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let a_admin = basic("a-admin", "pw");
    // An org admin creates members of its own organisation, not of another, and no higher roles.
    let reply = send(
        app,
        admin_post(
            "/admin/v1/accounts/",
            &a_admin,
            r#"{"name":"a1","password":"pw","org":"county-a"}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let reply = send(
        app,
        admin_post(
            "/admin/v1/accounts/",
            &a_admin,
            r#"{"name":"b1","password":"pw","org":"county-b"}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert!(reply.body.contains("own organisation"), "{}", reply.body);
    let reply = send(
        app,
        admin_post(
            "/admin/v1/accounts/",
            &a_admin,
            r#"{"name":"a2","password":"pw","org":"county-a","role":"hub-admin"}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    // Nor organisations, communities, or the review queue.
    let reply = send(
        app,
        admin_post("/admin/v1/organisations/", &a_admin, r#"{"name":"rogue"}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = send(app, get_as("/admin/v1/reviews/", &a_admin)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);

    // A community admin named for ohio-state manages its members and sub-communities only.
    let reply = send(
        app,
        admin_post(
            "/admin/v1/communities/ohio-state/admins/",
            &admin(),
            r#"{"account":"state-admin"}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let state_admin = basic("state-admin", "pw");
    let reply = send(
        app,
        admin_post(
            "/admin/v1/communities/",
            &state_admin,
            r#"{"name":"ohio-counties","parent":"ohio-state"}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let reply = send(
        app,
        admin_post(
            "/admin/v1/communities/ohio-counties/members/",
            &state_admin,
            r#"{"org":"county-a"}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = send(
        app,
        admin_post("/admin/v1/communities/", &state_admin, r#"{"name":"elsewhere"}"#),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "top-level communities are the hub admin's: {}",
        reply.body
    );
    // Administering the community is no right on the collection (issue 12): refused until it may write.
    let share = || {
        admin_post(
            "/admin/v1/collections/default/audience/",
            &state_admin,
            r#"{"community":"ohio-state"}"#,
        )
    };
    let reply = send(app, share()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = send(
        app,
        admin_post(
            "/admin/v1/collections/no-such-collection/audience/",
            &state_admin,
            r#"{"community":"ohio-state"}"#,
        ),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "an unknown collection answers alike: {}",
        reply.body
    );
    let reply = send(
        app,
        admin_post(
            "/admin/v1/grants/",
            &admin(),
            r#"{"account":"state-admin","collection":"default","write":true}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = send(app, share()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reviews = send(app, get_as("/admin/v1/reviews/", &admin())).await;
    assert_eq!(reviews.status, StatusCode::OK, "{}", reviews.body);
    assert_eq!(reviews.json()["reviews"], serde_json::json!([]));

    // Unknown names are 404; marking grants by the hub admin only (the org admin holds no marking).
    let reply = send(
        app,
        admin_post(
            "/admin/v1/communities/nope/members/",
            &admin(),
            r#"{"org":"county-a"}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    let marking = "marking-definition--1d7e1c5a-0000-4000-8000-000000000001";
    let put = |auth: &str| {
        Request::put(format!("/admin/v1/accounts/a1/markings/{marking}"))
            .header(header::AUTHORIZATION, auth)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(app, put(&a_admin)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(app, put(&admin())).await.status, StatusCode::OK);
    test.hub
        .create_account(
            &hub::Caller::operator(),
            NewAccount {
                name: "plain".to_owned(),
                password: "pw".to_owned(),
                org: Some("county-b".to_owned()),
                role: None,
            },
        )
        .await
        .unwrap();
    let reply = send(
        app,
        admin_post(
            "/admin/v1/communities/ohio-state/members/",
            &basic("plain", "pw"),
            r#"{"org":"county-b"}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
}
