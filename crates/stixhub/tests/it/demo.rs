//! `stixhub serve --demo` (issue 7): a new store starts populated, and the demo accounts read the dataset
//! (including the ATT&CK subset, marked TLP:CLEAR) through TAXII; a store that is not new is left alone.

use serde_json::Value;

use crate::taxii_server::{ServerProcess, fresh_data_dir, http};

const TAXII: &str = "application/taxii+json;version=2.1";

fn basic(account: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{account}:{password}"))
    )
}

fn object_count(server: &ServerProcess, authorization: &str) -> usize {
    let (status, _, body) = http(
        &server.address,
        "GET",
        "/api1/collections/default/manifest/",
        &[("Accept", TAXII), ("Authorization", authorization)],
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let manifest: Value = serde_json::from_str(&body).unwrap();
    manifest["objects"].as_array().map_or(0, Vec::len)
}

#[test]
fn serve_demo_fills_a_new_store_that_demo_accounts_can_read() {
    let data_dir = fresh_data_dir("demo");
    let flags = ["--data".as_ref(), data_dir.as_os_str(), "--demo".as_ref()];
    let server = ServerProcess::start_with_store_flags(&flags);
    // 349 ATT&CK objects + 40 sample objects, every one visible to a county in the demo community.
    assert_eq!(object_count(&server, &basic("demo-lake", "demo-lake-pass")), 389);
    let (status, _, page) = http(&server.address, "GET", "/ui/login", &[], "").unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("Sign in"));
    drop(server);

    // Started again with --demo on the same store: nothing is loaded twice.
    let server = ServerProcess::start_with_store_flags(&flags);
    assert_eq!(
        object_count(&server, &basic("demo-state", "demo-state-pass")),
        389
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}
