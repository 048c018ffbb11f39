//! 401/403/404 choices: nobody learns whether a collection or object they may not read exists.

use axum::http::StatusCode;
use hub::Rights;

use crate::support::{
    account, delete_as, get_as, indicator, indicator_id, post_as, post_objects, send, test_hub,
};

#[tokio::test]
async fn a_caller_without_rights_sees_404_everywhere_in_the_collection() {
    let test = test_hub().await;
    post_objects(&test.app, "default", &[indicator(1, 1)]).await;
    let nobody = account(&test.hub, "nobody", None).await;
    let collections = send(&test.app, get_as("/api1/collections/", &nobody)).await;
    assert_eq!(collections.status, StatusCode::OK);
    assert_eq!(collections.body, "{}");
    let object = format!("/api1/collections/default/objects/{}/", indicator_id(1));
    for path in [
        "/api1/collections/default/".to_owned(),
        "/api1/collections/default/objects/".to_owned(),
        "/api1/collections/default/manifest/".to_owned(),
        object.clone(),
        format!("{object}versions/"),
    ] {
        let existing = send(&test.app, get_as(&path, &nobody)).await;
        let missing = send(
            &test.app,
            get_as(&path.replace("default", "no-such-collection"), &nobody),
        )
        .await;
        assert_eq!(existing.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(existing.body, missing.body, "the body must not hint at existence");
    }
    let post = send(
        &test.app,
        post_as("/api1/collections/default/objects/", &nobody, "{}".to_owned()),
    )
    .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    assert_eq!(
        send(&test.app, delete_as(&object, &nobody)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn partial_rights_get_403_for_what_they_lack() {
    let test = test_hub().await;
    post_objects(&test.app, "default", &[indicator(1, 1)]).await;
    let reader = account(
        &test.hub,
        "reader",
        Some(Rights {
            can_read: true,
            can_write: false,
        }),
    )
    .await;
    let writer = account(
        &test.hub,
        "writer",
        Some(Rights {
            can_read: false,
            can_write: true,
        }),
    )
    .await;
    let object = format!("/api1/collections/default/objects/{}/", indicator_id(1));

    let collection = send(&test.app, get_as("/api1/collections/default/", &reader))
        .await
        .json();
    assert_eq!(
        (collection["can_read"].clone(), collection["can_write"].clone()),
        (true.into(), false.into())
    );
    assert_eq!(
        send(&test.app, get_as("/api1/collections/default/objects/", &reader))
            .await
            .status,
        StatusCode::OK
    );
    let post = post_as(
        "/api1/collections/default/objects/",
        &reader,
        format!(r#"{{"objects":[{}]}}"#, indicator(2, 1)),
    );
    assert_eq!(send(&test.app, post).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        send(&test.app, delete_as(&object, &reader)).await.status,
        StatusCode::FORBIDDEN
    );

    for path in [
        "/api1/collections/default/objects/",
        "/api1/collections/default/manifest/",
    ] {
        assert_eq!(
            send(&test.app, get_as(path, &writer)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let post = post_as(
        "/api1/collections/default/objects/",
        &writer,
        format!(r#"{{"objects":[{}]}}"#, indicator(2, 1)),
    );
    let reply = send(&test.app, post).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let status_id = reply.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        send(&test.app, get_as(&format!("/api1/status/{status_id}/"), &writer))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(&test.app, get_as(&format!("/api1/status/{status_id}/"), &reader))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&test.app, delete_as(&object, &writer)).await.status,
        StatusCode::FORBIDDEN
    );
}
