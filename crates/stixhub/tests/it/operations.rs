//! Production features of `stixhub serve` and the operator commands (issue 8), on the embedded store: per-account
//! rate limits (429 + Retry-After + TAXII error), organisation quotas, the connection bound (503 at once), the
//! store and queue metrics, `[tls]` in the configuration file, online `backup` and `restore`, and collection
//! `export`/`import` round trips byte-identical per object.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::taxii_server::{ServerProcess, admin_basic, fresh_data_dir, http};

const TAXII: &str = "application/taxii+json;version=2.1";
const OBJECTS: &str = "/api1/collections/default/objects/";

pub(crate) fn stixhub(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(args)
        .env("STIXHUB_ADMIN_PASSWORD", crate::taxii_server::ADMIN_PASSWORD)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).trim().to_owned();
    (
        output.status.code().unwrap_or(-1),
        text(&output.stdout),
        text(&output.stderr),
    )
}

/// An indicator with unusual spacing and escapes, so byte identity is really checked.
pub(crate) fn indicator(n: u32, version: u32) -> String {
    format!(
        "{{\"type\": \"indicator\",\"spec_version\":\"2.1\" ,\"id\":\"indicator--{n:08x}-0000-4000-8000-00000000beef\",\
         \"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-0{version}T00:00:00.000Z\",\
         \"name\":\"ops {n} v{version} \\u00e9\",\"pattern\":\"[ipv4-addr:value = '10.2.{}.{}']\",\
         \"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\"}}",
        n / 256 % 256,
        n % 256
    )
}

pub(crate) fn envelope(objects: &[String]) -> String {
    format!("{{\"objects\":[{}]}}", objects.join(","))
}

fn post(address: &str, auth: &str, body: &str) -> (u16, Vec<(String, String)>, String) {
    let headers = [
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", auth),
    ];
    http(address, "POST", OBJECTS, &headers, body).unwrap()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn basic(account: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{account}:{password}"))
    )
}

fn start_with(data_dir: &Path, extra: &[&str]) -> ServerProcess {
    let mut flags: Vec<&std::ffi::OsStr> = vec!["--data".as_ref(), data_dir.as_os_str()];
    flags.extend(extra.iter().map(|flag| std::ffi::OsStr::new(*flag)));
    ServerProcess::start_with_store_flags(&flags)
}

#[test]
fn an_account_over_its_rate_gets_429_with_retry_after_and_a_taxii_error() {
    let data_dir = fresh_data_dir("rate");
    let server = start_with(&data_dir, &["--rate-limit", "0.5", "--rate-burst", "3"]);
    let auth = admin_basic();
    let headers = [("Accept", TAXII), ("Authorization", auth.as_str())];
    for _ in 0..3 {
        let (status, _, body) = http(&server.address, "GET", "/taxii2/", &headers, "").unwrap();
        assert_eq!(status, 200, "{body}");
    }
    let (status, reply_headers, body) = http(&server.address, "GET", "/taxii2/", &headers, "").unwrap();
    assert_eq!(status, 429, "{body}");
    assert_eq!(header(&reply_headers, "retry-after"), Some("2"));
    assert_eq!(header(&reply_headers, "content-type"), Some(TAXII));
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["http_status"], "429", "{body}");
    // Health checks are not rate limited.
    let (status, _, _) = http(&server.address, "GET", "/healthz", &[], "").unwrap();
    assert_eq!(status, 200);
    let (_, _, metrics) = http(&server.address, "GET", "/metrics", &[], "").unwrap();
    assert!(
        metrics.contains("stixhub_http_requests_total{route=\"/taxii2\",method=\"GET\",status=\"429\"} 1"),
        "{metrics}"
    );
}

#[test]
fn an_organisation_over_its_quota_gets_429_and_nothing_is_stored() {
    let data_dir = fresh_data_dir("quota");
    let data = data_dir.to_str().unwrap();
    for (args, stdin) in [
        (vec!["org", "create", "acme", "--data", data], ""),
        (
            vec![
                "account",
                "create",
                "alice",
                "--password-stdin",
                "--org",
                "acme",
                "--data",
                data,
            ],
            "alice-pass\n",
        ),
        (
            vec!["grant", "alice", "--collection", "default", "--data", data],
            "",
        ),
    ] {
        let (code, _, stderr) = stixhub(&args, stdin);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    let config = data_dir.join("quota.toml");
    std::fs::write(
        &config,
        "[quotas]\nmax_objects = 1000\n\n[quotas.organisations.acme]\nmax_objects = 3\n",
    )
    .unwrap();
    let server = start_with(&data_dir, &["--config", config.to_str().unwrap()]);
    let alice = basic("alice", "alice-pass");
    let (status, _, body) = post(
        &server.address,
        &alice,
        &envelope(&[indicator(1, 1), indicator(2, 1)]),
    );
    assert_eq!(status, 202, "{body}");
    let (status, headers, body) = post(
        &server.address,
        &alice,
        &envelope(&[indicator(3, 1), indicator(4, 1)]),
    );
    assert_eq!(status, 429, "{body}");
    assert_eq!(header(&headers, "content-type"), Some(TAXII));
    assert_eq!(
        header(&headers, "retry-after"),
        None,
        "waiting does not cure a quota"
    );
    assert!(
        body.contains("organisation acme stores 2 of its 3 objects"),
        "{body}"
    );
    let (status, _, body) = post(&server.address, &alice, &envelope(&[indicator(3, 1)]));
    assert_eq!(status, 202, "one more fits: {body}");
    // The admin has no organisation, hence no quota.
    let (status, _, body) = post(
        &server.address,
        &admin_basic(),
        &envelope(&[indicator(5, 1), indicator(6, 1)]),
    );
    assert_eq!(status, 202, "{body}");
}

#[test]
fn connections_over_the_bound_get_503_at_once_and_metrics_show_queues_and_store_latency() {
    let data_dir = fresh_data_dir("connections");
    let server = start_with(&data_dir, &["--max-connections", "2"]);
    let idle: Vec<_> = (0..2)
        .map(|_| std::net::TcpStream::connect(&server.address).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let mut third = std::net::TcpStream::connect(&server.address).unwrap();
    third.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    third
        .write_all(b"GET /taxii2/ HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    third.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 503 "), "{reply}");
    assert!(reply.contains("Retry-After: 1"), "{reply}");
    assert!(reply.contains(TAXII), "{reply}");
    assert!(started.elapsed() < Duration::from_secs(2), "answered at once");
    drop(idle);
    std::thread::sleep(Duration::from_millis(200));
    let (status, _, body) = post(&server.address, &admin_basic(), &envelope(&[indicator(1, 1)]));
    assert_eq!(status, 202, "{body}");
    let (status, _, metrics) = http(&server.address, "GET", "/metrics", &[], "").unwrap();
    assert_eq!(status, 200);
    for expected in [
        "stixhub_http_connections_refused_total 1",
        "stixhub_http_max_connections 2",
        "stixhub_http_requests_in_flight ",
        "stixhub_http_requests_waiting 0",
        "stixhub_store_sqlite_writer_queue_depth 0",
        "stixhub_store_operation_duration_seconds_count{operation=\"ingest\"} 1",
        "stixhub_store_operation_duration_seconds_bucket{operation=\"ingest\",le=\"+Inf\"} 1",
        "stixhub_store_operation_failures_total{operation=\"ingest\"} 0",
    ] {
        assert!(metrics.contains(expected), "{expected} in {metrics}");
    }
}

#[test]
fn tls_files_and_limits_come_from_the_configuration_file() {
    let data_dir = fresh_data_dir("tls-config");
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    std::fs::write(data_dir.join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(data_dir.join("key.pem"), key.serialize_pem()).unwrap();
    let config = data_dir.join("tls.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n\n[tls]\ncert = \"{dir}/cert.pem\"\nkey = \"{dir}/key.pem\"\n\n[limits]\nmax_in_flight = 8\naccount_rate = 50.0\n",
            dir = data_dir.display()
        ),
    )
    .unwrap();
    let (code, stdout, stderr) = stixhub(&["config", "check", config.to_str().unwrap()], "");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("[tls]\ncert = "), "{stdout}");
    assert!(
        stdout.contains("max_in_flight = 8\nmax_waiting = 16\nadmission_timeout_ms = 100\naccount_rate = 50.0\naccount_burst = 100"),
        "{stdout}"
    );
    let server = start_with(&data_dir, &["--config", config.to_str().unwrap()]);
    assert!(
        server.base_url.starts_with("https://127.0.0.1:"),
        "{}",
        server.base_url
    );
    let bad = data_dir.join("bad.toml");
    std::fs::write(&bad, "[tls]\ncert = \"c.pem\"\nclient_auth = \"sometimes\"\n").unwrap();
    let (code, _, stderr) = stixhub(&["config", "check", bad.to_str().unwrap()], "");
    assert_eq!(code, 1);
    assert!(stderr.contains("key `tls.client_auth`"), "{stderr}");
    assert!(stderr.contains("key `tls.key`"), "{stderr}");
}

/// Every object version of the default collection, by (id, modified), as exact bytes.
pub(crate) fn stored_versions(address: &str) -> BTreeMap<(String, String), String> {
    use serde_json::value::RawValue;
    let auth = admin_basic();
    let headers = [("Accept", TAXII), ("Authorization", auth.as_str())];
    let mut stored = BTreeMap::new();
    let mut query = "limit=1000&match[version]=all".to_owned();
    loop {
        let (status, _, body) = http(address, "GET", &format!("{OBJECTS}?{query}"), &headers, "").unwrap();
        assert_eq!(status, 200, "{body}");
        let envelope: BTreeMap<String, Box<RawValue>> = serde_json::from_str(&body).unwrap();
        if let Some(objects) = envelope.get("objects") {
            let objects: Vec<Box<RawValue>> = serde_json::from_str(objects.get()).unwrap();
            for raw in objects {
                let value: serde_json::Value = serde_json::from_str(raw.get()).unwrap();
                let key = (
                    value["id"].as_str().unwrap().to_owned(),
                    value["modified"].as_str().unwrap_or("").to_owned(),
                );
                stored.insert(key, raw.get().to_owned());
            }
        }
        match envelope.get("next") {
            Some(next) if envelope.get("more").is_some_and(|more| more.get() == "true") => {
                let next: String = serde_json::from_str(next.get()).unwrap();
                query = format!("limit=1000&match[version]=all&next={next}");
            }
            _ => return stored,
        }
    }
}

#[test]
fn backup_while_serving_then_restore_refuses_to_clobber_and_restores_with_force() {
    let data_dir = fresh_data_dir("backup");
    let data = data_dir.to_str().unwrap();
    let server = ServerProcess::start(&data_dir);
    let objects: Vec<String> = (0..50).map(|n| indicator(n, 1)).collect();
    let (status, _, body) = post(&server.address, &admin_basic(), &envelope(&objects));
    assert_eq!(status, 202, "{body}");
    let before = stored_versions(&server.address);
    let backup = data_dir.with_extension("backup.sqlite3");
    let (code, _, stderr) = stixhub(&["backup", "--to", backup.to_str().unwrap(), "--data", data], "");
    assert_eq!(code, 0, "backup while the server runs: {stderr}");
    // Written after the backup: gone after the restore.
    let (status, _, _) = post(&server.address, &admin_basic(), &envelope(&[indicator(99, 1)]));
    assert_eq!(status, 202);
    let (code, _, stderr) = stixhub(
        &[
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--data",
            data,
            "--force",
        ],
        "",
    );
    assert_eq!(code, 2, "the server has the directory open");
    assert!(stderr.contains("stop it before restoring"), "{stderr}");
    drop(server);
    let (code, _, stderr) = stixhub(
        &["restore", "--from", backup.to_str().unwrap(), "--data", data],
        "",
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("pass --force"), "{stderr}");
    let (code, _, stderr) = stixhub(
        &[
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--data",
            data,
            "--force",
        ],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    let server = ServerProcess::start(&data_dir);
    assert_eq!(stored_versions(&server.address), before);
    // Into a fresh directory, no --force needed.
    let fresh = fresh_data_dir("restored");
    let (code, _, stderr) = stixhub(
        &[
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--data",
            fresh.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = stixhub(
        &["backup", "--to", "/tmp/x", "--database", "postgres://u@h/d"],
        "",
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("pg_dump"), "{stderr}");
}

#[test]
fn export_then_import_round_trips_every_version_byte_identical() {
    let data_dir = fresh_data_dir("export");
    let data = data_dir.to_str().unwrap();
    let server = ServerProcess::start(&data_dir);
    let mut objects: Vec<String> = (0..1200).map(|n| indicator(n, 1)).collect();
    objects.extend((0..300).map(|n| indicator(n, 2)));
    for chunk in objects.chunks(500) {
        let (status, _, body) = post(&server.address, &admin_basic(), &envelope(chunk));
        assert_eq!(status, 202, "{body}");
    }
    let original = stored_versions(&server.address);
    assert_eq!(original.len(), 1500);
    let bundle = data_dir.with_extension("bundle.json");
    let (code, _, stderr) = stixhub(
        &[
            "collection",
            "export",
            "default",
            "--to",
            bundle.to_str().unwrap(),
            "--progress",
            "--data",
            data,
        ],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("exported 1500 object versions"), "{stderr}");
    let parsed: serde_json::Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    assert_eq!(parsed["type"], "bundle");
    drop(server);
    // Into another store's default collection.
    let other = fresh_data_dir("import");
    let (code, _, stderr) = stixhub(
        &[
            "collection",
            "import",
            "default",
            bundle.to_str().unwrap(),
            "--data",
            other.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("imported 1500 object versions"), "{stderr}");
    let server = ServerProcess::start(&other);
    assert_eq!(stored_versions(&server.address), original);
}
