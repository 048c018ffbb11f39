//! Durations as a scenario writes them: `"90s"`, `"2m"`, `"1m30s"`, `"500ms"`, `"1h"`, or a bare number of
//! seconds. Kept in milliseconds (a drill's clock needs no finer grain).

/// The longest duration a scenario may name (a week): beyond it a typo, not a drill.
pub const MAX_MS: u64 = 7 * 24 * 3600 * 1000;

/// Parses a duration; the error says what is wrong.
///
/// # Errors
/// Empty text, an unknown unit, a number without a unit after another part, or more than `MAX_MS`.
pub fn parse_ms(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("an empty duration".to_owned());
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return checked(seconds.checked_mul(1000));
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("{text:?}: expected a number before {rest:?}"));
        }
        let number: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("{text:?}: the number is too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let factor = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "" => return Err(format!("{text:?}: a unit (ms, s, m, h) must follow {number}")),
            unit => return Err(format!("{text:?}: unknown unit {unit:?} (ms, s, m, h)")),
        };
        rest = &rest[unit_len..];
        total = match number.checked_mul(factor).and_then(|ms| total.checked_add(ms)) {
            Some(total) => total,
            None => return Err(format!("{text:?} is too long")),
        };
    }
    checked(Some(total))
}

fn checked(ms: Option<u64>) -> Result<u64, String> {
    match ms {
        Some(ms) if ms <= MAX_MS => Ok(ms),
        _ => Err("longer than a week".to_owned()),
    }
}

/// Writes milliseconds the short way (`1m30s`, `250ms`).
pub fn format_ms(ms: u64) -> String {
    if ms == 0 {
        return "0s".to_owned();
    }
    if !ms.is_multiple_of(1000) {
        return if ms < 1000 {
            format!("{ms}ms")
        } else {
            format!("{:.1}s", ms as f64 / 1000.0)
        };
    }
    let seconds = ms / 1000;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut out = String::new();
    for (n, unit) in [(h, "h"), (m, "m"), (s, "s")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_combinations() {
        assert_eq!(parse_ms("90"), Ok(90_000));
        assert_eq!(parse_ms("90s"), Ok(90_000));
        assert_eq!(parse_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_ms("500ms"), Ok(500));
        assert_eq!(parse_ms("1h"), Ok(3_600_000));
        assert!(parse_ms("").is_err());
        assert!(parse_ms("5").is_ok());
        assert!(parse_ms("5x").unwrap_err().contains("unknown unit"));
        assert!(parse_ms("1m30").unwrap_err().contains("a unit"));
        assert!(parse_ms("8d").is_err());
        assert!(parse_ms("200h").is_err());
        assert!(parse_ms("99999999999999999999s").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for ms in [0, 250, 1000, 90_000, 3_600_000, 3_723_000] {
            assert_eq!(parse_ms(&format_ms(ms)).unwrap_or(u64::MAX), ms, "{ms}");
        }
        assert_eq!(format_ms(1500), "1.5s");
    }
}
