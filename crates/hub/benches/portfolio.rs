//! Benchmark (issue 18): a 1,000-SBOM portfolio re-evaluated after a KEV update, through the hub over a real
//! SQLite store: `Hub::import_knowledge` of a KEV catalogue (stores it, moves the knowledge generation,
//! rebuilds the knowledge base and re-evaluates and rewrites every SBOM's findings).
//!
//! Set-up: the GHSA and Bitnami OSV records and the CISA KEV catalogue of `shared/reference/` (or
//! `$STIXHUB_REFERENCE`), and `STIXHUB_BENCH_SBOMS` (default 1,000) SBOMs cycling through the five samples of
//! `shared/reference/sbom/` over 10 organisations. Each round imports a KEV catalogue that differs from the
//! previous one (a CVE of the portfolio added or removed), so every round really changes findings; prints
//! every round and the median.
//!
//! `cargo bench -p hub --bench portfolio`
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark reports on stdout and fails loudly on a broken set-up"
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hub::{Caller, Hub, HubConfig, SbomUpload};
use serde_json::{Value, json};
use store::{Organisation, Store};

const SAMPLES: [&str; 5] = [
    "spdx-2.3-acme-app.spdx.json",
    "spdx-2.3-rust-hello-server.spdx.json",
    "spdx-2.3-elasticsearch-8.9.1-bitnami.spdx.json",
    "cyclonedx-1.6-laravel-7.12.0.json",
    "cyclonedx-1.5-centos-7.json",
];

fn reference() -> PathBuf {
    std::env::var("STIXHUB_REFERENCE").map_or_else(
        |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"),
        PathBuf::from,
    )
}

fn json_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

/// The KEV catalogue, with the elliptic CVE added when `with` (a KEV update).
fn kev(with: bool) -> (String, Vec<u8>) {
    let path = reference().join("kev/known_exploited_vulnerabilities.json");
    let mut kev: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    if with {
        kev["vulnerabilities"].as_array_mut().unwrap().push(json!({
            "cveID": "CVE-2020-28498", "vendorProject": "indutny", "product": "elliptic",
            "vulnerabilityName": "bench entry", "dateAdded": "2026-12-01", "shortDescription": "bench",
            "requiredAction": "update", "dueDate": "2026-12-22", "knownRansomwareCampaignUse": "Unknown",
            "notes": "", "cwes": [],
        }));
    }
    ("kev.json".to_owned(), kev.to_string().into_bytes())
}

fn main() {
    let n_sboms: usize = std::env::var("STIXHUB_BENCH_SBOMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = std::env::temp_dir().join(format!("stixhub-bench-portfolio-{}", std::process::id()));
        let store: Arc<dyn Store> = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
        let hub = Hub::new(Arc::clone(&store), HubConfig::default()).await.unwrap();
        hub.bootstrap(Some("admin-pass".to_owned())).await.unwrap();
        let operator = Caller::operator();
        for org in 0..10 {
            store
                .create_organisation(Organisation {
                    name: format!("org{org}"),
                    government: false,
                    consent: "none".to_owned(),
                })
                .await
                .unwrap();
        }
        let mut docs = json_files(&reference().join("osv/ghsa"));
        docs.extend(json_files(&reference().join("osv/bitnami")));
        docs.push(kev(false));
        let started = Instant::now();
        hub.import_knowledge(&operator, docs).await.unwrap();
        println!("knowledge imported: {:?}", started.elapsed());
        let samples: Vec<Vec<u8>> = SAMPLES
            .iter()
            .map(|s| std::fs::read(reference().join("sbom").join(s)).unwrap())
            .collect();
        let started = Instant::now();
        for i in 0..n_sboms {
            let upload = SbomUpload {
                org: Some(format!("org{}", i % 10)),
                product: Some(format!("product-{}", i % 37)),
                name: Some(format!("sbom-{i}")),
                body: samples[i % samples.len()].clone(),
            };
            hub.import_sbom(&operator, upload).await.unwrap();
        }
        println!("{n_sboms} SBOMs imported and evaluated: {:?}", started.elapsed());
        let mut rounds: Vec<Duration> = Vec::new();
        for round in 0..5 {
            let started = Instant::now();
            let summary = hub
                .import_knowledge(&operator, vec![kev(round % 2 == 0)])
                .await
                .unwrap();
            let took = started.elapsed();
            println!(
                "round {round}: KEV update re-evaluated {} SBOMs ({} findings) in {took:?}",
                summary.sboms_reevaluated, summary.findings
            );
            assert_eq!(summary.sboms_reevaluated, n_sboms);
            rounds.push(took);
        }
        rounds.sort();
        println!(
            "median re-evaluation after a KEV update: {:?}",
            rounds[rounds.len() / 2]
        );
        drop(hub);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    });
}
