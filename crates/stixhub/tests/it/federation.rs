//! Feeds between real servers (issue 17): `stixhub feed add|run|list|show|remove` pulling from another
//! `stixhub serve` with Basic and Bearer, resuming, byte-for-byte copies, and what a broken upstream does
//! (invalid STIX, a wrong media type, a 5xx storm, a server that pages without `next`).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::taxii_server::{ServerProcess, admin_basic, fresh_data_dir, http};

/// Runs the binary; (exit code, stdout, stderr).
pub(crate) fn stixhub(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(args)
        .env("STIXHUB_ADMIN_PASSWORD", crate::taxii_server::ADMIN_PASSWORD)
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

/// `stixhub ARGS --data DIR`, which must succeed; its stdout.
pub(crate) fn ok(data: &Path, args: &[&str], stdin: &str) -> String {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--data", data.to_str().unwrap()]);
    let (code, stdout, stderr) = stixhub(&all, stdin);
    assert_eq!(code, 0, "stixhub {all:?} failed: {stderr}");
    stdout
}

/// An indicator with a fixed id per (tag, n).
pub(crate) fn indicator(tag: &str, n: usize, extra: &str) -> String {
    let id = uuid_for(tag, n);
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--{id}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"{tag} {n}","pattern":"[ipv4-addr:value = '10.{}.{}.{}']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"{extra}}}"#,
        n / 65536 % 256,
        n / 256 % 256,
        n % 256
    )
}

pub(crate) fn uuid_for(tag: &str, n: usize) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("{tag}/{n}").as_bytes()).to_string()
}

/// POSTs objects to `{collection_path}objects/` in envelopes of 1,000, as the admin.
pub(crate) fn post_objects(address: &str, collection_path: &str, objects: &[String]) {
    let auth = admin_basic();
    for chunk in objects.chunks(1000) {
        let body = format!("{{\"objects\":[{}]}}", chunk.join(","));
        let headers = [
            ("Accept", "application/taxii+json;version=2.1"),
            ("Content-Type", "application/taxii+json;version=2.1"),
            ("Authorization", auth.as_str()),
        ];
        let (status, _, answer) = http(
            address,
            "POST",
            &format!("{collection_path}objects/"),
            &headers,
            &body,
        )
        .unwrap();
        assert_eq!(status, 202, "{answer}");
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["failure_count"], 0, "{answer}");
    }
}

/// Every object version of a store's collection as its exact bytes (one per line of `stixhub collection
/// export`), sorted.
pub(crate) fn export(data: &Path, collection: &str) -> Vec<String> {
    let file = data.with_extension(format!("export-{}.json", uuid::Uuid::new_v4()));
    ok(
        data,
        &["collection", "export", collection, "--to", file.to_str().unwrap()],
        "",
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    let lines: Vec<&str> = text.lines().collect();
    let mut raw: Vec<String> = lines[1..lines.len().saturating_sub(1)]
        .iter()
        .map(|line| line.strip_suffix(',').unwrap_or(line).to_owned())
        .collect();
    raw.sort();
    raw
}

/// The (id, modified) pairs of an export, sorted, asserting none repeats.
pub(crate) fn versions_once(objects: &[String]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = objects
        .iter()
        .map(|raw| {
            let value: Value = serde_json::from_str(raw).unwrap();
            (
                value["id"].as_str().unwrap().to_owned(),
                value["modified"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    let before = pairs.len();
    pairs.dedup();
    assert_eq!(before, pairs.len(), "a version is stored twice");
    pairs
}

/// `stixhub feed add` into `default` from `url` with Basic credentials and `extra` flags; the feed id.
pub(crate) fn add_basic_feed(data: &Path, url: &str, user: &str, password: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "feed",
        "add",
        "--collection",
        "default",
        "--url",
        url,
        "--user",
        user,
        "--password-stdin",
    ];
    args.extend(extra);
    ok(data, &args, &format!("{password}\n"))
}

pub(crate) fn run_json(data: &Path, feed: &str) -> Value {
    serde_json::from_str(&ok(data, &["feed", "run", feed], "")).unwrap()
}

#[test]
fn feed_pulls_from_stixhub_with_basic_and_bearer_resumes_and_copies_bytes() {
    let upstream_dir = fresh_data_dir("feed-up");
    let upstream = ServerProcess::start(&upstream_dir);
    let objects: Vec<String> = (0..2500).map(|n| indicator("up", n, "")).collect();
    post_objects(&upstream.address, "/api1/collections/default/", &objects);
    let url = format!("{}/api1/collections/default/", upstream.base_url);

    let local = fresh_data_dir("feed-local");
    let feed = add_basic_feed(
        &local,
        &url,
        "admin",
        crate::taxii_server::ADMIN_PASSWORD,
        &["--every", "60"],
    );
    assert!(feed.starts_with("feed--"), "{feed}");
    let first = run_json(&local, &feed);
    assert_eq!(first["stored"], 2500, "{first}");
    assert!(first["pages"].as_u64().unwrap() >= 3, "{first}");
    assert_eq!(first["caught_up"], true);
    // Resumes from its position: nothing again, then only what is new.
    assert_eq!(run_json(&local, &feed)["stored"], 0);
    let more: Vec<String> = (2500..2510).map(|n| indicator("up", n, "")).collect();
    post_objects(&upstream.address, "/api1/collections/default/", &more);
    let third = run_json(&local, &feed);
    assert_eq!(
        (third["stored"].as_u64(), third["present"].as_u64()),
        (Some(10), Some(0)),
        "{third}"
    );
    // The bytes are the upstream's.
    assert_eq!(export(&local, "default"), export(&upstream_dir, "default"));
    versions_once(&export(&local, "default"));

    // The credential is never shown back; the status is.
    let shown = ok(&local, &["feed", "show", &feed], "");
    assert!(!shown.contains(crate::taxii_server::ADMIN_PASSWORD), "{shown}");
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["state"]["objects_pulled"], 2510);
    assert_eq!(shown["auth"], "basic");
    assert!(shown["lag_seconds"].as_i64().is_some(), "{shown}");
    let listed = ok(&local, &["feed", "list"], "");
    assert!(
        listed.contains(&feed) && listed.contains("pulled=2510"),
        "{listed}"
    );

    // Bearer.
    let token = ok(&upstream_dir, &["token", "create", "admin"], "");
    let local2 = fresh_data_dir("feed-local-bearer");
    let feed2 = ok(
        &local2,
        &[
            "feed",
            "add",
            "--collection",
            "default",
            "--url",
            &url,
            "--token-stdin",
        ],
        &format!("{token}\n"),
    );
    assert_eq!(run_json(&local2, &feed2)["stored"], 2510);

    // A wrong password: exit 1, and the error says what the server answered.
    let feed3 = ok(
        &local2,
        &[
            "feed",
            "add",
            "--collection",
            "default",
            "--url",
            &url,
            "--user",
            "admin",
            "--password-stdin",
        ],
        "wrong\n",
    );
    let (code, _, stderr) = stixhub(&["feed", "run", &feed3, "--data", local2.to_str().unwrap()], "");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("401"), "{stderr}");
    let shown: Value = serde_json::from_str(&ok(&local2, &["feed", "show", &feed3], "")).unwrap();
    assert!(
        shown["state"]["last_error"].as_str().unwrap().contains("401"),
        "{shown}"
    );
    ok(&local2, &["feed", "remove", &feed3], "");
    let (code, _, _) = stixhub(&["feed", "show", &feed3, "--data", local2.to_str().unwrap()], "");
    assert_ne!(code, 0);
}

/// A scripted upstream: answers each request with `respond(request_line)` (status, content type, body, extra
/// headers); counts requests.
fn fake_upstream(
    respond: impl Fn(&str, usize) -> (u16, &'static str, String, String) + Send + 'static,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = vec![0u8; 65536];
            let mut read = 0;
            while read < buffer.len() {
                let Ok(got) = stream.read(&mut buffer[read..]) else {
                    break;
                };
                read += got;
                if got == 0 || buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            let request = String::from_utf8_lossy(&buffer[..read]).into_owned();
            let line = request.lines().next().unwrap_or_default().to_owned();
            let (status, media, body, extra) = respond(&line, n);
            let reply = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {media}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    address
}

#[test]
fn a_broken_upstream_is_reported_and_never_corrupts_or_stalls() {
    // Page 1: one valid and one invalid object, `more` without `next`; page 2: HTML.
    let good = indicator("fake", 1, "");
    let bad = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--not-a-uuid"}"#.to_owned();
    let page1 = format!(r#"{{"more":true,"objects":[{good},{bad}]}}"#);
    let address = fake_upstream(move |line, _| {
        if line.contains("added_after") {
            (200, "text/html", "<html>oops</html>".to_owned(), String::new())
        } else {
            (
                200,
                "application/taxii+json;version=2.1",
                page1.clone(),
                "X-TAXII-Date-Added-Last: 2026-02-01T00:00:00.000001Z\r\n".to_owned(),
            )
        }
    });
    let local = fresh_data_dir("feed-broken");
    let url = format!("http://{address}/api/collections/c/");
    let feed = ok(
        &local,
        &["feed", "add", "--collection", "default", "--url", &url],
        "",
    );
    let (code, _, stderr) = stixhub(&["feed", "run", &feed, "--data", local.to_str().unwrap()], "");
    assert_eq!(code, 1, "the media type fails the run: {stderr}");
    assert!(stderr.contains("text/html"), "{stderr}");
    let shown: Value = serde_json::from_str(&ok(&local, &["feed", "show", &feed], "")).unwrap();
    let state = &shown["state"];
    assert_eq!(state["objects_pulled"], 1, "{shown}");
    assert_eq!(state["objects_failed"], 1, "{shown}");
    assert!(
        state["last_warnings"][0]
            .as_str()
            .unwrap()
            .contains("indicator--not-a-uuid"),
        "{shown}"
    );
    assert_eq!(
        state["watermark"], "2026-02-01T00:00:00.000001Z",
        "the committed page moved the position"
    );
    assert_eq!(export(&local, "default"), vec![good]);

    // A 5xx storm: the run ends (retries spent) with the status in words.
    let storm = fake_upstream(|_, _| {
        (
            503,
            "application/taxii+json;version=2.1",
            r#"{"title":"overloaded","description":"try later","http_status":"503"}"#.to_owned(),
            String::new(),
        )
    });
    let url = format!("http://{storm}/api/collections/c/");
    let feed = ok(
        &local,
        &["feed", "add", "--collection", "default", "--url", &url],
        "",
    );
    let started = std::time::Instant::now();
    let (code, _, stderr) = stixhub(&["feed", "run", &feed, "--data", local.to_str().unwrap()], "");
    assert_eq!(code, 1);
    assert!(
        stderr.contains("503") && stderr.contains("overloaded") && stderr.contains("try later"),
        "{stderr}"
    );
    assert!(started.elapsed().as_secs() < 60, "the run ends");

    // A server that repeats one page for ever (same next, same date_added): the run still ends.
    let page = format!(
        r#"{{"more":true,"next":"same","objects":[{}]}}"#,
        indicator("loop", 1, "")
    );
    let looping = fake_upstream(move |_, _| {
        (
            200,
            "application/taxii+json;version=2.1",
            page.clone(),
            "X-TAXII-Date-Added-Last: 2026-03-01T00:00:00.000000Z\r\n".to_owned(),
        )
    });
    let url = format!("http://{looping}/api/collections/c/");
    let feed = ok(
        &local,
        &["feed", "add", "--collection", "default", "--url", &url],
        "",
    );
    let (code, _, stderr) = stixhub(&["feed", "run", &feed, "--data", local.to_str().unwrap()], "");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("ignores added_after"), "{stderr}");
    let shown: Value = serde_json::from_str(&ok(&local, &["feed", "show", &feed], "")).unwrap();
    assert_eq!(shown["state"]["objects_pulled"], 1, "{shown}");
    assert!(
        shown["state"]["last_warnings"]
            .to_string()
            .contains("repeats date_added"),
        "{shown}"
    );
}

#[test]
fn feeds_over_the_admin_api_with_metrics_and_refusals() {
    let dir = fresh_data_dir("feed-api");
    let server = ServerProcess::start(&dir);
    let objects: Vec<String> = (0..20).map(|n| indicator("api", n, "")).collect();
    post_objects(&server.address, "/api1/collections/default/", &objects);
    ok(
        &dir,
        &["collection", "create", "--title", "Mirror", "--alias", "mirror"],
        "",
    );
    ok(&dir, &["org", "create", "county"], "");
    ok(
        &dir,
        &["account", "create", "bob", "--password-stdin", "--org", "county"],
        "bob-password\n",
    );
    let admin = admin_basic();
    let bob = {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("bob:bob-password")
        )
    };
    let call = |method: &str, path: &str, auth: &str, body: &str| {
        let headers = [("Authorization", auth), ("Content-Type", "application/json")];
        let (status, _, body) = http(&server.address, method, path, &headers, body).unwrap();
        (status, body)
    };
    let url = format!("{}/api1/collections/default/", server.base_url);
    let body = serde_json::json!({
        "collection": "mirror", "url": url, "user": "admin", "password": crate::taxii_server::ADMIN_PASSWORD,
    })
    .to_string();
    // An ordinary account may not manage feeds; bad input names its field.
    assert_eq!(call("POST", "/admin/v1/feeds/", &bob, &body).0, 403);
    let (status, answer) = call(
        "POST",
        "/admin/v1/feeds/",
        &admin,
        r#"{"collection":"mirror","url":"x","nope":1}"#,
    );
    assert_eq!(status, 400);
    assert!(answer.contains("nope"), "{answer}");
    let (status, answer) = call(
        "POST",
        "/admin/v1/feeds/",
        &admin,
        r#"{"collection":"mirror","url":"ftp://x/"}"#,
    );
    assert_eq!(status, 400);
    assert!(answer.contains("url"), "{answer}");
    let (status, answer) = call("POST", "/admin/v1/feeds/", &admin, &body);
    assert_eq!(status, 201, "{answer}");
    assert!(!answer.contains(crate::taxii_server::ADMIN_PASSWORD), "{answer}");
    let feed: Value = serde_json::from_str(&answer).unwrap();
    let id = feed["id"].as_str().unwrap().to_owned();
    assert_eq!(call("GET", &format!("/admin/v1/feeds/{id}"), &bob, "").0, 403);
    assert_eq!(
        call("POST", &format!("/admin/v1/feeds/{id}/run"), &bob, "").0,
        403
    );
    assert_eq!(
        call(
            "GET",
            "/admin/v1/feeds/feed--00000000-0000-4000-8000-000000000000",
            &admin,
            ""
        )
        .0,
        404
    );
    let (status, answer) = call("POST", &format!("/admin/v1/feeds/{id}/run"), &admin, "");
    assert_eq!(status, 200, "{answer}");
    let run: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(run["stored"], 20, "{run}");
    let (status, answer) = call("GET", "/admin/v1/feeds/", &admin, "");
    assert_eq!(status, 200);
    assert!(
        answer.contains("\"objects_pulled\":20") && !answer.contains(crate::taxii_server::ADMIN_PASSWORD)
    );
    let (_, metrics) = call("GET", "/metrics", "", "");
    assert!(
        metrics.contains(&format!("stixhub_feed_objects_pulled_total{{feed=\"{id}\"}} 20")),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("stixhub_feed_up{{feed=\"{id}\"}} 1")),
        "{metrics}"
    );
    assert!(!metrics.contains(&url), "no URL in the unauthenticated scrape");
    assert_eq!(
        call("DELETE", &format!("/admin/v1/feeds/{id}"), &admin, "").0,
        204
    );
    assert_eq!(call("GET", &format!("/admin/v1/feeds/{id}"), &admin, "").0, 404);
}
