//! Parse + validate throughput on the corpus bundles, next to a plain `serde_json::Value` parse of the same
//! bytes in the same run. `cargo bench -p stix --bench parse`. Prints medians of 9 runs.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use stix::bundle::Document;

const RUNS: usize = 9;

fn main() {
    let corpus = std::env::var_os("STIXHUB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let bundles = corpus.join("bundles");
    let mut texts = Vec::new();
    for dir in ["attack-ics", "capec", "unit42", "small"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(bundles.join(dir))
            .unwrap_or_else(|err| panic!("corpus missing at {}: {err}", bundles.display()))
            .map(|e| e.map(|e| e.path()).unwrap_or_default())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        entries.sort();
        for path in entries {
            texts.push(std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    let n_bytes: usize = texts.iter().map(String::len).sum();
    let n_objects: usize = texts
        .iter()
        .map(|t| Document::split(t).map(|d| d.objects.len()).unwrap_or(0))
        .sum();

    let plain = median_time(|| {
        for text in &texts {
            let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            std::hint::black_box(value);
        }
    });
    let validate_only = median_time(|| {
        for text in &texts {
            let diagnostics = Document::split(text).map(|d| d.validate()).unwrap_or_default();
            assert!(diagnostics.is_empty(), "{diagnostics:?}");
        }
    });
    let into_objects = median_time(|| {
        for text in &texts {
            let (objects, diagnostics) = Document::split(text)
                .map(Document::into_objects)
                .unwrap_or_default();
            assert!(diagnostics.is_empty());
            std::hint::black_box(objects);
        }
    });

    println!(
        "corpus bundles: {} MB, {n_objects} objects, median of {RUNS} runs",
        fmt_mb(n_bytes)
    );
    report(
        "serde_json::Value parse (baseline)",
        plain,
        n_bytes,
        n_objects,
        plain,
    );
    report(
        "split + validate (stixhub validate)",
        validate_only,
        n_bytes,
        n_objects,
        plain,
    );
    report(
        "split + validate + StixObject (ingest)",
        into_objects,
        n_bytes,
        n_objects,
        plain,
    );
}

fn median_time(mut work: impl FnMut()) -> Duration {
    work(); // warm-up
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn report(label: &str, time: Duration, n_bytes: usize, n_objects: usize, baseline: Duration) {
    let seconds = time.as_secs_f64();
    println!(
        "{label:42} {:8.1} ms {:8.1} MB/s {:10.0} objects/s  {:.2}x baseline",
        seconds * 1e3,
        n_bytes as f64 / seconds / 1e6,
        n_objects as f64 / seconds,
        seconds / baseline.as_secs_f64()
    );
}

fn fmt_mb(n_bytes: usize) -> String {
    format!("{:.1}", n_bytes as f64 / 1e6)
}
