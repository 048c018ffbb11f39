//! An allocation-free reading of STIX timestamps for the validator's hot path.
//!
//! Invariant: `timestamp_instant` is `Timestamp::instant_of` without its error, so the validator and the
//! model can never disagree about a timestamp. `Timestamp::parse` keeps a copy of the text; this does not.

/// The instant a timestamp denotes and how precisely it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimestampInstant {
    /// Nanoseconds since the Unix epoch (fraction digits past nine truncated, as `Timestamp` does).
    pub(crate) unix_nanos: i128,
    /// How many fraction digits the text has.
    pub(crate) fraction_digits: u16,
}

/// The instant of a well-formed STIX timestamp `YYYY-MM-DDTHH:MM:SS[.s+]Z`, or `None`.
pub(crate) fn timestamp_instant(text: &str) -> Option<TimestampInstant> {
    let (unix_nanos, fraction_digits) = crate::timestamp::Timestamp::instant_of(text).ok()?;
    Some(TimestampInstant {
        unix_nanos,
        fraction_digits,
    })
}
