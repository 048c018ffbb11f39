//! The audit chain as pure functions: entries, their canonical form, their hashes, and verification.
//!
//! Each entry's hash is `SHA-256(previous hash ‖ canonical entry)`, where the canonical entry is the RFC 8785
//! (JCS) text of `{"action","actor","at","details","n_objects","seq"}` and the first entry's previous hash is 32
//! zero bytes. Altering, inserting or removing any entry breaks the hash of that entry or the next; to catch a
//! truncated tail too, the hub keeps the head hash (and count) apart from the log and compares it.
//!
//! **Keyed chain** (issue 12): from the entry whose action is [`KEY_ACTION`] on, each hash is
//! `HMAC-SHA-256(key, previous hash ‖ canonical entry)` with the key that entry names by [`key_id`] (the key
//! itself lives outside the database). Whoever rewrites the whole table and its head without the key cannot
//! produce keyed hashes, and cannot drop the key entry either: a verifier holding a key requires one
//! ([`ChainVerifier`]). Entries before the first key entry keep their unkeyed hashes, so a log begun before
//! keys existed still verifies, and the first keyed hash covers them through the previous hash.
//!
//! Invariant: the canonical form depends only on the entry's values, never on map order or whitespace, so an
//! entry read back from any store hashes to the same bytes.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The previous hash of the first entry.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// The action of the entry from which a key hashes the chain; its `details` are `{"key_id": …}`.
pub const KEY_ACTION: &str = "audit.key";

/// A chain key (32 random bytes, kept outside the database).
pub type ChainKey = [u8; 32];

/// The public name of a key: the first 8 bytes of `HMAC-SHA-256(key, "stixhub audit key id")`, in hex. It
/// tells which key hashes the entries that follow, and reveals nothing that helps forge them.
pub fn key_id(key: &ChainKey) -> String {
    hex(&keyed_digest(key, &[b"stixhub audit key id"])[..8])
}

fn keyed_digest(key: &ChainKey, parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length: a 32-byte key never fails.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return [0; 32];
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The hash of `entry` after `previous`: keyed with `key` when the chain is keyed at this entry.
pub fn chain_hash(key: Option<&ChainKey>, previous: &[u8; 32], entry: &AuditEntry) -> [u8; 32] {
    match key {
        None => entry_hash(previous, entry),
        Some(key) => keyed_digest(key, &[previous, canonical_entry(entry).as_bytes()]),
    }
}

/// The entry that makes `key` hash the chain from itself on.
pub fn key_entry(seq: u64, actor: &str, at: &str, key: &ChainKey) -> AuditEntry {
    AuditEntry {
        seq,
        actor: actor.to_owned(),
        action: KEY_ACTION.to_owned(),
        at: at.to_owned(),
        n_objects: 0,
        details: serde_json::json!({ "key_id": key_id(key) }),
    }
}

/// Checks a log entry by entry, following the keys it names.
#[derive(Debug)]
pub struct ChainVerifier<'a> {
    keys: &'a [ChainKey],
    current: Option<&'a ChainKey>,
    previous: [u8; 32],
}

impl<'a> ChainVerifier<'a> {
    /// A verifier from the start of a log, holding every key the log may name (old ones after a rotation).
    pub fn new(keys: &'a [ChainKey]) -> ChainVerifier<'a> {
        ChainVerifier {
            keys,
            current: None,
            previous: GENESIS_HASH,
        }
    }

    /// Checks the next entry; `Err(reason)` when its stored hash is not what the chain requires.
    pub fn next(&mut self, chained: &ChainedEntry) -> Result<(), String> {
        if chained.entry.action == KEY_ACTION {
            let named = chained.entry.details.get("key_id").and_then(Value::as_str);
            let key = self.keys.iter().find(|key| Some(key_id(key).as_str()) == named);
            match key {
                Some(key) => self.current = Some(key),
                None => {
                    return Err(format!(
                        "it names audit key {} which this hub does not hold (a forged key entry, or a missing key file)",
                        named.unwrap_or("(none)")
                    ));
                }
            }
        }
        let expected = chain_hash(self.current, &self.previous, &chained.entry);
        if expected != chained.hash {
            return Err(format!(
                "its hash does not match the chain (expected {}, stored {}): it or an entry before it was altered{}",
                hex(&expected),
                hex(&chained.hash),
                if self.current.is_some() {
                    ", or rewritten without the key"
                } else {
                    ""
                }
            ));
        }
        self.previous = chained.hash;
        Ok(())
    }

    /// After the last entry: `Err(reason)` when the verifier holds keys but the log never named one (a log
    /// rewritten from scratch without the key).
    pub fn finish(&self) -> Result<(), String> {
        if !self.keys.is_empty() && self.current.is_none() {
            return Err(
                "the log has no keyed entries though this hub holds an audit key: it was rewritten without the key"
                    .to_owned(),
            );
        }
        Ok(())
    }
}

/// One audited event: who did what, when, to how many objects.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Position in the log, from 0; part of the hashed form so entries cannot be reordered.
    pub seq: u64,
    /// The acting account (or `hub` for the hub's own actions).
    pub actor: String,
    /// What was done: `objects.read`, `objects.write`, `account.create`, `review.approve`, …
    pub action: String,
    /// When, as the hub's RFC 3339 timestamp text (kept as given; the crate has no clock).
    pub at: String,
    /// How many objects the action touched.
    pub n_objects: u64,
    /// Anything else worth keeping (collection id, target account, …), as a JSON value.
    pub details: Value,
}

/// An entry with its chain hash.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainedEntry {
    /// The entry.
    pub entry: AuditEntry,
    /// `SHA-256(previous hash ‖ canonical entry)`.
    pub hash: [u8; 32],
}

/// The first entry whose stored hash does not match the chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit entry {index} (seq {seq}) is broken: expected hash {expected}, found {found}")]
pub struct FirstBrokenEntry {
    /// Its index in the slice given to [`verify`].
    pub index: usize,
    /// Its `seq`.
    pub seq: u64,
    /// The hash the chain requires, in hex.
    pub expected: String,
    /// The hash stored, in hex.
    pub found: String,
}

/// The canonical (JCS) text of an entry: the bytes that are hashed.
pub fn canonical_entry(entry: &AuditEntry) -> String {
    let mut members = Map::new();
    members.insert("action".to_owned(), Value::String(entry.action.clone()));
    members.insert("actor".to_owned(), Value::String(entry.actor.clone()));
    members.insert("at".to_owned(), Value::String(entry.at.clone()));
    members.insert("details".to_owned(), entry.details.clone());
    members.insert("n_objects".to_owned(), Value::from(entry.n_objects));
    members.insert("seq".to_owned(), Value::from(entry.seq));
    stix::jcs::canonical_json(&Value::Object(members))
}

/// `SHA-256(previous ‖ canonical entry)`.
pub fn entry_hash(previous: &[u8; 32], entry: &AuditEntry) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(canonical_entry(entry).as_bytes());
    hasher.finalize().into()
}

/// Chains `entry` after `previous` (`None` for the first entry of the log).
pub fn append(previous: Option<&ChainedEntry>, entry: AuditEntry) -> ChainedEntry {
    let previous_hash = previous.map_or(GENESIS_HASH, |p| p.hash);
    let hash = entry_hash(&previous_hash, &entry);
    ChainedEntry { entry, hash }
}

/// Checks a whole log from its first entry.
pub fn verify(entries: &[ChainedEntry]) -> Result<(), FirstBrokenEntry> {
    verify_from(&GENESIS_HASH, entries)
}

/// Checks a run of entries that follows an entry whose hash is `previous` (to verify a log in pages).
pub fn verify_from(previous: &[u8; 32], entries: &[ChainedEntry]) -> Result<(), FirstBrokenEntry> {
    let mut previous_hash = *previous;
    for (index, chained) in entries.iter().enumerate() {
        let expected = entry_hash(&previous_hash, &chained.entry);
        if expected != chained.hash {
            return Err(FirstBrokenEntry {
                index,
                seq: chained.entry.seq,
                expected: hex(&expected),
                found: hex(&chained.hash),
            });
        }
        previous_hash = chained.hash;
    }
    Ok(())
}

/// Lowercase hex of a hash, the form the store and `stixhub audit verify` print.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out
}

/// Parses a 64-digit hex hash (as [`hex`] prints it).
pub fn parse_hex_hash(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte_idx, pair) in bytes.chunks_exact(2).enumerate() {
        let high = char::from(pair[0]).to_digit(16)?;
        let low = char::from(pair[1]).to_digit(16)?;
        out[byte_idx] = u8::try_from(high * 16 + low).ok()?;
    }
    Some(out)
}
