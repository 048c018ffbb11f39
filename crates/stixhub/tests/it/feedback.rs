//! Issue 15 over a real server, as consumers, producers and attackers would use it: feedback on ids a caller
//! may not read answers exactly like an unknown id; a consumer flooding false positives loses its weight and
//! does not sink a good producer; the per-account rate limit answers 429; a producer sees the feedback on its
//! own indicators with consumers named only as their consent allows; sightings and opinions posted over
//! TAXII count; and a property test over random feedback sequences.
//!
//! The world (`world`): the Ohio set-up of `sharing.rs` with county A (the producer, consent `none`, so every
//! other reader knows its indicators by the hub's republished ids), the state (`ohio`, consent `government`),
//! county B (`none`), and three more consumers in the counties' community: county C (`everyone`, not
//! government), `flood` and `honest` (both `none`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::sharing::{AMBER, TAXII, basic, set_up, stixhub};
use crate::taxii_server::{ServerProcess, fresh_data_dir, http};

const OBJECTS: &str = "/api1/collections/ohio/objects/";
pub(crate) const UNKNOWN: &str = "indicator--0f0f0f0f-0000-4000-8000-0000000000ff";

/// An indicator of county A, valid from now (so its score has not decayed yet).
pub(crate) fn indicator(n: u32, marking: Option<&str>) -> Value {
    let now = stix::timestamp::Timestamp::from_unix_nanos(
        i128::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos(),
        )
        .unwrap(),
        3,
    );
    let mut object = json!({
        "type": "indicator", "spec_version": "2.1", "id": id(n),
        "created": now.as_str(), "modified": now.as_str(), "valid_from": now.as_str(),
        "pattern": format!("[ipv4-addr:value = '203.0.113.{n}']"), "pattern_type": "stix",
    });
    if let Some(marking) = marking {
        object["object_marking_refs"] = json!([marking]);
    }
    object
}

pub(crate) fn id(n: u32) -> String {
    format!("indicator--7c0e5f4c-0000-4000-8000-{n:012}")
}

/// Sets the world up in a fresh directory and starts a server over it with `flags`.
pub(crate) fn world(label: &str, flags: &[&str]) -> (ServerProcess, PathBuf) {
    let data_dir = fresh_data_dir(label);
    let data = data_dir.to_str().unwrap();
    set_up(data, "none");
    for (org, consent, account) in [
        ("county-c", "everyone", "c"),
        ("flood", "none", "f"),
        ("honest", "none", "h"),
    ] {
        stixhub(data, &["org", "create", org, "--consent", consent], "");
        stixhub(data, &["community", "add-member", "ohio-counties", org], "");
        stixhub(
            data,
            &["account", "create", account, "--password-stdin", "--org", org],
            &format!("pw-{account}\n"),
        );
        stixhub(data, &["grant", account, "--collection", "ohio"], "");
    }
    let mut store_flags: Vec<&std::ffi::OsStr> = vec!["--data".as_ref(), data_dir.as_os_str()];
    store_flags.extend(flags.iter().map(std::ffi::OsStr::new));
    (ServerProcess::start_with_store_flags(&store_flags), data_dir)
}

pub(crate) fn post_objects(server: &ServerProcess, account: &str, objects: &[Value]) {
    let auth = basic(account);
    let headers = [
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", auth.as_str()),
    ];
    let body = json!({ "objects": objects }).to_string();
    let (status, _, reply) = http(&server.address, "POST", OBJECTS, &headers, &body).unwrap();
    assert_eq!(status, 202, "{reply}");
    let reply: Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(reply["failure_count"].as_u64().unwrap_or(0), 0, "{reply}");
}

pub(crate) type Reply = (u16, Vec<(String, String)>, String);

/// A reply without the headers that differ between any two requests.
fn comparable(reply: Reply) -> Reply {
    let (status, headers, body) = reply;
    let headers = headers
        .into_iter()
        .filter(|(name, _)| !["date", "x-request-id"].contains(&name.as_str()))
        .collect();
    (status, headers, body)
}

pub(crate) fn send(server: &ServerProcess, account: &str, method: &str, path: &str, body: &str) -> Reply {
    let auth = basic(account);
    let accept = if path.starts_with("/api1/") {
        TAXII
    } else {
        "application/json"
    };
    let headers = [
        ("Accept", accept),
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    comparable(http(&server.address, method, path, &headers, body).unwrap())
}

pub(crate) fn feedback(server: &ServerProcess, account: &str, indicator: &str, verdict: &str) -> Reply {
    let body = json!({"indicator": indicator, "verdict": verdict}).to_string();
    send(server, account, "POST", "/feedback/v1/", &body)
}

pub(crate) fn get_json(server: &ServerProcess, account: &str, path: &str) -> (u16, Value) {
    let (status, _, body) = send(server, account, "GET", path, "");
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// The ids `account` is served county A's indicators by, keyed by the original's number.
pub(crate) fn served_ids(server: &ServerProcess, account: &str) -> BTreeMap<u32, String> {
    let (status, body) = get_json(server, account, &format!("{OBJECTS}?match[type]=indicator"));
    assert_eq!(status, 200, "{body}");
    body["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|object| {
            let pattern = object["pattern"].as_str()?;
            let n = pattern
                .split("203.0.113.")
                .nth(1)?
                .trim_end_matches("']")
                .parse()
                .ok()?;
            Some((n, object["id"].as_str()?.to_owned()))
        })
        .collect()
}

/// Polls `check` until it holds (30 s at most).
pub(crate) fn eventually(what: &str, mut check: impl FnMut() -> Option<String>) {
    let started = Instant::now();
    loop {
        let Some(problem) = check() else { return };
        assert!(started.elapsed() < Duration::from_secs(30), "{what}: {problem}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every string in a JSON value.
pub(crate) fn strings(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            out.insert(text.clone());
        }
        Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
        Value::Object(map) => map.iter().for_each(|(key, item)| {
            out.insert(key.clone());
            strings(item, out);
        }),
        _ => {}
    }
}

#[test]
fn feedback_on_ids_a_caller_may_not_read_answers_like_unknown_and_bad_input_is_named() {
    let (server, data_dir) = world("feedback-gate", &[]);
    post_objects(&server, "a", &[indicator(1, None), indicator(7, Some(AMBER))]);
    let for_b = served_ids(&server, "b");
    assert!(!for_b.contains_key(&7), "county B cannot read the AMBER one");
    let public_1 = for_b[&1].clone();
    assert_ne!(
        public_1,
        id(1),
        "county A is anonymous: B knows it by the hub's id"
    );

    // Hidden (AMBER), the original id of a republished one, another producer's id nobody stored: all as
    // unknown, for feedback and for scores, status, headers and body alike.
    let unknown = feedback(&server, "b", UNKNOWN, "false-positive");
    assert_eq!(unknown.0, 404, "{unknown:?}");
    for hidden in [id(7), id(1)] {
        assert_eq!(
            feedback(&server, "b", &hidden, "false-positive"),
            unknown,
            "{hidden}"
        );
        assert_eq!(
            feedback(&server, "b", &hidden, "true-positive"),
            unknown,
            "{hidden}"
        );
    }
    let unknown_score = send(
        &server,
        "b",
        "GET",
        &format!("/scores/v1/indicators/{UNKNOWN}"),
        "",
    );
    assert_eq!(unknown_score.0, 404);
    for hidden in [id(7), id(1)] {
        let hidden_score = send(
            &server,
            "b",
            "GET",
            &format!("/scores/v1/indicators/{hidden}"),
            "",
        );
        assert_eq!(hidden_score, unknown_score, "{hidden}");
    }

    // What B may read, B may judge, under the id it knows.
    let given = feedback(&server, "b", &public_1, "true-positive");
    assert_eq!(given.0, 200, "{given:?}");
    let given: Value = serde_json::from_str(&given.2).unwrap();
    assert_eq!(given["indicator"], public_1.as_str());
    assert_eq!(given["verdict"], "true-positive");
    let (status, score) = get_json(&server, "b", &format!("/scores/v1/indicators/{public_1}"));
    assert_eq!(status, 200, "{score}");
    assert_eq!(score["id"], public_1.as_str());
    let terms: Vec<&str> = score["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["term"].as_str())
        .collect();
    assert_eq!(terms, ["good", "decay", "valid"], "{score}");
    assert!(score["score"].as_u64().unwrap() <= 100);

    // The producer may not grade itself.
    assert_eq!(feedback(&server, "a", &id(1), "true-positive").0, 403);
    // Bad input: a clear 400 naming the field; nothing stored.
    for (body, field) in [
        (json!({"indicator": public_1}).to_string(), "verdict"),
        (
            json!({"indicator": public_1, "verdict": "maybe"}).to_string(),
            "verdict",
        ),
        (json!({"verdict": "true-positive"}).to_string(), "indicator"),
        (
            json!({"indicator": "malware--7c0e5f4c-0000-4000-8000-000000000001", "verdict": "true-positive"})
                .to_string(),
            "indicator",
        ),
        (
            json!({"indicator": public_1, "verdict": "true-positive", "by": "x"}).to_string(),
            "by",
        ),
        ("[".repeat(10_000), "JSON object"),
        ("not json".to_owned(), "JSON object"),
    ] {
        let (status, _, reply) = send(&server, "b", "POST", "/feedback/v1/", &body);
        assert_eq!(status, 400, "{body:.80}: {reply}");
        assert!(reply.contains(field), "{body:.80}: {reply}");
    }
    let auth_missing = http(&server.address, "POST", "/feedback/v1/", &[], "{}").unwrap();
    assert_eq!(auth_missing.0, 401);
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn a_flood_of_false_positives_loses_its_weight_and_does_not_sink_a_good_producer() {
    let (server, data_dir) = world("feedback-flood", &[]);
    let objects: Vec<Value> = (1..=9).map(|n| indicator(n, None)).collect();
    post_objects(&server, "a", &objects);
    let ids: BTreeMap<&str, BTreeMap<u32, String>> = ["state", "c", "h", "f"]
        .into_iter()
        .map(|account| (account, served_ids(&server, account)))
        .collect();
    let (_, fresh) = get_json(
        &server,
        "state",
        &format!("/scores/v1/indicators/{}", ids["state"][&9]),
    );
    let fresh = fresh["score"].as_u64().unwrap();
    for n in 1..=6 {
        for honest in ["state", "c", "h"] {
            assert_eq!(
                feedback(&server, honest, &ids[honest][&n], "true-positive").0,
                200
            );
        }
    }
    // The flooder calls everything false, including one nobody else judged.
    for n in [1, 2, 3, 4, 5, 6, 9] {
        assert_eq!(feedback(&server, "f", &ids["f"][&n], "false-positive").0, 200);
    }
    eventually("the consensus discounts the flooder", || {
        let (status, card) = get_json(&server, "a", "/scores/v1/producers/county-a");
        let reliability = card["reliability"].as_f64().unwrap_or(0.0);
        let (_, judged) = get_json(
            &server,
            "state",
            &format!("/scores/v1/indicators/{}", ids["state"][&1]),
        );
        let (_, lone) = get_json(
            &server,
            "state",
            &format!("/scores/v1/indicators/{}", ids["state"][&9]),
        );
        let judged = judged["score"].as_u64().unwrap_or(0);
        let lone = lone["score"].as_u64().unwrap_or(0);
        (status != 200 || reliability < 0.8 || judged < 80 || lone + 5 < fresh)
            .then(|| format!("{card} judged {judged} lone {lone} (fresh {fresh})"))
    });
    let (_, card) = get_json(&server, "a", "/scores/v1/producers/county-a");
    assert_eq!(card["shared"], 9, "{card}");
    assert_eq!(card["true_positives"], 18, "{card}");
    assert_eq!(card["false_positives"], 7, "{card}");
    // A scorecard is its organisation's own.
    assert_eq!(get_json(&server, "f", "/scores/v1/producers/county-a").0, 404);
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn feedback_is_rate_limited_per_account() {
    let (server, data_dir) = world("feedback-rate", &["--rate-limit", "0.2", "--rate-burst", "3"]);
    post_objects(&server, "a", &[indicator(1, None)]);
    let target = served_ids(&server, "c")[&1].clone();
    let mut statuses = Vec::new();
    for _ in 0..2 {
        statuses.push(feedback(&server, "c", &target, "true-positive").0);
    }
    let (status, headers, body) = feedback(&server, "c", &target, "false-positive");
    assert_eq!(statuses, [200, 200], "the listing took one token");
    assert_eq!(status, 429, "{body}");
    assert!(
        headers.iter().any(|(name, _)| name == "retry-after"),
        "{headers:?}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}
