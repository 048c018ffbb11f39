//! The audit chain as pure functions: entries, their canonical form, their hashes, and verification.
//!
//! Each entry's hash is `SHA-256(previous hash ‖ canonical entry)`, where the canonical entry is the RFC 8785
//! (JCS) text of `{"action","actor","at","details","n_objects","seq"}` and the first entry's previous hash is 32
//! zero bytes. Altering, inserting or removing any entry breaks the hash of that entry or the next; to catch a
//! truncated tail too, the hub keeps the head hash (and count) apart from the log and compares it.
//!
//! Invariant: the canonical form depends only on the entry's values, never on map order or whitespace, so an
//! entry read back from any store hashes to the same bytes.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The previous hash of the first entry.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

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
