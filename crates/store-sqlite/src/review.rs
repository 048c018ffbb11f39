//! The PII review queue (issue 6): reviews stored with their posting, listed, and decided in one transaction.

use rusqlite::{Connection, OptionalExtension, Row, params};
use store::{
    CollectionId, EntityKind, PendingObject, Review, ReviewDecision, ReviewOutcome, ReviewState, StatusEntry,
    StoreError, StoreResult,
};

use crate::error::from_sqlite;
use crate::objects::{Submitter, collection_seq, store_versions};
use crate::status::{decode_entries, encode_entries};

/// What every review of one posting shares.
pub(crate) struct Posting<'a> {
    pub(crate) status_id: &'a str,
    pub(crate) api_root: &'a str,
    pub(crate) collection: &'a CollectionId,
    pub(crate) submitter: &'a Submitter<'a>,
    pub(crate) created: i64,
}

const COLUMNS: &str = "id, status_id, api_root, collection_id, account, submitter_org, recipients, created, \
     object_id, object_version, original, proposed, findings, state, reviewer, decided, message";

/// Stores one held object; returns its `pendings` entry.
pub(crate) fn insert(
    conn: &Connection,
    posting: &Posting<'_>,
    pending: &PendingObject,
) -> StoreResult<StatusEntry> {
    let version = pending
        .proposed
        .version
        .as_ref()
        .map(|v| v.as_str().to_owned())
        .unwrap_or_default();
    conn.prepare_cached(&format!(
        "INSERT INTO reviews ({COLUMNS}) VALUES \
         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'pending', NULL, NULL, NULL)"
    ))
    .and_then(|mut stmt| {
        stmt.execute(params![
            pending.review_id,
            posting.status_id,
            posting.api_root,
            posting.collection.as_str(),
            posting.submitter.account,
            posting.submitter.org,
            posting.submitter.recipients,
            posting.created,
            pending.proposed.id,
            version,
            pending.original,
            pending.proposed.raw,
            pending.findings,
        ])
    })
    .map_err(from_sqlite)?;
    Ok(StatusEntry {
        id: pending.proposed.id.clone(),
        version,
        message: Some(format!(
            "held for review of personal data (review {})",
            pending.review_id
        )),
    })
}

fn review_from_row(row: &Row<'_>) -> rusqlite::Result<Review> {
    let recipients: String = row.get(6)?;
    let state: String = row.get(13)?;
    Ok(Review {
        id: row.get(0)?,
        status_id: row.get(1)?,
        api_root: row.get(2)?,
        collection: CollectionId::new(row.get::<_, String>(3)?),
        account: row.get(4)?,
        submitter_org: row.get(5)?,
        recipients: recipients.lines().map(str::to_owned).collect(),
        created_micros: row.get(7)?,
        object_id: row.get(8)?,
        object_version: row.get(9)?,
        original: row.get(10)?,
        proposed: row.get(11)?,
        findings: row.get(12)?,
        state: ReviewState::parse(&state).unwrap_or(ReviewState::Pending),
        reviewer: row.get(14)?,
        decided_micros: row.get(15)?,
        message: row.get(16)?,
    })
}

pub(crate) fn list(conn: &Connection, state: ReviewState, limit: usize) -> StoreResult<Vec<Review>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM reviews WHERE state = ?1 ORDER BY created, id LIMIT ?2"
    ))
    .and_then(|mut stmt| {
        stmt.query_map(params![state.as_str(), limit], review_from_row)
            .and_then(Iterator::collect)
    })
    .map_err(from_sqlite)
}

pub(crate) fn get(conn: &Connection, id: &str) -> StoreResult<Option<Review>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM reviews WHERE id = ?1"))
        .and_then(|mut stmt| stmt.query_row([id], review_from_row).optional())
        .map_err(from_sqlite)
}

/// Decides a pending review inside the writer's transaction.
pub(crate) fn decide(conn: &Connection, decision: ReviewDecision) -> StoreResult<Review> {
    let review = get(conn, &decision.review_id)?.ok_or(StoreError::NotFound(EntityKind::Review))?;
    if review.state != ReviewState::Pending {
        return Err(StoreError::Conflict(format!(
            "review {} is already {}",
            review.id,
            review.state.as_str()
        )));
    }
    let (mut successes, mut failures) = (Vec::new(), Vec::new());
    let (state, proposed, message) = match decision.outcome {
        ReviewOutcome::Approve(object) => {
            let coll = collection_seq(conn, &review.collection)?;
            let submitter = Submitter {
                account: &review.account,
                org: review.submitter_org.as_deref(),
                recipients: review.recipients.join("\n"),
            };
            let raw = object.raw.clone();
            store_versions(
                conn,
                coll,
                vec![object],
                &submitter,
                &mut successes,
                &mut failures,
            )?;
            (ReviewState::Approved, raw, None)
        }
        ReviewOutcome::Reject(reason) => {
            failures.push(StatusEntry {
                id: review.object_id.clone(),
                version: review.object_version.clone(),
                message: Some(format!("rejected in review: {reason}")),
            });
            (ReviewState::Rejected, review.proposed.clone(), Some(reason))
        }
    };
    conn.prepare_cached(
        "UPDATE reviews SET state = ?2, reviewer = ?3, decided = ?4, message = ?5, original = '', proposed = ?6 \
         WHERE id = ?1",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            review.id,
            state.as_str(),
            decision.reviewer,
            decision.decided_micros,
            message,
            proposed
        ])
    })
    .map_err(from_sqlite)?;
    settle_status(conn, &review, successes, failures)?;
    get(conn, &review.id)?.ok_or(StoreError::NotFound(EntityKind::Review))
}

/// Moves the review's entry out of its status's `pendings` (the status may have expired: then nothing).
fn settle_status(
    conn: &Connection,
    review: &Review,
    successes: Vec<StatusEntry>,
    failures: Vec<StatusEntry>,
) -> StoreResult<()> {
    let entries: Option<(String, i64, String)> = conn
        .prepare_cached(
            "SELECT account, request_timestamp, entries FROM statuses WHERE id = ?1 AND api_root = ?2",
        )
        .and_then(|mut stmt| {
            stmt.query_row(params![review.status_id, review.api_root], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()
        })
        .map_err(from_sqlite)?;
    let Some((account, request_timestamp, entries)) = entries else {
        return Ok(());
    };
    let [mut ok, mut failed, mut pending] = decode_entries(&entries);
    if let Some(idx) = pending
        .iter()
        .position(|entry| entry.id == review.object_id && entry.version == review.object_version)
    {
        pending.remove(idx);
    }
    ok.extend(successes);
    failed.extend(failures);
    let status = store::StatusRecord {
        id: review.status_id.clone(),
        api_root: review.api_root.clone(),
        account,
        request_timestamp,
        successes: ok,
        failures: failed,
        pendings: pending,
    };
    conn.prepare_cached("UPDATE statuses SET entries = ?3 WHERE id = ?1 AND api_root = ?2")
        .and_then(|mut stmt| stmt.execute(params![status.id, status.api_root, encode_entries(&status)]))
        .map_err(from_sqlite)?;
    Ok(())
}
