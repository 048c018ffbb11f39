//! `stixhub pattern check|match|scan` as a user runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn small_bundle(name: &str) -> PathBuf {
    let corpus = std::env::var_os("STIXHUB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let file = corpus.join("bundles/small").join(name);
    assert!(
        file.is_file(),
        "corpus file missing: {} (set STIXHUB_CORPUS)",
        file.display()
    );
    file
}

fn stixhub(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn check_exits_0_on_a_valid_pattern_and_1_with_a_positioned_diagnostic() {
    assert_eq!(
        stixhub(&[
            "pattern",
            "check",
            "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']"
        ])
        .status
        .code(),
        Some(0)
    );
    let bad = stixhub(&["pattern", "check", "[ipv4-addr:value = '1.2.3.4'"]);
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8(bad.stderr).unwrap();
    assert!(
        stderr.contains("expected ']'") && stderr.contains(" at 28"),
        "{stderr}"
    );
    assert!(
        stderr.lines().any(|line| line.trim() == "^"),
        "a caret marks the position: {stderr}"
    );
}

#[test]
fn match_exits_0_on_a_match_1_on_none_and_2_on_errors() {
    let file = small_bundle("observed-data-scos.json");
    let file = file.to_str().unwrap();
    assert_eq!(
        stixhub(&["pattern", "match", "[ipv4-addr:value = '198.51.100.23']", file])
            .status
            .code(),
        Some(0)
    );
    let via_ref = "[domain-name:resolves_to_refs[*].value = '198.51.100.23']";
    assert_eq!(
        stixhub(&["pattern", "match", via_ref, file]).status.code(),
        Some(0)
    );
    assert_eq!(
        stixhub(&["pattern", "match", "[ipv4-addr:value = '198.51.100.24']", file])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        stixhub(&["pattern", "match", "[ipv4-addr:value = ", file])
            .status
            .code(),
        Some(2)
    );
    let unsupported = stixhub(&["pattern", "match", "[domain-name:value MATCHES '(?<=a)b']", file]);
    assert_eq!(
        unsupported.status.code(),
        Some(2),
        "an inexpressible regex is an error, never a silent no"
    );
    assert_eq!(
        stixhub(&[
            "pattern",
            "match",
            "[ipv4-addr:value = '1.1.1.1']",
            "/nonexistent.json"
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn scan_prints_one_json_line_per_match() {
    let indicators = small_bundle("indicator-single.json");
    let observations = small_bundle("observed-data-scos.json");
    let output = stixhub(&[
        "pattern",
        "scan",
        "--indicators",
        indicators.to_str().unwrap(),
        "--observations",
        observations.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        lines[0]["indicator"],
        "indicator--6b1f3e5a-2c4d-4e8f-9a0b-7c6d5e4f3a21"
    );
    assert_eq!(
        lines[0]["observed_data"],
        "observed-data--4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b"
    );
}
