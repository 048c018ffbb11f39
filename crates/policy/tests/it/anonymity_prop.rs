//! Property: no byte of the submitter's identity survives in what a reader without consent receives — its
//! identity id, its identity's name, its organisation's name, its account's name, the original ids of what it
//! submitted — wherever the submitter put them (references, text, custom properties, external references,
//! extensions, marking references, definitions), and the copy stays a JSON object with the hub as creator.

use policy::anonymity::{HubIdentity, Submitter, republish};
use policy::model::{Consent, OrgId};
use proptest::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

/// What identifies the submitter. Every name starts with two letters that never occur together in STIX
/// property names, hex ids or the hub's placeholder, so finding one in the output can only be a leak.
#[derive(Debug, Clone)]
struct Secrets {
    org: String,
    account: String,
    identity_name: String,
    identity_id: String,
    /// Ids of objects the organisation submitted: indicator, malware, marking- and extension-definition.
    owned: Vec<String>,
}

fn uuid() -> impl Strategy<Value = String> {
    any::<u128>().prop_map(|n| {
        uuid::Builder::from_random_bytes(n.to_le_bytes())
            .into_uuid()
            .to_string()
    })
}

fn secrets() -> impl Strategy<Value = Secrets> {
    (
        "[qxzj]{2}[a-z]{3,6}",
        "[qxzj]{2}[a-z]{2,5}-[a-z]{2,4}",
        "[QXZJ][qxzj][a-z]{2,6} [QXZJ][qxzj][a-z]{2,6}",
        uuid(),
        prop::collection::vec(uuid(), 4),
    )
        .prop_map(|(org, account, identity_name, identity, owned)| Secrets {
            org,
            account,
            identity_name,
            identity_id: format!("identity--{identity}"),
            owned: [
                "indicator",
                "malware",
                "marking-definition",
                "extension-definition",
            ]
            .iter()
            .zip(owned)
            .map(|(kind, uuid)| format!("{kind}--{uuid}"))
            .collect(),
        })
}

/// A secret as it may be written: as is, upper or lower case.
fn spelled(secret: &str, case: u8) -> String {
    match case % 3 {
        0 => secret.to_owned(),
        1 => secret.to_ascii_uppercase(),
        _ => secret.to_ascii_lowercase(),
    }
}

/// An object of `kind` (0..6) from the submitter, with `secret_of(slot)` text at every place a submitter could
/// put something identifying.
fn object(kind: u8, s: &Secrets, text: &dyn Fn(usize) -> String) -> Value {
    let (indicator, malware, marking, extension) = (&s.owned[0], &s.owned[1], &s.owned[2], &s.owned[3]);
    let common = json!({
        "spec_version": "2.1", "created_by_ref": s.identity_id,
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-02T00:00:00.000Z",
        "labels": [text(0)],
        "external_references": [
            {"source_name": "mitre-attack", "external_id": "T1566", "url": text(1), "description": text(2)},
            {"source_name": text(3), "external_id": text(4)}
        ],
        "object_marking_refs": [marking, "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
        "granular_markings": [{"marking_ref": marking, "selectors": ["labels"]}],
        "extensions": {extension: {"extension_type": "property-extension", "note": text(5),
            "nested": {text(6): [text(7)]}}},
        "x_submitter": text(8),
        "custom_owner": {"who": text(9)},
    });
    let own = match kind % 6 {
        0 => json!({"type": "indicator", "id": indicator, "name": text(10), "description": text(11),
            "pattern": format!("[domain-name:value = '{}']", text(12)), "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z"}),
        1 => json!({"type": "relationship", "id": "relationship--6b0e5f4c-0000-4000-8000-000000000001",
            "relationship_type": "indicates", "source_ref": indicator, "target_ref": malware,
            "description": text(10)}),
        2 => json!({"type": "note", "id": "note--6b0e5f4c-0000-4000-8000-000000000002",
            "content": text(10), "authors": [text(11)], "object_refs": [indicator, malware, s.identity_id]}),
        3 => json!({"type": "sighting", "id": "sighting--6b0e5f4c-0000-4000-8000-000000000003",
            "sighting_of_ref": malware, "where_sighted_refs": [s.identity_id], "description": text(10)}),
        4 => json!({"type": "marking-definition", "id": marking, "name": text(10),
            "definition_type": "statement", "definition": {"statement": text(11)}}),
        _ => json!({"type": "extension-definition", "id": extension, "name": text(10),
            "description": text(11), "schema": format!("https://{}/schema.json", text(12)),
            "version": "1.0.0", "extension_types": ["property-extension"]}),
    };
    let mut merged = common;
    for (key, value) in own.as_object().into_iter().flatten() {
        merged[key] = value.clone();
    }
    merged
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn nothing_of_the_submitter_survives_republishing(
        s in secrets(),
        kind in 0u8..6,
        placements in prop::collection::vec((0usize..7, 0u8..3, "[a-f ]{0,6}"), 13),
        namespace in any::<u128>(),
    ) {
        let hub = HubIdentity {
            identity_id: "identity--0b6a7f2e-5c2d-4c9a-9a63-0d9a8a3c1e11".to_owned(),
            namespace: Uuid::from_u128(namespace),
        };
        let all: Vec<String> = [&s.org, &s.account, &s.identity_name, &s.identity_id]
            .into_iter()
            .cloned()
            .chain(s.owned.iter().cloned())
            .collect();
        let text = |slot: usize| {
            let (which, case, filler) = &placements[slot];
            let secret = &all[*which];
            // Ids are written as ids are (lower case); names in any case.
            let secret = if secret.contains("--") { secret.clone() } else { spelled(secret, *case) };
            format!("{filler}{secret}{filler}")
        };
        let original = object(kind, &s, &text);
        let org = OrgId::new(s.org.as_str());
        let names = [s.org.clone(), s.account.clone(), s.identity_name.clone()];
        let submitter = Submitter {
            org: &org,
            identity_id: Some(&s.identity_id),
            consent: Consent::None,
            names: &names,
        };
        let owned = s.owned.clone();
        let out = republish(&original, &hub, &submitter, |id| owned.iter().any(|o| o == id)).unwrap();
        let copy = out.object.unwrap();
        prop_assert_eq!(&copy["created_by_ref"], &json!(hub.identity_id));
        let served = copy.to_string().to_ascii_lowercase();
        for secret in &all {
            prop_assert!(
                !served.contains(&secret.to_ascii_lowercase()),
                "{} survives in {}", secret, served
            );
        }
    }
}
