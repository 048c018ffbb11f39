//! When a failed delivery is tried again: the Standard Webhooks schedule (immediately, then 5 s, 5 min,
//! 30 min, 2 h, 5 h, 10 h, 10 h after each failure), configurable (tests shorten it), and `Retry-After`.
//!
//! A message that failed on every step of the schedule goes to the endpoint's dead letters.

use std::time::Duration;

/// The delay before each attempt; the first is the initial delivery (normally zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
}

impl Default for RetrySchedule {
    /// The specification's schedule: 8 attempts over about 28 hours.
    fn default() -> RetrySchedule {
        let secs = [0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];
        RetrySchedule {
            delays: secs.into_iter().map(Duration::from_secs).collect(),
        }
    }
}

impl RetrySchedule {
    /// A schedule from its delays; `None` when empty (a message must get at least one attempt).
    pub fn new(delays: Vec<Duration>) -> Option<RetrySchedule> {
        (!delays.is_empty()).then_some(RetrySchedule { delays })
    }

    /// Parses `0s,5s,5m,30m,2h` (units `ms`, `s`, `m`, `h`; a bare number is seconds).
    pub fn parse(text: &str) -> Result<RetrySchedule, String> {
        let delays = text
            .split(',')
            .map(|part| parse_duration(part.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        RetrySchedule::new(delays).ok_or_else(|| "a retry schedule needs at least one delay".to_owned())
    }

    /// How many attempts a message gets in all.
    pub fn attempts(&self) -> usize {
        self.delays.len()
    }

    /// The delay before the first attempt.
    pub fn first(&self) -> Duration {
        self.delays.first().copied().unwrap_or_default()
    }

    /// After `attempts_made` failed attempts: the wait before the next one, or `None` when the schedule is
    /// spent (the message becomes a dead letter).
    pub fn after_failure(&self, attempts_made: u32) -> Option<Duration> {
        self.delays.get(usize::try_from(attempts_made).ok()?).copied()
    }

    /// The delays, for display.
    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }
}

/// A delay such as `500ms`, `5s`, `5m` or `2h` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a delay such as 500ms, 5s, 5m or 2h");
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number.parse().map_err(|_| bad())?;
    let millis = match unit {
        "ms" => value,
        "" | "s" => value.checked_mul(1000).ok_or_else(bad)?,
        "m" => value.checked_mul(60_000).ok_or_else(bad)?,
        "h" => value.checked_mul(3_600_000).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    Ok(Duration::from_millis(millis))
}

/// The wait a `Retry-After` header asks for: delta-seconds, or an HTTP date (IMF-fixdate) relative to
/// `now_secs`. `None` when absent or unreadable (then the schedule decides).
pub fn parse_retry_after(value: &str, now_secs: i64) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_imf_fixdate(value)?;
    Some(Duration::from_secs(u64::try_from(at - now_secs).unwrap_or(0)))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` → unix seconds.
fn parse_imf_fixdate(value: &str) -> Option<i64> {
    let rest = value.split_once(", ")?.1;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = i64::try_from(MONTHS.iter().position(|m| m == month)? + 1).ok()?;
    let day: i64 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<i64> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else { return None };
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the well-known civil-from-days inverse).
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
    fn default_is_the_specification_schedule() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.attempts(), 8);
        assert_eq!(schedule.first(), Duration::ZERO);
        assert_eq!(schedule.after_failure(1), Some(Duration::from_secs(5)));
        assert_eq!(schedule.after_failure(2), Some(Duration::from_secs(300)));
        assert_eq!(schedule.after_failure(7), Some(Duration::from_secs(36_000)));
        assert_eq!(schedule.after_failure(8), None);
    }

    #[test]
    fn parses_configured_schedules() {
        let schedule = RetrySchedule::parse("0, 100ms, 1s, 2m, 1h").expect("valid");
        assert_eq!(
            schedule.delays(),
            [0, 100, 1000, 120_000, 3_600_000]
                .map(Duration::from_millis)
                .as_slice()
        );
        assert!(RetrySchedule::parse("").is_err());
        assert!(RetrySchedule::parse("5x").is_err());
        assert!(RetrySchedule::parse("-1s").is_err());
    }

    #[test]
    fn reads_retry_after() {
        assert_eq!(parse_retry_after("120", 0), Some(Duration::from_secs(120)));
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777 - 30),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777 + 30),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", 0), None);
    }
}
