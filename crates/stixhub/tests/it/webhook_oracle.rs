//! Standard Webhooks differential test (issue 13): deliveries a real `serve` sends to a receiver on 127.0.0.1
//! are checked by the official `standardwebhooks` library (PyPI), before and after a secret rotation (two
//! signatures in one header), and signatures that library makes are checked by our `webhook::verify`.
//!
//! Runs when `STIXHUB_ORACLE_PYTHON` names a python with `standardwebhooks` (`scripts/oracle-venv.sh` prints
//! one; CI sets it); otherwise prints a skip line and passes.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::operations::{indicator, stixhub};
use crate::taxii_server::{admin_basic, fresh_data_dir};
use crate::webhook_receiver::{Behaviour, Delivery, Receiver};
use crate::webhooks::{add_webhook, post, serve};

/// Runs the oracle script on one request.
fn oracle(python: &std::ffi::OsStr, request: &Value) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/standard_webhooks.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the standardwebhooks oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the oracle prints JSON")
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Our verifier's verdict on a delivery.
fn ours(id: &str, timestamp: &str, signature: &str, body: &str, secret: &str) -> bool {
    let secret = webhook::Secret::parse(secret).unwrap();
    webhook::verify(
        id,
        timestamp,
        signature,
        body.as_bytes(),
        &secret,
        now_secs(),
        300,
    )
    .is_ok()
}

#[test]
fn the_official_library_verifies_our_deliveries_and_we_verify_its_signatures() {
    let Some(python) = std::env::var_os("STIXHUB_ORACLE_PYTHON") else {
        eprintln!(
            "skipped: set STIXHUB_ORACLE_PYTHON (scripts/oracle-venv.sh) to run the Standard Webhooks oracle"
        );
        return;
    };
    let dir = fresh_data_dir("webhook-oracle");
    let data = dir.to_str().unwrap();
    let server = serve(data, &[]);
    let receiver = Receiver::start(Behaviour::Accept);
    let (id, first) = add_webhook(
        &["--data", data],
        "admin",
        &receiver.url,
        &["--type", "indicator"],
    );
    let before: Vec<String> = (0..3).map(|n| indicator(n, 1)).collect();
    post(&server.address, "default", &admin_basic(), &before);
    receiver.wait_for(Duration::from_secs(20), "three deliveries", |d| d.len() >= 3);
    let (code, stdout, stderr) = stixhub(&["webhook", "rotate", &id, "--grace", "3600", "--data", data], "");
    assert_eq!(code, 0, "rotate: {stderr}");
    let second = stdout.lines().next().unwrap().to_owned();
    assert!(second.starts_with("whsec_") && second != first);
    let after: Vec<String> = (3..6).map(|n| indicator(n, 1)).collect();
    post(&server.address, "default", &admin_basic(), &after);
    let deliveries = receiver.wait_for(Duration::from_secs(20), "six deliveries", |d| d.len() >= 6);
    let unrelated = webhook::Secret::from_random([7; 32]).expose();

    // Received deliveries, each checked with every secret and once with its body changed.
    let mut cases: Vec<(Value, bool)> = Vec::new();
    let case = |d: &Delivery, body: &str, secret: &str| json!({"id": d.id, "timestamp": d.timestamp, "signature": d.signature, "body": body, "secret": secret});
    let posted_after: Vec<Value> = after
        .iter()
        .map(|o| serde_json::from_str::<Value>(o).unwrap()["id"].clone())
        .collect();
    for delivery in &deliveries {
        let rotated = delivery.signature.split(' ').count() == 2;
        // Objects posted before the rotation went out with one signature; those after it carry both.
        let object = &delivery.json()["object"]["id"];
        assert_eq!(
            rotated,
            posted_after.contains(object),
            "signatures of {object}: {}",
            delivery.signature
        );
        cases.push((case(delivery, &delivery.body, &first), true));
        cases.push((case(delivery, &delivery.body, &second), rotated));
        cases.push((case(delivery, &delivery.body, &unrelated), false));
        let tampered = delivery.body.replacen("indicator", "indicatoR", 1);
        cases.push((case(delivery, &tampered, &first), false));
    }
    // Messages the library signs now: each alone and both in one header (a rotating sender), plus a changed id.
    let message = json!({"seq": 42, "kind": "object-added", "object": {"type": "indicator"}}).to_string();
    let timestamp = now_secs().to_string();
    let sign: Vec<Value> = [&first, &second]
        .iter()
        .map(|secret| json!({"id": "42", "timestamp": timestamp, "body": message, "secret": secret}))
        .collect();
    let answer = oracle(
        &python,
        &json!({"verify": cases.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(), "sign": sign}),
    );
    let verdicts = answer["verify"].as_array().unwrap();
    assert_eq!(verdicts.len(), cases.len());
    for ((case, expected), verdict) in cases.iter().zip(verdicts) {
        assert_eq!(verdict.as_bool(), Some(*expected), "the library on {case}");
        let mine = ours(
            case["id"].as_str().unwrap(),
            case["timestamp"].as_str().unwrap(),
            case["signature"].as_str().unwrap(),
            case["body"].as_str().unwrap(),
            case["secret"].as_str().unwrap(),
        );
        assert_eq!(mine, *expected, "our verifier on {case}");
    }
    let theirs: Vec<&str> = answer["sign"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let both = theirs.join(" ");
    for (secret, signature) in [&first, &second].into_iter().zip(&theirs) {
        assert!(
            ours("42", &timestamp, signature, &message, secret),
            "{signature} alone"
        );
        assert!(
            ours("42", &timestamp, &both, &message, secret),
            "{both} with {secret}"
        );
        assert!(!ours("43", &timestamp, &both, &message, secret), "another id");
        // Byte for byte what our signer makes.
        let mine = webhook::Secret::parse(secret).unwrap();
        assert_eq!(
            mine.signature("42", timestamp.parse().unwrap(), message.as_bytes()),
            *signature
        );
    }
    assert!(!ours("42", &timestamp, &both, &message, &unrelated));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
