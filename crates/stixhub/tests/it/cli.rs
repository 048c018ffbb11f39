//! The offline commands as a user runs them: exit codes, output lines, memory on a large bundle.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("STIXHUB_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    };
    assert!(
        dir.join("MANIFEST.md").is_file(),
        "STIX corpus not found at {} (set STIXHUB_CORPUS)",
        dir.display()
    );
    dir
}

fn stixhub(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(args)
        .output()
        .unwrap()
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn validate_accepts_the_valid_corpus_with_exit_0() {
    let corpus = corpus_dir();
    let files = [
        corpus.join("bundles/attack-ics/ics-attack-18.1.json"),
        corpus.join("bundles/small/indicator-versioned.json"),
        corpus.join("stix21/examples/interop-objectmarking-test.json"),
    ];
    let args: Vec<&str> = std::iter::once("validate")
        .chain(files.iter().map(|f| path_str(f)))
        .collect();
    let output = stixhub(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn validate_reports_each_rule_broken_with_exit_1() {
    let file = corpus_dir().join("stix21/invalid/modified-before-created.json");
    let output = stixhub(&["validate", path_str(&file)]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let line = stdout.lines().next().unwrap();
    // file: json-path: code: message
    let fields: Vec<&str> = line.splitn(4, ": ").collect();
    assert_eq!(fields.len(), 4, "{line}");
    assert_eq!(fields[0], path_str(&file));
    assert!(fields[1].starts_with('$'), "{line}");
}

#[test]
fn validate_exits_2_on_text_that_is_not_json_or_a_missing_file() {
    let file = corpus_dir().join("stix21/invalid/upstream-cti-stix-validator/invalid_braces.json");
    let output = stixhub(&["validate", path_str(&file)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not JSON"));
    let missing = stixhub(&["validate", "/nonexistent/stixhub-test.json"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn validate_reads_standard_input() {
    let file = corpus_dir().join("bundles/small/indicator-single.json");
    let output = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(["validate", "-"])
        .stdin(std::fs::File::open(file).unwrap())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// A 40 MB bundle is checked in far less than ten times its size: the document is split into raw objects and
/// only one object's tree exists at a time. The binary reports its peak RSS when asked.
#[test]
fn validate_streams_a_40_mb_bundle() {
    let source =
        std::fs::read_to_string(corpus_dir().join("bundles/attack-ics/ics-attack-18.1.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&source).unwrap();
    let objects: Vec<String> = value["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| serde_json::to_string(o).unwrap())
        .collect();
    let mut body =
        String::from(r#"{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":["#);
    let mut first = true;
    while body.len() < 40_000_000 {
        for object in &objects {
            if !first {
                body.push(',');
            }
            first = false;
            body.push_str(object);
        }
    }
    body.push_str("]}");
    let file = std::env::temp_dir().join(format!("stixhub-40mb-{}.json", std::process::id()));
    std::fs::write(&file, &body).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(["validate", path_str(&file)])
        .env("STIXHUB_REPORT_PEAK_RSS", "1")
        .output()
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout[..200.min(output.stdout.len())])
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    let peak_kib: usize = stderr
        .lines()
        .find_map(|line| line.strip_prefix("peak rss kib: "))
        .unwrap_or_else(|| panic!("no peak RSS report in {stderr}"))
        .parse()
        .unwrap();
    let peak_bytes = peak_kib * 1024;
    assert!(
        peak_bytes < 3 * body.len(),
        "peak RSS {peak_bytes} bytes for a {} byte bundle",
        body.len()
    );
}
