//! Rules of the meta objects (§7): marking-definition (delegated to `markings`), extension-definition and
//! language-content.

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::validate::formats::is_language_tag;
use crate::validate::path::report;
use crate::validate::property::is_valid_property_name;
use crate::validate::{StixObjectView, markings};
use crate::vocab;

/// Checks the type-specific rules of a meta object.
pub(crate) fn check_meta_rules(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    match view.type_name {
        "marking-definition" => markings::check_marking_definition(view, out),
        "extension-definition" => check_extension_definition(view, out),
        "language-content" => check_language_content(view, out),
        _ => {}
    }
}

/// extension-definition (§7.3): `extension_types` from extension-type-enum, and `extension_properties` only with
/// a top-level property extension.
fn check_extension_definition(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    let types_path = view.path.key("extension_types");
    let mut declares_toplevel = false;
    if let Some(Value::Array(extension_types)) = view.get("extension_types") {
        for (type_idx, extension_type) in extension_types.iter().enumerate() {
            let Some(extension_type) = extension_type.as_str() else {
                continue;
            };
            declares_toplevel |= extension_type == "toplevel-property-extension";
            if !vocab::EXTENSION_TYPE_ENUM.contains(&extension_type) {
                let message = format!("{extension_type:?} is not in extension-type-enum");
                report(out, "enum-value", &types_path.index(type_idx), message);
            }
        }
    }
    if view.has("extension_properties") && !declares_toplevel {
        let message = "extension_properties is only allowed with the toplevel-property-extension type";
        report(
            out,
            "property-conflict",
            &view.path.key("extension_properties"),
            message,
        );
    }
}

/// language-content (§7.1): `contents` maps language tags to dictionaries keyed by property names.
fn check_language_content(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    let Some(Value::Object(contents)) = view.get("contents") else {
        return;
    };
    let contents_path = view.path.key("contents");
    for (language, translation) in contents {
        let language_path = contents_path.key(language);
        if !is_language_tag(language) {
            report(
                out,
                "language-tag",
                &language_path,
                format!("{language:?} is not an RFC 5646 language tag"),
            );
        }
        let Some(translation) = translation.as_object() else {
            report(
                out,
                "property-type",
                &language_path,
                "must be a dictionary of translated properties",
            );
            continue;
        };
        for property in translation.keys() {
            if !is_valid_property_name(property) {
                let message =
                    format!("{property:?} is not a valid property name ([a-z0-9_], 3-250 characters)");
                report(out, "property-name", &language_path.key(property), message);
            }
        }
    }
}
