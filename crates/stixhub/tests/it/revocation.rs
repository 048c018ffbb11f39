//! Issue 12, taking access back, against a real `stixhub serve`: token expiry, listing and revocation, account
//! disable/enable/delete, password change, grant revocation, web sessions ended by sign-out, disable and
//! password change, and failed sign-in limits (429 + `Retry-After`, TAXII error body). Each change is made by
//! the command line (another process, like another node) and must hold within `hub::ACCOUNT_STALENESS` (1 s).
//! The two-node PostgreSQL version is `revocation_postgres.rs`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::sharing::TAXII;
use crate::taxii_server::{ServerProcess, fresh_data_dir, http};

/// How long a change may take to hold on a running node: the documented staleness plus scheduling slack.
pub(crate) const STALENESS_BOUND: Duration = Duration::from_millis(1800);

/// Runs `stixhub ARGS STORE_FLAGS` with `stdin`; returns (stdout, stderr) and asserts success.
pub(crate) fn cli(store_flags: &[&str], args: &[&str], stdin: &str) -> (String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(args)
        .args(store_flags)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert!(output.status.success(), "stixhub {args:?}: {err}");
    (out, err)
}

pub(crate) fn basic(name: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{name}:{password}"))
    )
}

/// The status of `GET /api1/collections/default/objects/` with this `Authorization`.
pub(crate) fn objects_status(address: &str, auth: &str) -> u16 {
    let headers = [("Accept", TAXII), ("Authorization", auth)];
    http(address, "GET", "/api1/collections/default/objects/", &headers, "")
        .unwrap()
        .0
}

/// Polls until `check` holds; returns how long it took, or panics after `STALENESS_BOUND`.
pub(crate) fn within_bound(what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if check() {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < STALENESS_BOUND,
            "{what}: still not in effect after {:?}",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Signs in through the form; returns the session cookie (`stixhub_session=…`) and the page's CSRF token.
pub(crate) fn sign_in(address: &str, name: &str, password: &str) -> (u16, Option<String>) {
    let (_, headers, page) = http(address, "GET", "/ui/login", &[], "").unwrap();
    let login_cookie = set_cookie(&headers, "stixhub_login").expect("a login cookie");
    let token = page
        .split("name=\"login_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a login token")
        .to_owned();
    let body = format!("name={name}&password={password}&login_token={token}");
    let cookie = format!("stixhub_login={login_cookie}");
    let form_headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Cookie", cookie.as_str()),
    ];
    let (status, headers, _) = http(address, "POST", "/ui/login", &form_headers, &body).unwrap();
    let session = set_cookie(&headers, "stixhub_session").map(|value| format!("stixhub_session={value}"));
    (status, session)
}

fn set_cookie(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .filter_map(|(_, v)| v.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .find(|(n, value)| *n == name && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// (status of `GET /ui/` with this session cookie, the page's CSRF token if signed in).
pub(crate) fn dashboard(address: &str, session: &str) -> (u16, Option<String>) {
    let (status, _, page) = http(address, "GET", "/ui/", &[("Cookie", session)], "").unwrap();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned);
    (status, csrf)
}

/// An account `alice` (password `alice-password-1`) that may read `default`.
fn set_up(flags: &[&str]) {
    cli(
        flags,
        &["account", "create", "alice", "--password-stdin"],
        "alice-password-1\n",
    );
    cli(
        flags,
        &["grant", "alice", "--collection", "default", "--read"],
        "",
    );
}

#[test]
fn tokens_expire_list_and_revoke() {
    let data = fresh_data_dir("revoke-tokens");
    let server = ServerProcess::start(&data);
    let flags = ["--data", data.to_str().unwrap()];
    set_up(&flags);
    let (token, said) = cli(&flags, &["token", "create", "alice"], "");
    let token = token.trim().to_owned();
    let id = said
        .lines()
        .find_map(|line| line.strip_prefix("token id: "))
        .expect("the token id on stderr")
        .to_owned();
    assert!(
        !token.contains(&id) && id.starts_with("tok_"),
        "the id is not the secret"
    );
    let bearer = format!("Bearer {token}");
    assert_eq!(objects_status(&server.address, &bearer), 200);

    let (listed, _) = cli(&flags, &["token", "list", "alice"], "");
    assert!(listed.contains(&id), "{listed}");
    assert!(!listed.contains(&token), "a list never shows the secret");

    // Revoked by id from another process: 401 on the running node within the bound.
    cli(&flags, &["token", "revoke", &id], "");
    let took = within_bound("token revocation", || {
        objects_status(&server.address, &bearer) == 401
    });
    eprintln!("revoked token refused after {took:?}");
    let (listed, _) = cli(&flags, &["token", "list", "alice"], "");
    assert!(!listed.contains(&id));

    // Revoked by the token itself.
    let (second, _) = cli(&flags, &["token", "create", "alice"], "");
    let second = format!("Bearer {}", second.trim());
    assert_eq!(objects_status(&server.address, &second), 200);
    cli(
        &flags,
        &["token", "revoke", second.trim_start_matches("Bearer ")],
        "",
    );
    within_bound("revocation by token", || {
        objects_status(&server.address, &second) == 401
    });

    // Expiry: a token for 2 s works, then answers 401.
    let (short, _) = cli(&flags, &["token", "create", "alice", "--expires-in", "2s"], "");
    let short = format!("Bearer {}", short.trim());
    assert_eq!(objects_status(&server.address, &short), 200);
    std::thread::sleep(Duration::from_secs(2));
    within_bound("token expiry", || objects_status(&server.address, &short) == 401);
    let (listed, _) = cli(&flags, &["token", "list", "alice"], "");
    assert!(listed.contains("expired"), "{listed}");
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn disable_delete_password_and_grant_revocation_hold_at_once() {
    let data = fresh_data_dir("revoke-accounts");
    let server = ServerProcess::start(&data);
    let flags = ["--data", data.to_str().unwrap()];
    set_up(&flags);
    let alice = basic("alice", "alice-password-1");
    assert_eq!(objects_status(&server.address, &alice), 200);

    cli(&flags, &["account", "disable", "alice"], "");
    within_bound("disable", || objects_status(&server.address, &alice) == 401);
    let (status, session) = sign_in(&server.address, "alice", "alice-password-1");
    assert_eq!(
        (status, session),
        (401, None),
        "a disabled account cannot sign in"
    );
    cli(&flags, &["account", "enable", "alice"], "");
    within_bound("enable", || objects_status(&server.address, &alice) == 200);

    cli(
        &flags,
        &["account", "password", "alice", "--password-stdin"],
        "alice-password-2\n",
    );
    within_bound("password change", || {
        objects_status(&server.address, &alice) == 401
    });
    let renewed = basic("alice", "alice-password-2");
    assert_eq!(objects_status(&server.address, &renewed), 200);

    cli(
        &flags,
        &["grant", "alice", "--collection", "default", "--revoke"],
        "",
    );
    // Without rights the collection is as absent as one that does not exist.
    within_bound("grant revocation", || {
        objects_status(&server.address, &renewed) == 404
    });

    cli(&flags, &["account", "delete", "alice"], "");
    within_bound("delete", || objects_status(&server.address, &renewed) == 401);
    let headers = [("Authorization", renewed.as_str())];
    let (status, _, _) = http(&server.address, "GET", "/taxii2/", &headers, "").unwrap();
    assert_eq!(status, 401);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn web_sessions_end_on_sign_out_disable_and_password_change() {
    let data = fresh_data_dir("revoke-sessions");
    let server = ServerProcess::start(&data);
    let flags = ["--data", data.to_str().unwrap()];
    set_up(&flags);
    let address = server.address.as_str();

    // Sign-out ends the session, also for a copy of the cookie.
    let (_, session) = sign_in(address, "alice", "alice-password-1");
    let session = session.expect("a session");
    let (status, csrf) = dashboard(address, &session);
    assert_eq!(status, 200);
    let body = format!("csrf={}", csrf.unwrap());
    let form = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Cookie", session.as_str()),
    ];
    let (status, _, _) = http(address, "POST", "/ui/logout", &form, &body).unwrap();
    assert_eq!(status, 303);
    assert_eq!(dashboard(address, &session).0, 303, "the copied cookie is void");

    // Disabling ends it on the running node within the bound.
    let (_, session) = sign_in(address, "alice", "alice-password-1");
    let session = session.expect("a session");
    assert_eq!(dashboard(address, &session).0, 200);
    cli(&flags, &["account", "disable", "alice"], "");
    within_bound("session after disable", || dashboard(address, &session).0 == 303);
    cli(&flags, &["account", "enable", "alice"], "");
    assert_eq!(
        dashboard(address, &session).0,
        303,
        "enabling again does not bring old sessions back"
    );

    // A password change (here the admin's reset) ends it too.
    let (_, session) = sign_in(address, "alice", "alice-password-1");
    let session = session.expect("a session");
    cli(
        &flags,
        &["account", "password", "alice", "--password-stdin"],
        "alice-password-3\n",
    );
    within_bound("session after password change", || {
        dashboard(address, &session).0 == 303
    });
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn failed_sign_ins_are_limited_per_account_and_per_address() {
    let data = fresh_data_dir("login-limits");
    let server = ServerProcess::start(&data);
    let flags = ["--data", data.to_str().unwrap()];
    set_up(&flags);
    let address = server.address.as_str();
    let alice = basic("alice", "alice-password-1");
    // Verified (and cached) before the guessing starts: keeps working throughout.
    assert_eq!(objects_status(address, &alice), 200);

    let wrong = basic("alice", "guess");
    for attempt in 0..10 {
        assert_eq!(objects_status(address, &wrong), 401, "attempt {attempt}");
    }
    let headers = [("Accept", TAXII), ("Authorization", wrong.as_str())];
    let (status, reply_headers, body) =
        http(address, "GET", "/api1/collections/default/objects/", &headers, "").unwrap();
    assert_eq!(status, 429, "{body}");
    let retry_after: u64 = reply_headers
        .iter()
        .find(|(n, _)| n == "retry-after")
        .and_then(|(_, v)| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry_after));
    assert!(
        reply_headers
            .iter()
            .any(|(n, v)| n == "content-type" && v == TAXII)
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["http_status"],
        "429"
    );
    assert_eq!(
        objects_status(address, &alice),
        200,
        "the cached credential still works"
    );
    // The web sign-in of that name is held back the same way.
    assert_eq!(sign_in(address, "alice", "another-guess").0, 429);

    // Unknown bearer tokens count against the address (which already failed 10 times): at most 30
    // failures (a few more refill meanwhile), then 429 for everyone from there, even a right password.
    let mut failures = 10;
    loop {
        let bearer = format!("Bearer shx_not-a-token-{failures}");
        match objects_status(address, &bearer) {
            401 => failures += 1,
            429 => break,
            other => panic!("unexpected {other}"),
        }
        assert!(failures <= 40, "never limited");
    }
    assert!(failures >= 30, "limited after {failures} failures");
    assert_eq!(objects_status(address, &basic("admin", "wrong")), 429);
    let admin = basic("admin", crate::taxii_server::ADMIN_PASSWORD);
    assert_eq!(objects_status(address, &admin), 429, "uncached: held back too");
    assert_eq!(objects_status(address, &alice), 200, "cached: served");
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn marking_revocation_takes_a_custom_marking_back_on_the_running_node() {
    const MARKING: &str = "marking-definition--7d1f0c4e-2b7a-4c41-8f3e-5b0a9c2d1e11";
    let data = fresh_data_dir("revoke-marking");
    let server = ServerProcess::start(&data);
    let flags = ["--data", data.to_str().unwrap()];
    set_up(&flags);
    let indicator = format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--0d4c2f1e-0000-4000-8000-000000000077","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.77']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z","object_marking_refs":["{MARKING}"]}}"#
    );
    let admin = crate::taxii_server::admin_basic();
    let headers = [
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", admin.as_str()),
    ];
    let envelope = format!(r#"{{"objects":[{indicator}]}}"#);
    let path = "/api1/collections/default/objects/";
    let (status, _, body) = http(&server.address, "POST", path, &headers, &envelope).unwrap();
    assert_eq!(status, 202, "{body}");
    let alice = basic("alice", "alice-password-1");
    let sees = || {
        let headers = [("Accept", TAXII), ("Authorization", alice.as_str())];
        let (_, _, body) = http(&server.address, "GET", path, &headers, "").unwrap();
        body.contains("198.51.100.77")
    };
    assert!(!sees(), "not cleared for the marking");
    cli(&flags, &["marking", "grant", "alice", MARKING], "");
    within_bound("marking grant", sees);
    cli(&flags, &["marking", "revoke", "alice", MARKING], "");
    within_bound("marking revocation", || !sees());
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}
