//! Issue 13, many nodes: two `stixhub serve` processes on one PostgreSQL schema with NATS wake-ups. An SSE
//! client on node B receives the object posted through node A, both nodes report the bus connected, and the
//! event's position is the same log position on both. Runs when `STIXHUB_TEST_DATABASE_URL` and
//! `STIXHUB_TEST_NATS_URL` are set; otherwise it prints a skip line and passes.

use std::io::{BufRead, BufReader, Write};
use std::time::{Duration, Instant};

use crate::taxii_postgres::PgSchema;
use crate::taxii_server::{ServerProcess, admin_basic, http};

fn urls() -> Option<(String, String)> {
    match (
        std::env::var("STIXHUB_TEST_DATABASE_URL"),
        std::env::var("STIXHUB_TEST_NATS_URL"),
    ) {
        (Ok(database), Ok(nats)) => Some((database, nats)),
        _ => {
            eprintln!(
                "skipped: set STIXHUB_TEST_DATABASE_URL and STIXHUB_TEST_NATS_URL to run the two-node event test"
            );
            None
        }
    }
}

/// Opens `GET /events/v1/stream` on `address` and returns a reader positioned after the response head.
fn open_stream(address: &str) -> BufReader<std::net::TcpStream> {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
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
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            return reader;
        }
    }
}

/// The first `data:` line (chunked framing lines are skipped) that contains `needle`, within `wait`.
fn wait_for_data(reader: &mut BufReader<std::net::TcpStream>, needle: &str, wait: Duration) -> String {
    let deadline = Instant::now() + wait;
    let mut line = String::new();
    while Instant::now() < deadline {
        line.clear();
        if reader.read_line(&mut line).is_err() {
            continue;
        }
        if let Some(data) = line.trim_end().strip_prefix("data: ")
            && data.contains(needle)
        {
            return data.to_owned();
        }
    }
    panic!("no event with {needle} within {wait:?}");
}

#[test]
fn an_object_posted_on_one_node_reaches_a_stream_on_the_other_through_nats() {
    let Some((database, nats)) = urls() else { return };
    let schema = PgSchema::create(&database);
    let url = schema.url();
    let env = [("STIXHUB_NATS_URL", nats.as_str())];
    let node_a = ServerProcess::start_with_env(&["--database".as_ref(), url.as_ref()], &env);
    let node_b = ServerProcess::start_with_env(&["--database".as_ref(), url.as_ref()], &env);
    for node in [&node_a, &node_b] {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (_, _, body) = http(&node.address, "GET", "/readyz", &[], "").unwrap();
            if body.contains("\"event_bus\":\"connected\"") {
                break;
            }
            assert!(Instant::now() < deadline, "the bus never connected: {body}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let mut stream = open_stream(&node_b.address);
    let id = "indicator--7e57a000-0000-4000-8000-00000000b0b0";
    let object = format!(
        r#"{{"objects":[{{"type":"indicator","spec_version":"2.1","id":"{id}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.9']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}}]}}"#
    );
    let taxii = "application/taxii+json;version=2.1";
    let headers = [
        ("Authorization", admin_basic()),
        ("Content-Type", taxii.to_owned()),
        ("Accept", taxii.to_owned()),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let started = Instant::now();
    let (status, _, body) = http(
        &node_a.address,
        "POST",
        "/api1/collections/default/objects/",
        &headers,
        &object,
    )
    .unwrap();
    assert_eq!(status, 202, "{body}");
    let data = wait_for_data(&mut stream, id, Duration::from_secs(10));
    let event: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(event["kind"], "object-added");
    assert_eq!(event["object"]["id"], id);
    eprintln!("commit on node A -> frame on node B: {:?}", started.elapsed());
}
