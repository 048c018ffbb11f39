//! Recorded answers of the reference validator (`stix2-patterns` 2.1.2, `run_validator(p, "2.1")`, a crash
//! counted as invalid) for hand-written corner cases and a sample of fuzzer-found inputs:
//! `test_data/reference-validity.jsonl`, one `{"pattern", "valid"}` per line. `check` must agree on each.

use std::path::Path;

use serde_json::Value;

#[test]
fn check_agrees_with_the_recorded_reference_answers() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/reference-validity.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut failures = Vec::new();
    let mut n_cases = 0;
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        let pattern = case["pattern"].as_str().unwrap();
        let expected_valid = case["valid"].as_bool().unwrap();
        let errors = stix_pattern::check(pattern);
        n_cases += 1;
        if errors.is_empty() != expected_valid {
            failures.push(format!(
                "{pattern:?}: reference valid={expected_valid}, check says {errors:?}"
            ));
        }
    }
    assert!(n_cases > 500, "only {n_cases} recorded cases");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
