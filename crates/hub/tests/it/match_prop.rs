//! Issue 14: matching is released per reader. Over the random sharing models of `read_paths_prop` (each
//! object an indicator for `203.0.113.{i}`), every account matching every value is told of exactly the
//! indicators it is cleared for, under the id it may know them by, and its answer is the same one a store
//! holding only those indicators would give: hidden ones change neither the matches nor the counts. After a
//! delete, the live index follows the event log and the deleted indicator is no longer reported.

use std::sync::Arc;
use std::time::Duration;

use hub::{Caller, Hub, MatchOutcome, MatchReport};
use proptest::prelude::*;
use serde_json::json;
use store::Store;

use crate::read_paths_prop::{Model, build, caller, model, object_id, runtime};

async fn ready(hub: &Arc<Hub>, store: &Arc<dyn Store>) {
    let latest = store.event_bounds().await.unwrap().latest;
    assert!(
        hub.wait_live_index(latest, Duration::from_secs(20)).await,
        "the live index follows the log"
    );
}

async fn matched(hub: &Hub, who: &Caller, n: usize) -> MatchReport {
    let body: Vec<_> = (0..n + 1)
        .map(|i| json!({"type": "ipv4-addr", "value": format!("203.0.113.{i}")}))
        .collect();
    match hub
        .match_observations(who, &serde_json::to_vec(&body).unwrap())
        .await
        .unwrap()
    {
        MatchOutcome::Matched(report) => report,
        MatchOutcome::Malformed(problems) => panic!("{problems:?}"),
    }
}

fn expected(
    model: &Model,
    public: &std::collections::BTreeMap<String, String>,
    reader: usize,
    gone: Option<usize>,
) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = (0..model.objects.len())
        .filter(|o| Some(*o) != gone && model.cleared(reader, *o))
        .map(|o| {
            let original = object_id(o);
            let served = if model.revealed(reader, o) {
                original
            } else {
                public[&original].clone()
            };
            (served, vec![o])
        })
        .collect();
    out.sort();
    out
}

fn answer(report: &MatchReport) -> Vec<(String, Vec<usize>)> {
    report
        .matches
        .iter()
        .map(|m| {
            let observations = m
                .observations
                .iter()
                .map(|o| match o {
                    hub::ObservationRef::Index(i) => *i,
                    hub::ObservationRef::Id(id) => panic!("an id for a plain observable: {id}"),
                })
                .collect();
            (m.indicator.clone(), observations)
        })
        .collect()
}

async fn check(store: Arc<dyn Store>, model: Model, deleted: usize) {
    let (hub, public) = build(store.clone(), &model).await;
    let hub = Arc::new(hub);
    hub.start_live_index();
    ready(&hub, &store).await;
    let n = model.objects.len();
    for reader in 0..model.accounts.len() {
        let report = matched(&hub, &caller(&model, reader), n).await;
        assert_eq!(report.observations, n + 1);
        assert_eq!(
            answer(&report),
            expected(&model, &public, reader, None),
            "reader {reader}"
        );
    }
    let deleted = deleted % n;
    let submitter = caller(&model, model.objects[deleted].0);
    let everything = taxii::query::ListParams::parse(None).unwrap();
    let served = if model.revealed(model.objects[deleted].0, deleted) {
        object_id(deleted)
    } else {
        public[&object_id(deleted)].clone()
    };
    hub.delete_object(&submitter, "api1", "default", &served, &everything)
        .await
        .unwrap();
    ready(&hub, &store).await;
    for reader in 0..model.accounts.len() {
        let report = matched(&hub, &caller(&model, reader), n).await;
        assert_eq!(
            answer(&report),
            expected(&model, &public, reader, Some(deleted)),
            "reader {reader} after the delete"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn matching_reports_exactly_what_the_reader_is_cleared_for_sqlite(model in model(), deleted in 0usize..16) {
        let dir = std::env::temp_dir().join(format!("stixhub-hub-match-{}", uuid::Uuid::new_v4()));
        let store: Arc<dyn Store> = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
        runtime().block_on(check(store, model, deleted));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn matching_reports_exactly_what_the_reader_is_cleared_for_postgres(model in model(), deleted in 0usize..16) {
        let Ok(url) = std::env::var("STIXHUB_TEST_DATABASE_URL") else {
            return Ok(());
        };
        runtime().block_on(async {
            let (store, schema) = crate::read_paths_prop::fresh_schema_store(&url).await;
            check(store, model, deleted).await;
            crate::read_paths_prop::drop_schema(&url, &schema).await;
        });
    }
}
