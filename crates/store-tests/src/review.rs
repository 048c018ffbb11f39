//! Conformance checks of the second sharing-policy slice: the PII review queue, marking grants, public ids.

use store::{
    Account, EntityKind, IngestRequest, PendingObject, Review, ReviewDecision, ReviewOutcome, ReviewState,
    Store, StoreError,
};

use crate::fixtures::{collection, indicator, indicator_id, ingest, query};

fn held(n: u32, review_id: &str) -> PendingObject {
    let mut proposed = indicator(n, 1);
    proposed.raw = proposed
        .raw
        .replace("\"pattern\"", "\"description\":\"[REDACTED:email]\",\"pattern\"");
    PendingObject {
        review_id: review_id.to_owned(),
        proposed,
        original: "{\"description\":\"mail jane@example.org\"}".to_owned(),
        findings: "[{\"kind\":\"email\"}]".to_owned(),
    }
}

async fn post_with_pending(store: &dyn Store, alias: &str, status_id: &str) -> store::CollectionId {
    let coll = collection(store, alias).await;
    let request = IngestRequest {
        collection: coll.clone(),
        api_root: "root".to_owned(),
        status_id: status_id.to_owned(),
        account: "county-a-analyst".to_owned(),
        submitter_org: Some("county-a".to_owned()),
        recipients: vec!["state".to_owned()],
        request_timestamp: 1_600_000_000_000_000,
        objects: vec![indicator(1, 1)],
        failures: Vec::new(),
        pending: vec![
            held(2, &format!("{status_id}-r2")),
            held(3, &format!("{status_id}-r3")),
        ],
    };
    let status = store.ingest(request).await.expect("ingest");
    assert_eq!(status.successes.len(), 1);
    assert_eq!(
        status.pendings.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        vec![indicator_id(2), indicator_id(3)]
    );
    coll
}

fn decision(review_id: &str, outcome: ReviewOutcome) -> ReviewDecision {
    ReviewDecision {
        review_id: review_id.to_owned(),
        reviewer: "reviewer".to_owned(),
        decided_micros: 1_700_000_000_000_000,
        outcome,
    }
}

/// Held objects are kept as pending reviews, not stored; approving stores the approved copy with the
/// submitter's sharing facts and settles the status; rejecting records the reason; a review is decided once.
pub async fn reviews_hold_then_settle(store: &dyn Store) {
    let coll = post_with_pending(store, "reviews", "st-rev").await;
    let stored: Vec<String> = store
        .query_objects(query(&coll))
        .await
        .expect("q")
        .records
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(stored, vec![indicator_id(1)], "held objects are not stored");
    let pending = store.reviews(ReviewState::Pending, 10).await.expect("reviews");
    assert_eq!(pending.len(), 2);
    let first: &Review = &pending[0];
    assert_eq!(first.id, "st-rev-r2");
    assert_eq!(first.collection, coll);
    assert_eq!(first.submitter_org.as_deref(), Some("county-a"));
    assert_eq!(first.recipients, vec!["state".to_owned()]);
    assert!(first.original.contains("jane@example.org"));
    assert!(first.proposed.contains("[REDACTED:email]"));

    let approved = store
        .decide_review(decision(
            "st-rev-r2",
            ReviewOutcome::Approve(held(2, "x").proposed),
        ))
        .await
        .expect("approve");
    assert_eq!(approved.state, ReviewState::Approved);
    assert_eq!(approved.reviewer.as_deref(), Some("reviewer"));
    assert!(
        approved.original.is_empty(),
        "the original (personal data) is forgotten once decided"
    );
    let rejected = store
        .decide_review(decision(
            "st-rev-r3",
            ReviewOutcome::Reject("names a victim".to_owned()),
        ))
        .await
        .expect("reject");
    assert_eq!(rejected.state, ReviewState::Rejected);
    assert_eq!(rejected.message.as_deref(), Some("names a victim"));
    let again = store
        .decide_review(decision("st-rev-r2", ReviewOutcome::Reject("late".to_owned())))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let unknown = store
        .decide_review(decision("nope", ReviewOutcome::Reject("x".to_owned())))
        .await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound(EntityKind::Review))),
        "{unknown:?}"
    );

    let page = store.query_objects(query(&coll)).await.expect("query");
    let ids: Vec<&str> = page.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, vec![indicator_id(1).as_str(), indicator_id(2).as_str()]);
    let approved_row = &page.records[1];
    assert_eq!(approved_row.sharing.submitter, "county-a-analyst");
    assert_eq!(approved_row.sharing.submitter_org.as_deref(), Some("county-a"));
    assert!(
        approved_row
            .raw
            .as_deref()
            .is_some_and(|raw| raw.contains("[REDACTED:email]"))
    );

    let status = store
        .status("root", "st-rev")
        .await
        .expect("status")
        .expect("kept");
    assert!(status.pendings.is_empty(), "{status:?}");
    assert_eq!(status.successes.len(), 2);
    assert_eq!(status.failures.len(), 1);
    assert!(
        status.failures[0]
            .message
            .as_deref()
            .is_some_and(|m| m.contains("names a victim"))
    );
    assert!(
        store
            .reviews(ReviewState::Pending, 10)
            .await
            .expect("reviews")
            .is_empty()
    );
    assert_eq!(
        store
            .reviews(ReviewState::Approved, 10)
            .await
            .expect("reviews")
            .len(),
        1
    );
    assert_eq!(
        store.review("st-rev-r3").await.expect("review").map(|r| r.state),
        Some(ReviewState::Rejected)
    );
}

/// Marking grants and community admins appear in the sharing directory, are idempotent (grants revocable),
/// and need existing accounts.
pub async fn marking_grants_round_trip(store: &dyn Store) {
    let marking = "marking-definition--1b2c3d4e-0000-4000-8000-000000000001";
    let unknown = store.set_marking_grant("ghost", marking, true).await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound(EntityKind::Account))),
        "{unknown:?}"
    );
    let account = Account {
        name: "analyst".to_owned(),
        password_hash: String::new(),
        org: None,
        is_admin: false,
        role: "member".to_owned(),
        disabled: false,
        epoch: 0,
    };
    store.create_account(account).await.expect("account");
    store
        .set_marking_grant("analyst", marking, true)
        .await
        .expect("grant");
    store
        .set_marking_grant("analyst", marking, true)
        .await
        .expect("again");
    let directory = store.sharing_directory().await.expect("directory");
    assert_eq!(
        directory.marking_grants,
        vec![("analyst".to_owned(), marking.to_owned())]
    );
    store
        .set_marking_grant("analyst", marking, false)
        .await
        .expect("revoke");
    assert!(
        store
            .sharing_directory()
            .await
            .expect("directory")
            .marking_grants
            .is_empty()
    );
}

/// A version's public id finds its stored id; ids are found by submitting organisation.
pub async fn public_ids_and_submitters(store: &dyn Store) {
    let coll = collection(store, "public-ids").await;
    let mut anonymous = indicator(7, 1);
    anonymous.public_id = Some("indicator--99999999-0000-4000-8000-000000000007".to_owned());
    let request = IngestRequest {
        collection: coll.clone(),
        api_root: "root".to_owned(),
        status_id: "st-public".to_owned(),
        account: "county-a-analyst".to_owned(),
        submitter_org: Some("county-a".to_owned()),
        recipients: Vec::new(),
        request_timestamp: 1_600_000_000_000_000,
        objects: vec![anonymous, indicator(8, 1)],
        failures: Vec::new(),
        pending: Vec::new(),
    };
    store.ingest(request).await.expect("ingest");
    ingest(store, &coll, vec![indicator(9, 1)]).await;
    let found = store
        .ids_by_public_id(
            &coll,
            vec![
                "indicator--99999999-0000-4000-8000-000000000007".to_owned(),
                indicator_id(8),
            ],
        )
        .await
        .expect("public ids");
    assert_eq!(
        found,
        vec![(
            "indicator--99999999-0000-4000-8000-000000000007".to_owned(),
            indicator_id(7)
        )]
    );
    let mut by_org = store
        .ids_submitted_by(
            &coll,
            "county-a",
            vec![indicator_id(7), indicator_id(8), indicator_id(9)],
        )
        .await
        .expect("by org");
    by_org.sort();
    assert_eq!(by_org, vec![indicator_id(7), indicator_id(8)]);
}
