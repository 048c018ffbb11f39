//! Interop with the real taxii2-client 2.3.0 (PyPI) against a `stixhub serve` this test starts.
//!
//! Runs when `STIXHUB_ORACLE_PYTHON` names a python with taxii2-client (`scripts/oracle-venv.sh` prints one;
//! CI sets it); otherwise prints a skip line and passes.

use std::process::Command;

use crate::taxii_server::{ADMIN_PASSWORD, ServerProcess, fresh_data_dir};

#[test]
fn taxii2_client_drives_discovery_collections_add_page_manifest_versions_delete() {
    let Some(python) = std::env::var_os("STIXHUB_ORACLE_PYTHON") else {
        eprintln!(
            "skipped: set STIXHUB_ORACLE_PYTHON (scripts/oracle-venv.sh) to run the taxii2-client interop test"
        );
        return;
    };
    let data_dir = fresh_data_dir("interop");
    let server = ServerProcess::start(&data_dir);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/taxii2_client.py");
    let output = Command::new(python)
        .args([script, &server.base_url, "admin", ADMIN_PASSWORD])
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "taxii2-client interop failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stdout.contains("\"taxii2_client_interop\": \"ok\""), "{stdout}");
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}
