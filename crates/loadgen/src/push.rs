//! The event-stream side of `loadgen soak --subscribers S --webhooks W` (issue 13): S SSE subscribers that count
//! the frames they read (the first few also time them from the POST's send), and W webhook endpoints, all
//! served by one HTTP listener of this process on 127.0.0.1 (`/hook/N`), that answer 200 and count deliveries.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::bail;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::http::Connection;

/// Subscribers that time frames (the rest only count: parsing every frame of 1,000 streams would take the
/// cores the server needs).
const TIMED: u64 = 10;

/// What the push side observed; the soak's sampler takes it every window.
#[derive(Debug, Default)]
pub(crate) struct PushCounters {
    pub(crate) frames: AtomicU64,
    pub(crate) deliveries: AtomicU64,
    /// Streams that ended (the server closed them or the connection failed).
    pub(crate) streams_lost: AtomicU64,
    /// When each POST was sent, by the number of its first indicator.
    pub(crate) sent: Mutex<BTreeMap<u64, Instant>>,
    /// Commit-to-frame latencies (from the POST's send) of the timed subscribers, this window.
    pub(crate) frame_ms: Mutex<Vec<f64>>,
}

impl PushCounters {
    /// Notes a POST whose first indicator is number `first`.
    pub(crate) fn posted(&self, first: u64) {
        let mut sent = self
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        sent.insert(first, Instant::now());
        // Keeps the last minute (a frame later than that is counted, not timed).
        while sent.len() > 100_000 {
            sent.pop_first();
        }
    }
}

/// Starts the receiver listener and returns the W endpoint URLs.
pub(crate) async fn start_receivers(n: u64, counters: Arc<PushCounters>) -> anyhow::Result<Vec<String>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(receive(stream, Arc::clone(&counters)));
        }
    });
    Ok((0..n).map(|i| format!("http://{address}/hook/{i}")).collect())
}

/// One receiver connection: answers every request 200 (keep-alive) and counts it.
async fn receive(stream: tokio::net::TcpStream, counters: Arc<PushCounters>) -> anyhow::Result<()> {
    let mut stream = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        let mut first = true;
        loop {
            line.clear();
            if stream.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let text = line.trim_end();
            if text.is_empty() && !first {
                break;
            }
            first = false;
            if let Some((name, value)) = text.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await?;
        counters.deliveries.fetch_add(1, Ordering::Relaxed);
        stream
            .get_mut()
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .await?;
    }
}

/// Registers each URL as a webhook of the admin (every event).
pub(crate) async fn register_webhooks(
    host: &str,
    authorization: &str,
    urls: &[String],
) -> anyhow::Result<()> {
    let mut conn = Connection::open(host, authorization).await?;
    for url in urls {
        let body = serde_json::json!({ "url": url }).to_string();
        let reply = conn.post_json("/events/v1/webhooks/", body.as_bytes()).await?;
        if reply.status != 201 {
            bail!(
                "webhook registration answered {}: {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            );
        }
    }
    Ok(())
}

/// Opens S subscribers.
pub(crate) fn subscribe(host: &str, authorization: &str, n: u64, counters: &Arc<PushCounters>) {
    for idx in 0..n {
        let (host, authorization, counters) =
            (host.to_owned(), authorization.to_owned(), Arc::clone(counters));
        tokio::spawn(async move {
            // A stream only ends when the server closes it or the connection fails: either is a loss.
            let _ = follow(&host, &authorization, idx < TIMED, &counters).await;
            counters.streams_lost.fetch_add(1, Ordering::Relaxed);
        });
    }
}

async fn follow(host: &str, authorization: &str, timed: bool, counters: &PushCounters) -> anyhow::Result<()> {
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    stream
        .write_all(
            format!(
                "GET /events/v1/stream HTTP/1.1\r\nHost: {host}\r\nAuthorization: {authorization}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await?;
    let mut lines = BufReader::with_capacity(64 * 1024, stream).lines();
    while let Some(line) = lines.next_line().await? {
        if !line.starts_with("data: ") {
            continue;
        }
        counters.frames.fetch_add(1, Ordering::Relaxed);
        if !timed {
            continue;
        }
        let Some(at) = line.find("\"name\":\"loadgen indicator ") else {
            continue;
        };
        let digits: String = line[at + 26..].chars().take_while(char::is_ascii_digit).collect();
        let Ok(n) = digits.parse::<u64>() else { continue };
        let sent = counters
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&n)
            .copied();
        if let Some(sent) = sent {
            let ms = sent.elapsed().as_secs_f64() * 1000.0;
            counters
                .frame_ms
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(ms);
        }
    }
    Ok(())
}
