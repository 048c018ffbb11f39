//! `loadgen`: measures a `stixhub serve` process at N objects over loopback.
//!
//! It starts the server binary itself (`--server-bin`) on a fresh `--data` directory (or `--database URL`, a fresh
//! PostgreSQL schema) so RSS is the server's alone, then runs: ingest (C concurrent clients posting envelopes of
//! B indicators), first-page latency, a full `next` walk, random `match[id]` GETs (C clients), and reads the
//! server's RSS from /proc after each phase; with `--web R`, the web UI pages R times each (`web`). Prints one
//! JSON line. Correctness is checked on the way: every POST must report all objects
//! stored, the walk must return exactly N distinct objects, every `match[id]` exactly its object.

mod events;
mod http;
mod push;
mod soak;
mod web;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::http::Connection;

pub(crate) const PASSWORD: &str = "loadgen-admin";
pub(crate) const OBJECTS: &str = "/api1/collections/default/objects/";

struct Options {
    server_bin: PathBuf,
    n_objects: u64,
    batch: u64,
    clients: u64,
    random_gets: u64,
    page: u64,
    data_dir: PathBuf,
    database: Option<String>,
    /// Requests per web UI page (0: skip the web phase).
    web_runs: u64,
    /// `loadgen soak …`: the soak run instead of the phases above.
    soak: Option<soak::SoakOptions>,
    /// `loadgen events …`: the event stream benchmark instead (issue 13).
    events: Option<events::EventOptions>,
}

fn options() -> anyhow::Result<Options> {
    let mut options = Options {
        server_bin: PathBuf::from("target/release/stixhub"),
        n_objects: 10_000,
        batch: 1000,
        clients: 4,
        random_gets: 2000,
        page: 1000,
        data_dir: std::env::temp_dir().join(format!("stixhub-loadgen-{}", std::process::id())),
        database: None,
        web_runs: 0,
        soak: None,
        events: None,
    };
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("soak") {
        args.next();
        options.soak = Some(soak::SoakOptions::default());
        options.n_objects = 20_000;
    } else if args.peek().map(String::as_str) == Some("events") {
        args.next();
        options.events = Some(events::EventOptions::default());
        options.batch = 100;
    }
    while let Some(flag) = args.next() {
        let value = args.next().with_context(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .with_context(|| format!("{flag} needs a number"))
        };
        match flag.as_str() {
            "--server-bin" => options.server_bin = PathBuf::from(&value),
            "--n" => options.n_objects = number()?,
            "--batch" => options.batch = number()?,
            "--clients" => options.clients = number()?,
            "--random" => options.random_gets = number()?,
            "--page" => options.page = number()?,
            "--data" => options.data_dir = PathBuf::from(&value),
            "--database" => options.database = Some(value),
            "--web" => options.web_runs = number()?,
            "--seconds" | "--load" | "--out" | "--sample" | "--soak-clients" | "--subscribers"
            | "--webhooks"
                if options.soak.is_some() =>
            {
                let soak = options.soak.as_mut().context("soak options")?;
                match flag.as_str() {
                    "--seconds" => soak.seconds = number()?,
                    "--load" => soak.load = value.parse().context("--load needs a number")?,
                    "--out" => soak.out = PathBuf::from(&value),
                    "--sample" => soak.sample_seconds = number()?,
                    "--subscribers" => soak.subscribers = number()?,
                    "--webhooks" => soak.webhooks = number()?,
                    _ => soak.clients = number()?,
                }
            }
            "--subscribers" | "--rate" | "--seconds" | "--nodes" | "--nats" | "--throughput"
                if options.events.is_some() =>
            {
                let events = options.events.as_mut().context("events options")?;
                match flag.as_str() {
                    "--subscribers" => events.subscribers = number()?,
                    "--rate" => events.rate = number()?,
                    "--seconds" => events.seconds = number()?,
                    "--nodes" => events.nodes = number()?,
                    "--throughput" => events.throughput_objects = number()?,
                    _ => events.nats = Some(value),
                }
            }
            _ => bail!(
                "usage: loadgen [events [--subscribers S] [--rate R] [--seconds T] [--nodes N --nats URL] [--throughput N]] \
                 [soak [--seconds S] [--load F] [--out CSV] [--sample S] [--soak-clients C] [--subscribers S] [--webhooks W]] \
                 [--server-bin PATH] [--n N] [--batch B] [--clients C] [--random R] [--page L] [--data DIR | --database URL] [--web R]"
            ),
        }
    }
    if let Some(events) = options.events.as_mut() {
        events.batch = options.batch.min(1000);
    }
    let n_objects = options.n_objects;
    if let Some(soak) = options.soak.as_mut() {
        soak.seed_objects = n_objects;
    }
    Ok(options)
}

pub(crate) fn object_id(n: u64) -> String {
    format!(
        "indicator--{:08x}-{:04x}-4000-8000-{:012x}",
        n >> 16,
        n & 0xffff,
        n
    )
}

fn indicator(n: u64) -> String {
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{}","created":"2024-05-01T00:00:00.000Z","modified":"2024-05-01T00:00:00.000Z","name":"loadgen indicator {n}","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '10.{}.{}.{}']","pattern_type":"stix","valid_from":"2024-05-01T00:00:00Z"}}"#,
        object_id(n),
        n >> 16 & 0xff,
        n >> 8 & 0xff,
        n & 0xff
    )
}

pub(crate) fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return 0.0;
    }
    let idx = ((sorted_ms.len() as f64 - 1.0) * p).round() as usize;
    (sorted_ms[idx] * 1000.0).round() / 1000.0
}

fn rss_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kib| (kib / 1024.0 * 10.0).round() / 10.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let options = options()?;
    if let Some(event_options) = &options.events {
        let authorization = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("admin:{PASSWORD}"))
        );
        let summary = events::run(
            &options.server_bin,
            &options.data_dir,
            options.database.as_deref(),
            &authorization,
            event_options,
        )
        .await?;
        let _ = std::fs::remove_dir_all(&options.data_dir);
        let mut stdout = std::io::stdout().lock();
        std::io::Write::write_all(&mut stdout, format!("{summary}\n").as_bytes())?;
        return Ok(());
    }
    let mut command = tokio::process::Command::new(&options.server_bin);
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let push_config = options.data_dir.with_extension("toml");
    if options
        .soak
        .as_ref()
        .is_some_and(|soak| soak.subscribers > 0 || soak.webhooks > 0)
    {
        // Room for the streams beside the soak's clients; webhook targets on 127.0.0.1 (this process).
        std::fs::write(&push_config, "[limits]\nmax_connections = 8192\n")?;
        command
            .arg("--config")
            .arg(&push_config)
            .arg("--allow-private-webhooks");
    }
    match &options.database {
        // The database must be fresh (an empty schema): the walk expects exactly N objects.
        Some(url) => command.args(["--database", url]),
        None => command.arg("--data").arg(&options.data_dir),
    };
    let mut server = command
        .env("STIXHUB_ADMIN_PASSWORD", PASSWORD)
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", options.server_bin.display()))?;
    let pid = server.id().context("server pid")?;
    let mut lines = BufReader::new(server.stderr.take().context("stderr")?).lines();
    let host = loop {
        let line = lines
            .next_line()
            .await?
            .context("the server exited before listening")?;
        if let Some(url) = line.strip_prefix("listening on http://") {
            break url.to_owned();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let authorization = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("admin:{PASSWORD}"))
    );
    let rss_idle = rss_mib(pid);

    let ingest = ingest(&options, &host, &authorization).await?;
    if let Some(soak_options) = &options.soak {
        let summary = soak::run(&host, &authorization, pid, soak_options).await?;
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let _ = tokio::time::timeout(Duration::from_secs(10), server.wait()).await;
        let _ = std::fs::remove_dir_all(&options.data_dir);
        let _ = std::fs::remove_file(&push_config);
        let mut stdout = std::io::stdout().lock();
        std::io::Write::write_all(&mut stdout, format!("{summary}\n").as_bytes())?;
        return Ok(());
    }
    let rss_after_ingest = rss_mib(pid);
    let mut conn = Connection::open(&host, &authorization).await?;
    let mut first_page = Vec::new();
    for _ in 0..30 {
        let started = Instant::now();
        let reply = conn.get(&format!("{OBJECTS}?limit={}", options.page)).await?;
        first_page.push(started.elapsed().as_secs_f64() * 1000.0);
        if reply.status != 200 {
            bail!("first page answered {}", reply.status);
        }
    }
    first_page.sort_by(f64::total_cmp);
    let walk = walk(&mut conn, &options).await?;
    let random = random_gets(&options, &host, &authorization).await?;
    let rss_after_reads = rss_mib(pid);
    let web = if options.web_runs > 0 {
        // Object n-1's pattern holds this address: a text search for it scans the whole collection.
        let last = options.n_objects - 1;
        let rare_text = format!("10.{}.{}.{}", last >> 16 & 0xff, last >> 8 & 0xff, last & 0xff);
        web::measure(
            &host,
            PASSWORD,
            options.web_runs,
            &object_id(last / 2),
            &rare_text,
        )
        .await?
    } else {
        Value::Null
    };

    let summary = json!({
        "n_objects": options.n_objects, "batch": options.batch, "clients": options.clients, "page": options.page,
        "ingest_objects_per_s": ingest,
        "first_page_ms": {"p50": percentile(&first_page, 0.5), "p99": percentile(&first_page, 0.99)},
        "walk": walk,
        "match_id_ms": random,
        "web": web,
        "rss_mib": {"idle": rss_idle.0, "after_ingest": rss_after_ingest.0, "after_reads": rss_after_reads.0, "peak": rss_after_reads.1},
    });
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = tokio::time::timeout(Duration::from_secs(10), server.wait()).await;
    let _ = std::fs::remove_dir_all(&options.data_dir);
    let mut stdout = std::io::stdout().lock();
    std::io::Write::write_all(&mut stdout, format!("{summary}\n").as_bytes())?;
    Ok(())
}

async fn ingest(options: &Options, host: &str, authorization: &str) -> anyhow::Result<f64> {
    let n_batches = options.n_objects.div_ceil(options.batch);
    let next_batch = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..options.clients {
        let (next_batch, host, authorization) =
            (Arc::clone(&next_batch), host.to_owned(), authorization.to_owned());
        let (batch, n_objects) = (options.batch, options.n_objects);
        clients.push(tokio::spawn(async move {
            let mut conn = Connection::open(&host, &authorization).await?;
            loop {
                let batch_idx = next_batch.fetch_add(1, Ordering::Relaxed);
                if batch_idx >= n_batches {
                    return anyhow::Ok(());
                }
                let range = batch_idx * batch..((batch_idx + 1) * batch).min(n_objects);
                let expected = range.end - range.start;
                let objects: Vec<String> = range.map(indicator).collect();
                let body = format!(r#"{{"objects":[{}]}}"#, objects.join(","));
                let reply = conn.post(OBJECTS, body.as_bytes()).await?;
                let status: Value = serde_json::from_slice(&reply.body)?;
                if reply.status != 202 || status["success_count"] != expected {
                    bail!(
                        "POST answered {}: {}",
                        reply.status,
                        String::from_utf8_lossy(&reply.body)
                    );
                }
            }
        }));
    }
    for client in clients {
        client.await??;
    }
    Ok((options.n_objects as f64 / started.elapsed().as_secs_f64()).round())
}

async fn walk(conn: &mut Connection, options: &Options) -> anyhow::Result<Value> {
    let started = Instant::now();
    let mut path = format!("{OBJECTS}?limit={}", options.page);
    let (mut n_seen, mut n_pages, mut page_ms) = (0u64, 0u64, Vec::new());
    let mut last_id = String::new();
    loop {
        let page_started = Instant::now();
        let reply = conn.get(&path).await?;
        page_ms.push(page_started.elapsed().as_secs_f64() * 1000.0);
        if reply.status != 200 || reply.header("x-taxii-date-added-last").is_none() {
            bail!("walk page answered {}", reply.status);
        }
        let envelope: Value = serde_json::from_slice(&reply.body)?;
        let objects = envelope["objects"].as_array().map_or(&[][..], Vec::as_slice);
        n_seen += objects.len() as u64;
        n_pages += 1;
        if let Some(last) = objects.last() {
            let id = last["id"].as_str().unwrap_or("").to_owned();
            if id == last_id {
                bail!("the walk repeated {id}");
            }
            last_id = id;
        }
        match envelope["next"].as_str() {
            Some(next) if envelope["more"] == true => {
                path = format!("{OBJECTS}?limit={}&next={next}", options.page)
            }
            _ => break,
        }
    }
    let wall = started.elapsed().as_secs_f64();
    if n_seen != options.n_objects {
        bail!(
            "the walk returned {n_seen} objects, expected {}",
            options.n_objects
        );
    }
    page_ms.sort_by(f64::total_cmp);
    Ok(
        json!({"objects_per_s": (n_seen as f64 / wall).round(), "pages": n_pages, "wall_s": (wall * 100.0).round() / 100.0,
              "page_ms_p50": percentile(&page_ms, 0.5), "page_ms_p99": percentile(&page_ms, 0.99)}),
    )
}

async fn random_gets(options: &Options, host: &str, authorization: &str) -> anyhow::Result<Value> {
    let per_client = options.random_gets / options.clients.max(1);
    let started = Instant::now();
    let mut clients = Vec::new();
    for client_idx in 0..options.clients {
        let (host, authorization, n_objects) = (host.to_owned(), authorization.to_owned(), options.n_objects);
        clients.push(tokio::spawn(async move {
            let mut conn = Connection::open(&host, &authorization).await?;
            let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ (client_idx + 1);
            let mut latencies = Vec::new();
            for _ in 0..per_client {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let id = object_id(state % n_objects);
                let request_started = Instant::now();
                let reply = conn.get(&format!("{OBJECTS}?match[id]={id}")).await?;
                latencies.push(request_started.elapsed().as_secs_f64() * 1000.0);
                let envelope: Value = serde_json::from_slice(&reply.body)?;
                if reply.status != 200 || envelope["objects"][0]["id"] != id.as_str() {
                    bail!("match[id]={id} answered {}", reply.status);
                }
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.await??);
    }
    let wall = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    Ok(
        json!({"p50": percentile(&latencies, 0.5), "p99": percentile(&latencies, 0.99),
              "requests_per_s": (latencies.len() as f64 / wall).round()}),
    )
}
