//! The validator against the shared corpus: every valid file passes with no diagnostic, and every invalid file
//! fails with the rule its README names (`test_data/invalid-expected.tsv`).

use std::path::Path;

use serde_json::Value;
use stix::diagnostic::Diagnostic;
use stix::validate::validate_document;

use crate::corpus::{corpus_dir, json_files};

fn validate_file(path: &Path) -> Vec<Diagnostic> {
    let text = std::fs::read_to_string(path).expect("corpus file is readable");
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    validate_document(&value)
}

/// `(file, expected code, other codes allowed)` rows of `test_data/invalid-expected.tsv`.
fn expected_invalid() -> Vec<(String, String, Vec<String>)> {
    let table = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/invalid-expected.tsv");
    let text = std::fs::read_to_string(table).expect("test_data/invalid-expected.tsv is readable");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            assert!(columns.len() >= 3, "file, code and section expected: {line}");
            let others = columns.get(3).map_or_else(Vec::new, |others| {
                others
                    .split(',')
                    .map(str::trim)
                    .filter(|code| !code.is_empty())
                    .map(str::to_owned)
                    .collect()
            });
            (columns[0].to_owned(), columns[1].to_owned(), others)
        })
        .collect()
}

#[test]
fn every_example_and_bundle_validates_without_diagnostics() {
    let corpus = corpus_dir();
    let mut files = json_files(&corpus.join("stix21/examples"));
    files.extend(json_files(&corpus.join("bundles")));
    assert!(
        files.len() >= 29,
        "expected the corpus examples and bundles, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for file in &files {
        let diagnostics = validate_file(file);
        if !diagnostics.is_empty() {
            let shown: Vec<String> = diagnostics.iter().take(5).map(ToString::to_string).collect();
            failures.push(format!(
                "{} ({} diagnostics):\n  {}",
                file.display(),
                diagnostics.len(),
                shown.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "valid files rejected:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_invalid_file_fails_with_its_rule() {
    let invalid_dir = corpus_dir().join("stix21/invalid");
    let expected = expected_invalid();
    let listed: Vec<&str> = expected.iter().map(|(file, _, _)| file.as_str()).collect();
    for file in json_files(&invalid_dir) {
        let relative = file
            .strip_prefix(&invalid_dir)
            .expect("file under the invalid folder")
            .to_string_lossy()
            .replace('\\', "/");
        let is_json_syntax_case =
            relative.ends_with("invalid_braces.json") || relative.ends_with("invalid_comma.json");
        assert!(
            is_json_syntax_case || listed.contains(&relative.as_str()),
            "{relative} is not in invalid-expected.tsv"
        );
    }
    let mut failures = Vec::new();
    for (file, code, others) in &expected {
        let diagnostics = validate_file(&invalid_dir.join(file));
        if !diagnostics.iter().any(|d| d.code == code) {
            failures.push(format!("{file}: expected {code}, got {diagnostics:?}"));
        }
        let unexpected: Vec<_> = diagnostics
            .iter()
            .filter(|d| d.code != code && !others.iter().any(|other| other == d.code))
            .collect();
        if !unexpected.is_empty() {
            failures.push(format!("{file}: diagnostics besides {code}: {unexpected:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "invalid files not rejected as expected:\n{}",
        failures.join("\n")
    );
}

#[test]
fn non_json_upstream_files_are_not_json() {
    let upstream = corpus_dir().join("stix21/invalid/upstream-cti-stix-validator");
    for name in ["invalid_braces.json", "invalid_comma.json"] {
        let text = std::fs::read_to_string(upstream.join(name)).expect("upstream file is readable");
        assert!(
            serde_json::from_str::<Value>(&text).is_err(),
            "{name} is expected to be a JSON syntax error"
        );
    }
}

#[test]
fn diagnostics_carry_document_paths() {
    let file = corpus_dir().join("stix21/invalid/bundle-bad-id.json");
    let diagnostics = validate_file(&file);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0].path, "$.id");
    let mut value: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("readable")).expect("JSON");
    value["id"] = Value::from("bundle--5f6e7d8c-9bab-4cde-8f01-23456789abcd");
    value["objects"][0]["confidence"] = Value::from(101);
    let diagnostics = validate_document(&value);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0].path, "$.objects[0].confidence");
}

#[test]
fn every_valid_oracle_case_validates_without_diagnostics() {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/oracle-cases");
    let valid_cases: Vec<_> = json_files(&cases)
        .into_iter()
        .filter(|file| {
            file.file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with("ok-"))
        })
        .collect();
    assert!(
        valid_cases.len() >= 40,
        "expected one ok- case per type, found {}",
        valid_cases.len()
    );
    for file in valid_cases {
        let diagnostics = validate_file(&file);
        assert!(diagnostics.is_empty(), "{}: {diagnostics:?}", file.display());
    }
}
