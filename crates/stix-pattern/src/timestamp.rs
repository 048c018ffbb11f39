//! Timestamp text handling: the grammar's `t'…'` literal form and conversion to epoch nanoseconds.
//!
//! Two forms are read here. A pattern literal must have the grammar's exact shape (checked by
//! [`is_valid_literal`]). Observed-data timestamps (`first_observed`, `last_observed`) are read more leniently
//! by [`parse_rfc3339_nanos`]: any RFC 3339 date-time, with `Z` or a numeric offset.

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
    parse_rfc3339_nanos(text).unwrap_or(0)
}

/// Parses an RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.f]` then `Z` or `±HH:MM`; `t`/`z`/space accepted as
/// RFC 3339 allows) into nanoseconds since the epoch. Fraction digits past the ninth are truncated.
/// Field ranges are checked loosely (month 1–12, day 1–31, hour ≤ 23, minute ≤ 59, second ≤ 60).
pub(crate) fn parse_rfc3339_nanos(text: &str) -> Option<i128> {
    let b = text.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let slice = b.get(range)?;
        if slice.is_empty() || !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(slice.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
    };
    let sep_ok =
        b[4] == b'-' && b[7] == b'-' && matches!(b[10], b'T' | b't' | b' ') && b[13] == b':' && b[16] == b':';
    if !sep_ok {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut idx = 19;
    let mut nanos: i64 = 0;
    if b.get(idx) == Some(&b'.') {
        idx += 1;
        let start = idx;
        while idx < b.len() && b[idx].is_ascii_digit() {
            if idx - start < 9 {
                nanos = nanos * 10 + i64::from(b[idx] - b'0');
            }
            idx += 1;
        }
        let n_digits = idx - start;
        if n_digits == 0 {
            return None;
        }
        for _ in n_digits..9 {
            nanos *= 10;
        }
    }
    let offset_seconds: i64 = match &b[idx..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digit = |d: &u8| d.is_ascii_digit().then(|| i64::from(d - b'0'));
            let hours = digit(h1)? * 10 + digit(h2)?;
            let minutes = digit(m1)? * 10 + digit(m2)?;
            let magnitude = hours * 3600 + minutes * 60;
            if *sign == b'-' { -magnitude } else { magnitude }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(i128::from(seconds) * 1_000_000_000 + i128::from(nanos))
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
