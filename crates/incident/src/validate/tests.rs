//! Report validation: accepted shapes, and one message per bad field.

use serde_json::json;

use super::*;

fn taxonomy() -> Taxonomy {
    Taxonomy::built_in()
}

#[test]
fn a_complete_report_is_normalised() {
    let report = validate_report(
        &json!({
            "title": " Phishing wave ", "category": "account-compromise", "severity": "high",
            "description": "Staff got mails", "systems": ["email", "email", "e-pollbook"],
            "occurred": "2026-11-03T09:05:00-05:00",
            "observables": [
                {"type": "domain-name", "value": "Vote-Info.Example."},
                {"type": "file", "value": "D41D8CD98F00B204E9800998ECF8427E"},
                {"type": "email-addr", "value": "lure@Bad.Example"}
            ],
        }),
        &taxonomy(),
    )
    .expect("valid");
    assert_eq!(report.title, "Phishing wave");
    assert_eq!(report.systems, vec![System::EPollbook, System::Email]);
    assert_eq!(report.observables[0].value, "vote-info.example");
    assert_eq!(report.observables[1].hash.as_deref(), Some("MD5"));
    assert_eq!(report.observables[2].value, "lure@bad.example");
    assert!(!report.exercise);
}

#[test]
fn every_bad_field_is_named() {
    let errors = validate_report(
        &json!({
            "title": "", "category": "aliens", "severity": "apocalyptic", "severty": "high",
            "systems": ["mainframe"], "occurred": "last tuesday", "exercise": "yes",
            "observables": [{"type": "ipv4-addr", "value": "300.1.1.1"}, {"type": "file", "value": "abc", "hash": "SHA-256"}, 7],
        }),
        &taxonomy(),
    )
    .expect_err("invalid");
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    for wanted in [
        "severty",
        "title",
        "description",
        "category",
        "severity",
        "systems[0]",
        "occurred",
        "observables[0].value",
        "observables[1].value",
        "observables[2]",
        "exercise",
    ] {
        assert!(fields.contains(&wanted), "{wanted} missing from {fields:?}");
    }
}

#[test]
fn floods_and_odd_shapes_are_refused_not_panicked_on() {
    let many: Vec<_> = (0..101)
        .map(|i| json!({"type": "ipv4-addr", "value": format!("10.0.0.{}", i % 250)}))
        .collect();
    let base = json!({"title": "t", "category": "other", "severity": "low", "description": "d", "observables": many});
    let errors = validate_report(&base, &taxonomy()).expect_err("too many");
    assert_eq!(errors[0].field, "observables");
    assert!(validate_report(&json!([1, 2]), &taxonomy()).is_err());
    let long = "x".repeat(MAX_TITLE + 1);
    let errors = validate_report(
        &json!({"title": long, "category": "other", "severity": "low", "description": "d"}),
        &taxonomy(),
    )
    .expect_err("long");
    assert_eq!(errors[0].field, "title");
}

#[test]
fn patterns_quote_their_values() {
    let observable = Observable {
        kind: ObservableKind::Url,
        value: "http://x.example/a'b\\c".to_owned(),
        hash: None,
    };
    assert_eq!(
        observable.pattern(),
        "[url:value = 'http://x.example/a\\'b\\\\c']"
    );
    let file = Observable {
        kind: ObservableKind::File,
        value: "ab".repeat(32),
        hash: Some("SHA-256".to_owned()),
    };
    assert!(file.pattern().starts_with("[file:hashes.'SHA-256' = 'abab"));
}
