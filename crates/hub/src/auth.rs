//! Authentication: HTTP Basic against argon2id hashes, bearer tokens by SHA-256, and the credential cache.
//!
//! Invariant (standards §5 trap 17): a password is checked with argon2 at most once per cache period. A
//! verified credential is cached under SHA-256(process-random key ‖ name ‖ 0 ‖ password), so the cache holds no
//! password and a digest is useless outside this process. Argon2 runs on the blocking pool. Bearer tokens are
//! stored and looked up only as SHA-256 digests. Failed attempts are never cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use store::Account;

use crate::{Hub, HubError, HubResult};

const MAX_CACHED: usize = 10_000;

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

/// Verified credentials, by keyed digest, for a short time.
#[derive(Debug)]
pub(crate) struct CredentialCache {
    key: [u8; 32],
    /// An argon2id hash of a random password, verified against when a name is unknown.
    dummy_hash: String,
    ttl: Duration,
    entries: Mutex<HashMap<[u8; 32], (Caller, Instant)>>,
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
        })
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

    fn get(&self, digest: &[u8; 32]) -> Option<Caller> {
        let entries = self.entries.lock().ok()?;
        let (caller, at) = entries.get(digest)?;
        (at.elapsed() < self.ttl).then(|| caller.clone())
    }

    fn put(&self, digest: [u8; 32], caller: Caller) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_CACHED {
                let ttl = self.ttl;
                entries.retain(|_, (_, at)| at.elapsed() < ttl);
                if entries.len() >= MAX_CACHED {
                    entries.clear();
                }
            }
            entries.insert(digest, (caller, Instant::now()));
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

fn password_matches(password: &str, phc: &str) -> bool {
    !phc.is_empty()
        && PasswordVerifier::<str>::verify_password(&Argon2::default(), password.as_bytes(), phc).is_ok()
}

/// SHA-256 of a bearer token.
pub(crate) fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Hub {
    /// Authenticates HTTP Basic credentials.
    pub async fn authenticate_basic(&self, name: &str, password: &str) -> HubResult<Caller> {
        let digest = self
            .credentials
            .digest(b'b', &[name.as_bytes(), password.as_bytes()]);
        if let Some(caller) = self.credentials.get(&digest) {
            return Ok(caller);
        }
        let account = self.store.account(name).await?;
        // An unknown name is checked against a dummy hash, so timing does not reveal which names exist.
        let phc = account.as_ref().map_or_else(
            || self.credentials.dummy_hash.clone(),
            |a| a.password_hash.clone(),
        );
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || password_matches(&password, &phc))
            .await
            .map_err(|err| HubError::Internal(format!("password check failed: {err}")))?;
        let Some(account) = account.filter(|_| matches) else {
            return Err(HubError::Unauthenticated);
        };
        let caller = Caller::from_account(&account);
        self.credentials.put(digest, caller.clone());
        Ok(caller)
    }

    /// Authenticates the account named by a client certificate that the TLS layer has already verified
    /// against the configured client CA (see docs/taxii-server.md, "Client certificates").
    pub async fn authenticate_certificate(&self, name: &str) -> HubResult<Caller> {
        let digest = self.credentials.digest(b'c', &[name.as_bytes()]);
        if let Some(caller) = self.credentials.get(&digest) {
            return Ok(caller);
        }
        let account = self.store.account(name).await?.ok_or(HubError::Unauthenticated)?;
        let caller = Caller::from_account(&account);
        self.credentials.put(digest, caller.clone());
        Ok(caller)
    }

    /// Authenticates a bearer token.
    pub async fn authenticate_bearer(&self, token: &str) -> HubResult<Caller> {
        let token_sha256 = token_digest(token);
        let digest = self.credentials.digest(b't', &[&token_sha256]);
        if let Some(caller) = self.credentials.get(&digest) {
            return Ok(caller);
        }
        let account = self
            .store
            .account_for_token(&token_sha256)
            .await?
            .ok_or(HubError::Unauthenticated)?;
        let caller = Caller::from_account(&account);
        self.credentials.put(digest, caller.clone());
        Ok(caller)
    }

    /// The key web sessions are signed with: a store secret, so every node on one store accepts the
    /// sessions the others issued (sessions are stateless signed cookies, see `server::web::session`).
    pub async fn web_session_key(&self) -> HubResult<[u8; 32]> {
        Ok(self.store.secret("web-session-key").await?)
    }

    /// The caller for a web session whose signature and expiry the transport already checked. The account is
    /// looked up (and cached like a credential) so a deleted account's sessions stop working.
    pub async fn session_caller(&self, name: &str) -> HubResult<Caller> {
        let digest = self.credentials.digest(b's', &[name.as_bytes()]);
        if let Some(caller) = self.credentials.get(&digest) {
            return Ok(caller);
        }
        let account = self.store.account(name).await?.ok_or(HubError::Unauthenticated)?;
        let caller = Caller::from_account(&account);
        self.credentials.put(digest, caller.clone());
        Ok(caller)
    }
}
