//! Feeds against real servers other than a plain local `stixhub serve` (issue 17): medallion 3.0.0 (Basic,
//! pages of 100 by `next`) and `stixhub serve` over TLS requiring a client certificate, with the certificate
//! alone and with Basic.
//!
//! The medallion test runs when `STIXHUB_ORACLE_PYTHON` names the oracle venv (`scripts/oracle-venv.sh`; CI sets
//! it); otherwise it prints a skip line and passes.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::federation::{add_basic_feed, export, indicator, ok, run_json, stixhub, versions_once};
use crate::taxii_server::{ServerProcess, fresh_data_dir, http};
use crate::tls_interop::{ca, leaf};

struct Medallion(Child);

impl Drop for Medallion {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const MEDALLION_COLLECTION: &str = "365fed99-08fa-fdcd-a1b3-fb247eb41d01";
const MEDALLION_AUTH: &str = "Basic YWRtaW46UGFzc3dvcmQw"; // admin:Password0

#[test]
fn feed_pulls_from_medallion_with_basic() {
    let Some(python) = std::env::var_os("STIXHUB_ORACLE_PYTHON") else {
        eprintln!(
            "skipped: set STIXHUB_ORACLE_PYTHON (scripts/oracle-venv.sh) to run the medallion feed test"
        );
        return;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = fresh_data_dir("medallion");
    let root = format!("http://127.0.0.1:{port}/api1/");
    let data = serde_json::json!({
        "/discovery": {"title": "medallion", "default": root, "api_roots": [root]},
        "api1": {
            "information": {
                "title": "api1",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 104_857_600
            },
            "status": [],
            "collections": [{
                "id": MEDALLION_COLLECTION,
                "title": "feed",
                "can_read": true,
                "can_write": true,
                "media_types": ["application/stix+json;version=2.1"],
                "objects": [],
                "manifest": []
            }]
        }
    });
    let data_path = dir.join("data.json");
    std::fs::write(&data_path, data.to_string()).unwrap();
    let config = serde_json::json!({
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": data_path
        },
        "users": {"admin": "Password0"},
        "taxii": {"max_page_size": 100}
    });
    let config_path = dir.join("config.json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let _medallion = Medallion(
        Command::new(&python)
            .args([
                "-m",
                "medallion.scripts.run",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python runs"),
    );
    let address = format!("127.0.0.1:{port}");
    let headers = [
        ("Accept", "application/taxii+json;version=2.1"),
        ("Authorization", MEDALLION_AUTH),
    ];
    let started = Instant::now();
    while !matches!(http(&address, "GET", "/taxii2/", &headers, ""), Ok((200, _, _))) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "medallion never answered"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let collection_path = format!("/api1/collections/{MEDALLION_COLLECTION}/objects/");
    let objects: Vec<String> = (0..250).map(|n| indicator("medallion", n, "")).collect();
    let body = format!("{{\"objects\":[{}]}}", objects.join(","));
    let post_headers = [
        ("Accept", "application/taxii+json;version=2.1"),
        ("Content-Type", "application/taxii+json;version=2.1"),
        ("Authorization", MEDALLION_AUTH),
    ];
    let (status, _, answer) = http(&address, "POST", &collection_path, &post_headers, &body).unwrap();
    assert_eq!(status, 202, "{answer}");

    let local = fresh_data_dir("medallion-local");
    let url = format!("{root}collections/{MEDALLION_COLLECTION}/");
    let feed = add_basic_feed(&local, &url, "admin", "Password0", &[]);
    let run = run_json(&local, &feed);
    assert_eq!(run["stored"], 250, "{run}");
    assert!(run["pages"].as_u64().unwrap() >= 3, "pages of 100 by next: {run}");
    let again = run_json(&local, &feed);
    assert_eq!(again["stored"], 0, "{again}");
    let stored = export(&local, "default");
    assert_eq!(versions_once(&stored).len(), 250);
    // Medallion re-serialises objects; what arrives is the same JSON.
    let mut want: Vec<Value> = objects.iter().map(|o| serde_json::from_str(o).unwrap()).collect();
    let mut got: Vec<Value> = stored.iter().map(|o| serde_json::from_str(o).unwrap()).collect();
    let by_id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    want.sort_by_key(by_id);
    got.sort_by_key(by_id);
    assert_eq!(got, want);
}

#[test]
fn feed_over_tls_with_a_client_certificate_alone_and_with_basic() {
    let upstream_dir = fresh_data_dir("feed-tls-up");
    let server_ca = ca("federation test CA");
    let client_ca = ca("federation client CA");
    let (cert, key) = leaf(&server_ca, "localhost", &["localhost", "127.0.0.1"]);
    let (peer_cert, peer_key) = leaf(&client_ca, "peer", &[]);
    let (admin_cert, admin_key) = leaf(&client_ca, "admin", &[]);
    let tls_dir = upstream_dir.with_extension("tls");
    std::fs::create_dir_all(&tls_dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = tls_dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let ca_path = write("ca.pem", &server_ca.pem);
    let client_ca_path = write("client-ca.pem", &client_ca.pem);
    let cert_path = write("cert.pem", &cert);
    let key_path = write("key.pem", &key);
    let peer_cert_path = write("peer.pem", &peer_cert);
    let peer_key_path = write("peer-key.pem", &peer_key);
    let admin_cert_path = write("admin.pem", &admin_cert);
    let admin_key_path = write("admin-key.pem", &admin_key);

    // The upstream's objects and its account for the peer hub, made before it serves.
    let objects: Vec<String> = (0..50).map(|n| indicator("tls", n, "")).collect();
    let bundle = upstream_dir.with_extension("bundle.json");
    std::fs::write(
        &bundle,
        format!(r#"{{"type":"bundle","objects":[{}]}}"#, objects.join(",")),
    )
    .unwrap();
    ok(
        &upstream_dir,
        &["collection", "import", "default", bundle.to_str().unwrap()],
        "",
    );
    ok(
        &upstream_dir,
        &["account", "create", "peer", "--password-stdin"],
        "peer-secret\n",
    );
    ok(
        &upstream_dir,
        &["grant", "peer", "--collection", "default", "--read"],
        "",
    );
    let upstream = ServerProcess::start_with_store_flags(&[
        "--data".as_ref(),
        upstream_dir.as_os_str(),
        "--tls-cert".as_ref(),
        cert_path.as_ref(),
        "--tls-key".as_ref(),
        key_path.as_ref(),
        "--tls-client-ca".as_ref(),
        client_ca_path.as_ref(),
        "--tls-client-auth".as_ref(),
        "required".as_ref(),
    ]);
    assert!(upstream.base_url.starts_with("https://"));
    let url = format!("{}/api1/collections/default/", upstream.base_url);
    let local = fresh_data_dir("feed-tls-local");
    let tls_flags = |cert: &str, key: &str| -> Vec<String> {
        ["--ca-file", &ca_path, "--client-cert", cert, "--client-key", key]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    };
    let add = |extra: Vec<String>, stdin: &str| {
        let mut args: Vec<String> = ["feed", "add", "--collection", "default", "--url", &url]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        args.extend(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&local, &args, stdin)
    };

    // A client certificate plus Basic: the password names the account (Authorization wins over the CN).
    let mut with_basic = tls_flags(&admin_cert_path, &admin_key_path);
    with_basic.extend([
        "--user".to_owned(),
        "peer".to_owned(),
        "--password-stdin".to_owned(),
    ]);
    let feed = add(with_basic, "peer-secret\n");
    assert_eq!(run_json(&local, &feed)["stored"], 50);
    let shown: Value = serde_json::from_str(&ok(&local, &["feed", "show", &feed], "")).unwrap();
    assert_eq!(shown["auth"], "basic+client-certificate", "{shown}");

    // The certificate alone authenticates as its CN.
    let local2 = fresh_data_dir("feed-tls-local2");
    let mut args: Vec<String> = ["feed", "add", "--collection", "default", "--url", &url]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(tls_flags(&peer_cert_path, &peer_key_path));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let feed2 = ok(&local2, &args, "");
    assert_eq!(run_json(&local2, &feed2)["stored"], 50);
    assert_eq!(export(&local2, "default"), export(&upstream_dir, "default"));

    // Without a certificate the required client authentication refuses the connection; without the CA the
    // server is not trusted. Both fail with the reason.
    let no_cert = add(
        vec![
            "--ca-file".into(),
            ca_path.clone(),
            "--user".into(),
            "peer".into(),
            "--password-stdin".into(),
        ],
        "peer-secret\n",
    );
    let (code, _, stderr) = stixhub(&["feed", "run", &no_cert, "--data", local.to_str().unwrap()], "");
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("cannot connect") || stderr.contains("TLS") || stderr.contains("HTTP"),
        "{stderr}"
    );
    let untrusted = add(
        vec!["--user".into(), "peer".into(), "--password-stdin".into()],
        "peer-secret\n",
    );
    let (code, _, stderr) = stixhub(
        &["feed", "run", &untrusted, "--data", local.to_str().unwrap()],
        "",
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("TLS"), "{stderr}");
}
