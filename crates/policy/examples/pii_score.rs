//! Prints the PII detector's recall and precision on the labelled set, per kind, as a Markdown table.
//!
//! `cargo run --release -p policy --example pii-score [FILE] [--mistakes]`; FILE defaults to
//! `crates/policy/test_data/pii-labelled.jsonl`.
//!
//! `cargo run --release -p policy --example pii-score -- --corpus DIR`: screening throughput at ingest, i.e.
//! `redact_object` over every object of every bundle (`*.json`) under DIR (e.g. `../shared/corpus/bundles`),
//! repeated for at least two seconds; with `--mistakes`, every finding (the corpus holds no personal data that
//! is not public attribution, so each is a false positive or a citation).
#![allow(clippy::print_stdout)]

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_mistakes = args.iter().any(|arg| arg == "--mistakes");
    if let Some(dir) = args
        .iter()
        .position(|arg| arg == "--corpus")
        .and_then(|idx| args.get(idx + 1))
    {
        return corpus_throughput(std::path::Path::new(dir), show_mistakes);
    }
    let default_path = concat!(env!("CARGO_MANIFEST_DIR"), "/test_data/pii-labelled.jsonl").to_owned();
    let path = args
        .iter()
        .find(|arg| !arg.starts_with("--"))
        .cloned()
        .unwrap_or(default_path);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("pii-score: cannot read {path}: {err}");
            return ExitCode::from(2);
        }
    };
    let fields = match policy::pii::score::parse_labelled_jsonl(&text) {
        Ok(fields) => fields,
        Err(err) => {
            eprintln!("pii-score: {path}: {err}");
            return ExitCode::from(2);
        }
    };
    // The first pass also compiles the detector's regexes; time the following ones (at least one second).
    let scores = policy::pii::score::score(&fields);
    let context = policy::pii::ThreatContext::new();
    let mut rounds = 0u32;
    let started = Instant::now();
    while rounds == 0 || started.elapsed().as_secs_f64() < 1.0 {
        for field in &fields {
            std::hint::black_box(policy::pii::find_in_text(&field.text, &context));
        }
        rounds += 1;
    }
    let seconds = started.elapsed().as_secs_f64() / f64::from(rounds);
    let n_bytes: usize = fields.iter().map(|field| field.text.len()).sum();
    println!(
        "{} fields, {} bytes, scanned in {:.1} ms ({:.0} fields/s, {:.2} MB/s)",
        scores.n_fields,
        n_bytes,
        seconds * 1e3,
        scores.n_fields as f64 / seconds,
        n_bytes as f64 / seconds / 1e6
    );
    println!();
    print!("{}", scores.table());
    if show_mistakes {
        println!();
        for mistake in &scores.mistakes {
            println!("{mistake}");
        }
    }
    ExitCode::SUCCESS
}

/// Every object of every bundle under `dir`, by bundle (a bundle is one submission's threat context).
fn bundles(dir: &std::path::Path, out: &mut Vec<Vec<serde_json::Value>>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            bundles(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "json") {
            let text = std::fs::read_to_string(&path)?;
            if let Ok(bundle) = serde_json::from_str::<serde_json::Value>(&text)
                && let Some(objects) = bundle.get("objects").and_then(serde_json::Value::as_array)
            {
                out.push(objects.clone());
            }
        }
    }
    Ok(())
}

/// `redact_object` over every object under `dir`, timed; with `show_findings`, prints each finding once.
fn corpus_throughput(dir: &std::path::Path, show_findings: bool) -> ExitCode {
    let mut all = Vec::new();
    if let Err(err) = bundles(dir, &mut all) {
        eprintln!("pii-score: cannot read {}: {err}", dir.display());
        return ExitCode::from(2);
    }
    let n_objects: usize = all.iter().map(Vec::len).sum();
    if show_findings {
        for objects in &all {
            let context = policy::pii::object::threat_context(objects);
            for object in objects {
                for finding in policy::pii::object::redact_object(object, &context).findings {
                    let path = finding
                        .json_path
                        .trim_start_matches("$.")
                        .replace('[', "/")
                        .replace(']', "");
                    let text = path
                        .split(['.', '/'])
                        .try_fold(object, |value, key| match key.parse::<usize>() {
                            Ok(idx) => value.get(idx),
                            Err(_) => value.get(key),
                        })
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_default();
                    let snippet = text.get(finding.start..finding.end).unwrap_or_default();
                    println!(
                        "{} {} {}: {snippet:?}",
                        finding.kind.as_str(),
                        finding.confidence,
                        finding.json_path
                    );
                }
            }
        }
    }
    let n_bytes: usize = all.iter().flatten().map(|object| object.to_string().len()).sum();
    let mut n_findings = 0;
    let mut rounds = 0u32;
    let started = Instant::now();
    while rounds == 0 || started.elapsed().as_secs_f64() < 2.0 {
        n_findings = 0;
        for objects in &all {
            let context = policy::pii::object::threat_context(objects);
            for object in objects {
                n_findings += policy::pii::object::redact_object(object, &context)
                    .findings
                    .len();
            }
        }
        rounds += 1;
    }
    let seconds = started.elapsed().as_secs_f64() / f64::from(rounds);
    println!(
        "{n_objects} objects ({:.1} MB of JSON) in {} bundles: {:.1} ms a pass ({rounds} passes), \
         {:.0} objects/s, {:.2} MB/s; {n_findings} findings",
        n_bytes as f64 / 1e6,
        all.len(),
        seconds * 1e3,
        n_objects as f64 / seconds,
        n_bytes as f64 / seconds / 1e6
    );
    ExitCode::SUCCESS
}
