//! Unit tests of references, extensions, custom types, bundle headers, documents and diagnostic paths.

use serde_json::{Value, json};

use super::{TLP_GREEN, check, indicator, sco, sdo, with};
use crate::validate::{validate_bundle_header, validate_document, validate_object};

#[test]
fn references_must_point_at_allowed_types() {
    check(
        with(
            indicator(),
            json!({"created_by_ref": "identity--b6a4e3e1-2f7e-4c3b-8a41-6f0d7e9c1a22"}),
        ),
        &[],
    );
    check(
        with(
            indicator(),
            json!({"created_by_ref": "malware--b6a4e3e1-2f7e-4c3b-8a41-6f0d7e9c1a22"}),
        ),
        &["ref-type"],
    );
    check(
        with(indicator(), json!({"object_marking_refs": [TLP_GREEN]})),
        &[],
    );
    check(
        with(
            indicator(),
            json!({"object_marking_refs": ["identity--b6a4e3e1-2f7e-4c3b-8a41-6f0d7e9c1a22"]}),
        ),
        &["ref-type"],
    );
    check(
        with(indicator(), json!({"object_marking_refs": ["not-an-id"]})),
        &["id-format"],
    );
    let sighting = |of: &str| sdo("sighting", json!({"sighting_of_ref": of}));
    check(sighting("indicator--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e"), &[]);
    check(
        sighting("x-acme-thing--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e"),
        &[],
    );
    check(
        sighting("ipv4-addr--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e"),
        &["ref-type"],
    );
    let where_sighted = sdo(
        "sighting",
        json!({"sighting_of_ref": "malware--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e",
        "where_sighted_refs": ["identity--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e", "malware--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e"]}),
    );
    check(where_sighted, &["ref-type"]);
    let observed = |refs: Value| {
        sdo(
            "observed-data",
            json!({"first_observed": "2024-03-01T09:00:00Z",
        "last_observed": "2024-03-01T09:30:00Z", "number_observed": 1, "object_refs": refs}),
        )
    };
    check(
        observed(json!([
            "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db",
            "relationship--5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
        ])),
        &[],
    );
    check(
        observed(json!(["indicator--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e"])),
        &["ref-type"],
    );
    let relationship = |target: &str| {
        sdo(
            "relationship",
            json!({"relationship_type": "related-to",
        "source_ref": "malware--0f4a4a8e-7d5c-4b8f-9f2e-3c1a2b3c4d5e", "target_ref": target}),
        )
    };
    check(
        relationship("ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db"),
        &[],
    );
    check(
        relationship("sighting--12592121-be4c-4a93-a813-5a5af16e50db"),
        &["ref-type"],
    );
    // Custom properties pass through, whatever their suffix (§3.1 constrains names, not values).
    check(with(indicator(), json!({"acme_owner_ref": "bob"})), &[]);
    check(with(indicator(), json!({"x_acme_owner_ref": "bob"})), &[]);
}

#[test]
fn external_references_and_kill_chain_phases() {
    check(
        with(
            indicator(),
            json!({"external_references": [{"source_name": "cve", "external_id": "CVE-2024-0001"}]}),
        ),
        &[],
    );
    check(
        with(
            indicator(),
            json!({"external_references": [{"url": "https://example.com/"}]}),
        ),
        &["required-property"],
    );
    check(
        with(
            indicator(),
            json!({"external_references": [{"source_name": "acme"}]}),
        ),
        &["external-reference"],
    );
    check(
        with(
            indicator(),
            json!({"external_references": [{"source_name": "acme", "url": "https://example.com/", "hashes": {"SHA-256": "abc"}}]}),
        ),
        &["hash-format"],
    );
    check(
        with(
            indicator(),
            json!({"kill_chain_phases": [{"kill_chain_name": "lockheed", "phase_name": "recon"}]}),
        ),
        &[],
    );
    check(
        with(
            indicator(),
            json!({"kill_chain_phases": [{"phase_name": "recon"}]}),
        ),
        &["required-property"],
    );
    check(
        with(indicator(), json!({"kill_chain_phases": ["recon"]})),
        &["property-type"],
    );
}

#[test]
fn extensions_need_valid_names_and_types() {
    let ext_id = "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e";
    check(
        with(
            indicator(),
            json!({"extensions": {ext_id: {"extension_type": "property-extension", "rank": 5}}}),
        ),
        &[],
    );
    check(
        with(indicator(), json!({"extensions": {ext_id: {"rank": 5}}})),
        &["required-property"],
    );
    check(
        with(
            indicator(),
            json!({"extensions": {ext_id: {"extension_type": "sideways"}}}),
        ),
        &["enum-value"],
    );
    check(
        with(
            indicator(),
            json!({"extensions": {"extension-definition--1234": {"extension_type": "new-sdo"}}}),
        ),
        &["extension-name"],
    );
    check(
        with(indicator(), json!({"extensions": {"acme": {}}})),
        &["extension-name"],
    );
    check(
        with(indicator(), json!({"extensions": {"x-acme-ext": {"a": 1}}})),
        &["extension-name"],
    );
    check(
        sco(
            "url",
            json!({"value": "http://x/", "extensions": {"x-acme-ext": {"a": 1}}}),
        ),
        &[],
    );
    check(
        sco(
            "url",
            json!({"value": "http://x/", "extensions": {"x-Acme-ext": {"a": 1}}}),
        ),
        &["extension-name"],
    );
    check(
        with(indicator(), json!({"extensions": {}})),
        &["empty-dictionary"],
    );
    check(
        sco(
            "file",
            json!({"name": "a.zip", "extensions": {"archive-ext": {"contains_refs": ["file--12592121-be4c-5a93-a813-5a5af16e50db"]}}}),
        ),
        &[],
    );
    check(
        sco(
            "url",
            json!({"value": "http://x/", "extensions": {"archive-ext": {}}}),
        ),
        &["extension-name"],
    );
    // A custom object declared new-sco by its extension is an SCO: no created/modified needed.
    let custom_sco = json!({"type": "x-acme-thing", "id": "x-acme-thing--12592121-be4c-4a93-a813-5a5af16e50db",
        "extensions": {ext_id: {"extension_type": "new-sco"}}});
    check(custom_sco, &[]);
}

#[test]
fn bundle_headers_and_documents() {
    let header = |value: Value| {
        let mut out = Vec::new();
        validate_bundle_header(value.as_object().expect("object"), "$", &mut out);
        out.iter().map(|d| d.code).collect::<Vec<_>>()
    };
    assert_eq!(
        header(json!({"type": "bundle", "id": "bundle--5f6e7d8c-9bab-4cde-8f01-23456789abcd"})),
        Vec::<&str>::new()
    );
    assert_eq!(
        header(json!({"type": "bundle", "id": "bundle--1234"})),
        ["id-format"]
    );
    assert_eq!(
        header(json!({"type": "bundle", "id": "indicator--5f6e7d8c-9bab-4cde-8f01-23456789abcd"})),
        ["id-type-mismatch"]
    );
    assert_eq!(header(json!({"type": "bundle"})), ["required-property"]);
    assert_eq!(
        header(
            json!({"type": "bundle", "id": "bundle--5f6e7d8c-9bab-4cde-8f01-23456789abcd", "spec_version": "2.1"})
        ),
        ["property-not-applicable"]
    );
    let bundle =
        json!({"type": "bundle", "id": "bundle--5f6e7d8c-9bab-4cde-8f01-23456789abcd", "objects": {"a": 1}});
    let diagnostics = validate_document(&bundle);
    assert_eq!(
        (diagnostics[0].code, diagnostics[0].path.as_str()),
        ("property-type", "$.objects")
    );
    let array = json!([indicator(), with(indicator(), json!({"confidence": 200}))]);
    let diagnostics = validate_document(&array);
    assert_eq!(
        (diagnostics.len(), diagnostics[0].path.as_str()),
        (1, "$[1].confidence")
    );
}

#[test]
fn paths_quote_keys_that_are_not_identifiers() {
    let mut out = Vec::new();
    validate_object(
        &with(indicator(), json!({"x_Acme Score": 1})),
        "$.objects[2]",
        &mut out,
    );
    assert_eq!(out[0].path, "$.objects[2][\"x_Acme Score\"]");
    let mut out = Vec::new();
    let file = sco("file", json!({"name": "a", "hashes": {"SHA-256": "abc"}}));
    validate_object(&file, "$", &mut out);
    assert_eq!(out[0].path, "$.hashes.SHA-256");
}

#[test]
fn custom_types_are_sdos_when_versioned_and_scos_otherwise() {
    let custom_sdo = sdo("x-acme-widget", json!({"x_acme_size": 3}));
    check(
        with(custom_sdo.clone(), json!({"modified": null})),
        &["required-property"],
    );
    check(
        with(custom_sdo, json!({"defanged": true})),
        &["property-not-applicable"],
    );
    let legacy_sco = json!({"type": "x-acme-sensor", "id": "x-acme-sensor--12592121-be4c-4a93-a813-5a5af16e50db", "x_acme_reading": 3});
    check(legacy_sco.clone(), &[]);
    check(
        with(legacy_sco, json!({"labels": ["a"]})),
        &["property-not-applicable"],
    );
    let declared_sdo = json!({"type": "x-acme-sensor", "spec_version": "2.1", "id": "x-acme-sensor--12592121-be4c-4a93-a813-5a5af16e50db",
        "extensions": {"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {"extension_type": "new-sdo"}}});
    check(declared_sdo, &["required-property", "required-property"]);
}
