//! Issue 16, drill mode, through the binary: a scenario with errors is refused with line-level diagnostics
//! before a single byte reaches the hub; a drill played through a real `stixhub serve` times every stage, its
//! report's instants agree with the audit log read independently, and its data can be listed and purged.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::taxii_server::{ADMIN_PASSWORD, ServerProcess, admin_basic, fresh_data_dir, http};

fn stixhub(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

const BROKEN: &str = r#"[scenario]
name = "broken drill"

[[jurisdiction]]
name = "county-a"
accounts = ["clerk-a"]

[[inject]]
id = "r1"
at = "10 seconds"
kind = "report"
from = "clerk-b"
title = "t"
category = "phishing"
severity = "urgent"
description = "d"
"#;

#[test]
fn a_scenario_with_errors_is_refused_with_lines_and_nothing_is_sent() {
    // A listener that would see any connection the drill made.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let dir = fresh_data_dir("drill-broken");
    let path = dir.join("broken.toml");
    std::fs::write(&path, BROKEN).unwrap();
    let path_text = path.to_str().unwrap();
    let output = stixhub(
        &[
            "drill",
            "run",
            path_text,
            "--url",
            &url,
            "--admin-user",
            "admin",
            "--password-stdin",
        ],
        "secret\n",
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    for (line, needle) in [(10, "a unit"), (12, "clerk-b"), (15, "urgent")] {
        let prefix = format!("{path_text}:{line}:");
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(needle)),
            "no diagnostic on line {line} about {needle:?}:\n{stderr}"
        );
    }
    assert!(stderr.contains("nothing was sent to the hub"), "{stderr}");
    match listener.accept() {
        Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the drill connected to the hub: {other:?}"),
    }
    // `drill check` says the same, and a valid example passes.
    let check = stixhub(&["drill", "check", path_text], "");
    assert_eq!(check.status.code(), Some(1));
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/drills/phishing-wave.toml"
    );
    let check = stixhub(&["drill", "check", example], "");
    assert_eq!(check.status.code(), Some(0), "{check:?}");
}

/// A small indicator drill: two counties' IT accounts publish to a state collection both subscribe to.
const INDICATORS: &str = r#"[scenario]
name = "Indicator sharing drill"
speed = 10.0

[[jurisdiction]]
name = "county-x"
accounts = ["x-it"]

[[jurisdiction]]
name = "county-y"
accounts = ["y-it"]

[[producer]]
name = "fusion"
accounts = ["fusion-1"]

[[community]]
name = "state-x"
members = ["county-x", "county-y", "fusion"]

[[collection]]
alias = "drill-ind"
audience = ["state-x"]
writers = ["x-it", "y-it", "fusion-1"]

[[subscriber]]
account = "x-it"
collection = "drill-ind"

[[subscriber]]
account = "y-it"

[[inject]]
id = "f1"
at = "0s"
kind = "indicator"
from = "fusion-1"
collection = "drill-ind"
pattern = "[domain-name:value = 'drill-one.example']"

[[inject]]
id = "x1"
at = "2s"
kind = "indicator"
from = "x-it"
collection = "drill-ind"
pattern = "[ipv4-addr:value = '198.51.100.77']"

[[inject]]
id = "y1"
at = "4s"
kind = "indicator"
from = "y-it"
collection = "drill-ind"
pattern = "[url:value = 'https://drill-two.example/x']"
tlp = "green"

[[expect]]
deliver_within = "10s"
"#;

fn audit_entries(address: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seq = 0;
    loop {
        let path = format!("/admin/v1/audit/?from_seq={seq}&limit=1000");
        let (status, _, body) =
            http(address, "GET", &path, &[("Authorization", &admin_basic())], "").unwrap();
        assert_eq!(status, 200, "{body}");
        let page: Value = serde_json::from_str(&body).unwrap();
        let entries = page["entries"].as_array().unwrap().clone();
        if entries.is_empty() {
            return out;
        }
        seq = page["next_seq"].as_u64().unwrap();
        out.extend(entries);
    }
}

fn micros(text: &str) -> i64 {
    let timestamp = stix::timestamp::Timestamp::parse(text).unwrap();
    i64::try_from(timestamp.unix_nanos() / 1000).unwrap()
}

fn run_drill(server: &ServerProcess, scenario: &Path, out: &Path) -> Output {
    stixhub(
        &[
            "drill",
            "run",
            scenario.to_str().unwrap(),
            "--url",
            &server.base_url,
            "--admin-user",
            "admin",
            "--password-stdin",
            "--out",
            out.to_str().unwrap(),
            "--grace",
            "10",
            "--quiet",
        ],
        &format!("{ADMIN_PASSWORD}\n"),
    )
}

#[test]
fn an_indicator_drill_is_timed_agrees_with_the_audit_log_and_is_purged() {
    let dir = fresh_data_dir("drill-indicators");
    let data = dir.join("data");
    let server = ServerProcess::start(&data);
    let scenario = dir.join("indicators.toml");
    std::fs::write(&scenario, INDICATORS).unwrap();
    let out = dir.join("report");
    let output = run_drill(&server, &scenario, &out);
    assert!(output.status.success(), "{output:?}");

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let injects = report["injects"].as_array().unwrap();
    assert_eq!(injects.len(), 3);
    for inject in injects {
        assert!(inject["errors"].as_array().unwrap().is_empty(), "{inject}");
        assert!(inject["stages"]["published"].is_i64(), "{inject}");
        // Every subscriber but the submitter receives it, well within the deadline.
        let expected: Vec<&str> = inject["expected_recipients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let from = inject["from"].as_str().unwrap();
        let wanted: Vec<&str> = ["x-it", "y-it"].into_iter().filter(|s| *s != from).collect();
        assert_eq!(expected, wanted, "{inject}");
        for subscriber in &expected {
            let delivered = inject["deliveries"][subscriber].as_i64().unwrap();
            assert!(
                delivered >= inject["stages"]["submitted"].as_i64().unwrap() - 1_000_000,
                "{inject}"
            );
        }
        assert_eq!(inject["verdicts"][0]["met"], true, "{inject}");
    }
    assert_eq!(report["deadlines_missed"], 0);
    // The report's own comparison with the audit log.
    assert_eq!(report["audit"]["compared"], 3, "{}", report["audit"]);
    assert_eq!(report["audit"]["agreed"], 3, "{}", report["audit"]);

    // And independently: each indicator's publication time against its `objects.write` entry.
    let entries = audit_entries(&server.address);
    for inject in injects {
        let status_id = inject["status_ids"][0].as_str().unwrap();
        let entry = entries
            .iter()
            .find(|e| e["action"] == "objects.write" && e["details"]["status_id"] == status_id)
            .unwrap_or_else(|| panic!("no objects.write entry for status {status_id}"));
        assert_eq!(entry["actor"], inject["from"]);
        let difference_ms =
            (micros(entry["at"].as_str().unwrap()) - inject["stages"]["published"].as_i64().unwrap()).abs()
                / 1000;
        assert!(
            difference_ms <= 1000,
            "{} ms between the report and the audit log",
            difference_ms
        );
    }
    let csv = std::fs::read_to_string(out.join("report.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"chart-share\"") && html.contains("EXERCISE"));

    // A real account of the same community with read rights sees nothing of it: it is not cleared for the
    // EXERCISE marking (only the unmarked definition of the marking itself is readable).
    let admin = admin_basic();
    let call = |method: &str, path: &str, body: &str| {
        let (status, _, text) = http(
            &server.address,
            method,
            path,
            &[("Authorization", &admin), ("Content-Type", "application/json")],
            body,
        )
        .unwrap();
        assert!((200..300).contains(&status), "{method} {path}: {status} {text}");
        text
    };
    call(
        "POST",
        "/admin/v1/organisations/",
        r#"{"name": "county-z", "consent": "everyone"}"#,
    );
    call(
        "POST",
        "/admin/v1/accounts/",
        r#"{"name": "z-reader", "password": "z-reader-pass-1", "org": "county-z"}"#,
    );
    call(
        "POST",
        "/admin/v1/communities/state-x/members/",
        r#"{"org": "county-z"}"#,
    );
    let collections: Value = serde_json::from_str(
        &http(
            &server.address,
            "GET",
            "/api1/collections/",
            &[
                ("Authorization", &admin),
                ("Accept", "application/taxii+json;version=2.1"),
            ],
            "",
        )
        .unwrap()
        .2,
    )
    .unwrap();
    let drill_collection = collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["alias"] == "drill-ind")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        "POST",
        "/admin/v1/grants/",
        &format!(r#"{{"account": "z-reader", "collection": "{drill_collection}", "read": true}}"#),
    );
    let z_auth = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "z-reader:z-reader-pass-1"
        )
    );
    let (status, _, body) = http(
        &server.address,
        "GET",
        &format!("/api1/collections/{drill_collection}/objects/"),
        &[
            ("Authorization", &z_auth),
            ("Accept", "application/taxii+json;version=2.1"),
        ],
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(
        !body.contains("\"indicator\"") && !body.contains("drill-one"),
        "{body}"
    );
    // Drill data is listed and purged on the store, while the server runs.
    let data_flag = data.to_str().unwrap();
    let list = stixhub(&["drill", "list", "--json", "--data", data_flag], "");
    assert!(list.status.success(), "{list:?}");
    let listed: Vec<Value> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let indicators = listed.iter().filter(|o| o["type"] == "indicator").count();
    assert_eq!(indicators, 3, "{listed:?}");
    assert!(
        listed.iter().any(|o| o["type"] == "marking-definition"),
        "{listed:?}"
    );
    let purge = stixhub(&["drill", "purge", "--data", data_flag], "");
    assert!(purge.status.success(), "{purge:?}");
    let list = stixhub(&["drill", "list", "--json", "--data", data_flag], "");
    assert!(
        String::from_utf8_lossy(&list.stdout).trim().is_empty(),
        "{list:?}"
    );
    let entries = audit_entries(&server.address);
    let purge_entry = entries
        .iter()
        .rev()
        .find(|e| e["action"] == "marking.purge")
        .unwrap();
    assert_eq!(purge_entry["details"]["objects"], listed.len() as u64);
    assert!(entries.iter().filter(|e| e["action"] == "objects.delete").count() >= listed.len());

    // Playing it again on the same hub works (what exists is reused, passwords are reset).
    let again = run_drill(&server, &scenario, &dir.join("report-2"));
    assert!(again.status.success(), "{again:?}");
}

/// The phishing-wave example (reports acknowledged, shared and resolved by the scripted state office, and
/// indicators), compressed: every report is alerted, acted on and its share delivered to the three counties;
/// every case stage in the report agrees with its `incident.*` audit entry, read here independently; the
/// exercise cases and objects are listed and purged.
#[test]
fn the_phishing_example_is_played_and_agrees_with_the_audit_log() {
    let dir = fresh_data_dir("drill-phishing");
    let data = dir.join("data");
    let server = ServerProcess::start(&data);
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/drills/phishing-wave.toml");
    let out = dir.join("report");
    let output = stixhub(
        &[
            "drill",
            "run",
            example.to_str().unwrap(),
            "--url",
            &server.base_url,
            "--admin-user",
            "admin",
            "--password-stdin",
            "--out",
            out.to_str().unwrap(),
            "--speed",
            "30",
            "--grace",
            "10",
            "--quiet",
        ],
        &format!("{ADMIN_PASSWORD}\n"),
    );
    assert!(output.status.success(), "{output:?}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let entries = audit_entries(&server.address);
    let mut compared = 0;
    for inject in report["injects"].as_array().unwrap() {
        assert!(inject["errors"].as_array().unwrap().is_empty(), "{inject}");
        for subscriber in ["durham-it", "orange-it", "wake-it"] {
            assert!(
                inject["deliveries"][subscriber].is_i64(),
                "{subscriber} never received {inject}"
            );
        }
        if inject["kind"] != "report" {
            continue;
        }
        assert_eq!(inject["responder"], "sbe-soc", "{inject}");
        let case = inject["case_id"].as_str().unwrap();
        let stages = &inject["stages"];
        let audited = |action: &str, to: Option<&str>| {
            entries
                .iter()
                .find(|e| {
                    e["action"] == action
                        && e["details"]["case"] == case
                        && to.is_none_or(|to| e["details"]["to"] == to)
                })
                .map(|e| micros(e["at"].as_str().unwrap()))
                .unwrap_or_else(|| panic!("no {action} {to:?} entry for case {case}"))
        };
        for (stage, action, to) in [
            ("submitted", "incident.report", None),
            ("acknowledged", "incident.transition", Some("acknowledged")),
            ("triaged", "incident.transition", Some("in-progress")),
            ("published", "incident.share", None),
            ("resolved", "incident.transition", Some("resolved")),
        ] {
            let reported = stages[stage]
                .as_i64()
                .unwrap_or_else(|| panic!("{stage} missing: {inject}"));
            let difference_ms = (audited(action, to) - reported).abs() / 1000;
            assert!(
                difference_ms <= 1000,
                "{stage} of {case}: {difference_ms} ms from the audit log"
            );
            compared += 1;
        }
        // The responder acted in the scripted order.
        assert!(stages["acknowledged"].as_i64() <= stages["published"].as_i64());
        assert!(stages["published"].as_i64() <= stages["resolved"].as_i64());
    }
    assert_eq!(compared, 15);
    assert_eq!(
        report["audit"]["compared"], report["audit"]["agreed"],
        "{}",
        report["audit"]
    );

    // The drill's routing rules are gone again; the exercise cases are listed and purged with the objects.
    let (_, _, rules) = http(
        &server.address,
        "GET",
        "/incidents/v1/routes/",
        &[("Authorization", &admin_basic())],
        "",
    )
    .unwrap();
    assert!(!rules.contains("drill \\\""), "{rules}");
    let data_flag = data.to_str().unwrap();
    let list = stixhub(&["drill", "list", "--json", "--data", data_flag], "");
    let listed = String::from_utf8_lossy(&list.stdout).into_owned();
    assert_eq!(
        listed.lines().filter(|l| l.contains("\"case\"")).count(),
        3,
        "{listed}"
    );
    let purge = stixhub(&["drill", "purge", "--data", data_flag], "");
    assert!(
        String::from_utf8_lossy(&purge.stdout).contains("and 3 exercise case(s)"),
        "{purge:?}"
    );
    let list = stixhub(&["drill", "list", "--json", "--data", data_flag], "");
    assert!(
        String::from_utf8_lossy(&list.stdout).trim().is_empty(),
        "{list:?}"
    );
}
