//! The audit log (issue 6): every write, admin action and collection read, appended to one hash chain in the
//! store. This module owns appending; `audit_report` owns reading it back (verify, list, report).
//!
//! How an entry gets in:
//! - `Hub::audit` (writes, deletes, admin actions) appends before the use case returns, so a caller never
//!   hears of a write that is not in the log.
//! - `Hub::audit_read` (collection reads, the hot path) only buffers the entry; `flush_audit` appends the
//!   buffer in batches. `run_audit_flusher` flushes every `AUDIT_FLUSH_PERIOD` or as soon as
//!   `AUDIT_FLUSH_BATCH` entries wait; `serve` flushes once more on shutdown. A read that finds
//!   `AUDIT_MAX_BUFFERED` entries waiting flushes them itself before answering (back-pressure, so a store
//!   that cannot take the log makes reads fail rather than go unlogged). Up to one period of read entries is
//!   lost if the process is killed (SIGKILL, power loss).
//!
//! Keyed chain (issue 12): with `HubConfig::audit_keys`, every entry this hub appends is hashed with the current
//! key (`policy::audit::chain_hash`); `introduce_audit_key` appends the `audit.key` entry from which it applies.
//!
//! Group commit: `Hub::audit` callers that arrive while an append is under way wait together, and the next
//! holder of the head appends all of them in one store call (in arrival order), each caller returning only once
//! its entry is appended. Without it, concurrent writes queued one store transaction (one fsync) each behind the
//! head's mutex, which capped a node's ingest at one POST per commit (BENCHMARKS.md, "Wave 2 against wave 1").
//! The append runs in its own task, so a caller that goes away (a closed connection) cannot abandon the entries
//! of the others.
//!
//! Invariant: appends are a compare-and-swap on the store's head (`Store::append_audit`). This process keeps
//! the head it last wrote under one async mutex (so its own appends never race each other); when another
//! process (a second `serve` node, the admin CLI) moved the head, the store answers `Conflict` and the
//! entries are re-chained after the head read afresh. Hashes are `policy::audit`'s.
//!
//! Action names and their `details` (documented in docs/audit.md): `objects.write`, `objects.read`,
//! `objects.delete`, `collection.create`, `account.create`, `token.create`, `grant`, `org.create`,
//! `community.create`, `community.add-member`, `collection.share`, `review.list`, `review.read`,
//! `anonymity.read`, `audit.key`; the transparency report also counts `objects.redacted`, `review.pending`,
//! `review.approve` and `review.reject`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use policy::audit::AuditEntry;
use serde_json::{Value, json};
use store::{AuditHead, AuditRecord, Store, StoreError};
use taxii::timestamp::format_date_added;
use tokio::sync::oneshot;

use crate::{Caller, Hub, HubError, HubResult, now_micros};

/// How often buffered read entries are appended.
pub const AUDIT_FLUSH_PERIOD: Duration = Duration::from_millis(200);
/// Buffered read entries that wake the flusher before its period ends.
const AUDIT_FLUSH_BATCH: usize = 256;
/// Buffered read entries at which a read flushes them itself before answering.
const AUDIT_MAX_BUFFERED: usize = 8192;
/// The most entries appended in one store transaction.
const AUDIT_APPEND_CHUNK: usize = 1024;
/// Batches up to this size are hashed on the calling task (a few µs an entry); bigger ones off it.
const AUDIT_CHAIN_INLINE: usize = 32;
/// How many times an append re-chains after another process moved the head.
const AUDIT_APPEND_ATTEMPTS: u32 = 64;

/// The actor of admin commands run on the store from the command line (not an account: account names
/// cannot contain `:`).
pub const OPERATOR_ACTOR: &str = "cli:operator";
/// The actor of what the hub does by itself (first-start bootstrap).
pub const HUB_ACTOR: &str = "hub:bootstrap";

/// An entry waiting for its `seq` and hash.
#[derive(Debug, Clone)]
struct PendingEntry {
    actor: String,
    action: String,
    at: String,
    n_objects: u64,
    details: Value,
}

/// The appending side of the log, one per hub.
#[derive(Debug, Default)]
pub(crate) struct AuditLog {
    /// The head this process last appended at (`None`: unknown, read it from the store). Held across the
    /// append so this process's appends are one at a time.
    head: Arc<tokio::sync::Mutex<Option<AuditHead>>>,
    /// Entries of `Hub::audit` waiting for the next append, in arrival order, each with its caller's answer.
    waiting: Mutex<Vec<(PendingEntry, oneshot::Sender<HubResult<()>>)>>,
    /// Read entries not yet appended, oldest first.
    buffered: Mutex<Vec<PendingEntry>>,
    /// Wakes the flusher early.
    flush_wanted: tokio::sync::Notify,
    /// Tells the flusher to flush once more and return.
    stopping: AtomicBool,
}

impl Caller {
    /// The caller admin commands run as from the command line (the operator of the store: every right).
    pub fn operator() -> Caller {
        Caller {
            account: OPERATOR_ACTOR.to_owned(),
            org: None,
            is_admin: true,
            role: "hub-admin".to_owned(),
        }
    }
}

impl Hub {
    /// Appends one entry to the audit log before returning: `actor` did `action` to `n_objects` objects;
    /// `details` is a JSON object (collection, organisation, target, …). The one entry point for writes,
    /// deletes and admin actions.
    pub(crate) async fn audit(
        &self,
        actor: &str,
        action: &str,
        n_objects: u64,
        details: Value,
    ) -> HubResult<()> {
        let entry = pending_entry(actor, action, n_objects, details);
        let (done, appended) = oneshot::channel();
        self.audit_log
            .waiting
            .lock()
            .map_err(|_| poisoned())?
            .push((entry, done));
        let head_slot = Arc::clone(&self.audit_log.head).lock_owned().await;
        // Everything waiting now, ours included unless the previous holder took it already.
        let batch = std::mem::take(&mut *self.audit_log.waiting.lock().map_err(|_| poisoned())?);
        if batch.is_empty() {
            drop(head_slot);
        } else {
            let (store, key) = (Arc::clone(&self.store), self.config.audit_keys.last().copied());
            tokio::spawn(async move {
                let mut head_slot = head_slot;
                let (entries, answers): (Vec<PendingEntry>, Vec<_>) = batch.into_iter().unzip();
                let outcome = append_chained(store.as_ref(), key, &mut head_slot, entries).await;
                for answer in answers {
                    let _ = answer.send(outcome.clone());
                }
            });
        }
        appended
            .await
            .map_err(|_| HubError::Internal("the audit append task failed".to_owned()))?
    }

    /// Appends several entries of one actor in one chained append (`(action, details)` each).
    pub(crate) async fn audit_batch(&self, actor: &str, entries: Vec<(&str, Value)>) -> HubResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let entries = entries
            .into_iter()
            .map(|(action, details)| pending_entry(actor, action, 0, details))
            .collect();
        self.append_pending(entries).await
    }

    /// Appends the `audit.key` entry from which the current key of `HubConfig::audit_keys` hashes the chain
    /// (after the binary created or rotated the key file). Does nothing on an unkeyed hub.
    pub async fn introduce_audit_key(&self, actor: &str) -> HubResult<()> {
        let Some(key) = self.config.audit_keys.last() else {
            return Ok(());
        };
        let details = json!({ "key_id": policy::audit::key_id(key) });
        self.audit(actor, policy::audit::KEY_ACTION, 0, details).await
    }

    /// Records a collection read: buffered, appended by the flusher (see the module documentation).
    pub(crate) async fn audit_read(&self, caller: &Caller, n_objects: u64, details: Value) -> HubResult<()> {
        let entry = pending_entry(&caller.account, "objects.read", n_objects, details);
        let n_buffered = {
            let mut buffered = self.audit_log.buffered.lock().map_err(|_| poisoned())?;
            buffered.push(entry);
            buffered.len()
        };
        if n_buffered >= AUDIT_MAX_BUFFERED {
            self.flush_audit().await?;
        } else if n_buffered >= AUDIT_FLUSH_BATCH {
            self.audit_log.flush_wanted.notify_one();
        }
        Ok(())
    }

    /// Appends every buffered read entry now. On failure the entries stay buffered (ahead of newer ones).
    pub async fn flush_audit(&self) -> HubResult<()> {
        let taken = std::mem::take(&mut *self.audit_log.buffered.lock().map_err(|_| poisoned())?);
        if taken.is_empty() {
            return Ok(());
        }
        let mut rest = taken.as_slice();
        while !rest.is_empty() {
            let (chunk, after) = rest.split_at(rest.len().min(AUDIT_APPEND_CHUNK));
            if let Err(err) = self.append_pending(chunk.to_vec()).await {
                let mut buffered = self.audit_log.buffered.lock().map_err(|_| poisoned())?;
                let newer = std::mem::take(&mut *buffered);
                buffered.extend(rest.iter().cloned());
                buffered.extend(newer);
                return Err(err);
            }
            rest = after;
        }
        Ok(())
    }

    /// Flushes buffered read entries every `period`, or sooner when a batch is waiting, until
    /// `stop_audit_flusher`; then flushes once more and returns. The binary runs it beside the server, stops
    /// it once the server has finished the requests in flight, and awaits it (aborting it could drop a batch
    /// taken from the buffer but not yet appended).
    pub async fn run_audit_flusher(&self, period: Duration) {
        loop {
            let _ = tokio::time::timeout(period, self.audit_log.flush_wanted.notified()).await;
            let stopping = self.audit_log.stopping.load(Ordering::Acquire);
            if let Err(err) = self.flush_audit().await {
                tracing::warn!(error = %err, "audit flush failed; the entries stay buffered");
            }
            if stopping {
                return;
            }
        }
    }

    /// Makes `run_audit_flusher` flush once more and return.
    pub fn stop_audit_flusher(&self) {
        self.audit_log.stopping.store(true, Ordering::Release);
        self.audit_log.flush_wanted.notify_one();
    }

    /// Chains `entries` after the head and appends them, re-chaining when another process moved the head.
    async fn append_pending(&self, entries: Vec<PendingEntry>) -> HubResult<()> {
        let mut head_slot = self.audit_log.head.lock().await;
        let key = self.config.audit_keys.last().copied();
        append_chained(self.store.as_ref(), key, &mut head_slot, entries).await
    }
}

/// Chains `entries` after the head in `head_slot` (held by the caller) and appends them, re-chaining when another
/// process moved the head.
async fn append_chained(
    store: &dyn Store,
    key: Option<policy::audit::ChainKey>,
    head_slot: &mut Option<AuditHead>,
    entries: Vec<PendingEntry>,
) -> HubResult<()> {
    for attempt in 0..AUDIT_APPEND_ATTEMPTS {
        let head = match *head_slot {
            Some(head) => head,
            None => store.audit_head().await?,
        };
        let records = if entries.len() > AUDIT_CHAIN_INLINE {
            // Canonicalising and hashing a big batch takes milliseconds: off the async threads.
            let batch = entries.clone();
            tokio::task::spawn_blocking(move || chain(head, &batch, key.as_ref()))
                .await
                .map_err(|err| HubError::Internal(format!("audit hashing task failed: {err}")))?
        } else {
            chain(head, &entries, key.as_ref())
        };
        match store.append_audit(head, records).await {
            Ok(new_head) => {
                *head_slot = Some(new_head);
                return Ok(());
            }
            Err(StoreError::Conflict(_)) => {
                *head_slot = None;
                // Another node won the race; back off a little, more each time, before re-chaining.
                let jitter = u64::from(now_micros().unsigned_abs() as u32 % 1000);
                let pause = Duration::from_micros(u64::from(attempt.min(10)) * 500 + jitter);
                tokio::time::sleep(pause).await;
            }
            Err(err) => {
                *head_slot = None;
                return Err(err.into());
            }
        }
    }
    Err(HubError::Unavailable(
        "the audit log is too contended to append to".to_owned(),
    ))
}

fn pending_entry(actor: &str, action: &str, n_objects: u64, details: Value) -> PendingEntry {
    PendingEntry {
        actor: actor.to_owned(),
        action: action.to_owned(),
        at: format_date_added(now_micros()),
        n_objects,
        details,
    }
}

/// The stored records of `entries` chained after `head`, keyed with `key` when the hub holds one.
fn chain(
    head: AuditHead,
    entries: &[PendingEntry],
    key: Option<&policy::audit::ChainKey>,
) -> Vec<AuditRecord> {
    let mut previous = head.last_hash;
    entries
        .iter()
        .zip(head.n_entries..)
        .map(|(pending, seq)| {
            let entry = AuditEntry {
                seq,
                actor: pending.actor.clone(),
                action: pending.action.clone(),
                at: pending.at.clone(),
                n_objects: pending.n_objects,
                details: pending.details.clone(),
            };
            let hash = policy::audit::chain_hash(key, &previous, &entry);
            previous = hash;
            AuditRecord {
                seq,
                actor: entry.actor,
                action: entry.action,
                at: entry.at,
                n_objects: entry.n_objects,
                details: entry.details.to_string(),
                hash,
            }
        })
        .collect()
}

/// The `details` of an entry about objects of a collection: its id, API root and the caller's organisation.
pub(crate) fn collection_details(caller: &Caller, api_root: &str, collection: &str) -> Value {
    json!({
        "api_root": api_root,
        "collection": collection,
        "org": caller.org,
    })
}

fn poisoned() -> HubError {
    HubError::Internal("audit buffer lock poisoned".to_owned())
}
