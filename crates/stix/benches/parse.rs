//! Parse + validate throughput on the corpus bundles, next to a plain `serde_json::Value` parse of the same
//! bytes in the same run. `cargo bench -p stix --bench parse`. Prints medians of 9 interleaved rounds.

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

    // The three workloads run interleaved, round after round, so that load from other processes falls on
    // all of them alike; each ratio is the median of the per-round ratios.
    let workloads: [(&str, &dyn Fn()); 3] = [
        ("serde_json::Value parse (baseline)", &|| {
            for text in &texts {
                let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                std::hint::black_box(value);
            }
        }),
        ("split + validate (stixhub validate)", &|| {
            for text in &texts {
                let diagnostics = Document::split(text).map(|d| d.validate()).unwrap_or_default();
                assert!(diagnostics.is_empty(), "{diagnostics:?}");
            }
        }),
        ("split + validate + StixObject (ingest)", &|| {
            for text in &texts {
                let (objects, diagnostics) = Document::split(text)
                    .map(Document::into_objects)
                    .unwrap_or_default();
                assert!(diagnostics.is_empty());
                std::hint::black_box(objects);
            }
        }),
    ];
    let mut times = vec![Vec::with_capacity(RUNS); workloads.len()];
    for round in 0..=RUNS {
        for (workload_idx, (_, work)) in workloads.iter().enumerate() {
            let start = Instant::now();
            work();
            if round > 0 {
                times[workload_idx].push(start.elapsed()); // round 0 warms up
            }
        }
    }
    println!(
        "corpus bundles: {} MB, {n_objects} objects, {RUNS} interleaved rounds",
        fmt_mb(n_bytes)
    );
    for (workload_idx, (label, _)) in workloads.iter().enumerate() {
        let ratios: Vec<f64> = times[workload_idx]
            .iter()
            .zip(&times[0])
            .map(|(time, baseline)| time.as_secs_f64() / baseline.as_secs_f64())
            .collect();
        report(
            label,
            median(&times[workload_idx]),
            n_bytes,
            n_objects,
            median_f64(ratios),
        );
    }
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn median_f64(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn report(label: &str, time: Duration, n_bytes: usize, n_objects: usize, ratio: f64) {
    let seconds = time.as_secs_f64();
    println!(
        "{label:42} {:8.1} ms {:8.1} MB/s {:10.0} objects/s  {:.2}x baseline (median per-round ratio)",
        seconds * 1e3,
        n_bytes as f64 / seconds / 1e6,
        n_objects as f64 / seconds,
        ratio
    );
}

fn fmt_mb(n_bytes: usize) -> String {
    format!("{:.1}", n_bytes as f64 / 1e6)
}
