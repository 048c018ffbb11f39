//! What a republished copy keeps, rewrites and drops (the table is in `crates/policy/README.md`).
//!
//! - **Dropped:** every top-level property STIX 2.1 does not define for the type (`x_*` and any other custom
//!   property: their meaning is private to the submitter and they name it as often as not), and every
//!   `external_references` entry that does not cite a public catalogue ([`PUBLIC_SOURCES`]); the kept entries
//!   keep only `source_name`, `external_id` and `url`.
//! - **Rewritten:** every id the submitting organisation submitted (anywhere in the hub), wherever it appears —
//!   a `*_ref(s)` value, an `extensions` key, a marking reference, an id quoted in text — becomes its
//!   republished id; the submitter's identity id becomes the hub's; every name of the submitter
//!   (`Submitter::names`) in any string or key becomes `[REDACTED:submitter]`.
//! - **Kept:** everything else, including property-extensions (their schema is named by their, possibly
//!   rewritten, definition id), so a reader can still interpret the object.
//!
//! Invariant: the rewrite is total on JSON objects: it never fails, so a stored object can never break a read.

use serde_json::{Map, Value};
use stix::id::StixId;
use stix::vocab::defines_property;

use super::{HubIdentity, IdMapping, Submitter, is_republished_id, republished_id};
use crate::error::PolicyError;

/// External-reference sources that are public catalogues: citing them names a weakness, a technique or a
/// vulnerability, not the submitter.
pub const PUBLIC_SOURCES: [&str; 9] = [
    "capec",
    "cve",
    "cwe",
    "mitre-attack",
    "mitre-ics-attack",
    "mitre-mobile-attack",
    "mitre-pre-attack",
    "nvd",
    "cpe",
];

/// What replaces a name of the submitter in a republished copy.
pub const SUBMITTER_PLACEHOLDER: &str = "[REDACTED:submitter]";

/// Names shorter than this are not scrubbed: removing every "ops" or "ab" from text would destroy it, and so
/// short a name identifies nobody.
pub const MIN_SCRUBBED_NAME: usize = 4;

const UUID_LEN: usize = 36;

pub(super) struct Rewrite<'a, F> {
    pub(super) hub: &'a HubIdentity,
    pub(super) submitter: &'a Submitter<'a>,
    pub(super) is_republished: &'a F,
}

impl<F: Fn(&str) -> bool> Rewrite<'_, F> {
    /// Rewrites a top-level object in place (its own id and creator are set by the caller).
    pub(super) fn object(
        &self,
        value: &mut Value,
        object_type: &str,
        mapping: &mut Vec<IdMapping>,
    ) -> Result<(), PolicyError> {
        let members = value
            .as_object_mut()
            .ok_or(PolicyError::MalformedObject("not a JSON object"))?;
        members.retain(|key, _| defines_property(object_type, key));
        if let Some(references) = members.get_mut("external_references") {
            keep_public_references(references);
            if references.as_array().is_none_or(Vec::is_empty) {
                members.remove("external_references");
            }
        }
        for (_, member) in members.iter_mut() {
            self.value(member, mapping);
        }
        let renamed: Map<String, Value> = std::mem::take(members)
            .into_iter()
            .map(|(key, member)| (self.text(&key, mapping), member))
            .collect();
        *members = renamed;
        Ok(())
    }

    fn value(&self, value: &mut Value, mapping: &mut Vec<IdMapping>) {
        match value {
            Value::String(text) => *text = self.text(text, mapping),
            Value::Array(items) => items.iter_mut().for_each(|item| self.value(item, mapping)),
            Value::Object(members) => {
                let renamed: Map<String, Value> = std::mem::take(members)
                    .into_iter()
                    .map(|(key, mut member)| {
                        self.value(&mut member, mapping);
                        (self.text(&key, mapping), member)
                    })
                    .collect();
                *members = renamed;
            }
            _ => {}
        }
    }

    /// One string: ids rewritten, then names scrubbed.
    fn text(&self, text: &str, mapping: &mut Vec<IdMapping>) -> String {
        let rewritten = rewrite_ids(text, |candidate| {
            if Some(candidate) == self.submitter.identity_id {
                return Some(self.hub.identity_id.clone());
            }
            if !(self.is_republished)(candidate) {
                return None;
            }
            let original = StixId::parse(candidate).ok()?;
            if !is_republished_id(&original) {
                return None;
            }
            let republished = republished_id(self.hub, self.submitter.org, &original);
            let new = republished.as_str().to_owned();
            mapping.push(IdMapping {
                original,
                republished,
            });
            Some(new)
        });
        scrub_names(&rewritten, self.submitter.names)
    }
}

/// Keeps the entries citing a public catalogue, with only their `source_name`, `external_id` and `url`.
fn keep_public_references(references: &mut Value) {
    let Some(items) = references.as_array_mut() else {
        return;
    };
    items.retain_mut(|item| {
        let Some(entry) = item.as_object_mut() else {
            return false;
        };
        let public = entry
            .get("source_name")
            .and_then(Value::as_str)
            .is_some_and(|source| PUBLIC_SOURCES.contains(&source.to_ascii_lowercase().as_str()));
        entry.retain(|key, _| matches!(key.as_str(), "source_name" | "external_id" | "url"));
        public && (entry.contains_key("external_id") || entry.contains_key("url"))
    });
}

/// Every STIX-id-shaped substring of `text` (`<type>--<uuid>`), with every candidate type: each suffix of the
/// run of `[a-z0-9-]` before the `--` that starts with a letter (`see-indicator--…` yields `indicator--…` too).
pub fn ids_in_text(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for_each_id(text, |start, end| {
        found.push(&text[start..end]);
        false
    });
    found
}

/// Every id-shaped substring in the strings and keys of `value` (what [`ids_in_text`] finds).
pub fn ids_in_value<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(text) => out.extend(ids_in_text(text)),
        Value::Array(items) => items.iter().for_each(|item| ids_in_value(item, out)),
        Value::Object(members) => {
            for (key, member) in members {
                out.extend(ids_in_text(key));
                ids_in_value(member, out);
            }
        }
        _ => {}
    }
}

/// Calls `visit(start, end)` for each candidate id in `text`, longest type first; `visit` returns true to
/// stop at that candidate (the rest of that `--` is skipped).
fn for_each_id(text: &str, mut visit: impl FnMut(usize, usize) -> bool) {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(found) = text[at..].find("--") {
        let dashes = at + found;
        at = dashes + 2;
        let end = dashes + 2 + UUID_LEN;
        if end > bytes.len() || !is_uuid(&bytes[dashes + 2..end]) {
            continue;
        }
        let mut start = dashes;
        while start > 0 && matches!(bytes[start - 1], b'a'..=b'z' | b'0'..=b'9' | b'-') {
            start -= 1;
        }
        // A type name starts with a letter; every suffix of the run that does is a candidate type (an id
        // glued to a word, `xindicator--…`, is still that id).
        let starts = (start..dashes).filter(|&at| bytes[at].is_ascii_lowercase());
        for candidate in starts {
            if visit(candidate, end) {
                break;
            }
        }
    }
}

fn is_uuid(bytes: &[u8]) -> bool {
    bytes.len() == UUID_LEN
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit() && !b.is_ascii_uppercase(),
        })
}

/// `text` with each id `replace` maps to something replaced (the longest matching candidate wins).
fn rewrite_ids(text: &str, mut replace: impl FnMut(&str) -> Option<String>) -> String {
    if !text.contains("--") {
        return text.to_owned();
    }
    let mut replacements = Vec::new();
    for_each_id(text, |start, end| match replace(&text[start..end]) {
        Some(new) => {
            replacements.push((start, end, new));
            true
        }
        None => false,
    });
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end, new) in replacements {
        if start < copied {
            continue;
        }
        out.push_str(&text[copied..start]);
        out.push_str(&new);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// `text` with every occurrence of each name (ASCII case ignored, names of at least [`MIN_SCRUBBED_NAME`]
/// bytes) replaced by [`SUBMITTER_PLACEHOLDER`], in one pass (longer names first at each position, so a name
/// containing another goes whole, and a placeholder is never scanned again).
pub fn scrub_names(text: &str, names: &[String]) -> String {
    let mut names: Vec<&[u8]> = names
        .iter()
        .map(|name| name.trim().as_bytes())
        .filter(|name| name.len() >= MIN_SCRUBBED_NAME)
        .collect();
    if names.is_empty() {
        return text.to_owned();
    }
    names.sort_by_key(|name| std::cmp::Reverse(name.len()));
    let haystack = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut at) = (0, 0);
    while at < haystack.len() {
        let found = names.iter().find(|name| {
            haystack.len() - at >= name.len()
                && haystack[at..at + name.len()].eq_ignore_ascii_case(name)
                && text.is_char_boundary(at)
                && text.is_char_boundary(at + name.len())
        });
        match found {
            Some(name) => {
                out.push_str(&text[copied..at]);
                out.push_str(SUBMITTER_PLACEHOLDER);
                at += name.len();
                copied = at;
            }
            None => at += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}
