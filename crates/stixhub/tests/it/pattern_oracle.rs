//! Differential tests of the STIX pattern engine (`stix-pattern`) against the OASIS reference tools (issue 4).
//!
//! - `patterns_agree_with_stix2_patterns`: every line of the shared pattern corpus
//!   (`patterns/{valid,invalid,real-unit42}.txt`) gets from `stix_pattern::check` the answer its file promises
//!   (always checked) and the answer `stix2-patterns` 2.1.2 gives (checked when the oracle is available).
//! - `mutated_patterns_agree_with_stix2_patterns`: the same for 5,000 deterministic mutants of real patterns
//!   (`test_data/pattern-mutants.txt`, made by `tests/oracle/gen_pattern_mutants.py`), against the recorded
//!   answers of `stix2-patterns` (`pattern-mutants.expected.jsonl`), re-checked live when the oracle is available.
//! - `matches_agree_with_stix2_matcher`: every generated case of `test_data/pattern-cases.jsonl` gets from
//!   `stix_pattern::eval` the verdict `stix2-matcher` 3.0.0 gives. The matcher's verdicts are recorded in
//!   `test_data/pattern-cases.expected.jsonl`, so the comparison runs without Python; with the oracle the
//!   recording itself is re-checked. A disagreement passes only when it is listed, with the STIX 2.1 section
//!   that makes the matcher wrong, in `crates/stix-pattern/test_data/matcher-disagreements.tsv`; a listed case that no longer
//!   disagrees (or disagrees differently) fails too, so the list cannot go stale.
//!
//! The oracle is the python of the venv built by `scripts/oracle-venv.sh`, named by `STIXHUB_ORACLE_PYTHON`
//! (CI: `STIXHUB_ORACLE_PYTHON=$(bash scripts/oracle-venv.sh)`); without it the oracle parts print a skip line.
//! The corpus is `STIXHUB_CORPUS` or `<CARGO_MANIFEST_DIR>/../../../shared/corpus`. With
//! `STIXHUB_PATTERN_DIFF_OUT=FILE`, every matching disagreement is also written to FILE as JSON lines, which
//! `tests/oracle/triage_disagreements.py FILE` sorts into proposed TSV lines (known, spec-justified matcher
//! differences) and unexplained ones (engine bugs until the spec says otherwise).
//!
//! Regenerating the data (only when a generator changes; new cases go at the end so that ids stay put), from
//! `crates/stixhub`: `python3 tests/oracle/gen_pattern_cases.py > test_data/pattern-cases.jsonl`, then
//! `$STIXHUB_ORACLE_PYTHON tests/oracle/pattern_oracle.py match test_data/pattern-cases.jsonl
//! > test_data/pattern-cases.expected.jsonl`; the mutants likewise (see `gen_pattern_mutants.py`).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const ORACLE_ENV: &str = "STIXHUB_ORACLE_PYTHON";
const CORPUS_ENV: &str = "STIXHUB_CORPUS";
/// When set, every disagreement (listed or not) is also written to this file as JSON lines, for triage.
const DIFF_OUT_ENV: &str = "STIXHUB_PATTERN_DIFF_OUT";
/// How many failures a test message spells out in full.
const SHOWN: usize = 60;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn test_data(name: &str) -> PathBuf {
    manifest_dir().join("test_data").join(name)
}

fn oracle_script() -> PathBuf {
    manifest_dir().join("tests/oracle/pattern_oracle.py")
}

fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os(CORPUS_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => manifest_dir().join("../../../shared/corpus"),
    };
    assert!(
        dir.join("patterns/valid.txt").is_file(),
        "the shared corpus is missing: no patterns/valid.txt under {} (set {CORPUS_ENV} to the corpus directory)",
        dir.display()
    );
    dir
}

/// The oracle's python, when `STIXHUB_ORACLE_PYTHON` names one.
fn oracle_python() -> Option<String> {
    std::env::var(ORACLE_ENV)
        .ok()
        .filter(|python| !python.trim().is_empty())
}

/// Runs `pattern_oracle.py MODE FILE` and returns its JSON lines.
fn run_oracle(python: &str, mode: &str, file: &Path) -> Vec<Value> {
    let output = Command::new(python)
        .arg(oracle_script())
        .arg(mode)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the oracle {python} ({ORACLE_ENV}): {e}"));
    assert!(
        output.status.success(),
        "the oracle failed ({}) on {}: {}",
        output.status,
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("the oracle prints UTF-8");
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("bad oracle line {line:?}: {e}")))
        .collect()
}

fn read_lines(path: &Path) -> Vec<String> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines().map(str::to_owned).collect()
}

fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string {key:?} in {value}"))
}

// ------------------------------------------------------------------------------------------------------------
// Validity

#[test]
fn patterns_agree_with_stix2_patterns() {
    let corpus = corpus_dir();
    let python = oracle_python();
    if python.is_none() {
        println!(
            "skip: validity against stix2-patterns (set {ORACLE_ENV}); checking the corpus files' own answers"
        );
    }
    let mut failures = Vec::new();
    let (mut total, mut agreed) = (0usize, 0usize);
    for (file, expect_valid) in [
        ("valid.txt", true),
        ("invalid.txt", false),
        ("real-unit42.txt", true),
    ] {
        let path = corpus.join("patterns").join(file);
        let lines = read_lines(&path);
        assert!(!lines.is_empty(), "{} is empty", path.display());
        let ours: Vec<Vec<stix_pattern::PatternError>> =
            lines.iter().map(|line| stix_pattern::check(line)).collect();
        for (n, (line, errors)) in lines.iter().zip(&ours).enumerate() {
            if errors.is_empty() != expect_valid {
                failures.push(format!(
                    "{file}:{}: the corpus says {}, check says {}: {line}{}",
                    n + 1,
                    validity(expect_valid),
                    validity(errors.is_empty()),
                    first_error(errors)
                ));
            }
        }
        let Some(python) = &python else { continue };
        let theirs = run_oracle(python, "validate", &path);
        assert_eq!(
            theirs.len(),
            lines.len(),
            "the oracle answered {} lines of {}",
            theirs.len(),
            file
        );
        for (n, ((line, errors), answer)) in lines.iter().zip(&ours).zip(&theirs).enumerate() {
            total += 1;
            let verdict = str_field(answer, "verdict");
            let detail = answer.get("detail").and_then(Value::as_str).unwrap_or("");
            match verdict {
                "valid" | "invalid" if (verdict == "valid") == errors.is_empty() => agreed += 1,
                "valid" | "invalid" => failures.push(format!(
                    "{file}:{}: stix2-patterns says {verdict}{}, check says {}: {line}{}",
                    n + 1,
                    if detail.is_empty() {
                        String::new()
                    } else {
                        format!(" ({detail})")
                    },
                    validity(errors.is_empty()),
                    first_error(errors)
                )),
                _ => failures.push(format!(
                    "{file}:{}: stix2-patterns crashed ({detail}): {line}",
                    n + 1
                )),
            }
        }
    }
    if python.is_some() {
        println!("validity: {agreed}/{total} corpus patterns agree with stix2-patterns 2.1.2");
    }
    assert!(
        failures.is_empty(),
        "{}",
        report("validity disagreements", &failures)
    );
}

#[test]
fn mutated_patterns_agree_with_stix2_patterns() {
    let path = test_data("pattern-mutants.txt");
    let lines = read_lines(&path);
    let recorded: Vec<Value> = read_lines(&test_data("pattern-mutants.expected.jsonl"))
        .iter()
        .map(|line| serde_json::from_str(line).expect("JSON line"))
        .collect();
    assert_eq!(
        recorded.len(),
        lines.len(),
        "pattern-mutants.expected.jsonl does not follow pattern-mutants.txt"
    );
    let mut failures = Vec::new();
    let theirs = match oracle_python() {
        Some(python) => {
            let live = run_oracle(&python, "validate", &path);
            assert_eq!(
                live.len(),
                lines.len(),
                "the oracle answered {} of {} mutants",
                live.len(),
                lines.len()
            );
            for (n, (was, now)) in recorded.iter().zip(&live).enumerate() {
                if str_field(was, "verdict") != str_field(now, "verdict") {
                    failures.push(format!(
                        "pattern-mutants.txt:{}: the recording says {}, stix2-patterns now says {}; \
                         regenerate pattern-mutants.expected.jsonl",
                        n + 1,
                        str_field(was, "verdict"),
                        str_field(now, "verdict")
                    ));
                }
            }
            live
        }
        None => {
            println!(
                "skip: live stix2-patterns run on the mutants (set {ORACLE_ENV}); using the recorded answers"
            );
            recorded
        }
    };
    let (mut agreed, mut crashed) = (0usize, 0usize);
    for (n, (line, answer)) in lines.iter().zip(&theirs).enumerate() {
        let errors = stix_pattern::check(line);
        let verdict = str_field(answer, "verdict");
        if verdict == "crash" {
            crashed += 1; // the reference validator raised instead of answering: nothing to compare
        } else if verdict == validity(errors.is_empty()) {
            agreed += 1;
        } else {
            failures.push(format!(
                "pattern-mutants.txt:{}: stix2-patterns says {verdict}, check says {}: {line}{}",
                n + 1,
                validity(errors.is_empty()),
                first_error(&errors)
            ));
        }
    }
    println!(
        "validity: {agreed}/{} mutated patterns agree with stix2-patterns 2.1.2 (skipped: {crashed} on which it crashes)",
        lines.len() - crashed
    );
    assert!(
        failures.is_empty(),
        "{}",
        report("validity disagreements on mutants", &failures)
    );
}

fn validity(valid: bool) -> &'static str {
    if valid { "valid" } else { "invalid" }
}

fn first_error(errors: &[stix_pattern::PatternError]) -> String {
    errors.first().map(|e| format!("  [{e}]")).unwrap_or_default()
}

// ------------------------------------------------------------------------------------------------------------
// Matching

/// One generated case: a pattern and the `objects` of a bundle (observed-data and SCOs).
struct Case {
    id: String,
    pattern: String,
    objects: Vec<Value>,
}

fn load_cases() -> Vec<Case> {
    let path = test_data("pattern-cases.jsonl");
    read_lines(&path)
        .iter()
        .map(|line| {
            let value: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("bad case line {line:?}: {e}"));
            let objects = value.get("objects").and_then(Value::as_array).cloned();
            Case {
                id: str_field(&value, "id").to_owned(),
                pattern: str_field(&value, "pattern").to_owned(),
                objects: objects.unwrap_or_else(|| panic!("case without objects: {line}")),
            }
        })
        .collect()
}

/// The oracle's answer for one case.
#[derive(Debug, Clone, PartialEq)]
struct Verdict {
    verdict: String,
    detail: String,
}

fn verdicts_of(lines: &[Value]) -> Vec<(String, Verdict)> {
    lines
        .iter()
        .map(|line| {
            let detail = line
                .get("detail")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            (
                str_field(line, "id").to_owned(),
                Verdict {
                    verdict: str_field(line, "verdict").to_owned(),
                    detail,
                },
            )
        })
        .collect()
}

/// Our verdict: "match", "nomatch" or "error" (the pattern does not parse, the observed-data is malformed, or
/// evaluation fails), plus what went wrong. A panic is reported as its own verdict, "panic".
fn our_verdict(case: &Case) -> (String, String) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let pattern = match stix_pattern::parse(&case.pattern) {
            Ok(pattern) => pattern,
            Err(errors) => {
                return (
                    "error".to_owned(),
                    format!("parse: {}", first_error(&errors).trim()),
                );
            }
        };
        let observations = match stix_pattern::eval::Observation::from_bundle_objects(&case.objects) {
            Ok(observations) => observations,
            Err(e) => return ("error".to_owned(), format!("observed-data: {e}")),
        };
        match stix_pattern::eval::matches(&pattern, &observations) {
            Ok(true) => ("match".to_owned(), String::new()),
            Ok(false) => ("nomatch".to_owned(), String::new()),
            Err(e) => ("error".to_owned(), e.to_string()),
        }
    }));
    outcome.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        ("panic".to_owned(), message)
    })
}

/// A justified disagreement: the case, both answers, and the STIX 2.1 text that makes the matcher wrong.
struct Justified {
    ours: String,
    theirs: String,
    section: String,
}

fn load_disagreements() -> BTreeMap<String, Justified> {
    // The engine owns its list of spec-justified differences from stix2-matcher; this test holds it to them.
    let path = manifest_dir().join("../stix-pattern/test_data/matcher-disagreements.tsv");
    let mut listed = BTreeMap::new();
    for (n, line) in read_lines(&path).iter().enumerate() {
        if n == 0 || line.trim().is_empty() || line.starts_with('#') {
            continue; // header and comments
        }
        let fields: Vec<&str> = line.split('\t').collect();
        assert!(
            fields.len() == 5 && fields.iter().all(|f| !f.trim().is_empty()),
            "{}:{}: want 5 non-empty tab-separated fields (id, ours, theirs, section, reason): {line:?}",
            path.display(),
            n + 1
        );
        let previous = listed.insert(
            fields[0].to_owned(),
            Justified {
                ours: fields[1].to_owned(),
                theirs: fields[2].to_owned(),
                section: fields[3].to_owned(),
            },
        );
        assert!(
            previous.is_none(),
            "{}:{}: {} is listed twice",
            path.display(),
            n + 1,
            fields[0]
        );
    }
    listed
}

#[test]
fn matches_agree_with_stix2_matcher() {
    let cases = load_cases();
    assert!(cases.len() >= 2000, "only {} cases", cases.len());
    let recorded_path = test_data("pattern-cases.expected.jsonl");
    let recorded_lines: Vec<Value> = read_lines(&recorded_path)
        .iter()
        .map(|line| serde_json::from_str(line).expect("JSON line"))
        .collect();
    let recorded = verdicts_of(&recorded_lines);
    let case_ids: Vec<&str> = cases.iter().map(|case| case.id.as_str()).collect();
    let recorded_ids: Vec<&str> = recorded.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        case_ids, recorded_ids,
        "pattern-cases.expected.jsonl does not follow pattern-cases.jsonl"
    );

    let mut failures = Vec::new();
    let theirs: Vec<Verdict> = match oracle_python() {
        Some(python) => {
            let live = verdicts_of(&run_oracle(&python, "match", &test_data("pattern-cases.jsonl")));
            let live_ids: Vec<&str> = live.iter().map(|(id, _)| id.as_str()).collect();
            assert_eq!(
                case_ids, live_ids,
                "the oracle did not answer every case in order"
            );
            for ((id, was), (_, now)) in recorded.iter().zip(&live) {
                if was.verdict != now.verdict {
                    failures.push(format!(
                        "{id}: the recording says stix2-matcher answers {}, it now answers {} ({}); \
                         regenerate pattern-cases.expected.jsonl",
                        was.verdict, now.verdict, now.detail
                    ));
                }
            }
            live.into_iter().map(|(_, verdict)| verdict).collect()
        }
        None => {
            println!("skip: live stix2-matcher run (set {ORACLE_ENV}); comparing with the recorded verdicts");
            recorded.into_iter().map(|(_, verdict)| verdict).collect()
        }
    };

    let listed = load_disagreements();
    let by_id: HashMap<&str, usize> = case_ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    for id in listed.keys() {
        if !by_id.contains_key(id.as_str()) {
            failures.push(format!(
                "{id}: listed in matcher-disagreements.tsv but not a case"
            ));
        }
    }
    let (mut agreed, mut justified) = (0usize, 0usize);
    let mut diff_out = String::new();
    let mut by_family: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (case, their) in cases.iter().zip(&theirs) {
        let (ours, our_detail) = our_verdict(case);
        let family = case
            .id
            .rsplit_once('-')
            .map_or(case.id.as_str(), |(family, _)| family)
            .to_owned();
        let entry = by_family.entry(family).or_default();
        entry.1 += 1;
        let listing = listed.get(&case.id);
        if ours == their.verdict {
            agreed += 1;
            entry.0 += 1;
            if let Some(listing) = listing {
                failures.push(format!(
                    "{}: listed as a disagreement ({} vs {}, {}) but both now answer {ours}: remove the line\n    \
                     pattern: {}",
                    case.id, listing.ours, listing.theirs, listing.section, case.pattern
                ));
            }
            continue;
        }
        let record = serde_json::json!({
            "id": case.id, "pattern": case.pattern, "ours": ours, "our_detail": our_detail,
            "theirs": their.verdict, "their_detail": their.detail, "listed": listing.is_some(),
        });
        let _ = writeln!(diff_out, "{record}");
        match listing {
            Some(listing) if listing.ours == ours && listing.theirs == their.verdict => justified += 1,
            Some(listing) => failures.push(format!(
                "{}: listed as ours {} / theirs {}, but now ours {ours} / theirs {}\n    pattern: {}",
                case.id, listing.ours, listing.theirs, their.verdict, case.pattern
            )),
            None => failures.push(describe(case, &ours, &our_detail, their)),
        }
    }
    if let Some(path) = std::env::var_os(DIFF_OUT_ENV) {
        std::fs::write(&path, &diff_out).unwrap_or_else(|e| panic!("cannot write {path:?}: {e}"));
    }
    println!(
        "matching: {agreed}/{} cases agree with stix2-matcher 3.0.0; {justified} listed disagreements \
         (spec-justified); {} failures",
        cases.len(),
        failures.len()
    );
    for (family, (ok, all)) in &by_family {
        if ok != all {
            println!("  {family}: {ok}/{all}");
        }
    }
    assert!(
        failures.is_empty(),
        "{}",
        report("unlisted or stale disagreements with stix2-matcher", &failures)
    );
}

fn describe(case: &Case, ours: &str, our_detail: &str, their: &Verdict) -> String {
    let mut text = format!("{}: ours {ours}", case.id);
    if !our_detail.is_empty() {
        let _ = write!(text, " ({our_detail})");
    }
    let _ = write!(text, ", stix2-matcher {}", their.verdict);
    if !their.detail.is_empty() {
        let _ = write!(text, " ({})", their.detail);
    }
    let _ = write!(text, "\n    pattern: {}", case.pattern);
    let objects = serde_json::to_string(&case.objects).unwrap_or_default();
    let shown: String = objects.chars().take(700).collect();
    let _ = write!(
        text,
        "\n    objects: {shown}{}",
        if shown.len() < objects.len() { "…" } else { "" }
    );
    text
}

fn report(what: &str, failures: &[String]) -> String {
    let mut text = format!("{} {what}:\n", failures.len());
    for failure in failures.iter().take(SHOWN) {
        let _ = writeln!(text, "- {failure}");
    }
    if failures.len() > SHOWN {
        let _ = writeln!(text, "… and {} more", failures.len() - SHOWN);
    }
    text
}
