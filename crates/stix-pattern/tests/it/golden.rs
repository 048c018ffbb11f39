//! Parser goldens: `test_data/ok/*.pattern` must be valid and match `.ast` (canonical print, then the tree);
//! `test_data/err/*.pattern` must be invalid and match `.diag` (every error, `start..end: message`).
//! Bless with `UPDATE_EXPECT=1 cargo test -p stix-pattern`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn test_data(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data").join(kind)
}

fn pattern_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "pattern"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .pattern files in {}", dir.display());
    files
}

/// Compares `actual` with the file `expected_path`, or writes it when `UPDATE_EXPECT` is set.
fn check_expect(expected_path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(expected_path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(expected_path).unwrap_or_default();
    if expected != actual {
        failures.push(format!(
            "{} differs (bless with UPDATE_EXPECT=1)\n--- expected\n{expected}\n--- actual\n{actual}",
            expected_path.display()
        ));
    }
}

fn read_pattern(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.strip_suffix('\n').unwrap_or(&text).to_owned()
}

#[test]
fn ok_goldens_parse_and_print_as_recorded() {
    let mut failures = Vec::new();
    for path in pattern_files(&test_data("ok")) {
        let text = read_pattern(&path);
        let errors = stix_pattern::check(&text);
        assert!(
            errors.is_empty(),
            "{} should be valid: {errors:?}",
            path.display()
        );
        let pattern = stix_pattern::parse(&text).unwrap();
        let printed = pattern.to_string();
        assert_eq!(
            stix_pattern::parse(&printed).as_ref(),
            Ok(&pattern),
            "{} does not round-trip",
            path.display()
        );
        let actual = format!("{printed}\n{pattern:#?}\n");
        check_expect(&path.with_extension("ast"), &actual, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn err_goldens_report_the_recorded_diagnostics() {
    let mut failures = Vec::new();
    for path in pattern_files(&test_data("err")) {
        let text = read_pattern(&path);
        let errors = stix_pattern::check(&text);
        assert!(!errors.is_empty(), "{} should be invalid", path.display());
        let mut actual = String::new();
        for error in &errors {
            let _ = writeln!(
                actual,
                "{}..{}: {}",
                error.span.start, error.span.end, error.message
            );
        }
        check_expect(&path.with_extension("diag"), &actual, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
