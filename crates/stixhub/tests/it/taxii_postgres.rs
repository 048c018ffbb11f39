//! Two `stixhub serve` processes on one PostgreSQL database (a fresh schema per test, dropped at the end):
//! they start at the same moment (migration and first-start bootstrap race), a write through one is read
//! through the other at once, a `next` cursor from one node works on the other, and both append to one audit
//! chain. Runs when `STIXHUB_TEST_DATABASE_URL` is set; otherwise it prints a skip line and passes.

use crate::taxii_server::{ServerProcess, admin_basic, http};

const TAXII: &str = "application/taxii+json;version=2.1";
const OBJECTS: &str = "/api1/collections/default/objects/";

/// A schema that exists for the life of this value.
pub(crate) struct PgSchema {
    base_url: String,
    name: String,
}

impl PgSchema {
    pub(crate) fn create(base_url: &str) -> PgSchema {
        let name = format!("t_{}_{}", std::process::id(), unique_suffix());
        run_sql(base_url, &format!("CREATE SCHEMA {name}"));
        PgSchema {
            base_url: base_url.to_owned(),
            name,
        }
    }

    /// The database URL whose connections use this schema.
    pub(crate) fn url(&self) -> String {
        let separator = if self.base_url.contains('?') { '&' } else { '?' };
        format!(
            "{}{separator}options=-csearch_path%3D{}",
            self.base_url, self.name
        )
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        run_sql(
            &self.base_url,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        );
    }
}

fn unique_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Runs SQL on the test database (schema set-up and clean-up for the tests that start servers on it).
pub(crate) fn run_sql(url: &str, sql: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("the test database accepts connections");
        let connection = tokio::spawn(connection);
        client.batch_execute(sql).await.unwrap();
        drop(client);
        let _ = connection.await;
    });
}

/// Starts `stixhub serve --listen 127.0.0.1:0 --database URL` and waits for its `listening on` line.
fn start_on_database(database_url: &str) -> ServerProcess {
    ServerProcess::start_with_store_flags(&["--database".as_ref(), database_url.as_ref()])
}

fn indicator(n: u32) -> String {
    format!(
        "{{\"type\":\"indicator\",  \"spec_version\":\"2.1\",\"id\":\"indicator--0000{n:04x}-0000-4000-8000-000000000000\",\
         \"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\",\"name\":\"node test {n} \\u00e9\",\
         \"pattern\":\"[ipv4-addr:value = '10.1.0.{}']\",\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\"}}",
        n % 256
    )
}

fn get(address: &str, query: &str) -> (String, serde_json::Value) {
    let auth = admin_basic();
    let headers = [("Accept", TAXII), ("Authorization", auth.as_str())];
    let (status, _, body) = http(address, "GET", &format!("{OBJECTS}?{query}"), &headers, "").unwrap();
    assert_eq!(status, 200, "{body}");
    let envelope = serde_json::from_str(&body).unwrap();
    (body, envelope)
}

fn post(address: &str, objects: &[String]) -> serde_json::Value {
    let auth = admin_basic();
    let headers = [
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", auth.as_str()),
    ];
    let body = format!("{{\"objects\":[{}]}}", objects.join(","));
    let (status, _, reply) = http(address, "POST", OBJECTS, &headers, &body).unwrap();
    assert_eq!(status, 202, "{reply}");
    let status: serde_json::Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(status["status"], "complete");
    assert_eq!(status["success_count"], objects.len());
    status
}

/// The raw text of each object of an envelope body, in order.
fn raw_objects(body: &str) -> Vec<String> {
    let envelope: std::collections::HashMap<String, Box<serde_json::value::RawValue>> =
        serde_json::from_str(body).unwrap();
    envelope.get("objects").map_or_else(Vec::new, |objects| {
        serde_json::from_str::<Vec<Box<serde_json::value::RawValue>>>(objects.get())
            .unwrap()
            .into_iter()
            .map(|raw| raw.get().to_owned())
            .collect()
    })
}

#[test]
fn two_serve_processes_on_one_postgres_database_share_writes_and_cursors() {
    let Some(base_url) = std::env::var("STIXHUB_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        eprintln!(
            "skipped two_serve_processes_on_one_postgres_database: STIXHUB_TEST_DATABASE_URL is not set"
        );
        return;
    };
    let schema = PgSchema::create(&base_url);
    let database_url = schema.url();
    // Both nodes start on the empty schema at the same moment.
    let starting_b = {
        let database_url = database_url.clone();
        std::thread::spawn(move || start_on_database(&database_url))
    };
    let node_a = start_on_database(&database_url);
    let node_b = starting_b.join().unwrap();

    // A write through A is visible through B at once, byte for byte.
    let posted: Vec<String> = (0..30).map(indicator).collect();
    let status = post(&node_a.address, &posted);
    let (body, _) = get(&node_b.address, "limit=100");
    assert_eq!(raw_objects(&body), posted);
    let auth = admin_basic();
    let headers = [("Accept", TAXII), ("Authorization", auth.as_str())];
    let status_path = format!("/api1/status/{}/", status["id"].as_str().unwrap());
    let (code, _, reply) = http(&node_b.address, "GET", &status_path, &headers, "").unwrap();
    assert_eq!(code, 200, "a status written by A is served by B: {reply}");

    // A `next` cursor from A gives the same page on B (one cursor secret for the whole database).
    let (_, first_page) = get(&node_a.address, "limit=10");
    assert_eq!(first_page["more"], true);
    let next = first_page["next"].as_str().expect("a next cursor").to_owned();
    let (on_a, _) = get(&node_a.address, &format!("limit=10&next={next}"));
    let (on_b, _) = get(&node_b.address, &format!("limit=10&next={next}"));
    assert_eq!(on_a, on_b);
    assert_eq!(raw_objects(&on_b), posted[10..20].to_vec());

    // And the other way round: written through B, read through A.
    let later = vec![indicator(1000)];
    post(&node_b.address, &later);
    let (body, _) = get(&node_a.address, "limit=100");
    assert_eq!(raw_objects(&body).last(), later.last());

    // Both nodes appended to one audit chain (their first-start bootstraps raced too): it verifies, and it
    // holds both nodes' writes.
    drop(node_a);
    drop(node_b);
    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(["audit", "verify", "--database", &database_url])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verify.stdout);
    assert_eq!(verify.status.code(), Some(0), "{said}");
    let list = std::process::Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(["audit", "list", "--limit", "10000", "--database", &database_url])
        .output()
        .unwrap();
    let n_writes = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter(|line| line.contains(r#""action":"objects.write""#))
        .count();
    assert_eq!(n_writes, 2, "one write through each node");
    drop(schema);
}
