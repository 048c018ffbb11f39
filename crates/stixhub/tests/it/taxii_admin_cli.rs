//! `stixhub serve` lifecycle and the admin commands, run while a server holds the same `--data`.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::taxii_server::{ServerProcess, fresh_data_dir, http};

fn stixhub(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(args)
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

#[test]
fn admin_commands_work_while_the_server_runs() {
    let data_dir = fresh_data_dir("admin-cli");
    let data = data_dir.to_str().unwrap();
    let server = ServerProcess::start(&data_dir);
    let (code, collection_id, stderr) = stixhub(
        &[
            "collection",
            "create",
            "--title",
            "Feed",
            "--alias",
            "feed",
            "--data",
            data,
        ],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(collection_id.len(), 36, "prints the new id: {collection_id}");
    let (code, _, stderr) = stixhub(&["org", "create", "acme", "--data", data], "");
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = stixhub(
        &[
            "account",
            "create",
            "bob",
            "--password-stdin",
            "--org",
            "acme",
            "--data",
            data,
        ],
        "hunter2\n",
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = stixhub(
        &["grant", "bob", "--collection", "feed", "--read", "--data", data],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, token, stderr) = stixhub(&["token", "create", "bob", "--data", data], "");
    assert_eq!(code, 0, "{stderr}");
    assert!(!token.is_empty());
    let (code, _, _) = stixhub(&["grant", "ghost", "--collection", "feed", "--data", data], "");
    assert_ne!(code, 0, "granting to an unknown account fails");

    let bearer = format!("Bearer {token}");
    let headers = [
        ("Accept", "application/taxii+json;version=2.1"),
        ("Authorization", bearer.as_str()),
    ];
    let (status, _, body) = http(&server.address, "GET", "/api1/collections/feed/", &headers, "").unwrap();
    assert_eq!(status, 200, "{body}");
    let collection: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(collection["id"], collection_id.as_str());
    assert_eq!(
        (collection["can_read"].clone(), collection["can_write"].clone()),
        (true.into(), false.into())
    );
    let basic = {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("bob:hunter2")
        )
    };
    let headers = [
        ("Accept", "application/taxii+json;version=2.1"),
        ("Authorization", basic.as_str()),
    ];
    let (status, _, _) = http(
        &server.address,
        "GET",
        "/api1/collections/feed/objects/",
        &headers,
        "",
    )
    .unwrap();
    assert_eq!(status, 200);
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn first_start_prints_a_generated_admin_password_and_sigterm_exits_0() {
    let data_dir = fresh_data_dir("first-start");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            data_dir.to_str().unwrap(),
        ])
        .env_remove("STIXHUB_ADMIN_PASSWORD")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    let mut password = None;
    let address = loop {
        let line = lines.next().expect("the server prints its address").unwrap();
        if let Some(generated) = line.strip_prefix("created account admin with password: ") {
            password = Some(generated.to_owned());
        }
        if let Some(url) = line.strip_prefix("listening on http://") {
            break url.to_owned();
        }
    };
    let password = password.expect("a generated password is printed once");
    let (status, _, _) = http(&address, "GET", "/healthz", &[], "").unwrap();
    assert_eq!(status, 200);
    let basic = {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("admin:{password}"))
        )
    };
    let headers = [
        ("Accept", "application/taxii+json;version=2.1"),
        ("Authorization", basic.as_str()),
    ];
    let (status, _, body) = http(&address, "GET", "/taxii2/", &headers, "").unwrap();
    assert_eq!(status, 200, "{body}");
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "SIGTERM exits 0");
    let _ = std::fs::remove_dir_all(&data_dir);
}
