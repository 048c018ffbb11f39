//! Points in time. Every time check in this crate (validity windows, START/STOP, stream windows) works on
//! [`Moment`]s: nanoseconds since 1970-01-01T00:00:00Z, so comparisons never depend on how a timestamp was
//! spelled (`…00Z` and `…00.000Z` are the same moment).

use stix_pattern::ast::Timestamp;

/// A point in time, in nanoseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Moment {
    nanos: i128,
}

impl Moment {
    /// The moment `nanos` nanoseconds after the epoch.
    pub fn from_epoch_nanos(nanos: i128) -> Moment {
        Moment { nanos }
    }

    /// Parses a STIX timestamp (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`); `None` if `text` does not have that form.
    pub fn parse(text: &str) -> Option<Moment> {
        Timestamp::parse(text).map(|timestamp| Moment {
            nanos: timestamp.epoch_nanos(),
        })
    }

    /// Nanoseconds since the epoch.
    pub fn epoch_nanos(self) -> i128 {
        self.nanos
    }

    /// This moment moved by `nanos` (saturating at the ends of the `i128` range).
    pub fn saturating_add_nanos(self, nanos: i128) -> Moment {
        Moment {
            nanos: self.nanos.saturating_add(nanos),
        }
    }
}

/// A duration given in (possibly fractional) seconds, converted to whole nanoseconds, saturating.
pub(crate) fn seconds_to_nanos(seconds: f64) -> i128 {
    let nanos = seconds * 1e9;
    if nanos.is_nan() {
        0
    } else if nanos >= 1e36 {
        i128::MAX / 4
    } else if nanos <= -1e36 {
        i128::MIN / 4
    } else {
        nanos.ceil() as i128
    }
}
