//! Conformance of the operations methods (issue 8): per-organisation usage counts what each organisation
//! submitted, in every collection, and nothing of anyone else's.

use store::{IngestRequest, Store, Usage};

use crate::fixtures::{collection, indicator};

/// `organisation_usage` counts the versions and bytes submitted by an organisation's accounts.
pub async fn organisation_usage_counts_versions_and_bytes(store: &dyn Store) {
    assert_eq!(
        store.organisation_usage("acme").await.expect("usage"),
        Usage::default()
    );
    let first = collection(store, "usage-a").await;
    let second = collection(store, "usage-b").await;
    let mut expected_bytes = 0u64;
    for (status_idx, (coll, org, objects)) in [
        (&first, Some("acme"), vec![indicator(1, 1), indicator(1, 2)]),
        (&second, Some("acme"), vec![indicator(2, 1)]),
        (&first, Some("other"), vec![indicator(3, 1)]),
        (&first, None, vec![indicator(4, 1)]),
    ]
    .into_iter()
    .enumerate()
    {
        if org == Some("acme") {
            expected_bytes += objects.iter().map(|object| object.raw.len() as u64).sum::<u64>();
        }
        let request = IngestRequest {
            collection: coll.clone(),
            api_root: "root".to_owned(),
            status_id: format!("status-usage-{status_idx}"),
            account: "analyst".to_owned(),
            submitter_org: org.map(str::to_owned),
            recipients: Vec::new(),
            request_timestamp: 1_600_000_000_000_000,
            objects,
            failures: Vec::new(),
            pending: Vec::new(),
        };
        store.ingest(request).await.expect("ingest");
    }
    assert_eq!(
        store.organisation_usage("acme").await.expect("usage"),
        Usage {
            objects: 3,
            bytes: expected_bytes
        }
    );
    assert_eq!(store.organisation_usage("other").await.expect("usage").objects, 1);
}
