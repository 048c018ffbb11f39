//! Issue 6 acceptance: a state and two of its counties share through the hub; an anonymous county posts
//! TLP:AMBER indicators that the state reads with the hub as creator and the other county cannot see; the audit log
//! records the admin commands, the county's write and every collection read (who, how many objects);
//! `stixhub audit verify` passes, then fails naming the entry after the last row is deleted (caught by the
//! head) and after a row's details are altered. `audit report` gives the counts per organisation. Runs on
//! SQLite, and on PostgreSQL when `STIXHUB_TEST_DATABASE_URL` is set.

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::taxii_postgres::{PgSchema, run_sql};
use crate::taxii_server::{ServerProcess, fresh_data_dir, http};

const TAXII: &str = "application/taxii+json;version=2.1";
const AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const OBJECTS: &str = "/api1/collections/ohio/objects/";
const MANIFEST: &str = "/api1/collections/ohio/manifest/";

/// Where the scenario keeps its data, and how to change a row behind the hub's back.
enum Backend {
    Sqlite(std::path::PathBuf),
    Postgres(PgSchema),
}

impl Backend {
    fn store_flags(&self) -> Vec<String> {
        match self {
            Backend::Sqlite(dir) => vec!["--data".to_owned(), dir.display().to_string()],
            Backend::Postgres(schema) => vec!["--database".to_owned(), schema.url()],
        }
    }

    fn tamper(&self, sql: &str) {
        match self {
            Backend::Sqlite(dir) => {
                let conn = rusqlite::Connection::open(dir.join("stixhub.sqlite3")).unwrap();
                conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
                conn.execute_batch(sql).unwrap();
            }
            Backend::Postgres(schema) => run_sql(&schema.url(), sql),
        }
    }
}

fn stixhub(backend: &Backend, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(args)
        .args(backend.store_flags())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stixhub_ok(backend: &Backend, args: &[&str], stdin: &str) -> String {
    let output = stixhub(backend, args, stdin);
    assert!(
        output.status.success(),
        "stixhub {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn basic(account: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{account}:pw-{account}"))
    )
}

fn id(n: u32) -> String {
    format!("indicator--7c1e5f4c-0000-4000-8000-{n:012}")
}

fn indicator(n: u32, marking: Option<&str>) -> String {
    let markings = marking.map_or(String::new(), |m| format!(r#","object_marking_refs":["{m}"]"#));
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.{n}']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"{markings}}}"#,
        id(n)
    )
}

fn listed(server: &ServerProcess, account: &str, path: &str) -> Vec<Value> {
    let auth = basic(account);
    let headers = [("Accept", TAXII), ("Authorization", auth.as_str())];
    let (status, _, body) = http(&server.address, "GET", path, &headers, "").unwrap();
    assert_eq!(status, 200, "{account} {path}: {body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    body["objects"].as_array().cloned().unwrap_or_default()
}

fn n_listed(server: &ServerProcess, account: &str, path: &str) -> usize {
    listed(server, account, path).len()
}

/// Stops the server with SIGTERM (it flushes the buffered read entries) and checks it exits 0.
fn stop(mut server: ServerProcess) {
    let kill = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert_eq!(server.child.wait().unwrap().code(), Some(0), "SIGTERM exits 0");
}

fn entries(backend: &Backend) -> Vec<Value> {
    stixhub_ok(backend, &["audit", "list", "--limit", "100000"], "")
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn scenario(backend: &Backend) {
    for args in [
        &["org", "create", "ohio", "--government", "--consent", "government"][..],
        &["org", "create", "county-a", "--government"],
        &["org", "create", "county-b", "--government"],
        &["community", "create", "ohio-state"],
        &["community", "create", "ohio-counties", "--parent", "ohio-state"],
        &["community", "add-member", "ohio-state", "ohio"],
        &["community", "add-member", "ohio-counties", "county-a"],
        &["community", "add-member", "ohio-counties", "county-b"],
        &["collection", "create", "--title", "Ohio", "--alias", "ohio"],
        &["collection", "share", "ohio", "--community", "ohio-state"],
    ] {
        stixhub_ok(backend, args, "");
    }
    for (account, org) in [("state", "ohio"), ("a", "county-a"), ("b", "county-b")] {
        let password = format!("pw-{account}\n");
        stixhub_ok(
            backend,
            &["account", "create", account, "--password-stdin", "--org", org],
            &password,
        );
        stixhub_ok(backend, &["grant", account, "--collection", "ohio"], "");
    }
    let flags = backend.store_flags();
    let flags: Vec<&OsStr> = flags.iter().map(OsStr::new).collect();
    let server = ServerProcess::start_with_store_flags(&flags);

    // County A (consent `none`: anonymous) posts AMBER, GREEN and unmarked indicators; the state reads all
    // five (objects and manifest) with the hub as their creator, county B the three that are not AMBER.
    let envelope = format!(
        r#"{{"objects":[{},{},{},{},{}]}}"#,
        indicator(1, Some(AMBER)),
        indicator(2, Some(GREEN)),
        indicator(3, None),
        indicator(4, Some(AMBER)),
        indicator(5, Some(GREEN)),
    );
    let auth = basic("a");
    let headers = [
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", auth.as_str()),
    ];
    let (status, _, body) = http(&server.address, "POST", OBJECTS, &headers, &envelope).unwrap();
    assert_eq!(status, 202, "{body}");
    let state_view = listed(&server, "state", OBJECTS);
    assert_eq!(state_view.len(), 5);
    let hub_identity = state_view[0]["created_by_ref"].as_str().unwrap().to_owned();
    for (n, object) in (1..=5).zip(&state_view) {
        assert_eq!(
            object["created_by_ref"],
            hub_identity.as_str(),
            "the hub is the creator"
        );
        assert_ne!(object["id"], id(n), "republished under a new id");
    }
    assert_eq!(n_listed(&server, "state", MANIFEST), 5);
    assert_eq!(n_listed(&server, "b", OBJECTS), 3);
    stop(server);

    let log = entries(backend);
    let find = |actor: &str, action: &str| -> Vec<&Value> {
        log.iter()
            .filter(|e| e["actor"] == actor && e["action"] == action)
            .collect()
    };
    assert_eq!(find("cli:operator", "org.create").len(), 3);
    assert_eq!(find("cli:operator", "collection.share").len(), 1);
    assert_eq!(find("cli:operator", "grant").len(), 3);
    let writes = find("a", "objects.write");
    assert_eq!(writes.len(), 1, "{log:#?}");
    assert_eq!(writes[0]["n_objects"], 5);
    assert_eq!(writes[0]["details"]["org"], "county-a");
    let state_reads = find("state", "objects.read");
    assert_eq!(state_reads.len(), 2, "{log:#?}");
    assert_eq!(state_reads[0]["details"]["endpoint"], "objects");
    assert_eq!(state_reads[0]["details"]["org"], "ohio");
    assert_eq!(state_reads[0]["n_objects"], 5);
    assert_eq!(state_reads[1]["details"]["endpoint"], "manifest");
    let b_reads = find("b", "objects.read");
    assert_eq!(b_reads.len(), 1);
    assert_eq!(b_reads[0]["n_objects"], 3);
    for (entry_idx, entry) in log.iter().enumerate() {
        assert_eq!(entry["seq"], entry_idx, "seq runs from 0 without gaps");
    }

    let report: Value =
        serde_json::from_str(&stixhub_ok(backend, &["audit", "report", "--json"], "")).unwrap();
    let row = |org: &str| {
        report["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["org"] == org)
            .cloned()
            .unwrap_or_else(|| panic!("no row for {org}: {report}"))
    };
    assert_eq!(row("county-a")["shared"], 5);
    assert_eq!(row("ohio")["received"], 10);
    assert_eq!(row("county-b")["received"], 3);
    assert_eq!(row("county-b")["shared"], 0);
    for key in ["redacted", "pending_review", "rejected"] {
        assert_eq!(row("county-a")[key], 0);
    }
    let table = stixhub_ok(backend, &["audit", "report"], "");
    assert!(
        table.contains("pending review") && table.contains("county-b"),
        "{table}"
    );

    let intact = stixhub(backend, &["audit", "verify"], "");
    let said = String::from_utf8_lossy(&intact.stdout);
    assert_eq!(intact.status.code(), Some(0), "{said}");
    assert!(said.contains(&format!("intact: {} entries", log.len())), "{said}");

    // Deleting the last row keeps every remaining hash valid; only the head shows the tail is gone.
    let n_entries = log.len();
    let last_seq = n_entries - 1;
    backend.tamper(&format!("DELETE FROM audit_log WHERE seq = {last_seq}"));
    let truncated = stixhub(backend, &["audit", "verify"], "");
    let said = String::from_utf8_lossy(&truncated.stdout);
    assert_eq!(truncated.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("broken at entry {last_seq}")) && said.contains("missing"),
        "{said}"
    );

    // Altering one row's details breaks that entry's hash: verify names it and prints it.
    let altered_seq = writes[0]["seq"].as_u64().unwrap();
    backend.tamper(&format!(
        "UPDATE audit_log SET details = '{{\"org\":\"county-b\"}}' WHERE seq = {altered_seq}"
    ));
    let altered = stixhub(backend, &["audit", "verify"], "");
    let said = String::from_utf8_lossy(&altered.stdout);
    assert_eq!(altered.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("broken at entry {altered_seq}: its hash does not match")),
        "{said}"
    );
    assert!(
        said.contains(r#""org":"county-b""#),
        "the broken entry is printed: {said}"
    );
}

#[test]
fn the_audit_log_records_reads_and_verify_catches_an_altered_or_deleted_row_sqlite() {
    let data_dir = fresh_data_dir("audit");
    let backend = Backend::Sqlite(data_dir.clone());
    scenario(&backend);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn the_audit_log_records_reads_and_verify_catches_an_altered_or_deleted_row_postgres() {
    let Some(base_url) = std::env::var("STIXHUB_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        eprintln!("skipped the audit scenario on PostgreSQL: STIXHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let backend = Backend::Postgres(PgSchema::create(&base_url));
    scenario(&backend);
}
