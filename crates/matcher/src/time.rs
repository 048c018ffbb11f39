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

    /// Parses any RFC 3339 date-time as observed-data timestamps may be written (`t`/space for `T`, `z` for
    /// `Z`, or a `±HH:MM` offset), the way the evaluator reads `first_observed`/`last_observed`.
    pub fn parse_rfc3339(text: &str) -> Option<Moment> {
        if let Some(moment) = Moment::parse(text) {
            return Some(moment);
        }
        let mut normalized: Vec<u8> = text.as_bytes().to_vec();
        if normalized.len() > 10 && matches!(normalized[10], b't' | b' ') {
            normalized[10] = b'T';
        }
        let mut offset_seconds: i128 = 0;
        match normalized.last() {
            Some(b'z') => {
                if let Some(last) = normalized.last_mut() {
                    *last = b'Z';
                }
            }
            Some(b'Z') => {}
            _ => {
                // `±HH:MM` at the end.
                let n = normalized.len();
                if n < 25 || normalized[n - 3] != b':' {
                    return None;
                }
                let sign = match normalized[n - 6] {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let digits = |range: std::ops::Range<usize>| -> Option<i128> {
                    std::str::from_utf8(&normalized[range]).ok()?.parse().ok()
                };
                let (hours, minutes) = (digits(n - 5..n - 3)?, digits(n - 2..n)?);
                if hours > 23 || minutes > 59 {
                    return None;
                }
                offset_seconds = sign * (hours * 3600 + minutes * 60);
                normalized.truncate(n - 6);
                normalized.push(b'Z');
            }
        }
        let moment = Moment::parse(std::str::from_utf8(&normalized).ok()?)?;
        Some(moment.saturating_add_nanos(-offset_seconds * 1_000_000_000))
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

#[cfg(test)]
mod tests;
