//! Unit tests of the ingest and delete plans: flags, duplicates, revocation, `date_added`, groups and owners.

use std::collections::HashMap;

use stix::timestamp::Timestamp;

use crate::model::NewObject;
use crate::plan::{
    DeleteCandidate, FIRST, LAST, PlanInput, SHADOW, StoredVersion, plan_delete, plan_ingest, version_key,
};
use crate::query::VersionSelector;

fn object(id: &str, modified: Option<&str>, revoked: bool) -> NewObject {
    NewObject {
        id: id.to_owned(),
        object_type: "indicator".to_owned(),
        version: modified.map(|m| Timestamp::parse(m).expect("test timestamp")),
        spec_version: "2.1".to_owned(),
        revoked,
        raw: format!(r#"{{"id":"{id}"}}"#),
        markings: Vec::new(),
        public_id: None,
    }
}

fn claimable(id: &str, modified: &str) -> NewObject {
    NewObject {
        public_id: Some(format!("{id}-minted")),
        ..object(id, Some(modified), false)
    }
}

fn key(modified: &str) -> i64 {
    version_key(&Timestamp::parse(modified).expect("test timestamp"))
}

fn input(stored: Vec<StoredVersion>, now: i64, last: i64) -> PlanInput<'static> {
    PlanInput {
        group: "org:a",
        stored,
        owners: HashMap::new(),
        now,
        last_date_added: last,
    }
}

fn stored(id: &str, modified: &str, date_added: i64) -> StoredVersion {
    StoredVersion {
        stix_id: id.to_owned(),
        version: key(modified),
        date_added,
        revoked: false,
    }
}

const V1: &str = "2020-01-01T00:00:00.001Z";
const V2: &str = "2020-01-01T00:00:00.002Z";
const V3: &str = "2020-01-01T00:00:00.003Z";

#[test]
fn versions_posted_out_of_order_keep_one_first_and_one_last() {
    let objects = vec![
        object("a", Some(V2), false),
        object("a", Some(V1), false),
        object("a", Some(V3), false),
    ];
    let plan = plan_ingest(objects, Vec::new(), input(Vec::new(), 100, 0));
    let flags: Vec<i16> = plan.rows.iter().map(|row| row.flags).collect();
    assert_eq!(flags, vec![0, FIRST, LAST]);
    assert!(plan.clear_first.is_empty() && plan.clear_last.is_empty());
    let dates: Vec<i64> = plan.rows.iter().map(|row| row.date_added).collect();
    assert_eq!(dates, vec![100, 101, 102]);
    assert_eq!(plan.last_date_added, 102);
}

#[test]
fn a_newer_version_clears_the_stored_last_bit() {
    let plan = plan_ingest(
        vec![object("a", Some(V2), false)],
        Vec::new(),
        input(vec![stored("a", V1, 5)], 3, 5),
    );
    assert_eq!(plan.rows.len(), 1);
    assert_eq!(plan.rows[0].flags, LAST);
    assert_eq!(
        plan.rows[0].date_added, 6,
        "date_added never goes back, even if the clock does"
    );
    assert!(plan.clear_last.contains("a"));
    assert!(plan.clear_first.is_empty());
}

#[test]
fn exact_duplicates_store_nothing_and_report_success() {
    let objects = vec![
        object("a", Some("2020-01-01T00:00:00.001000Z"), false),
        object("b", None, false),
        object("b", None, false),
    ];
    let plan = plan_ingest(objects, Vec::new(), input(vec![stored("a", V1, 5)], 10, 5));
    assert_eq!(plan.rows.len(), 1);
    assert_eq!(plan.successes.len(), 3);
    assert_eq!(plan.successes[0].version, "2020-01-01T00:00:00.001000Z");
    assert_eq!(plan.successes[1].version, "1970-01-01T00:00:00.000010Z");
    assert_eq!(plan.successes[2].version, plan.successes[1].version);
    assert_eq!(plan.rows[0].flags, FIRST | LAST);
}

#[test]
fn revocation_is_final_even_within_one_request() {
    let objects = vec![
        object("a", Some(V1), false),
        object("a", Some(V2), true),
        object("a", Some(V3), false),
        object("a", Some(V2), false),
    ];
    let plan = plan_ingest(objects, Vec::new(), input(Vec::new(), 1, 0));
    assert_eq!(plan.rows.len(), 2);
    assert_eq!(plan.failures.len(), 1);
    assert_eq!(plan.failures[0].version, V3);
    assert_eq!(
        plan.successes.len(),
        3,
        "the repeated revoked version is a duplicate"
    );
}

#[test]
fn the_first_group_claims_an_id_and_another_group_gets_a_shadow() {
    let plan = plan_ingest(
        vec![claimable("a", V1), claimable("a", V2), object("s", None, false)],
        Vec::new(),
        input(Vec::new(), 1, 0),
    );
    assert_eq!(plan.claims.iter().collect::<Vec<_>>(), vec!["a", "a-minted"]);
    assert!(plan.rows.iter().all(|row| row.flags & SHADOW == 0));

    let mut owned = input(Vec::new(), 1, 0);
    owned.owners.insert("a".to_owned(), "org:other".to_owned());
    let plan = plan_ingest(vec![claimable("a", V1)], Vec::new(), owned);
    assert_eq!(plan.claims.iter().collect::<Vec<_>>(), vec!["a-minted"]);
    assert_eq!(plan.rows[0].flags, FIRST | LAST | SHADOW);
    assert_eq!(plan.successes[0].version, V1);
}

#[test]
fn an_account_without_organisation_keeps_a_public_id_only_for_its_shadows() {
    let account = |owners: &[(&str, &str)]| PlanInput {
        group: "account:alice",
        owners: owners
            .iter()
            .map(|(id, owner)| ((*id).to_owned(), (*owner).to_owned()))
            .collect(),
        ..input(Vec::new(), 1, 0)
    };
    let plan = plan_ingest(vec![claimable("a", V1)], Vec::new(), account(&[]));
    assert_eq!(plan.claims.iter().collect::<Vec<_>>(), vec!["a"]);
    assert_eq!(plan.rows[0].object.public_id, None);

    let plan = plan_ingest(
        vec![claimable("a", V1), claimable("b", V1)],
        Vec::new(),
        account(&[("a", "org:other"), ("b", "account:alice")]),
    );
    assert_eq!(plan.claims.iter().collect::<Vec<_>>(), vec!["a-minted"]);
    assert_eq!(plan.rows[0].object.public_id.as_deref(), Some("a-minted"));
    assert_eq!(plan.rows[0].flags & SHADOW, SHADOW);
    assert_eq!(plan.rows[1].object.public_id, None);

    // An organisation's own versions keep theirs: its consent may change.
    let plan = plan_ingest(vec![claimable("a", V1)], Vec::new(), input(Vec::new(), 1, 0));
    assert_eq!(plan.rows[0].object.public_id.as_deref(), Some("a-minted"));
}

fn candidate(modified: &str, flags: i16) -> DeleteCandidate {
    DeleteCandidate {
        version: key(modified),
        date_added: 0,
        spec_version: "2.1".to_owned(),
        flags,
    }
}

#[test]
fn deleting_the_last_version_moves_the_last_bit_and_keeps_the_shadow_bit() {
    let rows = vec![
        candidate(V1, FIRST | SHADOW),
        candidate(V2, SHADOW),
        candidate(V3, LAST | SHADOW),
    ];
    let plan = plan_delete(&rows, &VersionSelector::last(), &[]);
    assert_eq!(plan.doomed, vec![2]);
    assert_eq!(plan.reflagged, vec![(1, LAST | SHADOW)]);
    let exact = VersionSelector::Pick {
        first: false,
        last: false,
        exact: vec![Timestamp::parse(V1).expect("test timestamp")],
    };
    let plan = plan_delete(&rows, &exact, &[]);
    assert_eq!(plan.doomed, vec![0]);
    assert_eq!(plan.reflagged, vec![(1, FIRST | SHADOW)]);
}
