//! Tests of the index: versions, revocation, validity, and the SCO and observed-data queries.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::*;

fn indicator(id: &str, modified: &str, pattern: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": id,
        "created": "2020-01-01T00:00:00Z", "modified": modified,
        "pattern": pattern, "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z"
    })
}

fn at(text: &str) -> Moment {
    Moment::parse(text).unwrap()
}

fn no_refs<'v>(_: &str) -> Option<&'v Value> {
    None
}

fn sco_matches<'a>(index: &'a IndicatorIndex, sco: &Value) -> Vec<&'a str> {
    index.match_sco(sco, &no_refs, at("2021-01-01T00:00:00Z"))
}

const A: &str = "indicator--00000000-0000-4000-8000-00000000000a";
const B: &str = "indicator--00000000-0000-4000-8000-00000000000b";

#[test]
fn newer_versions_supersede_and_older_ones_are_ignored() {
    let mut index = IndicatorIndex::new();
    let v1 = indicator(A, "2020-01-01T00:00:00Z", "[domain-name:value = 'one.example']");
    let v2 = indicator(A, "2020-02-01T00:00:00Z", "[domain-name:value = 'two.example']");
    assert_eq!(index.add_indicator(&v1).unwrap(), AddOutcome::Added);
    assert_eq!(index.add_indicator(&v2).unwrap(), AddOutcome::Superseded);
    assert_eq!(index.add_indicator(&v1).unwrap(), AddOutcome::Stale);
    assert_eq!(index.add_indicator(&v2).unwrap(), AddOutcome::Stale);
    assert_eq!(index.len(), 1);
    assert!(sco_matches(&index, &json!({"type": "domain-name", "value": "one.example"})).is_empty());
    assert_eq!(
        sco_matches(&index, &json!({"type": "domain-name", "value": "two.example"})),
        vec![A]
    );
}

#[test]
fn revocation_is_final_and_removal_forgets() {
    let mut index = IndicatorIndex::new();
    index
        .add_indicator(&indicator(A, "2020-01-01T00:00:00Z", "[file:name = 'x']"))
        .unwrap();
    index
        .add_indicator(&indicator(B, "2020-01-01T00:00:00Z", "[file:name = 'x']"))
        .unwrap();
    let mut revoked = indicator(A, "2020-03-01T00:00:00Z", "[file:name = 'x']");
    revoked["revoked"] = json!(true);
    assert_eq!(index.add_indicator(&revoked).unwrap(), AddOutcome::Revoked);
    let later = indicator(A, "2020-04-01T00:00:00Z", "[file:name = 'x']");
    assert_eq!(index.add_indicator(&later).unwrap(), AddOutcome::AlreadyRevoked);
    assert_eq!(
        sco_matches(&index, &json!({"type": "file", "name": "x"})),
        vec![B]
    );
    assert!(index.remove(B));
    assert!(sco_matches(&index, &json!({"type": "file", "name": "x"})).is_empty());
    assert_eq!(
        index
            .add_indicator(&indicator(B, "2019-01-01T00:00:00Z", "[file:name = 'x']"))
            .unwrap(),
        AddOutcome::Added
    );
    assert!(index.revoke(B));
    assert!(!index.revoke(B));
    assert!(index.is_empty());
    assert_eq!(
        index.stats().catalog.n_exact_keys,
        0,
        "removal leaves no postings behind"
    );
}

#[test]
fn validity_window_is_respected_at_match_time() {
    let mut index = IndicatorIndex::new();
    let mut value = indicator(A, "2020-01-01T00:00:00Z", "[file:name = 'x']");
    value["valid_from"] = json!("2021-01-01T00:00:00Z");
    value["valid_until"] = json!("2021-02-01T00:00:00Z");
    index.add_indicator(&value).unwrap();
    let sco = json!({"type": "file", "name": "x"});
    assert!(
        index
            .match_sco(&sco, &no_refs, at("2020-12-31T23:59:59Z"))
            .is_empty()
    );
    assert_eq!(
        index.match_sco(&sco, &no_refs, at("2021-01-01T00:00:00Z")),
        vec![A]
    );
    assert!(
        index
            .match_sco(&sco, &no_refs, at("2021-02-01T00:00:00Z"))
            .is_empty(),
        "valid_until is exclusive"
    );
}

#[test]
fn rejects_malformed_indicators() {
    let mut index = IndicatorIndex::new();
    let mut bad = indicator(A, "2020-01-01T00:00:00Z", "[file:name = ");
    assert!(matches!(
        index.add_indicator(&bad),
        Err(MatcherError::InvalidPattern(_))
    ));
    bad["pattern"] = json!("[file:name = 'x']");
    bad["pattern_type"] = json!("sigma");
    assert_eq!(
        index.add_indicator(&bad),
        Err(MatcherError::NotAStixPattern("sigma".to_owned()))
    );
    bad["pattern_type"] = json!("stix");
    bad["modified"] = json!("yesterday");
    assert!(matches!(
        index.add_indicator(&bad),
        Err(MatcherError::BadTimestamp { .. })
    ));
    assert!(index.is_empty());
}

#[test]
fn sco_queries_cover_every_anchor_kind_and_the_fallback() {
    let mut index = IndicatorIndex::new();
    let patterns = [
        "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
        "[url:value LIKE '%/evil/%']",
        "[url:value MATCHES '^https://bad\\\\.example/']",
        "[file:size > 1000]",
        "[file:hashes.'SHA-256' = 'aa' OR file:name = 'b.exe']",
        "[network-traffic:dst_ref.value = '192.0.2.1']",
        "[process:arguments[*] = '-enc']",
    ];
    for (idx, pattern) in patterns.iter().enumerate() {
        index
            .add_indicator(&indicator(
                &format!("indicator--{idx}"),
                "2020-01-01T00:00:00Z",
                pattern,
            ))
            .unwrap();
    }
    assert_eq!(
        sco_matches(&index, &json!({"type": "ipv4-addr", "value": "10.2.3.4"})),
        vec!["indicator--0"]
    );
    assert!(sco_matches(&index, &json!({"type": "ipv4-addr", "value": "11.2.3.4"})).is_empty());
    assert_eq!(
        sco_matches(&index, &json!({"type": "url", "value": "http://x/evil/y"})),
        vec!["indicator--1"]
    );
    assert_eq!(
        sco_matches(&index, &json!({"type": "url", "value": "https://bad.example/"})),
        vec!["indicator--2"]
    );
    assert_eq!(
        sco_matches(&index, &json!({"type": "file", "size": 5000})),
        vec!["indicator--3"]
    );
    assert_eq!(
        sco_matches(&index, &json!({"type": "file", "name": "b.exe"})),
        vec!["indicator--4"]
    );
    assert_eq!(
        sco_matches(&index, &json!({"type": "process", "arguments": ["a", "-enc"]})),
        vec!["indicator--6"]
    );
    let ip = json!({"type": "ipv4-addr", "value": "192.0.2.1"});
    let resolve = |id: &str| (id == "ipv4-addr--1").then_some(&ip);
    let traffic = json!({"type": "network-traffic", "dst_ref": "ipv4-addr--1"});
    assert_eq!(
        index.match_sco(&traffic, &resolve, at("2021-01-01T00:00:00Z")),
        vec!["indicator--5"]
    );
}

#[test]
fn sco_queries_need_only_one_observation() {
    let mut index = IndicatorIndex::new();
    index
        .add_indicator(&indicator(
            A,
            "2020-01-01T00:00:00Z",
            "[file:name = 'x'] AND [file:name = 'x']",
        ))
        .unwrap();
    index
        .add_indicator(&indicator(
            B,
            "2020-01-01T00:00:00Z",
            "[file:name = 'y'] OR [file:name = 'x']",
        ))
        .unwrap();
    let window = "[file:name = 'x'] START t'2021-01-01T00:00:00Z' STOP t'2021-01-02T00:00:00Z'";
    index
        .add_indicator(&indicator("indicator--c", "2020-01-01T00:00:00Z", window))
        .unwrap();
    let sco = json!({"type": "file", "name": "x"});
    assert_eq!(
        index.match_sco(&sco, &no_refs, at("2021-01-01T12:00:00Z")),
        vec![B, "indicator--c"]
    );
    assert_eq!(
        index.match_sco(&sco, &no_refs, at("2021-01-02T00:00:00Z")),
        vec![B]
    );
}

#[test]
fn observed_data_queries_use_the_evaluator_on_candidates() {
    let mut index = IndicatorIndex::new();
    index
        .add_indicator(&indicator(
            A,
            "2020-01-01T00:00:00Z",
            "[file:name = 'x'] REPEATS 2 TIMES",
        ))
        .unwrap();
    index
        .add_indicator(&indicator(
            B,
            "2020-01-01T00:00:00Z",
            "[domain-name:value = 'evil.example']",
        ))
        .unwrap();
    let scos: HashMap<String, Value> = [
        (
            "file--1".to_owned(),
            json!({"type": "file", "id": "file--1", "name": "x"}),
        ),
        (
            "domain-name--1".to_owned(),
            json!({"type": "domain-name", "id": "domain-name--1", "value": "evil.example"}),
        ),
    ]
    .into_iter()
    .collect();
    let mut observed = json!({
        "type": "observed-data", "id": "observed-data--1",
        "first_observed": "2021-01-01T00:00:00Z", "last_observed": "2021-01-01T00:00:00Z",
        "number_observed": 1, "object_refs": ["file--1", "domain-name--1"]
    });
    assert_eq!(index.match_observed_data(&observed, &scos).unwrap(), vec![B]);
    observed["number_observed"] = json!(2);
    assert_eq!(
        index.match_observed_data(&observed, &scos).unwrap(),
        vec![A, B],
        "number_observed counts"
    );
    observed["object_refs"] = json!(["file--1"]);
    assert_eq!(index.match_observed_data(&observed, &scos).unwrap(), vec![A]);
    observed["first_observed"] = json!("not a time");
    assert!(index.match_observed_data(&observed, &scos).is_err());
}

#[test]
fn an_invalid_newer_version_leaves_the_previous_one_in_force() {
    let mut index = IndicatorIndex::new();
    index
        .add_indicator(&indicator(A, "2020-01-01T00:00:00Z", "[file:name = 'x']"))
        .unwrap();
    let broken = indicator(A, "2020-02-01T00:00:00Z", "[file:name = ");
    assert!(matches!(
        index.add_indicator(&broken),
        Err(MatcherError::InvalidPattern(_))
    ));
    assert_eq!(
        sco_matches(&index, &json!({"type": "file", "name": "x"})),
        vec![A]
    );
    let stale_and_broken = indicator(A, "2019-01-01T00:00:00Z", "[file:name = ");
    assert_eq!(
        index.add_indicator(&stale_and_broken).unwrap(),
        AddOutcome::Stale,
        "stale versions are not parsed"
    );
}

#[test]
fn removing_everything_leaves_no_candidates_behind() {
    let mut index = IndicatorIndex::new();
    let patterns = [
        "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
        "[ipv4-addr:value ISSUPERSET '10.1.2.3']",
        "[url:value LIKE '%/evil/%']",
        "[file:size > 1000]",
        "[file:name = 'a'] AND [file:name = 'b']",
    ];
    for round in 0..3 {
        for (idx, pattern) in patterns.iter().enumerate() {
            let modified = format!("2020-01-0{}T00:00:00Z", round + 1);
            index
                .add_indicator(&indicator(&format!("indicator--{idx}"), &modified, pattern))
                .unwrap();
        }
    }
    assert_eq!(
        index.len(),
        patterns.len(),
        "later rounds superseded earlier ones"
    );
    // ISSUBSET 10.0.0.0/8, and ISSUPERSET of an equal address.
    let ip = json!({"type": "ipv4-addr", "value": "10.1.2.3"});
    assert_eq!(sco_matches(&index, &ip).len(), 2);
    for idx in 0..patterns.len() {
        assert!(index.remove(&format!("indicator--{idx}")));
    }
    let stats = index.stats();
    assert_eq!(
        (
            stats.n_indicators,
            stats.catalog.n_exact_keys,
            stats.catalog.n_fallback
        ),
        (0, 0, 0)
    );
    for sco in [
        json!({"type": "ipv4-addr", "value": "10.1.2.3"}),
        json!({"type": "ipv4-addr", "value": "10.0.0.0/8"}),
        json!({"type": "url", "value": "http://x/evil/"}),
        json!({"type": "file", "size": 5000, "name": "a"}),
    ] {
        assert!(sco_matches(&index, &sco).is_empty(), "{sco}");
    }
}

#[test]
fn refuses_a_regex_the_evaluator_cannot_express_and_keeps_the_previous_version() {
    let mut index = IndicatorIndex::new();
    let v1 = indicator(A, "2020-01-01T00:00:00Z", "[domain-name:value MATCHES '^one']");
    let v2 = indicator(
        A,
        "2020-02-01T00:00:00Z",
        "[domain-name:value MATCHES '(?<=x)one']",
    );
    assert_eq!(index.add_indicator(&v1).unwrap(), AddOutcome::Added);
    assert!(matches!(
        index.add_indicator(&v2),
        Err(MatcherError::Unsupported(_))
    ));
    let sco = json!({"type": "domain-name", "value": "one.example"});
    assert_eq!(
        sco_matches(&index, &sco),
        vec![A],
        "the refused version leaves the previous one in force"
    );
}
