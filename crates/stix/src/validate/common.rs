//! The common properties of STIX objects (§3.2) and the rules every object obeys whatever its type: property
//! names, applicability of common properties to the object's family, required common properties, identifier
//! and type agreement, `spec_version`, timestamp format, precision and order, empty lists, extensions, and the
//! value kinds of the type's own properties.
//!
//! Invariant: one pass over the object's members; each member is looked at once, and timestamps parsed in that
//! pass are kept (as instants, on the stack) for the order checks that follow.

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::id::is_valid_type_name;
use crate::validate::formats::is_language_tag;
use crate::validate::path::{Path, report};
use crate::validate::property::{
    check_external_references, check_property_kind, check_ref, check_ref_list, check_string_list,
    check_timestamp, expect, identifier_type, integer_value, is_valid_property_name,
};
use crate::validate::{StixObjectView, markings};
use crate::vocab::{self, ObjectFamily, RefTarget};

pub(crate) use crate::vocab::COMMON_OBJECT_PROPERTIES;

const MAX_KEPT_INSTANTS: usize = 4;

/// Checks everything common to all objects, and the value kinds of the type's own properties.
pub(crate) fn check_common_properties(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    if !is_valid_type_name(view.type_name) {
        let message = format!(
            "{:?} is not a valid type name ([a-z0-9-], 3-250 characters, starting with a letter, no --)",
            view.type_name
        );
        report(out, "type-name", &view.path.key("type"), message);
    }
    check_required_properties(view, out);
    let mut instants = Instants::default();
    for (key, value) in view.members {
        let path = view.path.key(key);
        if !is_valid_property_name(key) {
            let message = format!(
                "{key:?} is not a valid property name ([a-z0-9_], 3-250 characters, starting with a letter)"
            );
            report(out, "property-name", &path, message);
        }
        if value.as_array().is_some_and(Vec::is_empty) {
            report(
                out,
                "empty-list",
                &path,
                "lists must not be empty; omit the property instead",
            );
            continue;
        }
        if value.as_object().is_some_and(Map::is_empty) {
            report(
                out,
                "empty-dictionary",
                &path,
                "dictionaries must not be empty; omit the property instead",
            );
            continue;
        }
        if !is_applicable(view, key) {
            let message = format!("{key} is not a property of {} objects", family_name(view));
            report(out, "property-not-applicable", &path, message);
            continue;
        }
        match key.as_str() {
            "type" => {}
            "id" => check_id(view, value, &path, out),
            "spec_version" => {
                if value.as_str() != Some("2.1") {
                    report(
                        out,
                        "spec-version",
                        &path,
                        "spec_version must be \"2.1\" for STIX 2.1 objects",
                    );
                }
            }
            "created" | "modified" => {
                if let Some(timestamp) = check_timestamp(value, &path, out) {
                    if timestamp.fraction_digits < 3 {
                        let message = format!("{key} must be precise to at least the millisecond (.sssZ)");
                        report(out, "timestamp-precision", &path, message);
                    }
                    instants.keep(key, timestamp.unix_nanos);
                }
            }
            "created_by_ref" => check_ref(value, RefTarget::Types(&["identity"]), &path, out),
            "revoked" | "defanged" => expect(value.is_boolean(), "a boolean", &path, out),
            "labels" => check_string_list(value, &path, out),
            "confidence" => check_confidence(value, &path, out),
            "lang" => check_language(value, &path, out),
            "external_references" => check_external_references(value, &path, out),
            "object_marking_refs" => {
                check_ref_list(value, RefTarget::Types(&["marking-definition"]), &path, out);
            }
            "granular_markings" => markings::check_granular_markings(view, value, &path, out),
            "extensions" => check_extensions(view, value, &path, out),
            // Custom properties pass through: §3.1 asks references to end in `_ref`, not the converse.
            _ => {
                let kind = view.spec.and_then(|spec| spec.property(key));
                let timestamp = kind.and_then(|kind| check_property_kind(value, kind, &path, out));
                let is_ordered =
                    |(earlier, later, _): &(&str, &str, Strictness)| key == earlier || key == later;
                if let Some(timestamp) = timestamp
                    && timestamp_orders(view.type_name).iter().any(is_ordered)
                {
                    instants.keep(key, timestamp.unix_nanos);
                }
            }
        }
    }
    check_timestamp_order(view, &instants, "created", "modified", Strictness::OrEqual, out);
    for &(earlier, later, strictness) in timestamp_orders(view.type_name) {
        check_timestamp_order(view, &instants, earlier, later, strictness, out);
    }
}

/// Whether a later timestamp may equal the earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strictness {
    OrEqual,
    Strictly,
}

/// Pairs of timestamp properties of one type where the second must not be before the first.
fn timestamp_orders(type_name: &str) -> &'static [(&'static str, &'static str, Strictness)] {
    match type_name {
        "campaign" | "infrastructure" | "intrusion-set" | "malware" | "threat-actor" | "sighting" => {
            &[("first_seen", "last_seen", Strictness::OrEqual)]
        }
        "indicator" => &[("valid_from", "valid_until", Strictness::Strictly)],
        "observed-data" => &[("first_observed", "last_observed", Strictness::OrEqual)],
        "relationship" => &[("start_time", "stop_time", Strictness::Strictly)],
        "network-traffic" => &[("start", "end", Strictness::OrEqual)],
        _ => &[],
    }
}

fn check_timestamp_order(
    view: &StixObjectView<'_>,
    instants: &Instants<'_>,
    earlier: &str,
    later: &str,
    strictness: Strictness,
    out: &mut Vec<Diagnostic>,
) {
    let (Some(earlier_ns), Some(later_ns)) = (instants.get(earlier), instants.get(later)) else {
        return;
    };
    let in_order = match strictness {
        Strictness::OrEqual => later_ns >= earlier_ns,
        Strictness::Strictly => later_ns > earlier_ns,
    };
    if !in_order {
        let relation = match strictness {
            Strictness::OrEqual => "later than or equal to",
            Strictness::Strictly => "later than",
        };
        report(
            out,
            "timestamp-order",
            &view.path.key(later),
            format!("{later} must be {relation} {earlier}"),
        );
    }
}

/// Instants of the timestamps parsed during the pass that take part in an order rule (at most four per type),
/// kept on the stack.
#[derive(Debug, Default)]
struct Instants<'a> {
    kept: [(&'a str, i128); MAX_KEPT_INSTANTS],
    n_kept: usize,
}

impl<'a> Instants<'a> {
    fn keep(&mut self, name: &'a str, instant_ns: i128) {
        if let Some(slot) = self.kept.get_mut(self.n_kept) {
            *slot = (name, instant_ns);
            self.n_kept += 1;
        }
    }

    fn get(&self, name: &str) -> Option<i128> {
        self.kept[..self.n_kept]
            .iter()
            .find(|(kept, _)| *kept == name)
            .map(|(_, instant_ns)| *instant_ns)
    }
}

fn check_required_properties(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    let common: &[&str] = match (view.family, view.type_name) {
        (ObjectFamily::Observable, _) => &["id"],
        (ObjectFamily::Meta, "marking-definition") => &["spec_version", "id", "created"],
        _ => &["spec_version", "id", "created", "modified"],
    };
    let own = view.spec.map_or(&[][..], |spec| spec.required);
    for key in common.iter().chain(own) {
        if !view.has(key) {
            let message = format!("{key} is required on {} objects", view.type_name);
            report(out, "required-property", &view.path.key(key), message);
        }
    }
}

/// Whether a common property may appear on this object (the applicability table of §3.2).
fn is_applicable(view: &StixObjectView<'_>, key: &str) -> bool {
    match (view.family, view.type_name) {
        (ObjectFamily::Domain | ObjectFamily::Relationship, _) => key != "defanged",
        (ObjectFamily::Observable, _) => !matches!(
            key,
            "created_by_ref"
                | "created"
                | "modified"
                | "revoked"
                | "labels"
                | "confidence"
                | "lang"
                | "external_references"
        ),
        (ObjectFamily::Meta, "marking-definition") => !matches!(
            key,
            "modified" | "revoked" | "labels" | "confidence" | "lang" | "defanged"
        ),
        (ObjectFamily::Meta, "extension-definition") => {
            !matches!(key, "confidence" | "lang" | "extensions" | "defanged")
        }
        (ObjectFamily::Meta, _) => !matches!(key, "lang" | "defanged"),
    }
}

fn family_name(view: &StixObjectView<'_>) -> &'static str {
    match view.family {
        ObjectFamily::Domain => "domain (SDO)",
        ObjectFamily::Relationship => "relationship (SRO)",
        ObjectFamily::Observable => "cyber-observable (SCO)",
        ObjectFamily::Meta => match view.type_name {
            "marking-definition" => "marking-definition",
            "extension-definition" => "extension-definition",
            _ => "language-content",
        },
    }
}

fn check_id(view: &StixObjectView<'_>, value: &Value, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    let Some(text) = value.as_str() else {
        report(out, "property-type", path, "must be an identifier string");
        return;
    };
    match identifier_type(text) {
        None => report(
            out,
            "id-format",
            path,
            format!("{text:?} is not an identifier <object-type>--<UUID>"),
        ),
        Some(id_type) if id_type != view.type_name => {
            let message = format!(
                "the id names type {id_type} but the object's type is {}",
                view.type_name
            );
            report(out, "id-type-mismatch", path, message);
        }
        Some(_) => {}
    }
}

fn check_confidence(value: &Value, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    match integer_value(value) {
        Some(0..=100) => {}
        Some(_) => report(
            out,
            "value-range",
            path,
            "confidence must be an integer from 0 to 100",
        ),
        None => report(out, "property-type", path, "must be an integer"),
    }
}

/// Checks a `lang` value: a string holding an RFC 5646 language tag.
pub(crate) fn check_language(value: &Value, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    match value.as_str() {
        None => report(out, "property-type", path, "must be a string"),
        Some(tag) if !is_language_tag(tag) => {
            report(
                out,
                "language-tag",
                path,
                format!("{tag:?} is not an RFC 5646 language tag"),
            );
        }
        Some(_) => {}
    }
}

/// Checks the `extensions` dictionary (§7.3): keys are extension-definition ids (whose values carry an
/// `extension_type`), predefined SCO extension names on their SCO type, or legacy custom names ending in
/// `-ext`; every value is a JSON object.
fn check_extensions(view: &StixObjectView<'_>, value: &Value, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    let Some(extensions) = value.as_object() else {
        report(out, "property-type", path, "must be a dictionary of extensions");
        return;
    };
    for (name, extension) in extensions {
        let extension_path = path.key(name);
        let Some(extension) = extension.as_object() else {
            report(
                out,
                "property-type",
                &extension_path,
                "an extension must be a JSON object",
            );
            continue;
        };
        if name.starts_with("extension-definition--") {
            if identifier_type(name) != Some("extension-definition") {
                let message = format!("{name:?} is not an extension-definition identifier");
                report(out, "extension-name", &extension_path, message);
            }
            let type_path = extension_path.key("extension_type");
            match extension.get("extension_type") {
                None => {
                    let message =
                        "an extension keyed by an extension-definition id must have an extension_type";
                    report(out, "required-property", &type_path, message);
                }
                Some(Value::String(extension_type)) => {
                    if !vocab::EXTENSION_TYPE_ENUM.contains(&extension_type.as_str()) {
                        let message = format!("{extension_type:?} is not in extension-type-enum");
                        report(out, "enum-value", &type_path, message);
                    }
                }
                Some(_) => report(out, "property-type", &type_path, "must be a string"),
            }
            for property in extension.keys().filter(|key| !is_valid_property_name(key)) {
                let message =
                    format!("{property:?} is not a valid property name ([a-z0-9_], 3-250 characters)");
                report(out, "property-name", &extension_path.key(property), message);
            }
        } else if let Some((_, sco_type)) = vocab::PREDEFINED_SCO_EXTENSIONS
            .iter()
            .find(|(ext, _)| ext == name)
        {
            if *sco_type != view.type_name {
                let message = format!("the predefined extension {name} applies only to {sco_type} objects");
                report(out, "extension-name", &extension_path, message);
            }
        } else if !is_custom_extension_name(name) {
            let message = format!(
                "{name:?} is neither an extension-definition id, a predefined extension, nor a custom name ending in -ext"
            );
            report(out, "extension-name", &extension_path, message);
        } else if view.family != ObjectFamily::Observable {
            let message = format!(
                "the custom extension {name} is not allowed here: custom extensions apply to SCOs only"
            );
            report(out, "extension-name", &extension_path, message);
        }
    }
}

/// A legacy custom extension name (§11.3.1): `[a-z0-9-]`, 3–250 characters, ending in `-ext`.
fn is_custom_extension_name(name: &str) -> bool {
    (3..=250).contains(&name.len())
        && name.ends_with("-ext")
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
