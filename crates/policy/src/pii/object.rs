//! PII redaction over STIX objects: which fields are free text, what is threat data, and the findings.
//!
//! Scanned (on SDOs, SROs and language-content): `name` (except on threat-actor, intrusion-set, malware, tool,
//! campaign, infrastructure, attack-pattern and vulnerability, whose name is the threat itself), `description`, `explanation` (opinion), `abstract`,
//! `content` and `authors` (note, opinion), `contact_information` (identity), `labels`,
//! `external_references[*].description`, and every string inside custom `x_*` properties and inside
//! `extensions` (except the TLP 2.0 extension and this hub's own extensions).
//!
//! Never scanned: custom properties that credit contributors (`x_mitre_contributors`), `pattern`, SCOs (their values are the observables), ids, `*_ref(s)`, hashes, timestamps,
//! `external_references` `source_name`/`url`/`external_id`, kill-chain phases, vocabularies.
//!
//! Threat context: the string literals of every `pattern` and the `value`s (and `display_name`, `account_login`,
//! `user_id`, `body`, `subject`) of every SCO in the submission. An e-mail address or phone number found in free
//! text that is one of these is threat data and is kept.

use serde_json::{Map, Value};
use stix::object::object_kind;
use stix::vocab::ObjectFamily;

use super::{REVIEW_BELOW, TextFinding, ThreatContext, find_in_text, redact_text};
use crate::pii::PiiKind;

/// One finding in an object: where, what, how sure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// JSON path of the string, `$.description`, `$.external_references[1].description`.
    pub json_path: String,
    /// The kind of personal data.
    pub kind: PiiKind,
    /// Confidence, 0–100.
    pub confidence: u8,
    /// Byte offsets of the match in the original string.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
}

/// The outcome of redacting one object.
#[derive(Debug, Clone, PartialEq)]
pub struct Redaction {
    /// The redacted copy, or `None` when nothing was found (store the original bytes).
    pub object: Option<Value>,
    /// Every finding, in document order.
    pub findings: Vec<Finding>,
}

impl Redaction {
    /// Whether a finding is unsure enough to send the submission to human review.
    pub fn needs_review(&self) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.confidence < REVIEW_BELOW)
    }
}

const FREE_TEXT: &[&str] = &[
    "name",
    "description",
    "explanation",
    "abstract",
    "content",
    "authors",
    "contact_information",
    "labels",
];
/// Types whose `name` names the threat itself ("Evgeniy Bogachev" as a threat-actor is threat data).
const THREAT_ENTITY_TYPES: &[&str] = &[
    "threat-actor",
    "intrusion-set",
    "malware",
    "tool",
    "campaign",
    "infrastructure",
    "attack-pattern",
    "vulnerability",
];
const SKIPPED_EXTENSIONS: &[&str] = &[
    stix::markings::TLP2_EXTENSION_ID,
    crate::granular::REDACTION_EXTENSION_ID,
];
const PATTERN_LITERAL_KEYS: &[&str] = &["pattern"];
const SCO_CONTEXT_KEYS: &[&str] = &[
    "value",
    "display_name",
    "account_login",
    "user_id",
    "body",
    "subject",
    "name",
];

/// The threat context of a submission: pattern literals and SCO values of all its objects.
pub fn threat_context<'a>(objects: impl IntoIterator<Item = &'a Value>) -> ThreatContext {
    let mut context = ThreatContext::new();
    for object in objects {
        add_object_context(object, &mut context);
    }
    context
}

fn add_object_context(object: &Value, context: &mut ThreatContext) {
    let object_type = object.get("type").and_then(Value::as_str).unwrap_or_default();
    for key in PATTERN_LITERAL_KEYS {
        if let Some(pattern) = object.get(*key).and_then(Value::as_str) {
            for literal in pattern.split('\'').skip(1).step_by(2) {
                context.add(literal);
            }
        }
    }
    if object_kind(object_type) == ObjectFamily::Observable {
        for key in SCO_CONTEXT_KEYS {
            if let Some(value) = object.get(*key).and_then(Value::as_str) {
                context.add(value);
            }
        }
    }
    if let Some(embedded) = object.get("objects").and_then(Value::as_object) {
        for sco in embedded.values() {
            add_object_context(sco, context);
        }
    }
}

/// Redacts the free-text fields of `object`, given the submission's threat context.
pub fn redact_object(object: &Value, context: &ThreatContext) -> Redaction {
    let object_type = object.get("type").and_then(Value::as_str).unwrap_or_default();
    let Some(members) = object.as_object() else {
        return Redaction {
            object: None,
            findings: Vec::new(),
        };
    };
    if object_kind(object_type) == ObjectFamily::Observable || object_type == "marking-definition" {
        return Redaction {
            object: None,
            findings: Vec::new(),
        };
    }
    let mut copy = members.clone();
    let mut findings = Vec::new();
    let name_is_threat_data = THREAT_ENTITY_TYPES.contains(&object_type);
    for (key, value) in copy.iter_mut() {
        let path = format!("$.{key}");
        if key == "name" && name_is_threat_data {
            continue;
        }
        // ATT&CK's `x_mitre_contributors` and the like credit people publicly, as citations do.
        if key.starts_with("x_") && key.contains("contributor") {
            continue;
        }
        if FREE_TEXT.contains(&key.as_str()) || key.starts_with("x_") {
            redact_strings(value, &path, context, &mut findings);
        } else if key == "external_references" {
            for (ref_idx, reference) in value.as_array_mut().into_iter().flatten().enumerate() {
                if let Some(description) = reference.get_mut("description") {
                    let ref_path = format!("{path}[{ref_idx}].description");
                    redact_strings(description, &ref_path, context, &mut findings);
                }
            }
        } else if key == "extensions" {
            redact_extensions(value, &path, context, &mut findings);
        }
    }
    let object = if findings.is_empty() {
        None
    } else {
        Some(Value::Object(copy))
    };
    Redaction { object, findings }
}

fn redact_extensions(value: &mut Value, path: &str, context: &ThreatContext, findings: &mut Vec<Finding>) {
    let Some(extensions) = value.as_object_mut() else {
        return;
    };
    for (extension_id, extension) in extensions.iter_mut() {
        if SKIPPED_EXTENSIONS.contains(&extension_id.as_str()) {
            continue;
        }
        let Some(properties) = extension.as_object_mut() else {
            continue;
        };
        for (key, property) in properties.iter_mut() {
            if key == "extension_type" || key.ends_with("_ref") || key.ends_with("_refs") {
                continue;
            }
            let property_path = format!("{path}['{extension_id}'].{key}");
            redact_strings(property, &property_path, context, findings);
        }
    }
}

/// Redacts every string in `value` (recursively), skipping `*_ref(s)` members and hashes.
fn redact_strings(value: &mut Value, path: &str, context: &ThreatContext, findings: &mut Vec<Finding>) {
    match value {
        Value::String(text) => {
            let found: Vec<TextFinding> = find_in_text(text, context);
            if !found.is_empty() {
                findings.extend(found.iter().map(|f| Finding {
                    json_path: path.to_owned(),
                    kind: f.kind,
                    confidence: f.confidence,
                    start: f.start,
                    end: f.end,
                }));
                *text = redact_text(text, &found);
            }
        }
        Value::Array(items) => {
            for (item_idx, item) in items.iter_mut().enumerate() {
                redact_strings(item, &format!("{path}[{item_idx}]"), context, findings);
            }
        }
        Value::Object(members) => redact_members(members, path, context, findings),
        _ => {}
    }
}

fn redact_members(
    members: &mut Map<String, Value>,
    path: &str,
    context: &ThreatContext,
    findings: &mut Vec<Finding>,
) {
    for (key, member) in members.iter_mut() {
        if key.ends_with("_ref") || key.ends_with("_refs") || key == "hashes" || key == "pattern" {
            continue;
        }
        redact_strings(member, &format!("{path}.{key}"), context, findings);
    }
}
