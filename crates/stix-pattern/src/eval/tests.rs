//! Evaluation tests, drawn from standards.md §2.6 and checked against `stix2-matcher` 3.0.0 by hand.

use serde_json::{Value, json};

use super::{CompiledPattern, EvalError, Observation, comparison_matches_object, matches};
use crate::ast::ObservationExpr;

/// An observed-data at `first`..`last` (seconds past 2026-03-01T12:00:00Z) seen `count` times, referencing
/// `scos` (which get ids `<type>--<n>` when they have none).
fn observed(first: u32, last: u32, count: u64, scos: &[Value]) -> Vec<Value> {
    let stamp = |s: u32| format!("2026-03-01T12:{:02}:{:02}Z", s / 60, s % 60);
    let mut objects = Vec::new();
    let mut refs = Vec::new();
    for sco in scos {
        let mut sco = sco.clone();
        if sco.get("id").is_none() {
            let id = format!(
                "{}--{}",
                sco["type"].as_str().unwrap(),
                refs.len() + first as usize * 100
            );
            sco["id"] = json!(id);
        }
        refs.push(sco["id"].clone());
        objects.push(sco);
    }
    objects.push(json!({
        "type": "observed-data",
        "id": format!("observed-data--{first}-{last}-{count}-{}", refs.len()),
        "first_observed": stamp(first),
        "last_observed": stamp(last),
        "number_observed": count,
        "object_refs": refs,
    }));
    objects
}

fn eval(pattern: &str, groups: &[Vec<Value>]) -> Result<bool, EvalError> {
    let objects: Vec<Value> = groups.iter().flatten().cloned().collect();
    let observations = Observation::from_bundle_objects(&objects)?;
    let pattern = crate::parse(pattern).map_err(|e| EvalError::InvalidPattern(format!("{e:?}")))?;
    matches(&pattern, &observations)
}

#[track_caller]
fn assert_matches(pattern: &str, groups: &[Vec<Value>], expected: bool) {
    assert_eq!(eval(pattern, groups), Ok(expected), "{pattern}");
}

fn file() -> Vec<Value> {
    observed(
        0,
        0,
        1,
        &[
            json!({"type": "file", "name": "a.exe", "size": 10, "x_tags": ["p", "q"],
        "magic_number_hex": "ffd8", "hashes": {"SHA-256": "AB"}}),
        ],
    )
}

#[test]
fn equality_and_inequality_on_present_properties() {
    assert_matches("[file:name = 'a.exe']", &[file()], true);
    assert_matches("[file:name != 'b.exe']", &[file()], true);
    assert_matches("[file:name NOT = 'a.exe']", &[file()], false);
    assert_matches("[file:size = 10.0]", &[file()], true);
    assert_matches("[file:hashes.'SHA-256' = 'AB']", &[file()], true);
}

#[test]
fn missing_path_is_false_under_every_operator() {
    for pattern in [
        "[file:nope = 1]",
        "[file:nope != 1]",
        "[file:nope NOT = 1]",
        "[file:nope NOT < 1]",
        "[file:nope NOT IN (1)]",
        "[file:nope NOT LIKE 'x']",
        "[file:nope NOT MATCHES 'x']",
        "[file:name.deeper != 'x']",
        "[file:x_tags[5] != 'x']",
    ] {
        assert_matches(pattern, &[file()], false);
    }
}

#[test]
fn incompatible_types_are_unequal_and_unordered() {
    assert_matches("[file:size = '10']", &[file()], false);
    assert_matches("[file:size != '10']", &[file()], true);
    assert_matches("[file:size < '10']", &[file()], false);
    // stix2-matcher: an undefined ordering stays false even under NOT.
    assert_matches("[file:size NOT < '10']", &[file()], false);
    assert_matches("[file:name = true]", &[file()], false);
}

#[test]
fn strings_order_by_code_point() {
    let group = observed(0, 0, 1, &[json!({"type": "x-t", "s": "Zebra", "u": "é"})]);
    assert_matches("[x-t:s < 'apple']", std::slice::from_ref(&group), true);
    assert_matches("[x-t:u > 'z']", &[group], true);
}

#[test]
fn like_uses_wildcards_on_nfc_text() {
    let group = observed(0, 0, 1, &[json!({"type": "file", "name": "Cafe\u{301}.txt"})]);
    assert_matches(
        "[file:name LIKE 'Caf\u{e9}%']",
        std::slice::from_ref(&group),
        true,
    );
    assert_matches("[file:name LIKE 'Caf__txt']", std::slice::from_ref(&group), true); // é is one character after NFC
    assert_matches("[file:name LIKE '_af%.txt']", std::slice::from_ref(&group), true);
    assert_matches("[file:name LIKE 'caf%']", &[group], false);
}

#[test]
fn matches_is_a_dotall_search() {
    let group = observed(0, 0, 1, &[json!({"type": "file", "name": "line1\nline2"})]);
    assert_matches("[file:name MATCHES 'e1.l']", std::slice::from_ref(&group), true);
    assert_matches(
        "[file:name MATCHES '^line2']",
        std::slice::from_ref(&group),
        false,
    );
    assert_matches("[file:name MATCHES 'ne\\\\d$']", &[group], true);
}

#[test]
fn matches_reports_what_the_regex_crate_cannot_express() {
    let result = eval("[file:name MATCHES 'a(?=b)']", &[file()]);
    assert!(matches!(result, Err(EvalError::Unsupported(_))), "{result:?}");
}

#[test]
fn issubset_and_issuperset_are_cidr_containment() {
    let v4 = observed(0, 0, 1, &[json!({"type": "ipv4-addr", "value": "10.1.2.3"})]);
    let net = observed(0, 0, 1, &[json!({"type": "ipv4-addr", "value": "10.1.0.0/16"})]);
    let v6 = observed(0, 0, 1, &[json!({"type": "ipv6-addr", "value": "2001:db8::1"})]);
    assert_matches(
        "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
        std::slice::from_ref(&v4),
        true,
    );
    assert_matches(
        "[ipv4-addr:value ISSUBSET '10.1.2.3/32']",
        std::slice::from_ref(&v4),
        true,
    );
    assert_matches(
        "[ipv4-addr:value ISSUBSET '11.0.0.0/8']",
        std::slice::from_ref(&v4),
        false,
    );
    assert_matches(
        "[ipv4-addr:value ISSUPERSET '10.1.200.0/24']",
        std::slice::from_ref(&net),
        true,
    );
    assert_matches("[ipv4-addr:value ISSUPERSET '10.0.0.0/8']", &[net], false);
    assert_matches(
        "[ipv6-addr:value ISSUBSET '2001:db8::/32']",
        std::slice::from_ref(&v6),
        true,
    );
    assert_matches("[ipv6-addr:value ISSUBSET '10.0.0.0/8']", &[v6], false);
}

#[test]
fn hex_and_bin_properties_compare_as_bytes() {
    assert_matches("[file:magic_number_hex = h'FFD8']", &[file()], true);
    assert_matches("[file:magic_number_hex = '\u{ff}\u{d8}']", &[file()], true);
    assert_matches("[file:magic_number_hex = b'/9g=']", &[file()], true);
    assert_matches("[file:magic_number_hex > h'ff']", &[file()], true);
    let artifact = observed(0, 0, 1, &[json!({"type": "artifact", "payload_bin": "aGk="})]);
    assert_matches(
        "[artifact:payload_bin = 'hi']",
        std::slice::from_ref(&artifact),
        true,
    );
    assert_matches("[artifact:payload_bin MATCHES '^h']", &[artifact], true);
}

#[test]
fn any_index_matches_any_element_and_indexes_stay_in_range() {
    assert_matches("[file:x_tags[*] = 'q']", &[file()], true);
    assert_matches("[file:x_tags[1] = 'q']", &[file()], true);
    assert_matches("[file:x_tags[0] = 'q']", &[file()], false);
    assert_matches("[file:x_tags[2] = 'q']", &[file()], false);
    assert_matches("[file:x_tags = 'q']", &[file()], false);
}

#[test]
fn references_resolve_only_within_the_observation() {
    let dir = json!({"type": "directory", "id": "directory--1", "path": "C:\\Windows"});
    let with_dir = observed(
        0,
        0,
        1,
        &[
            json!({"type": "file", "name": "f", "parent_directory_ref": "directory--1"}),
            dir,
        ],
    );
    assert_matches(
        "[file:parent_directory_ref.path = 'C:\\\\Windows']",
        &[with_dir],
        true,
    );
    // The directory exists in the bundle but is not referenced by this observed-data.
    let other = observed(
        10,
        10,
        1,
        &[json!({"type": "directory", "id": "directory--2", "path": "D"})],
    );
    let without = observed(
        0,
        0,
        1,
        &[json!({"type": "file", "name": "f", "parent_directory_ref": "directory--2"})],
    );
    assert_matches("[file:parent_directory_ref.path = 'D']", &[without, other], false);
}

#[test]
fn reference_lists_dereference_each_resolvable_id() {
    let group = observed(
        0,
        0,
        1,
        &[
            json!({"type": "domain-name", "value": "x.com", "resolves_to_refs": ["ipv4-addr--9", "ipv4-addr--1"]}),
            json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "1.2.3.4"}),
        ],
    );
    assert_matches(
        "[domain-name:resolves_to_refs[*].value = '1.2.3.4']",
        std::slice::from_ref(&group),
        true,
    );
    // The unresolved id is dropped, so the resolved object is element 0.
    assert_matches(
        "[domain-name:resolves_to_refs[0].value = '1.2.3.4']",
        &[group],
        true,
    );
}

#[test]
fn comparisons_in_one_observation_share_the_root_object() {
    let two_files = observed(
        0,
        0,
        1,
        &[
            json!({"type": "file", "name": "a", "size": 1}),
            json!({"type": "file", "name": "b", "size": 2}),
        ],
    );
    assert_matches(
        "[file:name = 'a' AND file:size = 2]",
        std::slice::from_ref(&two_files),
        false,
    );
    assert_matches(
        "[file:name = 'a' AND file:size = 1]",
        std::slice::from_ref(&two_files),
        true,
    );
    assert_matches(
        "[file:name = 'zz' OR file:size = 2]",
        std::slice::from_ref(&two_files),
        true,
    );
    let mixed = observed(
        0,
        0,
        1,
        &[
            json!({"type": "file", "name": "a"}),
            json!({"type": "process", "pid": 4}),
        ],
    );
    assert_matches(
        "[file:name = 'a' AND process:pid = 4]",
        std::slice::from_ref(&mixed),
        false,
    );
    assert_matches("[file:name = 'x' OR process:pid = 4]", &[mixed], true);
}

#[test]
fn observation_operators_need_distinct_observations() {
    let once = observed(0, 0, 1, &[json!({"type": "file", "name": "a"})]);
    let twice = observed(0, 0, 2, &[json!({"type": "file", "name": "a"})]);
    assert_matches(
        "[file:name = 'a'] AND [file:name = 'a']",
        std::slice::from_ref(&once),
        false,
    );
    assert_matches(
        "[file:name = 'a'] AND [file:name = 'a']",
        std::slice::from_ref(&twice),
        true,
    );
    assert_matches("[file:name = 'a'] OR [file:name = 'b']", &[once], true);
}

#[test]
fn followedby_needs_the_second_not_before_the_first() {
    let early = observed(0, 10, 1, &[json!({"type": "file", "name": "a"})]);
    let late = observed(100, 110, 1, &[json!({"type": "file", "name": "b"})]);
    let groups = [early, late];
    assert_matches("[file:name = 'a'] FOLLOWEDBY [file:name = 'b']", &groups, true);
    assert_matches("[file:name = 'b'] FOLLOWEDBY [file:name = 'a']", &groups, false);
}

#[test]
fn within_bounds_the_span_of_the_matched_observations() {
    let a = observed(0, 0, 1, &[json!({"type": "file", "name": "a"})]);
    let b = observed(100, 100, 1, &[json!({"type": "file", "name": "b"})]);
    let groups = [a, b];
    assert_matches(
        "([file:name = 'a'] AND [file:name = 'b']) WITHIN 100 SECONDS",
        &groups,
        true,
    );
    assert_matches(
        "([file:name = 'a'] AND [file:name = 'b']) WITHIN 99.5 SECONDS",
        &groups,
        false,
    );
}

#[test]
fn start_stop_is_half_open() {
    let at_noon = observed(0, 0, 1, &[json!({"type": "file", "name": "a"})]);
    let at = |start: &str, stop: &str| {
        format!("[file:name = 'a'] START t'2026-03-01T{start}Z' STOP t'2026-03-01T{stop}Z'")
    };
    assert_matches(&at("12:00:00", "12:00:01"), std::slice::from_ref(&at_noon), true);
    assert_matches(&at("11:00:00", "12:00:00"), std::slice::from_ref(&at_noon), false);
    assert_matches(&at("12:00:01", "12:00:00"), &[at_noon], false);
}

#[test]
fn repeats_counts_number_observed() {
    let three = observed(0, 0, 3, &[json!({"type": "file", "name": "a"})]);
    let one = observed(5, 5, 1, &[json!({"type": "file", "name": "a"})]);
    assert_matches(
        "[file:name = 'a'] REPEATS 3 TIMES",
        std::slice::from_ref(&three),
        true,
    );
    assert_matches(
        "[file:name = 'a'] REPEATS 4 TIMES",
        std::slice::from_ref(&three),
        false,
    );
    assert_matches("[file:name = 'a'] REPEATS 4 TIMES", &[three, one], true);
}

#[test]
fn exists_tests_presence_on_objects_of_the_type() {
    assert_matches("[EXISTS file:size]", &[file()], true);
    assert_matches("[EXISTS file:nope]", &[file()], false);
    assert_matches("[NOT EXISTS file:nope]", &[file()], true);
    assert_matches("[NOT EXISTS process:nope]", &[file()], false);
}

#[test]
fn embedded_objects_dictionary_is_read() {
    let observed_data = json!({
        "type": "observed-data", "first_observed": "2026-03-01T12:00:00Z", "last_observed": "2026-03-01T12:00:00Z",
        "number_observed": 1,
        "objects": {"0": {"type": "file", "name": "a", "parent_directory_ref": "1"},
                    "1": {"type": "directory", "path": "/tmp"}}
    });
    let observation = Observation::from_observed_data(&observed_data, &Default::default()).unwrap();
    let pattern = crate::parse("[file:parent_directory_ref.path = '/tmp']").unwrap();
    assert_eq!(matches(&pattern, &[observation]), Ok(true));
}

#[test]
fn patterns_stix2_matcher_rejects_are_errors() {
    for pattern in [
        "[file:name = 'a'] REPEATS 0 TIMES",
        "[file:name = 'a'] WITHIN 0 SECONDS",
        "[file:name IN ('a', 1)]",
    ] {
        let result = eval(pattern, &[file()]);
        assert!(
            matches!(result, Err(EvalError::InvalidPattern(_))),
            "{pattern}: {result:?}"
        );
    }
}

#[test]
fn malformed_observed_data_is_an_error() {
    let missing_count = json!({"type": "observed-data", "first_observed": "2026-03-01T12:00:00Z",
        "last_observed": "2026-03-01T12:00:00Z", "object_refs": []});
    assert!(Observation::from_bundle_objects(&[missing_count]).is_err());
    let bad_time = json!({"type": "observed-data", "first_observed": "yesterday",
        "last_observed": "2026-03-01T12:00:00Z", "number_observed": 1, "object_refs": []});
    assert!(Observation::from_bundle_objects(&[bad_time]).is_err());
}

#[test]
fn single_object_comparison_is_exposed_for_indexes() {
    let pattern = crate::parse("[file:parent_directory_ref.path = '/tmp' AND file:name LIKE 'a%']").unwrap();
    let ObservationExpr::Observation(expr) = &pattern.expression else {
        panic!("not a simple observation")
    };
    let dir = json!({"type": "directory", "path": "/tmp"});
    let file = json!({"type": "file", "name": "abc", "parent_directory_ref": "directory--1"});
    let resolve = |id: &str| (id == "directory--1").then_some(&dir);
    assert!(comparison_matches_object(expr, &file, &resolve));
    assert!(!comparison_matches_object(expr, &file, &|_| None));
    assert!(!comparison_matches_object(expr, &dir, &resolve));
}

#[test]
fn timestamp_literals_must_be_calendar_instants() {
    let result = eval("[file:ctime = t'2024-02-30T00:00:00Z']", &[file()]);
    assert!(matches!(result, Err(EvalError::InvalidPattern(_))), "{result:?}");
    let result = eval(
        "[file:name = 'a.exe'] START t'2026-03-01T11:59:60Z' STOP t'2030-01-01T00:00:00Z'",
        &[file()],
    );
    assert!(matches!(result, Err(EvalError::InvalidPattern(_))), "{result:?}");
}

#[test]
fn timestamps_compare_at_microsecond_precision_like_stix2_matcher() {
    let group = observed(
        0,
        0,
        1,
        &[json!({"type": "file", "ctime": "2026-03-01T12:00:00.0000009Z"})],
    );
    assert_matches(
        "[file:ctime = t'2026-03-01T12:00:00Z']",
        std::slice::from_ref(&group),
        true,
    );
    assert_matches(
        "[file:ctime = t'2026-03-01T12:00:00Z'] START t'2026-03-01T12:00:00.0000001Z' STOP t'2026-03-01T12:01:00Z'",
        &[group],
        true,
    );
}

#[test]
fn long_chains_evaluate_without_deep_recursion() {
    let text = format!(
        "[{}]",
        vec!["file:name = 'zz'"; 1000].join(" OR ") + " OR file:name = 'a.exe'"
    );
    assert_matches(&text, &[file()], true);
    let obs_chain = vec!["[file:name = 'a.exe']"; 500].join(" OR ");
    assert_matches(&obs_chain, &[file()], true);
    let repeated = observed(0, 0, 5000, &[json!({"type": "file", "name": "a"})]);
    assert_matches("[file:name = 'a'] REPEATS 5000 TIMES", &[repeated], true);
}

#[test]
fn a_compiled_pattern_answers_like_matches() {
    let groups = [
        file(),
        observed(50, 60, 2, &[json!({"type": "file", "name": "b.dll", "size": 3})]),
    ];
    let objects: Vec<Value> = groups.iter().flatten().cloned().collect();
    let observations = Observation::from_bundle_objects(&objects).unwrap();
    for text in [
        "[file:name MATCHES '^a'] FOLLOWEDBY [file:name LIKE '%.dll']",
        "([file:size > 1] OR [file:name = 'x']) REPEATS 3 TIMES",
        "[file:name = 'b.dll'] AND [file:size = 3] WITHIN 5 SECONDS",
        "[file:name = 'nope']",
    ] {
        let pattern = crate::parse(text).unwrap();
        let compiled = CompiledPattern::new(&pattern).unwrap();
        assert_eq!(
            compiled.matches(&observations),
            matches(&pattern, &observations),
            "{text}"
        );
    }
}
