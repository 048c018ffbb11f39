//! The differential test: for random indicator sets drawn from the pattern corpus (`valid.txt` and
//! `real-unit42.txt`) and SCOs built to satisfy, nearly satisfy or ignore them, the index answers exactly
//! what evaluating every pattern answers. This is what shows the index never drops a match.

use std::collections::HashMap;
use std::sync::OnceLock;

use matcher::index::IndicatorIndex;
use matcher::time::Moment;
use proptest::prelude::*;
use serde_json::{Value, json};
use stix_pattern::ast::{ObservationExpr, Pattern, Qualifier};
use stix_pattern::eval::{Observation, comparison_matches_object, matches};

use crate::workload::{Rng, indicator, load_patterns, near_miss, sco_for};

const AT: &str = "2021-01-01T00:00:00Z";

/// Every pattern of `valid.txt` and every 8th of `real-unit42.txt`, parsed.
fn corpus() -> &'static [(String, Pattern)] {
    static CORPUS: OnceLock<Vec<(String, Pattern)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut texts = load_patterns("valid.txt");
        texts.extend(load_patterns("real-unit42.txt").into_iter().step_by(8));
        texts
            .into_iter()
            .filter_map(|text| {
                let pattern = stix_pattern::parse(&text).ok()?;
                Some((text, pattern))
            })
            .collect()
    })
}

/// The single-SCO reference: every leaf evaluated directly, no index.
fn holds_on_sco<'v>(
    expr: &ObservationExpr,
    sco: &'v Value,
    resolve: &dyn Fn(&str) -> Option<&'v Value>,
    at: i128,
) -> bool {
    match expr {
        ObservationExpr::Observation(leaf) => comparison_matches_object(leaf, sco, resolve),
        ObservationExpr::Or(left, right) => {
            holds_on_sco(left, sco, resolve, at) || holds_on_sco(right, sco, resolve, at)
        }
        ObservationExpr::And(..) | ObservationExpr::FollowedBy(..) => false,
        ObservationExpr::Qualified(inner, qualifier) => {
            holds_on_sco(inner, sco, resolve, at)
                && match qualifier {
                    Qualifier::Within(seconds) => *seconds > 0.0,
                    Qualifier::Repeats(count) => *count == 1,
                    Qualifier::StartStop { start, stop } => {
                        start.epoch_nanos() <= at && at < stop.epoch_nanos()
                    }
                }
        }
    }
}

/// Runs one case; returns how many (SCO, indicator) and (observed-data, indicator) matches it saw.
fn check(seed: u64) -> (usize, usize) {
    let corpus = corpus();
    let mut rng = Rng::new(seed);
    let mut index = IndicatorIndex::new();
    let n_indicators = 100 + rng.below(300);
    let mut chosen: Vec<(String, &Pattern)> = Vec::new();
    for number in 0..n_indicators {
        let (text, pattern) = &corpus[rng.below(corpus.len())];
        index.add_indicator(&indicator(number, text)).unwrap();
        chosen.push((format!("indicator--{number:08}"), pattern));
    }
    let at = Moment::parse(AT).unwrap();
    let (mut n_sco_matches, mut n_observed_matches) = (0, 0);
    let mut observations: Vec<(Value, Vec<Value>)> = Vec::new();
    for _ in 0..150 {
        // Mostly SCOs for patterns in the set, some for patterns outside it.
        let pattern = if rng.chance(70) {
            chosen[rng.below(chosen.len())].1
        } else {
            &corpus[rng.below(corpus.len())].1
        };
        let Some((mut root, extras)) = sco_for(pattern, &mut rng) else {
            continue;
        };
        if rng.chance(35) {
            root = near_miss(&root, &mut rng);
        }
        let resolve = |id: &str| extras.iter().find(|extra| extra["id"] == id);
        let mut got = index.match_sco(&root, &resolve, at);
        got.sort_unstable();
        let mut want: Vec<&str> = chosen
            .iter()
            .filter(|(_, pattern)| holds_on_sco(&pattern.expression, &root, &resolve, at.epoch_nanos()))
            .map(|(id, _)| id.as_str())
            .collect();
        want.sort_unstable();
        want.dedup();
        assert_eq!(got, want, "seed {seed}: SCO {root}");
        n_sco_matches += got.len();
        observations.push((root, extras));
    }
    for (group_idx, group) in observations.chunks(3).enumerate() {
        let mut scos_by_id = HashMap::new();
        let mut refs = Vec::new();
        for (root, extras) in group {
            for object in std::iter::once(root).chain(extras) {
                let id = object["id"].as_str().unwrap().to_owned();
                refs.push(json!(id));
                scos_by_id.insert(id, object.clone());
            }
        }
        let observed = json!({
            "type": "observed-data", "id": format!("observed-data--{group_idx}"),
            "first_observed": AT, "last_observed": AT, "number_observed": 1 + rng.below(3),
            "object_refs": refs
        });
        let observation = Observation::from_observed_data(&observed, &scos_by_id).unwrap();
        let mut got = index.match_observed_data(&observed, &scos_by_id).unwrap();
        got.sort_unstable();
        let mut want: Vec<&str> = chosen
            .iter()
            .filter(|(_, pattern)| matches(pattern, std::slice::from_ref(&observation)).unwrap_or(false))
            .map(|(id, _)| id.as_str())
            .collect();
        want.sort_unstable();
        assert_eq!(got, want, "seed {seed}: observed-data {observed}");
        n_observed_matches += got.len();
    }
    (n_sco_matches, n_observed_matches)
}

#[test]
fn corpus_is_large_and_parses() {
    assert!(corpus().len() > 1_100, "{} patterns", corpus().len());
}

#[test]
fn index_equals_brute_force_on_fixed_seeds() {
    let (mut n_sco_matches, mut n_observed_matches) = (0, 0);
    for seed in 0..8 {
        let (sco, observed) = check(seed);
        n_sco_matches += sco;
        n_observed_matches += observed;
    }
    // The generated SCOs must actually exercise matching, or equality would prove nothing.
    assert!(
        n_sco_matches > 300 && n_observed_matches > 300,
        "{n_sco_matches} / {n_observed_matches}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn index_equals_brute_force(seed in any::<u64>()) {
        let _ = check(seed);
    }
}
