//! Differential test against the OASIS reference validator (stix2-validator 3.3.2, `version="2.1"`).
//!
//! Runs only when `STIXHUB_ORACLE_PYTHON` names a python with the reference tools (`scripts/oracle-venv.sh`
//! prints one; CI sets it). Every corpus file, and every case in `test_data/oracle-cases`, gets a verdict, valid or invalid, from both validators. Each
//! disagreement must be listed, with the STIX 2.1 section that justifies stixhub, in
//! `test_data/oracle-disagreements.tsv`; a listed disagreement that no longer happens fails the test too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use stix::validate::validate_document;

use crate::corpus::{corpus_dir, json_files};

/// One line of the disagreement table.
#[derive(Debug)]
struct ListedDisagreement {
    oracle_valid: bool,
    ours_valid: bool,
}

fn listed_disagreements() -> BTreeMap<String, ListedDisagreement> {
    let table = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/oracle-disagreements.tsv");
    let text = std::fs::read_to_string(table).expect("test_data/oracle-disagreements.tsv is readable");
    let mut listed = BTreeMap::new();
    for line in text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
    {
        let columns: Vec<&str> = line.split('\t').collect();
        assert!(
            columns.len() >= 4 && !columns[3].trim().is_empty(),
            "a row needs a spec section: {line}"
        );
        let disagreement = ListedDisagreement {
            oracle_valid: columns[1] == "valid",
            ours_valid: columns[2] == "valid",
        };
        assert_ne!(
            disagreement.oracle_valid, disagreement.ours_valid,
            "not a disagreement: {line}"
        );
        listed.insert(columns[0].to_owned(), disagreement);
    }
    listed
}

/// The corpus files and this crate's own cases (`test_data/oracle-cases`).
fn compared_files(corpus: &Path) -> Vec<PathBuf> {
    let mut files = json_files(&corpus.join("stix21/examples"));
    files.extend(json_files(&corpus.join("bundles")));
    files.extend(json_files(&corpus.join("stix21/invalid")));
    files.extend(json_files(&cases_dir()));
    files
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/oracle-cases")
}

/// The name a file has in `oracle-disagreements.tsv`: relative to the corpus, or `test_data/oracle-cases/…`.
fn display_name(corpus: &Path, file: &Path) -> String {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let relative = file
        .strip_prefix(corpus)
        .or_else(|_| file.strip_prefix(manifest_dir))
        .unwrap_or(file);
    relative.to_string_lossy().replace('\\', "/")
}

fn our_verdict(path: &Path) -> (bool, String) {
    let text = std::fs::read_to_string(path).expect("corpus file is readable");
    match serde_json::from_str::<Value>(&text) {
        Err(err) => (false, format!("json-syntax: {err}")),
        Ok(value) => {
            let diagnostics = validate_document(&value);
            let shown: Vec<String> = diagnostics.iter().take(3).map(ToString::to_string).collect();
            (diagnostics.is_empty(), shown.join(" | "))
        }
    }
}

/// The oracle's verdicts, keyed by display name.
fn oracle_verdicts(python: &str, corpus: &Path, files: &[PathBuf]) -> BTreeMap<String, (bool, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/validate.py");
    let output = Command::new(python)
        .arg(&script)
        .args(files)
        .output()
        .expect("the oracle python runs");
    assert!(
        output.status.success(),
        "oracle script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("oracle output is UTF-8");
    stdout
        .lines()
        .filter_map(|line| {
            let mut columns = line.splitn(3, '\t');
            let file = display_name(corpus, Path::new(columns.next()?));
            let valid = columns.next()? == "valid";
            Some((file, (valid, columns.next().unwrap_or_default().to_owned())))
        })
        .collect()
}

#[test]
fn agrees_with_stix2_validator_except_where_listed() {
    let Some(python) = std::env::var_os("STIXHUB_ORACLE_PYTHON") else {
        eprintln!("skipped: STIXHUB_ORACLE_PYTHON not set");
        return;
    };
    let python = python.to_string_lossy().into_owned();
    let corpus = corpus_dir();
    let files = compared_files(&corpus);
    let oracle = oracle_verdicts(&python, &corpus, &files);
    let listed = listed_disagreements();
    let mut problems = Vec::new();
    for file in &files {
        let name = display_name(&corpus, file);
        let Some((oracle_valid, oracle_messages)) = oracle.get(&name) else {
            problems.push(format!("{name}: no verdict from the oracle"));
            continue;
        };
        let (ours_valid, our_messages) = our_verdict(file);
        let disagrees = ours_valid != *oracle_valid;
        match (listed.get(&name), disagrees) {
            (None, false) => {}
            (None, true) => problems.push(format!(
                "{name}: unlisted disagreement: oracle says {}, we say {}\n    oracle: {oracle_messages}\n    ours: {our_messages}",
                verdict(*oracle_valid),
                verdict(ours_valid)
            )),
            (Some(row), true) if row.oracle_valid == *oracle_valid && row.ours_valid == ours_valid => {}
            (Some(row), true) => problems.push(format!("{name}: disagreement differs from the listed one ({row:?})")),
            (Some(_), false) => problems.push(format!("{name}: listed disagreement no longer disagrees; remove it")),
        }
    }
    for name in listed.keys() {
        if !oracle.contains_key(name) {
            problems.push(format!(
                "{name}: listed in oracle-disagreements.tsv but not compared"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "differential test against stix2-validator:\n{}",
        problems.join("\n")
    );
}

fn verdict(valid: bool) -> &'static str {
    if valid { "valid" } else { "invalid" }
}
