//! A real `stixhub serve` child process on 127.0.0.1:0, for the interop, crash and admin CLI tests.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub(crate) const ADMIN_PASSWORD: &str = "interop-admin-pass";

/// A running server; killed when dropped.
pub(crate) struct ServerProcess {
    pub(crate) child: Child,
    pub(crate) base_url: String,
    pub(crate) address: String,
}

impl ServerProcess {
    /// Starts `stixhub serve --listen 127.0.0.1:0 --data DIR` and waits for its `listening on` line.
    pub(crate) fn start(data_dir: &Path) -> ServerProcess {
        ServerProcess::start_with_store_flags(&["--data".as_ref(), data_dir.as_os_str()])
    }

    /// Starts `stixhub serve --listen 127.0.0.1:0` with the given store flags (`--data DIR` or
    /// `--database URL`) and waits for its `listening on` line; panics with what it printed if it never does.
    pub(crate) fn start_with_store_flags(store_flags: &[&OsStr]) -> ServerProcess {
        ServerProcess::start_with_env(store_flags, &[])
    }

    /// `start_with_store_flags` with extra environment variables.
    pub(crate) fn start_with_env(store_flags: &[&OsStr], env: &[(&str, &str)]) -> ServerProcess {
        ServerProcess::start_listening("127.0.0.1:0", store_flags, env)
    }

    /// `start_with_env` on a given address (a restart on the port a client already knows).
    #[allow(
        clippy::zombie_processes,
        reason = "the child moves into ServerProcess, whose Drop waits for it"
    )]
    pub(crate) fn start_listening(
        listen: &str,
        store_flags: &[&OsStr],
        env: &[(&str, &str)],
    ) -> ServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stixhub"))
            .args(["serve", "--listen", listen])
            .args(store_flags)
            .envs(env.iter().copied())
            .env("STIXHUB_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the stixhub binary starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            // Keeps draining after start-up (a closed pipe would make the server's log writes fail).
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let mut log = Vec::new();
        loop {
            let Ok(line) = received.recv_timeout(Duration::from_secs(60)) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server never printed its address; it said: {log:#?}");
            };
            if let Some(url) = line.strip_prefix("listening on ") {
                let base_url = url.trim().to_owned();
                let address = base_url
                    .trim_start_matches("http://")
                    .trim_start_matches("https://")
                    .to_owned();
                return ServerProcess {
                    child,
                    base_url,
                    address,
                };
            }
            log.push(line);
        }
    }

    /// SIGKILL, no chance to flush.
    pub(crate) fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill_9();
    }
}

/// A fresh directory under the target dir's temp area.
pub(crate) fn fresh_data_dir(label: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("stixhub-it-{label}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// (status, headers with lowercased names, body).
pub(crate) type HttpReply = (u16, Vec<(String, String)>, String);

/// A minimal blocking HTTP/1.1 client over `TcpStream` (no client crate in the tree): one request per
/// connection, `Connection: close`. Returns (status, headers lowercased, body).
pub(crate) fn http(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<HttpReply> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect::<Vec<_>>();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_owned() };
    Ok((status, headers, body))
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// `Authorization` for the admin.
pub(crate) fn admin_basic() -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("admin:{ADMIN_PASSWORD}"))
    )
}

/// `serve` caps glibc's malloc arenas (its RSS stays flat under a long load, BENCHMARKS.md "Soak") by running
/// with `MALLOC_ARENA_MAX=2` unless the operator set a value.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn serve_runs_with_capped_malloc_arenas() {
    let data_dir = fresh_data_dir("arenas");
    let server = ServerProcess::start(&data_dir);
    let environ = std::fs::read(format!("/proc/{}/environ", server.child.id())).unwrap();
    let has_cap = environ
        .split(|byte| *byte == 0)
        .any(|entry| entry == b"MALLOC_ARENA_MAX=2");
    assert!(has_cap, "the server runs with MALLOC_ARENA_MAX=2");
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}
