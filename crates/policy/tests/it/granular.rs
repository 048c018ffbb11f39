//! Granular markings: the served copy for a reader not cleared for some of them.

use policy::granular::{
    REDACTION_EXTENSION_ID, RedactedCopy, redact_for_reader, redaction_extension_definition,
};
use serde_json::{Value, json};

const GREEN: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
const SECRET: &str = "marking-definition--c4b3a2f1-e0d9-4c8b-a7f6-e5d4c3b2a190";

fn corpus_indicator() -> Value {
    let text = include_str!("../../../../../shared/corpus/bundles/small/granular-markings.json");
    let bundle: Value = serde_json::from_str(text).unwrap();
    bundle["objects"][3].clone()
}

fn redacted(object: &Value, cleared: impl Fn(&str) -> bool) -> Value {
    match redact_for_reader(object, cleared) {
        Some(RedactedCopy::Redacted(copy)) => copy,
        other => panic!("expected a redacted copy, got {other:?}"),
    }
}

#[test]
fn a_reader_cleared_for_everything_gets_the_original() {
    assert_eq!(redact_for_reader(&corpus_indicator(), |_| true), None);
    assert_eq!(
        redact_for_reader(&json!({"type": "indicator", "name": "x"}), |_| false),
        None
    );
}

#[test]
fn uncleared_fields_are_removed_and_the_copy_says_so() {
    let copy = redacted(&corpus_indicator(), |marking| marking != GREEN);
    assert!(copy.get("description").is_none());
    assert_eq!(copy["indicator_types"], json!(["malicious-activity"]));
    assert!(copy.get("granular_markings").is_none());
    assert_eq!(
        copy["extensions"][REDACTION_EXTENSION_ID],
        json!({"extension_type": "property-extension", "removed_selectors": ["description", "indicator_types.[1]"]})
    );
    assert_eq!(copy["pattern"], corpus_indicator()["pattern"]);
}

#[test]
fn remaining_selectors_are_reindexed() {
    let object = json!({
        "type": "report", "id": "report--2a3b4c5d-6e7f-4a8b-9c9d-0e1f2a3b4c5d",
        "labels": ["a", "b", "c", "d"],
        "external_references": [{"source_name": "x"}, {"source_name": "y", "description": "z"}],
        "granular_markings": [
            {"marking_ref": SECRET, "selectors": ["labels.[0]", "labels.[2]", "external_references.[0]"]},
            {"marking_ref": GREEN, "selectors": ["labels.[3]", "labels.[0]", "external_references.[1].description"]},
            {"lang": "de", "selectors": ["labels.[1]"]}
        ]
    });
    let copy = redacted(&object, |marking| marking == GREEN);
    assert_eq!(copy["labels"], json!(["b", "d"]));
    assert_eq!(
        copy["external_references"],
        json!([{"source_name": "y", "description": "z"}])
    );
    assert_eq!(
        copy["granular_markings"],
        json!([
            {"marking_ref": GREEN, "selectors": ["labels.[1]", "external_references.[0].description"]},
            {"lang": "de", "selectors": ["labels.[0]"]}
        ])
    );
}

#[test]
fn an_emptied_list_is_removed() {
    let object = json!({
        "type": "report", "labels": ["a", "b"],
        "granular_markings": [{"marking_ref": SECRET, "selectors": ["labels.[0]", "labels.[1]"]}]
    });
    let copy = redacted(&object, |_| false);
    assert!(copy.get("labels").is_none());
    assert_eq!(
        copy["extensions"][REDACTION_EXTENSION_ID]["removed_selectors"],
        json!(["labels", "labels.[0]", "labels.[1]"])
    );
}

#[test]
fn selecting_the_envelope_or_a_bad_selector_withholds_the_object() {
    for selector in ["id", "modified", "labels..x", "labels.[x]"] {
        let object = json!({"type": "report", "labels": ["a"],
            "granular_markings": [{"marking_ref": SECRET, "selectors": [selector]}]});
        assert_eq!(
            redact_for_reader(&object, |_| false),
            Some(RedactedCopy::Withheld),
            "{selector}"
        );
    }
}

#[test]
fn the_extension_definition_is_well_formed() {
    let definition = redaction_extension_definition();
    assert_eq!(definition["id"], REDACTION_EXTENSION_ID);
    let object = stix::object::StixObject::from_json(&definition.to_string());
    assert!(object.is_ok(), "{object:?}");
}
