//! Markings on objects (§7.2): granular markings and their selectors, and the rules for marking-definition
//! objects themselves (no self-reference, TLP objects exactly as predefined, a definition or an extension).
//!
//! Invariant: a selector is resolved against the object's own JSON, segment by segment (`a.b`, `a.[2].c`), so
//! "refers to content actually present" means exactly that: every segment names an existing member or index.

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::markings::check_tlp_definition;
use crate::validate::StixObjectView;
use crate::validate::common::check_language;
use crate::validate::path::{Path, report};
use crate::validate::property::check_ref;
use crate::vocab::RefTarget;

const MARKING_DEFINITION: RefTarget = RefTarget::Types(&["marking-definition"]);

/// Checks `granular_markings` (§7.2.3): each item has `selectors` and exactly one of `marking_ref` or `lang`,
/// and every selector resolves to content present in the object.
pub(crate) fn check_granular_markings(
    view: &StixObjectView<'_>,
    value: &Value,
    path: &Path<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(markings) = value.as_array() else {
        report(out, "property-type", path, "must be a list of granular markings");
        return;
    };
    for (marking_idx, marking) in markings.iter().enumerate() {
        let marking_path = path.index(marking_idx);
        let Some(marking) = marking.as_object() else {
            report(
                out,
                "property-type",
                &marking_path,
                "a granular marking must be a JSON object",
            );
            continue;
        };
        match (marking.get("marking_ref"), marking.get("lang")) {
            (Some(_), Some(_)) => {
                let message = "a granular marking must have exactly one of marking_ref or lang, not both";
                report(out, "granular-marking", &marking_path, message);
            }
            (None, None) => {
                let message = "a granular marking must have one of marking_ref or lang";
                report(out, "granular-marking", &marking_path, message);
            }
            (Some(marking_ref), None) => {
                let ref_path = marking_path.key("marking_ref");
                check_ref(marking_ref, MARKING_DEFINITION, &ref_path, out);
                if view.type_name == "marking-definition" && marking_ref.as_str() == view.str("id") {
                    let message = "a marking-definition must not mark itself (no circular references)";
                    report(out, "marking-circular-ref", &ref_path, message);
                }
            }
            (None, Some(lang)) => check_language(lang, &marking_path.key("lang"), out),
        }
        let selectors_path = marking_path.key("selectors");
        match marking.get("selectors") {
            None => report(
                out,
                "required-property",
                &selectors_path,
                "a granular marking must have selectors",
            ),
            Some(Value::Array(selectors)) if selectors.is_empty() => {
                report(out, "empty-list", &selectors_path, "selectors must not be empty");
            }
            Some(Value::Array(selectors)) => {
                for (selector_idx, selector) in selectors.iter().enumerate() {
                    let selector_path = selectors_path.index(selector_idx);
                    match selector.as_str() {
                        None => report(
                            out,
                            "property-type",
                            &selector_path,
                            "a selector must be a string",
                        ),
                        Some(selector) if !selector_resolves(view.members, selector) => {
                            let message =
                                format!("selector {selector:?} does not refer to content of this object");
                            report(out, "marking-selector", &selector_path, message);
                        }
                        Some(_) => {}
                    }
                }
            }
            Some(_) => report(
                out,
                "property-type",
                &selectors_path,
                "must be a list of selector strings",
            ),
        }
    }
}

/// Whether `selector` (§7.2.3.1: property names and `[n]` list indexes joined by dots) names content present
/// in `object`.
pub(crate) fn selector_resolves(object: &Map<String, Value>, selector: &str) -> bool {
    let mut segments = selector.split('.');
    let Some(mut current) = segments.next().and_then(|first| object.get(first)) else {
        return false;
    };
    for segment in segments {
        let next = match segment.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
            Some(index) => {
                let index = if index.bytes().all(|b| b.is_ascii_digit()) {
                    index.parse::<usize>().ok()
                } else {
                    None
                };
                index.and_then(|index| current.as_array()?.get(index))
            }
            None => current.as_object().and_then(|members| members.get(segment)),
        };
        match next {
            Some(value) => current = value,
            None => return false,
        }
    }
    true
}

/// Checks a marking-definition object (§7.2.1): no self-reference in `object_marking_refs`, TLP markings exactly
/// as predefined, and `definition_type` with `definition` (or an extension) present.
pub(crate) fn check_marking_definition(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    let own_id = view.str("id");
    if let Some(Value::Array(marking_refs)) = view.get("object_marking_refs") {
        let refs_path = view.path.key("object_marking_refs");
        for (ref_idx, marking_ref) in marking_refs.iter().enumerate() {
            if own_id.is_some() && marking_ref.as_str() == own_id {
                let message = "a marking-definition must not reference itself in object_marking_refs";
                report(out, "marking-circular-ref", &refs_path.index(ref_idx), message);
            }
        }
    }
    if let Some(Err(reason)) = check_tlp_definition(view.value) {
        report(out, "tlp-marking", view.path, reason);
    }
    match (view.get("definition_type"), view.get("definition")) {
        (Some(_), None) => {
            report(
                out,
                "required-property",
                &view.path.key("definition"),
                "definition_type needs a definition",
            );
        }
        (None, Some(_)) => {
            let message = "definition needs a definition_type";
            report(
                out,
                "required-property",
                &view.path.key("definition_type"),
                message,
            );
        }
        (None, None) if !view.has("extensions") => {
            let message = "a marking-definition needs definition_type and definition, or an extension";
            report(
                out,
                "required-property",
                &view.path.key("definition_type"),
                message,
            );
        }
        (Some(definition_type), Some(definition)) => {
            let expected_key = match definition_type.as_str() {
                Some("statement") => "statement",
                Some("tlp") => "tlp",
                _ => return,
            };
            if !definition.get(expected_key).is_some_and(Value::is_string) {
                let message = format!("a {expected_key} definition must have a string {expected_key}");
                report(
                    out,
                    "required-property",
                    &view.path.key("definition").key(expected_key),
                    message,
                );
            }
        }
        (None, None) => {}
    }
}
