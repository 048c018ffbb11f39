//! `GET /exports/v1/{collection}/{format}`: gated per caller, 404 for what the caller cannot read, counted
//! skips and suppressions, corpus indicators as input.

use axum::http::StatusCode;
use hub::{Caller, NewAccount, Rights};

use crate::support::{Reply, TestHub, admin, basic, get_as, post_as, send, test_hub};

const TLP1_AMBER: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";

async fn member(test: &TestHub, name: &str, org: &str, rights: Option<Rights>) -> String {
    let op = Caller::operator();
    let _ = test.hub.create_organisation(&op, org, "none", false).await;
    let account = NewAccount {
        name: name.to_owned(),
        password: "pw".to_owned(),
        org: Some(org.to_owned()),
        role: None,
    };
    test.hub.create_account(&op, account).await.unwrap();
    if let Some(rights) = rights {
        test.hub.grant(&op, name, "default", rights).await.unwrap();
    }
    basic(name, "pw")
}

fn indicator(n: u32, ip: &str, extra: &str) -> String {
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-{n:012}","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"export test {n}","pattern":"[ipv4-addr:value = '{ip}']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"{extra}}}"#
    )
}

async fn post(test: &TestHub, authorization: &str, objects: &[String]) {
    let body = format!(r#"{{"objects":[{}]}}"#, objects.join(","));
    let reply = send(
        &test.app,
        post_as("/api1/collections/default/objects/", authorization, body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    assert_eq!(reply.json()["failure_count"], 0, "{}", reply.body);
}

async fn export(test: &TestHub, path: &str, authorization: &str) -> Reply {
    send(&test.app, get_as(path, authorization)).await
}

#[tokio::test]
async fn another_organisations_amber_indicator_never_appears_in_a_callers_export() {
    let test = test_hub().await;
    let rw = Some(Rights {
        can_read: true,
        can_write: true,
    });
    let read = Some(Rights {
        can_read: true,
        can_write: false,
    });
    let alice = member(&test, "alice", "org-a", rw).await;
    let bob = member(&test, "bob", "org-b", read).await;
    let amber = format!(r#","object_marking_refs":["{TLP1_AMBER}"]"#);
    post(
        &test,
        &alice,
        &[
            indicator(1, "185.220.101.5", ""),
            indicator(2, "185.220.101.6", &amber),
        ],
    )
    .await;
    for format in ["plain", "suricata", "snort", "zeek", "csv", "rpz"] {
        let path = format!("/exports/v1/default/{format}?warninglists=none");
        let theirs = export(&test, &path, &bob).await;
        assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
        assert!(
            theirs.body.contains("exported: 1 lines from 1 indicators"),
            "{format}: {}",
            theirs.body
        );
        assert!(
            !theirs.body.contains("185.220.101.6") && !theirs.body.contains("6.101.220.185"),
            "{}",
            theirs.body
        );
        assert!(!theirs.body.contains("000000000002"), "{}", theirs.body);
        let own = export(&test, &path, &alice).await;
        assert!(
            own.body.contains("exported: 2 lines from 2 indicators"),
            "{format}: {}",
            own.body
        );
    }
    let csv = export(&test, "/exports/v1/default/csv?warninglists=none", &bob).await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
}

#[tokio::test]
async fn an_unreadable_collection_answers_exactly_like_a_missing_one() {
    let test = test_hub().await;
    let outsider = member(&test, "carol", "org-c", None).await;
    let writer = member(
        &test,
        "wanda",
        "org-c",
        Some(Rights {
            can_read: false,
            can_write: true,
        }),
    )
    .await;
    let hidden = export(&test, "/exports/v1/default/suricata", &outsider).await;
    let write_only = export(&test, "/exports/v1/default/suricata", &writer).await;
    let missing = export(&test, "/exports/v1/no-such-collection/suricata", &outsider).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!((hidden.status, &hidden.body), (missing.status, &missing.body));
    assert_eq!(
        (write_only.status, &write_only.body),
        (missing.status, &missing.body)
    );
    let anonymous = send(
        &test.app,
        axum::http::Request::get("/exports/v1/default/plain")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    for bad in [
        "/exports/v1/default/yara",
        "/exports/v1/default/plain?type=process",
        "/exports/v1/default/plain?limit=5",
    ] {
        let reply = export(&test, bad, &admin()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.body);
    }
}

#[tokio::test]
async fn warninglisted_values_are_suppressed_counted_and_overridable() {
    let test = test_hub().await;
    let rw = Some(Rights {
        can_read: true,
        can_write: true,
    });
    let alice = member(&test, "alice", "org-a", rw).await;
    let overriding = r#","labels":["stixhub:warninglist-override"]"#;
    post(
        &test,
        &alice,
        &[
            indicator(1, "10.1.2.3", ""),
            indicator(2, "192.168.7.7", overriding),
        ],
    )
    .await;
    let reply = export(&test, "/exports/v1/default/plain", &alice).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.body.lines().any(|l| l == "10.1.2.3"), "{}", reply.body);
    assert!(reply.body.lines().any(|l| l == "192.168.7.7"), "{}", reply.body);
    assert!(
        reply
            .body
            .contains("# suppressed: 1 (warninglist List of RFC 1918 CIDR blocks)"),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn corpus_indicators_export_with_their_skips_counted() {
    let test = test_hub().await;
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/bundles/unit42");
    let corpus = std::env::var_os("STIXHUB_CORPUS")
        .map_or(corpus, |c| std::path::PathBuf::from(c).join("bundles/unit42"));
    let mut indicators = Vec::new();
    for entry in std::fs::read_dir(&corpus).expect("the shared corpus (set STIXHUB_CORPUS)") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let bundle: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            let objects = bundle["objects"].as_array().unwrap();
            indicators.extend(
                objects
                    .iter()
                    .filter(|o| o["type"] == "indicator")
                    .map(|o| o.to_string()),
            );
        }
    }
    assert!(indicators.len() > 600);
    post(&test, &admin(), &indicators).await;
    let reply = export(
        &test,
        "/exports/v1/default/suricata?include_expired=true",
        &admin(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let rules = reply.body.lines().filter(|l| l.starts_with("alert ")).count();
    assert!(rules > 50, "{}", reply.body);
    let n = indicators.len();
    assert!(
        reply.body.contains(&format!("lines from {n} indicators")),
        "{}",
        &reply.body[reply.body.len() - 800..]
    );
    assert!(reply.body.contains("# skipped: "), "{}", reply.body);
}
