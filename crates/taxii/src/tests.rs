//! Unit tests of negotiation, timestamps and query parsing.

use crate::media::{AcceptProfile, accept_is_satisfiable, content_type_is_taxii_21};
use crate::query::{ListParams, VersionParam};
use crate::timestamp::{format_date_added, parse_added_after};

#[test]
fn accept_negotiation_follows_the_documented_table() {
    let t = AcceptProfile::Taxii;
    assert!(accept_is_satisfiable(None, t));
    assert!(accept_is_satisfiable(
        Some("application/taxii+json;version=2.1"),
        t
    ));
    assert!(accept_is_satisfiable(
        Some("application/taxii+json ; version=2.1"),
        t
    ));
    assert!(accept_is_satisfiable(Some("application/taxii+json"), t));
    assert!(accept_is_satisfiable(Some("text/html, */*"), t));
    assert!(!accept_is_satisfiable(
        Some("application/taxii+json;version=2.0"),
        t
    ));
    assert!(!accept_is_satisfiable(Some("application/json"), t));
    assert!(!accept_is_satisfiable(
        Some("application/stix+json;version=2.1"),
        t
    ));
    assert!(accept_is_satisfiable(
        Some("application/taxii+json;version=2.1,application/stix+json;version=2.1"),
        AcceptProfile::TaxiiOrStix
    ));
    assert!(accept_is_satisfiable(
        Some("application/stix+json;version=2.1"),
        AcceptProfile::TaxiiOrStix
    ));
}

#[test]
fn content_type_must_be_taxii_21() {
    assert!(content_type_is_taxii_21(Some(
        "application/taxii+json;version=2.1"
    )));
    assert!(content_type_is_taxii_21(Some("application/taxii+json")));
    assert!(!content_type_is_taxii_21(Some("application/json")));
    assert!(!content_type_is_taxii_21(Some(
        "application/taxii+json;version=2.0"
    )));
    assert!(!content_type_is_taxii_21(None));
}

#[test]
fn date_added_has_exactly_six_fraction_digits() {
    assert_eq!(format_date_added(0), "1970-01-01T00:00:00.000000Z");
    assert_eq!(
        format_date_added(1_600_000_000_123_400),
        "2020-09-13T12:26:40.123400Z"
    );
}

#[test]
fn added_after_is_parsed_leniently() {
    let exact = parse_added_after("2020-09-13T12:26:40.123400Z").unwrap();
    assert_eq!(exact, 1_600_000_000_123_400);
    assert_eq!(parse_added_after("2020-09-13T12:26:40.1234Z").unwrap(), exact);
    assert_eq!(
        parse_added_after("2020-09-13T12:26:40Z").unwrap(),
        1_600_000_000_000_000
    );
    assert_eq!(
        parse_added_after("2020-09-13T12:26:40.0Z").unwrap(),
        1_600_000_000_000_000
    );
    assert_eq!(
        parse_added_after("2020-09-13T12:26:40.1234569Z").unwrap(),
        1_600_000_000_123_456
    );
    assert!(parse_added_after("yesterday").is_err());
}

#[test]
fn query_parameters_parse_and_reject_repeats() {
    let params = ListParams::parse(Some(
        "limit=10&match%5Bid%5D=indicator--a,indicator--b&match[type]=indicator&match[version]=first,last&next=",
    ))
    .unwrap();
    assert_eq!(params.limit, Some(10));
    assert_eq!(params.ids, vec!["indicator--a", "indicator--b"]);
    assert_eq!(params.types, vec!["indicator"]);
    assert!(params.next.is_none());
    assert!(
        matches!(params.versions, VersionParam::Pick { first: true, last: true, ref exact } if exact.is_empty())
    );
    assert!(ListParams::parse(Some("limit=0")).is_err());
    assert!(ListParams::parse(Some("limit=-1")).is_err());
    assert!(ListParams::parse(Some("limit=abc")).is_err());
    assert!(ListParams::parse(Some("added_after=x")).is_err());
    assert!(ListParams::parse(Some("match[type]=a&match[type]=b")).is_err());
    assert!(ListParams::parse(Some("match[version]=all,last")).is_err());
    assert!(ListParams::parse(Some("match[version]=last,last")).is_err());
    assert!(
        ListParams::parse(Some(
            "match[version]=2020-01-01T00:00:00Z,2020-01-01T00:00:00.000Z"
        ))
        .is_err()
    );
    assert!(ListParams::parse(Some("match[unknown]=x&other=1")).is_ok());
    let all = ListParams::parse(Some("match[version]=all")).unwrap();
    assert!(matches!(all.versions, VersionParam::All));
}

#[test]
fn canonical_form_ignores_limit_and_next_and_value_order() {
    let a = ListParams::parse(Some("limit=5&match[type]=b,a&next=xyz")).unwrap();
    let b = ListParams::parse(Some("match[type]=a,b&limit=7")).unwrap();
    assert_eq!(a.canonical_filters(), b.canonical_filters());
    let c = ListParams::parse(Some("match[type]=a")).unwrap();
    assert_ne!(a.canonical_filters(), c.canonical_filters());
}
