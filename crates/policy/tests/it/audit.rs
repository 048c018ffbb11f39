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

/// `n_plain` unkeyed entries, the key entry for `key`, then `n_keyed` entries hashed with it.
fn keyed_log(n_plain: u64, key: &[u8; 32], n_keyed: u64) -> Vec<ChainedEntry> {
    use policy::audit::{chain_hash, key_entry};
    let mut entries = log(n_plain);
    let push = |entry: AuditEntry, entries: &mut Vec<ChainedEntry>| {
        let previous = entries.last().map_or(policy::audit::GENESIS_HASH, |e| e.hash);
        let hash = chain_hash(Some(key), &previous, &entry);
        entries.push(ChainedEntry { entry, hash });
    };
    push(
        key_entry(n_plain, "hub:bootstrap", "2026-12-07T00:00:00.000000Z", key),
        &mut entries,
    );
    for seq in n_plain + 1..=n_plain + n_keyed {
        let entry = AuditEntry {
            seq,
            actor: "a".to_owned(),
            action: "objects.read".to_owned(),
            at: "2026-12-07T00:00:01.000000Z".to_owned(),
            n_objects: 1,
            details: json!({}),
        };
        push(entry, &mut entries);
    }
    entries
}

fn check(keys: &[[u8; 32]], entries: &[ChainedEntry]) -> Result<(), String> {
    let mut verifier = policy::audit::ChainVerifier::new(keys);
    for entry in entries {
        verifier.next(entry)?;
    }
    verifier.finish()
}

#[test]
fn a_keyed_chain_verifies_with_its_key_and_an_unkeyed_prefix() {
    let key = [7u8; 32];
    let entries = keyed_log(3, &key, 4);
    assert_eq!(check(&[key], &entries), Ok(()));
    // A verifier holding no key cannot vouch for the keyed part.
    assert!(check(&[], &entries).is_err());
    // A rotation: the old key stays in the list.
    assert!(check(&[[9u8; 32], key], &entries).is_ok());
}

#[test]
fn a_log_rewritten_without_the_key_fails() {
    let key = [7u8; 32];
    // The whole log re-chained unkeyed, key entry dropped: a consistent SHA-256 chain, but no keyed part.
    let unkeyed = log(8);
    assert!(verify(&unkeyed).is_ok());
    let err = check(&[key], &unkeyed).unwrap_err();
    assert!(err.contains("without the key"), "{err}");
    // Key entry kept, keyed hashes recomputed without the key.
    let mut forged = keyed_log(3, &key, 4);
    let mut previous = forged[2].hash;
    for chained in &mut forged[3..] {
        chained.hash = policy::audit::entry_hash(&previous, &chained.entry);
        previous = chained.hash;
    }
    assert!(check(&[key], &forged).is_err());
    // A key entry naming a key the verifier does not hold.
    let other = keyed_log(3, &[1u8; 32], 1);
    assert!(check(&[key], &other).unwrap_err().contains("does not hold"));
}
