//! Benchmark (issue 15): how long a verdict takes to show in an indicator's score, p50/p99, on the node that
//! took it and on another node over the same store.
//!
//! Two `Hub`s over one SQLite store in one process (as two `serve` nodes over one database): node A takes
//! `Hub::give_feedback`, then node B's `Hub::indicator_score` is polled every millisecond until the score
//! moves. Node B learns of the verdict through the event log, read every `poll_ms` (the fallback when no NATS
//! bus wakes it; with a bus it is woken at once). Node A's own answer carries the new score.
//!
//! `cargo bench -p hub --bench feedback` (`STIXHUB_BENCH_TRIALS`, default 200; `STIXHUB_BENCH_POLL_MS`,
//! default 1000, the shipped default). Prints p50, p99 and the maximum for both.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark reports on stdout and fails loudly on a broken set-up"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use hub::{Caller, FeedbackSource, Hub, HubConfig};
use store::{Organisation, Store};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn id(i: u64) -> String {
    format!("indicator--7c0e5f4c-0000-4000-8000-{i:012}")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn main() {
    let trials = env_or("STIXHUB_BENCH_TRIALS", 200);
    let poll_ms = env_or("STIXHUB_BENCH_POLL_MS", 1000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = std::env::temp_dir().join(format!("stixhub-bench-feedback-{}", std::process::id()));
        let store: Arc<dyn Store> = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
        let mut config = HubConfig::default();
        config.events.poll_interval = Duration::from_millis(poll_ms);
        let a = Arc::new(Hub::new(Arc::clone(&store), config.clone()).await.unwrap());
        a.bootstrap(Some("admin-pass".to_owned())).await.unwrap();
        let b = Arc::new(Hub::new(Arc::clone(&store), config).await.unwrap());
        let default = store.find_collection("default").await.unwrap().unwrap();
        for (org, account) in [("producer", "producer-1"), ("consumer", "consumer-1")] {
            store
                .create_organisation(Organisation {
                    name: org.to_owned(),
                    government: false,
                    consent: "everyone".to_owned(),
                })
                .await
                .unwrap();
            store
                .create_account(store::Account {
                    name: account.to_owned(),
                    password_hash: String::new(),
                    org: Some(org.to_owned()),
                    is_admin: false,
                    role: "member".to_owned(),
                    disabled: false,
                    epoch: 0,
                })
                .await
                .unwrap();
            let rights = store::Access {
                can_read: true,
                can_write: true,
            };
            store.set_access(account, &default.id, rights).await.unwrap();
        }
        let producer: Caller = a.account_caller("producer-1").await.unwrap();
        let consumer: Caller = a.account_caller("consumer-1").await.unwrap();
        let objects: Vec<String> = (0..trials)
            .map(|i| {
                format!(
                    r#"{{"type":"indicator","spec_version":"2.1","id":"{}","created":"2026-12-01T00:00:00.000Z","modified":"2026-12-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.9.{}.{}']","pattern_type":"stix","valid_from":"2026-12-01T00:00:00Z"}}"#,
                    id(i),
                    i / 256,
                    i % 256
                )
            })
            .collect();
        let body = format!(r#"{{"objects":[{}]}}"#, objects.join(","));
        a.add_objects(&producer, "api1", "default", body.into_bytes())
            .await
            .unwrap();
        a.start_scores();
        b.start_scores();
        // Both nodes have built their scores.
        a.indicator_score(&consumer, &id(0)).await.unwrap();
        b.indicator_score(&consumer, &id(0)).await.unwrap();
        let (mut same, mut other) = (Vec::new(), Vec::new());
        // A verdict has reached a node when that node's score counts it (the explanation's report counts):
        // exact, unlike a change of the rounded score, which a solve can also cause.
        let reports = |view: &hub::ScoreView| {
            let inputs = &view.explanation[0]["inputs"];
            inputs["true_positive_reports"].as_u64().unwrap_or(0) + inputs["false_positive_reports"].as_u64().unwrap_or(0)
        };
        for i in 0..trials {
            assert_eq!(reports(&b.indicator_score(&consumer, &id(i)).await.unwrap()), 0);
            let started = Instant::now();
            a.give_feedback(&consumer, &id(i), i.is_multiple_of(2), FeedbackSource::Api)
                .await
                .unwrap();
            same.push(started.elapsed());
            assert_eq!(reports(&a.indicator_score(&consumer, &id(i)).await.unwrap()), 1, "node A counts it at once");
            loop {
                if reports(&b.indicator_score(&consumer, &id(i)).await.unwrap()) == 1 {
                    break;
                }
                assert!(started.elapsed() < Duration::from_secs(30), "never seen on node B");
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            other.push(started.elapsed());
        }
        for (name, mut times) in [("same node (in the answer)", same), ("other node", other)] {
            times.sort();
            println!(
                "{name}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} verdicts (poll_ms {poll_ms})",
                percentile(&times, 0.5).as_secs_f64() * 1000.0,
                percentile(&times, 0.99).as_secs_f64() * 1000.0,
                times.last().unwrap().as_secs_f64() * 1000.0,
                times.len()
            );
        }
        drop((a, b));
        let _ = std::fs::remove_dir_all(&dir);
    });
}
