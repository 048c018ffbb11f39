//! `stixhub config check` and `stixhub serve --config`: exit codes and messages.

use std::path::{Path, PathBuf};
use std::process::Command;

fn stixhub(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(args)
        .env_remove("STIXHUB_LISTEN")
        .env_remove("STIXHUB_DATA")
        .env_remove("STIXHUB_DATABASE")
        .env_remove("STIXHUB_LOG")
        .env_remove("STIXHUB_LOG_FORMAT")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn example_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/stixhub.example.toml")
}

fn write_config(label: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("stixhub-config-{label}-{}.toml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn config_check_accepts_the_example_and_prints_the_effective_configuration() {
    let example = example_file();
    let (code, stdout, stderr) = stixhub(&["config", "check", example.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "version = 1\nlisten = \"127.0.0.1:8080\"\ndata = \"./stixhub-data\"\nlog_format = \"text\"\nlog_level = \"warn\"\n"
    );
}

#[test]
fn config_check_rejects_a_bad_file_with_every_error() {
    let path = write_config("bad", "listen = \"nowhere\"\nlog_format = \"xml\"\n");
    let (code, stdout, stderr) = stixhub(&["config", "check", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("key `listen` (from configuration file): \"nowhere\" is not HOST:PORT"),
        "{stderr}"
    );
    assert!(
        stderr.contains("key `log_format` (from configuration file): \"xml\" is not a log format"),
        "{stderr}"
    );
    let path = write_config("unknown", "version = 1\nlisten_address = \"127.0.0.1:1\"\n");
    let (code, _, stderr) = stixhub(&["config", "check", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("line 2, column 1: unknown field `listen_address`"),
        "{stderr}"
    );
}

#[test]
fn config_check_of_a_missing_file_exits_2() {
    let (code, _, stderr) = stixhub(&["config", "check", "/nonexistent/stixhub.toml"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn serve_refuses_an_invalid_configuration_before_starting() {
    let path = write_config("serve-bad", "listen = \"127.0.0.1:99999\"\n");
    let (code, _, stderr) = stixhub(&["serve", "--config", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("key `listen` (from configuration file)"),
        "{stderr}"
    );
    assert!(!stderr.contains("listening on"), "{stderr}");
}

#[test]
fn json_log_lines_parse_as_json_and_carry_the_request_id() {
    let data_dir = crate::taxii_server::fresh_data_dir("json-logs");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--data",
        ])
        .arg(&data_dir)
        .env("STIXHUB_LOG", "info")
        .env("STIXHUB_ADMIN_PASSWORD", "correct horse battery staple")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    let mut address = None;
    let mut n_json_lines = 0;
    let mut request_logged = false;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(listening) = line.strip_prefix("listening on http://") {
            address = Some(listening.to_owned());
            let (status, headers, _) = crate::taxii_server::http(
                listening,
                "GET",
                "/healthz",
                &[("X-Request-Id", "json-log-test-1")],
                "",
            )
            .unwrap();
            assert_eq!(status, 200);
            assert!(headers.contains(&("x-request-id".to_owned(), "json-log-test-1".to_owned())));
            continue;
        }
        let event: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}"));
        assert_eq!(event["level"], "INFO", "{line}");
        n_json_lines += 1;
        if event["fields"]["message"] == "request finished" {
            assert_eq!(event["span"]["request_id"], "json-log-test-1", "{line}");
            assert_eq!(event["span"]["route"], "/healthz", "{line}");
            assert_eq!(event["fields"]["status"], 200, "{line}");
            request_logged = true;
            break;
        }
    }
    assert!(address.is_some());
    assert!(n_json_lines > 1);
    assert!(request_logged);
    child.kill().unwrap();
    child.wait().unwrap();
}
