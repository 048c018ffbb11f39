//! Anonymity by consent: disclosure and republishing with the hub as publisher of record.

use policy::anonymity::{
    Disclosure, HubIdentity, ReaderClass, Submitter, disclosure, reader_class, republish, republished_id,
};
use policy::error::PolicyError;
use policy::model::{Consent, OrgId};
use serde_json::{Value, json};
use stix::id::StixId;
use uuid::Uuid;

use crate::clearance::{reader, state_and_counties};

const SUBMITTER_IDENTITY: &str = "identity--e5f8a1c2-7b3d-4f6e-9a0b-1c2d3e4f5a6b";
const INDICATOR: &str = "indicator--2a3b4c5d-6e7f-4a8b-9c9d-0e1f2a3b4c5d";
const MALWARE: &str = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b";
const OTHER: &str = "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061";

fn hub() -> HubIdentity {
    HubIdentity {
        identity_id: "identity--0b6a7f2e-5c2d-4c9a-9a63-0d9a8a3c1e11".to_owned(),
        namespace: Uuid::parse_str("6029228d-0419-4389-ae86-b8a3d80ac856").unwrap(),
    }
}

fn indicator(modified: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": INDICATOR,
        "created_by_ref": SUBMITTER_IDENTITY,
        "created": "2026-01-01T00:00:00.000Z", "modified": modified,
        "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]
    })
}

fn submitter(org: &OrgId) -> Submitter<'_> {
    Submitter {
        org,
        identity_id: Some(SUBMITTER_IDENTITY),
        consent: Consent::None,
        names: &[],
    }
}

#[test]
fn disclosure_follows_consent_and_reader_class() {
    use Disclosure::{Republish, Reveal};
    let table = [
        (Consent::None, [Reveal, Republish, Republish]),
        (Consent::Government, [Reveal, Reveal, Republish]),
        (Consent::Everyone, [Reveal, Reveal, Reveal]),
    ];
    let classes = [
        ReaderClass::SubmitterOrganisation,
        ReaderClass::Government,
        ReaderClass::NonGovernment,
    ];
    for (consent, expected) in table {
        for (class, want) in classes.into_iter().zip(expected) {
            assert_eq!(disclosure(consent, class), want, "{consent:?} {class:?}");
        }
    }
    let directory = state_and_counties();
    let franklin = OrgId::new("franklin");
    assert_eq!(
        reader_class(&reader(&directory, "franklin-it"), &franklin),
        ReaderClass::SubmitterOrganisation
    );
    assert_eq!(
        reader_class(&reader(&directory, "ohio-analyst"), &franklin),
        ReaderClass::Government
    );
    assert_eq!(
        reader_class(&reader(&directory, "utility-soc"), &franklin),
        ReaderClass::NonGovernment
    );
    assert_eq!(
        reader_class(&reader(&directory, "root"), &franklin),
        ReaderClass::Government
    );
}

#[test]
fn republished_versions_keep_one_new_id_and_the_hub_as_creator() {
    let org = OrgId::new("franklin");
    let v1 = republish(
        &indicator("2026-01-01T00:00:00.000Z"),
        &hub(),
        &submitter(&org),
        |_| false,
    )
    .unwrap();
    let v2 = republish(
        &indicator("2026-02-01T00:00:00.000Z"),
        &hub(),
        &submitter(&org),
        |_| false,
    )
    .unwrap();
    let (v1, v2) = (v1.object.unwrap(), v2.object.unwrap());
    assert_eq!(v1["id"], v2["id"]);
    assert_ne!(v1["id"], INDICATOR);
    assert!(v1["id"].as_str().unwrap().starts_with("indicator--"));
    assert_eq!(v1["created_by_ref"], hub().identity_id);
    assert_eq!(
        (&v1["created"], &v2["modified"]),
        (&indicator("x")["created"], &json!("2026-02-01T00:00:00.000Z"))
    );
    assert_eq!(v1["pattern"], indicator("x")["pattern"]);
    assert!(StixId::parse(v1["id"].as_str().unwrap()).is_ok());
}

#[test]
fn ids_depend_on_the_submitter_and_the_secret_namespace() {
    let original = StixId::parse(INDICATOR).unwrap();
    let a = republished_id(&hub(), &OrgId::new("franklin"), &original);
    let b = republished_id(&hub(), &OrgId::new("hamilton"), &original);
    let other_hub = HubIdentity {
        namespace: Uuid::from_u128(7),
        ..hub()
    };
    let c = republished_id(&other_hub, &OrgId::new("franklin"), &original);
    assert!(a != b && a != c && b != c);
}

#[test]
fn references_to_republished_objects_and_the_submitter_are_rewritten() {
    let org = OrgId::new("franklin");
    let relationship = json!({
        "type": "relationship", "spec_version": "2.1", "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
        "created_by_ref": SUBMITTER_IDENTITY, "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "relationship_type": "indicates", "source_ref": INDICATOR, "target_ref": OTHER,
        "description": format!("Seen by {SUBMITTER_IDENTITY} next to {MALWARE}."),
        "x_custom": {"seen_by_refs": [SUBMITTER_IDENTITY, MALWARE]}
    });
    let out = republish(&relationship, &hub(), &submitter(&org), |id| {
        id == INDICATOR || id == MALWARE
    })
    .unwrap();
    let object = out.object.unwrap();
    let indicator_id = republished_id(&hub(), &org, &StixId::parse(INDICATOR).unwrap());
    let malware_id = republished_id(&hub(), &org, &StixId::parse(MALWARE).unwrap());
    assert_eq!(object["source_ref"], indicator_id.as_str());
    assert_eq!(object["target_ref"], OTHER);
    assert_eq!(
        object["description"],
        format!("Seen by {} next to {malware_id}.", hub().identity_id)
    );
    assert!(object.get("x_custom").is_none(), "custom properties are dropped");
    let originals: Vec<&str> = out.mapping.iter().map(|m| m.original.as_str()).collect();
    assert_eq!(
        originals,
        [
            INDICATOR,
            MALWARE,
            "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad"
        ]
    );
}

#[test]
fn observables_pass_unchanged_and_the_submitter_identity_is_withheld() {
    let org = OrgId::new("franklin");
    let sco = json!({"type": "ipv4-addr", "spec_version": "2.1",
        "id": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", "value": "198.51.100.3"});
    let out = republish(&sco, &hub(), &submitter(&org), |_| true).unwrap();
    assert_eq!(out.object, Some(sco));
    assert!(out.mapping.is_empty());
    let identity = json!({"type": "identity", "id": SUBMITTER_IDENTITY, "name": "Franklin County"});
    assert_eq!(
        republish(&identity, &hub(), &submitter(&org), |_| false)
            .unwrap()
            .object,
        None
    );
}

#[test]
fn definitions_of_the_submitter_are_republished_and_uses_of_them_rewritten() {
    let org = OrgId::new("franklin");
    const MARKING: &str = "marking-definition--c4b3a2f1-e0d9-4c8b-a7f6-e5d4c3b2a190";
    const EXTENSION: &str = "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e";
    let definition = json!({"type": "marking-definition", "spec_version": "2.1",
        "id": MARKING, "created_by_ref": SUBMITTER_IDENTITY,
        "created": "2024-01-10T08:00:00.000Z", "definition_type": "statement", "definition": {"statement": "x"}});
    let out = republish(&definition, &hub(), &submitter(&org), |_| false).unwrap();
    let copy = out.object.unwrap();
    let new_marking = republished_id(&hub(), &org, &StixId::parse(MARKING).unwrap());
    assert_eq!(copy["id"], new_marking.as_str());
    assert_eq!(copy["created_by_ref"], hub().identity_id);

    let mut uses = indicator("2026-01-01T00:00:00.000Z");
    uses["object_marking_refs"] = json!([
        MARKING,
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    ]);
    uses["extensions"] = json!({EXTENSION: {"extension_type": "property-extension", "rank": 3}});
    let copy = republish(&uses, &hub(), &submitter(&org), |id| {
        id == MARKING || id == EXTENSION
    })
    .unwrap()
    .object
    .unwrap();
    let new_extension = republished_id(&hub(), &org, &StixId::parse(EXTENSION).unwrap());
    assert_eq!(
        copy["object_marking_refs"],
        json!([
            new_marking.as_str(),
            "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
        ])
    );
    assert_eq!(copy["extensions"][new_extension.as_str()]["rank"], 3);

    // Definitions whose ids a standard fixes keep them.
    let tlp = json!({"type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "created_by_ref": SUBMITTER_IDENTITY});
    assert_eq!(
        republish(&tlp, &hub(), &submitter(&org), |_| true)
            .unwrap()
            .object,
        Some(tlp)
    );
    assert!(matches!(
        republish(&json!({"type": "indicator"}), &hub(), &submitter(&org), |_| false),
        Err(PolicyError::MalformedObject(_))
    ));
}

#[test]
fn custom_properties_private_references_and_names_are_removed() {
    let org = OrgId::new("franklin");
    let names = ["Franklin County Sheriff".to_owned(), "franklin".to_owned()];
    let submitter = Submitter {
        names: &names,
        ..submitter(&org)
    };
    let mut object = indicator("2026-01-01T00:00:00.000Z");
    object["description"] = json!("Seen by the FRANKLIN COUNTY SHERIFF desk (franklin-it).");
    object["x_franklin_ticket"] = json!("FC-1");
    object["ticket"] = json!("FC-2");
    object["external_references"] = json!([
        {"source_name": "mitre-attack", "external_id": "T1566", "description": "by Franklin"},
        {"source_name": "franklin-tickets", "external_id": "FC-3"},
        {"source_name": "capec", "description": "no id"}
    ]);
    let copy = republish(&object, &hub(), &submitter, |_| false)
        .unwrap()
        .object
        .unwrap();
    assert_eq!(
        copy["description"],
        "Seen by the [REDACTED:submitter] desk ([REDACTED:submitter]-it)."
    );
    assert!(copy.get("x_franklin_ticket").is_none() && copy.get("ticket").is_none());
    assert_eq!(
        copy["external_references"],
        json!([{"source_name": "mitre-attack", "external_id": "T1566"}])
    );
    object["external_references"] = json!([{"source_name": "franklin-tickets", "external_id": "FC-3"}]);
    let copy = republish(&object, &hub(), &submitter, |_| false)
        .unwrap()
        .object
        .unwrap();
    assert!(copy.get("external_references").is_none(), "an emptied list goes");
}
