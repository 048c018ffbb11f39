//! Every format over the corpus and the hostile inputs: each output is checked against its grammar, every
//! rule against the reference tools when `STIXHUB_ORACLE_PYTHON` is set, and every indicator is accounted
//! for (written, filtered, skipped or suppressed: never dropped silently).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use detect::export::{ExportOptions, Exporter, Format};
use detect::record::Filter;
use detect::rules::SidRange;
use detect::warninglist::Warninglists;

use crate::grammar::{check_rpz, check_zeek, parse_csv};
use crate::inputs::{corpus_indicators, hostile_indicators, unit42_indicators};

fn all_inputs() -> Vec<String> {
    let mut inputs = corpus_indicators();
    inputs.extend(unit42_indicators());
    inputs.extend(hostile_indicators());
    inputs
}

/// Exports `inputs` with every filter off (so old and revoked corpus indicators count too).
fn export(format: Format, inputs: &[String], warninglists: Option<Arc<Warninglists>>) -> (String, Exporter) {
    let mut exporter = Exporter::new(ExportOptions {
        format,
        filter: Filter {
            kinds: Vec::new(),
            valid_at: None,
            include_revoked: true,
            min_confidence: None,
        },
        warninglists,
        sids: SidRange::default(),
        reference_base: "https://hub.example:8443/ui/c/root/collection--x/objects/".to_owned(),
        source: "stixhub \"test\"; hub".to_owned(),
        now_seconds: 1_765_000_000,
    });
    let mut out = String::new();
    exporter.write_head(&mut out);
    for input in inputs {
        exporter.add_json(input, &mut out);
    }
    exporter.write_trailer(&mut out);
    (out, exporter)
}

fn assert_accounted(exporter: &Exporter, n_inputs: usize) {
    let counts = exporter.counts();
    assert_eq!(counts.indicators, n_inputs as u64);
    assert!(counts.written > 0, "{counts:?}");
}

fn rule_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
}

fn check_rules(format: Format) {
    let inputs = all_inputs();
    let (text, exporter) = export(format, &inputs, None);
    assert_accounted(&exporter, inputs.len());
    let lines = rule_lines(&text);
    assert_eq!(lines.len() as u64, exporter.counts().written);
    let mut sids = BTreeSet::new();
    for line in &lines {
        let sid = line
            .split("; sid:")
            .nth(1)
            .and_then(|rest| rest.split(';').next())
            .expect("a sid");
        assert!(sids.insert(sid.to_owned()), "duplicate sid {sid}");
        assert!(
            line.contains("(msg:\"stixhub ") && line.contains("(indicator--"),
            "{line}"
        );
        assert!(
            line.contains("reference:url,hub.example:8443/ui/c/root/collection--x/objects/indicator--"),
            "{line}"
        );
        assert!(line.ends_with(";)") && !line.contains('\n'), "{line}");
    }
    oracle(format, &text, lines.len());
}

/// Runs `test_data/rule_oracle.py` (idstools, suricata-check) over the rules, when the oracle venv is set.
fn oracle(format: Format, text: &str, n_rules: usize) {
    let Some(python) = std::env::var_os("STIXHUB_ORACLE_PYTHON") else {
        eprintln!("STIXHUB_ORACLE_PYTHON not set: rules checked by this crate's own assertions only");
        return;
    };
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("export.{}.rules", format.as_str()));
    std::fs::write(&file, text).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/rule_oracle.py");
    let output = Command::new(python)
        .arg(script)
        .arg(format.as_str())
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["rules"], n_rules as u64);
    let problems = report["problems"].as_array().unwrap();
    assert!(
        problems.is_empty(),
        "{} of {n_rules} rules refused: {:#}",
        problems.len(),
        report["problems"]
    );
}

#[test]
fn every_suricata_rule_parses_and_passes_the_checkers() {
    check_rules(Format::Suricata);
}

#[test]
fn every_snort_rule_parses() {
    check_rules(Format::Snort);
}

#[test]
fn zeek_intel_files_follow_the_intel_grammar() {
    let inputs = all_inputs();
    let (text, exporter) = export(Format::Zeek, &inputs, None);
    assert_accounted(&exporter, inputs.len());
    let n = check_zeek(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n as u64, exporter.counts().written);
    // Zeek matches URLs without their scheme, and every kind of value appears.
    for kind in [
        "Intel::ADDR",
        "Intel::SUBNET",
        "Intel::DOMAIN",
        "Intel::URL",
        "Intel::EMAIL",
        "Intel::FILE_HASH",
    ] {
        assert!(text.contains(&format!("\t{kind}\t")), "no {kind}");
    }
}

#[test]
fn rpz_zones_follow_the_master_file_grammar() {
    let inputs = all_inputs();
    let (text, exporter) = export(Format::Rpz, &inputs, None);
    assert_accounted(&exporter, inputs.len());
    let n = check_rpz(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n as u64, exporter.counts().written);
    assert!(text.contains("\nunder_score.evil.example CNAME .\n"), "{text}");
}

#[test]
fn csv_records_have_every_column_and_survive_hostile_names() {
    let inputs = all_inputs();
    let (text, exporter) = export(Format::Csv, &inputs, None);
    assert_accounted(&exporter, inputs.len());
    let records = parse_csv(&text).unwrap_or_else(|e| panic!("{e}"));
    assert!(records.iter().all(|r| r.len() == 8), "a record without 8 fields");
    assert_eq!(records.len() as u64, exporter.counts().written + 1);
    assert!(
        records
            .iter()
            .any(|r| r[1] == "newline\nand tab and carriage\rreturn")
    );
}

#[test]
fn plain_lists_hold_one_value_per_line_and_the_trailer_counts_the_rest() {
    let inputs = all_inputs();
    let (text, exporter) = export(Format::Plain, &inputs, None);
    let counts = exporter.counts();
    assert_eq!(rule_lines(&text).len() as u64, counts.written);
    // Unit 42 has thousands of patterns an export cannot carry exactly (file names, command lines, ANDs):
    // each is counted with its reason.
    assert!(counts.n_skipped() > 1_000, "{counts:?}");
    assert!(text.contains(&format!("# skipped: {}\n", counts.n_skipped())));
    assert!(text.contains("(property not exported"));
}

#[test]
fn corpus_values_on_warninglists_are_suppressed_and_counted() {
    // The hand-written corpus uses documentation addresses (RFC 5737 TEST-NET), which rfc5735 lists.
    let inputs = corpus_indicators();
    let lists = Arc::new(Warninglists::embedded_default().unwrap());
    let (with_lists, exporter) = export(Format::Plain, &inputs, Some(lists));
    let (without, _) = export(Format::Plain, &inputs, None);
    assert!(without.lines().any(|l| l == "198.51.100.23"));
    assert!(!with_lists.lines().any(|l| l == "198.51.100.23"));
    let suppressed = exporter.counts().n_suppressed();
    assert!(suppressed > 0);
    assert!(with_lists.contains(&format!("# suppressed: {suppressed}\n")));
}
