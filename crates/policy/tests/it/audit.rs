//! The audit chain: append, verify, and find the first altered entry.

use policy::audit::{AuditEntry, ChainedEntry, append, canonical_entry, hex, parse_hex_hash, verify};
use serde_json::json;

fn log(n_entries: u64) -> Vec<ChainedEntry> {
    let mut entries: Vec<ChainedEntry> = Vec::new();
    for seq in 0..n_entries {
        let entry = AuditEntry {
            seq,
            actor: format!("account{}", seq % 3),
            action: "objects.read".to_owned(),
            at: format!("2026-11-25T07:{:02}:00.000000Z", seq % 60),
            n_objects: seq * 10,
            details: json!({"collection": "default", "z": 1, "a": [1, 2]}),
        };
        entries.push(append(entries.last(), entry));
    }
    entries
}

#[test]
fn an_intact_chain_verifies() {
    assert_eq!(verify(&log(20)), Ok(()));
    assert_eq!(verify(&[]), Ok(()));
}

#[test]
fn an_altered_entry_is_the_first_broken_one() {
    let mut entries = log(20);
    entries[7].entry.n_objects += 1;
    let broken = verify(&entries).unwrap_err();
    assert_eq!((broken.index, broken.seq), (7, 7));
    assert_eq!(broken.found, hex(&entries[7].hash));
}

#[test]
fn a_removed_entry_breaks_the_next() {
    let mut entries = log(10);
    entries.remove(4);
    assert_eq!(verify(&entries).unwrap_err().index, 4);
}

#[test]
fn a_recomputed_hash_breaks_the_entry_after_it() {
    let mut entries = log(10);
    entries[3].entry.actor = "mallory".to_owned();
    let previous = entries[2].clone();
    entries[3] = append(Some(&previous), entries[3].entry.clone());
    assert_eq!(verify(&entries).unwrap_err().index, 4);
}

#[test]
fn canonical_form_is_independent_of_member_order() {
    let mut a = log(1)[0].entry.clone();
    let mut b = a.clone();
    a.details = json!({"b": 1, "a": {"y": 2, "x": 1}});
    b.details = serde_json::from_str(r#"{"a":{"x":1,"y":2},"b":1}"#).unwrap();
    assert_eq!(canonical_entry(&a), canonical_entry(&b));
    assert!(canonical_entry(&a).starts_with(r#"{"action":"objects.read","actor":"account0","at":"#));
}

#[test]
fn hashes_round_trip_through_hex() {
    let entry = &log(1)[0];
    assert_eq!(parse_hex_hash(&hex(&entry.hash)), Some(entry.hash));
    assert_eq!(parse_hex_hash("zz"), None);
}
