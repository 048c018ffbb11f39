//! The token bucket: burst, refill, the wait it announces, and one bucket per account.

use std::time::{Duration, Instant};

use super::{RateLimit, RateLimiter};
use crate::error::ApiError;

fn retry_after(outcome: Result<(), ApiError>) -> Option<u64> {
    match outcome {
        Ok(()) => None,
        Err(ApiError::TooManyRequests { retry_after_seconds }) => Some(retry_after_seconds),
        Err(other) => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_burst_passes_then_requests_wait_for_the_refill() {
    let limiter = RateLimiter::new(RateLimit {
        per_second: 0.5,
        burst: 3,
    });
    let start = Instant::now();
    for _ in 0..3 {
        assert_eq!(retry_after(limiter.take("alice", start)), None);
    }
    assert_eq!(retry_after(limiter.take("alice", start)), Some(2));
    assert_eq!(
        retry_after(limiter.take("bob", start)),
        None,
        "buckets are per account"
    );
    assert_eq!(
        retry_after(limiter.take("alice", start + Duration::from_secs(1))),
        Some(1)
    );
    assert_eq!(
        retry_after(limiter.take("alice", start + Duration::from_secs(2))),
        None
    );
    assert_eq!(
        retry_after(limiter.take("alice", start + Duration::from_secs(2))),
        Some(2)
    );
}

#[test]
fn an_idle_bucket_refills_only_up_to_the_burst() {
    let limiter = RateLimiter::new(RateLimit {
        per_second: 100.0,
        burst: 2,
    });
    let start = Instant::now();
    let later = start + Duration::from_secs(3600);
    assert_eq!(retry_after(limiter.take("carol", start)), None);
    for _ in 0..2 {
        assert_eq!(retry_after(limiter.take("carol", later)), None);
    }
    assert_eq!(retry_after(limiter.take("carol", later)), Some(1));
}
