//! Validation of every STIX 2.1 MUST that can be checked from one object, its bundle envelope, or a whole
//! document, reported as `Diagnostic`s with stable rule codes.
//!
//! Invariant: validation never panics on input and never stops at the first problem: every broken rule is
//! reported once, with the JSON path of the offending value. On a valid object nothing is allocated (paths are
//! `path::Path` chains rendered only when a diagnostic is emitted). Custom object types are checked against
//! the common-property rules of their family only (see `custom_family`); unknown properties pass through (§11).
//!
//! Rule codes: `not-an-object`, `required-property`, `property-type`, `type-name`, `property-name`,
//! `id-format`, `id-type-mismatch`, `spec-version`, `timestamp-format`, `timestamp-precision`,
//! `timestamp-order`, `value-range`, `empty-list`, `empty-dictionary`, `property-not-applicable`,
//! `property-value`, `property-conflict`, `ref-type`, `enum-value`, `hash-format`, `ip-address`,
//! `mac-address`, `external-reference`, `extension-name`, `extension-type`, `granular-marking`,
//! `marking-selector`, `marking-circular-ref`, `tlp-marking`, `language-tag`, `pattern-syntax`.

mod common;
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
        family: spec.map_or_else(|| custom_family(members), |spec| spec.family),
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
