//! Hub-owned records (issues 15–18): application data the hub keeps beside the objects — feedback and scores,
//! incident cases, feeds, SBOMs and findings — as opaque JSON documents addressed by a namespace and a key.
//!
//! Why one generic table instead of one per feature: every rule about these records (who may read a case, how
//! a score is computed) lives in the hub and the pure crates; the backends only need to keep documents
//! atomically and list them in key order. One table keeps that contract in one place per backend and lets
//! features ship without a migration each. Keys are chosen by the hub so that a prefix scan answers its
//! queries (e.g. `org/{org}/case/{id}`).
//!
//! Contract (held by `store-tests`):
//! - `write_records` applies all its writes or none, in one transaction; each write's expectation is checked
//!   against the committed state (`Expect::Absent`: no such key; `Expect::Version(v)`: the key is at `v`), and
//!   any failed expectation is `StoreError::Conflict` with nothing written.
//! - A stored record's version starts at 1 and grows by 1 per write; a delete (body `None`) removes it.
//! - `records` lists one namespace's records whose key starts with `prefix`, strictly after `after`, in
//!   ascending byte order of the key, at most `limit`.

/// One stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The namespace (a feature's name, e.g. `feedback`).
    pub ns: String,
    /// The key within the namespace.
    pub key: String,
    /// 1 for a new record, +1 per write.
    pub version: i64,
    /// When it was last written (caller's clock, Unix microseconds).
    pub updated_micros: i64,
    /// The document (JSON, opaque to the store).
    pub body: String,
}

/// What a write expects of the record it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Nothing: create or overwrite (or delete if present).
    Any,
    /// The key must not exist.
    Absent,
    /// The key must exist at this version.
    Version(i64),
}

/// One write of a `write_records` batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordWrite {
    /// The namespace.
    pub ns: String,
    /// The key.
    pub key: String,
    /// The new document; `None` deletes the record.
    pub body: Option<String>,
    /// The compare-and-swap condition.
    pub expect: Expect,
}

impl RecordWrite {
    /// An unconditional upsert.
    pub fn put(ns: &str, key: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            ns: ns.to_owned(),
            key: key.into(),
            body: Some(body.into()),
            expect: Expect::Any,
        }
    }

    /// An unconditional delete.
    pub fn delete(ns: &str, key: impl Into<String>) -> Self {
        Self {
            ns: ns.to_owned(),
            key: key.into(),
            body: None,
            expect: Expect::Any,
        }
    }

    /// The same write under a compare-and-swap condition.
    pub fn expecting(mut self, expect: Expect) -> Self {
        self.expect = expect;
        self
    }
}

/// A prefix scan of one namespace, in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordScan {
    /// The namespace.
    pub ns: String,
    /// Only keys starting with this (empty: all).
    pub prefix: String,
    /// Only keys strictly greater than this (resuming a scan).
    pub after: Option<String>,
    /// At most this many records.
    pub limit: usize,
}

impl RecordScan {
    /// The first `limit` records of `ns` under `prefix`.
    pub fn prefix(ns: &str, prefix: impl Into<String>, limit: usize) -> Self {
        Self {
            ns: ns.to_owned(),
            prefix: prefix.into(),
            after: None,
            limit,
        }
    }
}

/// The failure of a batch whose expectation did not hold (the message names the record).
pub fn expectation_failed(write: &RecordWrite, found: Option<i64>) -> crate::StoreError {
    crate::StoreError::Conflict(format!(
        "record {}/{} expected {:?}, found {}",
        write.ns,
        write.key,
        write.expect,
        found.map_or_else(|| "none".to_owned(), |v| format!("version {v}"))
    ))
}

/// Whether `found` (the current version, if any) satisfies `expect`.
pub fn expectation_holds(expect: Expect, found: Option<i64>) -> bool {
    match expect {
        Expect::Any => true,
        Expect::Absent => found.is_none(),
        Expect::Version(v) => found == Some(v),
    }
}
