//! The PII review queue as the store keeps it (issue 6): objects whose redaction a human must confirm before
//! they are stored, and the reviewer's decision.
//!
//! Invariant: a review is decided once. Approving stores the approved copy in the review's collection with the
//! submitter's sharing facts, exactly as an ingest would, and moves the object's entry in the posting's status
//! from `pendings` to `successes` (or `failures`), all in one transaction. Deciding also forgets the original
//! text (the personal data the reviewer was shown): only the proposed copy is kept afterwards.

use crate::model::{CollectionId, NewObject};

/// Where a review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    /// Awaiting a reviewer.
    Pending,
    /// Approved (as proposed or edited) and stored.
    Approved,
    /// Rejected: never stored.
    Rejected,
}

impl ReviewState {
    /// The text form kept in the store and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Pending => "pending",
            ReviewState::Approved => "approved",
            ReviewState::Rejected => "rejected",
        }
    }

    /// Parses `as_str`'s output.
    pub fn parse(text: &str) -> Option<ReviewState> {
        match text {
            "pending" => Some(ReviewState::Pending),
            "approved" => Some(ReviewState::Approved),
            "rejected" => Some(ReviewState::Rejected),
            _ => None,
        }
    }
}

/// One posted object held for review, stored by `Store::ingest` with the posting.
#[derive(Debug, Clone)]
pub struct PendingObject {
    /// The new review's id (UUIDv4).
    pub review_id: String,
    /// The object as the hub proposes to store it (redacted).
    pub proposed: NewObject,
    /// The object as posted.
    pub original: String,
    /// The findings, as a JSON array (the hub's format; the store keeps the text).
    pub findings: String,
}

/// A review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// Its id.
    pub id: String,
    /// The status resource of the posting.
    pub status_id: String,
    /// The API root of that status.
    pub api_root: String,
    /// The collection the object was posted to.
    pub collection: CollectionId,
    /// The posting account.
    pub account: String,
    /// Its organisation when it posted.
    pub submitter_org: Option<String>,
    /// The TLP:AMBER recipients frozen at posting.
    pub recipients: Vec<String>,
    /// When posted, µs since the epoch.
    pub created_micros: i64,
    /// The object's id.
    pub object_id: String,
    /// The object's version as the status shows it.
    pub object_version: String,
    /// The object as posted; empty once decided.
    pub original: String,
    /// The redacted copy proposed (after an approval: the copy stored).
    pub proposed: String,
    /// The findings (JSON array).
    pub findings: String,
    /// Where it stands.
    pub state: ReviewState,
    /// Who decided.
    pub reviewer: Option<String>,
    /// When decided, µs since the epoch.
    pub decided_micros: Option<i64>,
    /// The reviewer's reason (rejections) or note.
    pub message: Option<String>,
}

/// What a reviewer decided.
#[derive(Debug, Clone)]
pub enum ReviewOutcome {
    /// Store this copy (the proposed one, or the reviewer's edit of it).
    Approve(NewObject),
    /// Do not store it; the reason goes into the status.
    Reject(String),
}

/// One decision.
#[derive(Debug, Clone)]
pub struct ReviewDecision {
    /// The review decided.
    pub review_id: String,
    /// The deciding account.
    pub reviewer: String,
    /// When, µs since the epoch.
    pub decided_micros: i64,
    /// What.
    pub outcome: ReviewOutcome,
}
