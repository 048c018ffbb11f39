//! The gate end to end on the scenario: a state and two of its counties.

use policy::anonymity::{HubIdentity, Submitter};
use policy::clearance::{Recipients, SharingFacts, object_markings};
use policy::gate::{Served, StoredObject, serve, served_id};
use policy::model::{AccountId, CollectionAudience, CollectionId, CommunityId, Consent, OrgId};
use serde_json::{Value, json};
use stix::id::StixId;
use uuid::Uuid;

use crate::clearance::{reader, state_and_counties};

const FRANKLIN_IDENTITY: &str = "identity--e5f8a1c2-7b3d-4f6e-9a0b-1c2d3e4f5a6b";
const TLP2_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const TLP2_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

fn hub() -> HubIdentity {
    HubIdentity {
        identity_id: "identity--0b6a7f2e-5c2d-4c9a-9a63-0d9a8a3c1e11".to_owned(),
        namespace: Uuid::from_u128(0x6029_228d_0419_4389_ae86_b8a3_d80a_c856),
    }
}

fn amber_indicator() -> String {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": "indicator--2a3b4c5d-6e7f-4a8b-9c9d-0e1f2a3b4c5d",
        "created_by_ref": FRANKLIN_IDENTITY, "created": "2026-11-01T00:00:00.000Z",
        "modified": "2026-11-01T00:00:00.000Z", "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z", "object_marking_refs": [TLP2_AMBER],
        "description": "Scanner seen at the county; internal notes are RED.",
        "granular_markings": [{"marking_ref": TLP2_RED, "selectors": ["description"]}]
    })
    .to_string()
}

/// Serves the county's anonymous AMBER indicator (named recipient: the Ohio community) to `account`.
fn served_to(account: &str) -> (Served, Option<StixId>) {
    let directory = state_and_counties();
    let raw_json = amber_indicator();
    let value: Value = serde_json::from_str(&raw_json).unwrap();
    let id = StixId::parse(value["id"].as_str().unwrap()).unwrap();
    let markings = object_markings(&value);
    let (collection, org, submitter_account) = (
        CollectionId::new("shared"),
        OrgId::new("franklin"),
        AccountId::new("franklin-it"),
    );
    let audience = CollectionAudience {
        communities: [CommunityId::new("national")].into(),
    };
    let recipients = Recipients {
        communities: [CommunityId::new("ohio")].into(),
        ..Recipients::default()
    };
    let object = StoredObject {
        raw_json: &raw_json,
        id: &id,
        facts: SharingFacts {
            collection: &collection,
            audience: &audience,
            submitter_org: &org,
            submitter_account: &submitter_account,
            recipients: &recipients,
            markings: &markings,
        },
        submitter: Submitter {
            org: &org,
            identity_id: Some(FRANKLIN_IDENTITY),
            consent: Consent::None,
            names: &[],
        },
    };
    let reader = reader(&directory, account);
    (
        serve(&reader, &object, &hub(), |_| false).unwrap(),
        served_id(&reader, &object, &hub()),
    )
}

#[test]
fn the_state_sees_the_county_indicator_with_the_hub_as_creator() {
    let (served, id) = served_to("ohio-analyst");
    let Served::Copy(copy) = served else {
        panic!("expected a copy, got {served:?}")
    };
    assert_eq!(copy["created_by_ref"], hub().identity_id);
    assert_eq!(copy["id"], id.unwrap().as_str());
    assert_ne!(copy["id"], "indicator--2a3b4c5d-6e7f-4a8b-9c9d-0e1f2a3b4c5d");
    assert!(
        copy.get("description").is_none(),
        "the RED description is removed"
    );
    assert!(copy.to_string().find(FRANKLIN_IDENTITY).is_none());
}

#[test]
fn the_other_county_and_outsiders_get_nothing() {
    for account in ["hamilton-it", "utility-soc"] {
        assert_eq!(served_to(account), (Served::Hidden, None), "{account}");
    }
}

#[test]
fn the_submitting_account_gets_its_original_bytes() {
    let (served, id) = served_to("franklin-it");
    assert_eq!(served, Served::Original);
    assert_eq!(
        id.unwrap().as_str(),
        "indicator--2a3b4c5d-6e7f-4a8b-9c9d-0e1f2a3b4c5d"
    );
}

#[test]
fn a_colleague_of_the_submitter_sees_it_revealed_without_the_red_field() {
    let (served, _) = served_to("franklin-admin");
    let Served::Copy(copy) = served else {
        panic!("expected a copy, got {served:?}")
    };
    assert_eq!(copy["created_by_ref"], FRANKLIN_IDENTITY);
    assert!(copy.get("description").is_none());
}
