//! What a delivery attempt's answer means: delivered, gone (disable the endpoint), retry after a time the
//! receiver asked for, or a failure that follows the retry schedule.

use std::time::Duration;

use crate::schedule::parse_retry_after;

/// The longest wait a `Retry-After` may impose (a receiver cannot park an endpoint for days).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// What the sender observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The receiver answered with this status (and `Retry-After` header, if any).
    Status {
        /// The HTTP status code.
        code: u16,
        /// The raw `Retry-After` value.
        retry_after: Option<String>,
    },
    /// No answer: refused target, resolution or connection failure, TLS failure, timeout.
    Failed(String),
}

/// What the delivery side does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: delivered.
    Delivered,
    /// 410 Gone: disable the endpoint (the receiver asked to stop).
    Gone,
    /// Retry no sooner than this (a 429 or 503 with `Retry-After`); the attempt still counts.
    RetryAfter(Duration, String),
    /// Any other failure: retry per schedule.
    Failed(String),
    /// Refused for good (an SMTP 5xx): a dead letter at once, no retry. HTTP answers never map here.
    Rejected(String),
}

impl Answer {
    /// Classifies an answer; `now_secs` resolves an HTTP-date `Retry-After`.
    pub fn outcome(&self, now_secs: i64) -> Outcome {
        match self {
            Answer::Status { code, .. } if (200..300).contains(code) => Outcome::Delivered,
            Answer::Status { code: 410, .. } => Outcome::Gone,
            Answer::Status { code, retry_after } => {
                let reason = format!("HTTP {code}");
                let asked = retry_after
                    .as_deref()
                    .and_then(|value| parse_retry_after(value, now_secs));
                match asked {
                    Some(wait) if matches!(code, 429 | 503) => {
                        Outcome::RetryAfter(wait.min(MAX_RETRY_AFTER), reason)
                    }
                    _ => Outcome::Failed(reason),
                }
            }
            Answer::Failed(reason) => Outcome::Failed(reason.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, retry_after: Option<&str>) -> Answer {
        Answer::Status {
            code,
            retry_after: retry_after.map(str::to_owned),
        }
    }

    #[test]
    fn classifies_answers() {
        assert_eq!(status(200, None).outcome(0), Outcome::Delivered);
        assert_eq!(status(204, None).outcome(0), Outcome::Delivered);
        assert_eq!(status(410, None).outcome(0), Outcome::Gone);
        assert_eq!(
            status(429, Some("7")).outcome(0),
            Outcome::RetryAfter(Duration::from_secs(7), "HTTP 429".into())
        );
        assert_eq!(
            status(503, Some("999999")).outcome(0),
            Outcome::RetryAfter(MAX_RETRY_AFTER, "HTTP 503".into())
        );
        assert_eq!(status(429, None).outcome(0), Outcome::Failed("HTTP 429".into()));
        assert_eq!(
            status(500, Some("5")).outcome(0),
            Outcome::Failed("HTTP 500".into())
        );
        assert_eq!(status(301, None).outcome(0), Outcome::Failed("HTTP 301".into()));
        assert_eq!(
            Answer::Failed("timeout".into()).outcome(0),
            Outcome::Failed("timeout".into())
        );
    }
}
