//! `loadgen events`: the event stream under load (issue 13). S server-sent-event subscribers stay connected
//! while objects are posted at a fixed rate; for each POST the time from its `202` (the commit is before it)
//! and from its send to the frame of its first object on each subscriber is recorded. Then ingest throughput is
//! measured unpaced with the subscribers connected and with none. With `--nodes 2` (needs `--database` and
//! `--nats`) the subscribers connect to the second node and the posts go to the first.
//!
//! Prints one JSON line. Each object's `name` carries its POST's number (`loadgen b=N`), which is how a frame
//! is matched to its POST. Only the first `TIMED` subscribers parse their frames and time them; the others read
//! and count bytes, since parsing a million frames a second would take the cores the server is measured on
//! (every subscriber gets the same frames from the same shared release, so the timed ones are a fair sample).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::http::Connection;
use crate::{OBJECTS, PASSWORD, percentile};

/// Subscribers that parse and time their frames.
const TIMED: u64 = 20;

/// Settings of `loadgen events`.
#[derive(Debug, Clone)]
pub(crate) struct EventOptions {
    pub(crate) subscribers: u64,
    /// Objects per second while measuring latency.
    pub(crate) rate: u64,
    /// Objects per POST.
    pub(crate) batch: u64,
    pub(crate) seconds: u64,
    /// Objects posted unpaced for the throughput comparison.
    pub(crate) throughput_objects: u64,
    pub(crate) nodes: u64,
    pub(crate) nats: Option<String>,
}

impl Default for EventOptions {
    fn default() -> EventOptions {
        EventOptions {
            subscribers: 1000,
            rate: 5000,
            batch: 100,
            seconds: 20,
            throughput_objects: 50_000,
            nodes: 1,
            nats: None,
        }
    }
}

/// When each POST was sent and acknowledged.
type Posts = Arc<Mutex<HashMap<u64, (Instant, Option<Instant>)>>>;
/// Arrival instants of first frames, per POST (one per subscriber).
type Arrivals = Arc<Mutex<Vec<(u64, Instant)>>>;

struct Node {
    child: tokio::process::Child,
    host: String,
}

async fn start_node(
    server_bin: &Path,
    store: &[String],
    nats: Option<&str>,
    config: &Path,
) -> anyhow::Result<Node> {
    let mut command = tokio::process::Command::new(server_bin);
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(config)
        .args(store)
        .env("STIXHUB_ADMIN_PASSWORD", PASSWORD)
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(url) = nats {
        command.env("STIXHUB_NATS_URL", url);
    }
    let mut child = command.spawn().context("starting the server")?;
    let mut lines = BufReader::new(child.stderr.take().context("stderr")?).lines();
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
    Ok(Node { child, host })
}

fn object(n: u64, post: u64) -> String {
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{}","created":"2024-05-01T00:00:00.000Z","modified":"2024-05-01T00:00:00.000Z","name":"loadgen b={post}","pattern":"[ipv4-addr:value = '10.{}.{}.{}']","pattern_type":"stix","valid_from":"2024-05-01T00:00:00Z"}}"#,
        crate::object_id(n),
        n >> 16 & 0xff,
        n >> 8 & 0xff,
        n & 0xff
    )
}

/// One subscriber: with `arrivals`, reads frames and records the first frame of each POST; without, reads and
/// counts bytes only.
async fn subscribe(
    host: String,
    authorization: String,
    arrivals: Option<Arrivals>,
    bytes: Arc<std::sync::atomic::AtomicU64>,
) -> anyhow::Result<()> {
    let mut stream = tokio::net::TcpStream::connect(&host).await?;
    stream
        .write_all(
            format!(
                "GET /events/v1/stream HTTP/1.1\r\nHost: {host}\r\nAuthorization: {authorization}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await?;
    let Some(arrivals) = arrivals else {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = tokio::io::AsyncReadExt::read(&mut stream, &mut buffer).await?;
            if n == 0 {
                return Ok(());
            }
            bytes.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        }
    };
    let mut lines = BufReader::with_capacity(64 * 1024, stream).lines();
    let mut last_post = u64::MAX;
    while let Some(line) = lines.next_line().await? {
        bytes.fetch_add(line.len() as u64 + 1, std::sync::atomic::Ordering::Relaxed);
        let Some(at) = line.find("\"name\":\"loadgen b=") else {
            continue;
        };
        let digits: String = line[at + 18..].chars().take_while(char::is_ascii_digit).collect();
        let Ok(post) = digits.parse::<u64>() else { continue };
        if post != last_post {
            last_post = post;
            arrivals
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?
                .push((post, Instant::now()));
        }
    }
    Ok(())
}

/// Posts `n_posts` POSTs of `batch` objects, `per_second` POSTs a second (0: as fast as possible, 4 clients).
async fn post_all(
    host: &str,
    authorization: &str,
    first_object: u64,
    n_posts: u64,
    batch: u64,
    per_second: f64,
    posts: &Posts,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let clients = if per_second > 0.0 { 8 } else { 4 };
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (host, authorization, posts, next) = (
            host.to_owned(),
            authorization.to_owned(),
            Arc::clone(posts),
            Arc::clone(&next),
        );
        tasks.push(tokio::spawn(async move {
            let mut conn = Connection::open(&host, &authorization).await?;
            loop {
                let post = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if post >= n_posts {
                    return anyhow::Ok(());
                }
                if per_second > 0.0 {
                    let due = started + Duration::from_secs_f64(post as f64 / per_second);
                    tokio::time::sleep_until(due.into()).await;
                }
                let objects: Vec<String> = (0..batch)
                    .map(|i| object(first_object + post * batch + i, first_object / batch + post))
                    .collect();
                let body = format!(r#"{{"objects":[{}]}}"#, objects.join(","));
                let key = first_object / batch + post;
                posts
                    .lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?
                    .insert(key, (Instant::now(), None));
                let reply = conn.post(OBJECTS, body.as_bytes()).await?;
                let acked = Instant::now();
                if reply.status != 202 {
                    bail!("POST answered {}", reply.status);
                }
                if let Some(entry) = posts
                    .lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?
                    .get_mut(&key)
                {
                    entry.1 = Some(acked);
                }
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(((n_posts * batch) as f64 / started.elapsed().as_secs_f64()).round())
}

/// Runs the events benchmark and returns its summary.
pub(crate) async fn run(
    server_bin: &Path,
    data_dir: &Path,
    database: Option<&str>,
    authorization: &str,
    options: &EventOptions,
) -> anyhow::Result<Value> {
    if options.nodes > 1 && (database.is_none() || options.nats.is_none()) {
        bail!("--nodes 2 needs --database URL and --nats URL");
    }
    let config: PathBuf = data_dir.with_extension("toml");
    std::fs::write(
        &config,
        "[limits]\nmax_connections = 8192\nmax_in_flight = 64\nmax_waiting = 256\n",
    )?;
    let store: Vec<String> = match database {
        Some(url) => vec!["--database".to_owned(), url.to_owned()],
        None => vec!["--data".to_owned(), data_dir.display().to_string()],
    };
    let mut nodes = Vec::new();
    for _ in 0..options.nodes.max(1) {
        nodes.push(start_node(server_bin, &store, options.nats.as_deref(), &config).await?);
    }
    let ingest_host = nodes[0].host.clone();
    let stream_host = nodes[nodes.len() - 1].host.clone();
    let arrivals: Arrivals = Arc::new(Mutex::new(Vec::new()));
    let bytes = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut subscribers = Vec::new();
    for idx in 0..options.subscribers {
        subscribers.push(tokio::spawn(subscribe(
            stream_host.clone(),
            authorization.to_owned(),
            (idx < TIMED).then(|| Arc::clone(&arrivals)),
            Arc::clone(&bytes),
        )));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    let posts: Posts = Arc::new(Mutex::new(HashMap::new()));
    let batch = options.batch.max(1);
    let n_posts = options.rate * options.seconds / batch;
    let per_second = options.rate as f64 / batch as f64;
    let paced = post_all(&ingest_host, authorization, 0, n_posts, batch, per_second, &posts).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (mut from_ack, mut from_send) = (Vec::new(), Vec::new());
    {
        let posts = posts.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        let arrivals = arrivals.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        for (post, at) in arrivals.iter() {
            if let Some((sent, acked)) = posts.get(post) {
                from_send.push(at.duration_since(*sent).as_secs_f64() * 1000.0);
                if let Some(acked) = acked {
                    from_ack.push(at.saturating_duration_since(*acked).as_secs_f64() * 1000.0);
                }
            }
        }
    }
    let expected_frames = n_posts * options.subscribers.min(TIMED);
    let stream_mib = bytes.load(std::sync::atomic::Ordering::Relaxed) as f64 / (1 << 20) as f64;
    let received_frames = from_send.len() as u64;
    from_ack.sort_by(f64::total_cmp);
    from_send.sort_by(f64::total_cmp);

    // Throughput, unpaced: with the subscribers connected, then without them.
    let n_throughput = options.throughput_objects / batch;
    let first = (n_posts + 1) * batch;
    let with_subscribers = post_all(
        &ingest_host,
        authorization,
        first,
        n_throughput,
        batch,
        0.0,
        &posts,
    )
    .await?;
    for subscriber in &subscribers {
        subscriber.abort();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let first = first + (n_throughput + 1) * batch;
    let without = post_all(
        &ingest_host,
        authorization,
        first,
        n_throughput,
        batch,
        0.0,
        &posts,
    )
    .await?;
    for mut node in nodes {
        let _ = node.child.start_kill();
        let _ = node.child.wait().await;
    }
    let _ = std::fs::remove_file(&config);
    Ok(json!({
        "mode": "events", "nodes": options.nodes, "subscribers": options.subscribers,
        "rate_objects_per_s": options.rate, "achieved_rate_objects_per_s": paced, "batch": batch,
        "seconds": options.seconds,
        "timed_subscribers": options.subscribers.min(TIMED),
        "frames_expected": expected_frames, "frames_received": received_frames,
        "stream_mib_read_during_latency_phase": stream_mib.round(),
        "latency_from_202_ms": {"p50": percentile(&from_ack, 0.5), "p99": percentile(&from_ack, 0.99)},
        "latency_from_send_ms": {"p50": percentile(&from_send, 0.5), "p99": percentile(&from_send, 0.99)},
        "ingest_objects_per_s": {"with_subscribers": with_subscribers, "without": without},
    }))
}
