//! Benchmark: this index against the OASIS `stix2-matcher` 3.0.0 (Python) on the same small workload, in
//! the same run: 1,000 patterns of `real-unit42.txt` × 100 observed-data bundles (about a third built to
//! satisfy one of the patterns). Each side's time covers preparing the patterns (our index build, the
//! matcher's `Pattern(...)` compilation) and answering all 100 observations; the answers are compared.
//!
//! `cargo bench -p matcher --bench vs_stix2_matcher`. The Python side runs in the venv that
//! `scripts/oracle-venv.sh` creates (or `STIXHUB_ORACLE_PYTHON`); `STIXHUB_BENCH_RUNS` overrides 5 runs
//! for us and 3 for Python.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "support/workload.rs"]
mod workload;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use matcher::index::IndicatorIndex;
use serde_json::{Value, json};

use workload::{Rng, env_number, indicator, load_patterns, median_seconds, near_miss, sco_for};

const N_PATTERNS: usize = 1000;
const N_OBSERVATIONS: usize = 100;

const PYTHON_SCRIPT: &str = r#"
import json, sys, time
from stix2matcher.matcher import Pattern
patterns = [line.rstrip("\n") for line in open(sys.argv[1], encoding="utf-8")]
bundles = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8")]
runs = int(sys.argv[3])
times, n_matches = [], 0
for _ in range(runs):
    start = time.perf_counter()
    compiled = [Pattern(p, "2.1") for p in patterns]
    n_matches = 0
    for bundle in bundles:
        for pattern in compiled:
            try:
                if pattern.match([bundle]):
                    n_matches += 1
            except Exception:
                pass
    times.append(time.perf_counter() - start)
print(json.dumps({"times": times, "matches": n_matches}))
"#;

fn main() {
    let n_runs = env_number("STIXHUB_BENCH_RUNS", 5).max(1);
    let patterns: Vec<String> = load_patterns("real-unit42.txt")
        .into_iter()
        .step_by(8)
        .take(N_PATTERNS)
        .collect();
    let parsed: Vec<_> = patterns
        .iter()
        .map(|text| stix_pattern::parse(text).unwrap())
        .collect();
    let mut rng = Rng::new(7);
    let mut bundles: Vec<Vec<Value>> = Vec::new();
    while bundles.len() < N_OBSERVATIONS {
        let number = bundles.len();
        let mut objects = Vec::new();
        for _ in 0..1 + rng.below(2) {
            let Some((mut root, extras)) = sco_for(&parsed[rng.below(parsed.len())], &mut rng) else {
                continue;
            };
            if !rng.chance(35) {
                root = near_miss(&root, &mut rng);
            }
            objects.push(root);
            objects.extend(extras);
        }
        let refs: Vec<Value> = objects.iter().map(|object| object["id"].clone()).collect();
        objects.insert(
            0,
            json!({
                "type": "observed-data", "spec_version": "2.1", "id": format!("observed-data--{number:08}"),
                "created": "2021-01-01T00:00:00Z", "modified": "2021-01-01T00:00:00Z",
                "first_observed": "2021-01-01T00:00:00Z", "last_observed": "2021-01-01T00:00:00Z",
                "number_observed": 1, "object_refs": refs
            }),
        );
        bundles.push(objects);
    }

    let mut times = Vec::new();
    let mut n_matches = 0;
    for _ in 0..n_runs {
        let start = Instant::now();
        let mut index = IndicatorIndex::new();
        for (number, text) in patterns.iter().enumerate() {
            index.add_indicator(&indicator(number, text)).unwrap();
        }
        n_matches = 0;
        for objects in &bundles {
            let scos_by_id: HashMap<String, Value> = objects[1..]
                .iter()
                .map(|object| (object["id"].as_str().unwrap().to_owned(), object.clone()))
                .collect();
            n_matches += index.match_observed_data(&objects[0], &scos_by_id).unwrap().len();
        }
        times.push(start.elapsed());
    }
    let ours = median_seconds(&times);
    println!(
        "ours: {N_PATTERNS} patterns x {N_OBSERVATIONS} observations, {n_matches} matches, median {:.6} s over \
         {n_runs} runs",
        ours
    );

    let Some(python) = oracle_python() else {
        println!("stix2-matcher: unavailable (scripts/oracle-venv.sh failed); no ratio");
        return;
    };
    let dir = std::env::temp_dir().join(format!("stixhub-matcher-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let patterns_path = dir.join("patterns.txt");
    let bundles_path = dir.join("bundles.jsonl");
    let script_path = dir.join("bench.py");
    std::fs::write(&patterns_path, patterns.join("\n") + "\n").unwrap();
    let lines: Vec<String> = bundles
        .iter()
        .enumerate()
        .map(|(number, objects)| {
            json!({"type": "bundle", "id": format!("bundle--{number:08}"), "objects": objects}).to_string()
        })
        .collect();
    std::fs::write(&bundles_path, lines.join("\n") + "\n").unwrap();
    std::fs::write(&script_path, PYTHON_SCRIPT).unwrap();
    let python_runs = env_number("STIXHUB_BENCH_RUNS", 3).clamp(1, 3).max(3);
    let output = Command::new(&python)
        .arg(&script_path)
        .arg(&patterns_path)
        .arg(&bundles_path)
        .arg(python_runs.to_string())
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "stix2-matcher run failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    });
    let python_times: Vec<std::time::Duration> = report["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|seconds| std::time::Duration::from_secs_f64(seconds.as_f64().unwrap()))
        .collect();
    let theirs = median_seconds(&python_times);
    println!(
        "stix2-matcher 3.0.0: {} matches, median {:.3} s over {python_runs} runs",
        report["matches"], theirs
    );
    println!(
        "ratio: {:.0}x faster (answers {})",
        theirs / ours,
        if report["matches"] == json!(n_matches) {
            "agree"
        } else {
            "DIFFER"
        }
    );
}

/// The venv python `scripts/oracle-venv.sh` prints, or `STIXHUB_ORACLE_PYTHON`.
fn oracle_python() -> Option<PathBuf> {
    if let Some(python) = std::env::var_os("STIXHUB_ORACLE_PYTHON") {
        return Some(PathBuf::from(python));
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/oracle-venv.sh");
    let output = Command::new("bash").arg(script).output().ok()?;
    let path = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (output.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}
