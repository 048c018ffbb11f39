//! Unit tests of type-specific rules of SDOs, SROs and meta objects.

use serde_json::{Value, json};

use super::{TLP_GREEN, check, indicator, sdo, with};

#[test]
fn type_specific_required_properties() {
    check(
        with(indicator(), json!({"pattern_type": null})),
        &["required-property"],
    );
    check(sdo("identity", json!({})), &["required-property"]);
    check(sdo("malware", json!({"name": "x"})), &["required-property"]);
    check(sdo("malware", json!({"is_family": true})), &["required-property"]);
    check(
        sdo(
            "report",
            json!({"name": "r", "published": "2024-03-01T10:00:00Z"}),
        ),
        &["required-property"],
    );
    check(
        sdo(
            "relationship",
            json!({"relationship_type": "uses", "source_ref": "malware--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e"}),
        ),
        &["required-property"],
    );
    check(
        sdo("malware-analysis", json!({"product": "av"})),
        &["required-property"],
    );
    check(
        sdo(
            "malware-analysis",
            json!({"product": "av", "result": "malicious"}),
        ),
        &[],
    );
    let extension_definition = sdo(
        "extension-definition",
        json!({"name": "n", "schema": "s", "version": "1.0.0",
        "extension_types": ["property-extension"]}),
    );
    check(extension_definition.clone(), &["required-property"]);
    check(
        with(
            extension_definition,
            json!({"created_by_ref": "identity--b6a4e3e1-2f7e-4c3b-8a41-6f0d7e9c1a22"}),
        ),
        &[],
    );
}

#[test]
fn enumerations_and_ranges() {
    check(
        sdo("opinion", json!({"opinion": "agree", "object_refs": [TLP_GREEN]})),
        &[],
    );
    check(
        sdo("opinion", json!({"opinion": "maybe", "object_refs": [TLP_GREEN]})),
        &["enum-value"],
    );
    let location = |extra: Value| sdo("location", extra);
    check(
        location(json!({"latitude": 48.8, "longitude": 2.3, "precision": 100.0})),
        &[],
    );
    check(
        location(json!({"latitude": 91.0, "longitude": 2.3})),
        &["value-range"],
    );
    check(
        location(json!({"latitude": 1.0, "longitude": -180.5})),
        &["value-range"],
    );
    check(
        location(json!({"latitude": 1.0})),
        &["required-property", "required-property"],
    );
    check(
        location(json!({"region": "europe", "precision": 10.0})),
        &["required-property"],
    );
    check(location(json!({"name": "somewhere"})), &["required-property"]);
    let sighting = |count: Value| {
        sdo(
            "sighting",
            json!({"sighting_of_ref": "malware--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e", "count": count}),
        )
    };
    check(sighting(json!(0)), &[]);
    check(sighting(json!(999_999_999)), &[]);
    check(sighting(json!(1_000_000_000)), &["value-range"]);
    check(sighting(json!(-1)), &["value-range"]);
    let observed = |n: Value| {
        sdo(
            "observed-data",
            json!({"first_observed": "2024-03-01T09:00:00Z",
        "last_observed": "2024-03-01T09:30:00Z", "number_observed": n,
        "object_refs": ["ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db"]}),
        )
    };
    check(observed(json!(1)), &[]);
    check(observed(json!(0)), &["value-range"]);
    check(observed(json!(1.5)), &["property-type"]);
}

#[test]
fn observed_data_has_objects_or_object_refs_never_both() {
    let base = sdo(
        "observed-data",
        json!({"first_observed": "2024-03-01T09:00:00Z",
        "last_observed": "2024-03-01T09:30:00Z", "number_observed": 1}),
    );
    check(base.clone(), &["required-property"]);
    check(
        with(
            base.clone(),
            json!({"objects": {"0": {"type": "ipv4-addr", "value": "198.51.100.7"}}}),
        ),
        &[],
    );
    check(
        with(
            base,
            json!({"objects": {"0": {"value": "x"}}, "object_refs": ["ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db"]}),
        ),
        &["property-conflict", "required-property"],
    );
}

#[test]
fn language_content_keys_are_language_tags_and_property_names() {
    let content = |contents: Value| {
        sdo(
            "language-content",
            json!({"object_ref": "campaign--12592121-be4c-4a93-a813-5a5af16e50db", "contents": contents}),
        )
    };
    check(content(json!({"de": {"name": "Bank Angriff"}})), &[]);
    check(
        content(json!({"de": {"Name": "Bank Angriff"}})),
        &["property-name"],
    );
    check(content(json!({"not a tag": {"name": "x"}})), &["language-tag"]);
    check(
        with(content(json!({"de": {"name": "x"}})), json!({"lang": "en"})),
        &["property-not-applicable"],
    );
}

#[test]
fn extension_definition_types_come_from_the_enum() {
    let definition = |types: Value| {
        sdo(
            "extension-definition",
            json!({"name": "n", "schema": "s", "version": "1",
        "created_by_ref": "identity--b6a4e3e1-2f7e-4c3b-8a41-6f0d7e9c1a22", "extension_types": types}),
        )
    };
    check(definition(json!(["new-sdo"])), &[]);
    check(definition(json!(["new-thing"])), &["enum-value"]);
    check(
        with(
            definition(json!(["new-sdo"])),
            json!({"extension_properties": ["rank"]}),
        ),
        &["property-conflict"],
    );
}

#[test]
fn indicator_patterns_of_type_stix_must_parse() {
    check(
        with(
            indicator(),
            json!({"pattern": "[ipv4-addr:value = '198.51.100.7'"}),
        ),
        &["pattern-syntax"],
    );
    check(
        with(
            indicator(),
            json!({"pattern": "[ipv4-addr:value = '198.51.100.7'", "pattern_type": "snort"}),
        ),
        &[],
    );
}

#[test]
fn extension_properties_follow_property_name_rules() {
    let ext_id = "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e";
    check(
        with(
            indicator(),
            json!({"extensions": {ext_id: {"extension_type": "property-extension", "Rank": 5}}}),
        ),
        &["property-name"],
    );
}

#[test]
fn relationship_types_are_lowercase_hyphenated() {
    let relationship = |relationship_type: &str| {
        sdo(
            "relationship",
            json!({"relationship_type": relationship_type,
        "source_ref": "malware--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e", "target_ref": "tool--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e"}),
        )
    };
    check(relationship("subtechnique-of"), &[]);
    check(relationship("Uses"), &["property-value"]);
    check(relationship("related to"), &["property-value"]);
}

#[test]
fn observed_data_refs_include_an_observable() {
    let observed = |refs: Value| {
        sdo(
            "observed-data",
            json!({"first_observed": "2024-03-01T09:00:00Z", "last_observed": "2024-03-01T09:30:00Z",
            "number_observed": 1, "object_refs": refs}),
        )
    };
    check(
        observed(json!(["relationship--5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"])),
        &["ref-type"],
    );
    check(
        observed(json!([
            "relationship--5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
            "x-acme-sensor--5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
        ])),
        &[],
    );
}

#[test]
fn observable_container_references_stay_local() {
    let observed = |objects: Value| {
        sdo(
            "observed-data",
            json!({"first_observed": "2024-03-01T09:00:00Z", "last_observed": "2024-03-01T09:30:00Z",
            "number_observed": 1, "objects": objects}),
        )
    };
    let traffic = |dst: &str| {
        json!({"0": {"type": "ipv4-addr", "value": "198.51.100.2"}, "1": {"type": "url", "value": "http://x/"},
        "2": {"type": "network-traffic", "dst_ref": dst, "protocols": ["tcp"]}})
    };
    check(observed(traffic("0")), &[]);
    check(observed(traffic("7")), &["ref-type"]);
    check(observed(traffic("1")), &["ref-type"]);
    check(
        observed(
            json!({"0": {"type": "domain-name", "value": "x.com", "resolves_to_refs": ["1"]}, "1": {"type": "ipv4-addr", "value": "1.2.3.4"}}),
        ),
        &[],
    );
}
