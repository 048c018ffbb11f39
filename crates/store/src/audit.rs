//! The audit log as the store keeps it (issue 6): hash-chained entries and the head, as plain data.
//!
//! The store assigns nothing here and hashes nothing: the hub computes each entry's hash with
//! `policy::audit` and hands complete records to `Store::append_audit`, which appends them only if the log
//! still has the length the hub chained them after (compare-and-swap on the head). So several processes on
//! one database form one chain: a loser of the race gets `Conflict`, re-reads the head and re-chains.
//!
//! Invariant: the head (entry count and last hash) is kept apart from the entries and updated in the same
//! transaction as they are appended, so a deleted tail (rows gone, head unchanged) is detectable.

/// One stored audit entry: the fields `policy::audit::AuditEntry` hashes, and the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the log, from 0, without gaps.
    pub seq: u64,
    /// The acting account, `operator` (command line on the store) or `hub`.
    pub actor: String,
    /// What was done (`objects.read`, `objects.write`, `account.create`, …).
    pub action: String,
    /// When, as RFC 3339 text (kept byte for byte: it is hashed).
    pub at: String,
    /// How many objects the action touched.
    pub n_objects: u64,
    /// A JSON object as text (kept byte for byte; the hub hashes its canonical form).
    pub details: String,
    /// `SHA-256(previous hash ‖ canonical entry)`.
    pub hash: [u8; 32],
}

/// The head of the log: how many entries it has and the hash of the last one (all zeros when empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditHead {
    /// The number of entries, which is also the `seq` of the next one.
    pub n_entries: u64,
    /// The hash of entry `n_entries - 1`; 32 zero bytes for an empty log.
    pub last_hash: [u8; 32],
}

impl AuditHead {
    /// The head of an empty log.
    pub const EMPTY: AuditHead = AuditHead {
        n_entries: 0,
        last_hash: [0; 32],
    };
}
