//! NATS stop/restart under load (issue 13): the test starts its own `nats-server -js` on a free port of
//! 127.0.0.1 (never the shared one), two `serve` nodes on one PostgreSQL schema use it, SSE streams are open on
//! both nodes and webhook receivers listen; objects are posted to both nodes at a steady pace while NATS is
//! killed, and later restarted on the same port and store directory.
//!
//! Asserted: every stream and every receiver gets every event, none twice by position (`id:` / `webhook-id`);
//! while NATS is down both nodes say so (`/readyz`, `/metrics`, `/admin/v1/events/stats`) and still deliver
//! (by polling the log); after the restart the bus is connected again and carries wake-ups: events posted on
//! one node reach the other node's streams well within its (here long) polling interval.
//! Runs when `STIXHUB_TEST_DATABASE_URL` is set and a `nats-server` binary is found (`STIXHUB_NATS_SERVER`,
//! `/usr/sbin/nats-server` or `PATH`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::taxii_postgres::PgSchema;
use crate::taxii_server::{ServerProcess, admin_basic, fresh_data_dir, http};
use crate::webhook_receiver::{Behaviour, Receiver};

const TAXII: &str = "application/taxii+json;version=2.1";
/// The nodes' polling interval: long, so wake-ups over NATS are told apart from polling.
const POLL_MS: u64 = 4000;
const RECEIVERS: usize = 4;

fn nats_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("STIXHUB_NATS_SERVER") {
        return Some(PathBuf::from(path));
    }
    let system = Path::new("/usr/sbin/nats-server");
    if system.exists() {
        return Some(system.to_owned());
    }
    let found = Command::new("nats-server").arg("--version").output().ok()?;
    found.status.success().then(|| PathBuf::from("nats-server"))
}

/// A `nats-server` of this test's own (JetStream, file store in `store`).
struct Nats {
    child: Child,
}

impl Nats {
    fn start(binary: &Path, port: u16, store: &Path) -> Nats {
        let child = Command::new(binary)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Nats { child }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What one SSE stream received: (position, object id) per frame.
type Frames = Arc<Mutex<Vec<(u64, String, Instant)>>>;

/// Reads `GET /events/v1/stream` on `address` in a thread until `stop`.
fn follow(address: &str, stop: Arc<AtomicBool>) -> Frames {
    let frames: Frames = Arc::default();
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    write!(
        stream,
        "GET /events/v1/stream HTTP/1.1\r\nHost: {address}\r\nAuthorization: {}\r\n\r\n",
        admin_basic()
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    let out = Arc::clone(&frames);
    std::thread::spawn(move || {
        let mut position = None;
        line.clear();
        while !stop.load(Ordering::Relaxed) {
            // A timeout keeps what was read of the line so far: the next call completes it.
            match reader.read_line(&mut line) {
                Ok(0) => return,
                Ok(_) => {}
                Err(_) => continue,
            }
            let text = std::mem::take(&mut line);
            let text = text.trim_end();
            if let Some(id) = text.strip_prefix("id: ") {
                position = id.parse::<u64>().ok();
            } else if let Some(data) = text.strip_prefix("data: ") {
                let event: serde_json::Value = serde_json::from_str(data).unwrap();
                let object = event["object"]["id"].as_str().unwrap_or_default().to_owned();
                let seq = position.take().expect("an id: before each data:");
                out.lock().unwrap().push((seq, object, Instant::now()));
            }
        }
    });
    frames
}

fn get(address: &str, path: &str) -> String {
    let auth = admin_basic();
    http(address, "GET", path, &[("Authorization", auth.as_str())], "")
        .map(|(_, _, body)| body)
        .unwrap_or_default()
}

/// Waits until `/readyz` of every node reports the bus `state`.
fn wait_bus(addresses: &[&str], state: &str, within: Duration) {
    let deadline = Instant::now() + within;
    for address in addresses {
        loop {
            if get(address, "/readyz").contains(&format!("\"event_bus\":\"{state}\"")) {
                break;
            }
            assert!(Instant::now() < deadline, "{address}: the bus never {state}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn indicator(n: u32) -> (String, String) {
    let id = format!("indicator--0a75fa17-0000-4000-8000-{n:012}");
    let json = format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","created":"2026-12-01T00:00:00.000Z","modified":"2026-12-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '192.0.2.{}']","pattern_type":"stix","valid_from":"2026-12-01T00:00:00Z"}}"#,
        n % 256
    );
    (id, json)
}

fn post(address: &str, json: &str) -> Instant {
    let auth = admin_basic();
    let headers = [
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", auth.as_str()),
    ];
    let body = format!(r#"{{"objects":[{json}]}}"#);
    for _ in 0..100 {
        if let Ok((202, _, _)) = http(
            address,
            "POST",
            "/api1/collections/default/objects/",
            &headers,
            &body,
        ) {
            return Instant::now();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{address} never accepted a posting");
}

#[test]
fn fault_nats_stopped_and_restarted_under_load_loses_and_repeats_nothing() {
    let Some(base_url) = std::env::var("STIXHUB_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped: set STIXHUB_TEST_DATABASE_URL to run the NATS fault test");
        return;
    };
    let Some(nats_bin) = nats_binary() else {
        eprintln!("skipped: no nats-server binary (set STIXHUB_NATS_SERVER)");
        return;
    };
    let dir = fresh_data_dir("nats-fault");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nats_store = dir.join("nats");
    let mut nats = Nats::start(&nats_bin, port, &nats_store);
    let nats_url = format!("nats://127.0.0.1:{port}");

    let schema = PgSchema::create(&base_url);
    let url = schema.url();
    let config = dir.join("stixhub.toml");
    std::fs::write(
        &config,
        format!("[events]\npoll_ms = {POLL_MS}\n[webhooks]\nretry_schedule = \"0s,200ms,500ms,1s,2s,2s,2s,2s,2s\"\n"),
    )
    .unwrap();
    let flags = [
        "--database",
        &url,
        "--config",
        config.to_str().unwrap(),
        "--allow-private-webhooks",
    ];
    let flags: Vec<&std::ffi::OsStr> = flags.iter().map(std::ffi::OsStr::new).collect();
    let env = [("STIXHUB_NATS_URL", nats_url.as_str())];
    let a = ServerProcess::start_with_env(&flags, &env);
    let b = ServerProcess::start_with_env(&flags, &env);
    let nodes = [a.address.as_str(), b.address.as_str()];
    wait_bus(&nodes, "connected", Duration::from_secs(20));

    let receivers: Vec<Receiver> = (0..RECEIVERS)
        .map(|_| Receiver::start(Behaviour::Accept))
        .collect();
    let auth = admin_basic();
    let json_headers = [
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    for receiver in &receivers {
        let body = serde_json::json!({"url": receiver.url, "types": ["indicator"]}).to_string();
        let (status, _, reply) =
            http(nodes[0], "POST", "/events/v1/webhooks/", &json_headers, &body).unwrap();
        assert_eq!(status, 201, "{reply}");
    }
    let stop = Arc::new(AtomicBool::new(false));
    let streams: Vec<(usize, Frames)> = [0, 0, 1, 1]
        .into_iter()
        .map(|node| (node, follow(nodes[node], Arc::clone(&stop))))
        .collect();

    // Steady ingest on both nodes: phase 1 with NATS, phase 2 without, phase 3 after its restart.
    let mut posted: BTreeMap<String, (usize, Instant)> = BTreeMap::new();
    let mut n = 0u32;
    let mut ingest = |rounds: u32, posted: &mut BTreeMap<String, (usize, Instant)>| {
        for _ in 0..rounds {
            let node = (n % 2) as usize;
            let (id, json) = indicator(n);
            let at = post(nodes[node], &json);
            posted.insert(id, (node, at));
            n += 1;
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    ingest(10, &mut posted);
    nats.kill();
    ingest(5, &mut posted);
    // The outage is visible on both nodes while it lasts.
    wait_bus(&nodes, "disconnected", Duration::from_secs(10));
    for node in nodes {
        let metrics = get(node, "/metrics");
        assert!(
            metrics.contains("stixhub_events_bus_connected 0"),
            "{node}: {metrics}"
        );
        let stats = get(node, "/admin/v1/events/stats");
        assert!(stats.contains("\"bus\":{\"connected\":false}"), "{node}: {stats}");
    }
    ingest(10, &mut posted);
    let down_until = posted.len();
    let _restarted = Nats::start(&nats_bin, port, &nats_store);
    nats = _restarted;
    wait_bus(&nodes, "connected", Duration::from_secs(20));
    let after_restart = Instant::now();
    ingest(20, &mut posted);

    // Everything arrives everywhere, once.
    let want: BTreeSet<&String> = posted.keys().collect();
    let deadline = Instant::now() + Duration::from_secs(POLL_MS / 1000 * 3 + 10);
    for (idx, (node, frames)) in streams.iter().enumerate() {
        loop {
            let got = frames.lock().unwrap().clone();
            let ids: BTreeSet<&String> = got.iter().map(|(_, id, _)| id).collect();
            if want.is_subset(&ids) {
                let positions: BTreeSet<u64> = got.iter().map(|(seq, _, _)| *seq).collect();
                assert_eq!(
                    positions.len(),
                    got.len(),
                    "stream {idx} on node {node}: a position twice"
                );
                assert_eq!(
                    ids.len(),
                    got.len(),
                    "stream {idx} on node {node}: an object twice"
                );
                break;
            }
            assert!(
                Instant::now() < deadline,
                "stream {idx} on node {node} misses {:?}",
                want.difference(&ids).collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    for (idx, receiver) in receivers.iter().enumerate() {
        let got = receiver.wait_for(
            deadline.saturating_duration_since(Instant::now()),
            &format!("receiver {idx}"),
            |deliveries| {
                let ids: BTreeSet<String> = deliveries
                    .iter()
                    .filter_map(|d| d.json()["object"]["id"].as_str().map(str::to_owned))
                    .collect();
                want.iter().all(|id| ids.contains(*id))
            },
        );
        let ids: BTreeSet<&str> = got.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids.len(), got.len(), "receiver {idx}: a webhook-id twice");
    }

    // After the restart the bus carries wake-ups again: what node A commits reaches node B's streams without
    // waiting for B's next poll (POLL_MS), and the other way round.
    let mut slowest = Duration::ZERO;
    for (node, frames) in &streams {
        let got = frames.lock().unwrap().clone();
        for (_, id, at) in &got {
            let Some((posted_on, sent)) = posted.get(id) else {
                continue;
            };
            if posted_on != node && *sent > after_restart {
                slowest = slowest.max(at.saturating_duration_since(*sent));
            }
        }
    }
    eprintln!(
        "NATS fault: {} events ({} posted while NATS was down), slowest cross-node frame after the restart {slowest:?}",
        posted.len(),
        down_until - 10
    );
    assert!(
        slowest < Duration::from_millis(POLL_MS / 2),
        "cross-node wake-ups after the restart: slowest frame {slowest:?} (polling is every {POLL_MS} ms)"
    );
    stop.store(true, Ordering::Relaxed);
    drop((a, b, nats));
    let _ = std::fs::remove_dir_all(&dir);
}
