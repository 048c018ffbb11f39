//! The cleaned STIX bundle a responder publishes from a case: one `incident`, one `indicator` per observable,
//! a `related-to` relationship from each indicator to the incident, every object marked with the chosen TLP
//! (2.0) and, for an exercise case, the EXERCISE statement marking (its definition travels in the bundle).
//!
//! The reporting jurisdiction is named only when `name_jurisdiction` says its consent allows it for these
//! readers; otherwise its names (organisation, jurisdiction, reporting account) are removed from every string,
//! like the anonymity rule of the policy crate. The reporter's account never appears. PII was redacted when the
//! case was stored; the hub's ingest screens the bundle again.

use serde_json::{Value, json};
use stix::markings::{
    EXERCISE_MARKING_ID, PREDEFINED_TLP, TlpLevel, TlpVersion, exercise_marking_definition,
};

use crate::case::Case;
use crate::time::format_rfc3339;

/// What the bundle says instead of a withheld jurisdiction.
pub const WITHHELD: &str = "a reporting jurisdiction";

/// How to build the bundle.
#[derive(Debug, Clone)]
pub struct ShareOptions<'a> {
    /// The TLP level.
    pub tlp: TlpLevel,
    /// Whether the reporting jurisdiction may be named.
    pub name_jurisdiction: bool,
    /// Names to remove when it may not (organisation names, the reporting account, …).
    pub names: &'a [String],
    /// Now, µs.
    pub now_micros: i64,
}

/// The TLP 2.0 marking-definition id of `level`.
pub fn tlp2_marking(level: TlpLevel) -> Option<&'static str> {
    PREDEFINED_TLP
        .iter()
        .find(|def| def.version == TlpVersion::V2 && def.level == level)
        .map(|def| def.id)
}

/// The TLP level of its TLP 2.0 name (`clear`, `green`, `amber`, `amber+strict`, `red`).
pub fn parse_tlp(text: &str) -> Option<TlpLevel> {
    match text.to_ascii_lowercase().as_str() {
        "clear" | "white" => Some(TlpLevel::Clear),
        "green" => Some(TlpLevel::Green),
        "amber" => Some(TlpLevel::Amber),
        "amber+strict" => Some(TlpLevel::AmberStrict),
        "red" => Some(TlpLevel::Red),
        _ => None,
    }
}

/// `text` without any of `names` (case-insensitive, ASCII case; names of at least 3 characters).
pub fn scrub(text: &str, names: &[String]) -> String {
    let mut out = text.to_owned();
    for name in names.iter().filter(|n| n.chars().count() >= 3) {
        let needle = name.to_ascii_lowercase();
        let mut scrubbed = String::with_capacity(out.len());
        let mut rest = out.as_str();
        // ASCII lowercasing keeps byte offsets, so a match in the lowered text is a match at the same place.
        while let Some(at) = rest.to_ascii_lowercase().find(&needle) {
            scrubbed.push_str(&rest[..at]);
            scrubbed.push_str(WITHHELD);
            rest = &rest[at + needle.len()..];
        }
        scrubbed.push_str(rest);
        out = scrubbed;
    }
    out
}

/// The bundle's objects (the incident first).
pub fn bundle_objects(case: &Case, options: &ShareOptions<'_>) -> Vec<Value> {
    let now = format_rfc3339(options.now_micros);
    let mut markings: Vec<&str> = tlp2_marking(options.tlp).into_iter().collect();
    if case.exercise {
        markings.push(EXERCISE_MARKING_ID);
    }
    let clean = |text: &str| {
        if options.name_jurisdiction {
            text.to_owned()
        } else {
            scrub(text, options.names)
        }
    };
    let prefix = if case.exercise { "EXERCISE \u{2014} " } else { "" };
    let mut description = clean(&case.description);
    let systems: Vec<&str> = case.systems.iter().map(|s| s.label()).collect();
    if !systems.is_empty() {
        description.push_str(&format!("\n\nSystems: {}.", systems.join(", ")));
    }
    if options.name_jurisdiction {
        description.push_str(&format!("\n\nReported by {}.", case.jurisdiction));
    } else {
        description.push_str(&format!("\n\nReported by {WITHHELD}."));
    }
    let incident_id = format!("incident--{}", uuid::Uuid::new_v4());
    let mut incident = json!({
        "type": "incident",
        "spec_version": "2.1",
        "id": incident_id,
        "created": now,
        "modified": now,
        "name": format!("{prefix}{}", clean(&case.title)),
        "description": description,
        "labels": ["election-incident", case.category, format!("severity-{}", case.severity.as_str())],
    });
    let mut objects = Vec::new();
    for observable in &case.observables {
        let indicator_id = format!("indicator--{}", uuid::Uuid::new_v4());
        objects.push(json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": indicator_id,
            "created": now,
            "modified": now,
            "name": format!("{prefix}{} {}", observable.kind.as_str(), observable.value),
            "indicator_types": ["malicious-activity"],
            "pattern": observable.pattern(),
            "pattern_type": "stix",
            "valid_from": now,
        }));
        objects.push(json!({
            "type": "relationship",
            "spec_version": "2.1",
            "id": format!("relationship--{}", uuid::Uuid::new_v4()),
            "created": now,
            "modified": now,
            "relationship_type": "related-to",
            "source_ref": indicator_id,
            "target_ref": incident_id,
        }));
    }
    let mut all = Vec::with_capacity(objects.len() + 2);
    if let Some(map) = incident.as_object_mut()
        && !markings.is_empty()
    {
        map.insert("object_marking_refs".to_owned(), json!(markings));
    }
    all.push(incident);
    for mut object in objects {
        if let Some(map) = object.as_object_mut()
            && !markings.is_empty()
        {
            map.insert("object_marking_refs".to_owned(), json!(markings));
        }
        all.push(object);
    }
    if case.exercise {
        all.push(exercise_marking_definition());
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_every_spelling_of_a_name() {
        let names = ["Wake County".to_owned(), "clerk7".to_owned(), "ab".to_owned()];
        assert_eq!(
            scrub("WAKE COUNTY staff (clerk7) saw wake county ab", &names),
            "a reporting jurisdiction staff (a reporting jurisdiction) saw a reporting jurisdiction ab"
        );
    }

    #[test]
    fn tlp_names() {
        assert_eq!(parse_tlp("AMBER"), Some(TlpLevel::Amber));
        assert!(tlp2_marking(TlpLevel::Amber).is_some());
        assert_eq!(parse_tlp("beige"), None);
    }
}
