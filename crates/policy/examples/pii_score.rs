//! Prints the PII detector's recall and precision on the labelled set, per kind, as a Markdown table.
//!
//! `cargo run --release -p policy --example pii-score [FILE] [--mistakes]`; FILE defaults to
//! `crates/policy/test_data/pii-labelled.jsonl`.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_mistakes = args.iter().any(|arg| arg == "--mistakes");
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
    // The first pass also compiles the detector's regexes; time the second.
    let _warm_up = policy::pii::score::score(&fields);
    let started = Instant::now();
    let scores = policy::pii::score::score(&fields);
    let elapsed = started.elapsed();
    let n_bytes: usize = fields.iter().map(|field| field.text.len()).sum();
    println!(
        "{} fields, {} bytes, scanned in {:.1} ms",
        scores.n_fields,
        n_bytes,
        elapsed.as_secs_f64() * 1e3
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
