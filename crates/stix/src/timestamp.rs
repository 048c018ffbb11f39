//! `Timestamp`: a STIX 2.1 timestamp (§2.16.1), compared as an instant, printed as written.
//!
//! Invariant: the text is RFC 3339 in UTC, `YYYY-MM-DDTHH:MM:SS[.s+]Z`, a real calendar date, and
//! `instant_ns` is its offset from the Unix epoch in nanoseconds (fraction digits past nine are truncated, which
//! is the precision the hub compares at). Two timestamps are equal when they denote the same instant:
//! `2020-01-01T00:00:00Z` equals `2020-01-01T00:00:00.000Z`, while each keeps its own text.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// A STIX timestamp: its instant and its original text.
#[derive(Clone)]
pub struct Timestamp {
    instant_ns: i128,
    fraction_digits: u16,
    text: Box<str>,
}

/// Why a string is not a STIX timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("timestamp {text:?} is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SS[.s+]Z): {reason}")]
pub struct TimestampError {
    text: String,
    reason: &'static str,
}

impl Timestamp {
    /// Parses a STIX timestamp. Any number of fraction digits is accepted; `T` and `Z` are required.
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        let (instant_ns, fraction_digits) = Timestamp::instant_of(text)?;
        Ok(Timestamp {
            instant_ns,
            fraction_digits,
            text: text.into(),
        })
    }

    /// The instant (ns since the Unix epoch) and the number of fraction digits of a STIX timestamp, without
    /// keeping its text: the validator's hot path reads every timestamp of every object this way.
    pub fn instant_of(text: &str) -> Result<(i128, u16), TimestampError> {
        let fail = |reason| TimestampError {
            text: text.to_owned(),
            reason,
        };
        let b = text.as_bytes();
        if b.len() < 20 {
            return Err(fail("too short"));
        }
        let separators_ok = b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
        if !separators_ok {
            return Err(fail("wrong separators"));
        }
        let year = digits(&b[0..4]).ok_or_else(|| fail("bad year"))?;
        let month = digits(&b[5..7]).ok_or_else(|| fail("bad month"))?;
        let day = digits(&b[8..10]).ok_or_else(|| fail("bad day"))?;
        let hour = digits(&b[11..13]).ok_or_else(|| fail("bad hour"))?;
        let minute = digits(&b[14..16]).ok_or_else(|| fail("bad minute"))?;
        let second = digits(&b[17..19]).ok_or_else(|| fail("bad second"))?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(fail("no such date"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(fail("no such time"));
        }
        let rest = &b[19..];
        let (fraction, zone) = match rest.first() {
            Some(b'.') => {
                let n_digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if n_digits == 0 {
                    return Err(fail("a dot must be followed by digits"));
                }
                (&rest[1..1 + n_digits], &rest[1 + n_digits..])
            }
            _ => (&rest[..0], rest),
        };
        if zone != b"Z" {
            return Err(fail("must end in Z (UTC)"));
        }
        let nanos = (0..9).fold(0i128, |nanos, place| {
            nanos * 10 + fraction.get(place).map_or(0, |digit| i128::from(digit - b'0'))
        });
        let days = days_from_civil(i64::from(year), month, day);
        let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
        let fraction_digits = u16::try_from(fraction.len()).unwrap_or(u16::MAX);
        Ok((i128::from(seconds) * 1_000_000_000 + nanos, fraction_digits))
    }

    /// Builds the timestamp `instant_ns` nanoseconds after the Unix epoch, written with exactly
    /// `fraction_digits` (0–9) fraction digits. TAXII uses six.
    pub fn from_unix_nanos(instant_ns: i128, fraction_digits: u16) -> Timestamp {
        let fraction_digits = fraction_digits.min(9);
        let seconds = instant_ns.div_euclid(1_000_000_000);
        let nanos = instant_ns.rem_euclid(1_000_000_000);
        let days = i64::try_from(seconds.div_euclid(86_400)).unwrap_or(0);
        let second_of_day = seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let mut text = format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        );
        if fraction_digits > 0 {
            let scaled = nanos / 10i128.pow(9 - u32::from(fraction_digits));
            text.push_str(&format!(
                ".{scaled:0width$}",
                width = usize::from(fraction_digits)
            ));
        }
        text.push('Z');
        let truncated = instant_ns - nanos % 10i128.pow(9 - u32::from(fraction_digits));
        Timestamp {
            instant_ns: truncated,
            fraction_digits,
            text: text.into(),
        }
    }

    /// Nanoseconds since the Unix epoch.
    pub fn unix_nanos(&self) -> i128 {
        self.instant_ns
    }

    /// How many fraction digits the text has (`created`/`modified` need at least three).
    pub fn fraction_digits(&self) -> u16 {
        self.fraction_digits
    }

    /// The timestamp as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.instant_ns == other.instant_ns
    }
}

impl Eq for Timestamp {}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.instant_ns.hash(state);
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.instant_ns.cmp(&other.instant_ns)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.text)
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_instants_compare_equal_but_keep_their_text() {
        let a = Timestamp::parse("2020-01-01T00:00:00Z").unwrap();
        let b = Timestamp::parse("2020-01-01T00:00:00.000Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(b.as_str(), "2020-01-01T00:00:00.000Z");
        assert_eq!(b.fraction_digits(), 3);
    }

    #[test]
    fn compares_at_nanosecond_precision() {
        let a = Timestamp::parse("2020-01-01T00:00:00.1234567Z").unwrap();
        let b = Timestamp::parse("2020-01-01T00:00:00.1234568Z").unwrap();
        assert!(a < b);
    }

    #[test]
    fn rejects_offsets_spaces_and_impossible_dates() {
        for bad in [
            "2020-01-01 00:00:00Z",
            "2020-01-01T00:00:00+01:00",
            "2020-01-01T00:00:00",
            "2021-02-29T00:00:00Z",
            "2020-01-01T24:00:00Z",
            "2020-01-01T00:00:00.Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unix_epoch_round_trips_through_text() {
        let t = Timestamp::parse("2016-04-06T20:03:48.123456Z").unwrap();
        let printed = Timestamp::from_unix_nanos(t.unix_nanos(), 6);
        assert_eq!(printed.as_str(), "2016-04-06T20:03:48.123456Z");
        assert_eq!(printed, t);
        let before_epoch = Timestamp::parse("1969-12-31T23:59:59.5Z").unwrap();
        assert_eq!(
            Timestamp::from_unix_nanos(before_epoch.unix_nanos(), 1).as_str(),
            "1969-12-31T23:59:59.5Z"
        );
    }
}
