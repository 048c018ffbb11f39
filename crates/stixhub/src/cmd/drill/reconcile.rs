//! The report against the hub's audit log: every stage the hub audits (a report's case created, moved,
//! shared; an indicator's `objects.write`) is looked up in the entries appended during the drill and its
//! instant compared with the report's. The outcome goes into the report (`AuditCheck`); the acceptance test
//! reads the log itself as well.

use std::collections::HashMap;

use drill::report::{AuditCheck, InjectRecord, parse_rfc3339};
use serde_json::Value;

/// Agreement within this many milliseconds: the report's instant is when the answer reached the drill, the
/// audit's when the hub appended the entry, just before answering.
pub(crate) const TOLERANCE_MS: f64 = 1000.0;

fn mentions(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(text) => text == needle,
        Value::Array(items) => items.iter().any(|v| mentions(v, needle)),
        Value::Object(map) => map.values().any(|v| mentions(v, needle)),
        _ => false,
    }
}

/// One audited stage: which stage of the report it is.
fn stage_of(entry: &Value) -> Option<&'static str> {
    let action = entry["action"].as_str()?;
    if let Some(to) = entry["details"]["to"].as_str() {
        return match to {
            "acknowledged" => Some("acknowledged"),
            "in-progress" => Some("triaged"),
            "resolved" | "false-alarm" => Some("resolved"),
            _ => None,
        };
    }
    if action.contains("share") {
        return Some("published");
    }
    if action.contains("create") || action.ends_with(".report") || action.ends_with(".new") {
        return Some("submitted");
    }
    None
}

/// Compares the records with the audit entries appended during the drill.
pub(crate) fn compare(records: &[InjectRecord], entries: &[Value]) -> AuditCheck {
    let mut check = AuditCheck {
        tolerance_ms: TOLERANCE_MS,
        ..AuditCheck::default()
    };
    let by_status: HashMap<&str, &Value> = entries
        .iter()
        .filter(|e| e["action"].as_str() == Some("objects.write"))
        .filter_map(|e| Some((e["details"]["status_id"].as_str()?, e)))
        .collect();
    let incident_entries: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"].as_str().is_some_and(|a| a.starts_with("incident")))
        .collect();
    let mut compare_one = |what: String, report_at: Option<i64>, audit: Option<&Value>| {
        let Some(report_at) = report_at else { return };
        let Some(audit_at) = audit.and_then(|e| e["at"].as_str()).and_then(parse_rfc3339) else {
            check.unmatched.push(what);
            return;
        };
        let difference = (report_at - audit_at).abs() as f64 / 1000.0;
        check.compared += 1;
        if difference <= TOLERANCE_MS {
            check.agreed += 1;
        } else {
            check.unmatched.push(format!("{what}: {difference:.1} ms apart"));
        }
        check.max_difference_ms = check.max_difference_ms.max(difference);
    };
    for record in records {
        if record.kind == "indicator" {
            let audit = record
                .status_ids
                .iter()
                .find_map(|id| by_status.get(id.as_str()).copied());
            compare_one(format!("{} published", record.id), record.stages.published, audit);
            continue;
        }
        let Some(case) = record.case_id.as_deref() else {
            continue;
        };
        let mine: Vec<&Value> = incident_entries
            .iter()
            .copied()
            .filter(|e| mentions(&e["details"], case))
            .collect();
        let find = |stage: &str| mine.iter().copied().find(|e| stage_of(e) == Some(stage));
        for (stage, at) in [
            ("submitted", record.stages.submitted),
            ("acknowledged", record.stages.acknowledged),
            ("triaged", record.stages.triaged),
            ("published", record.stages.published),
            ("resolved", record.stages.resolved),
        ] {
            compare_one(format!("{} {stage}", record.id), at, find(stage));
        }
    }
    check
}
