//! The shared pattern corpus: `valid.txt` and `real-unit42.txt` are valid, `invalid.txt` invalid (the answers
//! of `stix2-patterns` 2.1.2), and every valid pattern round-trips through the canonical printer.
//! The corpus is `STIXHUB_CORPUS` or `<CARGO_MANIFEST_DIR>/../../../shared/corpus`.

use std::path::PathBuf;

fn corpus_patterns(file: &str) -> Vec<String> {
    let dir = match std::env::var_os("STIXHUB_CORPUS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    };
    let path = dir.join("patterns").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the shared corpus is missing: cannot read {} ({e}); set STIXHUB_CORPUS",
            path.display()
        )
    });
    text.lines().map(str::to_owned).collect()
}

fn assert_valid_and_round_trips(file: &str, expected_lines: usize) {
    let lines = corpus_patterns(file);
    assert_eq!(lines.len(), expected_lines, "{file} line count");
    let mut failures = Vec::new();
    for (line_idx, line) in lines.iter().enumerate() {
        let errors = stix_pattern::check(line);
        if !errors.is_empty() {
            failures.push(format!("{file}:{}: {line}: {}", line_idx + 1, errors[0]));
            continue;
        }
        let Ok(pattern) = stix_pattern::parse(line) else {
            failures.push(format!(
                "{file}:{}: check passes but parse fails: {line}",
                line_idx + 1
            ));
            continue;
        };
        let printed = pattern.to_string();
        match stix_pattern::parse(&printed) {
            Ok(reparsed) if reparsed == pattern && reparsed.to_string() == printed => {}
            _ => failures.push(format!(
                "{file}:{}: no round trip: {line} -> {printed}",
                line_idx + 1
            )),
        }
        if !stix_pattern::check(&printed).is_empty() {
            failures.push(format!(
                "{file}:{}: the printed form is invalid: {printed}",
                line_idx + 1
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn valid_corpus_is_valid_and_round_trips() {
    assert_valid_and_round_trips("valid.txt", 101);
}

#[test]
fn real_unit42_corpus_is_valid_and_round_trips() {
    assert_valid_and_round_trips("real-unit42.txt", 8699);
}

#[test]
fn invalid_corpus_is_invalid() {
    let lines = corpus_patterns("invalid.txt");
    assert_eq!(lines.len(), 36);
    let accepted: Vec<&String> = lines
        .iter()
        .filter(|line| stix_pattern::check(line).is_empty())
        .collect();
    assert!(accepted.is_empty(), "accepted invalid patterns: {accepted:#?}");
}
