//! Authentication: HTTP Basic against argon2id hashes, bearer tokens by SHA-256, client certificates, web
//! sessions, and the credential cache.
//!
//! Invariants:
//! - (standards §5 trap 17) a password is checked with argon2 at most once per `credential_cache_ttl`. A verified
//!   credential is cached under SHA-256(process-random key ‖ kind ‖ parts), so the cache holds no password and a
//!   digest is useless outside this process. Bearer tokens are stored and looked up only as SHA-256 digests.
//!   Failed attempts are never cached.
//! - (issue 12) a cached credential is trusted for at most `ACCOUNT_STALENESS` (1 s) without re-reading the
//!   account from the store: the account must still exist, be enabled and have the epoch it had when the
//!   credential was verified (every disable, delete, password change and sign-out bumps it). Tokens and
//!   sessions are re-resolved likewise. So taking access back holds on every node within 1 s.
//! - Password checks run under `login_limits`: failed sign-ins are limited per name and per client address
//!   before any hashing, and hashing has a bounded number of permits.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use store::Account;

use crate::{Hub, HubError, HubResult, now_micros};

const MAX_CACHED: usize = 10_000;
/// The longest a node acts on an account's state (enabled, epoch, tokens) without reading it again.
pub const ACCOUNT_STALENESS: Duration = Duration::from_secs(1);

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Account name.
    pub account: String,
    /// Organisation of the account, if any.
    pub org: Option<String>,
    /// Has every right.
    pub is_admin: bool,
    /// Sharing-policy role (`member`, `org-admin`, `community-admin`, `hub-admin`).
    pub role: String,
}

impl Caller {
    fn from_account(account: &Account) -> Caller {
        Caller {
            account: account.name.clone(),
            org: account.org.clone(),
            is_admin: account.is_admin,
            role: account.role.clone(),
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    caller: Caller,
    epoch: i64,
    verified_at: Instant,
    checked_at: Instant,
}

/// What the cache knows of a credential.
enum Cached {
    /// Checked against the store less than `ACCOUNT_STALENESS` ago.
    Fresh(Caller),
    /// Verified within the TTL, but the account must be read again (name, epoch at verification).
    Stale(String, i64),
    Missing,
}

/// Verified credentials, by keyed digest, for a short time.
#[derive(Debug)]
pub(crate) struct CredentialCache {
    key: [u8; 32],
    /// An argon2id hash of a random password, verified against when a name is unknown.
    dummy_hash: String,
    ttl: Duration,
    entries: Mutex<HashMap<[u8; 32], Entry>>,
    /// Credentials being verified now: concurrent sign-ins with the same credential wait for the first one's
    /// argon2 check instead of repeating it (a client opening several connections at once costs one hash).
    verifying: Mutex<HashMap<[u8; 32], Arc<tokio::sync::Mutex<()>>>>,
}

impl CredentialCache {
    pub(crate) fn new(key: [u8; 32], ttl: Duration) -> HubResult<CredentialCache> {
        let dummy_password: String = key.iter().map(|b| format!("{b:02x}")).collect();
        let dummy_hash = hash_password(&dummy_password)?;
        Ok(CredentialCache {
            key,
            dummy_hash,
            ttl,
            entries: Mutex::new(HashMap::new()),
            verifying: Mutex::new(HashMap::new()),
        })
    }

    /// The lock serializing the verification of one credential.
    fn verification_lock(&self, digest: [u8; 32]) -> Arc<tokio::sync::Mutex<()>> {
        let mut verifying = self
            .verifying
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(verifying.entry(digest).or_default())
    }

    /// Forgets the lock of a finished verification once nobody else waits on it.
    fn verification_done(&self, digest: [u8; 32], lock: Arc<tokio::sync::Mutex<()>>) {
        let mut verifying = self
            .verifying
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Held by the map and by `lock` only: no other task is waiting.
        if Arc::strong_count(&lock) <= 2 {
            verifying.remove(&digest);
        }
    }

    fn digest(&self, kind: u8, parts: &[&[u8]]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.key);
        hasher.update([kind]);
        for part in parts {
            hasher.update(u64::try_from(part.len()).unwrap_or(u64::MAX).to_le_bytes());
            hasher.update(part);
        }
        hasher.finalize().into()
    }

    fn get(&self, digest: &[u8; 32]) -> Cached {
        let Ok(entries) = self.entries.lock() else {
            return Cached::Missing;
        };
        match entries.get(digest) {
            Some(entry) if entry.verified_at.elapsed() < self.ttl => {
                if entry.checked_at.elapsed() < ACCOUNT_STALENESS.min(self.ttl) {
                    Cached::Fresh(entry.caller.clone())
                } else {
                    Cached::Stale(entry.caller.account.clone(), entry.epoch)
                }
            }
            _ => Cached::Missing,
        }
    }

    /// Caches `account` as verified now.
    fn put(&self, digest: [u8; 32], account: &Account) -> Caller {
        self.put_verified_at(digest, account, Instant::now())
    }

    fn put_verified_at(&self, digest: [u8; 32], account: &Account, verified_at: Instant) -> Caller {
        let caller = Caller::from_account(account);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_CACHED {
                let ttl = self.ttl;
                entries.retain(|_, entry| entry.verified_at.elapsed() < ttl);
                if entries.len() >= MAX_CACHED {
                    entries.clear();
                }
            }
            let entry = Entry {
                caller: caller.clone(),
                epoch: account.epoch,
                verified_at,
                checked_at: Instant::now(),
            };
            entries.insert(digest, entry);
        }
        caller
    }

    /// Marks a still-valid entry as checked now (keeping when its password was verified).
    fn refresh(&self, digest: [u8; 32], account: &Account) -> Caller {
        let verified_at = self
            .entries
            .lock()
            .ok()
            .and_then(|entries| entries.get(&digest).map(|entry| entry.verified_at))
            .unwrap_or_else(Instant::now);
        self.put_verified_at(digest, account, verified_at)
    }

    fn remove(&self, digest: &[u8; 32]) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(digest);
        }
    }

    /// Forgets every cached credential of `account` (after a change made through this node).
    pub(crate) fn forget_account(&self, account: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, entry| entry.caller.account != account);
        }
    }
}

/// Hashes a password with argon2id (PHC string).
pub(crate) fn hash_password(password: &str) -> HubResult<String> {
    let hash: argon2::password_hash::phc::PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|err| HubError::Internal(format!("password hashing failed: {err}")))?;
    Ok(hash.to_string())
}

pub(crate) fn password_matches(password: &str, phc: &str) -> bool {
    !phc.is_empty()
        && PasswordVerifier::<str>::verify_password(&Argon2::default(), password.as_bytes(), phc).is_ok()
}

/// SHA-256 of a bearer token.
pub(crate) fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// An account that may act now: it exists and is not disabled.
fn usable(account: Option<Account>) -> Option<Account> {
    account.filter(|account| !account.disabled)
}

impl Hub {
    /// Authenticates HTTP Basic credentials (no client address known).
    pub async fn authenticate_basic(&self, name: &str, password: &str) -> HubResult<Caller> {
        self.authenticate_basic_from(name, password, None).await
    }

    /// Authenticates HTTP Basic credentials from `client`: a cached credential whose account is unchanged, or
    /// (within the failed sign-in limits) an argon2 check.
    pub async fn authenticate_basic_from(
        &self,
        name: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> HubResult<Caller> {
        let digest = self
            .credentials
            .digest(b'b', &[name.as_bytes(), password.as_bytes()]);
        match self.credentials.get(&digest) {
            Cached::Fresh(caller) => return Ok(caller),
            Cached::Stale(account, epoch) => match usable(self.store.account(&account).await?) {
                Some(account) if account.epoch == epoch => {
                    return Ok(self.credentials.refresh(digest, &account));
                }
                _ => self.credentials.remove(&digest),
            },
            Cached::Missing => {}
        }
        let lock = self.credentials.verification_lock(digest);
        let verified = {
            let _turn = lock.lock().await;
            match self.credentials.get(&digest) {
                // Verified by a concurrent sign-in with the same credential while this one waited.
                Cached::Fresh(caller) => Ok(caller),
                _ => self.verify_password(digest, name, password, client).await,
            }
        };
        self.credentials.verification_done(digest, lock);
        verified
    }

    /// The argon2 check of a Basic credential, within the failed sign-in limits.
    async fn verify_password(
        &self,
        digest: [u8; 32],
        name: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> HubResult<Caller> {
        self.login.check(Some(name), client)?;
        let account = self.store.account(name).await?;
        // An unknown name is checked against a dummy hash, so timing does not reveal which names exist.
        let phc = account.as_ref().map_or_else(
            || self.credentials.dummy_hash.clone(),
            |a| a.password_hash.clone(),
        );
        let password = password.to_owned();
        let matches = self.login.hash(move || password_matches(&password, &phc)).await?;
        let Some(account) = usable(account).filter(|_| matches) else {
            self.login.failed(Some(name), client);
            return Err(HubError::Unauthenticated);
        };
        self.login.succeeded(name);
        Ok(self.credentials.put(digest, &account))
    }

    /// Authenticates the account named by a client certificate that the TLS layer has already verified
    /// against the configured client CA (see docs/taxii-server.md, "Client certificates").
    pub async fn authenticate_certificate(&self, name: &str) -> HubResult<Caller> {
        let digest = self.credentials.digest(b'c', &[name.as_bytes()]);
        if let Cached::Fresh(caller) = self.credentials.get(&digest) {
            return Ok(caller);
        }
        let account = usable(self.store.account(name).await?).ok_or(HubError::Unauthenticated)?;
        Ok(self.credentials.put(digest, &account))
    }

    /// Authenticates a bearer token (no client address known).
    pub async fn authenticate_bearer(&self, token: &str) -> HubResult<Caller> {
        self.authenticate_bearer_from(token, None).await
    }

    /// Authenticates a bearer token from `client`; unknown, expired and revoked tokens count as failures of
    /// the address.
    pub async fn authenticate_bearer_from(&self, token: &str, client: Option<IpAddr>) -> HubResult<Caller> {
        let token_sha256 = token_digest(token);
        let digest = self.credentials.digest(b't', &[&token_sha256]);
        if let Cached::Fresh(caller) = self.credentials.get(&digest) {
            return Ok(caller);
        }
        self.login.check(None, client)?;
        let account = self.store.account_for_token(&token_sha256, now_micros()).await?;
        let Some(account) = usable(account) else {
            self.credentials.remove(&digest);
            self.login.failed(None, client);
            return Err(HubError::Unauthenticated);
        };
        Ok(self.credentials.put(digest, &account))
    }

    /// The key web sessions are signed with: a store secret, so every node on one store accepts the
    /// sessions the others issued (sessions are signed cookies, see `server::web::session`).
    pub async fn web_session_key(&self) -> HubResult<[u8; 32]> {
        Ok(self.store.secret("web-session-key").await?)
    }

    /// The caller for a web session whose signature and expiry the transport already checked, issued at
    /// account epoch `epoch`. The account is re-read at least every second: a session of a disabled or deleted
    /// account, or one issued before a sign-out or password change (a newer epoch), is refused.
    pub async fn session_caller(&self, name: &str, epoch: i64) -> HubResult<Caller> {
        let digest = self
            .credentials
            .digest(b's', &[name.as_bytes(), &epoch.to_le_bytes()]);
        if let Cached::Fresh(caller) = self.credentials.get(&digest) {
            return Ok(caller);
        }
        let account = usable(self.store.account(name).await?)
            .filter(|account| account.epoch == epoch)
            .ok_or_else(|| {
                self.credentials.remove(&digest);
                HubError::Unauthenticated
            })?;
        Ok(self.credentials.put(digest, &account))
    }

    /// The caller acting as the account `name`, for trusted code that already knows who acts (the demo data
    /// loader, tests): no credential is checked.
    pub async fn account_caller(&self, name: &str) -> HubResult<Caller> {
        let account = usable(self.store.account(name).await?).ok_or(HubError::NotFound)?;
        Ok(Caller::from_account(&account))
    }

    /// The account epoch a new web session of `name` carries (read after the password was checked).
    pub async fn session_epoch(&self, name: &str) -> HubResult<i64> {
        let account = usable(self.store.account(name).await?).ok_or(HubError::Unauthenticated)?;
        Ok(account.epoch)
    }
}
