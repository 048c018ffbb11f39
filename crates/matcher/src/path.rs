//! Reading the values an object path reaches in an SCO, the way the evaluator does (`stix_pattern::eval`):
//! key steps read dictionary keys, `_ref` keys are replaced by the object they name, `_refs` keys by the list
//! of objects they name, index steps and `[*]` read list elements.
//!
//! Invariant: every JSON value the evaluator would test is visited (so probing the index with them finds
//! every anchor a match needs). `_hex`/`_bin` values, which the evaluator turns into bytes, are skipped: no
//! anchor is ever placed on such a property.

use serde_json::Value;
use stix_pattern::ast::PathStep;

/// A resolver from a `_ref` id to the referenced SCO of the same observation.
pub(crate) type Resolve<'r, 'v> = &'r dyn Fn(&str) -> Option<&'v Value>;

/// Calls `visit` with every JSON value `steps` reaches from `root`.
pub(crate) fn for_each_value<'v>(
    root: &'v Value,
    steps: &[PathStep],
    resolve: Resolve<'_, 'v>,
    visit: &mut dyn FnMut(&'v Value),
) {
    walk(Reached::Json(root), steps, resolve, visit);
}

/// A value reached so far: one JSON value, or the objects of a `_refs` list.
enum Reached<'v> {
    Json(&'v Value),
    Objects(Vec<&'v Value>),
}

fn walk<'v>(
    reached: Reached<'v>,
    steps: &[PathStep],
    resolve: Resolve<'_, 'v>,
    visit: &mut dyn FnMut(&'v Value),
) {
    let Some((step, rest)) = steps.split_first() else {
        if let Reached::Json(value) = reached {
            visit(value);
        }
        return;
    };
    match step {
        PathStep::Key(key) => {
            let Reached::Json(Value::Object(map)) = reached else {
                return;
            };
            let Some(child) = map.get(key.as_str()) else {
                return;
            };
            if key.ends_with("_hex") || key.ends_with("_bin") {
                return;
            }
            if key.ends_with("_ref") {
                if let Some(object) = child.as_str().and_then(resolve) {
                    walk(Reached::Json(object), rest, resolve, visit);
                }
            } else if key.ends_with("_refs") {
                let Some(ids) = child.as_array() else { return };
                let objects: Vec<&Value> = ids
                    .iter()
                    .filter_map(|id| id.as_str().and_then(resolve))
                    .collect();
                if !objects.is_empty() {
                    walk(Reached::Objects(objects), rest, resolve, visit);
                }
            } else {
                walk(Reached::Json(child), rest, resolve, visit);
            }
        }
        PathStep::Index(index) => {
            let Ok(index) = usize::try_from(*index) else {
                return;
            };
            let element = match reached {
                Reached::Json(Value::Array(items)) => items.get(index),
                Reached::Objects(objects) => objects.get(index).copied(),
                Reached::Json(_) => None,
            };
            if let Some(element) = element {
                walk(Reached::Json(element), rest, resolve, visit);
            }
        }
        PathStep::AnyIndex => match reached {
            Reached::Json(Value::Array(items)) => {
                for item in items {
                    walk(Reached::Json(item), rest, resolve, visit);
                }
            }
            Reached::Objects(objects) => {
                for object in objects {
                    walk(Reached::Json(object), rest, resolve, visit);
                }
            }
            Reached::Json(_) => {}
        },
    }
}
