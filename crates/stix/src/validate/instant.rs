//! An allocation-free reading of STIX timestamps for the validator's hot path.
//!
//! Invariant: `timestamp_instant` accepts a subset of what `Timestamp::parse` accepts (it requires the
//! uppercase `T` and `Z` STIX asks for) and, for everything it accepts, returns the same instant and fraction
//! digit count. Anything it rejects is handed to `Timestamp::parse`, whose error text is what users see, so
//! the two can never disagree about validity. `Timestamp::parse` keeps a copy of the text; this does not.

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
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let (hour, minute, second) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let fraction = match (b[19], b.len()) {
        (b'Z', 20) => &b[19..19],
        (b'.', len) if len > 21 && b[len - 1] == b'Z' => &b[20..len - 1],
        _ => return None,
    };
    if !fraction.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let nanos = (0..9).fold(0i128, |nanos, place| {
        nanos * 10 + fraction.get(place).map_or(0, |digit| i128::from(digit - b'0'))
    });
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Some(TimestampInstant {
        unix_nanos: i128::from(seconds) * 1_000_000_000 + nanos,
        fraction_digits: u16::try_from(fraction.len()).unwrap_or(u16::MAX),
    })
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm, as in `timestamp.rs`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}
