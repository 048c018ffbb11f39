//! Deterministic SCO identifiers (STIX 2.1 §2.9): UUIDv5 in the STIX namespace over the RFC 8785 canonical
//! JSON of the ID-contributing properties of each SCO type.
//!
//! Invariant: the contributing properties per type are exactly those of the standard's table; `hashes`
//! contributes one entry, chosen in the order MD5, SHA-1, SHA-256, SHA-512 (else the first key, as the
//! reference implementation does). With none of them present, the id is not deterministic and `None` is returned.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::id::StixId;
use crate::jcs::canonical_json;

/// The namespace STIX 2.1 reserves for deterministic SCO ids.
pub const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);

/// The ID-contributing properties of each SCO type; `process` has none and always uses UUIDv4.
pub fn contributing_properties(sco_type: &str) -> Option<&'static [&'static str]> {
    Some(match sco_type {
        "artifact" => &["hashes", "payload_bin"],
        "autonomous-system" => &["number"],
        "directory" => &["path"],
        "domain-name" | "email-addr" | "ipv4-addr" | "ipv6-addr" | "mac-addr" | "url" => &["value"],
        "email-message" => &["from_ref", "subject", "body"],
        "file" => &["hashes", "name", "extensions", "parent_directory_ref"],
        "mutex" => &["name"],
        "network-traffic" => &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
        "software" => &["name", "cpe", "swid", "vendor", "version"],
        "user-account" => &["account_type", "user_id", "account_login"],
        "windows-registry-key" => &["key", "values"],
        "x509-certificate" => &["hashes", "serial_number"],
        _ => return None,
    })
}

/// The deterministic id of an SCO, or `None` when its type has none or no contributing property is present.
pub fn deterministic_sco_id(sco: &Value) -> Option<StixId> {
    let sco_type = sco.get("type")?.as_str()?;
    let mut name = Map::new();
    for &property in contributing_properties(sco_type)? {
        let Some(value) = sco.get(property) else { continue };
        let contributed = if property == "hashes" {
            preferred_hash(value)?
        } else {
            value.clone()
        };
        name.insert(property.to_owned(), contributed);
    }
    if name.is_empty() {
        return None;
    }
    let uuid = Uuid::new_v5(&SCO_NAMESPACE, canonical_json(&Value::Object(name)).as_bytes());
    Some(StixId::from_parts(sco_type, uuid))
}

fn preferred_hash(hashes: &Value) -> Option<Value> {
    let hashes = hashes.as_object()?;
    let (algorithm, digest) = ["MD5", "SHA-1", "SHA-256", "SHA-512"]
        .iter()
        .find_map(|&algorithm| hashes.get_key_value(algorithm))
        .or_else(|| hashes.iter().next())?;
    let mut one = Map::new();
    one.insert(algorithm.clone(), digest.clone());
    Some(Value::Object(one))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_of(json: &str) -> String {
        deterministic_sco_id(&serde_json::from_str(json).unwrap())
            .unwrap()
            .to_string()
    }

    /// The golden vectors of the standards digest §2.2, produced by python-stix2 3.0.2.
    #[test]
    fn matches_the_reference_implementation_on_golden_vectors() {
        assert_eq!(
            id_of(r#"{"type":"ipv4-addr","value":"198.51.100.3"}"#),
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"
        );
        assert_eq!(
            id_of(r#"{"type":"domain-name","value":"example.com"}"#),
            "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"
        );
        assert_eq!(
            id_of(r#"{"type":"url","value":"http://example.com/foo"}"#),
            "url--8c3d789a-07ae-540c-a863-886334bea427"
        );
        assert_eq!(
            id_of(r#"{"type":"email-addr","value":"jdoe@example.com"}"#),
            "email-addr--6deb37bd-12b7-54ae-805f-5f7146f3d171"
        );
        let file = r#"{"type":"file","name":"foo.dll","hashes":{"SHA-256":"bd9d5bfd4e1dd0c3ab54d3ad5ac1b5fe4c8d6a2e4e3f4c3b0f1f1c4bb0d0f2a1","MD5":"79054025255fb1a26e4bc422aef54eb4"}}"#;
        assert_eq!(id_of(file), "file--e5069fa2-a037-5f5f-b2f7-a8cfe1ebfbe0");
    }

    #[test]
    fn process_and_empty_scos_have_no_deterministic_id() {
        assert!(deterministic_sco_id(&serde_json::json!({"type": "process", "pid": 4})).is_none());
        assert!(deterministic_sco_id(&serde_json::json!({"type": "file", "size": 4})).is_none());
    }
}
