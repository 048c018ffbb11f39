//! Type-specific rules of SDOs (§4) and SROs (§5) beyond presence and value kinds: ranges, enumerations,
//! properties that depend on or exclude each other, and indicator pattern syntax.

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::validate::StixObjectView;
use crate::validate::path::{Path, report};
use crate::validate::property::integer_value;
use crate::vocab::{self, ObjectFamily, PropertyKind, RefTarget};

/// The largest `number_observed` and sighting `count` STIX allows.
const MAX_OBSERVATION_COUNT: u64 = 999_999_999;

/// Checks the type-specific rules of an SDO or SRO.
pub(crate) fn check_domain_and_relationship_rules(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    match view.type_name {
        "indicator" => check_indicator(view, out),
        "location" => check_location(view, out),
        "malware" => check_malware(view, out),
        "malware-analysis" => check_malware_analysis(view, out),
        "observed-data" => check_observed_data(view, out),
        "opinion" => check_opinion(view, out),
        "sighting" => check_integer_range(view, "count", 0, MAX_OBSERVATION_COUNT, out),
        "relationship" => check_relationship_type(view, out),
        _ => {}
    }
}

/// indicator (§4.7): a `stix` pattern must be valid STIX patterning (§9).
fn check_indicator(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    let (Some("stix"), Some(pattern)) = (view.str("pattern_type"), view.str("pattern")) else {
        return;
    };
    for error in stix_pattern::check(pattern) {
        let message = format!(
            "invalid STIX pattern: {} (at byte {})",
            error.message, error.span.start
        );
        report(out, "pattern-syntax", &view.path.key("pattern"), message);
    }
}

/// relationship (§5.1.2): relationship_type is ASCII limited to a–z, 0–9 and hyphen.
fn check_relationship_type(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    let Some(relationship_type) = view.str("relationship_type") else {
        return;
    };
    let well_formed = !relationship_type.is_empty()
        && relationship_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !well_formed {
        let message = format!("relationship_type {relationship_type:?} must use only a-z, 0-9 and hyphens");
        report(
            out,
            "property-value",
            &view.path.key("relationship_type"),
            message,
        );
    }
}

/// location (§4.10): latitude and longitude in range and given together, precision only with both, and at
/// least one of region, country, or latitude with longitude.
fn check_location(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    check_number_range(view, "latitude", -90.0, 90.0, out);
    check_number_range(view, "longitude", -180.0, 180.0, out);
    check_number_range(view, "precision", 0.0, f64::INFINITY, out);
    let (has_latitude, has_longitude) = (view.has("latitude"), view.has("longitude"));
    if has_latitude != has_longitude {
        let (present, missing) = if has_latitude {
            ("latitude", "longitude")
        } else {
            ("longitude", "latitude")
        };
        let message = format!("{present} requires {missing}");
        report(out, "required-property", &view.path.key(missing), message);
    }
    if view.has("precision") && !(has_latitude && has_longitude) {
        let message = "precision requires latitude and longitude";
        report(out, "required-property", &view.path.key("latitude"), message);
    }
    if !(view.has("region") || view.has("country") || (has_latitude && has_longitude)) {
        let message = "a location needs at least one of region, country, or latitude and longitude";
        report(out, "required-property", &view.path.key("region"), message);
    }
}

/// malware (§4.11): a malware family must have a name.
fn check_malware(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    if view.get("is_family") == Some(&Value::Bool(true)) && !view.has("name") {
        report(
            out,
            "required-property",
            &view.path.key("name"),
            "name is required when is_family is true",
        );
    }
}

/// malware-analysis (§4.12): one of result or analysis_sco_refs is required.
fn check_malware_analysis(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    if !view.has("result") && !view.has("analysis_sco_refs") {
        let message = "a malware-analysis needs at least one of result or analysis_sco_refs";
        report(out, "required-property", &view.path.key("result"), message);
    }
}

/// observed-data (§4.14): number_observed in 1–999,999,999, and exactly one of objects (deprecated) or
/// object_refs.
fn check_observed_data(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    check_integer_range(view, "number_observed", 1, MAX_OBSERVATION_COUNT, out);
    match (view.has("objects"), view.has("object_refs")) {
        (true, true) => {
            let message = "objects (deprecated) and object_refs must not both be present";
            report(out, "property-conflict", &view.path.key("objects"), message);
        }
        (false, false) => {
            let message = "observed-data needs object_refs (or the deprecated objects)";
            report(out, "required-property", &view.path.key("object_refs"), message);
        }
        _ => {}
    }
    if let Some(Value::Array(object_refs)) = view.get("object_refs") {
        // §4.14.1: at least one SCO reference. Custom types of unknown family may be SCOs.
        let refs_an_observable = object_refs.iter().filter_map(Value::as_str).any(|object_ref| {
            let type_name = object_ref
                .split_once("--")
                .map_or(object_ref, |(type_name, _)| type_name);
            !matches!(vocab::family_of(type_name), Some(ObjectFamily::Relationship))
        });
        if !refs_an_observable {
            let message = "object_refs must contain at least one SCO reference";
            report(out, "ref-type", &view.path.key("object_refs"), message);
        }
    }
    if let Some(Value::Object(objects)) = view.get("objects") {
        check_observable_container(objects, &view.path.key("objects"), out);
    }
}

/// The deprecated observable container (§2.13): each member is an observable with a type, and its `_ref`/`_refs`
/// properties name members of the same container, of the types the observable's property allows.
fn check_observable_container(objects: &Map<String, Value>, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    for (key, object) in objects {
        let object_path = path.key(key);
        let Some(type_name) = object.get("type").and_then(Value::as_str) else {
            let message = "each embedded observable must be an object with a type";
            report(out, "required-property", &object_path.key("type"), message);
            continue;
        };
        let Some(members) = object.as_object() else {
            continue;
        };
        let spec = vocab::type_spec(type_name);
        for (property, value) in members
            .iter()
            .filter(|(property, _)| property.ends_with("_ref") || property.ends_with("_refs"))
        {
            let target = match spec.and_then(|spec| spec.property(property)) {
                Some(PropertyKind::Ref(target) | PropertyKind::RefList(target)) => target,
                _ => RefTarget::Any,
            };
            let local_refs: &[Value] = match value {
                Value::Array(items) => items,
                single => std::slice::from_ref(single),
            };
            for (ref_idx, local_ref) in local_refs.iter().enumerate() {
                let ref_path = object_path.key(property);
                let ref_path = if value.is_array() {
                    ref_path.index(ref_idx)
                } else {
                    ref_path
                };
                let Some(local_ref) = local_ref.as_str() else {
                    continue;
                };
                match objects
                    .get(local_ref)
                    .and_then(|target_object| target_object.get("type"))
                    .and_then(Value::as_str)
                {
                    None => {
                        let message = format!("{local_ref:?} is not a key of this observed-data's objects");
                        report(out, "ref-type", &ref_path, message);
                    }
                    Some(target_type) if !vocab::ref_target_allows(target, target_type) => {
                        let allowed = vocab::describe_ref_target(target);
                        report(
                            out,
                            "ref-type",
                            &ref_path,
                            format!("must reference {allowed}, not {target_type}"),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
    }
}

/// opinion (§4.15): opinion is a value of opinion-enum.
fn check_opinion(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    if let Some(opinion) = view.str("opinion")
        && !vocab::OPINION_ENUM.contains(&opinion)
    {
        let message = format!(
            "{opinion:?} is not in opinion-enum ({})",
            vocab::OPINION_ENUM.join(", ")
        );
        report(out, "enum-value", &view.path.key("opinion"), message);
    }
}

/// Reports `value-range` when integer property `key` is present and outside `min..=max`. (A value that is not an
/// integer was already reported as `property-type`.)
pub(crate) fn check_integer_range(
    view: &StixObjectView<'_>,
    key: &str,
    min: u64,
    max: u64,
    out: &mut Vec<Diagnostic>,
) {
    let Some(value) = view.get(key) else { return };
    let Some(number) = integer_value(value) else {
        return;
    };
    let in_range = (i128::from(min)..=i128::from(max)).contains(&number);
    if !in_range {
        let message = format!("{key} must be an integer from {min} to {max}");
        report(out, "value-range", &view.path.key(key), message);
    }
}

fn check_number_range(view: &StixObjectView<'_>, key: &str, min: f64, max: f64, out: &mut Vec<Diagnostic>) {
    let Some(number) = view.get(key).and_then(Value::as_f64) else {
        return;
    };
    if !(min..=max).contains(&number) {
        let message = if max.is_finite() {
            format!("{key} must be from {min} to {max}")
        } else {
            format!("{key} must be at least {min}")
        };
        report(out, "value-range", &view.path.key(key), message);
    }
}
