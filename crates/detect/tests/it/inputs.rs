//! The indicators the tests export: every corpus indicator, every real Unit 42 pattern wrapped in an
//! indicator, and hostile names and values written for these tests.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The corpus folder; panics with a clear message when it is missing, so no test passes vacuously.
pub(crate) fn corpus_dir() -> PathBuf {
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

fn json_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
}

/// Every indicator object in the corpus bundles and examples, as JSON text.
pub(crate) fn corpus_indicators() -> Vec<String> {
    let corpus = corpus_dir();
    let mut files = Vec::new();
    json_files(&corpus.join("bundles"), &mut files);
    json_files(&corpus.join("stix21/examples"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let document: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let objects = match document.get("objects") {
            Some(Value::Array(objects)) => objects.clone(),
            _ => vec![document],
        };
        out.extend(
            objects
                .into_iter()
                .filter(|o| o["type"] == "indicator")
                .map(|o| o.to_string()),
        );
    }
    assert!(
        out.len() > 600,
        "expected the corpus indicators, found {}",
        out.len()
    );
    out
}

/// An indicator around `pattern`, numbered `n`.
pub(crate) fn indicator(n: usize, name: &str, pattern: &str) -> String {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2024-01-02T03:04:05.000Z", "modified": "2024-03-04T05:06:07.000Z",
        "name": name, "pattern": pattern, "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
    })
    .to_string()
}

/// Every line of `patterns/real-unit42.txt` as an indicator.
pub(crate) fn unit42_indicators() -> Vec<String> {
    let text = std::fs::read_to_string(corpus_dir().join("patterns/real-unit42.txt")).unwrap();
    text.lines()
        .enumerate()
        .map(|(n, pattern)| indicator(1_000_000 + n, &format!("unit42 pattern {n}"), pattern))
        .collect()
}

/// Indicators whose names and values try to break out of each syntax.
pub(crate) fn hostile_indicators() -> Vec<String> {
    let names = [
        "quote \" semicolon ; backslash \\ pipe | colon : paren ) (",
        "newline\nand\ttab and carriage\rreturn",
        "non-ASCII: Überweisung 🚨 and \u{0} nul",
        "-",
        "(empty)",
        "a,b,\"c\"",
        "",
    ];
    let patterns = [
        "[url:value = 'http://evil.example/a;b\"c|d\\\\e:f?g=(h)&i=%20']",
        "[url:value = 'http://[2001:db8::5]:8080/x']",
        "[domain-name:value = 'under_score.evil.example'] OR [domain-name:value = 'EVIL-caps.Example.']",
        "[ipv6-addr:value = '2001:db8:0:0:1::/80'] OR [ipv4-addr:value = '203.0.113.0/24']",
        "[email-addr:value = 'x\"y;z@evil.example']",
        "[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E']",
    ];
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        for (j, pattern) in patterns.iter().enumerate() {
            out.push(indicator(2_000_000 + i * 100 + j, name, pattern));
        }
    }
    out
}
