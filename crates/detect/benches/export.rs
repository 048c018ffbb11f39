//! Benchmark: exporting 1 M indicators grown from the corpus (`patterns/real-unit42.txt`, cycled, each with its
//! own id and name), in every format, with the default warninglists on. The indicator JSON is generated into
//! one reused buffer and the output is cleared every 1,000 indicators (the hub's page), so the figure is the
//! exporter's own time and the peak RSS shows its memory stays bounded.
//!
//! `cargo bench -p detect --bench export` (`STIXHUB_BENCH_INDICATORS`, `STIXHUB_BENCH_RUNS` override the
//! defaults of 1,000,000 and 3). Two mixes: `unit42` (every pattern, most of them skipped with a reason) and
//! `exportable` (only the patterns that export, so every indicator renders).

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::fmt::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use detect::export::{ExportOptions, Exporter, Format};
use detect::observable::observables_of_pattern;
use detect::record::Filter;
use detect::rules::SidRange;
use detect::warninglist::Warninglists;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn proc_status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| {
            line.strip_prefix(key).and_then(|rest| {
                rest.trim_start_matches(':')
                    .trim()
                    .split(' ')
                    .next()?
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

/// CPU seconds this thread has used (utime + stime from `/proc/thread-self/stat`, 10 ms ticks): on a shared
/// machine the wall time also counts other processes' turns.
fn thread_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<f64> = after_name
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    (fields.get(11).unwrap_or(&0.0) + fields.get(12).unwrap_or(&0.0)) / 100.0
}

fn corpus_patterns() -> Vec<String> {
    let dir = std::env::var_os("STIXHUB_CORPUS").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        std::path::PathBuf::from,
    );
    let text = std::fs::read_to_string(dir.join("patterns/real-unit42.txt"))
        .expect("the shared corpus (STIXHUB_CORPUS)");
    text.lines().map(str::to_owned).collect()
}

/// One export of `n` indicators cycling through `patterns`; returns (wall time, CPU seconds, lines written, bytes
/// written). With `generate_only`, the indicators are generated but not exported (the bench's own cost).
fn run(
    format: Format,
    patterns: &[String],
    n: usize,
    lists: &Arc<Warninglists>,
    generate_only: bool,
) -> (Duration, f64, u64, u64) {
    let mut exporter = Exporter::new(ExportOptions {
        format,
        filter: Filter::current(1_765_000_000 * 1_000_000_000),
        warninglists: Some(Arc::clone(lists)),
        // A range large enough for a million rules without crowding (12.5 MB of bitset).
        sids: SidRange {
            base: 10_000_000,
            count: 100_000_000,
        },
        reference_base: "https://hub.example/ui/c/api1/collection--x/objects/".to_owned(),
        source: "stixhub".to_owned(),
        now_seconds: 1_765_000_000,
    });
    let mut json = String::with_capacity(1024);
    let mut out = String::with_capacity(1 << 20);
    let mut bytes = 0u64;
    let start = Instant::now();
    let cpu_start = thread_cpu_seconds();
    exporter.write_head(&mut out);
    for i in 0..n {
        let pattern = &patterns[i % patterns.len()];
        json.clear();
        let _ = write!(
            json,
            r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-{i:012}","created":"2024-01-02T03:04:05.000Z","modified":"2024-02-03T04:05:06.000Z","name":"corpus indicator {i}","pattern":{},"pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","confidence":80}}"#,
            serde_json::Value::from(pattern.as_str())
        );
        if generate_only {
            out.push_str(&json[..1]);
        } else {
            exporter.add_json(&json, &mut out);
        }
        if i % 1000 == 999 {
            bytes += out.len() as u64;
            out.clear();
        }
    }
    exporter.write_trailer(&mut out);
    bytes += out.len() as u64;
    (
        start.elapsed(),
        thread_cpu_seconds() - cpu_start,
        exporter.counts().written,
        bytes,
    )
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let n = env_number("STIXHUB_BENCH_INDICATORS", 1_000_000);
    let runs = env_number("STIXHUB_BENCH_RUNS", 3).max(1);
    let unit42 = corpus_patterns();
    let exportable: Vec<String> = unit42
        .iter()
        .filter(|p| observables_of_pattern(p).is_ok())
        .cloned()
        .collect();
    let lists = Arc::new(Warninglists::embedded_default().unwrap());
    println!(
        "{n} indicators per run, {runs} runs; {} unit42 patterns, {} of them exportable; RSS at start {} MiB",
        unit42.len(),
        exportable.len(),
        proc_status_kib("VmRSS") / 1024
    );
    let generation: Vec<f64> = (0..runs)
        .map(|_| run(Format::Plain, &unit42, n, &lists, true).1)
        .collect();
    println!(
        "generating the indicators alone: median CPU {:.2} s (included in the figures below)",
        median(generation)
    );
    for (mix, patterns) in [("unit42", &unit42), ("exportable", &exportable)] {
        for format in Format::ALL {
            let (mut walls, mut cpus) = (Vec::new(), Vec::new());
            let mut last = (0, 0);
            for _ in 0..runs {
                let (wall, cpu, written, bytes) = run(format, patterns, n, &lists, false);
                walls.push(wall.as_secs_f64());
                cpus.push(cpu);
                last = (written, bytes);
            }
            let (wall, cpu) = (median(walls), median(cpus));
            println!(
                "{mix:>10} {:>8}: median wall {wall:.2} s, CPU {cpu:.2} s ({:.0} indicators per CPU second), {} lines, {} MB, peak RSS {} MiB",
                format.as_str(),
                n as f64 / cpu,
                last.0,
                last.1 / 1_000_000,
                proc_status_kib("VmHWM") / 1024
            );
        }
    }
}
