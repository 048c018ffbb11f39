//! Unit tests of individual validation rules: each case is an object (usually a valid baseline with one
//! change) and the exact rule codes it must produce. This file holds the helpers and the common-property
//! rules; `tests/` holds references, extensions and documents, type-specific rules and marking rules.

mod document_rules;
mod marking_rules;
mod sco_rules;
mod type_rules;

use serde_json::{Value, json};

use crate::validate::{RULE_CODES, validate_object};

/// Validates `object` and asserts that the sorted rule codes are exactly `expected`.
pub(super) fn check(object: Value, expected: &[&str]) {
    let mut out = Vec::new();
    validate_object(&object, "$", &mut out);
    let mut codes: Vec<&str> = out.iter().map(|d| d.code).collect();
    for code in &codes {
        assert!(
            RULE_CODES.iter().any(|(known, _)| known == code),
            "{code} is not in RULE_CODES"
        );
    }
    codes.sort_unstable();
    let mut expected = expected.to_vec();
    expected.sort_unstable();
    assert_eq!(codes, expected, "object: {object}\ndiagnostics: {out:#?}");
}

/// `base` with the members of `patch` set (a `null` in `patch` removes the member).
pub(super) fn with(base: Value, patch: Value) -> Value {
    let (Value::Object(mut base), Value::Object(patch)) = (base, patch) else {
        panic!("objects expected")
    };
    for (key, value) in patch {
        if value.is_null() {
            base.remove(&key);
        } else {
            base.insert(key, value);
        }
    }
    Value::Object(base)
}

pub(super) fn indicator() -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e",
        "created": "2024-03-01T10:00:00.000Z",
        "modified": "2024-03-01T10:00:00.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": "2024-03-01T10:00:00Z"
    })
}

pub(super) fn sdo(type_name: &str, extra: Value) -> Value {
    let base = json!({
        "type": type_name,
        "spec_version": "2.1",
        "id": format!("{type_name}--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e"),
        "created": "2024-03-01T10:00:00.000Z",
        "modified": "2024-03-01T10:00:00.000Z"
    });
    with(base, extra)
}

pub(super) fn sco(type_name: &str, extra: Value) -> Value {
    let base = json!({"type": type_name, "id": format!("{type_name}--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e")});
    with(base, extra)
}

pub(super) const TLP_GREEN: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";

#[test]
fn baseline_objects_are_valid() {
    check(indicator(), &[]);
    check(sdo("malware", json!({"is_family": false})), &[]);
    check(sdo("x-acme-widget", json!({"x_acme_size": 3})), &[]);
    check(sco("ipv4-addr", json!({"value": "198.51.100.0/24"})), &[]);
    check(sco("ipv6-addr", json!({"value": "2001:db8::/32"})), &[]);
}

#[test]
fn non_objects_and_missing_type_are_reported() {
    check(json!([1, 2]), &["not-an-object"]);
    check(with(indicator(), json!({"type": null})), &["required-property"]);
    check(with(indicator(), json!({"type": 7})), &["property-type"]);
}

#[test]
fn common_required_properties_depend_on_the_family() {
    check(with(indicator(), json!({"id": null})), &["required-property"]);
    check(
        with(indicator(), json!({"created": null, "modified": null})),
        &["required-property", "required-property"],
    );
    check(
        with(indicator(), json!({"spec_version": null})),
        &["required-property"],
    );
    check(sco("domain-name", json!({"value": "example.com"})), &[]);
    check(
        with(
            sco("domain-name", json!({"value": "example.com"})),
            json!({"id": null}),
        ),
        &["required-property"],
    );
}

#[test]
fn identifiers_must_be_well_formed_and_match_the_type() {
    check(
        with(indicator(), json!({"id": "indicator--1234"})),
        &["id-format"],
    );
    check(
        with(
            indicator(),
            json!({"id": "malware--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e"}),
        ),
        &["id-type-mismatch"],
    );
    // UUID version 0 and a wrong variant are not RFC 4122 UUIDs.
    check(
        with(
            indicator(),
            json!({"id": "indicator--0f4a4a8e-7d5c-0b8f-9f2e-3c1a2b3c4d5e"}),
        ),
        &["id-format"],
    );
    check(
        with(
            indicator(),
            json!({"id": "indicator--0f4a4a8e-7d5c-4b8f-cf2e-3c1a2b3c4d5e"}),
        ),
        &["id-format"],
    );
}

#[test]
fn type_names_and_property_names_follow_section_3_1() {
    check(
        sdo(
            "x-acme-widget",
            json!({"type": "X-Acme", "id": "X-Acme--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e"}),
        ),
        &["id-format", "type-name"],
    );
    check(with(indicator(), json!({"x_Acme": 1})), &["property-name"]);
    check(with(indicator(), json!({"ab": 1})), &["property-name"]);
    check(
        with(indicator(), json!({"_acme": 1, "9acme": 2})),
        &["property-name", "property-name"],
    );
    check(
        with(indicator(), json!({"x_acme_score": 1, "acme_toplevel": "ok"})),
        &[],
    );
}

#[test]
fn spec_version_must_be_2_1() {
    check(
        with(indicator(), json!({"spec_version": "2.0"})),
        &["spec-version"],
    );
    check(
        sco(
            "url",
            json!({"value": "http://example.com/", "spec_version": "2.0"}),
        ),
        &["spec-version"],
    );
}

#[test]
fn timestamps_are_rfc3339_utc_with_millisecond_created_and_modified() {
    check(
        with(indicator(), json!({"valid_from": "2024-03-01 10:00:00"})),
        &["timestamp-format"],
    );
    check(
        with(indicator(), json!({"valid_from": "2024-03-01T10:00:00+01:00"})),
        &["timestamp-format"],
    );
    check(
        with(indicator(), json!({"valid_from": "2023-02-29T10:00:00Z"})),
        &["timestamp-format"],
    );
    check(
        with(indicator(), json!({"valid_from": 1_700_000_000})),
        &["property-type"],
    );
    check(
        with(
            indicator(),
            json!({"created": "2024-03-01T10:00:00Z", "modified": "2024-03-01T10:00:00.1Z"}),
        ),
        &["timestamp-precision", "timestamp-precision"],
    );
    check(
        with(indicator(), json!({"modified": "2024-03-01T10:00:00.0001Z"})),
        &[],
    );
}

#[test]
fn timestamps_must_be_in_order() {
    check(
        with(indicator(), json!({"modified": "2024-02-01T10:00:00.000Z"})),
        &["timestamp-order"],
    );
    check(
        with(indicator(), json!({"valid_until": "2024-03-01T10:00:00Z"})),
        &["timestamp-order"],
    );
    check(
        with(indicator(), json!({"valid_until": "2024-03-01T10:00:00.001Z"})),
        &[],
    );
    let campaign = sdo(
        "campaign",
        json!({"name": "c", "first_seen": "2024-01-02T00:00:00Z", "last_seen": "2024-01-01T00:00:00Z"}),
    );
    check(campaign, &["timestamp-order"]);
    let same = sdo(
        "campaign",
        json!({"name": "c", "first_seen": "2024-01-01T00:00:00Z", "last_seen": "2024-01-01T00:00:00.000Z"}),
    );
    check(same, &[]);
    let relationship = sdo(
        "relationship",
        json!({"relationship_type": "uses", "source_ref": "malware--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e",
               "target_ref": "tool--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e",
               "start_time": "2024-01-01T00:00:00Z", "stop_time": "2024-01-01T00:00:00Z"}),
    );
    check(relationship, &["timestamp-order"]);
}

#[test]
fn confidence_is_an_integer_from_0_to_100() {
    check(with(indicator(), json!({"confidence": 0})), &[]);
    check(with(indicator(), json!({"confidence": 100})), &[]);
    check(with(indicator(), json!({"confidence": 101})), &["value-range"]);
    check(with(indicator(), json!({"confidence": -1})), &["value-range"]);
    check(with(indicator(), json!({"confidence": 50.5})), &["property-type"]);
    // As in JSON Schema, a number with a zero fraction is an integer.
    check(with(indicator(), json!({"confidence": 50.0})), &[]);
    check(
        with(indicator(), json!({"confidence": "high"})),
        &["property-type"],
    );
}

#[test]
fn common_property_types_are_checked() {
    check(with(indicator(), json!({"revoked": "yes"})), &["property-type"]);
    check(with(indicator(), json!({"labels": ["a", 1]})), &["property-type"]);
    check(with(indicator(), json!({"labels": "a"})), &["property-type"]);
    check(with(indicator(), json!({"lang": "en"})), &[]);
    check(with(indicator(), json!({"lang": "not a tag"})), &["language-tag"]);
    check(with(indicator(), json!({"name": 5})), &["property-type"]);
}

#[test]
fn empty_lists_are_prohibited() {
    check(with(indicator(), json!({"labels": []})), &["empty-list"]);
    check(with(indicator(), json!({"x_acme_things": []})), &["empty-list"]);
    // A list nested in a custom property is the custom property's business.
    check(with(indicator(), json!({"x_acme_things": [{"inner": []}]})), &[]);
}

#[test]
fn common_properties_apply_only_to_their_families() {
    check(
        with(indicator(), json!({"defanged": true})),
        &["property-not-applicable"],
    );
    check(
        sco(
            "ipv4-addr",
            json!({"value": "198.51.100.7", "created": "2024-03-01T10:00:00.000Z"}),
        ),
        &["property-not-applicable"],
    );
    check(
        sco(
            "ipv4-addr",
            json!({"value": "198.51.100.7", "labels": ["x"], "defanged": true}),
        ),
        &["property-not-applicable"],
    );
    let statement = json!({"type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--3d2c1b0a-9f8e-4d7c-b6a5-4f3e2d1c0b9a", "created": "2024-03-01T10:00:00.000Z",
        "definition_type": "statement", "definition": {"statement": "Copyright"}});
    check(statement.clone(), &[]);
    check(
        with(statement, json!({"modified": "2024-03-01T10:00:00.000Z"})),
        &["property-not-applicable"],
    );
}

#[test]
fn timestamps_use_uppercase_t_and_z() {
    check(
        with(indicator(), json!({"valid_from": "2024-03-01t10:00:00Z"})),
        &["timestamp-format"],
    );
    check(
        with(indicator(), json!({"valid_from": "2024-03-01T10:00:00z"})),
        &["timestamp-format"],
    );
}

#[test]
fn rule_codes_are_unique_kebab_case() {
    for (idx, (code, meaning)) in RULE_CODES.iter().enumerate() {
        assert!(
            code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{code}"
        );
        assert!(!meaning.is_empty(), "{code} needs a meaning");
        assert!(
            RULE_CODES[..idx].iter().all(|(other, _)| other != code),
            "{code} is listed twice"
        );
    }
}
