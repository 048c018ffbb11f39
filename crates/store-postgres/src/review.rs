//! The PII review queue (issue 6): reviews stored with their posting, listed, and decided in one transaction
//! (the review row locked `FOR UPDATE`, so two nodes cannot decide one review twice).

use deadpool_postgres::{GenericClient, Transaction};
use store::{
    CollectionId, EntityKind, PendingObject, Review, ReviewDecision, ReviewOutcome, ReviewState, StatusEntry,
    StatusRecord, StoreError, StoreResult,
};
use tokio_postgres::Row;

use crate::error::{column, from_pg};
use crate::objects::{Submitter, store_versions};
use crate::status::{pack_entries, unpack_entries};

/// What every review of one posting shares.
pub(crate) struct Posting<'a> {
    pub(crate) status_id: &'a str,
    pub(crate) api_root: &'a str,
    pub(crate) collection: &'a CollectionId,
    pub(crate) submitter: &'a Submitter,
    pub(crate) created: i64,
}

const COLUMNS: &str = "id, status_id, api_root, collection_id, account, submitter_org, recipients, created, \
     object_id, object_version, original, proposed, findings, state, reviewer, decided, message";

/// Stores one held object; returns its `pendings` entry.
pub(crate) async fn insert(
    tx: &Transaction<'_>,
    posting: &Posting<'_>,
    pending: &PendingObject,
) -> StoreResult<StatusEntry> {
    let version = pending
        .proposed
        .version
        .as_ref()
        .map(|v| v.as_str().to_owned())
        .unwrap_or_default();
    let stmt = tx
        .prepare_cached(&format!(
            "INSERT INTO reviews ({COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'pending', NULL, NULL, NULL)"
        ))
        .await
        .map_err(from_pg)?;
    tx.execute(
        &stmt,
        &[
            &pending.review_id,
            &posting.status_id,
            &posting.api_root,
            &posting.collection.as_str(),
            &posting.submitter.account,
            &posting.submitter.org,
            &posting.submitter.recipients,
            &posting.created,
            &pending.proposed.id,
            &version,
            &pending.original,
            &pending.proposed.raw,
            &pending.findings,
        ],
    )
    .await
    .map_err(from_pg)?;
    Ok(StatusEntry {
        id: pending.proposed.id.clone(),
        version,
        message: Some(format!(
            "held for review of personal data (review {})",
            pending.review_id
        )),
    })
}

fn review_from_row(row: &Row) -> StoreResult<Review> {
    let recipients: String = column(row, 6)?;
    let state: String = column(row, 13)?;
    Ok(Review {
        id: column(row, 0)?,
        status_id: column(row, 1)?,
        api_root: column(row, 2)?,
        collection: CollectionId::new(column::<String>(row, 3)?),
        account: column(row, 4)?,
        submitter_org: column(row, 5)?,
        recipients: recipients.lines().map(str::to_owned).collect(),
        created_micros: column(row, 7)?,
        object_id: column(row, 8)?,
        object_version: column(row, 9)?,
        original: column(row, 10)?,
        proposed: column(row, 11)?,
        findings: column(row, 12)?,
        state: ReviewState::parse(&state).unwrap_or(ReviewState::Pending),
        reviewer: column(row, 14)?,
        decided_micros: column(row, 15)?,
        message: column(row, 16)?,
    })
}

pub(crate) async fn list(
    client: &impl GenericClient,
    state: ReviewState,
    limit: usize,
) -> StoreResult<Vec<Review>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = client
        .query(
            &format!("SELECT {COLUMNS} FROM reviews WHERE state = $1 ORDER BY created, id LIMIT $2"),
            &[&state.as_str(), &limit],
        )
        .await
        .map_err(from_pg)?;
    rows.iter().map(review_from_row).collect()
}

pub(crate) async fn get(client: &impl GenericClient, id: &str, lock: bool) -> StoreResult<Option<Review>> {
    let suffix = if lock { " FOR UPDATE" } else { "" };
    let row = client
        .query_opt(
            &format!("SELECT {COLUMNS} FROM reviews WHERE id = $1{suffix}"),
            &[&id],
        )
        .await
        .map_err(from_pg)?;
    row.as_ref().map(review_from_row).transpose()
}

/// Decides a pending review in one transaction.
pub(crate) async fn decide(
    client: &mut deadpool_postgres::Client,
    decision: ReviewDecision,
) -> StoreResult<Review> {
    let tx = client.transaction().await.map_err(from_pg)?;
    let review = get(&tx, &decision.review_id, true)
        .await?
        .ok_or(StoreError::NotFound(EntityKind::Review))?;
    if review.state != ReviewState::Pending {
        return Err(StoreError::Conflict(format!(
            "review {} is already {}",
            review.id,
            review.state.as_str()
        )));
    }
    let (state, proposed, message, successes, failures) = match decision.outcome {
        ReviewOutcome::Approve(object) => {
            let submitter = Submitter {
                account: review.account.clone(),
                org: review.submitter_org.clone(),
                recipients: review.recipients.join("\n"),
            };
            let raw = object.raw.clone();
            let (successes, failures) =
                store_versions(&tx, &review.collection, vec![object], Vec::new(), &submitter).await?;
            (ReviewState::Approved, raw, None, successes, failures)
        }
        ReviewOutcome::Reject(reason) => {
            let failure = StatusEntry {
                id: review.object_id.clone(),
                version: review.object_version.clone(),
                message: Some(format!("rejected in review: {reason}")),
            };
            (
                ReviewState::Rejected,
                review.proposed.clone(),
                Some(reason),
                Vec::new(),
                vec![failure],
            )
        }
    };
    tx.execute(
        "UPDATE reviews SET state = $2, reviewer = $3, decided = $4, message = $5, original = '', proposed = $6 \
         WHERE id = $1",
        &[
            &review.id,
            &state.as_str(),
            &decision.reviewer,
            &decision.decided_micros,
            &message,
            &proposed,
        ],
    )
    .await
    .map_err(from_pg)?;
    settle_status(&tx, &review, successes, failures).await?;
    let decided = get(&tx, &review.id, false)
        .await?
        .ok_or(StoreError::NotFound(EntityKind::Review))?;
    tx.commit().await.map_err(from_pg)?;
    Ok(decided)
}

/// Moves the review's entry out of its status's `pendings` (the status may have expired: then nothing).
async fn settle_status(
    tx: &Transaction<'_>,
    review: &Review,
    successes: Vec<StatusEntry>,
    failures: Vec<StatusEntry>,
) -> StoreResult<()> {
    let Some(row) = tx
        .query_opt(
            "SELECT account, request_timestamp, kinds, ids, versions, messages FROM statuses \
             WHERE id = $1 AND api_root = $2 FOR UPDATE",
            &[&review.status_id, &review.api_root],
        )
        .await
        .map_err(from_pg)?
    else {
        return Ok(());
    };
    let [mut ok, mut failed, mut pending] = unpack_entries(
        column(&row, 2)?,
        column(&row, 3)?,
        column(&row, 4)?,
        column(&row, 5)?,
    )?;
    if let Some(idx) = pending
        .iter()
        .position(|entry| entry.id == review.object_id && entry.version == review.object_version)
    {
        pending.remove(idx);
    }
    ok.extend(successes);
    failed.extend(failures);
    let status = StatusRecord {
        id: review.status_id.clone(),
        api_root: review.api_root.clone(),
        account: column(&row, 0)?,
        request_timestamp: column(&row, 1)?,
        successes: ok,
        failures: failed,
        pendings: pending,
    };
    let packed = pack_entries(&status);
    tx.execute(
        "UPDATE statuses SET kinds = $3, ids = $4, versions = $5, messages = $6 WHERE id = $1 AND api_root = $2",
        &[
            &status.id,
            &status.api_root,
            &packed.kinds,
            &packed.ids,
            &packed.versions,
            &packed.messages,
        ],
    )
    .await
    .map_err(from_pg)?;
    Ok(())
}
