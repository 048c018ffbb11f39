//! `loadgen soak`: a long run of mixed reads and writes at a fraction of the measured capacity, sampling the
//! server's RSS and the latency over time into a CSV (`--out`), for `scripts/plot-soak.py`.
//!
//! Workload per request (open loop, fixed schedule per client): 80 % first pages of 10 objects, 10 % random
//! `match[id]` GETs, 10 % POSTs of 5 new indicators. Capacity is measured first with 8 closed-loop clients for
//! 10 s; the soak offers `--load` × capacity. Every answer must be 200 or 202, or 503 when the server sheds load
//! (counted per sample: on a shared machine "half the capacity" can briefly exceed what the server gets); any
//! other answer fails the run.
//!
//! With `--subscribers S --webhooks W` (issue 13) S server-sent-event streams and W webhook endpoints (served
//! by this process, see `push`) are connected before the capacity is measured, so "half the capacity" is half
//! of what the server does with them; the CSV then also has SSE frames/s, the p99 from a POST's send to its
//! frame (10 timed streams), webhook deliveries/s and lost streams per window.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::http::Connection;
use crate::push::PushCounters;
use crate::{OBJECTS, indicator, object_id, percentile, rss_mib};

/// Options of `loadgen soak`.
pub(crate) struct SoakOptions {
    pub(crate) seconds: u64,
    pub(crate) load: f64,
    pub(crate) clients: u64,
    pub(crate) sample_seconds: u64,
    pub(crate) seed_objects: u64,
    pub(crate) out: PathBuf,
    /// SSE subscribers held open during the soak.
    pub(crate) subscribers: u64,
    /// Webhook endpoints delivered to during the soak.
    pub(crate) webhooks: u64,
}

impl Default for SoakOptions {
    fn default() -> SoakOptions {
        SoakOptions {
            seconds: 600,
            load: 0.5,
            clients: 32,
            sample_seconds: 10,
            seed_objects: 20_000,
            out: PathBuf::from("bench-results/soak.csv"),
            subscribers: 0,
            webhooks: 0,
        }
    }
}

/// One sample: (elapsed s, RSS MiB, requests/s, p50 ms, p99 ms, max ms).
type Sample = (f64, f64, f64, f64, f64, f64);

/// Where the server's resident memory is (`/proc/PID/status`): anonymous (heap, arenas, stacks), file-backed
/// (the binary, mapped files) and shared memory (SQLite's WAL index), in MiB, and its thread count.
struct Breakdown {
    anon: f64,
    file: f64,
    shmem: f64,
    threads: u64,
}

impl Breakdown {
    fn of(pid: u32) -> Breakdown {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        Breakdown {
            anon: (field("RssAnon:") / 102.4).round() / 10.0,
            file: (field("RssFile:") / 102.4).round() / 10.0,
            shmem: (field("RssShmem:") / 102.4).round() / 10.0,
            threads: field("Threads:") as u64,
        }
    }
}

/// What the clients record between two samples.
#[derive(Default)]
struct Window {
    latencies_ms: Vec<f64>,
    shed: u64,
    dropped: u64,
    errors: u64,
}

async fn one(
    conn: &mut Connection,
    n: u64,
    state: &mut u64,
    seed_objects: u64,
    next_new: &AtomicU64,
    push: &PushCounters,
) -> anyhow::Result<u16> {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    let reply = match n % 10 {
        0 => {
            let first = next_new.fetch_add(5, Ordering::Relaxed);
            push.posted(first);
            let objects: Vec<String> = (first..first + 5).map(indicator).collect();
            conn.post(
                OBJECTS,
                format!(r#"{{"objects":[{}]}}"#, objects.join(",")).as_bytes(),
            )
            .await?
        }
        1 => {
            conn.get(&format!(
                "{OBJECTS}?match[id]={}",
                object_id(*state % seed_objects)
            ))
            .await?
        }
        _ => conn.get(&format!("{OBJECTS}?limit=10")).await?,
    };
    Ok(reply.status)
}

/// Closed loop: requests per second with `clients` clients for `duration`.
async fn capacity(
    host: &str,
    authorization: &str,
    options: &SoakOptions,
    next_new: &Arc<AtomicU64>,
    push: &Arc<PushCounters>,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let duration = Duration::from_secs(10);
    let mut tasks = Vec::new();
    for client in 0..8u64 {
        let (host, authorization, next_new, seed, push) = (
            host.to_owned(),
            authorization.to_owned(),
            Arc::clone(next_new),
            options.seed_objects,
            Arc::clone(push),
        );
        tasks.push(tokio::spawn(async move {
            let mut conn = Connection::open(&host, &authorization).await?;
            let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ (client + 1);
            let mut n_done = 0u64;
            while started.elapsed() < duration {
                let status = one(&mut conn, n_done, &mut state, seed, &next_new, &push).await?;
                if status != 200 && status != 202 {
                    bail!("calibration answered {status}");
                }
                n_done += 1;
            }
            anyhow::Ok(n_done)
        }));
    }
    let mut n_total = 0;
    for task in tasks {
        n_total += task.await??;
    }
    Ok(n_total as f64 / started.elapsed().as_secs_f64())
}

/// Runs the soak against the server at `host` (process `pid`); writes the CSV and prints a JSON summary line.
pub(crate) async fn run(
    host: &str,
    authorization: &str,
    pid: u32,
    options: &SoakOptions,
) -> anyhow::Result<String> {
    let next_new = Arc::new(AtomicU64::new(options.seed_objects));
    let push = Arc::new(PushCounters::default());
    if options.webhooks > 0 {
        let urls = crate::push::start_receivers(options.webhooks, Arc::clone(&push)).await?;
        crate::push::register_webhooks(host, authorization, &urls).await?;
    }
    crate::push::subscribe(host, authorization, options.subscribers, &push);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let capacity = capacity(host, authorization, options, &next_new, &push).await?;
    let offered = capacity * options.load;
    let interval = Duration::from_secs_f64(options.clients as f64 / offered);
    let window = Arc::new(Mutex::new(Window::default()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.seconds);
    let mut tasks = Vec::new();
    for client in 0..options.clients {
        let (host, authorization, next_new, window, seed, push) = (
            host.to_owned(),
            authorization.to_owned(),
            Arc::clone(&next_new),
            Arc::clone(&window),
            options.seed_objects,
            Arc::clone(&push),
        );
        let offset = interval.mul_f64(client as f64 / options.clients as f64);
        tasks.push(tokio::spawn(async move {
            let mut conn = Connection::open(&host, &authorization).await?;
            let mut state = 0x2545_f491_4f6c_dd1d_u64 ^ (client + 1);
            let mut due = tokio::time::Instant::now() + offset;
            let mut n = client;
            while Instant::now() < deadline {
                tokio::time::sleep_until(due).await;
                due += interval;
                let sent = Instant::now();
                let Ok(status) = one(&mut conn, n, &mut state, seed, &next_new, &push).await else {
                    // The server closed the connection (e.g. after shedding a POST whose body it did not
                    // read): count it and reconnect.
                    window
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .dropped += 1;
                    conn = Connection::open(&host, &authorization).await?;
                    n += 1;
                    continue;
                };
                let latency = sent.elapsed().as_secs_f64() * 1000.0;
                let mut window = window.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                match status {
                    200 | 202 => window.latencies_ms.push(latency),
                    503 => window.shed += 1,
                    _ => window.errors += 1,
                }
                n += 1;
            }
            anyhow::Ok(())
        }));
    }
    if let Some(parent) = options.out.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut csv =
        std::fs::File::create(&options.out).with_context(|| format!("creating {}", options.out.display()))?;
    writeln!(
        csv,
        "elapsed_s,rss_mib,requests_per_s,p50_ms,p99_ms,max_ms,shed,errors,sse_frames_per_s,sse_p99_ms,webhook_deliveries_per_s,streams_lost,rss_anon_mib,rss_file_mib,rss_shmem_mib,threads"
    )?;
    let mut rows: Vec<Sample> = Vec::new();
    let (mut total_errors, mut total_shed, mut total_dropped) = (0, 0, 0);
    let (mut frames_seen, mut deliveries_seen) = (0, 0);
    let mut sse_p99s = Vec::new();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(options.sample_seconds)).await;
        let taken = std::mem::take(&mut *window.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let mut latencies = taken.latencies_ms;
        latencies.sort_by(f64::total_cmp);
        let elapsed = started.elapsed().as_secs_f64();
        let rss = rss_mib(pid).0;
        let breakdown = Breakdown::of(pid);
        let row = (
            elapsed,
            rss,
            latencies.len() as f64 / options.sample_seconds as f64,
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            latencies.last().copied().unwrap_or(0.0),
        );
        total_errors += taken.errors;
        total_shed += taken.shed;
        total_dropped += taken.dropped;
        let frames = push.frames.load(Ordering::Relaxed);
        let deliveries = push.deliveries.load(Ordering::Relaxed);
        let mut frame_ms = std::mem::take(
            &mut *push
                .frame_ms
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        frame_ms.sort_by(f64::total_cmp);
        let sse_p99 = percentile(&frame_ms, 0.99);
        if !frame_ms.is_empty() {
            sse_p99s.push(sse_p99);
        }
        let per_second = |now: u64, before: u64| (now - before) as f64 / options.sample_seconds as f64;
        writeln!(
            csv,
            "{:.0},{:.1},{:.1},{:.3},{:.3},{:.3},{},{},{:.0},{:.3},{:.1},{},{:.1},{:.1},{:.1},{}",
            row.0,
            row.1,
            row.2,
            row.3,
            row.4,
            row.5,
            taken.shed,
            taken.errors,
            per_second(frames, frames_seen),
            sse_p99,
            per_second(deliveries, deliveries_seen),
            push.streams_lost.load(Ordering::Relaxed),
            breakdown.anon,
            breakdown.file,
            breakdown.shmem,
            breakdown.threads
        )?;
        (frames_seen, deliveries_seen) = (frames, deliveries);
        csv.flush()?;
        rows.push(row);
    }
    for task in tasks {
        task.await??;
    }
    sse_p99s.sort_by(f64::total_cmp);
    let lost = push.streams_lost.load(Ordering::Relaxed);
    if total_errors > 0 {
        bail!("{total_errors} requests were not answered 200, 202 or 503");
    }
    let third = (rows.len() / 3).max(1);
    let mean = |rows: &[Sample], pick: fn(&Sample) -> f64| {
        rows.iter().map(pick).sum::<f64>() / rows.len().max(1) as f64
    };
    let (first, last) = (
        &rows[..third.min(rows.len())],
        &rows[rows.len().saturating_sub(third)..],
    );
    Ok(format!(
        "{{\"seconds\":{},\"capacity_rps\":{capacity:.0},\"offered_rps\":{offered:.0},\"samples\":{},\
         \"rss_mib_first_third\":{:.1},\"rss_mib_last_third\":{:.1},\"p99_ms_first_third\":{:.2},\
         \"p99_ms_last_third\":{:.2},\"p50_ms_first_third\":{:.2},\"p50_ms_last_third\":{:.2},\"objects_added\":{},\"shed_503\":{total_shed},\"connections_dropped\":{total_dropped},\"subscribers\":{},\"webhooks\":{},\
         \"sse_frames\":{frames_seen},\"webhook_deliveries\":{deliveries_seen},\"sse_p99_ms_median_of_windows\":{},\
         \"streams_lost\":{lost},\"csv\":\"{}\"}}",
        options.seconds,
        rows.len(),
        mean(first, |row| row.1),
        mean(last, |row| row.1),
        mean(first, |row| row.4),
        mean(last, |row| row.4),
        mean(first, |row| row.3),
        mean(last, |row| row.3),
        next_new.load(Ordering::Relaxed) - options.seed_objects,
        options.subscribers,
        options.webhooks,
        percentile(&sse_p99s, 0.5),
        options.out.display()
    ))
}
