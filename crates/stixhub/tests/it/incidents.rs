//! Issue 16 acceptance through the real server: a county's report reaches the state's board (routing, an
//! `incident-alert` on the state's stream), is acknowledged, is published as TLP:AMBER to the state community
//! with the county anonymous (its consent is `none`) and PII redacted, and the other county sees nothing of it
//! by any path: the case by id (the same 404 as an unknown id, status, body and headers), the list, a
//! transition, a share, the event stream and the TAXII collection. Also: field-level 400s that store nothing,
//! a routing rule that reaches nobody flagged to admins, and a STIX incident posted by TAXII becoming a case.

use std::time::Duration;

use serde_json::{Value, json};

use crate::assets::{api, stream_events};
use crate::sharing::{TAXII, basic, set_up, stixhub};
use crate::taxii_server::{ServerProcess, fresh_data_dir, http};

fn report_body() -> Value {
    json!({
        "title": "Phishing mails to county-a poll workers",
        "category": "account-compromise",
        "severity": "high",
        "description": "Staff of county-a got lures from vote-help@bad.example. Contact Jane Doe at jane.doe@gmail.com or 614-555-0134.",
        "systems": ["email", "e-pollbook"],
        "occurred": "2026-11-03T09:05:00-05:00",
        "observables": [
            {"type": "email-addr", "value": "vote-help@bad.example"},
            {"type": "domain-name", "value": "bad.example"},
            {"type": "ipv4-addr", "value": "198.51.100.7"}
        ]
    })
}

/// Every answer of a GET, without the headers that differ per request.
fn bare(reply: (u16, Vec<(String, String)>, String)) -> (u16, Vec<(String, String)>, String) {
    let (status, headers, body) = reply;
    let headers = headers
        .into_iter()
        .filter(|(name, _)| !matches!(name.as_str(), "date" | "x-request-id" | "server-timing"))
        .collect();
    (status, headers, body)
}

fn get(server: &ServerProcess, account: &str, path: &str) -> (u16, Vec<(String, String)>, String) {
    let auth = basic(account);
    bare(
        http(
            &server.address,
            "GET",
            path,
            &[("Authorization", auth.as_str())],
            "",
        )
        .unwrap(),
    )
}

#[test]
fn a_county_report_reaches_the_state_is_shared_anonymously_and_the_other_county_sees_nothing() {
    let data_dir = fresh_data_dir("incidents");
    let data = data_dir.to_str().unwrap();
    set_up(data, "none");
    stixhub(
        data,
        &[
            "incident-route",
            "add",
            "--tier",
            "org:ohio",
            "--tier",
            "account:admin",
        ],
        "",
    );
    let server = ServerProcess::start(&data_dir);

    // Bad input: field-level messages, nothing stored.
    let (status, errors) = api(
        &server,
        "a",
        "POST",
        "/incidents/v1/",
        r#"{"title": "", "severity": "dire"}"#,
    );
    assert_eq!(status, 400, "{errors}");
    let fields: Vec<&str> = errors["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["title", "category", "severity", "description"] {
        assert!(fields.contains(&field), "{field} not named in {errors}");
    }
    let (_, listed) = api(&server, "a", "GET", "/incidents/v1/", "");
    assert_eq!(listed["cases"], json!([]), "a refused report stored nothing");

    // County A reports.
    let (status, case) = api(&server, "a", "POST", "/incidents/v1/", &report_body().to_string());
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_str().unwrap().to_owned();
    assert_eq!(case["status"], "new");
    assert_eq!(case["jurisdiction"], "county-a");
    let description = case["description"].as_str().unwrap();
    assert!(
        description.contains("vote-help@bad.example"),
        "threat data kept: {description}"
    );
    assert!(
        !description.contains("jane.doe@gmail.com") && !description.contains("614-555-0134"),
        "PII redacted: {description}"
    );

    // The state is alerted; county B is not.
    let state_events = stream_events(&server, "state", Duration::from_millis(1500));
    let alerts: Vec<&Value> = state_events
        .iter()
        .filter(|e| e["kind"] == "incident-alert")
        .collect();
    assert_eq!(alerts.len(), 1, "{state_events:?}");
    assert_eq!(alerts[0]["case"]["id"], id.as_str());

    // The other county: nothing by id (same answer as an unknown id), list, transition, share.
    let unknown = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let hidden = get(&server, "b", &format!("/incidents/v1/{id}"));
    let absent = get(&server, "b", &format!("/incidents/v1/{unknown}"));
    assert_eq!(hidden.0, 404);
    assert_eq!(hidden, absent, "a hidden case answers exactly like an unknown id");
    let (_, listed) = api(&server, "b", "GET", "/incidents/v1/", "");
    assert_eq!(listed["cases"], json!([]));
    for (path, body) in [
        (
            format!("/incidents/v1/{id}/transition"),
            json!({"to": "acknowledged"}),
        ),
        (
            format!("/incidents/v1/{id}/share"),
            json!({"communities": ["ohio-counties"], "tlp": "green", "collection": "ohio"}),
        ),
        (format!("/incidents/v1/{id}/transition"), json!({"to": "bogus"})),
    ] {
        let (status, _) = api(&server, "b", "POST", &path, &body.to_string());
        assert_eq!(status, 404, "{path} {body}");
        let (status, _) = api(
            &server,
            "b",
            "POST",
            &path.replace(&id, unknown),
            &body.to_string(),
        );
        assert_eq!(status, 404);
    }
    // Forged ids, huge and deeply nested bodies: 404, 413, 400 naming the body; nothing stored.
    for forged in [
        "..%2F..%2Fadmin",
        "case--1",
        &format!("{id}x"),
        &id.to_uppercase(),
    ] {
        assert_eq!(
            get(&server, "b", &format!("/incidents/v1/{forged}")).0,
            404,
            "{forged}"
        );
    }
    let huge =
        json!({"title": "t", "category": "other", "severity": "low", "description": "x".repeat(300 * 1024)});
    let (status, _) = api(&server, "b", "POST", "/incidents/v1/", &huge.to_string());
    assert_eq!(status, 413);
    let nested = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let (status, reply) = api(&server, "b", "POST", "/incidents/v1/", &nested);
    assert_eq!(status, 400, "{reply}");
    assert_eq!(reply["errors"][0]["field"], "");
    let (_, listed) = api(&server, "b", "GET", "/incidents/v1/", "");
    assert_eq!(listed["cases"], json!([]));

    // The reporter reads its case but may not act on it.
    let (status, _) = api(&server, "a", "GET", &format!("/incidents/v1/{id}"), "");
    assert_eq!(status, 200);
    let (status, _) = api(
        &server,
        "a",
        "POST",
        &format!("/incidents/v1/{id}/transition"),
        r#"{"to":"acknowledged"}"#,
    );
    assert_eq!(status, 403);

    // The state acknowledges (a skipped stage is refused) and publishes to its community as TLP:AMBER.
    let (status, _) = api(
        &server,
        "state",
        "POST",
        &format!("/incidents/v1/{id}/transition"),
        r#"{"to":"resolved"}"#,
    );
    assert_eq!(status, 409);
    let (status, acked) = api(
        &server,
        "state",
        "POST",
        &format!("/incidents/v1/{id}/transition"),
        r#"{"to":"acknowledged","note":"on it","assignee":"state"}"#,
    );
    assert_eq!(status, 200, "{acked}");
    assert_eq!(acked["timers"]["acknowledge"]["met"], true);
    let (status, shared) = api(
        &server,
        "state",
        "POST",
        &format!("/incidents/v1/{id}/share"),
        &json!({"communities": ["ohio-state"], "tlp": "amber", "collection": "ohio"}).to_string(),
    );
    assert_eq!(status, 200, "{shared}");
    let share = &shared["shared"][0];
    assert_eq!(share["tlp"], "amber");
    assert_eq!(share["jurisdiction_named"], false);
    let incident_id = share["bundle"].as_str().unwrap().to_owned();
    assert!(incident_id.starts_with("incident--"));
    assert!(shared["kpi_ms"]["share"].as_i64().is_some());
    assert_eq!(
        shared["history"].as_array().unwrap().last().unwrap()["action"],
        "shared"
    );

    // The state reads the incident over TAXII: AMBER, the county not named, PII redacted.
    let taxii = |account: &str| {
        let auth = basic(account);
        let (status, _, body) = http(
            &server.address,
            "GET",
            "/api1/collections/ohio/objects/?match[type]=incident",
            &[("Accept", TAXII), ("Authorization", auth.as_str())],
            "",
        )
        .unwrap();
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<Value>(&body).unwrap()
    };
    let read = taxii("state");
    let objects = read["objects"].as_array().cloned().unwrap_or_default();
    assert_eq!(objects.len(), 1, "{read}");
    let text = objects[0].to_string();
    assert!(
        !text.to_lowercase().contains("county-a"),
        "the county is anonymous: {text}"
    );
    assert!(!text.contains("jane.doe@gmail.com"), "{text}");
    assert!(
        text.contains("55d920b0-5e8b-4f79-9ee9-91f868d9b421")
            || text.contains("marking-definition--f88d31f6"),
        "AMBER: {text}"
    );

    // County B: nothing of it by TAXII or by its stream.
    let read = taxii("b");
    assert!(
        read.get("objects")
            .is_none_or(|o| o.as_array().is_some_and(Vec::is_empty)),
        "{read}"
    );
    let b_events = stream_events(&server, "b", Duration::from_millis(1500));
    assert!(
        b_events
            .iter()
            .all(|e| !e.to_string().contains(&id) && !e.to_string().contains(&incident_id)),
        "{b_events:?}"
    );
    // The reporter sees the case move on (incident-updated on its stream).
    let a_events = stream_events(&server, "a", Duration::from_millis(1500));
    assert!(
        a_events
            .iter()
            .any(|e| e["kind"] == "incident-updated" && e["case"]["status"] == "acknowledged")
    );
    assert!(
        a_events.iter().all(|e| e["kind"] != "incident-alert"),
        "alerts are for responders: {a_events:?}"
    );
}

#[test]
fn a_rule_that_reaches_nobody_is_flagged_and_a_taxii_incident_becomes_a_case() {
    let data_dir = fresh_data_dir("incidents-route");
    let data = data_dir.to_str().unwrap();
    set_up(data, "government");
    stixhub(
        data,
        &[
            "account",
            "create",
            "ops",
            "--password-stdin",
            "--org",
            "ohio",
            "--role",
            "hub-admin",
        ],
        "pw-ops\n",
    );
    let server = ServerProcess::start(&data_dir);
    // Routing rules are for hub admins; a bad rule names its fields; one naming nobody is flagged.
    let (status, _) = api(
        &server,
        "a",
        "POST",
        "/incidents/v1/routes/",
        r#"{"tiers":[{"orgs":["ohio"]}]}"#,
    );
    assert_eq!(status, 403);
    let (status, bad) = api(
        &server,
        "ops",
        "POST",
        "/incidents/v1/routes/",
        r#"{"tiers":[], "severities":["dire"]}"#,
    );
    assert_eq!(status, 400, "{bad}");
    let fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"tiers") && fields.contains(&"severities[0]"),
        "{bad}"
    );
    let (status, rule) = api(
        &server,
        "ops",
        "POST",
        "/incidents/v1/routes/",
        r#"{"tiers":[{"orgs":["ghost-org"], "accounts": ["nobody"]}]}"#,
    );
    assert_eq!(status, 201, "{rule}");
    assert_eq!(rule["matches_nobody"], true);
    assert_eq!(rule["problems"].as_array().unwrap().len(), 2, "{rule}");
    stixhub(
        data,
        &[
            "incident-route",
            "add",
            "--category",
            "misinformation-campaign",
            "--tier",
            "org:ohio",
        ],
        "",
    );

    // A case no rule routes to anybody: hub admins are alerted.
    let body = json!({"title": "Doxing of the clerk", "category": "doxing", "severity": "low", "description": "posted online"});
    let (status, case) = api(&server, "b", "POST", "/incidents/v1/", &body.to_string());
    assert_eq!(status, 201, "{case}");
    assert!(
        case["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["action"] == "unrouted")
    );
    let ops_events = stream_events(&server, "ops", Duration::from_millis(1500));
    assert!(
        ops_events.iter().any(|e| e["kind"] == "incident-route-flag"),
        "{ops_events:?}"
    );
    assert!(
        ops_events
            .iter()
            .any(|e| e["kind"] == "incident-alert" && e["case"]["id"] == case["id"]),
        "{ops_events:?}"
    );
    let state_events = stream_events(&server, "state", Duration::from_millis(800));
    assert!(
        state_events
            .iter()
            .all(|e| e["kind"] != "incident-route-flag" && e["kind"] != "incident-alert")
    );

    // A STIX incident with a related indicator, posted by TAXII, becomes a case of county A.
    let stamp = "2026-11-03T10:00:00.000Z";
    let objects = json!({"objects": [
        {"type": "incident", "spec_version": "2.1", "id": "incident--6b1d7d5e-2f8a-4d0c-9a55-3c0f2f0a1b11",
         "created": stamp, "modified": stamp,
         "name": "Fake polling-place texts", "labels": ["misinformation-campaign", "severity-critical", "social-media"]},
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--6b1d7d5e-2f8a-4d0c-9a55-3c0f2f0a1b12",
         "created": stamp, "modified": stamp,
         "pattern": "[domain-name:value = 'polls-moved.example']", "pattern_type": "stix", "valid_from": stamp},
        {"type": "relationship", "spec_version": "2.1", "id": "relationship--6b1d7d5e-2f8a-4d0c-9a55-3c0f2f0a1b13",
         "created": stamp, "modified": stamp, "relationship_type": "related-to",
         "source_ref": "indicator--6b1d7d5e-2f8a-4d0c-9a55-3c0f2f0a1b12",
         "target_ref": "incident--6b1d7d5e-2f8a-4d0c-9a55-3c0f2f0a1b11"}
    ]});
    let auth = basic("a");
    let (status, _, body) = http(
        &server.address,
        "POST",
        "/api1/collections/ohio/objects/",
        &[
            ("Accept", TAXII),
            ("Content-Type", TAXII),
            ("Authorization", auth.as_str()),
        ],
        &objects.to_string(),
    )
    .unwrap();
    assert_eq!(status, 202, "{body}");
    let (_, listed) = api(&server, "state", "GET", "/incidents/v1/?status=new", "");
    let cases = listed["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{listed}");
    assert_eq!(cases[0]["severity"], "critical");
    assert_eq!(cases[0]["category"], "misinformation-campaign");
    let (_, case) = api(&server, "state", "GET", cases[0]["link"].as_str().unwrap(), "");
    assert_eq!(case["source"], "taxii");
    assert_eq!(case["observables"][0]["value"], "polls-moved.example");
    let (_, listed) = api(&server, "b", "GET", "/incidents/v1/", "");
    assert_eq!(
        listed["cases"].as_array().unwrap().len(),
        1,
        "county B sees only its own case: {listed}"
    );
}
