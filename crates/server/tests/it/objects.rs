//! POST, status, 413/422, empty results, exact bytes, duplicates, version filters, delete.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hub::HubConfig;

use crate::support::{
    TAXII, admin, delete_as, get, indicator, indicator_id, post_as, post_objects, send, test_hub,
    test_hub_with, version,
};

#[tokio::test]
async fn post_answers_202_with_a_complete_status_kept_at_the_status_endpoint() {
    let test = test_hub().await;
    let reply = post_objects(
        &test.app,
        "default",
        &[
            indicator(1, 1),
            indicator(2, 1),
            r#"{"type":"nonsense"}"#.to_owned(),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert_eq!(reply.header("content-type"), Some(TAXII));
    let status = reply.json();
    assert_eq!(status["status"], "complete");
    assert_eq!(status["total_count"], 3);
    assert_eq!(status["success_count"], 2);
    assert_eq!(status["failure_count"], 1);
    assert_eq!(status["pending_count"], 0);
    assert_eq!(status["successes"].as_array().unwrap().len(), 2);
    assert_eq!(status["failures"].as_array().unwrap().len(), 1);
    assert!(
        status["successes"][0]["version"].is_string(),
        "status-details.version is required"
    );
    assert!(status.get("pendings").is_none(), "empty lists are omitted");
    let id = status["id"].as_str().unwrap();
    let kept = get(&test.app, &format!("/api1/status/{id}/")).await;
    assert_eq!(kept.status, StatusCode::OK);
    assert_eq!(kept.json(), status);
    let objects = get(&test.app, "/api1/collections/default/objects/").await.json();
    assert_eq!(
        objects["objects"].as_array().unwrap().len(),
        2,
        "the invalid object is not stored"
    );
}

#[tokio::test]
async fn bodies_over_max_content_length_get_413_measured_even_when_chunked() {
    let config = HubConfig {
        default_max_content_length: 2048,
        ..HubConfig::default()
    };
    let test = test_hub_with(config).await;
    let path = "/api1/collections/default/objects/";
    let padding = " ".repeat(2048);
    let over = format!(r#"{{"objects":[{}]}}{padding}"#, indicator(1, 1));
    let reply = send(&test.app, post_as(path, &admin(), over.clone())).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.header("content-type"), Some(TAXII));
    // A streamed body has no Content-Length: the server must count what arrives.
    let chunks: Vec<Result<String, std::io::Error>> = over
        .as_bytes()
        .chunks(100)
        .map(|c| Ok(String::from_utf8_lossy(c).into_owned()))
        .collect();
    let streamed = Request::post(path)
        .header(header::AUTHORIZATION, admin())
        .header(header::ACCEPT, TAXII)
        .header(header::CONTENT_TYPE, TAXII)
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    assert_eq!(
        send(&test.app, streamed).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // Exactly at the limit is accepted.
    let object = indicator(1, 1);
    let exact = format!(r#"{{"objects":[{object}]}}"#);
    let exact = format!("{exact}{}", " ".repeat(2048 - exact.len()));
    assert_eq!(exact.len(), 2048);
    assert_eq!(
        send(&test.app, post_as(path, &admin(), exact)).await.status,
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn unprocessable_bodies_get_422() {
    let test = test_hub().await;
    let path = "/api1/collections/default/objects/";
    for body in [
        "not json",
        "[1,2]",
        r#"{"objects": 5}"#,
        "[]",
        "[null]",
        r#"[[{"type": "x"}]]"#,
        "\"text\"",
    ] {
        let reply = send(&test.app, post_as(path, &admin(), body.to_owned())).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(reply.header("content-type"), Some(TAXII));
    }
}

#[tokio::test]
async fn empty_results_are_empty_objects_without_date_headers() {
    let test = test_hub().await;
    for path in [
        "/api1/collections/default/objects/",
        "/api1/collections/default/manifest/",
    ] {
        let reply = get(&test.app, path).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body, "{}");
    }
    assert_eq!(
        get(&test.app, "/api1/collections/").await.json()["collections"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let unknown = format!("/api1/collections/default/objects/{}/", indicator_id(9));
    assert_eq!(get(&test.app, &unknown).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&test.app, &format!("{unknown}versions/")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn objects_are_served_byte_identical_with_date_headers() {
    let test = test_hub().await;
    let odd = indicator(1, 1).replace(
        r#""pattern":"#,
        "\n  \"name\" : \"Zürich \\u00e9\",  \"pattern\":",
    );
    post_objects(&test.app, "default", std::slice::from_ref(&odd)).await;
    let reply = get(&test.app, "/api1/collections/default/objects/").await;
    assert!(reply.body.contains(&odd), "{}", reply.body);
    let first = reply.header("x-taxii-date-added-first").unwrap();
    let last = reply.header("x-taxii-date-added-last").unwrap();
    assert_eq!(first, last);
    assert_eq!(
        first.len(),
        "2020-01-01T00:00:00.000000Z".len(),
        "six fraction digits: {first}"
    );
    let manifest = get(&test.app, "/api1/collections/default/manifest/").await;
    assert_eq!(manifest.header("x-taxii-date-added-first"), Some(first));
    assert_eq!(manifest.json()["objects"][0]["date_added"], first);
    assert_eq!(
        manifest.json()["objects"][0]["media_type"],
        "application/stix+json;version=2.1"
    );
    assert_eq!(manifest.json()["more"], false);
}

#[tokio::test]
async fn duplicates_succeed_and_store_nothing_new() {
    let test = test_hub().await;
    post_objects(&test.app, "default", &[indicator(1, 1)]).await;
    let again = post_objects(&test.app, "default", &[indicator(1, 1)])
        .await
        .json();
    assert_eq!(again["success_count"], 1);
    assert_eq!(again["failure_count"], 0);
    let all = get(&test.app, "/api1/collections/default/objects/?match[version]=all")
        .await
        .json();
    assert_eq!(all["objects"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn version_filters_on_every_list_endpoint() {
    let test = test_hub().await;
    post_objects(
        &test.app,
        "default",
        &[indicator(1, 1), indicator(1, 2), indicator(1, 3), indicator(2, 1)],
    )
    .await;
    let versions_of = |value: serde_json::Value, key: &str| -> Vec<String> {
        value["objects"].as_array().map_or(Vec::new(), |objects| {
            objects
                .iter()
                .map(|o| o[key].as_str().unwrap().to_owned())
                .collect()
        })
    };
    let id = indicator_id(1);
    let objects = |query: &str| format!("/api1/collections/default/objects/?match[id]={id}&{query}");
    assert_eq!(
        versions_of(get(&test.app, &objects("")).await.json(), "modified"),
        vec![version(3)]
    );
    assert_eq!(
        versions_of(
            get(&test.app, &objects("match[version]=first")).await.json(),
            "modified"
        ),
        vec![version(1)]
    );
    assert_eq!(
        versions_of(
            get(&test.app, &objects("match[version]=all")).await.json(),
            "modified"
        )
        .len(),
        3
    );
    let exact = objects("match[version]=2020-01-01T00:00:02Z");
    assert_eq!(
        versions_of(get(&test.app, &exact).await.json(), "modified"),
        vec![version(2)]
    );
    let object = format!("/api1/collections/default/objects/{id}/");
    assert_eq!(
        versions_of(get(&test.app, &object).await.json(), "modified"),
        vec![version(3)]
    );
    let manifest = format!("/api1/collections/default/manifest/?match[id]={id}&match[version]=first,last");
    assert_eq!(
        versions_of(get(&test.app, &manifest).await.json(), "version"),
        vec![version(1), version(3)]
    );
    let versions = get(&test.app, &format!("{object}versions/")).await;
    assert_eq!(
        versions.json()["versions"],
        serde_json::json!([version(1), version(2), version(3)])
    );
    assert!(versions.header("x-taxii-date-added-last").is_some());
    let by_type = get(
        &test.app,
        "/api1/collections/default/objects/?match[type]=indicator,malware",
    )
    .await
    .json();
    assert_eq!(by_type["objects"].as_array().unwrap().len(), 2);
    assert_eq!(
        get(
            &test.app,
            "/api1/collections/default/objects/?match[type]=malware"
        )
        .await
        .body,
        "{}"
    );
    assert_eq!(
        get(
            &test.app,
            "/api1/collections/default/objects/?match[spec_version]=2.0"
        )
        .await
        .body,
        "{}"
    );
    let spec21 = get(
        &test.app,
        "/api1/collections/default/objects/?match[spec_version]=2.1",
    )
    .await
    .json();
    assert_eq!(spec21["objects"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn delete_removes_the_object_from_every_view() {
    let test = test_hub().await;
    post_objects(
        &test.app,
        "default",
        &[indicator(1, 1), indicator(1, 2), indicator(2, 1)],
    )
    .await;
    let object = format!("/api1/collections/default/objects/{}/", indicator_id(1));
    let one = send(
        &test.app,
        delete_as(
            &format!("{object}?match[version]=2020-01-01T00:00:02.000Z"),
            &admin(),
        ),
    )
    .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.header("content-type"), Some(TAXII));
    let left = get(&test.app, &object).await.json();
    assert_eq!(left["objects"][0]["modified"], version(1));
    assert_eq!(
        send(&test.app, delete_as(&object, &admin())).await.status,
        StatusCode::OK
    );
    assert_eq!(get(&test.app, &object).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&test.app, &format!("{object}versions/")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&test.app, delete_as(&object, &admin())).await.status,
        StatusCode::NOT_FOUND
    );
    let manifest = get(&test.app, "/api1/collections/default/manifest/").await.json();
    assert_eq!(manifest["objects"].as_array().unwrap().len(), 1);
    assert_eq!(manifest["objects"][0]["id"], indicator_id(2));
}

#[tokio::test]
async fn malformed_parameters_get_400() {
    let test = test_hub().await;
    for query in [
        "limit=0",
        "limit=-3",
        "limit=x",
        "added_after=yesterday",
        "added_after=2020-01-01T00:00:00Z&added_after=2020-01-01T00:00:00Z",
        "match[version]=all,first",
        "match[type]=a&match[type]=b",
        "next=garbage",
    ] {
        let reply = get(&test.app, &format!("/api1/collections/default/objects/?{query}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(reply.json()["http_status"], "400");
    }
    // Lenient added_after forms (taxii2-client drops trailing zeros; AIS clients send seconds).
    for after in [
        "2020-01-01T00:00:00Z",
        "2020-01-01T00:00:00.0Z",
        "2020-01-01T00:00:00.123Z",
    ] {
        let reply = get(
            &test.app,
            &format!("/api1/collections/default/objects/?added_after={after}"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{after}");
    }
}
