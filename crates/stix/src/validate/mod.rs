//! Validation of every STIX 2.1 MUST that can be checked from one object, its bundle envelope, or a whole
//! document, reported as `Diagnostic`s with stable rule codes.
//!
//! Invariant: validation never panics on input and never stops at the first problem: every broken rule is
//! reported once, with the JSON path of the offending value. On a valid object nothing is allocated (paths are
//! `path::Path` chains rendered only when a diagnostic is emitted). Custom object types are checked against
//! the common-property rules of their family only (see `custom_family`); unknown properties pass through (§11).
//!
//! Every rule code, with what it means, is listed in [`RULE_CODES`].
//!
//! Layout: `common` (common properties, their applicability per family, names, extensions), `property` (value
//! kinds, references and their target types), `formats` (hashes, hex, base64, URLs, language tags), `instant`
//! (timestamps without allocation), `markings` (granular markings, marking-definitions, TLP), `sdo` (SDO and
//! SRO rules), `sco` (SCO rules and predefined extensions), `meta` (extension-definition, language-content) and
//! `path` (JSON paths rendered only on error). The type inventory they share is `crate::vocab`.

mod common;
mod formats;
mod instant;
mod markings;
mod meta;
mod path;
mod property;
mod sco;
mod sdo;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::validate::path::{Path, report};
use crate::vocab::{self, ObjectFamily, TypeSpec};

/// Every rule code the validator emits, with the rule it stands for. Codes are stable across releases.
pub const RULE_CODES: [(&str, &str); 39] = [
    ("not-an-object", "a STIX object must be a JSON object"),
    (
        "required-property",
        "a property the object's type requires is missing (§3.2, §4–§7)",
    ),
    (
        "property-type",
        "a value has the wrong JSON type (string, integer, boolean, list, dictionary, …)",
    ),
    (
        "property-value",
        "a value breaks its format: bundle type, relationship_type characters (§5.1.2)",
    ),
    (
        "type-name",
        "type names are [a-z0-9-], 3–250 characters, start with a letter, no -- (§3.1)",
    ),
    (
        "property-name",
        "property names are [a-z0-9_], 3–250 characters, start with a letter (§3.1, §11.1)",
    ),
    (
        "id-format",
        "an identifier is <object-type>--<RFC 4122 UUID> (§2.9)",
    ),
    (
        "id-type-mismatch",
        "the id's type prefix must equal the object's type (§2.9)",
    ),
    (
        "id-uuid-version",
        "SCOs without ID contributing properties, and processes, use UUIDv4 (§2.9)",
    ),
    ("spec-version", "spec_version must be 2.1 (§3.2)"),
    (
        "timestamp-format",
        "timestamps are RFC 3339 UTC, YYYY-MM-DDTHH:mm:ss[.s+]Z (§2.16)",
    ),
    (
        "timestamp-precision",
        "created and modified are precise to the millisecond at least (§3.2)",
    ),
    (
        "timestamp-order",
        "modified ≥ created, last_seen ≥ first_seen, valid_until > valid_from, … (§3.2, §4–§6)",
    ),
    (
        "value-range",
        "a number outside its range: confidence 0–100, count, number_observed, latitude, ports, 54-bit integers",
    ),
    ("empty-list", "empty lists are prohibited (§2.12)"),
    (
        "dictionary-key",
        "dictionary keys are ASCII [A-Za-z0-9_-], at most 250 characters (§2.3)",
    ),
    ("empty-dictionary", "empty dictionaries are prohibited (§2.3)"),
    (
        "property-not-applicable",
        "a common property the object's family does not have: defanged on SDOs, created on SCOs, … (§3.2)",
    ),
    (
        "property-conflict",
        "properties that exclude each other: objects and object_refs, body and body_multipart, …",
    ),
    (
        "ref-type",
        "a reference points at a type it may not: object_marking_refs → marking-definition, … (§3.3)",
    ),
    (
        "enum-value",
        "a value outside a closed enumeration: opinion-enum, extension-type-enum, … (§10)",
    ),
    (
        "hash-algorithm",
        "hash keys are [A-Za-z0-9_-], 3–250 characters; external references use hash-algorithm-ov (§2.5, §2.7)",
    ),
    (
        "hash-format",
        "a hash value does not have its algorithm's format: MD5 32 hex digits, … (§2.7)",
    ),
    ("binary-format", "binary values are padded base64 (§2.1)"),
    (
        "hex-format",
        "hex values are an even number of 0-9a-f digits (§2.8)",
    ),
    (
        "media-type",
        "artifact mime_type values are IANA media types, type/subtype (§6.1)",
    ),
    (
        "charset-name",
        "name_enc and path_enc values are IANA character set names (§6.4, §6.7)",
    ),
    (
        "cpe-format",
        "software cpe values are CPE 2.3 formatted strings (§6.14)",
    ),
    (
        "url-format",
        "URLs (external references, url, artifact) are RFC 3986 URIs (§2.5, §6.14)",
    ),
    (
        "ip-address",
        "ipv4-addr and ipv6-addr values are addresses or CIDR blocks (§6.5, §6.6)",
    ),
    (
        "mac-address",
        "mac-addr values are lowercase, colon-delimited MAC-48 addresses (§6.7)",
    ),
    (
        "language-tag",
        "lang values and language-content keys are RFC 5646 language tags (§3.2, §7.1)",
    ),
    (
        "external-reference",
        "an external reference needs one of description, url or external_id (§2.5)",
    ),
    (
        "extension-name",
        "extension keys are extension-definition ids, predefined SCO extensions, or custom -ext names on SCOs (§7.3, §11.3)",
    ),
    (
        "granular-marking",
        "a granular marking has exactly one of marking_ref or lang (§7.2.3)",
    ),
    (
        "marking-selector",
        "a granular marking selector must name content present in the object (§7.2.3.1)",
    ),
    (
        "marking-circular-ref",
        "a marking-definition must not mark itself (§3.2, §7.2.1)",
    ),
    (
        "tlp-marking",
        "a TLP marking-definition must be exactly one of the predefined TLP objects (§7.2.1.4)",
    ),
    (
        "pattern-syntax",
        "an indicator's pattern of pattern_type stix must be a valid STIX pattern (§9)",
    ),
];

/// Checks one STIX object (SDO, SRO, SCO, meta object) and appends what it breaks to `out`.
pub fn validate_object(object: &Value, path: &str, out: &mut Vec<Diagnostic>) {
    let root = Path::Root(path);
    let Some(members) = object.as_object() else {
        report(out, "not-an-object", &root, "a STIX object must be a JSON object");
        return;
    };
    let type_name = match members.get("type") {
        Some(Value::String(type_name)) => type_name.as_str(),
        Some(_) => {
            report(out, "property-type", &root.key("type"), "must be a string");
            return;
        }
        None => {
            report(
                out,
                "required-property",
                &root.key("type"),
                "every STIX object must have a type",
            );
            return;
        }
    };
    let spec = vocab::type_spec(type_name);
    let view = StixObjectView {
        value: object,
        members,
        type_name,
        family: object_family(type_name, members),
        spec,
        path: &root,
    };
    common::check_common_properties(&view, out);
    match view.family {
        ObjectFamily::Domain | ObjectFamily::Relationship => {
            sdo::check_domain_and_relationship_rules(&view, out)
        }
        ObjectFamily::Observable => sco::check_observable_rules(&view, out),
        ObjectFamily::Meta => meta::check_meta_rules(&view, out),
    }
}

/// Checks the properties of a bundle other than `objects`: `type` is `bundle`, `id` is `bundle--<UUID>`, and
/// none of the common properties of STIX objects appear (a bundle is not a STIX object, §8).
pub fn validate_bundle_header(header: &Map<String, Value>, path: &str, out: &mut Vec<Diagnostic>) {
    let root = Path::Root(path);
    match header.get("type") {
        Some(Value::String(type_name)) if type_name == "bundle" => {}
        Some(_) => report(
            out,
            "property-value",
            &root.key("type"),
            "a bundle's type must be \"bundle\"",
        ),
        None => report(
            out,
            "required-property",
            &root.key("type"),
            "a bundle must have a type",
        ),
    }
    match header.get("id") {
        None => report(
            out,
            "required-property",
            &root.key("id"),
            "a bundle must have an id",
        ),
        Some(id) => match id.as_str() {
            None => report(
                out,
                "property-type",
                &root.key("id"),
                "must be an identifier string",
            ),
            Some(text) => match property::identifier_type(text) {
                None => report(
                    out,
                    "id-format",
                    &root.key("id"),
                    format!("{text:?} is not bundle--<UUID>"),
                ),
                Some("bundle") => {}
                Some(other) => {
                    let message = format!("a bundle id must start with bundle--, not {other}--");
                    report(out, "id-type-mismatch", &root.key("id"), message);
                }
            },
        },
    }
    for key in header.keys() {
        if common::COMMON_OBJECT_PROPERTIES.contains(&key.as_str()) {
            let message = format!("{key} is not a property of a bundle (a bundle is not a STIX object)");
            report(out, "property-not-applicable", &root.key(key), message);
        }
    }
}

/// Checks a whole document: a bundle, one object, or a JSON array of objects. Paths start at `$`.
pub fn validate_document(value: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut object_path = String::new();
    match value {
        Value::Object(members) if members.get("type").and_then(Value::as_str) == Some("bundle") => {
            let header: Map<String, Value> = members
                .iter()
                .filter(|(key, _)| *key != "objects")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            validate_bundle_header(&header, "$", &mut out);
            match members.get("objects") {
                None => {}
                Some(Value::Array(objects)) => {
                    if objects.is_empty() {
                        let message = "a bundle's objects must not be an empty list; omit it instead";
                        report(&mut out, "empty-list", &Path::Root("$.objects"), message);
                    }
                    for (object_idx, object) in objects.iter().enumerate() {
                        set_object_path(&mut object_path, "$.objects", object_idx);
                        validate_object(object, &object_path, &mut out);
                    }
                }
                Some(_) => {
                    let message = "a bundle's objects must be a list of STIX objects";
                    report(&mut out, "property-type", &Path::Root("$.objects"), message);
                }
            }
        }
        Value::Array(objects) => {
            for (object_idx, object) in objects.iter().enumerate() {
                set_object_path(&mut object_path, "$", object_idx);
                validate_object(object, &object_path, &mut out);
            }
        }
        _ => validate_object(value, "$", &mut out),
    }
    out
}

/// The object being checked and what is known about its type.
#[derive(Debug, Clone, Copy)]
struct StixObjectView<'a> {
    value: &'a Value,
    members: &'a Map<String, Value>,
    type_name: &'a str,
    family: ObjectFamily,
    spec: Option<&'static TypeSpec>,
    path: &'a Path<'a>,
}

impl<'a> StixObjectView<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.members.get(key)
    }

    fn str(&self, key: &str) -> Option<&'a str> {
        self.members.get(key).and_then(Value::as_str)
    }

    fn has(&self, key: &str) -> bool {
        self.members.contains_key(key)
    }
}

/// The family of an object: that of its STIX-defined type, else [`custom_family`].
pub fn object_family(type_name: &str, members: &Map<String, Value>) -> ObjectFamily {
    vocab::family_of(type_name).unwrap_or_else(|| custom_family(members))
}

/// The family of a custom object type: the one its extension-definition declares (`new-sco`, `new-sro`);
/// otherwise an SDO when it carries the SDO versioning properties (`created` or `modified`, as ATT&CK's
/// `x-mitre-*` do), and an SCO when it has neither (a legacy custom observable, §11.2).
fn custom_family(members: &Map<String, Value>) -> ObjectFamily {
    let declared = members
        .get("extensions")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|extensions| extensions.values())
        .filter_map(|extension| extension.get("extension_type").and_then(Value::as_str))
        .find_map(|extension_type| match extension_type {
            "new-sdo" => Some(ObjectFamily::Domain),
            "new-sco" => Some(ObjectFamily::Observable),
            "new-sro" => Some(ObjectFamily::Relationship),
            _ => None,
        });
    declared.unwrap_or(
        if members.contains_key("created") || members.contains_key("modified") {
            ObjectFamily::Domain
        } else {
            ObjectFamily::Observable
        },
    )
}

fn set_object_path(object_path: &mut String, base: &str, object_idx: usize) {
    use std::fmt::Write as _;
    object_path.clear();
    let _ = write!(object_path, "{base}[{object_idx}]");
}
