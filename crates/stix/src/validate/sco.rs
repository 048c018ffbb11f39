//! Type-specific rules of SCOs (§6) beyond presence and value kinds: address formats, ports, properties that
//! depend on or exclude each other, and "at least one property" rules.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::validate::StixObjectView;
use crate::validate::formats::{check_hashes, check_hex, is_charset_name, is_media_type};
use crate::validate::path::{Path, report};
use crate::validate::property::{check_ref, check_ref_list, identifier_type};
use crate::validate::sdo::check_integer_range;
use crate::vocab::{self, RefTarget};

/// Checks the type-specific rules of an SCO.
pub(crate) fn check_observable_rules(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    match view.type_name {
        "ipv4-addr" => check_ip_value(view, 32, |text| text.parse::<Ipv4Addr>().is_ok(), out),
        "ipv6-addr" => check_ip_value(view, 128, |text| text.parse::<Ipv6Addr>().is_ok(), out),
        "mac-addr" => check_mac_address(view, out),
        "artifact" => check_artifact(view, out),
        "email-message" => check_email_message(view, out),
        "file" => {
            check_integer_range(view, "size", 0, u64::MAX, out);
            require_one_of(view, &["hashes", "name"], out);
            check_encoding_has_its_property(view, "name_enc", "name", out);
        }
        "directory" => check_encoding_has_its_property(view, "path_enc", "path", out),
        "network-traffic" => check_network_traffic(view, out),
        "process" | "x509-certificate" => check_has_own_property(view, out),
        "windows-registry-key" => check_registry_value_types(view, out),
        "software" => check_cpe(view, out),
        _ => {}
    }
    check_uuid_version(view, out);
    if let Some(Value::Object(extensions)) = view.get("extensions") {
        let extensions_path = view.path.key("extensions");
        // A predefined extension on another SCO type was reported as `extension-name`; its contents are not
        // that extension's.
        let on_its_type = |name: &str| vocab::PREDEFINED_SCO_EXTENSIONS.contains(&(name, view.type_name));
        for (name, extension) in extensions.iter().filter(|(name, _)| on_its_type(name)) {
            check_predefined_extension(name, extension, &extensions_path.key(name), out);
        }
    }
    if let Some(Value::Array(parts)) = view.get("body_multipart") {
        let parts_path = view.path.key("body_multipart");
        for (part_idx, part) in parts.iter().enumerate() {
            let part_path = parts_path.index(part_idx);
            match (part.get("body"), part.get("body_raw_ref")) {
                (Some(_), Some(_)) => {
                    let message = "a MIME part has one of body or body_raw_ref, not both";
                    report(out, "property-conflict", &part_path.key("body_raw_ref"), message);
                }
                (None, None) => {
                    let message = "a MIME part needs one of body or body_raw_ref";
                    report(out, "required-property", &part_path.key("body"), message);
                }
                _ => {}
            }
            if let Some(raw_ref) = part.get("body_raw_ref") {
                let target = RefTarget::Types(&["artifact", "file"]);
                check_ref(raw_ref, target, &part_path.key("body_raw_ref"), out);
            }
        }
    }
}

/// The references, hashes and hex values inside the predefined SCO extensions (§6.3, §6.12, §6.13).
fn check_predefined_extension(name: &str, extension: &Value, path: &Path<'_>, out: &mut Vec<Diagnostic>) {
    let Some(extension) = extension.as_object() else {
        return;
    };
    let each_item =
        |key: &str, out: &mut Vec<Diagnostic>, check: &dyn Fn(&Value, &Path<'_>, &mut Vec<Diagnostic>)| {
            if let Some(Value::Array(items)) = extension.get(key) {
                let items_path = path.key(key);
                for (item_idx, item) in items.iter().enumerate() {
                    check(item, &items_path.index(item_idx), out);
                }
            }
        };
    let member = |key: &'static str| extension.get(key).map(|value| (value, path.key(key)));
    for (_, required) in vocab::EXTENSION_REQUIRED_PROPERTIES
        .iter()
        .filter(|(extension, _)| *extension == name)
    {
        for key in required.iter().filter(|key| !extension.contains_key(**key)) {
            report(
                out,
                "required-property",
                &path.key(key),
                format!("{name} requires {key}"),
            );
        }
    }
    for (key, value) in extension.iter().filter(|(key, _)| key.ends_with("_hex")) {
        check_hex(value, &path.key(key), out);
    }
    for (_, key, allowed) in vocab::EXTENSION_ENUMS
        .iter()
        .filter(|(extension, _, _)| *extension == name)
    {
        if let Some(value) = extension.get(*key).and_then(Value::as_str)
            && !allowed.contains(&value)
        {
            report(
                out,
                "enum-value",
                &path.key(key),
                format!("{value:?} is not an allowed {key} of {name}"),
            );
        }
    }
    match name {
        "archive-ext" => {
            if let Some((refs, refs_path)) = member("contains_refs") {
                check_ref_list(refs, RefTarget::Types(&["file", "directory"]), &refs_path, out);
            }
        }
        "ntfs-ext" => each_item("alternate_data_streams", out, &|stream, stream_path, out| {
            if stream.get("name").is_none() {
                report(
                    out,
                    "required-property",
                    &stream_path.key("name"),
                    "an alternate data stream needs a name",
                );
            }
            if let Some(hashes) = stream.get("hashes") {
                check_hashes(hashes, &stream_path.key("hashes"), out);
            }
        }),
        "windows-pebinary-ext" => {
            if let Some((hashes, hashes_path)) = member("file_header_hashes") {
                check_hashes(hashes, &hashes_path, out);
            }
            if let Some(hashes) = extension
                .get("optional_header")
                .and_then(|header| header.get("hashes"))
            {
                check_hashes(hashes, &path.key("optional_header").key("hashes"), out);
            }
            each_item("sections", out, &|section, section_path, out| {
                if section.get("name").is_none() {
                    report(
                        out,
                        "required-property",
                        &section_path.key("name"),
                        "a PE section needs a name",
                    );
                }
                if let Some(hashes) = section.get("hashes") {
                    check_hashes(hashes, &section_path.key("hashes"), out);
                }
            });
        }
        "http-request-ext" => {
            if let Some((body_ref, ref_path)) = member("message_body_data_ref") {
                check_ref(body_ref, RefTarget::Types(&["artifact"]), &ref_path, out);
            }
        }
        "windows-service-ext" => {
            if let Some((refs, refs_path)) = member("service_dll_refs") {
                check_ref_list(refs, RefTarget::Types(&["file"]), &refs_path, out);
            }
        }
        _ => {}
    }
}

/// software (§6.14): `cpe` is a CPE 2.3 formatted string (NISTIR 7695 §6.2).
fn check_cpe(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    let Some(cpe) = view.str("cpe") else { return };
    if !is_cpe23_formatted_string(cpe) {
        let message =
            format!("{cpe:?} is not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:…, 13 fields)");
        report(out, "cpe-format", &view.path.key("cpe"), message);
    }
}

fn is_cpe23_formatted_string(cpe: &str) -> bool {
    let Some(rest) = cpe.strip_prefix("cpe:2.3:") else {
        return false;
    };
    // Split on unescaped colons without collecting: the part (a, o, h) then ten attributes.
    let (mut n_components, mut start, mut escaped, mut all_ok) = (0, 0, false, true);
    let mut check_component = |component: &str, n_components: usize| {
        all_ok &= if n_components == 0 {
            matches!(component, "a" | "o" | "h" | "*" | "-")
        } else {
            is_cpe23_component(component)
        };
    };
    for (byte_idx, b) in rest.bytes().enumerate() {
        match (escaped, b) {
            (true, _) => escaped = false,
            (false, b'\\') => escaped = true,
            (false, b':') => {
                check_component(&rest[start..byte_idx], n_components);
                n_components += 1;
                start = byte_idx + 1;
            }
            _ => {}
        }
    }
    check_component(&rest[start..], n_components);
    all_ok && n_components + 1 == 11
}

/// One attribute of a CPE 2.3 formatted string: `*`, `-`, or characters (with `\`-escaped punctuation),
/// optionally led or trailed by `?`s or one `*`.
fn is_cpe23_component(component: &str) -> bool {
    if component == "*" || component == "-" {
        return true;
    }
    let strip_wildcards = |text: &str, leading: bool| -> usize {
        let bytes = text.as_bytes();
        let at = |i: usize| {
            if leading {
                bytes.get(i)
            } else {
                bytes.len().checked_sub(i + 1).and_then(|j| bytes.get(j))
            }
        };
        match at(0) {
            Some(b'*') => 1,
            Some(b'?') => (0..bytes.len()).take_while(|i| at(*i) == Some(&b'?')).count(),
            _ => 0,
        }
    };
    let n_leading = strip_wildcards(component, true);
    let body = &component[n_leading..];
    let n_trailing = strip_wildcards(body, false);
    let body = &body.as_bytes()[..body.len() - n_trailing];
    let mut byte_idx = 0;
    while let Some(&b) = body.get(byte_idx) {
        let ok = match b {
            b'\\' => {
                byte_idx += 1;
                body.get(byte_idx)
                    .is_some_and(|escaped| escaped.is_ascii_punctuation())
            }
            _ => b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'),
        };
        if !ok {
            return false;
        }
        byte_idx += 1;
    }
    !body.is_empty()
}

/// windows-registry-key (§6.16): each value's `data_type` is from windows-registry-datatype-enum.
fn check_registry_value_types(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    let Some(Value::Array(values)) = view.get("values") else {
        return;
    };
    let values_path = view.path.key("values");
    for (value_idx, registry_value) in values.iter().enumerate() {
        if let Some(data_type) = registry_value.get("data_type").and_then(Value::as_str)
            && !vocab::WINDOWS_REGISTRY_DATATYPE_ENUM.contains(&data_type)
        {
            let message = format!("{data_type:?} is not in windows-registry-datatype-enum");
            report(
                out,
                "enum-value",
                &values_path.index(value_idx).key("data_type"),
                message,
            );
        }
    }
}

/// SCOs without any of their ID contributing properties, and every process, must have a UUIDv4 id (§2.9, §6).
fn check_uuid_version(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    let Some(contributing) = vocab::optional_id_contributing_properties(view.type_name) else {
        return;
    };
    if contributing.iter().any(|key| view.has(key)) {
        return;
    }
    let Some(id) = view.str("id").filter(|id| identifier_type(id).is_some()) else {
        return;
    };
    let uuid_version = id.as_bytes()[id.len() - 36 + 14];
    if uuid_version != b'4' {
        let message = if contributing.is_empty() {
            format!("a {} id must be a UUIDv4", view.type_name)
        } else {
            format!(
                "a {} without any of {} must have a UUIDv4 id",
                view.type_name,
                contributing.join(", ")
            )
        };
        report(out, "id-uuid-version", &view.path.key("id"), message);
    }
}

/// ipv4-addr and ipv6-addr (§6.5, §6.6): value is an address or a CIDR block.
fn check_ip_value(
    view: &StixObjectView<'_>,
    max_prefix: u8,
    parses: fn(&str) -> bool,
    out: &mut Vec<Diagnostic>,
) {
    let Some(value) = view.str("value") else { return };
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (value, None),
    };
    let prefix_ok = prefix.is_none_or(|prefix| {
        !prefix.is_empty()
            && prefix.len() <= 3
            && prefix.bytes().all(|b| b.is_ascii_digit())
            && prefix.parse::<u8>().is_ok_and(|bits| bits <= max_prefix)
    });
    if !(parses(address) && prefix_ok) {
        let message = format!(
            "{value:?} is not a valid {} address or CIDR block",
            view.type_name
        );
        report(out, "ip-address", &view.path.key("value"), message);
    }
}

/// mac-addr (§6.7): a colon-delimited, lowercase MAC-48 address with leading zeros (`00:0a:…`).
fn check_mac_address(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    let Some(value) = view.str("value") else { return };
    let bytes = value.as_bytes();
    let well_formed = bytes.len() == 17
        && bytes.iter().enumerate().all(|(i, b)| {
            if i % 3 == 2 {
                *b == b':'
            } else {
                b.is_ascii_digit() || (b'a'..=b'f').contains(b)
            }
        });
    if !well_formed {
        let message = format!("{value:?} is not a lowercase, colon-delimited MAC-48 address");
        report(out, "mac-address", &view.path.key("value"), message);
    }
}

/// artifact (§6.1): payload_bin and url are mutually exclusive, url needs hashes, encryption_algorithm is from
/// encryption-algorithm-enum.
fn check_artifact(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    if view.has("payload_bin") && view.has("url") {
        let message = "payload_bin and url must not both be present";
        report(out, "property-conflict", &view.path.key("url"), message);
    }
    if let Some(mime_type) = view.str("mime_type")
        && !is_media_type(mime_type)
    {
        let message = format!("{mime_type:?} is not an IANA media type (type/subtype)");
        report(out, "media-type", &view.path.key("mime_type"), message);
    }
    if view.has("decryption_key") && !view.has("encryption_algorithm") {
        let message = "decryption_key must not be present without encryption_algorithm";
        report(
            out,
            "required-property",
            &view.path.key("encryption_algorithm"),
            message,
        );
    }
    if view.has("url") && !view.has("hashes") {
        report(
            out,
            "required-property",
            &view.path.key("hashes"),
            "an artifact with a url must have hashes",
        );
    }
    if let Some(algorithm) = view.str("encryption_algorithm")
        && !vocab::ENCRYPTION_ALGORITHM_ENUM.contains(&algorithm)
    {
        let message = format!("{algorithm:?} is not in encryption-algorithm-enum");
        report(out, "enum-value", &view.path.key("encryption_algorithm"), message);
    }
}

/// email-message (§6.9): a multipart message has body_multipart and no body; a single-part one the reverse.
fn check_email_message(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    let forbidden = match view.get("is_multipart") {
        Some(Value::Bool(true)) => "body",
        Some(Value::Bool(false)) => "body_multipart",
        _ => return,
    };
    if view.has(forbidden) {
        let message = format!(
            "{forbidden} must not be present when is_multipart is {}",
            forbidden == "body"
        );
        report(out, "property-conflict", &view.path.key(forbidden), message);
    }
}

/// network-traffic (§6.12): ports in 0–65535, at least one of src_ref or dst_ref, and no end while active.
fn check_network_traffic(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    check_integer_range(view, "src_port", 0, 65_535, out);
    check_integer_range(view, "dst_port", 0, 65_535, out);
    require_one_of(view, &["src_ref", "dst_ref"], out);
    if view.get("is_active") == Some(&Value::Bool(true)) && view.has("end") {
        report(
            out,
            "property-conflict",
            &view.path.key("end"),
            "end must not be present when is_active is true",
        );
    }
}

/// process (§6.13) and x509-certificate (§6.18) must have at least one property of their own (or, for process,
/// an extension).
fn check_has_own_property(view: &StixObjectView<'_>, out: &mut Vec<Diagnostic>) {
    let Some(spec) = view.spec else { return };
    let has_own = spec.properties.iter().any(|(key, _)| view.has(key))
        || (view.type_name == "process" && view.has("extensions"));
    if !has_own {
        let message = format!(
            "a {} object must have at least one property of its own",
            view.type_name
        );
        report(out, "required-property", view.path, message);
    }
}

/// §3.1: an `_enc` property must not be present without the property whose encoding it names, and it names an
/// IANA character set (§6.4, §6.7).
fn check_encoding_has_its_property(
    view: &StixObjectView<'_>,
    encoding: &str,
    encoded: &str,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(charset) = view.str(encoding)
        && !is_charset_name(charset)
    {
        let message = format!("{charset:?} is not an IANA character set name");
        report(out, "charset-name", &view.path.key(encoding), message);
    }
    if view.has(encoding) && !view.has(encoded) {
        let message = format!("{encoding} must not be present without {encoded}");
        report(out, "required-property", &view.path.key(encoded), message);
    }
}

fn require_one_of(view: &StixObjectView<'_>, keys: &[&str], out: &mut Vec<Diagnostic>) {
    if !keys.iter().any(|key| view.has(key)) {
        let message = format!(
            "a {} object needs at least one of {}",
            view.type_name,
            keys.join(", ")
        );
        report(out, "required-property", &view.path.key(keys[0]), message);
    }
}
