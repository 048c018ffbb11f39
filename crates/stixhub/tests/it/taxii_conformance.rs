//! The black-box TAXII 2.1 conformance suite (`tests/conformance/taxii21.py`, Python stdlib only) against a
//! real `stixhub serve`: on embedded SQLite always, and on PostgreSQL (a fresh schema, dropped at the end)
//! when `STIXHUB_TEST_DATABASE_URL` is set, there with a second node taking the concurrent writes. The harness creates the accounts and collections the suite
//! needs through the admin CLI while the server runs, then fails with the suite's `FAIL` lines.

use std::ffi::OsStr;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::taxii_postgres::run_sql;
use crate::taxii_server::{ADMIN_PASSWORD, ServerProcess};

const NOACCESS_PASSWORD: &str = "conformance-noaccess-pass";
const READER_PASSWORD: &str = "conformance-reader-pass";

/// Where the server keeps its data: the flags every command of the run gets.
struct Store {
    flags: Vec<String>,
}

impl Store {
    /// Starts `stixhub serve --listen 127.0.0.1:0` on this store and waits for its `listening on` line.
    fn serve(&self) -> ServerProcess {
        let flags: Vec<&OsStr> = self.flags.iter().map(OsStr::new).collect();
        ServerProcess::start_with_store_flags(&flags)
    }

    /// Runs an admin command on this store; returns its trimmed stdout.
    fn admin(&self, args: &[&str], stdin: Option<&str>) -> String {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stixhub"))
            .args(args)
            .args(&self.flags)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the stixhub binary starts");
        let mut input = child.stdin.take().expect("stdin is piped");
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "stixhub {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }
}

/// Sets up the accounts and collections, runs the suite, and panics with its failure lines. With `two_nodes`
/// (a shared PostgreSQL database) a second server takes the suite's concurrent writes.
fn run_suite(store: &Store, two_nodes: bool) {
    let server = store.serve();
    let second = two_nodes.then(|| store.serve());
    store.admin(
        &["account", "create", "noaccess", "--password-stdin"],
        Some(NOACCESS_PASSWORD),
    );
    store.admin(
        &["account", "create", "reader", "--password-stdin"],
        Some(READER_PASSWORD),
    );
    store.admin(&["grant", "reader", "--collection", "default", "--read"], None);
    let bulk = store.admin(&["collection", "create", "--title", "Bulk paging"], None);
    let private = store.admin(&["collection", "create", "--title", "Private"], None);
    let token = store.admin(&["token", "create", "admin"], None);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/taxii21.py");
    let mut python = Command::new("python3");
    python
        .arg(&script)
        .arg(&server.base_url)
        .args(["--admin", &format!("admin:{ADMIN_PASSWORD}")])
        .args(["--token", &token])
        .args(["--noaccess", &format!("noaccess:{NOACCESS_PASSWORD}")])
        .args(["--reader", &format!("reader:{READER_PASSWORD}")])
        .args(["--bulk-collection", &bulk])
        .args(["--private-collection", &private]);
    if let Some(second) = &second {
        python.args(["--second", &second.base_url]);
    }
    let output = python.output().expect("python3 runs");
    drop(second);
    drop(server);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let failures: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL ")).collect();
    let summary = stdout.lines().last().unwrap_or("(no summary)");
    assert!(
        output.status.success() && failures.is_empty(),
        "TAXII conformance: {summary}\n{}\n{stderr}",
        failures.join("\n")
    );
    for open in stdout.lines().filter(|l| l.starts_with("OPEN ")) {
        eprintln!("{open}");
    }
    eprintln!("TAXII conformance: {summary}");
}

#[test]
fn taxii_conformance_suite_passes_on_sqlite() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("stixhub-conformance-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store {
        flags: vec!["--data".to_owned(), dir.display().to_string()],
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_suite(&store, false)));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn taxii_conformance_suite_passes_on_postgres() {
    let Some(base_url) = std::env::var("STIXHUB_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped taxii_conformance_suite_passes_on_postgres: STIXHUB_TEST_DATABASE_URL is not set");
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!("conf_{}_{nanos}", std::process::id());
    run_sql(&base_url, &format!("CREATE SCHEMA {schema}"));
    let separator = if base_url.contains('?') { '&' } else { '?' };
    let store = Store {
        flags: vec![
            "--database".to_owned(),
            format!("{base_url}{separator}options=-csearch_path%3D{schema}"),
        ],
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_suite(&store, true)));
    run_sql(&base_url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
