//! Hub to hub (issue 17): three `stixhub serve` on loopback, each pulling from the two others (the ring
//! A→B→C→A in both directions). Every object arrives exactly once at every hub, revocations and deletions
//! propagate, ten rounds store nothing new (no loops), and an object a hub may not share (TLP:RED) never
//! leaves it. And the fault test: the upstream killed mid-pull and restarted; the feed resumes and loses
//! nothing.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::federation::{
    add_basic_feed, export, indicator, ok, post_objects, run_json, stixhub, uuid_for, versions_once,
};
use crate::taxii_server::{ServerProcess, admin_basic, fresh_data_dir, http};

const PEER_PASSWORD: &str = "peer-password";
const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const COLLECTION: &str = "/api1/collections/default/";

struct Hub {
    name: &'static str,
    dir: PathBuf,
    server: ServerProcess,
    feeds: Vec<String>,
}

fn ids(objects: &[String]) -> Vec<String> {
    let mut ids: Vec<String> = versions_once(objects).into_iter().map(|(id, _)| id).collect();
    ids.dedup();
    ids
}

/// The sum of one counter of every feed's state (runs by `serve`'s schedule included).
fn feed_total(hubs: &[Hub], counter: &str) -> u64 {
    hubs.iter()
        .flat_map(|hub| hub.feeds.iter().map(move |feed| (hub, feed)))
        .map(|(hub, feed)| {
            let shown: Value = serde_json::from_str(&ok(&hub.dir, &["feed", "show", feed], "")).unwrap();
            shown["state"][counter].as_u64().unwrap()
        })
        .sum()
}

/// One round: every hub runs each of its feeds once; the versions stored.
fn round(hubs: &[Hub]) -> u64 {
    let mut stored = 0;
    for hub in hubs {
        for feed in &hub.feeds {
            let run = run_json(&hub.dir, feed);
            stored += run["stored"].as_u64().unwrap();
        }
    }
    stored
}

#[test]
fn three_hub_ring_exactly_once_no_loops_tombstones_and_scope() {
    let mut hubs: Vec<Hub> = ["a", "b", "c"]
        .into_iter()
        .map(|name| {
            let dir = fresh_data_dir(&format!("ring-{name}"));
            let server = ServerProcess::start(&dir);
            ok(
                &dir,
                &["account", "create", "peer", "--password-stdin"],
                &format!("{PEER_PASSWORD}\n"),
            );
            ok(&dir, &["grant", "peer", "--collection", "default", "--read"], "");
            Hub {
                name,
                dir,
                server,
                feeds: Vec::new(),
            }
        })
        .collect();
    for hub in &hubs {
        let objects: Vec<String> = (0..5).map(|n| indicator(hub.name, n, "")).collect();
        post_objects(&hub.server.address, COLLECTION, &objects);
    }
    // Hub A holds one object it may not share: TLP:RED reaches only the accounts named, never a peer hub.
    let red = indicator("red", 0, &format!(r#","object_marking_refs":["{TLP_RED}"]"#));
    post_objects(&hubs[0].server.address, COLLECTION, std::slice::from_ref(&red));
    let red_id = format!("indicator--{}", uuid_for("red", 0));

    let urls: Vec<String> = hubs
        .iter()
        .map(|h| format!("{}{COLLECTION}", h.server.base_url))
        .collect();
    for (hub_idx, hub) in hubs.iter_mut().enumerate() {
        for (peer_idx, url) in urls.iter().enumerate() {
            if peer_idx == hub_idx {
                continue;
            }
            let feed = ok(
                &hub.dir,
                &[
                    "feed",
                    "add",
                    "--collection",
                    "default",
                    "--url",
                    url,
                    "--user",
                    "peer",
                    "--password-stdin",
                    "--every",
                    "3600",
                    "--reconcile-every",
                    "1",
                ],
                &format!("{PEER_PASSWORD}\n"),
            );
            hub.feeds.push(feed);
        }
    }

    let mut per_round = Vec::new();
    for _ in 0..10 {
        per_round.push(round(&hubs));
    }
    // 10 objects travel to each of three hubs (each hub already has its own 5); `serve` may have run a feed
    // on its schedule too, so the feeds' totals count.
    assert_eq!(feed_total(&hubs, "objects_pulled"), 30, "{per_round:?}");
    assert_eq!(
        per_round[2..].iter().sum::<u64>(),
        0,
        "nothing after the second round: {per_round:?}"
    );
    let auth = admin_basic();
    let red_path = format!("{COLLECTION}objects/{red_id}/");
    let accept = [
        ("Accept", "application/taxii+json;version=2.1"),
        ("Authorization", auth.as_str()),
    ];
    for (hub_idx, hub) in hubs.iter().enumerate() {
        let objects = export(&hub.dir, "default");
        assert_eq!(objects.len(), 15, "hub {}", hub.name);
        assert!(!ids(&objects).contains(&red_id), "hub {}", hub.name);
        // The submitter reads it on hub a; it exists nowhere else.
        let (status, _, body) = http(&hub.server.address, "GET", &red_path, &accept, "").unwrap();
        assert_eq!(
            status == 200,
            hub_idx == 0,
            "the TLP:RED object stays on hub a: {} {status} {body}",
            hub.name
        );
    }
    // Byte-identical copies everywhere.
    let without_red = |objects: Vec<String>| -> Vec<String> {
        objects.into_iter().filter(|o| !o.contains(TLP_RED)).collect()
    };
    let a = without_red(export(&hubs[0].dir, "default"));
    assert_eq!(a, export(&hubs[1].dir, "default"));
    assert_eq!(a, export(&hubs[2].dir, "default"));

    // A revocation on hub a reaches b and c once.
    let revoked = indicator("a", 0, "").replace(
        r#""modified":"2026-01-01T00:00:00.000Z""#,
        r#""modified":"2026-02-01T00:00:00.000Z","revoked":true"#,
    );
    post_objects(&hubs[0].server.address, COLLECTION, &[revoked]);
    // A deletion on hub b (its own object) reaches a and c as a tombstone.
    let gone = format!("indicator--{}", uuid_for("b", 1));
    let (status, _, body) = http(
        &hubs[1].server.address,
        "DELETE",
        &format!("{COLLECTION}objects/{gone}/"),
        &[
            ("Accept", "application/taxii+json;version=2.1"),
            ("Authorization", auth.as_str()),
        ],
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let mut later = Vec::new();
    for _ in 0..10 {
        later.push(round(&hubs));
    }
    assert_eq!(
        later.iter().sum::<u64>(),
        2,
        "the revoked version reaches two hubs, once: {later:?}"
    );
    assert_eq!(feed_total(&hubs, "objects_pulled"), 32);
    let revoked_id = format!("indicator--{}", uuid_for("a", 0));
    for hub in &hubs {
        let objects = export(&hub.dir, "default");
        let versions = versions_once(&objects);
        assert!(
            !versions.iter().any(|(id, _)| *id == gone),
            "hub {} still has the deleted object",
            hub.name
        );
        assert_eq!(
            versions.iter().filter(|(id, _)| *id == revoked_id).count(),
            2,
            "hub {}",
            hub.name
        );
        assert!(
            objects.iter().any(|o| o.contains("\"revoked\":true")),
            "hub {}",
            hub.name
        );
    }
    let deleted = feed_total(&hubs, "objects_deleted");
    assert_eq!(deleted, 2, "one tombstone applied on each of a and c");
}

#[test]
fn the_upstream_killed_mid_pull_then_restarted_loses_nothing() {
    let upstream_dir = fresh_data_dir("fault-up");
    let mut upstream = ServerProcess::start(&upstream_dir);
    let objects: Vec<String> = (0..30_000).map(|n| indicator("fault", n, "")).collect();
    post_objects(&upstream.address, COLLECTION, &objects);
    let address = upstream.address.clone();
    let url = format!("{}{COLLECTION}", upstream.base_url);
    let local = fresh_data_dir("fault-local");
    let feed = add_basic_feed(&local, &url, "admin", crate::taxii_server::ADMIN_PASSWORD, &[]);
    let pull = Command::new(env!("CARGO_BIN_EXE_stixhub"))
        .args(["feed", "run", &feed, "--data", local.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the upstream once the first pages are committed.
    let started = Instant::now();
    loop {
        let shown: Value = serde_json::from_str(&ok(&local, &["feed", "show", &feed], "")).unwrap();
        if shown["state"]["objects_pulled"].as_u64().unwrap() > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the pull never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    upstream.kill_9();
    let output = pull.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the run fails with the upstream gone: {stderr}"
    );
    assert!(stderr.contains("cannot connect"), "{stderr}");
    let shown: Value = serde_json::from_str(&ok(&local, &["feed", "show", &feed], "")).unwrap();
    let pulled = shown["state"]["objects_pulled"].as_u64().unwrap();
    assert!(pulled < 30_000, "killed mid-pull, not after: {shown}");

    let _restarted =
        ServerProcess::start_listening(&address, &["--data".as_ref(), upstream_dir.as_os_str()], &[]);
    let (code, stdout, stderr) = stixhub(&["feed", "run", &feed, "--data", local.to_str().unwrap()], "");
    assert_eq!(code, 0, "{stderr}");
    let run: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(run["stored"].as_u64().unwrap() + pulled, 30_000, "{run}");
    let here = export(&local, "default");
    assert_eq!(versions_once(&here).len(), 30_000);
    assert_eq!(here, export(&upstream_dir, "default"));
}

#[test]
fn a_subscription_pushes_to_another_hub_and_refusals_become_dead_letters() {
    let source_dir = fresh_data_dir("push-source");
    let target_dir = fresh_data_dir("push-target");
    let source = ServerProcess::start(&source_dir);
    let target = ServerProcess::start(&target_dir);
    let subscription = ok(
        &source_dir,
        &["subscription", "add", "admin", "--collection", "default"],
        "",
    );
    let password = format!("{}\n", crate::taxii_server::ADMIN_PASSWORD);
    let url = format!("{}{COLLECTION}", target.base_url);
    let push = ok(
        &source_dir,
        &[
            "feed",
            "push",
            "add",
            &subscription,
            "--url",
            &url,
            "--user",
            "admin",
            "--password-stdin",
        ],
        &password,
    );
    let missing = format!("{}/api1/collections/no-such-collection/", target.base_url);
    let refused = ok(
        &source_dir,
        &[
            "feed",
            "push",
            "add",
            &subscription,
            "--url",
            &missing,
            "--user",
            "admin",
            "--password-stdin",
        ],
        &password,
    );
    let listed = ok(&source_dir, &["feed", "push", "list"], "");
    assert!(
        listed.contains(&push) && !listed.contains(crate::taxii_server::ADMIN_PASSWORD),
        "{listed}"
    );

    let objects: Vec<String> = (0..3).map(|n| indicator("push", n, "")).collect();
    post_objects(&source.address, COLLECTION, &objects);
    let started = Instant::now();
    loop {
        let arrived = export(&target_dir, "default");
        if arrived.len() == 3 {
            let mut want = objects.clone();
            want.sort();
            assert_eq!(arrived, want, "pushed byte for byte");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never pushed: {arrived:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // The missing collection answers 404: each event a dead letter at once, with the answer in words.
    loop {
        let dead = ok(&source_dir, &["feed", "push", "dead-letters", &refused], "");
        if dead.lines().count() == 3 {
            assert!(dead.contains("404"), "{dead}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no dead letters: {dead}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn an_anonymous_submitter_stays_anonymous_on_the_next_hub() {
    const COUNTY: &str = "identity--6b0e5f4c-0000-4000-8000-0000000000aa";
    let a_dir = fresh_data_dir("anon-a");
    let a = ServerProcess::start(&a_dir);
    ok(&a_dir, &["org", "create", "county", "--consent", "none"], "");
    ok(
        &a_dir,
        &[
            "account",
            "create",
            "clerk",
            "--password-stdin",
            "--org",
            "county",
        ],
        "clerk-password\n",
    );
    ok(
        &a_dir,
        &["grant", "clerk", "--collection", "default", "--read", "--write"],
        "",
    );
    ok(
        &a_dir,
        &["account", "create", "peer", "--password-stdin"],
        &format!("{PEER_PASSWORD}\n"),
    );
    ok(
        &a_dir,
        &["grant", "peer", "--collection", "default", "--read"],
        "",
    );
    let original = indicator("anon", 0, &format!(r#","created_by_ref":"{COUNTY}""#));
    let original_id = format!("indicator--{}", uuid_for("anon", 0));
    let clerk = {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("clerk:clerk-password")
        )
    };
    let headers = [
        ("Accept", "application/taxii+json;version=2.1"),
        ("Content-Type", "application/taxii+json;version=2.1"),
        ("Authorization", clerk.as_str()),
    ];
    let body = format!("{{\"objects\":[{original}]}}");
    let (status, _, answer) = http(
        &a.address,
        "POST",
        &format!("{COLLECTION}objects/"),
        &headers,
        &body,
    )
    .unwrap();
    assert_eq!(status, 202, "{answer}");

    let b_dir = fresh_data_dir("anon-b");
    let url = format!("{}{COLLECTION}", a.base_url);
    let feed = add_basic_feed(&b_dir, &url, "peer", PEER_PASSWORD, &[]);
    assert_eq!(run_json(&b_dir, &feed)["stored"], 1);
    let arrived = export(&b_dir, "default");
    assert_eq!(arrived.len(), 1);
    assert!(
        !arrived[0].contains(COUNTY),
        "the submitter's identity reached the next hub: {}",
        arrived[0]
    );
    assert!(
        !arrived[0].contains(&original_id),
        "the original id reached the next hub: {}",
        arrived[0]
    );
    assert!(
        arrived[0].contains("10.0.0.0"),
        "the indicator itself arrived: {}",
        arrived[0]
    );
}
