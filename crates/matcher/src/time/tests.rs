//! Tests of timestamp reading.

use super::*;

fn nanos(text: &str) -> Option<i128> {
    Moment::parse_rfc3339(text).map(Moment::epoch_nanos)
}

#[test]
fn reads_stix_and_rfc3339_forms_as_the_same_moment() {
    let base = nanos("2021-01-01T00:00:00Z").unwrap();
    assert_eq!(base, 1_609_459_200 * 1_000_000_000);
    assert_eq!(nanos("2021-01-01T00:00:00.000Z"), Some(base));
    assert_eq!(nanos("2021-01-01t00:00:00z"), Some(base));
    assert_eq!(nanos("2021-01-01 00:00:00Z"), Some(base));
    assert_eq!(nanos("2021-01-01T01:30:00+01:30"), Some(base));
    assert_eq!(nanos("2020-12-31T23:00:00.5-01:00"), Some(base + 500_000_000));
    for bad in [
        "2021-01-01",
        "2021-01-01T00:00:00",
        "2021-01-01T00:00:00+1:00",
        "yesterday",
        "",
    ] {
        assert_eq!(nanos(bad), None, "{bad}");
    }
    assert_eq!(
        Moment::parse("2021-01-01T00:00:00+00:00"),
        None,
        "indicator timestamps are strict"
    );
}
