//! Issue 15, what a producer learns from feedback and what nobody else does, over a real server: the producer
//! sees the verdicts and sightings on its own indicators with the consumer's organisation named only when
//! that organisation's consent reveals it to the producer; STIX sightings and opinions posted over TAXII
//! count; and a property test over random feedback sequences (random consumers, verdicts and ids — served,
//! original, hidden, unknown) holds both secrecy rules after every step.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

use crate::feedback::{
    UNKNOWN, eventually, feedback, get_json, id, indicator, post_objects, served_ids, strings, world,
};
use crate::sharing::AMBER;

/// Consumers, their organisations, and whether county A (a government organisation) may see their name.
const CONSUMERS: [(&str, &str, bool); 5] = [
    ("state", "ohio", true),  // consent `government`, and A is government
    ("b", "county-b", false), // consent `none`
    ("c", "county-c", true),  // consent `everyone`
    ("f", "flood", false),    // consent `none`
    ("h", "honest", false),   // consent `none`
];

/// Checks county A's view of its feedback: only consenting consumers named, no account names at all.
fn producer_view_keeps_secrets(server: &crate::taxii_server::ServerProcess) -> Value {
    let (status, mine) = get_json(server, "a", "/feedback/v1/mine");
    assert_eq!(status, 200, "{mine}");
    let mut seen = BTreeSet::new();
    strings(&mine, &mut seen);
    for (account, org, named) in CONSUMERS {
        assert!(!seen.contains(account), "account {account} revealed: {mine}");
        if !named {
            assert!(!seen.contains(org), "{org} revealed without consent: {mine}");
        }
        assert!(!mine.to_string().contains(&format!("\"{account}\"")), "{mine}");
    }
    mine
}

#[test]
fn the_producer_sees_feedback_on_its_own_indicators_and_consumers_only_as_consent_allows() {
    let (server, data_dir) = world("feedback-views", &[]);
    post_objects(
        &server,
        "a",
        &[indicator(1, None), indicator(2, None), indicator(3, None)],
    );
    let state_ids = served_ids(&server, "state");
    let b_ids = served_ids(&server, "b");
    let c_ids = served_ids(&server, "c");
    let h_ids = served_ids(&server, "h");
    assert_eq!(
        feedback(&server, "state", &state_ids[&1], "false-positive").0,
        200
    );
    assert_eq!(feedback(&server, "b", &b_ids[&1], "true-positive").0, 200);
    assert_eq!(feedback(&server, "c", &c_ids[&1], "true-positive").0, 200);
    // County C sights indicator 2 over TAXII; `honest` disagrees with indicator 3 in a STIX opinion. Their
    // bytes are stored as posted.
    let sighting = json!({
        "type": "sighting", "spec_version": "2.1", "id": "sighting--7c0e5f4c-0000-4000-8000-0000000000a1",
        "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z",
        "sighting_of_ref": c_ids[&2], "first_seen": "2026-12-01T00:00:00Z", "last_seen": "2026-12-02T00:00:00Z",
    });
    let opinion = json!({
        "type": "opinion", "spec_version": "2.1", "id": "opinion--7c0e5f4c-0000-4000-8000-0000000000a2",
        "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z",
        "opinion": "strongly-disagree", "object_refs": [h_ids[&3]],
    });
    post_objects(&server, "c", std::slice::from_ref(&sighting));
    post_objects(&server, "h", &[opinion]);
    eventually("the sighting and the opinion count", || {
        let (_, mine) = get_json(&server, "a", "/feedback/v1/mine");
        let by_id: BTreeMap<String, Value> = mine["indicators"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| (item["indicator"].as_str().unwrap_or("").to_owned(), item.clone()))
            .collect();
        let sighted = by_id.get(&id(2)).is_some_and(|v| v["sightings"] == 1);
        let refuted = by_id.get(&id(3)).is_some_and(|v| v["false_positives"] == 1);
        (!(sighted && refuted)).then(|| mine.to_string())
    });
    let mine = producer_view_keeps_secrets(&server);
    let first = mine["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["indicator"] == id(1).as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (
            first["true_positives"].as_u64(),
            first["false_positives"].as_u64()
        ),
        (Some(2), Some(1))
    );
    let consumers: BTreeSet<Option<String>> = first["feedback"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["consumer"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        consumers,
        BTreeSet::from([None, Some("county-c".to_owned()), Some("ohio".to_owned())])
    );
    // The sighting's bytes are untouched.
    let (_, stored) = get_json(
        &server,
        "c",
        &format!(
            "/api1/collections/ohio/objects/{}/",
            sighting["id"].as_str().unwrap()
        ),
    );
    assert_eq!(stored["objects"][0], sighting);
    // Consumers learn nothing of others' feedback; the scorecard counts the sighting.
    for (account, _, _) in CONSUMERS {
        let (_, theirs) = get_json(&server, account, "/feedback/v1/mine");
        assert_eq!(theirs["indicators"], json!([]), "{account}: {theirs}");
    }
    let (_, card) = get_json(&server, "a", "/scores/v1/producers/county-a");
    assert_eq!(card["sighted"], 1, "{card}");
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// One step of the property test: a consumer, a verdict, and which id it uses.
#[derive(Debug, Clone)]
enum Target {
    /// The id it is served indicator n by.
    Served(u32),
    /// County A's original id of indicator n (never linked to the served one).
    Original(u32),
    /// The AMBER indicator counties may not read.
    Hidden,
    /// An id nobody stored.
    Unknown,
}

#[test]
fn feedback_never_reveals_a_consumer_without_consent_nor_an_indicator_to_a_consumer_who_may_not_read_it() {
    let (server, data_dir) = world("feedback-property", &[]);
    post_objects(
        &server,
        "a",
        &[indicator(1, None), indicator(2, None), indicator(3, Some(AMBER))],
    );
    let served: BTreeMap<&str, BTreeMap<u32, String>> = CONSUMERS
        .iter()
        .map(|(account, _, _)| (*account, served_ids(&server, account)))
        .collect();
    let target = prop_oneof![
        (1u32..=2).prop_map(Target::Served),
        (1u32..=2).prop_map(Target::Original),
        Just(Target::Hidden),
        Just(Target::Unknown),
    ];
    let step = (0usize..CONSUMERS.len(), target, any::<bool>());
    let mut runner = TestRunner::new(Config {
        cases: 16,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(step, 1..8), |steps| {
            for (who, target, verdict) in steps {
                let (account, _, _) = CONSUMERS[who];
                let verdict = if verdict {
                    "true-positive"
                } else {
                    "false-positive"
                };
                let indicator_id = match &target {
                    Target::Served(n) => served[account][n].clone(),
                    Target::Original(n) => id(*n),
                    Target::Hidden => id(3),
                    Target::Unknown => UNKNOWN.to_owned(),
                };
                let reply = feedback(&server, account, &indicator_id, verdict);
                let like_unknown = feedback(&server, account, UNKNOWN, verdict);
                // Only the served ids are readable: county A is anonymous, so its original ids (the AMBER one's
                // included, which only the state may read, under its public id) are never linked.
                let may_read = matches!(target, Target::Served(_));
                if may_read {
                    prop_assert_eq!(reply.0, 200, "{} {}: {:?}", account, indicator_id, reply);
                } else {
                    prop_assert_eq!(&reply, &like_unknown, "{} {}", account, indicator_id);
                    let score = crate::feedback::send(
                        &server,
                        account,
                        "GET",
                        &format!("/scores/v1/indicators/{indicator_id}"),
                        "",
                    );
                    let unknown_score = crate::feedback::send(
                        &server,
                        account,
                        "GET",
                        &format!("/scores/v1/indicators/{UNKNOWN}"),
                        "",
                    );
                    prop_assert_eq!(score, unknown_score);
                }
            }
            producer_view_keeps_secrets(&server);
            for (account, _, _) in CONSUMERS {
                let (_, theirs) = get_json(&server, account, "/feedback/v1/mine");
                prop_assert_eq!(&theirs["indicators"], &json!([]), "{}", account);
            }
            Ok(())
        })
        .unwrap();
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}
