//! The report as JSON (the model plus derived figures, for machines) and CSV (one row per inject, for a
//! spreadsheet).

use serde_json::{Value, json};

use crate::report::{InjectRecord, Report, rfc3339};

/// The report as JSON: everything recorded, plus per-inject durations and verdicts and per-jurisdiction
/// summaries.
pub fn to_json(report: &Report) -> Value {
    let injects: Vec<Value> = report
        .injects
        .iter()
        .map(|record| {
            let mut value = serde_json::to_value(record).unwrap_or(Value::Null);
            value["times"] = json!({
                "submitted": record.stages.submitted.map(rfc3339),
                "reviewed": record.stages.reviewed.map(rfc3339),
                "alerted": record.stages.alerted.map(rfc3339),
                "acknowledged": record.stages.acknowledged.map(rfc3339),
                "triaged": record.stages.triaged.map(rfc3339),
                "published": record.stages.published.map(rfc3339),
                "resolved": record.stages.resolved.map(rfc3339),
            });
            value["time_to_respond_ms"] = record.time_to_respond_ms().into();
            value["time_to_share_ms"] = record.time_to_share_ms().into();
            value["time_to_resolve_ms"] = record.time_to_resolve_ms().into();
            value["time_to_deliver_ms"] = record.time_to_deliver_ms().into();
            value["verdicts"] = serde_json::to_value(record.verdicts()).unwrap_or(Value::Null);
            value
        })
        .collect();
    let (met, missed) = report.totals();
    json!({
        "scenario": report.scenario,
        "description": report.description,
        "url": report.url,
        "started": rfc3339(report.started),
        "finished": rfc3339(report.finished),
        "duration_ms": (report.finished - report.started) / 1000,
        "speed": report.speed,
        "subscribers": report.subscribers,
        "deadlines_met": met,
        "deadlines_missed": missed,
        "jurisdictions": serde_json::to_value(report.jurisdictions()).unwrap_or(Value::Null),
        "injects": injects,
        "notes": report.notes,
        "audit": report.audit,
        "record": report,
    })
}

/// Reads back the model from `to_json`'s output (the `record` member).
pub fn from_json(value: &Value) -> Option<Report> {
    serde_json::from_value(value.get("record")?.clone()).ok()
}

/// The CSV header.
pub const CSV_HEADER: &str = "inject,kind,jurisdiction,from,case_id,submitted,reviewed,alerted,acknowledged,triaged,published,resolved,delivered,expected_recipients,time_to_respond_ms,time_to_share_ms,time_to_resolve_ms,time_to_deliver_ms,deadlines_met,deadlines_missed,errors";

/// A CSV field, quoted when it must be (RFC 4180), and never read as a formula by a spreadsheet.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn row(record: &InjectRecord) -> String {
    let time = |at: Option<i64>| at.map(rfc3339).unwrap_or_default();
    let ms = |value: Option<u64>| value.map(|v| v.to_string()).unwrap_or_default();
    let verdicts = record.verdicts();
    let met = verdicts.iter().filter(|v| v.met).count();
    let cells = [
        field(&record.id),
        field(&record.kind),
        field(&record.jurisdiction),
        field(&record.from),
        field(record.case_id.as_deref().unwrap_or_default()),
        time(record.stages.submitted),
        time(record.stages.reviewed),
        time(record.stages.alerted),
        time(record.stages.acknowledged),
        time(record.stages.triaged),
        time(record.stages.published),
        time(record.stages.resolved),
        record
            .expected_recipients
            .iter()
            .filter(|s| record.deliveries.contains_key(*s))
            .count()
            .to_string(),
        record.expected_recipients.len().to_string(),
        ms(record.time_to_respond_ms()),
        ms(record.time_to_share_ms()),
        ms(record.time_to_resolve_ms()),
        ms(record.time_to_deliver_ms()),
        met.to_string(),
        (verdicts.len() - met).to_string(),
        field(&record.errors.join("; ")),
    ];
    cells.join(",")
}

/// The report as CSV, one row per inject.
pub fn to_csv(report: &Report) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for record in &report.injects {
        out.push_str(&row(record));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=cmd()"), "'=cmd()");
    }
}
