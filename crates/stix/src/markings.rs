//! Markings: the predefined TLP marking-definitions and where an object's markings apply.
//!
//! Invariant: a TLP level is recognised only by the exact, fixed marking-definition ids of TLP 1.0 (STIX 2.1
//! §7.2.1.4) and TLP 2.0 (the CISA extension `extension-definition--60a3c5c5-…`). A look-alike definition with
//! another id is not TLP. TLP 1.0 WHITE and TLP 2.0 CLEAR are the same level, and so on up to RED.

use serde_json::Value;

/// TLP levels in increasing order of restriction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlpLevel {
    /// TLP:CLEAR (2.0) or TLP:WHITE (1.0).
    Clear,
    /// TLP:GREEN.
    Green,
    /// TLP:AMBER.
    Amber,
    /// TLP:AMBER+STRICT (2.0 only).
    AmberStrict,
    /// TLP:RED.
    Red,
}

/// The TLP version a predefined marking-definition belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlpVersion {
    /// STIX 2.1 §7.2.1.4, `definition_type: "tlp"`.
    V1,
    /// The TLP 2.0 property extension.
    V2,
}

/// One of the nine predefined TLP marking-definition objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PredefinedTlp {
    /// The fixed id.
    pub id: &'static str,
    /// TLP 1.0 or 2.0.
    pub version: TlpVersion,
    /// The level it denotes.
    pub level: TlpLevel,
    /// The value in `definition.tlp` (1.0) or `tlp_2_0` (2.0): `white`, `clear`, `amber+strict`, …
    pub value: &'static str,
    /// The fixed `created` timestamp.
    pub created: &'static str,
}

/// The TLP 2.0 extension-definition id.
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// The EXERCISE statement marking (issue 16): every object a drill or an exercise case publishes carries it, so
/// no reader takes it for a real incident. Its id and content are fixed by stixhub (docs/incidents.md), like the
/// TLP ids, so every hub and every reader recognises it without a lookup, and anonymity never re-mints it.
pub const EXERCISE_MARKING_ID: &str = "marking-definition--895eb5f8-561f-59fc-b21f-eec56b416aa1";

/// The statement of the EXERCISE marking.
pub const EXERCISE_STATEMENT: &str = "EXERCISE \u{2014} NOT REAL";

/// The EXERCISE marking-definition object (STIX 2.1 statement marking), always the same bytes.
pub fn exercise_marking_definition() -> Value {
    serde_json::json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": EXERCISE_MARKING_ID,
        "created": "2026-12-01T00:00:00.000Z",
        "name": "EXERCISE",
        "definition_type": "statement",
        "definition": {"statement": EXERCISE_STATEMENT},
    })
}

const TLP1_CREATED: &str = "2017-01-20T00:00:00.000Z";
const TLP2_CREATED: &str = "2022-10-01T00:00:00.000Z";

/// All predefined TLP marking-definitions, TLP 1.0 first.
pub const PREDEFINED_TLP: [PredefinedTlp; 9] = [
    tlp1(
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        TlpLevel::Clear,
        "white",
    ),
    tlp1(
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        TlpLevel::Green,
        "green",
    ),
    tlp1(
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        TlpLevel::Amber,
        "amber",
    ),
    tlp1(
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        TlpLevel::Red,
        "red",
    ),
    tlp2(
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        TlpLevel::Clear,
        "clear",
    ),
    tlp2(
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        TlpLevel::Green,
        "green",
    ),
    tlp2(
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        TlpLevel::Amber,
        "amber",
    ),
    tlp2(
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        TlpLevel::AmberStrict,
        "amber+strict",
    ),
    tlp2(
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        TlpLevel::Red,
        "red",
    ),
];

const fn tlp1(id: &'static str, level: TlpLevel, value: &'static str) -> PredefinedTlp {
    PredefinedTlp {
        id,
        version: TlpVersion::V1,
        level,
        value,
        created: TLP1_CREATED,
    }
}

const fn tlp2(id: &'static str, level: TlpLevel, value: &'static str) -> PredefinedTlp {
    PredefinedTlp {
        id,
        version: TlpVersion::V2,
        level,
        value,
        created: TLP2_CREATED,
    }
}

/// The predefined TLP marking with this id, if it is one.
pub fn predefined_tlp(marking_id: &str) -> Option<&'static PredefinedTlp> {
    PREDEFINED_TLP.iter().find(|tlp| tlp.id == marking_id)
}

/// The most restrictive TLP level among `object_marking_refs`, or `None` when no TLP marking is applied.
pub fn object_tlp_level(object: &Value) -> Option<TlpLevel> {
    object
        .get("object_marking_refs")?
        .as_array()?
        .iter()
        .filter_map(|marking_ref| predefined_tlp(marking_ref.as_str()?))
        .map(|tlp| tlp.level)
        .max()
}

/// Whether `definition` (a marking-definition object) is a TLP marking, exactly as predefined.
///
/// Returns `None` when the object does not claim to be TLP (neither `definition_type: "tlp"` nor the TLP 2.0
/// extension), `Some(Ok(..))` when it is one of the predefined objects, and `Some(Err(reason))` when it claims
/// to be TLP but differs from the predefined object with its id (or its id is not predefined).
pub fn check_tlp_definition(definition: &Value) -> Option<Result<&'static PredefinedTlp, &'static str>> {
    let claims_v1 = definition.get("definition_type").and_then(Value::as_str) == Some("tlp");
    let v2_value = definition
        .get("extensions")
        .and_then(|e| e.get(TLP2_EXTENSION_ID))
        .map(|e| e.get("tlp_2_0"));
    if !claims_v1 && v2_value.is_none() {
        return None;
    }
    let id = definition.get("id").and_then(Value::as_str).unwrap_or_default();
    let Some(tlp) = predefined_tlp(id) else {
        return Some(Err(
            "a TLP marking-definition must use one of the predefined TLP ids",
        ));
    };
    let created = definition.get("created").and_then(Value::as_str);
    let value = match tlp.version {
        TlpVersion::V1 => definition
            .get("definition")
            .and_then(|d| d.get("tlp"))
            .and_then(Value::as_str),
        TlpVersion::V2 => v2_value.flatten().and_then(Value::as_str),
    };
    if value != Some(tlp.value) {
        return Some(Err(
            "the TLP value differs from the predefined marking with this id",
        ));
    }
    if created != Some(tlp.created) {
        return Some(Err(
            "created differs from the predefined TLP marking with this id",
        ));
    }
    Some(Ok(tlp))
}
