//! Instants as Unix microseconds, and their RFC 3339 text (reports may carry any offset; the hub writes UTC).

/// Parses an RFC 3339 date-time (`2026-11-03T14:05:00Z`, `…T09:05:00.5-05:00`) to µs since the epoch.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b.len() > 40 {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut at = 19;
    let mut micros = 0i64;
    if b[at] == b'.' {
        at += 1;
        let start = at;
        while at < b.len() && b[at].is_ascii_digit() {
            at += 1;
        }
        if at == start {
            return None;
        }
        let digits = text.get(start..at)?;
        let padded: String = digits.chars().chain(std::iter::repeat('0')).take(6).collect();
        micros = padded.parse().ok()?;
    }
    let offset_minutes = match b.get(at)? {
        b'Z' | b'z' if at + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if at + 6 == b.len() && b[at + 3] == b':' => {
            let (h, m) = (num(at + 1..at + 3)?, num(at + 4..at + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = h * 60 + m;
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset_minutes * 60;
    Some(seconds * 1_000_000 + micros)
}

/// The RFC 3339 UTC text of an instant, to the millisecond (`2026-11-03T14:05:00.000Z`).
pub fn format_rfc3339(micros: i64) -> String {
    let millis = micros.div_euclid(1000);
    stix::timestamp::Timestamp::from_unix_nanos(i128::from(millis) * 1_000_000, 3)
        .as_str()
        .to_owned()
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_and_offsets_to_the_same_instant() {
        let utc = parse_rfc3339("2026-11-03T14:05:00Z");
        assert_eq!(utc, Some(1_793_714_700_000_000));
        assert_eq!(parse_rfc3339("2026-11-03T09:05:00-05:00"), utc);
        assert_eq!(parse_rfc3339("2026-11-03T14:05:00.5Z"), utc.map(|u| u + 500_000));
        assert_eq!(format_rfc3339(1_793_714_700_000_000), "2026-11-03T14:05:00.000Z");
    }

    #[test]
    fn refuses_what_is_not_a_date_time() {
        for bad in [
            "",
            "2026-11-03",
            "2026-02-30T00:00:00Z",
            "2026-11-03T24:00:00Z",
            "2026-11-03T14:05:00",
            "2026-11-03T14:05:00+5:00",
            "2026-11-03T14:05:00.Z",
            "yesterday at noon, roughly",
            "２０２６-11-03T14:05:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
