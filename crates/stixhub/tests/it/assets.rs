//! Issue 14 acceptance through the real server (victim notification): organisations claim assets over REST
//! and the CLI, a community admin verifies them, indicators posted by another organisation notify only the
//! verified owner on `/events/v1/stream`; and the abuse an ordinary account would try: claiming another
//! organisation's range (stays unverified, notifies nobody), overlapping claims (flagged to the verifier
//! only), enumerating or acting on other organisations' assets (404 like an unknown id), a hidden (AMBER)
//! object (the owner gets nothing until the producer releases it).

use std::io::{BufRead, BufReader, Write};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::sharing::{AMBER, TAXII, basic, set_up, stixhub};
use crate::taxii_server::{ServerProcess, fresh_data_dir, http};

const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

fn indicator(n: u32, value: &str, marking: &str) -> String {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--5a5e7000-0000-4000-8000-{n:012}"),
        "created": "2026-11-01T00:00:00.000Z", "modified": format!("2026-11-01T00:00:0{}.000Z", n % 10),
        "name": format!("bad thing {n}"),
        "pattern": value, "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
        "object_marking_refs": [marking],
    })
    .to_string()
}

fn post_objects(server: &ServerProcess, account: &str, objects: &[String]) {
    let auth = basic(account);
    let headers = [
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", auth.as_str()),
    ];
    let body = format!(r#"{{"objects":[{}]}}"#, objects.join(","));
    let (status, _, reply) = http(
        &server.address,
        "POST",
        "/api1/collections/ohio/objects/",
        &headers,
        &body,
    )
    .unwrap();
    assert_eq!(status, 202, "{reply}");
}

pub(crate) fn api(
    server: &ServerProcess,
    account: &str,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, Value) {
    let auth = basic(account);
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    let (status, _, reply) = http(&server.address, method, path, &headers, body).unwrap();
    (status, serde_json::from_str(&reply).unwrap_or(Value::Null))
}

/// Every event `account` receives on `/events/v1/stream` from the beginning, until `quiet` passes without one.
pub(crate) fn stream_events(server: &ServerProcess, account: &str, quiet: Duration) -> Vec<Value> {
    let mut stream = std::net::TcpStream::connect(&server.address).unwrap();
    stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    write!(
        stream,
        "GET /events/v1/stream HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nLast-Event-ID: 0\r\n\r\n",
        server.address,
        basic(account)
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut events = Vec::new();
    let mut last = Instant::now();
    let mut line = String::new();
    while last.elapsed() < quiet {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {
                if let Some(data) = line.trim_end().strip_prefix("data: ") {
                    events.push(serde_json::from_str(data).unwrap());
                    last = Instant::now();
                }
            }
            Err(_) => {}
        }
    }
    events
}

pub(crate) fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["kind"] == kind).collect()
}

/// Waits until `account` has received `n` events of `kind`; returns every event.
fn wait_for(server: &ServerProcess, account: &str, kind: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let events = stream_events(server, account, Duration::from_millis(800));
        if of_kind(&events, kind).len() >= n || Instant::now() > deadline {
            return events;
        }
    }
}

/// The county set-up of `sharing.rs` plus admins: `a-admin` and `b-admin` (org admins of the counties) and
/// `verifier` (a community admin of `ohio-counties`).
fn set_up_admins(data: &str) {
    set_up(data, "government");
    for (account, org, role) in [
        ("a-admin", "county-a", "org-admin"),
        ("b-admin", "county-b", "org-admin"),
        ("verifier", "ohio", "community-admin"),
    ] {
        stixhub(
            data,
            &[
                "account",
                "create",
                account,
                "--password-stdin",
                "--org",
                org,
                "--role",
                role,
            ],
            &format!("pw-{account}\n"),
        );
        stixhub(data, &["grant", account, "--collection", "ohio"], "");
    }
    stixhub(data, &["community", "add-admin", "ohio-counties", "verifier"], "");
}

#[test]
fn only_the_verified_owner_is_notified_and_claims_cannot_be_abused() {
    let dir = fresh_data_dir("assets-victims");
    let data = dir.to_str().unwrap();
    set_up_admins(data);
    let server = ServerProcess::start_with_store_flags(&["--data".as_ref(), data.as_ref()]);

    // County B claims county A's range first: accepted, unverified, and nothing tells it about A.
    let range = json!({"kind": "cidr", "value": "198.51.100.0/24"}).to_string();
    let (status, b_claim) = api(&server, "b-admin", "POST", "/assets/v1/", &range);
    assert_eq!(status, 201, "{b_claim}");
    assert_eq!(b_claim["verified"], false);
    let (status, a_claim) = api(&server, "a-admin", "POST", "/assets/v1/", &range);
    assert_eq!(status, 201, "{a_claim}");
    assert_eq!(
        a_claim["overlaps"],
        json!([]),
        "the claimant never learns of other claims"
    );
    // Precise errors for invalid claims.
    let bad = json!({"kind": "cidr", "value": "198.51.100.7/24"}).to_string();
    let (status, reply) = api(&server, "a-admin", "POST", "/assets/v1/", &bad);
    assert_eq!(status, 400);
    assert!(
        reply
            .to_string()
            .contains("host bits are set (the network is 198.51.100.0/24)"),
        "{reply}"
    );
    // A member may not claim; nobody lists or acts on another organisation's assets.
    let (status, _) = api(&server, "a", "POST", "/assets/v1/", &range);
    assert_eq!(status, 403);
    let (status, _) = api(&server, "a-admin", "GET", "/assets/v1/?org=county-b", "");
    assert_eq!(status, 403);
    let (status, listed) = api(&server, "b-admin", "GET", "/assets/v1/", "");
    assert_eq!(status, 200);
    assert_eq!(
        listed["assets"].as_array().unwrap().len(),
        1,
        "its own only: {listed}"
    );
    let (status, pending) = api(&server, "b-admin", "GET", "/assets/v1/pending/", "");
    assert_eq!(
        (status, pending["assets"].clone()),
        (200, json!([])),
        "not a verifier"
    );
    let a_id = a_claim["id"].as_str().unwrap();
    let unknown = "00000000-0000-4000-8000-000000000000";
    for id in [a_id, unknown] {
        let (verify, verify_body) = api(&server, "b-admin", "POST", &format!("/assets/v1/{id}/verify"), "");
        let (remove, remove_body) = api(&server, "b-admin", "DELETE", &format!("/assets/v1/{id}"), "");
        assert_eq!((verify, remove), (404, 404), "{id}");
        assert_eq!(verify_body["title"], remove_body["title"]);
    }
    let (own_verify, _) = api(
        &server,
        "b-admin",
        "POST",
        &format!("/assets/v1/{}/verify", b_claim["id"].as_str().unwrap()),
        "",
    );
    assert_eq!(own_verify, 404, "an owner cannot verify its own claim");

    // The verifier sees both claims, each flagged with the other, and verifies A's only.
    let (status, pending) = api(&server, "verifier", "GET", "/assets/v1/pending/", "");
    assert_eq!(status, 200);
    let pending = pending["assets"].as_array().unwrap().clone();
    assert_eq!(pending.len(), 2, "{pending:?}");
    for claim in &pending {
        assert_eq!(claim["overlaps"].as_array().unwrap().len(), 1, "{claim}");
    }
    let (status, verified) = api(
        &server,
        "verifier",
        "POST",
        &format!("/assets/v1/{a_id}/verify"),
        "",
    );
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["verified"], true);
    std::thread::sleep(Duration::from_millis(2500));

    // The state posts a GREEN indicator of an address in the range: A (verified) is told; B, the state and
    // the hub admin are not.
    post_objects(
        &server,
        "state",
        &[indicator(1, "[ipv4-addr:value = '198.51.100.7']", GREEN)],
    );
    let a_events = wait_for(&server, "a", "victim-notification", 1);
    let notes = of_kind(&a_events, "victim-notification");
    assert_eq!(notes.len(), 1, "{a_events:#?}");
    assert_eq!(notes[0]["asset"]["value"], "198.51.100.0/24");
    assert_eq!(notes[0]["matched"], json!(["198.51.100.7"]));
    assert_eq!(notes[0]["object"]["name"], "bad thing 1");
    for account in ["b", "b-admin", "state", "verifier"] {
        let events = stream_events(&server, account, Duration::from_millis(800));
        assert!(
            of_kind(&events, "victim-notification").is_empty(),
            "{account}: {events:#?}"
        );
    }

    // A new version of the same indicator: suppressed.
    let mut v2: Value =
        serde_json::from_str(&indicator(1, "[ipv4-addr:value = '198.51.100.8']", GREEN)).unwrap();
    v2["modified"] = "2026-11-02T00:00:00.000Z".into();
    post_objects(&server, "state", &[v2.to_string()]);

    // An AMBER indicator for the state community only: A may not read it, so A gets nothing and the state
    // (the producer) gets a victim-found task; releasing it notifies A.
    post_objects(
        &server,
        "state",
        &[indicator(2, "[ipv4-addr:value = '198.51.100.9']", AMBER)],
    );
    let state_events = wait_for(&server, "state", "victim-found", 1);
    let tasks = of_kind(&state_events, "victim-found");
    assert_eq!(tasks.len(), 1, "{state_events:#?}");
    assert_eq!(tasks[0]["payload"]["owner"], "county-a");
    let a_events = stream_events(&server, "a", Duration::from_millis(1500));
    assert_eq!(
        of_kind(&a_events, "victim-notification").len(),
        1,
        "nothing new for A yet: {a_events:#?}"
    );
    assert!(
        !Value::from(a_events.clone())
            .to_string()
            .contains("5a5e7000-0000-4000-8000-000000000002"),
        "the AMBER id stays hidden"
    );
    let seq = tasks[0]["seq"].as_u64().unwrap();
    let release = format!("/assets/v1/victim-tasks/{seq}/release");
    let (status, _) = api(&server, "b", "POST", &release, "");
    assert_eq!(status, 404, "only the producer or a hub admin");
    let (status, released) = api(&server, "state", "POST", &release, "");
    assert_eq!(status, 200, "{released}");
    assert_eq!(released["notified"], true, "{released}");
    let a_events = wait_for(&server, "a", "victim-notification", 2);
    let notes = of_kind(&a_events, "victim-notification");
    assert_eq!(notes.len(), 2, "{a_events:#?}");
    assert_eq!(
        notes[1]["object"]["id"],
        "indicator--5a5e7000-0000-4000-8000-000000000002"
    );
    let b_events = stream_events(&server, "b", Duration::from_millis(800));
    assert!(
        !Value::from(b_events.clone())
            .to_string()
            .contains("5a5e7000-0000-4000-8000-000000000002"),
        "B still sees nothing"
    );

    // Everything is audited.
    let (code, audit, stderr) = crate::operations::stixhub(&["audit", "list", "--data", data], "");
    assert_eq!(code, 0, "{stderr}");
    for action in [
        "asset.claim",
        "asset.verify",
        "victim.notify",
        "victim.task",
        "victim.release",
    ] {
        assert!(audit.contains(action), "{action} missing from the audit log");
    }
}

#[test]
fn the_command_line_claims_and_verifies_and_the_owner_is_notified() {
    let dir = fresh_data_dir("assets-cli");
    let data = dir.to_str().unwrap();
    set_up_admins(data);
    let server = ServerProcess::start_with_store_flags(&["--data".as_ref(), data.as_ref()]);
    let (code, id, stderr) = crate::operations::stixhub(
        &[
            "asset",
            "add",
            "county-a",
            "--domain",
            "County-A.example.",
            "--data",
            data,
        ],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    let id = id.trim().to_owned();
    let (code, listed, stderr) =
        crate::operations::stixhub(&["asset", "list", "--org", "county-a", "--data", data], "");
    assert_eq!(code, 0, "{stderr}");
    assert!(listed.contains("county-a.example\tunverified"), "{listed}");
    let (code, _, stderr) = crate::operations::stixhub(
        &["asset", "add", "county-a", "--domain", "org", "--data", data],
        "",
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("at least two labels"), "{stderr}");
    let (code, _, stderr) = crate::operations::stixhub(&["asset", "verify", &id, "--data", data], "");
    assert_eq!(code, 0, "{stderr}");
    std::thread::sleep(Duration::from_millis(2500));
    post_objects(
        &server,
        "b",
        &[indicator(
            3,
            "[domain-name:value = 'mail.county-a.example']",
            GREEN,
        )],
    );
    let events = wait_for(&server, "a", "victim-notification", 1);
    let notes = of_kind(&events, "victim-notification");
    assert_eq!(notes.len(), 1, "{events:#?}");
    assert_eq!(notes[0]["asset"]["value"], "county-a.example");
    let (code, _, stderr) = crate::operations::stixhub(&["asset", "remove", &id, "--data", data], "");
    assert_eq!(code, 0, "{stderr}");
}
