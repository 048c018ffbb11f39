//! Parser throughput on the real-world patterns of `patterns/real-unit42.txt` (8,699 patterns).
//! `cargo bench -p stix-pattern --bench parse`. Prints the median of 5 runs in patterns per second, for
//! `parse` alone, for `check` (parse + semantic pass), and for parse + canonical print.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const RUNS: usize = 5;
/// Passes over the file per run, so one run takes long enough to time well.
const PASSES: usize = 40;

fn main() {
    let corpus = std::env::var_os("STIXHUB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let path = corpus.join("patterns/real-unit42.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("corpus missing at {} ({err}); set STIXHUB_CORPUS", path.display()));
    let patterns: Vec<&str> = text.lines().collect();
    let n_parsed = patterns.len() * PASSES;

    let parse = median_time(|| {
        for _ in 0..PASSES {
            for pattern in &patterns {
                std::hint::black_box(stix_pattern::parse(std::hint::black_box(pattern)).is_ok());
            }
        }
    });
    let check = median_time(|| {
        for _ in 0..PASSES {
            for pattern in &patterns {
                std::hint::black_box(stix_pattern::check(std::hint::black_box(pattern)).is_empty());
            }
        }
    });
    let print = median_time(|| {
        for _ in 0..PASSES {
            for pattern in &patterns {
                if let Ok(parsed) = stix_pattern::parse(std::hint::black_box(pattern)) {
                    std::hint::black_box(parsed.to_string());
                }
            }
        }
    });
    let n_bytes: usize = patterns.iter().map(|p| p.len()).sum::<usize>() * PASSES;
    println!(
        "real-unit42.txt: {} patterns, {} bytes; median of {RUNS} runs of {PASSES} passes",
        patterns.len(),
        n_bytes / PASSES
    );
    report("parse", n_parsed, n_bytes, parse);
    report("check (parse + semantic pass)", n_parsed, n_bytes, check);
    report("parse + print", n_parsed, n_bytes, print);
}

fn report(what: &str, n_patterns: usize, n_bytes: usize, time: Duration) {
    let seconds = time.as_secs_f64();
    println!(
        "{what:>30}: {:>10.0} patterns/s  {:>7.1} MB/s  ({:.3} s)",
        n_patterns as f64 / seconds,
        n_bytes as f64 / seconds / 1e6,
        seconds
    );
}

fn median_time(mut run: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}
