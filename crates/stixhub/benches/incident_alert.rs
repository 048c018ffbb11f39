//! Issue 16 benchmark (BENCHMARKS.md, "Incidents"): report submitted → first responder alert. A real server
//! (`server::serve` on 127.0.0.1:0 over an SQLite store, the event tail running as in `serve`) takes N reports
//! `POST /incidents/v1/` from a county account (HTTP Basic); a state responder keeps `GET /events/v1/stream`
//! open (SSE, Basic). The latency of one report is from just before its POST is sent to the moment the
//! responder's stream delivers the `incident-alert` naming the new case. Reports are sent one after another
//! (each waits for its alert), with `STIXHUB_BENCH_BACKGROUND` other reports per second from a second county
//! routed elsewhere, so the responder's stream also passes over events it may not read.
//!
//! `cargo bench -p stixhub --bench incident_alert` (`STIXHUB_BENCH_REPORTS`, default 500;
//! `STIXHUB_BENCH_BACKGROUND`, default 20). Prints p50, p99 and max.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark fails loudly and prints its figures"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use hub::{Caller, Hub, HubConfig, NewAccount};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn basic(account: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{account}:pw-{account}-bench"))
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn set_up(hub: &Hub) {
    let operator = Caller::operator();
    for org in ["county-a", "county-b", "state", "elsewhere"] {
        hub.create_organisation(&operator, org, "none", true)
            .await
            .unwrap();
    }
    for (name, org) in [
        ("clerk", "county-a"),
        ("clerk-b", "county-b"),
        ("officer", "state"),
        ("other", "elsewhere"),
    ] {
        let new = NewAccount {
            name: name.to_owned(),
            password: format!("pw-{name}-bench"),
            org: Some(org.to_owned()),
            role: None,
        };
        hub.create_account(&operator, new).await.unwrap();
    }
    for (jurisdiction, responder) in [("county-a", "state"), ("county-b", "elsewhere")] {
        let rule = serde_json::json!({"jurisdiction": jurisdiction, "tiers": [{"orgs": [responder]}]});
        hub.add_route_rule(&operator, &rule).await.unwrap();
    }
}

fn report(i: usize) -> Vec<u8> {
    serde_json::json!({
        "title": format!("Phishing wave {i}"), "category": "account-compromise", "severity": "high",
        "description": "Poll workers received lures from vote-help@bad.example asking for their passwords.",
        "systems": ["email"], "observables": [{"type": "domain-name", "value": "bad.example"}],
    })
    .to_string()
    .into_bytes()
}

fn main() {
    let n_reports = env_usize("STIXHUB_BENCH_REPORTS", 500);
    let background = env_usize("STIXHUB_BENCH_BACKGROUND", 20);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let dir = std::env::temp_dir().join(format!("stixhub-bench-incidents-{}", uuid::Uuid::new_v4()));
        let store = store_sqlite::SqliteStore::open(&dir).unwrap();
        let hub = Arc::new(Hub::new(Arc::new(store), HubConfig::default()).await.unwrap());
        hub.bootstrap(Some("bench-admin-password".to_owned())).await.unwrap();
        set_up(&hub).await;
        hub.start_event_tail();
        tokio::spawn(Arc::clone(&hub).run_incident_timers());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(server::serve(listener, server::AppState::new(Arc::clone(&hub)), std::future::pending::<()>()));

        // The responder's stream: every incident-alert's case id with the instant it arrived.
        let (alerts, mut arrived) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = format!(
            "GET /events/v1/stream HTTP/1.1\r\nHost: {address}\r\nAuthorization: {}\r\n\r\n",
            basic("officer")
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let Some(data) = line.strip_prefix("data: ") else { continue };
                let at = Instant::now();
                let Ok(event) = serde_json::from_str::<serde_json::Value>(data) else { continue };
                if event["kind"] == "incident-alert"
                    && let Some(id) = event["case"]["id"].as_str()
                {
                    let _ = alerts.send((id.to_owned(), at));
                }
            }
        });
        let url = format!("http://{address}/incidents/v1/");
        // Background reports of another county, routed to another responder.
        if background > 0 {
            let url = url.clone();
            tokio::spawn(async move {
                let headers = [("authorization", basic("clerk-b"))];
                let mut i = 0;
                loop {
                    let _ = server::post_json(&url, &headers, report(i), Duration::from_secs(30)).await;
                    i += 1;
                    tokio::time::sleep(Duration::from_secs(1) / u32::try_from(background).unwrap_or(1)).await;
                }
            });
        }
        let headers = [("authorization", basic("clerk"))];
        // Warm-up: the first request verifies the password (argon2), later ones hit the credential cache.
        let answer = server::post_json(&url, &headers, report(0), Duration::from_secs(30)).await.unwrap();
        assert_eq!(answer.status, 201);
        let _ = tokio::time::timeout(Duration::from_secs(5), arrived.recv()).await;
        let mut latencies = Vec::with_capacity(n_reports);
        let mut posts = Vec::with_capacity(n_reports);
        let started = Instant::now();
        for i in 1..=n_reports {
            let sent = Instant::now();
            let answer = server::post_json(&url, &headers, report(i), Duration::from_secs(30)).await.unwrap();
            posts.push(sent.elapsed());
            assert_eq!(answer.status, 201, "{}", String::from_utf8_lossy(&answer.body));
            let case: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
            let id = case["id"].as_str().unwrap().to_owned();
            loop {
                let (alerted, at) = tokio::time::timeout(Duration::from_secs(10), arrived.recv())
                    .await
                    .expect("an alert within 10 s")
                    .unwrap();
                if alerted == id {
                    latencies.push(at.saturating_duration_since(sent));
                    break;
                }
            }
        }
        let total = started.elapsed();
        latencies.sort();
        posts.sort();
        println!(
            "incident alert: {n_reports} reports ({background}/s background), report -> first responder alert \
             p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; POST answered p50 {:.1} ms, p99 {:.1} ms; {:.1} s total",
            percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
            percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
            latencies.last().unwrap().as_secs_f64() * 1000.0,
            percentile(&posts, 0.5).as_secs_f64() * 1000.0,
            percentile(&posts, 0.99).as_secs_f64() * 1000.0,
            total.as_secs_f64(),
        );
        let _ = std::fs::remove_dir_all(&dir);
    });
}
