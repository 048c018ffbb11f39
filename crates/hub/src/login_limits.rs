//! Bounds on password guessing (issue 12): failed sign-ins are limited per account name and per client
//! address, and password hashing (argon2, ~30 ms of one core each) runs at most `hashing_permits` at a time.
//!
//! Rules (docs/taxii-server.md, "Failed sign-ins"):
//! - Each account name and each client address has a bucket of failures: `burst` failures at once, refilled at
//!   `per_minute`. A name or address with an empty bucket is refused (`HubError::TooManyAttempts`, 429 with
//!   `Retry-After`) *before* any password is hashed, so a flood costs no hashing. Bearer tokens fail per address
//!   only (an unknown token names no account).
//! - A credential already verified and cached is served without these checks: a legitimate client keeps
//!   working while its name is being guessed at; a new sign-in of that name waits for the bucket.
//! - A success empties the name's failure record (not the address's).
//! - Per node, in memory: N nodes allow N times the budget; a restart forgets it. Both are stated in the docs.
//! - Hashing waits at most `HASH_QUEUE_WAIT` for one of the permits, with at most `4 × permits` waiting; beyond
//!   that the sign-in is answered `Unavailable` (503 + `Retry-After`), so a flood of guesses from many
//!   addresses cannot take every core or every request slot.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::{HubError, HubResult};

/// Most keys kept per map; beyond it, keys whose bucket has refilled are forgotten, then the oldest half.
const MAX_TRACKED: usize = 100_000;
/// How long a hashing job waits for a permit.
const HASH_QUEUE_WAIT: Duration = Duration::from_secs(2);

/// How many failed sign-ins are allowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FailureBudget {
    /// Failures allowed at once.
    pub burst: u32,
    /// Failures allowed per minute after that.
    pub per_minute: f64,
}

/// The sign-in limits of a hub.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginLimits {
    /// Per account name.
    pub per_account: FailureBudget,
    /// Per client address.
    pub per_address: FailureBudget,
    /// Password hashes computed at once (0: half the CPUs, at least one).
    pub hashing_permits: usize,
}

impl Default for LoginLimits {
    /// 10 wrong passwords for a name, then one per 6 s; 30 failures from an address, then one per 2 s.
    fn default() -> LoginLimits {
        LoginLimits {
            per_account: FailureBudget {
                burst: 10,
                per_minute: 10.0,
            },
            per_address: FailureBudget {
                burst: 30,
                per_minute: 30.0,
            },
            hashing_permits: 0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Failures still allowed.
    tokens: f64,
    updated: Instant,
}

#[derive(Debug)]
struct Buckets {
    budget: FailureBudget,
    map: Mutex<HashMap<String, Bucket>>,
}

impl Buckets {
    fn new(budget: FailureBudget) -> Buckets {
        Buckets {
            budget,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn per_second(&self) -> f64 {
        (self.budget.per_minute / 60.0).max(f64::MIN_POSITIVE)
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second()).min(f64::from(self.budget.burst.max(1)))
    }

    /// `Some(seconds)` until the next attempt is allowed, when `key` has no failure left.
    fn blocked(&self, key: &str, now: Instant) -> Option<u64> {
        let map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let tokens = self.refilled(*map.get(key)?, now);
        (tokens < 1.0).then(|| ((1.0 - tokens) / self.per_second()).ceil().max(1.0) as u64)
    }

    fn fail(&self, key: &str, now: Instant) {
        let mut map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MAX_TRACKED && !map.contains_key(key) {
            let burst = f64::from(self.budget.burst.max(1));
            map.retain(|_, bucket| self.refilled(*bucket, now) < burst);
            if map.len() >= MAX_TRACKED {
                let mut ages: Vec<Instant> = map.values().map(|bucket| bucket.updated).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 2];
                map.retain(|_, bucket| bucket.updated > cut);
            }
        }
        let fresh = Bucket {
            tokens: f64::from(self.budget.burst.max(1)),
            updated: now,
        };
        let bucket = map.entry(key.to_owned()).or_insert(fresh);
        bucket.tokens = (self.refilled(*bucket, now) - 1.0).max(0.0);
        bucket.updated = now;
    }

    fn forget(&self, key: &str) {
        let mut map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(key);
    }
}

/// Failed sign-ins per name and per address, and the hashing permits.
#[derive(Debug)]
pub(crate) struct LoginGuard {
    accounts: Buckets,
    addresses: Buckets,
    hashing: Semaphore,
    hashing_waiting: AtomicUsize,
    max_waiting: usize,
}

impl LoginGuard {
    pub(crate) fn new(limits: &LoginLimits) -> LoginGuard {
        let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let permits = if limits.hashing_permits == 0 {
            (cpus / 2).max(1)
        } else {
            limits.hashing_permits
        };
        LoginGuard {
            accounts: Buckets::new(limits.per_account),
            addresses: Buckets::new(limits.per_address),
            hashing: Semaphore::new(permits),
            hashing_waiting: AtomicUsize::new(0),
            max_waiting: 4 * permits,
        }
    }

    /// `TooManyAttempts` when the name or the address has used up its failures.
    pub(crate) fn check(&self, account: Option<&str>, client: Option<IpAddr>) -> HubResult<()> {
        let now = Instant::now();
        let by_account = account.and_then(|name| self.accounts.blocked(name, now));
        let by_address = client.and_then(|ip| self.addresses.blocked(&ip.to_string(), now));
        match by_account.max(by_address) {
            Some(retry_after_seconds) => Err(HubError::TooManyAttempts { retry_after_seconds }),
            None => Ok(()),
        }
    }

    /// Counts one failed sign-in against the name and the address.
    pub(crate) fn failed(&self, account: Option<&str>, client: Option<IpAddr>) {
        let now = Instant::now();
        if let Some(name) = account {
            self.accounts.fail(name, now);
        }
        if let Some(ip) = client {
            self.addresses.fail(&ip.to_string(), now);
        }
    }

    /// A successful sign-in of `account`: its failures are forgotten.
    pub(crate) fn succeeded(&self, account: &str) {
        self.accounts.forget(account);
    }

    /// Runs `work` (a password hash or check) on the blocking pool under one of the hashing permits.
    pub(crate) async fn hash<T, F>(&self, work: F) -> HubResult<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let busy = || HubError::Unavailable("too many password checks at once".to_owned());
        let permit = match self.hashing.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                let waiting = self.hashing_waiting.fetch_add(1, Ordering::AcqRel);
                let permit = if waiting >= self.max_waiting {
                    None
                } else {
                    tokio::time::timeout(HASH_QUEUE_WAIT, self.hashing.acquire())
                        .await
                        .ok()
                        .and_then(Result::ok)
                };
                self.hashing_waiting.fetch_sub(1, Ordering::AcqRel);
                permit.ok_or_else(busy)?
            }
        };
        let outcome = tokio::task::spawn_blocking(work)
            .await
            .map_err(|err| HubError::Internal(format!("password hashing task failed: {err}")));
        drop(permit);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_blocks_after_its_burst_and_refills() {
        let buckets = Buckets::new(FailureBudget {
            burst: 3,
            per_minute: 60.0,
        });
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(buckets.blocked("alice", start), None);
            buckets.fail("alice", start);
        }
        assert_eq!(buckets.blocked("alice", start), Some(1));
        assert_eq!(buckets.blocked("bob", start), None);
        assert_eq!(buckets.blocked("alice", start + Duration::from_secs(1)), None);
        buckets.forget("alice");
        assert_eq!(buckets.blocked("alice", start), None);
    }

    #[test]
    fn the_guard_names_the_longer_wait() {
        let guard = LoginGuard::new(&LoginLimits {
            per_account: FailureBudget {
                burst: 1,
                per_minute: 1.0,
            },
            per_address: FailureBudget {
                burst: 5,
                per_minute: 60.0,
            },
            hashing_permits: 1,
        });
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        guard.failed(Some("alice"), Some(ip));
        assert!(matches!(
            guard.check(Some("alice"), Some(ip)),
            Err(HubError::TooManyAttempts {
                retry_after_seconds: 60
            })
        ));
        assert!(guard.check(Some("bob"), Some(ip)).is_ok());
        guard.succeeded("alice");
        assert!(guard.check(Some("alice"), None).is_ok());
    }
}
