//! The scenario examples parse; broken files are refused with every problem and its line; the report's
//! figures, verdicts and renderings.

#![allow(clippy::unwrap_used, reason = "a panic in a test is a failed assertion")]

use std::collections::BTreeMap;

use crate::report::{InjectRecord, Report, Stages};
use crate::scenario::Deadlines;
use crate::{html, parse, render};

fn example(name: &str) -> String {
    let path = format!("{}/../../examples/drills/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap()
}

#[test]
fn the_three_examples_parse() {
    for name in [
        "phishing-wave.toml",
        "epollbook-outage.toml",
        "results-defacement.toml",
    ] {
        let scenario = parse(&example(name)).unwrap_or_else(|d| panic!("{name}: {d:?}"));
        assert!(!scenario.injects.is_empty(), "{name}");
        assert!(scenario.injects.iter().any(|i| i.kind() == "report"), "{name}");
        assert!(scenario.injects.iter().any(|i| i.kind() == "indicator"), "{name}");
        assert!(!scenario.expectations.is_empty(), "{name}");
    }
    let phishing = parse(&example("phishing-wave.toml")).unwrap();
    let wake = &phishing.injects[0];
    assert_eq!(wake.org, "wake-county");
    let deadlines = phishing.deadlines(wake);
    assert_eq!(deadlines.acknowledge_ms, Some(60_000));
    assert_eq!(deadlines.by.as_deref(), Some("state-election-office"));
    // A shared case reaches the other counties' IT accounts (and the reporter's own IT account).
    assert_eq!(
        crate::expected_recipients(&phishing, wake),
        ["durham-it", "orange-it", "wake-it"]
    );
    // Nested communities: the child's members are in the parent's audience.
    let defacement = parse(&example("results-defacement.toml")).unwrap();
    let ip = defacement.injects.iter().find(|i| i.id == "attacker-ip").unwrap();
    assert_eq!(crate::expected_recipients(&defacement, ip), ["forsyth-it"]);
}

const BROKEN: &str = r#"[scenario]
name = "broken"

[[jurisdiction]]
name = "county-a"
accounts = ["clerk-a"]

[[responder]]
name = "state"
accounts = ["soc"]
acknowledge_after = "soon"
share_after = "1m"

[[inject]]
id = "r1"
at = "10s"
kind = "report"
from = "clerk-a"
title = "t"
category = "phishing"
severity = "urgent"
description = "d"

[[inject]]
id = "r1"
at = "5x"
kind = "indicator"
from = "nobody"
collection = "missing"
pattern = "[domain-name:value = 'x'"

[[expect]]
inject = "r9"
by = "state"
"#;

#[test]
fn a_broken_file_gets_every_problem_with_its_line() {
    let problems = parse(BROKEN).unwrap_err();
    let lines: Vec<(usize, &str)> = problems.iter().map(|d| (d.line, d.message.as_str())).collect();
    let has = |line: usize, needle: &str| {
        assert!(
            lines.iter().any(|(l, m)| *l == line && m.contains(needle)),
            "no problem on line {line} mentioning {needle:?}: {lines:#?}"
        );
    };
    has(11, "acknowledge_after");
    has(9, "share_after needs share");
    has(21, "urgent");
    has(25, "used twice");
    has(26, "unknown unit");
    has(28, "no account named \"nobody\"");
    has(29, "no collection \"missing\"");
    has(30, "inject.pattern");
    has(33, "no inject named \"r9\"");
    has(32, "needs acknowledge_within");
    // Sorted by line.
    assert!(problems.windows(2).all(|w| w[0].line <= w[1].line));
}

#[test]
fn syntax_and_unknown_fields_have_lines_too() {
    let problems = parse("[scenario]\nname = \"x\"\n\n[[inject]]\nid = \"a\"\nwhen = \"5s\"\n").unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, 6, "{problems:?}");
    assert!(problems[0].message.contains("when"), "{problems:?}");
    let problems = parse("[scenario]\nname = \"x\n").unwrap_err();
    assert_eq!(problems[0].line, 2, "{problems:?}");
    let problems = parse("").unwrap_err();
    assert!(problems[0].message.contains("scenario"), "{problems:?}");
}

fn record(id: &str, jurisdiction: &str, ack: i64, share: Option<i64>) -> InjectRecord {
    InjectRecord {
        id: id.to_owned(),
        kind: "report".to_owned(),
        jurisdiction: jurisdiction.to_owned(),
        from: "clerk".to_owned(),
        planned_ms: 0,
        case_id: Some(format!("case-{id}")),
        object_ids: Vec::new(),
        status_ids: Vec::new(),
        stages: Stages {
            submitted: Some(1_000_000_000),
            acknowledged: Some(1_000_000_000 + ack * 1000),
            published: share.map(|ms| 1_000_000_000 + ms * 1000),
            ..Stages::default()
        },
        review_note: None,
        responder: None,
        expected_recipients: vec!["a".to_owned(), "b".to_owned()],
        deliveries: BTreeMap::from([("a".to_owned(), 1_000_000_000 + 3_000_000)]),
        deadlines: Deadlines {
            acknowledge_ms: Some(2000),
            share_ms: Some(10_000),
            deliver_ms: Some(5000),
            ..Deadlines::default()
        },
        errors: vec!["boom, \"quoted\"".to_owned()],
    }
}

fn sample() -> Report {
    Report {
        scenario: "Sample <drill>".to_owned(),
        description: "d & e".to_owned(),
        url: "http://127.0.0.1:1".to_owned(),
        started: 1_000_000_000,
        finished: 1_060_000_000,
        speed: 1.0,
        subscribers: vec!["a".to_owned(), "b".to_owned()],
        injects: vec![
            record("r1", "county-b", 1000, Some(8000)),
            record("r2", "county-a", 3000, None),
            record("r3", "county-a", 1500, Some(4000)),
        ],
        notes: vec!["note <b>".to_owned()],
        audit: None,
    }
}

#[test]
fn figures_and_verdicts() {
    let report = sample();
    let r2 = &report.injects[1];
    assert_eq!(r2.time_to_respond_ms(), Some(3000));
    assert_eq!(r2.time_to_share_ms(), None);
    // Subscriber b never got it: no delivery time, the deadline is missed.
    assert_eq!(r2.time_to_deliver_ms(), None);
    let verdicts = r2.verdicts();
    assert_eq!(verdicts.iter().filter(|v| v.met).count(), 0);
    let summaries = report.jurisdictions();
    assert_eq!(summaries[0].jurisdiction, "county-a");
    assert_eq!(summaries[0].respond_median_ms, Some(1500));
    assert_eq!(summaries[0].respond_max_ms, Some(3000));
    assert_eq!(summaries[0].share_median_ms, Some(4000));
    assert_eq!(summaries[1].share_median_ms, Some(8000));
    let (met, missed) = report.totals();
    assert_eq!(met + missed, 9);
    assert_eq!(met, 4);
}

#[test]
fn renderings() {
    let report = sample();
    let json = render::to_json(&report);
    assert_eq!(render::from_json(&json).unwrap(), report);
    assert_eq!(json["injects"][0]["time_to_share_ms"], 8000);
    assert_eq!(json["deadlines_met"], 4);
    let csv = render::to_csv(&report);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0], render::CSV_HEADER);
    assert!(lines[1].ends_with("\"boom, \"\"quoted\"\"\""), "{}", lines[1]);
    let page = html::to_html(&report);
    assert!(page.contains("Sample &lt;drill&gt;"));
    assert!(!page.contains("<drill>"));
    assert!(page.contains("note &lt;b&gt;"));
    assert!(page.contains("id=\"chart-share\""));
    assert!(page.contains("id=\"chart-respond\""));
    assert_eq!(page.matches("class=\"deadline\"").count(), 4);
    // county-a has one inject never shared: its share bar is the median of the one that was.
    assert_eq!(page.matches("<rect class=\"bar\"").count(), 4);
}
