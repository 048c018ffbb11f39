//! Benchmark (issue 14): victim notification for a 100,000-indicator ingest against 10,000 organisations ×
//! 100 verified assets, through the hub over a real SQLite store: `Hub::notify_victims` over the event log
//! of the ingest, as `run_victim_notifier` reads it (2,000 events a pass). One indicator in a hundred names
//! an address inside some organisation's network (each organisation has an account that may read it, so
//! those become notifications); the rest name unclaimed addresses.
//!
//! `cargo bench -p hub --bench victims` (`STIXHUB_BENCH_INDICATORS`, `STIXHUB_BENCH_ORGS`,
//! `STIXHUB_BENCH_ASSETS_PER_ORG` override 100,000, 10,000 and 100). Prints the set-up times, the index
//! build (first pass) and the notification pass; a second pass over the same events (everything suppressed)
//! shows the steady cost of reading and matching.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark reports on stdout and fails loudly on a broken set-up"
)]

use std::sync::Arc;
use std::time::Instant;

use hub::{Caller, Hub, HubConfig};
use store::{AssetRecord, Organisation, Store};

fn env_or(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `i`th asset of organisation `org`: a /24 in 10.0.0.0/8 … (one per asset, distinct).
fn asset_text(org: u32, i: u32, per_org: u32) -> String {
    let n = org * per_org + i;
    format!("{}.{}.{}.0/24", 10 + (n >> 16) % 200, (n >> 8) & 255, n & 255)
}

fn indicator(i: u32, orgs: u32, per_org: u32) -> String {
    let value = if i.is_multiple_of(100) {
        let n = (i / 100 * 7919) % (orgs * per_org);
        format!("{}.{}.{}.9", 10 + (n >> 16) % 200, (n >> 8) & 255, n & 255)
    } else {
        format!("220.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
    };
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-{i:012}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '{value}']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}}"#
    )
}

async fn in_parallel<F, Fut>(n: u32, chunk: u32, make: F)
where
    F: Fn(u32) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut start = 0;
    while start < n {
        let mut set = tokio::task::JoinSet::new();
        for i in start..(start + chunk).min(n) {
            set.spawn(make(i));
        }
        while let Some(done) = set.join_next().await {
            done.expect("set-up task");
        }
        start += chunk;
    }
}

/// CPU seconds (user + system) this process used so far: on a shared machine the wall time also counts other
/// processes' turns.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat(5); here 11 and 12 (state is field 3, index 0).
    // In clock ticks of USER_HZ, which Linux fixes at 100.
    (ticks(11) + ticks(12)) / 100.0
}

/// Calls and seconds per store operation so far.
fn store_calls(hub: &Hub) -> std::collections::BTreeMap<&'static str, (u64, f64)> {
    hub.store_operation_stats()
        .into_iter()
        .map(|stats| (stats.operation, (stats.count, stats.sum_seconds)))
        .collect()
}

fn main() {
    let indicators = env_or("STIXHUB_BENCH_INDICATORS", 100_000);
    let orgs = env_or("STIXHUB_BENCH_ORGS", 10_000);
    let per_org = env_or("STIXHUB_BENCH_ASSETS_PER_ORG", 100);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = std::env::temp_dir().join(format!("stixhub-bench-victims-{}", std::process::id()));
        let store: Arc<dyn Store> = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
        let hub = Hub::new(Arc::clone(&store), HubConfig::default()).await.unwrap();
        hub.bootstrap(Some("admin-pass".to_owned())).await.unwrap();
        let started = Instant::now();
        in_parallel(orgs, 2000, |org| {
            let store = Arc::clone(&store);
            async move {
                let name = format!("org{org}");
                store
                    .create_organisation(Organisation {
                        name: name.clone(),
                        government: false,
                        consent: "none".to_owned(),
                    })
                    .await
                    .unwrap();
                store
                    .create_account(store::Account {
                        name: format!("reader{org}"),
                        password_hash: String::new(),
                        org: Some(name),
                        is_admin: false,
                        role: "member".to_owned(),
                        disabled: false,
                        epoch: 0,
                    })
                    .await
                    .unwrap();
            }
        })
        .await;
        let default = store.find_collection("default").await.unwrap().unwrap();
        in_parallel(orgs, 2000, |org| {
            let (store, id) = (Arc::clone(&store), default.id.clone());
            async move {
                let rights = store::Access {
                    can_read: true,
                    can_write: false,
                };
                store
                    .set_access(&format!("reader{org}"), &id, rights)
                    .await
                    .unwrap();
            }
        })
        .await;
        println!("{orgs} organisations with a reader each: {:?}", started.elapsed());
        let started = Instant::now();
        in_parallel(orgs * per_org, 5000, |n| {
            let store = Arc::clone(&store);
            let (org, i) = (n / per_org, n % per_org);
            async move {
                store
                    .create_asset(AssetRecord {
                        id: format!("asset-{n}"),
                        org: format!("org{org}"),
                        kind: "cidr".to_owned(),
                        value: asset_text(org, i, per_org),
                        created_by: "bench".to_owned(),
                        created_micros: 0,
                        verified_by: Some("bench".to_owned()),
                        verified_micros: Some(0),
                    })
                    .await
                    .unwrap();
            }
        })
        .await;
        println!(
            "{} verified assets stored: {:?}",
            orgs * per_org,
            started.elapsed()
        );
        let started = Instant::now();
        let first = store.event_bounds().await.unwrap().latest;
        let admin = Caller::operator();
        for batch in (0..indicators).collect::<Vec<_>>().chunks(1000) {
            let objects: Vec<String> = batch.iter().map(|i| indicator(*i, orgs, per_org)).collect();
            let body = format!(r#"{{"objects":[{}]}}"#, objects.join(","));
            let status = hub.add_objects(&admin, "api1", "default", body).await.unwrap();
            assert_eq!(status.success_count, batch.len() as u64);
        }
        println!("{indicators} indicators ingested: {:?}", started.elapsed());
        for pass in [
            "first (index build + notifications)",
            "second (all suppressed)",
            "third (all suppressed)",
        ] {
            let started = Instant::now();
            let calls_before = store_calls(&hub);
            let cpu_before = process_cpu_seconds();
            let mut after = first;
            let mut total = hub::VictimCounts::default();
            loop {
                let records: Vec<Arc<store::EventRecord>> = store
                    .events_after(after, 2000)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(Arc::new)
                    .collect();
                let Some(last) = records.last() else { break };
                after = last.seq;
                let counts = hub.notify_victims(&records).await.unwrap();
                total.examined += counts.examined;
                total.notified += counts.notified;
                total.tasks += counts.tasks;
                total.suppressed += counts.suppressed;
            }
            println!(
                "pass {pass}: {:?} wall, {:.2} s CPU of this process ({total:?})",
                started.elapsed(),
                process_cpu_seconds() - cpu_before
            );
            // Where the pass waited on the store: calls and their total time, per operation.
            let mut spent: Vec<(&str, u64, f64)> = store_calls(&hub)
                .into_iter()
                .map(|(operation, (count, seconds))| {
                    let (count0, seconds0) = calls_before.get(operation).copied().unwrap_or_default();
                    (operation, count - count0, seconds - seconds0)
                })
                .filter(|(_, count, _)| *count > 0)
                .collect();
            spent.sort_by(|a, b| b.2.total_cmp(&a.2));
            for (operation, count, seconds) in spent.iter().take(6) {
                println!("  store {operation}: {count} calls, {seconds:.3} s");
            }
        }
        drop(hub);
        let _ = std::fs::remove_dir_all(&dir);
    });
}
