//! What a drill sends for each inject: the incident report body of `POST /incidents/v1/` and the STIX bundle
//! of an indicator (TAXII POST), both marked as an exercise.

use serde_json::{Value, json};

use crate::exercise::{EXERCISE_MARKING_ID, exercise_marking_definition};
use crate::scenario::{IndicatorSpec, Inject, ReportSpec};

/// What precedes the inject id in the text of everything a drill posts (`(drill inject ID)`), so a delivered
/// object is recognised even when served under a republished id (anonymous submitters).
pub const INJECT_TAG: &str = "(drill inject ";

/// The TLP 2.0 marking-definition id of a level name (`amber`, …); `None` for an unknown name.
pub fn tlp2_marking(level: &str) -> Option<&'static str> {
    stix::markings::PREDEFINED_TLP
        .iter()
        .find(|tlp| tlp.version == stix::markings::TlpVersion::V2 && tlp.value == level)
        .map(|tlp| tlp.id)
}

/// The body of `POST /incidents/v1/` for a report inject (`exercise: true`).
pub fn report_body(inject: &Inject, report: &ReportSpec, occurred: &str) -> Value {
    let observables: Vec<Value> = report
        .observables
        .iter()
        .map(|(kind, value)| json!({"type": kind, "value": value}))
        .collect();
    json!({
        // The hub prefixes an exercise case's names with "EXERCISE — " itself.
        "title": report.title,
        "category": report.category,
        "severity": report.severity,
        "description": format!("EXERCISE \u{2014} NOT REAL {INJECT_TAG}{}). {}", inject.id, report.description),
        "jurisdiction": inject.org,
        "systems": report.systems,
        "occurred": occurred,
        "observables": observables,
        "exercise": true,
    })
}

/// The bundle of an indicator inject: the EXERCISE definition and the indicator marked with it and its TLP.
/// `now` is an RFC 3339 timestamp with milliseconds; ids are the caller's (this crate draws no randomness).
pub fn indicator_bundle(
    inject: &Inject,
    indicator: &IndicatorSpec,
    indicator_id: &str,
    bundle_id: &str,
    now: &str,
) -> Value {
    let mut markings = vec![Value::from(EXERCISE_MARKING_ID)];
    if let Some(tlp) = tlp2_marking(&indicator.tlp) {
        markings.push(tlp.into());
    }
    json!({
        "type": "bundle",
        "id": bundle_id,
        "objects": [
            exercise_marking_definition(),
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": indicator_id,
                "created": now,
                "modified": now,
                "name": format!("[EXERCISE] {}", indicator.name),
                "description": format!("EXERCISE \u{2014} NOT REAL {INJECT_TAG}{})", inject.id),
                "pattern": indicator.pattern,
                "pattern_type": "stix",
                "valid_from": now,
                "labels": ["exercise"],
                "object_marking_refs": markings,
            }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::InjectBody;

    #[test]
    fn indicator_bundles_are_valid_and_marked() {
        let spec = IndicatorSpec {
            collection: "c".to_owned(),
            pattern: "[domain-name:value = 'evil.example']".to_owned(),
            name: "n".to_owned(),
            tlp: "amber".to_owned(),
        };
        let inject = Inject {
            id: "i1".to_owned(),
            at_ms: 0,
            from: "a".to_owned(),
            org: "o".to_owned(),
            body: InjectBody::Indicator(spec.clone()),
            line: 1,
        };
        let bundle = indicator_bundle(
            &inject,
            &spec,
            "indicator--6c8f3b0e-8d1b-4c57-9a7e-3f1f1d2b4a01",
            "bundle--6c8f3b0e-8d1b-4c57-9a7e-3f1f1d2b4a02",
            "2026-12-07T20:00:00.000Z",
        );
        assert!(stix::validate::validate_document(&bundle).is_empty());
        assert!(crate::exercise::is_exercise(&bundle["objects"][1]));
        assert_eq!(
            tlp2_marking("amber"),
            Some("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421")
        );
        assert_eq!(tlp2_marking("nope"), None);
    }
}
