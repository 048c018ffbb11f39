//! Unit tests of ingest planning: flags, duplicates, revocation and `date_added`, without a database.

use stix::timestamp::Timestamp;
use store::NewObject;

use crate::plan::{FIRST, LAST, StoredVersion, plan_ingest, version_key};

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

fn key(modified: &str) -> i64 {
    version_key(&Timestamp::parse(modified).expect("test timestamp"))
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
    let plan = plan_ingest(objects, Vec::new(), Vec::new(), 100, 0);
    let flags: Vec<i16> = plan.rows.iter().map(|row| row.flags).collect();
    assert_eq!(flags, vec![0, FIRST, LAST]);
    assert!(plan.clear_first.is_empty() && plan.clear_last.is_empty());
    let dates: Vec<i64> = plan.rows.iter().map(|row| row.date_added).collect();
    assert_eq!(dates, vec![100, 101, 102]);
    assert_eq!(plan.last_date_added, 102);
}

#[test]
fn a_newer_version_clears_the_stored_last_bit() {
    let stored = vec![StoredVersion {
        stix_id: "a".to_owned(),
        version: key(V1),
        date_added: 5,
        revoked: false,
    }];
    let plan = plan_ingest(vec![object("a", Some(V2), false)], Vec::new(), stored, 3, 5);
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
    let stored = vec![StoredVersion {
        stix_id: "a".to_owned(),
        version: key(V1),
        date_added: 5,
        revoked: false,
    }];
    let objects = vec![
        object("a", Some("2020-01-01T00:00:00.001000Z"), false),
        object("b", None, false),
        object("b", None, false),
    ];
    let plan = plan_ingest(objects, Vec::new(), stored, 10, 5);
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
    let plan = plan_ingest(objects, Vec::new(), Vec::new(), 1, 0);
    assert_eq!(plan.rows.len(), 2);
    assert_eq!(plan.failures.len(), 1);
    assert_eq!(plan.failures[0].version, V3);
    assert_eq!(
        plan.successes.len(),
        3,
        "the repeated revoked version is a duplicate"
    );
}
