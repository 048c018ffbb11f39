//! Issue 12, audit: reading the anonymity map and the PII review queue (which hold the original text) leaves an
//! entry, on the command line and over the admin API; the chain is keyed with a key file beside the data
//! directory (created at first start, mode 0600), so rewriting the whole table and its head — the forgery an
//! unkeyed SHA-256 chain could not catch — fails `stixhub audit verify`, as does dropping the key entry. A
//! rotation keeps the log verifiable.

use std::process::Command;

use policy::audit::{AuditEntry, GENESIS_HASH, entry_hash};
use serde_json::Value;

use crate::sharing::{AMBER, Client, basic, indicator, set_up};
use crate::taxii_server::{ServerProcess, fresh_data_dir};

fn stixhub(data: &str, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(args)
        .args(["--data", data])
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn actions(data: &str) -> Vec<(String, String)> {
    let (ok, listed) = stixhub(data, &["audit", "list", "--limit", "1000"]);
    assert!(ok);
    listed
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .map(|entry| {
            (
                entry["actor"].as_str().unwrap().to_owned(),
                entry["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Rewrites the whole log and its head as a consistent unkeyed chain, as someone holding the database but not
/// the key could; `keep` filters the entries kept.
fn forge_unkeyed(data_dir: &std::path::Path, keep: impl Fn(&str) -> bool) {
    let conn = rusqlite::Connection::open(data_dir.join("stixhub.sqlite3")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    let mut rows: Vec<(String, String, String, i64, String)> = conn
        .prepare("SELECT actor, action, at, n_objects, details FROM audit_log ORDER BY seq")
        .unwrap()
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.retain(|row| keep(&row.1));
    conn.execute_batch("DELETE FROM audit_log").unwrap();
    let mut previous = GENESIS_HASH;
    for (seq, (actor, action, at, n_objects, details)) in rows.iter().enumerate() {
        let entry = AuditEntry {
            seq: seq as u64,
            actor: actor.clone(),
            action: action.clone(),
            at: at.clone(),
            n_objects: u64::try_from(*n_objects).unwrap(),
            details: serde_json::from_str(details).unwrap(),
        };
        previous = entry_hash(&previous, &entry);
        conn.execute(
            "INSERT INTO audit_log (seq, actor, action, at, n_objects, details, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            rusqlite::params![seq as i64, actor, action, at, n_objects, details, previous.to_vec()],
        )
        .unwrap();
    }
    conn.execute(
        "UPDATE audit_head SET n_entries = ?1, last_hash = ?2",
        rusqlite::params![rows.len() as i64, previous.to_vec()],
    )
    .unwrap();
}

#[test]
fn reads_of_the_mapping_and_the_review_queue_are_audited_and_a_rewritten_log_fails_verify() {
    let data_dir = fresh_data_dir("audit-keyed");
    let data = data_dir.to_str().unwrap();
    set_up(data, "none");
    let key_file = data_dir.join("audit.key");
    assert!(key_file.exists(), "the key file is created at first start");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    crate::sharing::stixhub(
        data,
        &[
            "account",
            "create",
            "boss",
            "--password-stdin",
            "--role",
            "hub-admin",
        ],
        "pw-boss\n",
    );
    let server = ServerProcess::start(&data_dir);
    let note = r#"{"type":"note","spec_version":"2.1","id":"note--6b0e5f4c-0000-4000-8000-000000000002","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","content":"Reported by Dana.","object_refs":["indicator--6b0e5f4c-0000-4000-8000-000000000002"]}"#;
    crate::read_gate::post(&server, "a", &[indicator(2, Some(AMBER)), note.to_owned()]);

    // The admin API's mapping read, as a hub admin.
    let admin_client = Client {
        server: &server,
        auth: basic("boss"),
    };
    let (status, _, _) = admin_client.get("/admin/v1/collections/ohio/anonymity/county-a");
    assert_eq!(status, 200);
    drop(server);

    // The command line's reads.
    assert!(stixhub(data, &["anonymity", "map", "ohio", "--org", "county-a"]).0);
    let (ok, listed) = stixhub(data, &["review", "list", "--json"]);
    assert!(ok);
    let review: Value = serde_json::from_str(listed.lines().next().unwrap()).unwrap();
    assert!(stixhub(data, &["review", "show", review["id"].as_str().unwrap()]).0);

    let logged = actions(data);
    for (actor, action) in [
        ("boss", "anonymity.read"),
        ("cli:operator", "anonymity.read"),
        ("admin", "review.list"),
        ("admin", "review.read"),
        ("hub:bootstrap", "audit.key"),
    ] {
        assert!(
            logged.iter().any(|(a, b)| a == actor && b == action),
            "no {action} by {actor} in {logged:?}"
        );
    }
    let (intact, report) = stixhub(data, &["audit", "verify"]);
    assert!(intact, "{report}");

    // A rotation keeps the log verifiable with both keys in the file.
    let (ok, rotated) = stixhub(data, &["audit", "rotate-key"]);
    assert!(ok && rotated.contains("is current"), "{rotated}");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap().lines().count(), 2);
    assert!(stixhub(data, &["audit", "verify"]).0);

    // Someone with the database but not the key rewrites the whole table and its head: without the key
    // entries (an unkeyed log from genesis), or keeping them (their keyed hashes recomputed unkeyed).
    forge_unkeyed(&data_dir, |action| action != "anonymity.read");
    let (intact, report) = stixhub(data, &["audit", "verify"]);
    assert!(!intact && report.contains("broken"), "{report}");
    forge_unkeyed(&data_dir, |action| action != "audit.key");
    let (intact, report) = stixhub(data, &["audit", "verify"]);
    assert!(!intact && report.contains("without the key"), "{report}");
    let _ = std::fs::remove_dir_all(&data_dir);
}
