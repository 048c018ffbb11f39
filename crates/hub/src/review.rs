//! The PII review queue (issue 6): postings whose redaction was unsure wait here for a human.
//!
//! Who reviews: hub admins (`policy::admin::may_review_submissions`). Nobody else learns that a review
//! exists; the submitter follows its posting through the TAXII status (`pending` until decided). A reviewer approves the proposed redacted copy, approves an edited copy (which must be
//! valid STIX with the same id and version, and is screened again: confident findings in it are redacted, so an
//! edit cannot put personal data back by mistake), or rejects it with a reason. The decision lands the object
//! in its collection (or not) and settles the posting's status, atomically in the store.

use policy::pii::object::{redact_object, threat_context};
use serde_json::json;
use stix::object::StixObject;
use store::{NewObject, Review, ReviewDecision, ReviewOutcome, ReviewState};

use crate::{Caller, Hub, HubError, HubResult, now_micros};

/// The most reviews one listing returns.
const MAX_LISTED: usize = 1000;

/// What a reviewer decides.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// Store the proposed redacted copy.
    Approve,
    /// Store this edited copy instead (a STIX object as JSON text).
    Edit(String),
    /// Do not store it.
    Reject(String),
}

impl Hub {
    /// The reviews awaiting a decision that `caller` may decide, oldest first. They hold the original text, so
    /// a listing that shows any is recorded in the audit log (`review.list`) before it is returned.
    pub async fn pending_reviews(&self, caller: &Caller) -> HubResult<Vec<Review>> {
        let reviews = self.reviewable(caller).await?;
        if !reviews.is_empty() {
            let ids: Vec<&str> = reviews.iter().map(|review| review.id.as_str()).collect();
            let details = json!({ "org": caller.org, "reviews": ids });
            self.audit(&caller.account, "review.list", reviews.len() as u64, details)
                .await?;
        }
        Ok(reviews)
    }

    /// How many reviews await `caller`'s decision (shows no text, so not audited).
    pub async fn pending_review_count(&self, caller: &Caller) -> HubResult<usize> {
        Ok(self.reviewable(caller).await?.len())
    }

    async fn reviewable(&self, caller: &Caller) -> HubResult<Vec<Review>> {
        self.authorize(caller, crate::AdminAction::Review).await?;
        let all = self.store.reviews(ReviewState::Pending, MAX_LISTED).await?;
        Ok(all
            .into_iter()
            .filter(|review| may_review(caller, review))
            .collect())
    }

    /// One review `caller` may decide (any state); `NotFound` otherwise. It holds the original text: the read
    /// is recorded in the audit log (`review.read`) before it is returned.
    pub async fn review(&self, caller: &Caller, review_id: &str) -> HubResult<Review> {
        let review = self.review_for(caller, review_id).await?;
        let details = json!({ "review": review.id, "org": review.submitter_org });
        self.audit(&caller.account, "review.read", 1, details).await?;
        Ok(review)
    }

    async fn review_for(&self, caller: &Caller, review_id: &str) -> HubResult<Review> {
        self.authorize(caller, crate::AdminAction::Review).await?;
        let review = self.store.review(review_id).await?.ok_or(HubError::NotFound)?;
        if !may_review(caller, &review) {
            return Err(HubError::NotFound);
        }
        Ok(review)
    }

    /// Decides a pending review.
    pub async fn decide_review(
        &self,
        caller: &Caller,
        review_id: &str,
        verdict: Verdict,
    ) -> HubResult<Review> {
        let review = self.review_for(caller, review_id).await?;
        if review.state != ReviewState::Pending {
            return Err(HubError::Conflict(format!(
                "review {review_id} is already {}",
                review.state.as_str()
            )));
        }
        let outcome = match verdict {
            Verdict::Approve => {
                ReviewOutcome::Approve(self.approved_object(&review, &review.proposed, false)?)
            }
            Verdict::Edit(text) => ReviewOutcome::Approve(self.approved_object(&review, &text, true)?),
            Verdict::Reject(reason) => {
                let reason = reason.trim();
                if reason.is_empty() {
                    return Err(HubError::BadRequest("a rejection needs a reason".to_owned()));
                }
                ReviewOutcome::Reject(reason.to_owned())
            }
        };
        let decision = ReviewDecision {
            review_id: review.id.clone(),
            reviewer: caller.account.clone(),
            decided_micros: now_micros(),
            outcome,
        };
        let decided = self.store.decide_review(decision).await?;
        self.events_committed();
        let action = match decided.state {
            ReviewState::Rejected => "review.reject",
            _ => "review.approve",
        };
        let details = serde_json::json!({
            "review": decided.id,
            "collection": decided.collection.as_str(),
            "org": decided.submitter_org,
            "object": decided.object_id,
        });
        self.audit(&caller.account, action, 1, details).await?;
        Ok(decided)
    }

    /// The object to store for an approval: validated, same identity as the held one, screened again when
    /// edited, with its public id.
    fn approved_object(&self, review: &Review, text: &str, edited: bool) -> HubResult<NewObject> {
        let object = StixObject::from_json(text).map_err(|diagnostics| {
            let quoted: Vec<String> = diagnostics.iter().take(3).map(ToString::to_string).collect();
            HubError::BadRequest(format!(
                "the edited object is not valid STIX 2.1: {}",
                quoted.join("; ")
            ))
        })?;
        let version = object
            .version()
            .map(|v| v.as_str().to_owned())
            .unwrap_or_default();
        if object.id().as_str() != review.object_id || version != review.object_version {
            return Err(HubError::BadRequest(format!(
                "the edited object must keep id {} and version {}",
                review.object_id, review.object_version
            )));
        }
        let mut new = crate::ingest::new_object(&object);
        if edited {
            let rescreened = redact_object(object.value(), &threat_context([]));
            if let Some(copy) = rescreened.object {
                new.raw = copy.to_string();
            }
        }
        let org = crate::sharing::effective_org(&review.account, review.submitter_org.as_deref());
        new.public_id = self.public_id(&org, &new.id);
        Ok(new)
    }
}

/// `policy::admin::may_review_submissions`: hub admins only (checked without a directory: it needs the role).
fn may_review(caller: &Caller, _review: &Review) -> bool {
    caller.is_admin || caller.role == "hub-admin"
}
