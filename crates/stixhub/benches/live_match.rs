//! Issue 14 benchmarks of the live indicator index (BENCHMARKS.md, "Live matching"):
//! - **build**: a hub over an SQLite store of N indicators (default 1,000,000) builds its live index at start;
//!   each run is a fresh process (`STIXHUB_BENCH_CHILD=build`), which prints the wall time and the VmRSS the
//!   build added (after − before, the store and hub already open);
//! - **commit → matchable**: an indicator committed through `Hub::add_objects` is polled for through
//!   `Hub::match_observations` until it matches (200 trials, p50/p99);
//! - **`POST /match/v1/` end to end**: a real server (`server::serve` on 127.0.0.1:0) answers 10,000 plain
//!   observables (1 % hits) posted over HTTP with Basic auth; observables per second over the whole request.
//!
//! `cargo bench -p stixhub --bench live_match`; overrides: `STIXHUB_BENCH_INDICATORS`, `STIXHUB_BENCH_RUNS`,
//! `STIXHUB_BENCH_DIR` (a store seeded once and reused; default under the system temp directory).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark fails loudly and prints its figures"
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use hub::{Caller, Hub, HubConfig, MatchOutcome};

const ADMIN_PASSWORD: &str = "bench-admin-password";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Indicator `i`'s pattern: IPv4 (40 %), domain (20 %), URL (10 %), SHA-256 (20 %), or a real Unit 42
/// pattern from the corpus (10 %).
fn pattern(i: usize, corpus: &[String]) -> String {
    match i % 10 {
        0..=3 => format!("[ipv4-addr:value = '{}']", ip(i)),
        4 | 5 => format!("[domain-name:value = 'h{i}.example.net']"),
        6 => format!("[url:value = 'http://h{i}.example.org/p']"),
        7 | 8 => format!(
            "[file:hashes.'SHA-256' = '{:064x}']",
            i as u128 * 0x9e37_79b9_7f4a_7c15
        ),
        _ => corpus[(i / 10) % corpus.len()].clone(),
    }
}

fn ip(i: usize) -> String {
    format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
}

fn indicator(i: usize, corpus: &[String]) -> String {
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--{:08x}-0000-4000-8000-{:012x}","created":"2025-01-01T00:00:00.000Z","modified":"2025-01-01T00:00:00.000Z","name":"bench {i}","pattern":{},"pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"}}"#,
        i >> 20,
        i,
        serde_json::to_string(&pattern(i, corpus)).unwrap()
    )
}

fn corpus() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/patterns/real-unit42.txt");
    let path =
        std::env::var("STIXHUB_CORPUS").map_or(path, |c| PathBuf::from(c).join("patterns/real-unit42.txt"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

fn vm_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn open_hub(dir: &Path) -> Arc<Hub> {
    let store = store_sqlite::SqliteStore::open(dir).unwrap();
    Arc::new(Hub::new(Arc::new(store), HubConfig::default()).await.unwrap())
}

async fn seed(dir: &Path, n: usize) {
    let marker = dir.join(format!("seeded-{n}"));
    if marker.exists() {
        return;
    }
    let hub = open_hub(dir).await;
    hub.bootstrap(Some(ADMIN_PASSWORD.to_owned())).await.unwrap();
    let corpus = corpus();
    let started = Instant::now();
    for start in (0..n).step_by(1000) {
        let objects: Vec<String> = (start..(start + 1000).min(n))
            .map(|i| indicator(i, &corpus))
            .collect();
        let body = format!(r#"{{"objects":[{}]}}"#, objects.join(","));
        let status = hub
            .add_objects(&Caller::operator(), "api1", "default", body)
            .await
            .unwrap();
        assert_eq!(status.failure_count, 0, "{status:?}");
        if start % 100_000 == 0 {
            eprintln!("seeded {start} in {:?}", started.elapsed());
        }
    }
    hub.flush_audit().await.unwrap();
    std::fs::write(marker, b"").unwrap();
}

/// One build in this (fresh) process: prints `build_ms rss_added_kib indicators`.
async fn build_once(dir: &Path) {
    let hub = open_hub(dir).await;
    let before = vm_kib("VmRSS:");
    let started = Instant::now();
    hub.start_live_index();
    assert!(hub.wait_live_index(0, Duration::from_secs(600)).await);
    let elapsed = started.elapsed();
    let after = vm_kib("VmRSS:");
    println!(
        "{} {} {}",
        elapsed.as_millis(),
        after.saturating_sub(before),
        hub.live_index_stats().indicators
    );
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn commit_latency(hub: &Arc<Hub>, trials: usize) -> (Duration, Duration) {
    let mut latencies = Vec::new();
    for t in 0..trials {
        let value = format!("172.31.{}.{}", t / 250, t % 250);
        let body = format!(
            r#"{{"objects":[{{"type":"indicator","spec_version":"2.1","id":"indicator--ffffffff-0000-4000-8000-{t:012x}","created":"2025-01-01T00:00:00.000Z","modified":"2025-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '{value}']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"}}]}}"#
        );
        let probe = format!(r#"[{{"type":"ipv4-addr","value":"{value}"}}]"#);
        hub.add_objects(&Caller::operator(), "api1", "default", body)
            .await
            .unwrap();
        let committed = Instant::now();
        loop {
            let MatchOutcome::Matched(report) = hub
                .match_observations(&Caller::operator(), probe.as_bytes())
                .await
                .unwrap()
            else {
                panic!("malformed probe");
            };
            if !report.matches.is_empty() {
                break;
            }
            assert!(committed.elapsed() < Duration::from_secs(30), "never matchable");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        latencies.push(committed.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies.sort();
    (
        latencies[latencies.len() / 2],
        latencies[latencies.len() * 99 / 100],
    )
}

async fn post_throughput(hub: &Arc<Hub>, n_indicators: usize, runs: usize) -> (f64, usize) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = server::AppState::new(Arc::clone(hub));
    tokio::spawn(server::serve(listener, state, std::future::pending::<()>()));
    let observables: Vec<serde_json::Value> = (0..10_000usize)
        .map(|k| {
            let value = if k % 100 == 0 {
                // A hit: an indexed IPv4 indicator's value.
                ip((k * 7919 % (n_indicators / 10).max(1)) * 10)
            } else {
                format!("192.168.{}.{}", k / 250, k % 250)
            };
            serde_json::json!({"type": "ipv4-addr", "value": value})
        })
        .collect();
    let body = serde_json::to_vec(&observables).unwrap();
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("admin:{ADMIN_PASSWORD}"))
    );
    let headers = [("authorization", auth)];
    let url = format!("http://{address}/match/v1/");
    let mut rates = Vec::new();
    let mut n_matches = 0;
    for run in 0..=runs {
        let started = Instant::now();
        let answer = server::post_json(&url, &headers, body.clone(), Duration::from_secs(120))
            .await
            .unwrap();
        let elapsed = started.elapsed();
        assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
        let report: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        n_matches = report["matches"].as_array().unwrap().len();
        if run > 0 {
            // The first request also verifies the password (argon2): not counted.
            rates.push(10_000.0 / elapsed.as_secs_f64());
        }
    }
    (median(&mut rates), n_matches)
}

fn main() {
    let n = env_usize("STIXHUB_BENCH_INDICATORS", 1_000_000);
    let runs = env_usize("STIXHUB_BENCH_RUNS", 3);
    let dir = std::env::var("STIXHUB_BENCH_DIR").map_or_else(
        |_| std::env::temp_dir().join(format!("stixhub-bench-live-{n}")),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    if std::env::var("STIXHUB_BENCH_CHILD").as_deref() == Ok("build") {
        runtime.block_on(build_once(&dir));
        return;
    }
    runtime.block_on(seed(&dir, n));
    let mut times = Vec::new();
    let mut rss = Vec::new();
    for run in 0..runs {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .env("STIXHUB_BENCH_CHILD", "build")
            .env("STIXHUB_BENCH_DIR", &dir)
            .env("STIXHUB_BENCH_INDICATORS", n.to_string())
            .output()
            .unwrap();
        let line = String::from_utf8_lossy(&output.stdout);
        let fields: Vec<f64> = line.split_whitespace().filter_map(|f| f.parse().ok()).collect();
        assert_eq!(
            fields.len(),
            3,
            "child said: {line} {}",
            String::from_utf8_lossy(&output.stderr)
        );
        eprintln!(
            "build run {run}: {:.0} ms, +{:.0} MiB, {} indicators",
            fields[0],
            fields[1] / 1024.0,
            fields[2]
        );
        times.push(fields[0] / 1000.0);
        rss.push(fields[1] / 1024.0);
    }
    println!(
        "live index build, {n} indicators: median {:.2} s wall, median +{:.0} MiB RSS",
        median(&mut times),
        median(&mut rss)
    );
    runtime.block_on(async {
        let hub = open_hub(&dir).await;
        hub.start_live_index();
        assert!(hub.wait_live_index(0, Duration::from_secs(600)).await);
        let (p50, p99) = commit_latency(&hub, 200).await;
        println!("commit → matchable (200 trials): p50 {:.1} ms, p99 {:.1} ms", p50.as_secs_f64() * 1e3, p99.as_secs_f64() * 1e3);
        let (rate, n_matches) = post_throughput(&hub, n, runs.max(5)).await;
        println!("POST /match/v1/ with 10,000 observables ({n_matches} indicators matched): median {rate:.0} observables/s end to end");
    });
}
