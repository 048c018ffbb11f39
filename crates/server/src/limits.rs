//! Limits and back-pressure (issue 8): bounded requests in flight with a short, bounded admission queue
//! (`admit`, fast 503 + `Retry-After` beyond it), per-account token-bucket rate limits (`RateLimiter`, 429 +
//! `Retry-After`), and the connection bound the accept loops enforce (`Limits::max_connections`).
//!
//! Invariants: an overloaded server answers quickly with a TAXII error (503 or 429, `Retry-After`), never a 500
//! and never a silent wait longer than `admission_timeout`; `/healthz`, `/readyz` and `/metrics` bypass
//! admission so operators can see an overloaded node; every queue is bounded; no lock is held across an `.await`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::AppState;
use crate::error::ApiError;

/// Paths that bypass admission (monitoring must work on an overloaded node).
const UNLIMITED_PATHS: [&str; 3] = ["/healthz", "/readyz", "/metrics"];
/// The most accounts whose buckets are kept; beyond it, full buckets (idle accounts) are forgotten.
const MAX_TRACKED_ACCOUNTS: usize = 100_000;

/// The server's limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Open connections at most; more are answered 503 and closed at once.
    pub max_connections: usize,
    /// Requests being processed at most.
    pub max_in_flight: usize,
    /// Requests waiting for admission at most; more are answered 503 at once.
    pub max_waiting: usize,
    /// How long a request may wait for admission before it is answered 503.
    pub admission_timeout: Duration,
    /// Per-account request rate; `None` is unlimited.
    pub account_rate: Option<RateLimit>,
}

/// A token bucket: `per_second` tokens are added each second up to `burst`; each request takes one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub per_second: f64,
    /// Requests allowed at once after an idle period.
    pub burst: u32,
}

impl Default for Limits {
    /// Sized from the number of CPUs: enough requests in flight to keep the cores and the store busy, few
    /// enough that an admitted request is not slowed down much by the others; a queue as long, and a wait short
    /// enough, that a request admitted after waiting is still answered within a few service times.
    fn default() -> Limits {
        let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let max_in_flight = 8 * cpus;
        Limits {
            max_connections: 1024,
            max_in_flight,
            max_waiting: 2 * max_in_flight,
            admission_timeout: Duration::from_millis(100),
            account_rate: None,
        }
    }
}

/// The admission state of one server.
#[derive(Debug)]
pub(crate) struct Admission {
    permits: Semaphore,
    waiting: AtomicUsize,
    in_flight: AtomicUsize,
    connections: AtomicUsize,
    pub(crate) limits: Limits,
    rate: Option<RateLimiter>,
}

impl Admission {
    pub(crate) fn new(limits: Limits) -> Admission {
        Admission {
            permits: Semaphore::new(limits.max_in_flight.max(1)),
            waiting: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            rate: limits.account_rate.map(RateLimiter::new),
            limits,
        }
    }

    /// (requests in flight, requests waiting for admission, open connections) now.
    pub(crate) fn depths(&self) -> (usize, usize, usize) {
        (
            self.in_flight.load(Ordering::Relaxed),
            self.waiting.load(Ordering::Relaxed),
            self.connections.load(Ordering::Relaxed),
        )
    }

    /// Takes a connection slot, or `None` when `max_connections` are open.
    pub(crate) fn open_connection(self: &Arc<Admission>) -> Option<ConnectionSlot> {
        let previous = self.connections.fetch_add(1, Ordering::AcqRel);
        if previous >= self.limits.max_connections {
            self.connections.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(ConnectionSlot {
            admission: Arc::clone(self),
        })
    }

    /// 429 when `account` has used up its rate.
    pub(crate) fn check_rate(&self, account: &str) -> Result<(), ApiError> {
        match &self.rate {
            Some(rate) => rate.take(account, Instant::now()),
            None => Ok(()),
        }
    }
}

/// An open connection, counted until dropped.
#[derive(Debug)]
pub(crate) struct ConnectionSlot {
    admission: Arc<Admission>,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.admission.connections.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Middleware: runs the request once one of `max_in_flight` permits is free, waiting at most
/// `admission_timeout` in a queue of at most `max_waiting`; otherwise answers 503 with `Retry-After`.
pub(crate) async fn admit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if UNLIMITED_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let admission = &state.admission;
    let permit = match admission.permits.try_acquire() {
        Ok(permit) => permit,
        Err(_) => {
            // Counted until this scope ends, also when the client goes away and the request is dropped.
            let waiting = Gauge::enter(&admission.waiting);
            let permit = if waiting.previous >= admission.limits.max_waiting {
                None
            } else {
                tokio::time::timeout(admission.limits.admission_timeout, admission.permits.acquire())
                    .await
                    .ok()
                    .and_then(Result::ok)
            };
            drop(waiting);
            match permit {
                Some(permit) => permit,
                None => {
                    state.metrics.record_shed();
                    return ApiError::Overloaded.into_response();
                }
            }
        }
    };
    let in_flight = Gauge::enter(&admission.in_flight);
    let response = next.run(request).await;
    drop(in_flight);
    drop(permit);
    response
}

/// One unit of a gauge, held for a scope (released on drop, so a cancelled request does not leak it).
struct Gauge<'a> {
    counter: &'a AtomicUsize,
    previous: usize,
}

impl Gauge<'_> {
    fn enter(counter: &AtomicUsize) -> Gauge<'_> {
        let previous = counter.fetch_add(1, Ordering::AcqRel);
        Gauge { counter, previous }
    }
}

impl Drop for Gauge<'_> {
    fn drop(&mut self) {
        self.counter.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Token buckets per account.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    rate: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub(crate) fn new(rate: RateLimit) -> RateLimiter {
        RateLimiter {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token from `account`'s bucket at `now`, or says how long until one is there (429).
    pub(crate) fn take(&self, account: &str, now: Instant) -> Result<(), ApiError> {
        let burst = f64::from(self.rate.burst.max(1));
        let per_second = self.rate.per_second.max(f64::MIN_POSITIVE);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED_ACCOUNTS && !buckets.contains_key(account) {
            buckets.retain(|_, bucket| {
                bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second < burst
            });
        }
        let bucket = buckets.entry(account.to_owned()).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait_seconds = ((1.0 - bucket.tokens) / per_second).ceil().max(1.0);
        Err(ApiError::TooManyRequests {
            retry_after_seconds: wait_seconds as u64,
        })
    }
}

#[cfg(test)]
mod tests;
