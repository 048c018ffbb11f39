//! Timestamp text handling: the grammar's `t'…'` literal form and conversion to epoch nanoseconds.
//!
//! Pattern literals and the timestamps evaluation reads from JSON (`first_observed`, `last_observed`, string
//! properties compared with a `t'…'` literal) must all have the STIX shape `YYYY-MM-DDTHH:MM:SS[.s+]Z`
//! (STIX 2.1 §2.16: UTC, upper-case `T` and `Z`), as in `stix2-matcher`; other text is not a timestamp.

/// Whether `text` (without `t'` and `'`) has the grammar's `TimestampLiteral` form.
pub(crate) fn is_valid_literal(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 20 {
        return false;
    }
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':') {
        return false;
    }
    let two = |i: usize| -> Option<u32> {
        let (hi, lo) = (b[i], b[i + 1]);
        (hi.is_ascii_digit() && lo.is_ascii_digit()).then(|| u32::from(hi - b'0') * 10 + u32::from(lo - b'0'))
    };
    let in_range = |i: usize, lo: u32, hi: u32| two(i).is_some_and(|v| (lo..=hi).contains(&v));
    if !(in_range(5, 1, 12)
        && in_range(8, 1, 31)
        && in_range(11, 0, 23)
        && in_range(14, 0, 59)
        && in_range(17, 0, 60))
    {
        return false;
    }
    let rest = &b[19..];
    match rest {
        [b'Z'] => true,
        [b'.', fraction @ .., b'Z'] => !fraction.is_empty() && fraction.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// Epoch nanoseconds of a literal already checked by [`is_valid_literal`]. Returns 0 for malformed text
/// (which the type system keeps from happening).
pub(crate) fn epoch_nanos_of_literal(text: &str) -> i128 {
    stix_timestamp_nanos(text).unwrap_or(0)
}

/// Nanoseconds since the epoch of a STIX timestamp (`YYYY-MM-DDTHH:MM:SS[.s+]Z`, upper-case `T` and `Z`,
/// UTC, the shape of [`is_valid_literal`]); `None` for anything else. Fraction digits past the ninth are
/// truncated; a day past the end of its month counts on into the next month.
pub(crate) fn stix_timestamp_nanos(text: &str) -> Option<i128> {
    if !is_valid_literal(text) {
        return None;
    }
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| {
        b[range]
            .iter()
            .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let (hour, minute, second) = (num(11..13), num(14..16), num(17..19));
    let mut nanos: i64 = 0;
    if b[19] == b'.' {
        let digits = &b[20..b.len() - 1];
        for position in 0..9 {
            nanos = nanos * 10 + digits.get(position).map_or(0, |d| i64::from(d - b'0'));
        }
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second;
    Some(i128::from(seconds) * 1_000_000_000 + i128::from(nanos))
}

/// Whether a text of the literal shape names a real instant: the day exists in its month (leap years
/// counted) and the second is at most 59 (Python's `datetime`, which `stix2-matcher` uses, has no leap
/// seconds).
pub(crate) fn is_calendar_valid(text: &str) -> bool {
    if !is_valid_literal(text) {
        return false;
    }
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| {
        b[range]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let (year, month, day, second) = (num(0..4), num(5..7), num(8..10), num(17..19));
    let is_leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        2 if is_leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day <= days_in_month && second <= 59 && year >= 1
}

/// Truncates epoch nanoseconds to whole microseconds, the precision `stix2-matcher` compares at.
pub(crate) fn truncate_to_micros(nanos: i128) -> i128 {
    nanos - nanos.rem_euclid(1000)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). A day past the end of
/// its month simply counts on into the next month.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
