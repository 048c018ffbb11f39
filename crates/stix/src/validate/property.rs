//! Value checks shared by every object type: is this JSON value the kind of value a property must hold
//! (string, integer, timestamp, identifier of an allowed type, hashes, kill-chain phases, …)?
//!
//! Invariant: nothing here allocates unless it reports a diagnostic. Identifiers are checked in place rather
//! than through `StixId::parse`, which keeps a copy of the text.

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::id::is_valid_type_name;
use crate::timestamp::Timestamp;
use crate::validate::formats::{
    HashKeys, check_binary, check_hashes, check_hashes_with_keys, check_hex, check_url,
};
use crate::validate::instant::{TimestampInstant, timestamp_instant};
use crate::validate::path::{Path, report};
use crate::vocab::{self, PropertyKind, RefTarget};

/// The largest magnitude a STIX integer may have (§2.10: a signed 54-bit value).
const MAX_SAFE_INTEGER: i128 = (1 << 53) - 1;

/// Checks that `value` is of `kind`; returns the instant when `kind` is a valid timestamp.
pub(crate) fn check_property_kind(
    value: &Value,
    kind: PropertyKind,
    path: &Path<'_>,
    out: &mut Vec<Diagnostic>,
) -> Option<TimestampInstant> {
    match kind {
        PropertyKind::String => expect(value.is_string(), "a string", path, out),
        PropertyKind::Integer => match integer_value(value) {
            None => report(out, "property-type", path, "must be an integer"),
            Some(number) if number.abs() > MAX_SAFE_INTEGER => {
                report(
                    out,
                    "value-range",
                    path,
                    "integers must fit in 54 bits: ±(2^53 - 1) (§2.10)",
                );
            }
            Some(_) => {}
        },
        PropertyKind::Number => expect(value.is_number(), "a number", path, out),
        PropertyKind::Boolean => expect(value.is_boolean(), "a boolean", path, out),
        PropertyKind::Dictionary => check_dictionary(value, path, out),
        PropertyKind::Object => expect(value.is_object(), "a JSON object", path, out),
        PropertyKind::List => expect(value.is_array(), "a list", path, out),
        PropertyKind::Timestamp => return check_timestamp(value, path, out),
        PropertyKind::StringList => check_string_list(value, path, out),
        PropertyKind::Hashes => check_hashes(value, path, out),
        PropertyKind::Binary => check_binary(value, path, out),
        PropertyKind::Hex => check_hex(value, path, out),
        PropertyKind::Url => check_url(value, path, out),
        PropertyKind::KillChainPhases => check_kill_chain_phases(value, path, out),
        PropertyKind::Ref(target) => check_ref(value, target, path, out),
        PropertyKind::RefList(target) => check_ref_list(value, target, path, out),
    }
    None
}

/// The value of a JSON integer. As in JSON Schema, a number with a zero fraction (`50.0`) is an integer.
pub(crate) fn integer_value(value: &Value) -> Option<i128> {
    match value {
        Value::Number(number) => number
            .as_i64()
            .map(i128::from)
            .or_else(|| number.as_u64().map(i128::from))
            .or_else(|| {
                number
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                    .map(|f| f as i128)
            }),
        _ => None,
    }
}

/// Reports `property-type` unless `ok`.
pub(crate) fn expect(ok: bool, what: &str, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    if !ok {
        report(out, "property-type", path, format!("must be {what}"));
    }
}

/// Checks a STIX timestamp (§2.16.1) and returns its instant when valid, without allocating when it is.
pub(crate) fn check_timestamp(
    value: &Value,
    path: &Path<'_>,
    out: &mut Vec<Diagnostic>,
) -> Option<TimestampInstant> {
    let Some(text) = value.as_str() else {
        report(out, "property-type", path, "must be a timestamp string");
        return None;
    };
    if let Some(instant) = timestamp_instant(text) {
        return Some(instant);
    }
    // Not well formed: `Timestamp::parse` says why. It also takes RFC 3339's lowercase `t` and `z`, which STIX
    // does not (it requires `T` and the `Z` designation).
    let bytes = text.as_bytes();
    if bytes.get(10).is_some_and(|b| *b == b't') || bytes.last() == Some(&b'z') {
        report(
            out,
            "timestamp-format",
            path,
            format!("timestamp {text:?} must use an uppercase T and Z"),
        );
        return None;
    }
    match Timestamp::parse(text) {
        Ok(timestamp) => Some(TimestampInstant {
            unix_nanos: timestamp.unix_nanos(),
            fraction_digits: timestamp.fraction_digits(),
        }),
        Err(err) => {
            report(out, "timestamp-format", path, err.to_string());
            None
        }
    }
}

/// Checks a dictionary (§2.3): keys are ASCII `[A-Za-z0-9_-]` of at most 250 characters, and values are STIX
/// base types (not `null`, not an empty list).
pub(crate) fn check_dictionary(value: &Value, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    let Some(members) = value.as_object() else {
        report(out, "property-type", path, "must be a dictionary (JSON object)");
        return;
    };
    for (key, member) in members {
        let key_ok = key.len() <= 250
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !key_ok {
            let message = format!("dictionary key {key:?} must be [A-Za-z0-9_-], at most 250 characters");
            report(out, "dictionary-key", &path.key(key), message);
        }
        match member {
            Value::Null => report(
                out,
                "property-type",
                &path.key(key),
                "dictionary values must not be null",
            ),
            Value::Array(items) if items.is_empty() => {
                report(out, "empty-list", &path.key(key), "lists must not be empty");
            }
            _ => {}
        }
    }
}

/// Checks a non-empty list of strings.
pub(crate) fn check_string_list(value: &Value, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    let Some(items) = value.as_array() else {
        report(out, "property-type", path, "must be a list of strings");
        return;
    };
    for (item_idx, item) in items.iter().enumerate() {
        if !item.is_string() {
            report(out, "property-type", &path.index(item_idx), "must be a string");
        }
    }
}

/// Splits an identifier `<type>--<UUID>` into its type, or `None` when it is not one (§2.9: a valid type
/// name and an RFC 4122 UUID).
pub(crate) fn identifier_type(text: &str) -> Option<&str> {
    // The UUID is the last 36 bytes and a type name never contains `--`, so the separator can only be right
    // before it: no search needed.
    let type_len = text.len().checked_sub(38)?;
    let (type_name, rest) = (text.get(..type_len)?, text.get(type_len..)?);
    let uuid = rest.strip_prefix("--")?;
    (is_rfc4122_uuid(uuid) && is_valid_type_name(type_name)).then_some(type_name)
}

/// Checks an identifier reference and the type of object it points at.
pub(crate) fn check_ref(value: &Value, target: RefTarget, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    let Some(text) = value.as_str() else {
        report(out, "property-type", path, "must be an identifier string");
        return;
    };
    let Some(type_name) = identifier_type(text) else {
        report(
            out,
            "id-format",
            path,
            format!("{text:?} is not an identifier <object-type>--<UUID>"),
        );
        return;
    };
    if !vocab::ref_target_allows(target, type_name) {
        let allowed = vocab::describe_ref_target(target);
        report(
            out,
            "ref-type",
            path,
            format!("must reference {allowed}, not {type_name}"),
        );
    }
}

/// Checks a list of identifier references.
pub(crate) fn check_ref_list(value: &Value, target: RefTarget, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    let Some(items) = value.as_array() else {
        report(out, "property-type", path, "must be a list of identifiers");
        return;
    };
    for (item_idx, item) in items.iter().enumerate() {
        check_ref(item, target, &path.index(item_idx), out);
    }
}

/// Checks a list of kill-chain phases (§2.11): each has string `kill_chain_name` and `phase_name`.
pub(crate) fn check_kill_chain_phases(value: &Value, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    let Some(phases) = value.as_array() else {
        report(out, "property-type", path, "must be a list of kill-chain phases");
        return;
    };
    for (phase_idx, phase) in phases.iter().enumerate() {
        let phase_path = path.index(phase_idx);
        let Some(phase) = phase.as_object() else {
            report(
                out,
                "property-type",
                &phase_path,
                "a kill-chain phase must be a JSON object",
            );
            continue;
        };
        for key in ["kill_chain_name", "phase_name"] {
            match phase.get(key) {
                Some(Value::String(_)) => {}
                Some(_) => report(out, "property-type", &phase_path.key(key), "must be a string"),
                None => report(
                    out,
                    "required-property",
                    &phase_path.key(key),
                    format!("a kill-chain phase must have {key}"),
                ),
            }
        }
    }
}

/// Checks a list of external references (§2.5): `source_name` is required, and at least one of
/// `description`, `url` or `external_id` must be present.
pub(crate) fn check_external_references(value: &Value, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    let Some(references) = value.as_array() else {
        report(
            out,
            "property-type",
            path,
            "must be a list of external references",
        );
        return;
    };
    for (reference_idx, reference) in references.iter().enumerate() {
        let reference_path = path.index(reference_idx);
        let Some(reference) = reference.as_object() else {
            report(
                out,
                "property-type",
                &reference_path,
                "an external reference must be a JSON object",
            );
            continue;
        };
        if let Some(url) = reference.get("url") {
            check_url(url, &reference_path.key("url"), out);
        }
        for key in ["source_name", "description", "external_id"] {
            if let Some(text) = reference.get(key) {
                expect(text.is_string(), "a string", &reference_path.key(key), out);
            }
        }
        if !reference.contains_key("source_name") {
            let message = "an external reference must have a source_name";
            report(
                out,
                "required-property",
                &reference_path.key("source_name"),
                message,
            );
        }
        if !["description", "url", "external_id"]
            .iter()
            .any(|key| reference.contains_key(*key))
        {
            let message = "an external reference must have at least one of description, url or external_id";
            report(out, "external-reference", &reference_path, message);
        }
        if let Some(hashes) = reference.get("hashes") {
            check_hashes_with_keys(hashes, HashKeys::Vocabulary, &reference_path.key("hashes"), out);
        }
    }
}

/// Whether `name` is a valid property name (§3.1, §11.1.1): `[a-z0-9_]`, starting with a letter, 3–250
/// characters. `id` is the one STIX-defined exception to the length rule.
pub(crate) fn is_valid_property_name(name: &str) -> bool {
    name == "id"
        || ((3..=250).contains(&name.len())
            && name.as_bytes()[0].is_ascii_lowercase()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
}

/// A hyphenated UUID of version 1–5 with the RFC 4122 variant, as the STIX 2.1 identifier schema requires.
fn is_rfc4122_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    let groups_ok = || {
        [(0, 8), (9, 13), (14, 18), (19, 23), (24, 36)]
            .iter()
            .all(|&(start, end)| bytes[start..end].iter().all(u8::is_ascii_hexdigit))
    };
    bytes.len() == 36
        && bytes[8] == b'-'
        && bytes[13] == b'-'
        && bytes[18] == b'-'
        && bytes[23] == b'-'
        && (b'1'..=b'5').contains(&bytes[14])
        && matches!(bytes[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
        && groups_ok()
}
