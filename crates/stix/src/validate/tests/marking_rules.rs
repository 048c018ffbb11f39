//! Unit tests of granular markings, selectors and marking-definition rules.

use serde_json::{Value, json};

use super::{TLP_GREEN, check, indicator, with};

#[test]
fn granular_markings_have_one_of_marking_ref_or_lang_and_resolving_selectors() {
    let marked = |markings: Value| {
        with(
            indicator(),
            json!({"name": "n", "labels": ["a", "b"],
        "external_references": [{"source_name": "acme", "url": "https://example.com/"}], "granular_markings": markings}),
        )
    };
    check(
        marked(
            json!([{"marking_ref": TLP_GREEN, "selectors": ["name", "labels.[1]", "external_references.[0].source_name"]}]),
        ),
        &[],
    );
    check(marked(json!([{"lang": "fr", "selectors": ["name"]}])), &[]);
    check(
        marked(json!([{"marking_ref": TLP_GREEN, "lang": "en", "selectors": ["name"]}])),
        &["granular-marking"],
    );
    check(marked(json!([{"selectors": ["name"]}])), &["granular-marking"]);
    check(
        marked(json!([{"marking_ref": TLP_GREEN}])),
        &["required-property"],
    );
    check(
        marked(json!([{"marking_ref": TLP_GREEN, "selectors": []}])),
        &["empty-list"],
    );
    for bad in [
        "description",
        "labels.[2]",
        "labels.[x]",
        "name.[0]",
        "external_references.[0].url.x",
        "",
        "labels.",
    ] {
        check(
            marked(json!([{"marking_ref": TLP_GREEN, "selectors": [bad]}])),
            &["marking-selector"],
        );
    }
    check(
        marked(
            json!([{"marking_ref": "identity--b6a4e3e1-2f7e-4c3b-8a41-6f0d7e9c1a22", "selectors": ["name"]}]),
        ),
        &["ref-type"],
    );
}

#[test]
fn marking_definitions_do_not_reference_themselves() {
    let id = "marking-definition--3d2c1b0a-9f8e-4d7c-b6a5-4f3e2d1c0b9a";
    let statement = json!({"type": "marking-definition", "spec_version": "2.1", "id": id,
        "created": "2024-03-01T10:00:00.000Z", "definition_type": "statement", "definition": {"statement": "c"}});
    check(
        with(statement.clone(), json!({"object_marking_refs": [id]})),
        &["marking-circular-ref"],
    );
    check(
        with(
            statement.clone(),
            json!({"granular_markings": [{"marking_ref": id, "selectors": ["definition"]}]}),
        ),
        &["marking-circular-ref"],
    );
    check(
        with(statement.clone(), json!({"definition": null})),
        &["required-property"],
    );
    check(
        with(statement.clone(), json!({"definition": {"text": "c"}})),
        &["required-property"],
    );
    check(
        with(statement, json!({"definition_type": null, "definition": null})),
        &["required-property"],
    );
}

#[test]
fn tlp_markings_must_be_exactly_the_predefined_objects() {
    let green = json!({"type": "marking-definition", "spec_version": "2.1", "id": TLP_GREEN,
        "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:GREEN", "definition": {"tlp": "green"}});
    check(green.clone(), &[]);
    check(
        with(green.clone(), json!({"definition": {"tlp": "red"}})),
        &["tlp-marking"],
    );
    check(
        with(green.clone(), json!({"created": "2017-01-20T00:00:00.001Z"})),
        &["tlp-marking"],
    );
    check(
        with(
            green,
            json!({"id": "marking-definition--7a5e8c3f-1b2d-4e6f-9a8b-0c1d2e3f4a5b"}),
        ),
        &["tlp-marking"],
    );
    let clear = json!({"type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "created": "2022-10-01T00:00:00.000Z",
        "name": "TLP:CLEAR", "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
            {"extension_type": "property-extension", "tlp_2_0": "clear"}}});
    check(clear, &[]);
}
