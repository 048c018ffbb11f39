//! Issue 14, `POST /match/v1/` abused as an ordinary account would, through a real `stixhub serve`: another
//! organisation's hidden indicator never shows (the answer for its value is byte-identical to the answer for
//! a value nobody indexed), and oversized, deep, too long or malformed input gets a clear 4xx.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::revocation::{basic, cli};
use crate::taxii_server::{ServerProcess, fresh_data_dir, http};

const TAXII: &str = "application/taxii+json;version=2.1";
const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

fn indicator(n: u32, value: &str, marking: Option<&str>) -> Value {
    let mut object = json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--6f000000-0000-4000-8000-{n:012}"),
        "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z",
        "pattern": format!("[ipv4-addr:value = '{value}']"), "pattern_type": "stix",
        "valid_from": "2020-01-01T00:00:00Z",
    });
    if let Some(marking) = marking {
        object["object_marking_refs"] = json!([marking]);
    }
    object
}

fn post(address: &str, auth: &str, object: Value) {
    let headers = [
        ("Authorization", auth),
        ("Accept", TAXII),
        ("Content-Type", TAXII),
    ];
    let body = json!({"objects": [object]}).to_string();
    let (status, _, reply) = http(
        address,
        "POST",
        "/api1/collections/default/objects/",
        &headers,
        &body,
    )
    .unwrap();
    assert_eq!(status, 202, "{reply}");
    assert!(reply.contains("\"success_count\":1"), "{reply}");
}

fn match_raw(address: &str, auth: &str, body: &str) -> (u16, String) {
    let headers = [("Authorization", auth), ("Content-Type", "application/json")];
    let (status, _, reply) = http(address, "POST", "/match/v1/", &headers, body).unwrap();
    (status, reply)
}

/// The status of a POST announcing a body over 32 MiB (the server answers before reading it).
fn declared_too_large(address: &str, auth: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST /match/v1/ HTTP/1.1\r\nHost: {address}\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n[",
        33 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    let reply = String::from_utf8_lossy(&reply);
    reply
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

fn ips(values: &[&str]) -> String {
    Value::from(
        values
            .iter()
            .map(|v| json!({"type": "ipv4-addr", "value": v}))
            .collect::<Vec<_>>(),
    )
    .to_string()
}

/// A server with organisations `orga` (account alice, a TLP:RED indicator for 198.51.100.7) and `orgb`
/// (account bob, an unmarked indicator for 198.51.100.9); returns it, its data directory and both accounts'
/// `Authorization` values.
fn two_organisations(label: &str) -> (ServerProcess, std::path::PathBuf, String, String) {
    let data_dir = fresh_data_dir(label);
    let flags = ["--data", data_dir.to_str().unwrap()];
    let server = ServerProcess::start(&data_dir);
    let address = server.address.as_str();
    for org in ["orga", "orgb"] {
        cli(&flags, &["org", "create", org], "");
    }
    for (account, org) in [("alice", "orga"), ("bob", "orgb")] {
        cli(
            &flags,
            &["account", "create", account, "--password-stdin", "--org", org],
            &format!("{account}-password-1\n"),
        );
        cli(
            &flags,
            &["grant", account, "--collection", "default", "--read", "--write"],
            "",
        );
    }
    let alice = basic("alice", "alice-password-1");
    let bob = basic("bob", "bob-password-1");
    post(address, &alice, indicator(1, "198.51.100.7", Some(RED)));
    post(address, &bob, indicator(2, "198.51.100.9", None));
    (server, data_dir, alice, bob)
}

#[test]
fn match_reveals_nothing_hidden_and_refuses_bad_input_clearly() {
    let (server, data_dir, alice, bob) = two_organisations("match-abuse");
    let address = server.address.as_str();

    // Alice's RED indicator is indexed: she is told of it.
    let started = Instant::now();
    let alices = loop {
        let (status, reply) = match_raw(address, &alice, &ips(&["198.51.100.7"]));
        if status == 200 && reply.contains("indicator--6f000000-0000-4000-8000-000000000001") {
            break reply;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never matched: {status} {reply}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(alices.contains("\"observations\":[0]"), "{alices}");

    // Bob: the hidden value answers exactly like a value nobody indexed.
    let hidden = match_raw(address, &bob, &ips(&["198.51.100.7", "198.51.100.9"]));
    let absent = match_raw(address, &bob, &ips(&["198.51.100.6", "198.51.100.9"]));
    assert_eq!(hidden, absent);
    assert_eq!(hidden.0, 200);
    let reply: Value = serde_json::from_str(&hidden.1).unwrap();
    assert_eq!(
        reply["matches"],
        json!([{"indicator": "indicator--6f000000-0000-4000-8000-000000000002", "observations": [1]}])
    );
    // In a bundle, with the hidden value inside an observed-data: the same.
    let bundle = |value: &str| {
        json!({"type": "bundle", "id": "bundle--6f000000-0000-4000-8000-000000000001", "objects": [
            {"type": "ipv4-addr", "id": "ipv4-addr--6f000000-0000-4000-8000-000000000001", "value": value},
            {"type": "observed-data", "id": "observed-data--6f000000-0000-4000-8000-000000000001",
             "first_observed": "2026-01-01T00:00:00Z", "last_observed": "2026-01-01T00:00:00Z",
             "number_observed": 1, "object_refs": ["ipv4-addr--6f000000-0000-4000-8000-000000000001"]}
        ]})
        .to_string()
    };
    assert_eq!(
        match_raw(address, &bob, &bundle("198.51.100.7")),
        match_raw(address, &bob, &bundle("198.51.100.6"))
    );
    assert!(
        match_raw(address, &alice, &bundle("198.51.100.7"))
            .1
            .contains("observed-data--6f000000")
    );

    // No credentials: 401, like TAXII.
    let (status, _, _) = http(
        address,
        "POST",
        "/match/v1/",
        &[("Content-Type", "application/json")],
        "[]",
    )
    .unwrap();
    assert_eq!(status, 401);

    // Malformed items: 400, each named by index with the property at fault; nothing matched.
    let (status, reply) = match_raw(
        address,
        &bob,
        r#"[{"type":"ipv4-addr","value":"198.51.100.9"},{"type":"ipv4-addr","value":"300.1.1.1"},{"value":"x"},7,{"type":"domain-name"}]"#,
    );
    assert_eq!(status, 400, "{reply}");
    let reply: Value = serde_json::from_str(&reply).unwrap();
    let indexes: Vec<u64> = reply["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, vec![1, 2, 3, 4], "{reply}");
    assert!(
        reply["errors"][0]["message"].as_str().unwrap().contains("IPv4"),
        "{reply}"
    );
    assert!(
        reply["errors"][3]["message"].as_str().unwrap().contains("value"),
        "{reply}"
    );

    // Not JSON, the wrong shape, too deep, too many, too large.
    assert_eq!(match_raw(address, &bob, "{not json").0, 400);
    assert_eq!(
        match_raw(address, &bob, r#"{"type":"ipv4-addr","value":"198.51.100.9"}"#).0,
        400
    );
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let (status, reply) = match_raw(address, &bob, &deep);
    assert_eq!(status, 400, "{reply}");
    let many = ips(&vec!["198.51.100.1"; 100_001]);
    let (status, reply) = match_raw(address, &bob, &many);
    assert_eq!(status, 400);
    assert!(reply.contains("at most 100000"), "{reply}");
    assert_eq!(declared_too_large(address, &bob), 413);

    // The server still answers.
    assert_eq!(match_raw(address, &bob, &ips(&["198.51.100.9"])).0, 200);
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

fn sightings_seen_by(address: &str, auth: &str) -> Vec<Value> {
    let headers = [("Authorization", auth), ("Accept", TAXII)];
    let path = "/api1/collections/default/objects/?match%5Btype%5D=sighting";
    let (status, _, reply) = http(address, "GET", path, &headers, "").unwrap();
    assert_eq!(status, 200, "{reply}");
    let reply: Value = serde_json::from_str(&reply).unwrap_or_default();
    reply["objects"].as_array().cloned().unwrap_or_default()
}

fn observed(n: u32, value: &str) -> [Value; 2] {
    let sco = format!("ipv4-addr--6e000000-0000-4000-8000-{n:012}");
    [
        json!({"type": "ipv4-addr", "spec_version": "2.1", "id": sco, "value": value}),
        json!({"type": "observed-data", "spec_version": "2.1",
               "id": format!("observed-data--6e000000-0000-4000-8000-{n:012}"),
               "created": "2026-02-01T00:00:00.000Z", "modified": "2026-02-01T00:00:00.000Z",
               "first_observed": "2026-02-01T00:00:00Z", "last_observed": "2026-02-01T00:00:00Z",
               "number_observed": 1, "object_refs": [sco]}),
    ]
}

#[test]
fn posted_observations_become_sightings_only_the_poster_can_see() {
    let (server, data_dir, alice, bob) = two_organisations("match-sightings");
    let address = server.address.as_str();
    // Wait for the index (Bob's own indicator matches for him).
    let started = Instant::now();
    while !match_raw(address, &bob, &ips(&["198.51.100.9"]))
        .1
        .contains("000000000002")
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the index never caught up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Bob posts observations of both values: one sighting, of his own indicator; none of Alice's RED one.
    let headers = [
        ("Authorization", bob.as_str()),
        ("Accept", TAXII),
        ("Content-Type", TAXII),
    ];
    let objects: Vec<Value> = observed(1, "198.51.100.9")
        .into_iter()
        .chain(observed(2, "198.51.100.7"))
        .collect();
    let body = json!({"objects": objects}).to_string();
    let (status, _, reply) = http(
        address,
        "POST",
        "/api1/collections/default/objects/",
        &headers,
        &body,
    )
    .unwrap();
    assert_eq!(status, 202, "{reply}");
    let bobs = sightings_seen_by(address, &bob);
    assert_eq!(bobs.len(), 1, "{bobs:#?}");
    assert_eq!(
        bobs[0]["sighting_of_ref"],
        "indicator--6f000000-0000-4000-8000-000000000002"
    );
    assert_eq!(
        bobs[0]["observed_data_refs"],
        json!(["observed-data--6e000000-0000-4000-8000-000000000001"])
    );
    assert_eq!(
        bobs[0]["object_marking_refs"],
        json!(["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"])
    );
    assert!(
        bobs[0]["created_by_ref"]
            .as_str()
            .unwrap()
            .starts_with("identity--")
    );
    // Alice (another organisation) does not see Bob's sighting.
    assert!(sightings_seen_by(address, &alice).is_empty());

    // Alice posts an observation of her RED indicator's value: a RED sighting only she (and admins) can see.
    let headers = [
        ("Authorization", alice.as_str()),
        ("Accept", TAXII),
        ("Content-Type", TAXII),
    ];
    let body = json!({"objects": observed(3, "198.51.100.7")}).to_string();
    let (status, _, reply) = http(
        address,
        "POST",
        "/api1/collections/default/objects/",
        &headers,
        &body,
    )
    .unwrap();
    assert_eq!(status, 202, "{reply}");
    let alices = sightings_seen_by(address, &alice);
    assert_eq!(alices.len(), 1, "{alices:#?}");
    assert_eq!(
        alices[0]["sighting_of_ref"],
        "indicator--6f000000-0000-4000-8000-000000000001"
    );
    assert_eq!(alices[0]["object_marking_refs"], json!([RED]));
    assert_eq!(sightings_seen_by(address, &bob).len(), 1);
    // Posting the same observation again stores no second sighting.
    let (status, _, _) = http(
        address,
        "POST",
        "/api1/collections/default/objects/",
        &headers,
        &body,
    )
    .unwrap();
    assert_eq!(status, 202);
    assert_eq!(sightings_seen_by(address, &alice).len(), 1);
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}
