//! Benchmark: building an index of 1 M synthetic indicators grown from the value distributions of
//! `real-unit42.txt` (object types, paths, operators and value shapes as in the real patterns, values
//! random). Reports the median build time (parsing included) over several runs and the process's peak RSS.
//!
//! `cargo bench -p matcher --bench index_build` (`STIXHUB_BENCH_INDICATORS`, `STIXHUB_BENCH_RUNS` override
//! the defaults of 1,000,000 and 3).

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "support/workload.rs"]
mod workload;

use std::time::Instant;

use matcher::index::IndicatorIndex;
use matcher::indicator::IndicatorRecord;
use matcher::time::Moment;

use workload::{env_number, median_seconds, proc_status_kib, synthetic_patterns, thread_cpu_seconds};

fn main() {
    let n_indicators = env_number("STIXHUB_BENCH_INDICATORS", 1_000_000);
    let n_runs = env_number("STIXHUB_BENCH_RUNS", 3).max(1);
    let texts = synthetic_patterns(n_indicators, 1);
    let text_bytes: usize = texts.iter().map(String::len).sum();
    let baseline_kib = proc_status_kib("VmRSS");
    // Parsing alone, for reference: the part of the build the pattern parser accounts for.
    let mut parse_times = Vec::new();
    for _ in 0..n_runs {
        let start = Instant::now();
        let cpu_start = thread_cpu_seconds();
        let n_parsed = texts
            .iter()
            .filter(|text| stix_pattern::parse(text).is_ok())
            .count();
        parse_times.push(std::time::Duration::from_secs_f64(
            thread_cpu_seconds() - cpu_start,
        ));
        let _ = start;
        assert_eq!(n_parsed, texts.len());
    }
    println!(
        "parse only: median thread CPU {:.3} s",
        median_seconds(&parse_times)
    );
    let mut times = Vec::new();
    let mut cpu_times = Vec::new();
    for run in 0..n_runs {
        let start = Instant::now();
        let cpu_start = thread_cpu_seconds();
        let index = build_index(&texts);
        let elapsed = start.elapsed();
        cpu_times.push(std::time::Duration::from_secs_f64(
            thread_cpu_seconds() - cpu_start,
        ));
        let after_kib = proc_status_kib("VmRSS");
        times.push(elapsed);
        println!(
            "run {run}: {:.3} s, {} indicators, {:?}, RSS {} MiB",
            elapsed.as_secs_f64(),
            index.len(),
            index.stats().catalog,
            after_kib / 1024
        );
        drop(index);
    }
    println!(
        "index_build: {n_indicators} indicators ({} MiB of pattern text), median wall {:.3} s over {n_runs} \
         runs (thread CPU {:.3} s; {:.0} indicators/s wall); RSS before build {} MiB; peak RSS (VmHWM) {} MiB",
        text_bytes / (1 << 20),
        median_seconds(&times),
        median_seconds(&cpu_times),
        n_indicators as f64 / median_seconds(&times),
        baseline_kib / 1024,
        proc_status_kib("VmHWM") / 1024
    );
}

/// Parses every pattern and inserts it, as ingesting indicators would.
pub(crate) fn build_index(texts: &[String]) -> IndicatorIndex {
    let mut index = IndicatorIndex::new();
    index.reserve(texts.len());
    let modified = Moment::parse("2020-01-01T00:00:00Z").unwrap();
    for (number, text) in texts.iter().enumerate() {
        index
            .insert(IndicatorRecord {
                id: format!("indicator--{number:08}"),
                modified,
                valid_from: Some(modified),
                valid_until: None,
                revoked: false,
                pattern: text.clone(),
            })
            .unwrap();
    }
    index
}
