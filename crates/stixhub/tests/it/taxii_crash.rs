//! Crash safety: `kill -9` the server during concurrent ingest, restart, and check that every object whose
//! status came back `complete` is there, byte-identical. 20 rounds on one growing store.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::value::RawValue;

use crate::taxii_server::{ServerProcess, admin_basic, fresh_data_dir, http};

const ROUNDS: u32 = 20;
const WRITERS: u32 = 4;
const ENVELOPE: u32 = 20;
const TAXII: &str = "application/taxii+json;version=2.1";

/// An indicator written with unusual spacing, so byte identity is really checked.
fn indicator(round: u32, writer: u32, seq: u32, n: u32) -> (String, String) {
    let id = format!("indicator--{round:08x}-{writer:04x}-4{seq:03x}-8{n:03x}-000000000000");
    let json = format!(
        "{{ \"type\":\"indicator\", \"spec_version\" : \"2.1\",\"id\":\"{id}\",\"created\":\"2024-01-01T00:00:00.000Z\",\
         \"modified\":\"2024-01-01T00:00:00.000Z\",\"name\":\"crash r{round} w{writer} \\u00e9\",\
         \"pattern\":\"[ipv4-addr:value = '10.0.{}.{}']\",\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\" }}",
        seq % 256,
        n % 256
    );
    (id, json)
}

/// Every object in the default collection (all versions), as exact bytes by id.
fn stored_objects(address: &str) -> HashMap<String, String> {
    let auth = admin_basic();
    let headers = [("Accept", TAXII), ("Authorization", auth.as_str())];
    let mut stored = HashMap::new();
    let mut query = "limit=10000&match[version]=all".to_owned();
    loop {
        let (status, _, body) = http(
            address,
            "GET",
            &format!("/api1/collections/default/objects/?{query}"),
            &headers,
            "",
        )
        .expect("the restarted server answers");
        assert_eq!(status, 200, "{body}");
        let envelope: HashMap<String, Box<RawValue>> = serde_json::from_str(&body).unwrap();
        if let Some(objects) = envelope.get("objects") {
            let objects: Vec<Box<RawValue>> = serde_json::from_str(objects.get()).unwrap();
            for raw in objects {
                let value: serde_json::Value = serde_json::from_str(raw.get()).unwrap();
                stored.insert(value["id"].as_str().unwrap().to_owned(), raw.get().to_owned());
            }
        }
        match envelope.get("next") {
            Some(next) if envelope.get("more").is_some_and(|m| m.get() == "true") => {
                let next: String = serde_json::from_str(next.get()).unwrap();
                query = format!("limit=10000&match[version]=all&next={next}");
            }
            _ => return stored,
        }
    }
}

#[test]
fn objects_reported_complete_survive_kill_9_byte_identical() {
    let data_dir = fresh_data_dir("crash");
    let confirmed: Arc<Mutex<HashMap<String, String>>> = Arc::new(Mutex::new(HashMap::new()));
    for round in 0..ROUNDS {
        let mut server = ServerProcess::start(&data_dir);
        check_confirmed(&server.address, &confirmed, round);
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let (address, confirmed, stop) =
                    (server.address.clone(), Arc::clone(&confirmed), Arc::clone(&stop));
                std::thread::spawn(move || ingest_until_stopped(&address, round, writer, &confirmed, &stop))
            })
            .collect();
        // Kill at a different moment each round, while the writers are busy.
        std::thread::sleep(Duration::from_millis(60 + u64::from(round % 5) * 40));
        server.kill_9();
        stop.store(true, Ordering::SeqCst);
        for writer in writers {
            writer.join().unwrap();
        }
    }
    let server = ServerProcess::start(&data_dir);
    let n_confirmed = check_confirmed(&server.address, &confirmed, ROUNDS);
    assert!(
        n_confirmed > usize::try_from(ROUNDS).unwrap() * 20,
        "the test really ingested ({n_confirmed} confirmed)"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

fn check_confirmed(address: &str, confirmed: &Mutex<HashMap<String, String>>, round: u32) -> usize {
    let stored = stored_objects(address);
    let confirmed = confirmed.lock().unwrap();
    for (id, json) in confirmed.iter() {
        let found = stored
            .get(id)
            .unwrap_or_else(|| panic!("round {round}: confirmed {id} is missing after kill -9"));
        assert_eq!(found, json, "round {round}: {id} is not byte-identical");
    }
    confirmed.len()
}

fn ingest_until_stopped(
    address: &str,
    round: u32,
    writer: u32,
    confirmed: &Mutex<HashMap<String, String>>,
    stop: &AtomicBool,
) {
    let auth = admin_basic();
    let headers = [
        ("Accept", TAXII),
        ("Content-Type", TAXII),
        ("Authorization", auth.as_str()),
    ];
    for seq in 0.. {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let objects: Vec<(String, String)> =
            (0..ENVELOPE).map(|n| indicator(round, writer, seq, n)).collect();
        let body = format!(
            "{{\"objects\":[{}]}}",
            objects
                .iter()
                .map(|(_, json)| json.as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        let Ok((status, _, reply)) = http(
            address,
            "POST",
            "/api1/collections/default/objects/",
            &headers,
            &body,
        ) else {
            return;
        };
        if status != 202 {
            return;
        }
        let Ok(reply) = serde_json::from_str::<serde_json::Value>(&reply) else {
            return;
        };
        if reply["status"] == "complete" && reply["success_count"] == ENVELOPE {
            confirmed.lock().unwrap().extend(objects);
        }
    }
}
