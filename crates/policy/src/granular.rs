//! Granular markings: the copy of an object served to a reader who is not cleared for some of them.
//!
//! Fields selected by a granular marking the reader is not cleared for are removed. The served copy says so
//! through the stixhub redaction property-extension ([`REDACTION_EXTENSION_ID`], documented with its
//! extension-definition in `crates/policy/README.md`):
//! `extensions: {"extension-definition--ec5e2c94-…": {"extension_type": "property-extension",
//! "removed_selectors": ["description", "external_references.[1]"]}}`.
//!
//! Invariants:
//! - A reader cleared for every granular marking gets `None`: serve the original bytes, untouched.
//! - The remaining `granular_markings` stay valid: entries of uncleared markings are dropped (they select
//!   content that is gone), selectors of cleared ones are re-indexed where list items before them were removed,
//!   and selectors into removed content are dropped. A list emptied by removal is removed itself (STIX lists are
//!   non-empty).
//! - The envelope (`type`, `id`, `spec_version`, `created`, `modified`, the marking properties) is never
//!   removed: if an uncleared marking selects it, or a selector cannot be read, the object is withheld whole.
//! - `lang` granular markings carry no clearance and are kept.

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// The stixhub redaction extension-definition id.
pub const REDACTION_EXTENSION_ID: &str = "extension-definition--ec5e2c94-70d8-4521-a943-f2e2e71d2cd8";

/// The identity that created [`REDACTION_EXTENSION_ID`] (the stixhub project).
pub const STIXHUB_PROJECT_IDENTITY: &str = "identity--7e6e1473-fdbd-4085-a492-078e057d4309";

const ENVELOPE: &[&str] = &[
    "type",
    "id",
    "spec_version",
    "created",
    "modified",
    "object_marking_refs",
    "granular_markings",
    "extensions",
];

/// What to serve instead of the original bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum RedactedCopy {
    /// This copy, with uncleared fields removed and the redaction extension added.
    Redacted(Value),
    /// Nothing: the object cannot be served without content the reader is not cleared for.
    Withheld,
}

/// The copy of `object` to serve to a reader for whom `cleared(marking_ref)` says which marking-definitions it
/// is cleared for; `None` when it is cleared for all of them (serve the original).
pub fn redact_for_reader(object: &Value, cleared: impl Fn(&str) -> bool) -> Option<RedactedCopy> {
    let items = object.get("granular_markings").and_then(Value::as_array)?;
    let uncleared = |item: &&Value| {
        item.get("marking_ref")
            .and_then(Value::as_str)
            .is_some_and(|m| !cleared(m))
    };
    if !items.iter().any(|item| uncleared(&item)) {
        return None;
    }
    let mut removed: Vec<Vec<Segment>> = Vec::new();
    for item in items.iter().filter(uncleared) {
        for selector in item
            .get("selectors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(path) = selector.as_str().and_then(parse_selector) else {
                return Some(RedactedCopy::Withheld);
            };
            if let Some(Segment::Key(first)) = path.first()
                && ENVELOPE.contains(&first.as_str())
            {
                return Some(RedactedCopy::Withheld);
            }
            removed.push(path);
        }
    }
    let mut copy = object.clone();
    removed.sort_by(|a, b| compare_paths(b, a));
    removed.dedup();
    let mut emptied = Vec::new();
    for path in &removed {
        remove_path(&mut copy, path, &mut emptied);
    }
    removed.extend(emptied);
    removed.sort_by(|a, b| compare_paths(a, b));
    removed.dedup();
    let removed_text: Vec<String> = removed.iter().map(|path| print_selector(path)).collect();
    let kept: Vec<Value> = items
        .iter()
        .filter(|item| !uncleared(item))
        .filter_map(|item| reindex_marking(item, &removed))
        .collect();
    let Some(members) = copy.as_object_mut() else {
        return Some(RedactedCopy::Withheld);
    };
    if kept.is_empty() {
        members.remove("granular_markings");
    } else {
        members.insert("granular_markings".to_owned(), Value::Array(kept));
    }
    let extensions = members
        .entry("extensions")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(extensions) = extensions.as_object_mut() {
        let mut extension = Map::new();
        extension.insert("extension_type".to_owned(), Value::from("property-extension"));
        extension.insert("removed_selectors".to_owned(), Value::from(removed_text));
        extensions.insert(REDACTION_EXTENSION_ID.to_owned(), Value::Object(extension));
    }
    Some(RedactedCopy::Redacted(copy))
}

/// The extension-definition object for [`REDACTION_EXTENSION_ID`], as the hub publishes it.
pub fn redaction_extension_definition() -> Value {
    serde_json::json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": REDACTION_EXTENSION_ID,
        "created_by_ref": STIXHUB_PROJECT_IDENTITY,
        "created": "2026-11-25T00:00:00.000Z",
        "modified": "2026-11-25T00:00:00.000Z",
        "name": "stixhub redaction",
        "description": "Marks a served copy from which a stixhub hub removed the content selected by granular \
    markings the reader is not cleared for. removed_selectors lists the removed content as granular-marking \
    selectors of the original object.",
        "schema": "https://github.com/stixhub/stixhub/blob/main/crates/policy/README.md#redaction-extension",
        "version": "1.0.0",
        "extension_types": ["property-extension"]
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

fn parse_selector(selector: &str) -> Option<Vec<Segment>> {
    selector
        .split('.')
        .map(
            |part| match part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
                Some(digits) => digits.parse().ok().map(Segment::Index),
                None if part.is_empty() => None,
                None => Some(Segment::Key(part.to_owned())),
            },
        )
        .collect()
}

fn print_selector(path: &[Segment]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|segment| match segment {
            Segment::Key(key) => key.clone(),
            Segment::Index(idx) => format!("[{idx}]"),
        })
        .collect();
    parts.join(".")
}

fn compare_paths(a: &[Segment], b: &[Segment]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let ordering = match (x, y) {
            (Segment::Key(x), Segment::Key(y)) => x.cmp(y),
            (Segment::Index(x), Segment::Index(y)) => x.cmp(y),
            (Segment::Key(_), Segment::Index(_)) => Ordering::Less,
            (Segment::Index(_), Segment::Key(_)) => Ordering::Greater,
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    a.len().cmp(&b.len())
}

/// Removes the content at `path`; when that empties a list, removes the list too and records its path.
fn remove_path(root: &mut Value, path: &[Segment], emptied: &mut Vec<Vec<Segment>>) {
    let Some((last, parent_path)) = path.split_last() else {
        return;
    };
    let Some(parent) = walk_mut(root, parent_path) else {
        return;
    };
    match (parent, last) {
        (Value::Object(members), Segment::Key(key)) => {
            members.remove(key);
        }
        (Value::Array(items), Segment::Index(idx)) if *idx < items.len() => {
            items.remove(*idx);
            if items.is_empty() {
                emptied.push(parent_path.to_vec());
                remove_path(root, parent_path, emptied);
            }
        }
        _ => {}
    }
}

fn walk_mut<'a>(mut value: &'a mut Value, path: &[Segment]) -> Option<&'a mut Value> {
    for segment in path {
        value = match segment {
            Segment::Key(key) => value.as_object_mut()?.get_mut(key)?,
            Segment::Index(idx) => value.as_array_mut()?.get_mut(*idx)?,
        };
    }
    Some(value)
}

/// The marking with its selectors moved to the redacted copy's coordinates; `None` when none is left.
fn reindex_marking(item: &Value, removed: &[Vec<Segment>]) -> Option<Value> {
    let selectors = item.get("selectors").and_then(Value::as_array)?;
    let moved: Vec<Value> = selectors
        .iter()
        .filter_map(|selector| {
            let path = parse_selector(selector.as_str()?)?;
            reindex_path(&path, removed).map(|p| Value::from(print_selector(&p)))
        })
        .collect();
    if moved.is_empty() {
        return None;
    }
    let mut item = item.clone();
    if let Some(members) = item.as_object_mut() {
        members.insert("selectors".to_owned(), Value::Array(moved));
    }
    Some(item)
}

fn reindex_path(path: &[Segment], removed: &[Vec<Segment>]) -> Option<Vec<Segment>> {
    if removed
        .iter()
        .any(|r| r.len() <= path.len() && path[..r.len()] == r[..])
    {
        return None;
    }
    let mut moved = path.to_vec();
    for (depth, segment) in path.iter().enumerate() {
        let Segment::Index(idx) = segment else { continue };
        let n_before = removed
            .iter()
            .filter(|r| r.len() == depth + 1 && r[..depth] == path[..depth])
            .filter(|r| matches!(r[depth], Segment::Index(j) if j < *idx))
            .count();
        moved[depth] = Segment::Index(idx - n_before);
    }
    Some(moved)
}
