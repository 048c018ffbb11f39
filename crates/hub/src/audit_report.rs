//! Reading the audit log back (issue 6): verifying the chain against the head, listing entries, and the
//! transparency report per organisation. Hub admins only (the command line runs as `Caller::operator`).
//!
//! Invariant: verification reads the whole log in pages from seq 0 and checks, in order: that `seq`s run
//! without gaps, that each stored hash is `SHA-256(previous ‖ canonical entry)` (`policy::audit`), and that
//! the last entry is the head (same count and hash). So an altered entry breaks its own hash, a removed or
//! inserted one breaks the `seq`s or the next hash, and a removed tail leaves the head pointing past the end.

use std::collections::BTreeMap;

use policy::audit::{AuditEntry, ChainedEntry, hex};
use serde_json::{Value, json};
use store::{AuditHead, AuditRecord};

use crate::{Caller, Hub, HubResult};

/// Entries read per store call while verifying or reporting.
const AUDIT_READ_PAGE: usize = 2000;
/// The actions the transparency report counts.
const COUNTED_ACTIONS: &[&str] = &[
    "objects.write",
    "objects.read",
    "objects.redacted",
    "review.pending",
    "review.approve",
    "review.reject",
];
/// The most entries `audit_entries` returns at once.
pub const AUDIT_MAX_LIST: usize = 1000;

/// One entry of the audit log as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditLogEntry {
    /// Position in the log, from 0.
    pub seq: u64,
    /// The acting account (or `cli:operator`, `hub:bootstrap`).
    pub actor: String,
    /// What was done.
    pub action: String,
    /// When (RFC 3339).
    pub at: String,
    /// How many objects it touched.
    pub n_objects: u64,
    /// Details as stored (`null` when the stored text is not JSON, which verification reports).
    pub details: Value,
    /// The stored chain hash, hex.
    pub hash: String,
}

impl AuditLogEntry {
    /// The entry as JSON (the admin API and `stixhub audit list` print this).
    pub fn to_json(&self) -> Value {
        json!({
            "seq": self.seq,
            "actor": self.actor,
            "action": self.action,
            "at": self.at,
            "n_objects": self.n_objects,
            "details": self.details,
            "hash": self.hash,
        })
    }
}

/// The first place the chain breaks.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditBreak {
    /// The `seq` of the first broken (or first missing) entry.
    pub seq: u64,
    /// What is wrong, in one sentence.
    pub reason: String,
    /// The entry as stored, when there is one.
    pub entry: Option<AuditLogEntry>,
}

/// The outcome of `Hub::verify_audit`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditVerification {
    /// Entries verified: all of them when intact, else those before the first break.
    pub n_entries: u64,
    /// The entry count the head records.
    pub head_entries: u64,
    /// The head hash, hex (record it elsewhere to anchor the log).
    pub head_hash: String,
    /// The first break; `None` when the chain is intact.
    pub broken: Option<AuditBreak>,
}

impl AuditVerification {
    /// True when the whole chain and the head agree.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }

    /// As JSON (the admin API's `GET /admin/v1/audit/verify`).
    pub fn to_json(&self) -> Value {
        json!({
            "intact": self.is_intact(),
            "n_entries": self.n_entries,
            "head_entries": self.head_entries,
            "head_hash": self.head_hash,
            "broken": self.broken.as_ref().map(|broken| json!({
                "seq": broken.seq,
                "reason": broken.reason,
                "entry": broken.entry.as_ref().map(AuditLogEntry::to_json),
            })),
        })
    }
}

/// Transparency counts of one organisation, summed over the whole log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgTransparency {
    /// The organisation (`None`: accounts without one, and the operator).
    pub org: Option<String>,
    /// Objects it posted and the hub stored (`objects.write`).
    pub shared: u64,
    /// Objects served to its accounts by collection reads (`objects.read`).
    pub received: u64,
    /// Objects of its redacted at ingest (`objects.redacted`).
    pub redacted: u64,
    /// Objects of its waiting for review: `review.pending` less `review.approve` and `review.reject`.
    pub pending_review: u64,
    /// Objects of its rejected in review (`review.reject`).
    pub rejected: u64,
}

impl OrgTransparency {
    /// As JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "org": self.org,
            "shared": self.shared,
            "received": self.received,
            "redacted": self.redacted,
            "pending_review": self.pending_review,
            "rejected": self.rejected,
        })
    }
}

/// The transparency report: one row per organisation that appears in the log, by name (`None` last).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditReport {
    /// The rows.
    pub organisations: Vec<OrgTransparency>,
    /// Entries the report was computed from.
    pub n_entries: u64,
}

impl AuditReport {
    /// As JSON (the admin API and `stixhub audit report --json`).
    pub fn to_json(&self) -> Value {
        json!({
            "n_entries": self.n_entries,
            "organisations": self.organisations.iter().map(OrgTransparency::to_json).collect::<Vec<_>>(),
        })
    }
}

impl Hub {
    /// Checks the whole audit chain and the head. Like the other admin use cases it takes no caller: the
    /// admin API calls `require_admin` first.
    pub async fn verify_audit(&self) -> HubResult<AuditVerification> {
        self.flush_audit().await?;
        let head = self.store.audit_head().await?;
        let mut verifier = policy::audit::ChainVerifier::new(&self.config.audit_keys);
        let mut n_entries = 0u64;
        let mut last: Option<AuditRecord> = None;
        let mut broken = None;
        'pages: loop {
            let page = self.store.audit_entries(n_entries, AUDIT_READ_PAGE).await?;
            let n_read = page.len();
            for record in page {
                if let Some(found) = check_record(&mut verifier, n_entries, &record) {
                    broken = Some(found);
                    break 'pages;
                }
                n_entries += 1;
                last = Some(record);
            }
            if n_read < AUDIT_READ_PAGE {
                break;
            }
        }
        if broken.is_none() {
            broken = check_head(&head, n_entries, last.as_ref());
        }
        if broken.is_none()
            && let Err(reason) = verifier.finish()
        {
            broken = Some(AuditBreak {
                seq: n_entries,
                reason,
                entry: None,
            });
        }
        Ok(AuditVerification {
            n_entries,
            head_entries: head.n_entries,
            head_hash: hex(&head.last_hash),
            broken,
        })
    }

    /// Up to `limit` (at most `AUDIT_MAX_LIST`) entries with `seq >= from_seq`, as stored (not checked).
    /// Hub admins only.
    pub async fn audit_entries(
        &self,
        caller: &Caller,
        from_seq: u64,
        limit: usize,
    ) -> HubResult<Vec<AuditLogEntry>> {
        self.require_admin(caller)?;
        self.flush_audit().await?;
        let records = self
            .store
            .audit_entries(from_seq, limit.clamp(1, AUDIT_MAX_LIST))
            .await?;
        Ok(records.iter().map(log_entry).collect())
    }

    /// Transparency counts per organisation over the whole log (the admin API calls `require_admin` first).
    pub async fn audit_report(&self) -> HubResult<AuditReport> {
        self.flush_audit().await?;
        // Every organisation has a row, zeros included; the log may name others (deleted or renamed ones).
        let mut rows: BTreeMap<Option<String>, OrgTransparency> = self
            .store
            .sharing_directory()
            .await?
            .organisations
            .into_iter()
            .map(|organisation| {
                let org = Some(organisation.name);
                let row = OrgTransparency {
                    org: org.clone(),
                    ..OrgTransparency::default()
                };
                (org, row)
            })
            .collect();
        let mut resolved: BTreeMap<Option<String>, u64> = BTreeMap::new();
        let mut n_entries = 0u64;
        loop {
            let page = self.store.audit_entries(n_entries, AUDIT_READ_PAGE).await?;
            let n_read = page.len();
            for record in &page {
                n_entries = record.seq + 1;
                if !COUNTED_ACTIONS.contains(&record.action.as_str()) {
                    continue;
                }
                let details: Value = serde_json::from_str(&record.details).unwrap_or(Value::Null);
                let org = details.get("org").and_then(Value::as_str).map(str::to_owned);
                let row = rows.entry(org.clone()).or_insert_with(|| OrgTransparency {
                    org: org.clone(),
                    ..OrgTransparency::default()
                });
                let n = record.n_objects;
                match record.action.as_str() {
                    "objects.write" => row.shared += n,
                    "objects.read" => row.received += n,
                    "objects.redacted" => row.redacted += n,
                    "review.pending" => row.pending_review += n,
                    "review.reject" => {
                        row.rejected += n;
                        *resolved.entry(org).or_default() += n;
                    }
                    "review.approve" => *resolved.entry(org).or_default() += n,
                    _ => {}
                }
            }
            if n_read < AUDIT_READ_PAGE {
                break;
            }
        }
        for (org, n_resolved) in resolved {
            if let Some(row) = rows.get_mut(&org) {
                row.pending_review = row.pending_review.saturating_sub(n_resolved);
            }
        }
        // Organisations by name; entries without one last.
        let (named, unnamed): (Vec<_>, Vec<_>) = rows.into_values().partition(|row| row.org.is_some());
        Ok(AuditReport {
            organisations: named.into_iter().chain(unnamed).collect(),
            n_entries,
        })
    }
}

fn log_entry(record: &AuditRecord) -> AuditLogEntry {
    AuditLogEntry {
        seq: record.seq,
        actor: record.actor.clone(),
        action: record.action.clone(),
        at: record.at.clone(),
        n_objects: record.n_objects,
        details: serde_json::from_str(&record.details).unwrap_or(Value::Null),
        hash: hex(&record.hash),
    }
}

/// The break at `record`, expected at position `expected_seq` after an entry whose hash is `previous`.
fn check_record(
    verifier: &mut policy::audit::ChainVerifier<'_>,
    expected_seq: u64,
    record: &AuditRecord,
) -> Option<AuditBreak> {
    let entry = Some(log_entry(record));
    if record.seq != expected_seq {
        return Some(AuditBreak {
            seq: expected_seq,
            reason: format!(
                "entry {expected_seq} is missing (the next stored entry is {})",
                record.seq
            ),
            entry,
        });
    }
    let Ok(details) = serde_json::from_str::<Value>(&record.details) else {
        return Some(AuditBreak {
            seq: record.seq,
            reason: "its details are not JSON".to_owned(),
            entry,
        });
    };
    let chained = ChainedEntry {
        entry: AuditEntry {
            seq: record.seq,
            actor: record.actor.clone(),
            action: record.action.clone(),
            at: record.at.clone(),
            n_objects: record.n_objects,
            details,
        },
        hash: record.hash,
    };
    verifier.next(&chained).err().map(|reason| AuditBreak {
        seq: record.seq,
        reason,
        entry,
    })
}

/// The break between the last entry read and the head, if any.
fn check_head(head: &AuditHead, n_entries: u64, last: Option<&AuditRecord>) -> Option<AuditBreak> {
    if head.n_entries > n_entries {
        return Some(AuditBreak {
            seq: n_entries,
            reason: format!(
                "entry {n_entries} is missing: the head records {} entries, the log ends after {n_entries}",
                head.n_entries
            ),
            entry: None,
        });
    }
    if head.n_entries < n_entries {
        let extra = head.n_entries;
        return Some(AuditBreak {
            seq: extra,
            reason: format!(
                "entry {extra} is not in the head: the head records {} entries, the log has {n_entries}",
                head.n_entries
            ),
            entry: None,
        });
    }
    let last_hash = last.map_or(policy::audit::GENESIS_HASH, |record| record.hash);
    (last_hash != head.last_hash).then(|| AuditBreak {
        seq: n_entries.saturating_sub(1),
        reason: format!(
            "the last entry's hash {} is not the head's {}",
            hex(&last_hash),
            hex(&head.last_hash)
        ),
        entry: last.map(log_entry),
    })
}
