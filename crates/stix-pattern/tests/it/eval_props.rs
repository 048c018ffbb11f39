//! Property: evaluation never panics, whatever the pattern, on observations with every kind of value.

use proptest::prelude::*;
use serde_json::json;
use stix_pattern::ast::Pattern;
use stix_pattern::eval::{Observation, matches};

use crate::strategies::observation_expr;

fn observations() -> Vec<Observation> {
    let objects = vec![
        json!({"type": "observed-data", "id": "observed-data--1", "first_observed": "2026-03-01T12:00:00Z",
               "last_observed": "2026-03-01T12:00:10Z", "number_observed": 3,
               "object_refs": ["x--1", "file--1", "a--1"]}),
        json!({"type": "observed-data", "id": "observed-data--2", "first_observed": "2026-03-01T12:01:00.5Z",
               "last_observed": "2026-03-01T12:01:00.5Z", "number_observed": 1, "object_refs": ["x--1"]}),
        json!({"type": "x", "id": "x--1", "a": 1, "b": "text", "c": [1, "two", null, {"d": true}],
               "e_hex": "ff00", "f_bin": "aGk=", "g_ref": "file--1", "h_refs": ["file--1", "nope"], "n": null}),
        json!({"type": "file", "id": "file--1", "name": "a\nb", "size": 1.5e300, "hashes": {"SHA-256": "ab"}}),
        json!({"type": "a", "id": "a--1", "b": "10.0.0.1", "c": "2026-03-01T12:00:00Z", "AND": -7}),
    ];
    Observation::from_bundle_objects(&objects).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn evaluation_never_panics(expression in observation_expr()) {
        let observations = observations();
        let _ = matches(&Pattern { expression }, &observations);
    }
}
