//! Fault tests on PostgreSQL (issue 8).
//!
//! - `kill -9` of `stixhub serve` during concurrent ingest, on the shared test database (a fresh schema): every
//!   object whose status came back complete is there after a restart, byte-identical. Runs when
//!   `STIXHUB_TEST_DATABASE_URL` is set.
//! - PostgreSQL itself stopped (`pg_ctl -m immediate`, a crash) under load and restarted: meanwhile `/readyz` and
//!   requests answer 503 (never 500), afterwards the hub recovers by itself and nothing acknowledged is lost. This
//!   never touches the shared PostgreSQL: it runs a private cluster (`initdb` + `pg_ctl` from
//!   `/usr/lib/postgresql/15/bin`, on a free port, in a temporary directory; as the `postgres` user when run as
//!   root). Skipped, with the reason printed, when those binaries are missing.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::operations::{envelope, stored_versions};
use crate::taxii_postgres::PgSchema;
use crate::taxii_server::{ServerProcess, admin_basic, fresh_data_dir, http};

const TAXII: &str = "application/taxii+json;version=2.1";
const OBJECTS: &str = "/api1/collections/default/objects/";
const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

type Confirmed = Arc<Mutex<BTreeMap<(String, String), String>>>;

fn indicator(writer: u32, seq: u32, n: u32) -> ((String, String), String) {
    let id = format!("indicator--{writer:08x}-{seq:04x}-4000-8{n:03x}-00000000fa17");
    let modified = "2024-02-01T00:00:00.000Z".to_owned();
    let json = format!(
        "{{\"type\":\"indicator\", \"spec_version\":\"2.1\",\"id\":\"{id}\",\"created\":\"2024-02-01T00:00:00.000Z\",\
         \"modified\":\"{modified}\",\"name\":\"fault w{writer} s{seq} \\u00e9\",\"pattern\":\"[ipv4-addr:value = '10.9.{}.{}']\",\
         \"pattern_type\":\"stix\",\"valid_from\":\"2024-02-01T00:00:00Z\"}}",
        seq % 256,
        n % 256
    );
    ((id, modified), json)
}

/// Posts envelopes of 10 until `stop`; records what was acknowledged complete and every status code seen.
fn write_until_stopped(
    address: &str,
    writer: u32,
    confirmed: &Confirmed,
    statuses: &Mutex<BTreeMap<u16, u64>>,
    stop: &AtomicBool,
) {
    let auth = admin_basic();
    let headers = [
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", auth.as_str()),
    ];
    for seq in 0.. {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let objects: Vec<_> = (0..10).map(|n| indicator(writer, seq, n)).collect();
        let body = envelope(&objects.iter().map(|(_, json)| json.clone()).collect::<Vec<_>>());
        let Ok((status, _, reply)) = http(address, "POST", OBJECTS, &headers, &body) else {
            // The server was killed, or the connection dropped: nothing acknowledged.
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        *statuses.lock().unwrap().entry(status).or_insert(0) += 1;
        if status == 202 {
            let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
            if reply["status"] == "complete" && reply["success_count"] == 10 {
                confirmed.lock().unwrap().extend(objects);
            }
        } else if status == 503 {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn assert_confirmed_present(address: &str, confirmed: &Confirmed, when: &str) -> usize {
    let stored = stored_versions(address);
    let confirmed = confirmed.lock().unwrap();
    for (key, json) in confirmed.iter() {
        let found = stored
            .get(key)
            .unwrap_or_else(|| panic!("{when}: acknowledged {key:?} is missing"));
        assert_eq!(found, json, "{when}: {key:?} is not byte-identical");
    }
    confirmed.len()
}

#[test]
fn fault_kill_9_during_ingest_on_postgres_loses_nothing_acknowledged() {
    let Some(base_url) = std::env::var("STIXHUB_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        eprintln!("skipped fault_kill_9_during_ingest_on_postgres: STIXHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let schema = PgSchema::create(&base_url);
    let url = schema.url();
    let confirmed: Confirmed = Arc::default();
    let statuses = Arc::new(Mutex::new(BTreeMap::new()));
    for round in 0..6u32 {
        let mut server = ServerProcess::start_with_store_flags(&["--database".as_ref(), url.as_ref()]);
        assert_confirmed_present(&server.address, &confirmed, &format!("round {round}"));
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..4)
            .map(|writer| {
                let (address, confirmed, statuses, stop) = (
                    server.address.clone(),
                    Arc::clone(&confirmed),
                    Arc::clone(&statuses),
                    Arc::clone(&stop),
                );
                std::thread::spawn(move || {
                    write_until_stopped(&address, round * 16 + writer, &confirmed, &statuses, &stop)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(150 + u64::from(round) * 70));
        server.kill_9();
        stop.store(true, Ordering::SeqCst);
        for writer in writers {
            writer.join().unwrap();
        }
    }
    let server = ServerProcess::start_with_store_flags(&["--database".as_ref(), url.as_ref()]);
    let n_confirmed = assert_confirmed_present(&server.address, &confirmed, "at the end");
    assert!(
        n_confirmed >= 100,
        "the test really ingested ({n_confirmed} acknowledged)"
    );
    let statuses = statuses.lock().unwrap();
    assert!(!statuses.contains_key(&500), "{statuses:?}");
    drop(server);
    drop(schema);
}

/// A PostgreSQL cluster of this test alone.
struct PrivateCluster {
    dir: PathBuf,
    port: u16,
    as_postgres_user: bool,
}

impl PrivateCluster {
    /// `initdb` and start; `None` (with the reason printed) when the binaries are missing.
    fn start(label: &str) -> Option<PrivateCluster> {
        if !PathBuf::from(PG_BIN).join("initdb").exists() {
            eprintln!("skipped {label}: {PG_BIN}/initdb is missing (install postgresql-15)");
            return None;
        }
        let as_postgres_user = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
        let dir = fresh_data_dir(label);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = PrivateCluster {
            dir,
            port,
            as_postgres_user,
        };
        if as_postgres_user {
            // initdb and postgres refuse to run as root.
            let status = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&cluster.dir)
                .status()
                .unwrap();
            assert!(status.success());
        }
        let pgdata = cluster.pgdata();
        cluster.run(
            "initdb",
            &[
                "-D",
                &pgdata,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        cluster.pg_ctl_start();
        Some(cluster)
    }

    fn pgdata(&self) -> String {
        self.dir.join("pgdata").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, program: &str, args: &[&str]) {
        let binary = format!("{PG_BIN}/{program}");
        let mut command = if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--", &binary]);
            command
        } else {
            Command::new(&binary)
        };
        let output = command.args(args).output().unwrap();
        assert!(
            output.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=50",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("postgres.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.pgdata(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// A crash: the postmaster and every backend quit at once, no checkpoint.
    fn stop_immediate(&self) {
        self.run("pg_ctl", &["-D", &self.pgdata(), "-m", "immediate", "-w", "stop"]);
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let pgdata = self.pgdata();
        let binary = format!("{PG_BIN}/pg_ctl");
        let mut command = if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--", &binary]);
            command
        } else {
            Command::new(&binary)
        };
        let _ = command.args(["-D", &pgdata, "-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn status_of(address: &str, path: &str) -> u16 {
    let auth = admin_basic();
    let headers = [("Accept", TAXII), ("Authorization", auth.as_str())];
    http(address, "GET", path, &headers, "").map_or(0, |(status, _, _)| status)
}

#[test]
fn fault_postgres_restarted_under_load_answers_503_then_recovers_losing_nothing() {
    let Some(cluster) = PrivateCluster::start("pg-restart") else {
        return;
    };
    let server = ServerProcess::start_with_store_flags(&["--database".as_ref(), cluster.url().as_ref()]);
    assert_eq!(status_of(&server.address, "/readyz"), 200);
    let confirmed: Confirmed = Arc::default();
    let statuses = Arc::new(Mutex::new(BTreeMap::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let (address, confirmed, statuses, stop) = (
                server.address.clone(),
                Arc::clone(&confirmed),
                Arc::clone(&statuses),
                Arc::clone(&stop),
            );
            std::thread::spawn(move || {
                write_until_stopped(&address, 1000 + writer, &confirmed, &statuses, &stop)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let n_before = confirmed.lock().unwrap().len();
    assert!(n_before > 0, "writes were acknowledged before the crash");

    cluster.stop_immediate();
    // While the database is down: not ready, and requests get 503 with a TAXII error, not 500.
    let down_since = Instant::now();
    let mut readyz_codes = BTreeMap::new();
    let mut read_codes = BTreeMap::new();
    while down_since.elapsed() < Duration::from_secs(2) {
        *readyz_codes
            .entry(status_of(&server.address, "/readyz"))
            .or_insert(0) += 1;
        *read_codes.entry(status_of(&server.address, OBJECTS)).or_insert(0) += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("while down: readyz {readyz_codes:?}, reads {read_codes:?}");
    let auth = admin_basic();
    let (status, headers, body) = http(
        &server.address,
        "GET",
        OBJECTS,
        &[("Accept", TAXII), ("Authorization", auth.as_str())],
        "",
    )
    .unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(
        headers.contains(&("content-type".to_owned(), TAXII.to_owned())),
        "{headers:?}"
    );
    assert!(
        headers.contains(&("retry-after".to_owned(), "1".to_owned())),
        "{headers:?}"
    );
    assert_eq!(
        readyz_codes.keys().copied().collect::<Vec<_>>(),
        vec![503],
        "{readyz_codes:?}"
    );
    assert_eq!(
        read_codes.keys().copied().collect::<Vec<_>>(),
        vec![503],
        "{read_codes:?}"
    );

    cluster.pg_ctl_start();
    let restarted = Instant::now();
    while status_of(&server.address, "/readyz") != 200 {
        assert!(
            restarted.elapsed() < Duration::from_secs(30),
            "the hub did not recover"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let recovered_after = restarted.elapsed();
    let n_at_restart = confirmed.lock().unwrap().len();
    std::thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.join().unwrap();
    }
    let n_confirmed = assert_confirmed_present(&server.address, &confirmed, "after the restart");
    assert!(
        n_confirmed > n_at_restart,
        "writes are acknowledged again after the restart"
    );
    let statuses = statuses.lock().unwrap();
    eprintln!(
        "postgres restart: {n_confirmed} acknowledged, statuses {statuses:?}, readyz 200 again {} ms after the restart",
        recovered_after.as_millis()
    );
    assert!(statuses.get(&503).is_some_and(|n| *n > 0), "{statuses:?}");
    assert!(
        statuses.keys().all(|status| [202, 503].contains(status)),
        "only 202 and 503: {statuses:?}"
    );
}
