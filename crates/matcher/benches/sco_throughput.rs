//! Benchmark: single-SCO match throughput against an index of 1 M synthetic indicators (as in
//! `index_build`), on a stream where about 1 % of the SCOs match: those are built to satisfy a random indexed
//! indicator, the rest to satisfy a pattern grown with a different seed (same types, paths and value
//! shapes, so they probe the same index entries, but with values no indexed indicator has).
//!
//! One thread, so the figure is per core. `cargo bench -p matcher --bench sco_throughput`
//! (`STIXHUB_BENCH_INDICATORS`, `STIXHUB_BENCH_SCOS`, `STIXHUB_BENCH_RUNS` override 1,000,000, 200,000, 5).

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "support/workload.rs"]
mod workload;

use std::time::Instant;

use matcher::index::IndicatorIndex;
use matcher::indicator::IndicatorRecord;
use matcher::time::Moment;
use serde_json::Value;

use workload::{Rng, env_number, median_seconds, sco_for, synthetic_patterns, thread_cpu_seconds};

fn main() {
    let n_indicators = env_number("STIXHUB_BENCH_INDICATORS", 1_000_000);
    let n_scos = env_number("STIXHUB_BENCH_SCOS", 200_000);
    let n_runs = env_number("STIXHUB_BENCH_RUNS", 5).max(1);
    let texts = synthetic_patterns(n_indicators, 1);
    let index = build_index(&texts);
    let misses = synthetic_patterns(n_scos, 2);
    let mut rng = Rng::new(3);
    let mut stream: Vec<(Value, Vec<Value>)> = Vec::with_capacity(n_scos);
    for miss in &misses {
        let text = if rng.chance(1) {
            &texts[rng.below(texts.len())]
        } else {
            miss
        };
        let pattern = stix_pattern::parse(text).unwrap();
        if let Some(sco) = sco_for(&pattern, &mut rng) {
            stream.push(sco);
        }
    }
    let at = Moment::parse("2021-01-01T00:00:00Z").unwrap();
    let mut times = Vec::new();
    let mut cpu_times = Vec::new();
    let mut n_hits = 0;
    let mut n_matches = 0;
    for _ in 0..n_runs {
        n_hits = 0;
        n_matches = 0;
        let start = Instant::now();
        let cpu_start = thread_cpu_seconds();
        for (root, extras) in &stream {
            let resolve = |id: &str| extras.iter().find(|extra| extra["id"] == id);
            let found = index.match_sco(root, &resolve, at);
            n_hits += usize::from(!found.is_empty());
            n_matches += found.len();
        }
        times.push(start.elapsed());
        cpu_times.push(std::time::Duration::from_secs_f64(
            thread_cpu_seconds() - cpu_start,
        ));
    }
    let seconds = median_seconds(&times);
    let cpu_seconds = median_seconds(&cpu_times);
    println!(
        "sco_throughput: {} SCOs against {} indicators, {n_hits} SCOs with a match ({:.2} %), {n_matches} \
         matches; median wall {:.3} s over {n_runs} runs = {:.0} SCOs/s; median thread CPU {:.3} s = {:.0} \
         SCOs/s per core",
        stream.len(),
        index.len(),
        100.0 * n_hits as f64 / stream.len() as f64,
        seconds,
        stream.len() as f64 / seconds,
        cpu_seconds,
        stream.len() as f64 / cpu_seconds
    );
}

fn build_index(texts: &[String]) -> IndicatorIndex {
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
