//! Tests of the observation stream: multi-observation patterns and the bounds on buffered state.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::*;

struct Fixture {
    index: IndicatorIndex,
    scos: HashMap<String, Value>,
}

impl Fixture {
    fn new(patterns: &[&str]) -> Fixture {
        let mut index = IndicatorIndex::new();
        for (idx, pattern) in patterns.iter().enumerate() {
            let indicator = json!({
                "type": "indicator", "id": format!("indicator--{idx}"), "modified": "2020-01-01T00:00:00Z",
                "pattern": pattern, "pattern_type": "stix"
            });
            index.add_indicator(&indicator).unwrap();
        }
        let mut scos = HashMap::new();
        for name in ["a", "b", "c"] {
            scos.insert(
                format!("file--{name}"),
                json!({"type": "file", "id": format!("file--{name}"), "name": name}),
            );
        }
        Fixture { index, scos }
    }

    /// Pushes an observation of file `name` at `second` seconds past 2021-01-01T00:00:00Z; the ids matched.
    fn push(&self, stream: &mut ObservationStream, name: &str, second: u32) -> Vec<String> {
        let observed = json!({
            "type": "observed-data", "id": format!("observed-data--{name}{second}"),
            "first_observed": format!("2021-01-01T00:{:02}:{:02}Z", second / 60, second % 60),
            "last_observed": format!("2021-01-01T00:{:02}:{:02}Z", second / 60, second % 60),
            "number_observed": 1, "object_refs": [format!("file--{name}")]
        });
        stream
            .push(&self.index, &observed, &self.scos)
            .unwrap()
            .into_iter()
            .map(|found| found.indicator_id)
            .collect()
    }
}

#[test]
fn observation_and_needs_two_observations_and_then_resets() {
    let fixture = Fixture::new(&["[file:name = 'a'] AND [file:name = 'b']"]);
    let mut stream = ObservationStream::default();
    assert!(fixture.push(&mut stream, "a", 0).is_empty());
    assert!(fixture.push(&mut stream, "c", 1).is_empty());
    assert_eq!(fixture.push(&mut stream, "b", 2), vec!["indicator--0"]);
    assert!(
        fixture.push(&mut stream, "b", 3).is_empty(),
        "the buffer was cleared by the report"
    );
    assert_eq!(stream.stats().n_buffers, 1);
}

#[test]
fn followedby_respects_order() {
    let fixture = Fixture::new(&["[file:name = 'a'] FOLLOWEDBY [file:name = 'b']"]);
    let mut stream = ObservationStream::default();
    assert!(fixture.push(&mut stream, "b", 10).is_empty());
    assert!(fixture.push(&mut stream, "a", 20).is_empty());
    assert_eq!(fixture.push(&mut stream, "b", 30), vec!["indicator--0"]);
}

#[test]
fn within_evicts_observations_outside_the_window() {
    let fixture = Fixture::new(&["([file:name = 'a'] AND [file:name = 'b']) WITHIN 10 SECONDS"]);
    let mut stream = ObservationStream::default();
    assert!(fixture.push(&mut stream, "a", 0).is_empty());
    assert!(fixture.push(&mut stream, "b", 20).is_empty());
    assert_eq!(stream.stats().n_evicted_by_time, 1);
    assert_eq!(fixture.push(&mut stream, "a", 25), vec!["indicator--0"]);
}

#[test]
fn repeats_counts_distinct_observations_and_raises_the_count_bound() {
    let fixture = Fixture::new(&["[file:name = 'a'] REPEATS 5 TIMES"]);
    let config = StreamConfig {
        max_observations_per_indicator: 2,
        ..StreamConfig::default()
    };
    let mut stream = ObservationStream::new(config);
    for second in 0..4 {
        assert!(fixture.push(&mut stream, "a", second).is_empty());
    }
    assert_eq!(fixture.push(&mut stream, "a", 4), vec!["indicator--0"]);
    assert_eq!(stream.stats().n_evicted_by_count, 0);
}

#[test]
fn count_and_pattern_bounds_hold() {
    let fixture = Fixture::new(&[
        "[file:name = 'a'] AND [file:name = 'b']",
        "[file:name = 'c'] AND [file:name = 'b']",
    ]);
    let config = StreamConfig {
        max_observations_per_indicator: 3,
        max_tracked_indicators: 1,
        ..StreamConfig::default()
    };
    let mut stream = ObservationStream::new(config);
    for second in 0..10 {
        fixture.push(&mut stream, "a", second);
    }
    assert_eq!(stream.stats().n_evicted_by_count, 7);
    fixture.push(&mut stream, "c", 11);
    assert_eq!(stream.stats().n_buffers, 1);
    assert_eq!(stream.stats().n_buffers_dropped, 1);
}

#[test]
fn single_observation_patterns_keep_no_state() {
    let fixture = Fixture::new(&["[file:name = 'a'] OR [file:name = 'b']"]);
    let mut stream = ObservationStream::default();
    assert_eq!(fixture.push(&mut stream, "b", 0), vec!["indicator--0"]);
    assert_eq!(stream.stats().n_buffers, 0);
}

#[test]
fn expire_drops_old_observations_and_superseded_buffers() {
    let fixture = Fixture::new(&["([file:name = 'a'] AND [file:name = 'b']) WITHIN 10 SECONDS"]);
    let mut stream = ObservationStream::default();
    fixture.push(&mut stream, "a", 0);
    stream.expire(&fixture.index, Moment::parse("2021-01-01T00:00:05Z").unwrap());
    assert_eq!(stream.stats().n_buffers, 1);
    stream.expire(&fixture.index, Moment::parse("2021-01-01T00:01:00Z").unwrap());
    assert_eq!(stream.stats().n_buffers, 0);
}
