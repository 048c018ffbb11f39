//! The stream's differential test: with bounds wide enough to evict nothing, an [`ObservationStream`] first
//! reports a pattern exactly when the stream's prefix first satisfies it (as `stix_pattern::eval::matches`
//! decides on every observation so far). Patterns come from the corpus, weighted towards the ones with
//! observation operators and qualifiers; observations are built to satisfy their `[…]`s.

use std::collections::HashMap;

use matcher::index::IndicatorIndex;
use matcher::stream::ObservationStream;
use proptest::prelude::*;
use serde_json::json;
use stix_pattern::ast::{ObservationExpr, Pattern};
use stix_pattern::eval::{Observation, matches};

use crate::workload::{Rng, indicator, load_patterns, near_miss, sco_for};

/// The corpus patterns (`valid.txt` and a sample of `real-unit42.txt`), plus multi-observation patterns
/// composed from real ones with every observation operator and qualifier.
fn stream_patterns() -> Vec<(String, Pattern)> {
    let real: Vec<String> = load_patterns("real-unit42.txt").into_iter().step_by(40).collect();
    let mut texts = load_patterns("valid.txt");
    texts.extend(real.iter().cloned());
    let mut rng = Rng::new(99);
    for _ in 0..200 {
        let (a, b) = (&real[rng.below(real.len())], &real[rng.below(real.len())]);
        texts.push(match rng.below(6) {
            0 => format!("{a} AND {b}"),
            1 => format!("{a} FOLLOWEDBY {b}"),
            2 => format!("({a}) REPEATS {} TIMES", 2 + rng.below(3)),
            3 => format!("({a} AND {b}) WITHIN {} SECONDS", 1 + rng.below(8)),
            4 => format!("({a} FOLLOWEDBY {b}) WITHIN 3 SECONDS OR {a}"),
            _ => format!("({a} OR {b}) REPEATS 3 TIMES WITHIN 4 SECONDS"),
        });
    }
    texts
        .into_iter()
        .filter_map(|text| {
            let pattern = stix_pattern::parse(&text).ok()?;
            Some((text, pattern))
        })
        .collect()
}

/// Every `[…]` of a pattern, each as a one-observation pattern (to build observations for any of them).
fn leaf_patterns(expr: &ObservationExpr, out: &mut Vec<Pattern>) {
    match expr {
        ObservationExpr::Observation(_) => out.push(Pattern {
            expression: expr.clone(),
        }),
        ObservationExpr::And(left, right)
        | ObservationExpr::Or(left, right)
        | ObservationExpr::FollowedBy(left, right) => {
            leaf_patterns(left, out);
            leaf_patterns(right, out);
        }
        ObservationExpr::Qualified(inner, _) => leaf_patterns(inner, out),
    }
}

/// Whether one observation can never satisfy the pattern on its own.
fn needs_several(expr: &ObservationExpr) -> bool {
    match expr {
        ObservationExpr::Observation(_) => false,
        ObservationExpr::And(..) | ObservationExpr::FollowedBy(..) => true,
        ObservationExpr::Or(left, right) => needs_several(left) && needs_several(right),
        ObservationExpr::Qualified(inner, qualifier) => {
            matches!(qualifier, stix_pattern::ast::Qualifier::Repeats(n) if *n > 2) || needs_several(inner)
        }
    }
}

/// Runs one case; returns how many patterns matched, and how many of those needed several observations.
fn check(seed: u64) -> (usize, usize) {
    let corpus = stream_patterns();
    let mut rng = Rng::new(seed);
    let chosen: Vec<&(String, Pattern)> = (0..80).map(|_| &corpus[rng.below(corpus.len())]).collect();
    let mut index = IndicatorIndex::new();
    for (number, (text, _)) in chosen.iter().enumerate() {
        index.add_indicator(&indicator(number, text)).unwrap();
    }
    let mut leaves = Vec::new();
    for (_, pattern) in &chosen {
        leaf_patterns(&pattern.expression, &mut leaves);
    }
    let mut stream = ObservationStream::default();
    let mut observations: Vec<Observation> = Vec::new();
    let mut first_report: HashMap<String, usize> = HashMap::new();
    for step in 0..40 {
        let mut scos_by_id = HashMap::new();
        let mut refs = Vec::new();
        for _ in 0..1 + rng.below(2) {
            let Some((mut root, extras)) = sco_for(&leaves[rng.below(leaves.len())], &mut rng) else {
                continue;
            };
            if rng.chance(20) {
                root = near_miss(&root, &mut rng);
            }
            for object in std::iter::once(root).chain(extras) {
                let id = object["id"].as_str().unwrap().to_owned();
                refs.push(json!(id));
                scos_by_id.insert(id, object);
            }
        }
        let time = format!("2021-01-01T00:{:02}:{:02}Z", step / 60, step % 60);
        let observed = json!({
            "type": "observed-data", "id": format!("observed-data--{step}"),
            "first_observed": time, "last_observed": time, "number_observed": 1 + rng.below(2),
            "object_refs": refs
        });
        observations.push(Observation::from_observed_data(&observed, &scos_by_id).unwrap());
        for found in stream.push(&index, &observed, &scos_by_id).unwrap() {
            first_report.entry(found.indicator_id).or_insert(step);
        }
    }
    let (mut n_reported, mut n_reported_several) = (0, 0);
    for (number, (text, pattern)) in chosen.iter().enumerate() {
        let id = format!("indicator--{number:08}");
        let want =
            (0..observations.len()).find(|end| matches(pattern, &observations[..=*end]).unwrap_or(false));
        assert_eq!(first_report.get(&id).copied(), want, "seed {seed}: {text}");
        n_reported += usize::from(want.is_some());
        n_reported_several += usize::from(want.is_some() && needs_several(&pattern.expression));
    }
    (n_reported, n_reported_several)
}

#[test]
fn stream_first_reports_equal_prefix_evaluation_on_fixed_seeds() {
    let (mut n_reported, mut n_reported_several) = (0, 0);
    for seed in 0..6 {
        let (reported, several) = check(seed);
        n_reported += reported;
        n_reported_several += several;
    }
    // Multi-observation patterns must actually complete, or the equality would prove little.
    assert!(
        n_reported > 30 && n_reported_several > 10,
        "{n_reported} matched, {n_reported_several} multi"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn stream_first_reports_equal_prefix_evaluation(seed in any::<u64>()) {
        let _ = check(seed);
    }
}
