//! Organisations' asset claims and victim-notification bookkeeping (issue 14), as the store keeps them.
//!
//! Contract (checked by `store-tests`):
//! - An asset is `(id, org, kind, value)` with who claimed it and, once verified, who verified it and when.
//!   `(org, kind, value)` is unique: claiming the same value twice is a `Conflict`. The hub normalises the
//!   value (`assets::Asset`) before storing; the store compares text.
//! - `verify_asset` sets the verifier once: verifying again keeps the first verifier.
//! - `claim_notices` inserts each key at most once, ever, across processes, and answers the keys this call
//!   inserted: the repeat suppression of notifications (one per asset and object) holds across nodes.
//! - `add_recipients` adds recipients to one stored version (by collection and `date_added`), keeping the
//!   ones it had, in order, without duplicates.

/// One claimed asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetRecord {
    /// Its id (UUIDv4).
    pub id: String,
    /// The organisation claiming it.
    pub org: String,
    /// `cidr`, `domain`, `email-domain`, `asn` or `software`.
    pub kind: String,
    /// The normalised value.
    pub value: String,
    /// The account that claimed it.
    pub created_by: String,
    /// When, µs since the epoch.
    pub created_micros: i64,
    /// The account that verified it, once verified.
    pub verified_by: Option<String>,
    /// When it was verified, µs since the epoch.
    pub verified_micros: Option<i64>,
}
