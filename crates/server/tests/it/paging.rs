//! `limit`/`next` cursors and `added_after` paging by `X-TAXII-Date-Added-Last`.

use std::collections::BTreeSet;

use axum::http::StatusCode;

use crate::support::{get, indicator, post_objects, test_hub};

async fn with_objects(n: u32) -> crate::support::TestHub {
    let test = test_hub().await;
    for chunk in (0..n).collect::<Vec<_>>().chunks(10) {
        let objects: Vec<String> = chunk.iter().map(|&i| indicator(i, 1)).collect();
        post_objects(&test.app, "default", &objects).await;
    }
    test
}

fn ids(value: &serde_json::Value) -> Vec<String> {
    value["objects"].as_array().map_or(Vec::new(), |o| {
        o.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect()
    })
}

#[tokio::test]
async fn next_cursors_walk_everything_once_and_are_idempotent() {
    let test = with_objects(25).await;
    let mut seen = Vec::new();
    let mut path = "/api1/collections/default/objects/?limit=10".to_owned();
    let mut n_pages = 0;
    loop {
        let reply = get(&test.app, &path).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.header("x-taxii-date-added-first").is_some());
        let page = reply.json();
        assert!(ids(&page).len() <= 10);
        seen.extend(ids(&page));
        n_pages += 1;
        if page["more"] != true {
            assert!(page.get("next").is_none());
            break;
        }
        let next = page["next"].as_str().expect("more: true always comes with next");
        let again = get(
            &test.app,
            &format!("/api1/collections/default/objects/?limit=10&next={next}"),
        )
        .await;
        let reused = get(
            &test.app,
            &format!("/api1/collections/default/objects/?limit=10&next={next}"),
        )
        .await;
        assert_eq!(again.body, reused.body, "the same cursor gives the same page");
        path = format!("/api1/collections/default/objects/?limit=10&next={next}");
    }
    assert_eq!(n_pages, 3);
    assert_eq!(seen.len(), 25);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 25);
}

#[tokio::test]
async fn a_cursor_with_changed_filters_or_on_another_endpoint_is_400() {
    let test = with_objects(5).await;
    let page = get(&test.app, "/api1/collections/default/objects/?limit=2")
        .await
        .json();
    let next = page["next"].as_str().unwrap();
    let changed = get(
        &test.app,
        &format!("/api1/collections/default/objects/?limit=2&match[type]=indicator&next={next}"),
    )
    .await;
    assert_eq!(changed.status, StatusCode::BAD_REQUEST);
    let other_endpoint = get(
        &test.app,
        &format!("/api1/collections/default/manifest/?limit=2&next={next}"),
    )
    .await;
    assert_eq!(other_endpoint.status, StatusCode::BAD_REQUEST);
    // taxii2-client's as_pages re-sends a smaller limit with the cursor: limit is not a filter.
    let smaller = get(
        &test.app,
        &format!("/api1/collections/default/objects/?limit=1&next={next}"),
    )
    .await;
    assert_eq!(smaller.status, StatusCode::OK);
}

#[tokio::test]
async fn paging_by_date_added_last_never_loses_or_repeats() {
    let test = with_objects(23).await;
    let mut seen = Vec::new();
    let mut query = "limit=5".to_owned();
    for _ in 0..20 {
        let reply = get(&test.app, &format!("/api1/collections/default/objects/?{query}")).await;
        let page = reply.json();
        seen.extend(ids(&page));
        let Some(last) = reply.header("x-taxii-date-added-last") else {
            break;
        };
        query = format!("limit=5&added_after={last}");
    }
    assert_eq!(seen.len(), 23);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 23);
}

#[tokio::test]
async fn manifest_versions_and_object_endpoints_page_with_next() {
    let test = test_hub().await;
    let versions: Vec<String> = (1..=5).map(|v| indicator(1, v)).collect();
    post_objects(&test.app, "default", &versions).await;
    let object = format!(
        "/api1/collections/default/objects/{}/",
        crate::support::indicator_id(1)
    );
    let mut seen = Vec::new();
    let mut path = format!("{object}versions/?limit=2");
    loop {
        let page = get(&test.app, &path).await.json();
        seen.extend(
            page["versions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned()),
        );
        let Some(next) = page["next"].as_str() else { break };
        path = format!("{object}versions/?limit=2&next={next}");
    }
    assert_eq!(seen, (1..=5).map(crate::support::version).collect::<Vec<_>>());

    let first = get(&test.app, &format!("{object}?match[version]=all&limit=3"))
        .await
        .json();
    assert_eq!(first["objects"].as_array().unwrap().len(), 3);
    let next = first["next"].as_str().unwrap();
    let rest = get(
        &test.app,
        &format!("{object}?match[version]=all&limit=3&next={next}"),
    )
    .await
    .json();
    assert_eq!(rest["objects"].as_array().unwrap().len(), 2);
    assert_eq!(rest["more"], false);

    let manifest = get(
        &test.app,
        "/api1/collections/default/manifest/?match[version]=all&limit=4",
    )
    .await
    .json();
    assert_eq!(manifest["objects"].as_array().unwrap().len(), 4);
    assert_eq!(manifest["more"], true);
    let next = manifest["next"].as_str().unwrap();
    let rest = get(
        &test.app,
        &format!("/api1/collections/default/manifest/?match[version]=all&limit=4&next={next}"),
    )
    .await;
    assert_eq!(rest.json()["objects"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn added_after_selects_strictly_later_rows_and_last_among_them() {
    let test = test_hub().await;
    post_objects(&test.app, "default", &[indicator(1, 1)]).await;
    let first = get(&test.app, "/api1/collections/default/objects/").await;
    let first_added = first.header("x-taxii-date-added-last").unwrap().to_owned();
    post_objects(&test.app, "default", &[indicator(1, 2), indicator(2, 1)]).await;
    let later = get(
        &test.app,
        &format!("/api1/collections/default/objects/?added_after={first_added}"),
    )
    .await
    .json();
    let seen: Vec<(String, String)> = later["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["id"].as_str().unwrap().to_owned(),
                o["modified"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(seen.len(), 2);
    assert!(seen.contains(&(crate::support::indicator_id(1), crate::support::version(2))));
    let none = get(
        &test.app,
        "/api1/collections/default/objects/?added_after=2999-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(none.body, "{}");
}

#[tokio::test]
async fn limit_is_capped_by_the_server() {
    let config = hub::HubConfig {
        max_page_size: 3,
        ..hub::HubConfig::default()
    };
    let test = crate::support::test_hub_with(config).await;
    let objects: Vec<String> = (0..5).map(|n| indicator(n, 1)).collect();
    post_objects(&test.app, "default", &objects).await;
    let page = get(&test.app, "/api1/collections/default/objects/?limit=100")
        .await
        .json();
    assert_eq!(page["objects"].as_array().unwrap().len(), 3);
    assert_eq!(page["more"], true);
    assert!(page["next"].is_string());
}
