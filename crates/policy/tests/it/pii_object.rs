//! PII redaction over STIX objects: scanned fields, threat context, JSON paths.

use policy::pii::PiiKind;
use policy::pii::object::{redact_object, threat_context};
use serde_json::json;

#[test]
fn free_text_is_redacted_and_observables_are_kept() {
    let indicator = json!({
        "type": "indicator", "spec_version": "2.1", "id": "indicator--2a3b4c5d-6e7f-4a8b-9c9d-0e1f2a3b4c5d",
        "name": "Lure sent to jane.doe@county.gov",
        "description": "Sender invoice@billing-docs.net; victim Jane Doe at jane.doe@county.gov, cell 614-555-0198.",
        "pattern": "[email-message:from_ref.value = 'invoice@billing-docs.net'] OR [email-addr:value = 'jane.doe@county.gov']",
        "pattern_type": "stix",
        "external_references": [{"source_name": "ticket", "description": "opened by Tom Becker", "url": "https://x.example/1"}],
        "x_county_notes": {"caller": "Linda Okafor", "count": 3},
        "labels": ["phishing"]
    });
    let context = threat_context(std::slice::from_ref(&indicator));
    let redaction = redact_object(&indicator, &context);
    let object = redaction.object.clone().unwrap();
    assert_eq!(object["pattern"], indicator["pattern"]);
    assert_eq!(object["name"], "Lure sent to jane.doe@county.gov");
    assert_eq!(
        object["description"],
        "Sender invoice@billing-docs.net; victim [REDACTED:name] at jane.doe@county.gov, cell [REDACTED:phone]."
    );
    assert_eq!(
        object["external_references"][0]["description"],
        "opened by [REDACTED:name]"
    );
    assert_eq!(
        object["x_county_notes"],
        json!({"caller": "[REDACTED:name]", "count": 3})
    );
    let paths: Vec<(&str, PiiKind)> = redaction
        .findings
        .iter()
        .map(|f| (f.json_path.as_str(), f.kind))
        .collect();
    assert_eq!(
        paths,
        [
            ("$.description", PiiKind::Name),
            ("$.description", PiiKind::Phone),
            ("$.external_references[0].description", PiiKind::Name),
            ("$.x_county_notes.caller", PiiKind::Name),
        ]
    );
}

#[test]
fn observables_and_clean_objects_are_untouched() {
    let sco = json!({"type": "email-addr", "id": "email-addr--6deb37bd-12b7-54ae-805f-5f7146f3d171",
        "value": "jdoe@example.com", "display_name": "John Doe"});
    assert_eq!(redact_object(&sco, &threat_context(&[])).object, None);
    let clean = json!({"type": "malware", "name": "Emotet", "description": "Banking trojan turned loader."});
    let redaction = redact_object(&clean, &threat_context(&[]));
    assert_eq!((redaction.object, redaction.findings.len()), (None, 0));
}

#[test]
fn observables_in_the_submission_make_addresses_threat_data() {
    let sco = json!({"type": "email-addr", "id": "email-addr--1", "value": "m.pavlov@mail.example.ru"});
    let note = json!({"type": "note", "content": "Please email m.pavlov@mail.example.ru if it replies.", "object_refs": []});
    assert_eq!(
        redact_object(&note, &threat_context(&[sco, note.clone()])).object,
        None
    );
    let redaction = redact_object(&note, &threat_context(&[]));
    assert_eq!(redaction.findings.len(), 1);
}

#[test]
fn extensions_are_scanned_except_tlp_and_refs() {
    let object = json!({"type": "incident", "name": "Ransomware at the library",
        "extensions": {"extension-definition--ef765651-680c-498d-9894-99799f2fa126": {
            "extension_type": "property-extension", "reporter": "Marcus Johnson", "reporter_ref": "identity--x"}}});
    let redaction = redact_object(&object, &threat_context(&[]));
    assert_eq!(redaction.findings.len(), 1);
    assert_eq!(
        redaction.findings[0].json_path,
        "$.extensions['extension-definition--ef765651-680c-498d-9894-99799f2fa126'].reporter"
    );
    assert!(!redaction.needs_review());
}

#[test]
fn names_of_threat_entities_are_threat_data() {
    let actor = json!({"type": "threat-actor", "name": "Evgeniy Bogachev",
        "description": "Reported to the FBI by analyst Jane Smith."});
    let redaction = redact_object(&actor, &threat_context(&[]));
    let object = redaction.object.unwrap();
    assert_eq!(object["name"], "Evgeniy Bogachev");
    assert_eq!(
        object["description"],
        "Reported to the FBI by analyst [REDACTED:name]."
    );
    let victim = json!({"type": "identity", "name": "Dmitri Volkov", "identity_class": "individual"});
    assert_eq!(redact_object(&victim, &threat_context(&[])).findings.len(), 1);
}
