//! Reports from STIX: an `incident` posted by TAXII becomes a case, with the observables of the indicators and
//! observed-data that relationships in the same posting tie to it.
//!
//! Mapping: `name` → title; `description` (or the name) → description; a label that is a category id →
//! category (else `other`); a label `severity-X` or `severity:X` → severity (else `medium`); labels that are
//! system ids → systems; an indicator whose pattern is one comparison `[type:value = '…']` (or
//! `[file:hashes.'ALG' = '…']`) → an observable; SCOs an observed-data holds or references → observables; the
//! EXERCISE marking → an exercise case. Only the first `validate::MAX_OBSERVABLES` observables are kept.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use stix::markings::EXERCISE_MARKING_ID;

use crate::model::{ObservableKind, System};
use crate::taxonomy::Taxonomy;
use crate::validate::MAX_OBSERVABLES;

/// The report JSON (as `validate::validate_report` takes it) of each `incident` among `objects`, with the
/// incident's id.
pub fn reports_from_objects(objects: &[Value], taxonomy: &Taxonomy) -> Vec<(String, Value)> {
    let by_id: BTreeMap<&str, &Value> = objects
        .iter()
        .filter_map(|o| Some((o.get("id")?.as_str()?, o)))
        .collect();
    let mut out = Vec::new();
    for incident in objects.iter().filter(|o| o["type"] == "incident") {
        let Some(id) = incident["id"].as_str() else {
            continue;
        };
        let related: BTreeSet<&str> = objects
            .iter()
            .filter(|o| o["type"] == "relationship")
            .filter_map(|r| {
                let (source, target) = (r["source_ref"].as_str()?, r["target_ref"].as_str()?);
                if target == id {
                    Some(source)
                } else if source == id {
                    Some(target)
                } else {
                    None
                }
            })
            .collect();
        let mut observables: Vec<Value> = Vec::new();
        for object in related.iter().filter_map(|r| by_id.get(r)) {
            match object["type"].as_str() {
                Some("indicator") => {
                    observables.extend(object["pattern"].as_str().and_then(pattern_observable))
                }
                Some("observed-data") => {
                    let refs = object["object_refs"].as_array().into_iter().flatten();
                    let referenced = refs.filter_map(|r| by_id.get(r.as_str()?).copied());
                    let embedded = object["objects"].as_object().into_iter().flat_map(|m| m.values());
                    observables.extend(referenced.chain(embedded).filter_map(sco_observable));
                }
                _ => {}
            }
        }
        observables.truncate(MAX_OBSERVABLES);
        let labels: Vec<&str> = incident["labels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let category = labels
            .iter()
            .find(|l| taxonomy.get(l).is_some())
            .copied()
            .unwrap_or("other");
        let severity = labels
            .iter()
            .find_map(|l| {
                l.strip_prefix("severity-")
                    .or_else(|| l.strip_prefix("severity:"))
            })
            .filter(|s| crate::model::Severity::parse(s).is_some())
            .unwrap_or("medium");
        let systems: Vec<&str> = labels
            .iter()
            .copied()
            .filter(|l| System::parse(l).is_some())
            .collect();
        let exercise = incident["object_marking_refs"]
            .as_array()
            .is_some_and(|refs| refs.iter().any(|r| r.as_str() == Some(EXERCISE_MARKING_ID)));
        let name = incident["name"].as_str().unwrap_or("Incident");
        let title: String = name.chars().take(crate::validate::MAX_TITLE).collect();
        let description: String = incident["description"]
            .as_str()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(name)
            .chars()
            .take(crate::validate::MAX_DESCRIPTION)
            .collect();
        let report = json!({
            "title": title, "category": category, "severity": severity, "description": description,
            "systems": systems, "observables": observables, "exercise": exercise,
        });
        out.push((id.to_owned(), report));
    }
    out
}

/// The observable of a pattern of one equality comparison.
fn pattern_observable(pattern: &str) -> Option<Value> {
    let inner = pattern.trim().strip_prefix('[')?.strip_suffix(']')?;
    let (path, literal) = inner.split_once('=')?;
    let literal = literal.trim().strip_prefix('\'')?.strip_suffix('\'')?;
    if literal.contains('\'') && !literal.contains("\\'") {
        return None;
    }
    let value = literal.replace("\\'", "'").replace("\\\\", "\\");
    let (kind, property) = path.trim().split_once(':')?;
    let kind = ObservableKind::parse(kind)?;
    match (kind, property) {
        (ObservableKind::File, property) => {
            let algorithm = property.strip_prefix("hashes.")?.trim_matches('\'');
            Some(json!({"type": "file", "value": value, "hash": algorithm}))
        }
        (kind, "value") => Some(json!({"type": kind.as_str(), "value": value})),
        _ => None,
    }
}

/// The observable of an SCO.
fn sco_observable(sco: &Value) -> Option<Value> {
    let kind = ObservableKind::parse(sco["type"].as_str()?)?;
    if kind == ObservableKind::File {
        let hashes = sco["hashes"].as_object()?;
        let (algorithm, value) = hashes.iter().next()?;
        return Some(json!({"type": "file", "value": value.as_str()?, "hash": algorithm}));
    }
    Some(json!({"type": kind.as_str(), "value": sco["value"].as_str()?}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::validate_report;

    #[test]
    fn an_incident_with_its_indicators_and_observations_becomes_a_report() {
        let objects = vec![
            json!({"type": "incident", "id": "incident--1", "name": "Defaced results site",
                   "labels": ["unauthorized-access", "severity-critical", "results-website"],
                   "object_marking_refs": [EXERCISE_MARKING_ID]}),
            json!({"type": "indicator", "id": "indicator--1", "pattern": "[domain-name:value = 'evil.example']"}),
            json!({"type": "indicator", "id": "indicator--2", "pattern": "[ipv4-addr:value = '1.2.3.4' OR ipv4-addr:value = '5.6.7.8']"}),
            json!({"type": "observed-data", "id": "observed-data--1", "object_refs": ["ipv4-addr--1"]}),
            json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.7"}),
            json!({"type": "relationship", "id": "relationship--1", "source_ref": "indicator--1", "target_ref": "incident--1"}),
            json!({"type": "relationship", "id": "relationship--2", "source_ref": "indicator--2", "target_ref": "incident--1"}),
            json!({"type": "relationship", "id": "relationship--3", "source_ref": "incident--1", "target_ref": "observed-data--1"}),
        ];
        let taxonomy = Taxonomy::built_in();
        let reports = reports_from_objects(&objects, &taxonomy);
        assert_eq!(reports.len(), 1);
        let report = validate_report(&reports[0].1, &taxonomy).expect("valid report");
        assert_eq!(report.category, "unauthorized-access");
        assert_eq!(report.severity, crate::model::Severity::Critical);
        assert_eq!(report.systems, vec![System::ResultsWebsite]);
        assert!(report.exercise);
        let values: Vec<&str> = report.observables.iter().map(|o| o.value.as_str()).collect();
        assert_eq!(values, vec!["evil.example", "198.51.100.7"]);
    }
}
