//! Object path resolution, as `stix2-matcher` does it.
//!
//! A key step reads a dictionary key (values of keys ending in `_hex`/`_bin` become bytes; keys ending in
//! `_ref` are replaced by the object they name, `_refs` by the list of objects they name, ids that do not
//! resolve dropped), an index step reads a list element (`0 ≤ n < len`), `[*]` fans out over a list.
//! Anything that does not fit drops the value: a `_hex`/`_bin` value that does not decode, a `_ref` that is
//! not a string, a key step on a list.

use serde_json::Value;

use super::values::PathValue;
use crate::ast::PathStep;

/// Every value `steps` reaches from `root`.
pub(crate) fn resolve_path<'v>(
    root: &'v Value,
    steps: &[PathStep],
    resolve: &dyn Fn(&str) -> Option<&'v Value>,
) -> Vec<PathValue<'v>> {
    let mut values = vec![PathValue::Json(root)];
    for step in steps {
        let mut next = Vec::with_capacity(values.len());
        for value in values {
            match step {
                PathStep::Key(key) => {
                    let PathValue::Json(Value::Object(map)) = value else {
                        continue;
                    };
                    if let Some(child) = map.get(key) {
                        next.extend(key_step_value(key, child, resolve));
                    }
                }
                PathStep::Index(index) => {
                    let Ok(index) = usize::try_from(*index) else {
                        continue;
                    };
                    match value {
                        PathValue::Json(Value::Array(items)) => {
                            next.extend(items.get(index).map(PathValue::Json))
                        }
                        PathValue::Objects(objects) => {
                            next.extend(objects.get(index).map(|o| PathValue::Json(o)))
                        }
                        _ => {}
                    }
                }
                PathStep::AnyIndex => match value {
                    PathValue::Json(Value::Array(items)) => next.extend(items.iter().map(PathValue::Json)),
                    PathValue::Objects(objects) => next.extend(objects.into_iter().map(PathValue::Json)),
                    _ => {}
                },
            }
        }
        values = next;
        if values.is_empty() {
            break;
        }
    }
    values
}

/// The value of `key` once suffix conventions apply (`_hex`, `_bin`, `_ref`, `_refs`).
fn key_step_value<'v>(
    key: &str,
    child: &'v Value,
    resolve: &dyn Fn(&str) -> Option<&'v Value>,
) -> Option<PathValue<'v>> {
    if key.ends_with("_hex") {
        return decode_hex(child.as_str()?).map(PathValue::Bytes);
    }
    if key.ends_with("_bin") {
        let text: String = child
            .as_str()?
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
            .collect();
        return crate::parser::decode_base64_lenient(&text).map(PathValue::Bytes);
    }
    if key.ends_with("_ref") {
        return resolve(child.as_str()?).map(PathValue::Json);
    }
    if key.ends_with("_refs") {
        let objects: Vec<&Value> = child
            .as_array()?
            .iter()
            .filter_map(|id| resolve(id.as_str()?))
            .collect();
        return (!objects.is_empty()).then_some(PathValue::Objects(objects));
    }
    Some(PathValue::Json(child))
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16);
    bytes
        .chunks(2)
        .map(|pair| u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok())
        .collect()
}
