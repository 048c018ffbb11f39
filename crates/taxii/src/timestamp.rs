//! TAXII timestamps: `date_added`, the date headers, `added_after` and `request_timestamp`.
//!
//! Invariant: the hub keeps these as whole microseconds since the Unix epoch and prints them with exactly six
//! fraction digits. `added_after` is parsed leniently (any number of fraction digits, or none) and floored to
//! the microsecond, which keeps the strict "after" comparison exact against microsecond `date_added` values.

use stix::timestamp::Timestamp;

/// Why an `added_after` value is not a timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 UTC timestamp: {0:?}")]
pub struct TaxiiTimestampError(pub String);

/// Prints microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ssssssZ`.
pub fn format_date_added(micros: i64) -> String {
    Timestamp::from_unix_nanos(i128::from(micros) * 1000, 6)
        .as_str()
        .to_owned()
}

/// Parses `added_after` (or any TAXII timestamp) into microseconds since the epoch, floored.
pub fn parse_added_after(text: &str) -> Result<i64, TaxiiTimestampError> {
    let timestamp = Timestamp::parse(text).map_err(|_| TaxiiTimestampError(text.to_owned()))?;
    i64::try_from(timestamp.unix_nanos().div_euclid(1000)).map_err(|_| TaxiiTimestampError(text.to_owned()))
}
