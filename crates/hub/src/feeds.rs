//! Feeds in (issue 17, docs/federation.md): an upstream TAXII collection pulled into a local collection.
//!
//! This module holds the model and its administration; `feed_run` pulls. A feed is kept in the records API
//! (namespace `feed`): `config/{id}` (what to pull, where to, as whom; the credential sealed by `feed_secret`),
//! `state/{id}` (the saved position and the status the UI, API and metrics show). Two keys so a status update
//! never races an operator's edit of the configuration.
//!
//! Invariants:
//! - Every use case here authorizes `HubAdministration` first and is audited; a feed id that does not exist
//!   and one the caller may not manage answer the same `NotFound`.
//! - A credential is never shown back: views carry only its kind and the user name.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use store::{Expect, RecordScan, RecordWrite};

use crate::delegation::AdminAction;
use crate::{Caller, Hub, HubError, HubResult, now_micros};

/// The records namespace of feeds.
pub(crate) const NS: &str = "feed";
/// The most feeds a hub keeps (listing is one scan).
pub const MAX_FEEDS: usize = 1000;
/// The shortest schedule.
pub const MIN_EVERY_SECS: u64 = 10;

/// How a feed authenticates upstream (as given; the secret is sealed when stored).
#[derive(Clone, PartialEq, Eq, Default)]
pub enum FeedCredential {
    /// Nothing (or a client certificate alone).
    #[default]
    None,
    /// HTTP Basic.
    Basic {
        /// Account name.
        user: String,
        /// Password.
        password: String,
    },
    /// A bearer token.
    Bearer(String),
}

impl std::fmt::Debug for FeedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FeedCredential::None => f.write_str("None"),
            FeedCredential::Basic { user, .. } => write!(f, "Basic({user})"),
            FeedCredential::Bearer(_) => f.write_str("Bearer"),
        }
    }
}

/// What creates a feed.
#[derive(Debug, Clone, Default)]
pub struct NewFeed {
    /// The local collection (id or alias).
    pub collection: String,
    /// The upstream collection's URL (`…/collections/{id}/`).
    pub url: String,
    /// Credentials upstream.
    pub credential: FeedCredential,
    /// A PEM file of CA certificates to trust instead of the platform's.
    pub ca_file: Option<String>,
    /// A client certificate (PEM) and its key (PEM), alone or with Basic.
    pub client_certificate: Option<(String, String)>,
    /// Seconds between pulls when `serve` runs (at least `MIN_EVERY_SECS`).
    pub every_secs: u64,
    /// Start from objects added after this instant (a backfill window); `None`: everything.
    pub backfill_from: Option<String>,
    /// Marking-definition ids replaced on arrival (`from → to`); empty: markings kept as they are.
    pub marking_map: BTreeMap<String, String>,
    /// The local account the objects are posted as (ownership, quotas); `None`: `admin`.
    pub account: Option<String>,
    /// Compare with the upstream manifest every this many runs, deleting what the upstream deleted
    /// (tombstones); 0: never.
    pub reconcile_every: u32,
}

/// A stored feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FeedConfig {
    pub(crate) id: String,
    pub(crate) collection: String,
    pub(crate) api_root: String,
    pub(crate) url: String,
    pub(crate) account: String,
    pub(crate) auth_kind: String,
    #[serde(default)]
    pub(crate) user: Option<String>,
    /// The sealed password or token.
    #[serde(default)]
    pub(crate) sealed_secret: Option<String>,
    #[serde(default)]
    pub(crate) ca_file: Option<String>,
    #[serde(default)]
    pub(crate) client_certificate: Option<(String, String)>,
    pub(crate) every_secs: u64,
    #[serde(default)]
    pub(crate) backfill_from: Option<String>,
    #[serde(default)]
    pub(crate) marking_map: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) reconcile_every: u32,
    pub(crate) created_micros: i64,
}

/// What a feed has done (the saved position and the status).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedState {
    /// Resume after this `date_added` (the upstream's clock).
    pub watermark: Option<String>,
    /// When the last run started (µs).
    pub last_attempt_micros: Option<i64>,
    /// When a run last reached the end of the upstream collection (µs).
    pub last_success_micros: Option<i64>,
    /// The last run's failure, in words (`None` after a success).
    pub last_error: Option<String>,
    /// Paging or object problems of the last run that did not stop it.
    #[serde(default)]
    pub last_warnings: Vec<String>,
    /// Object versions stored locally by this feed, in total.
    pub objects_pulled: u64,
    /// Versions received that were already here (from another path, or a repeated page).
    pub objects_present: u64,
    /// Versions refused (invalid STIX, policy) — each reported in `last_warnings` with its reason.
    pub objects_failed: u64,
    /// Versions deleted because the upstream deleted them (tombstones).
    #[serde(default)]
    pub objects_deleted: u64,
    /// Pages fetched, in total.
    pub pages: u64,
    /// Runs, and failed runs.
    pub runs: u64,
    /// Failed runs.
    pub failed_runs: u64,
    /// Failures in a row (the schedule backs off on them).
    #[serde(default)]
    pub consecutive_failures: u32,
    /// A run holds the feed until then (µs), renewed per page; another run waits or gives up.
    #[serde(default)]
    pub running_until_micros: Option<i64>,
}

/// A feed as shown to an admin: never its credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedView {
    /// The feed id.
    pub id: String,
    /// The local collection id.
    pub collection: String,
    /// Its API root.
    pub api_root: String,
    /// The upstream collection URL.
    pub url: String,
    /// The account objects are posted as.
    pub account: String,
    /// `none`, `basic` or `bearer` (with `client-certificate` when one is set).
    pub auth: String,
    /// The Basic user name.
    pub user: Option<String>,
    /// The CA file.
    pub ca_file: Option<String>,
    /// Seconds between pulls.
    pub every_secs: u64,
    /// The backfill start.
    pub backfill_from: Option<String>,
    /// Marking replacements.
    pub marking_map: BTreeMap<String, String>,
    /// Runs between reconciliations (0: never).
    pub reconcile_every: u32,
    /// The status.
    pub state: FeedState,
    /// Seconds since a run last reached the end of the upstream collection (`None`: never).
    pub lag_seconds: Option<i64>,
}

/// The upstream as the feed source needs it: URL, opened credential, TLS files.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// The upstream collection URL.
    pub url: String,
    /// Credentials.
    pub credential: FeedCredential,
    /// CA file (PEM).
    pub ca_file: Option<String>,
    /// Client certificate and key files (PEM).
    pub client_certificate: Option<(String, String)>,
}

/// One page the feed source fetched.
#[derive(Debug, Default)]
pub struct UpstreamPage {
    /// The envelope's `more`.
    pub more: bool,
    /// The envelope's `next`.
    pub next: Option<String>,
    /// The objects, exact bytes.
    pub objects: Vec<Box<serde_json::value::RawValue>>,
    /// `X-TAXII-Date-Added-Last`.
    pub date_added_last: Option<String>,
}

/// One manifest page: (id, version) pairs.
#[derive(Debug, Default)]
pub struct UpstreamManifest {
    /// The envelope's `more`.
    pub more: bool,
    /// The envelope's `next`.
    pub next: Option<String>,
    /// (id, version) of each record.
    pub records: Vec<(String, String)>,
    /// `X-TAXII-Date-Added-Last`.
    pub date_added_last: Option<String>,
}

/// What a page request asks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpstreamQuery {
    /// `added_after`.
    pub added_after: Option<String>,
    /// `next`.
    pub next: Option<String>,
    /// `limit`.
    pub limit: u32,
}

/// The network side of feeds, implemented by the binary over `taxii-client` (the hub does no HTTP).
/// Errors are words an operator can act on (what the server answered).
#[async_trait]
pub trait FeedSource: Send + Sync + std::fmt::Debug {
    /// One page of `{url}/objects/` with `match[version]=all`.
    async fn objects(&self, upstream: &Upstream, query: &UpstreamQuery) -> Result<UpstreamPage, String>;
    /// One page of `{url}/manifest/` with `match[version]=all`.
    async fn manifest(&self, upstream: &Upstream, query: &UpstreamQuery) -> Result<UpstreamManifest, String>;
    /// `POST {url}/objects/` of an envelope (feeds out); `Ok` when every object was stored.
    async fn push(&self, upstream: &Upstream, envelope: Vec<u8>)
    -> Result<(), crate::feed_push::PushFailure>;
}

pub(crate) fn config_key(id: &str) -> String {
    format!("config/{id}")
}

pub(crate) fn state_key(id: &str) -> String {
    format!("state/{id}")
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &str) -> HubResult<T> {
    serde_json::from_str(body)
        .map_err(|err| HubError::Internal(format!("a feed record is unreadable: {err}")))
}

fn bad(field: &str, reason: &str) -> HubError {
    HubError::BadRequest(format!("{field}: {reason}"))
}

impl Hub {
    /// Adds a feed; returns its id.
    pub async fn add_feed(&self, caller: &Caller, new: NewFeed) -> HubResult<String> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        if !(new.url.starts_with("http://") || new.url.starts_with("https://")) || new.url.len() > 2048 {
            return Err(bad(
                "url",
                "an http:// or https:// collection URL of at most 2048 bytes",
            ));
        }
        if new.url.contains('@') {
            return Err(bad(
                "url",
                "credentials belong in --user/--password-stdin or --token-stdin",
            ));
        }
        if new.every_secs < MIN_EVERY_SECS {
            return Err(bad("every", &format!("at least {MIN_EVERY_SECS} seconds")));
        }
        if let Some(from) = &new.backfill_from {
            taxii::timestamp::parse_added_after(from)
                .map_err(|_| bad("backfill_from", "not an RFC 3339 timestamp"))?;
        }
        for (from, to) in &new.marking_map {
            for id in [from, to] {
                if !id.starts_with("marking-definition--") || stix::id::StixId::parse(id).is_err() {
                    return Err(bad(
                        "marking_map",
                        &format!("{id:?} is not a marking-definition id"),
                    ));
                }
            }
        }
        let collection = self
            .store
            .find_collection(&new.collection)
            .await?
            .ok_or_else(|| bad("collection", "no such collection"))?;
        let account = new.account.unwrap_or_else(|| crate::ADMIN_ACCOUNT.to_owned());
        self.account_caller(&account)
            .await
            .map_err(|_| bad("account", "no such account"))?;
        if let FeedCredential::Basic { user, .. } = &new.credential
            && (user.is_empty() || user.contains(':'))
        {
            return Err(bad("user", "a non-empty name without ':'"));
        }
        if let FeedCredential::Bearer(token) = &new.credential
            && (token.is_empty() || token.contains(char::is_whitespace))
        {
            return Err(bad("token", "a non-empty token without spaces"));
        }
        let (auth_kind, user, sealed_secret) = self.seal_credential(&new.credential).await?;
        let n_feeds = self
            .store
            .records(RecordScan::prefix(NS, "config/", MAX_FEEDS))
            .await?
            .len();
        if n_feeds >= MAX_FEEDS {
            return Err(bad("feed", &format!("a hub keeps at most {MAX_FEEDS} feeds")));
        }
        let id = format!("feed--{}", uuid::Uuid::new_v4());
        let config = FeedConfig {
            id: id.clone(),
            collection: collection.id.as_str().to_owned(),
            api_root: collection.api_root.clone(),
            url: new.url,
            account,
            auth_kind,
            user,
            sealed_secret,
            ca_file: new.ca_file,
            client_certificate: new.client_certificate,
            every_secs: new.every_secs,
            backfill_from: new.backfill_from.clone(),
            marking_map: new.marking_map,
            reconcile_every: new.reconcile_every,
            created_micros: now_micros(),
        };
        let state = FeedState {
            watermark: new.backfill_from,
            ..FeedState::default()
        };
        self.store
            .write_records(
                vec![
                    RecordWrite::put(NS, config_key(&id), json(&config)?).expecting(Expect::Absent),
                    RecordWrite::put(NS, state_key(&id), json(&state)?).expecting(Expect::Absent),
                ],
                now_micros(),
            )
            .await?;
        let mut details = serde_json::json!({"feed": id, "url": config.url, "collection": config.collection});
        if let Some(org) = &caller.org {
            details["organisation"] = org.as_str().into();
        }
        self.audit(&caller.account, "feed.add", 0, details).await?;
        Ok(id)
    }

    /// Every feed, with its status.
    pub async fn list_feeds(&self, caller: &Caller) -> HubResult<Vec<FeedView>> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        self.feed_statuses().await
    }

    /// One feed with its status.
    pub async fn feed(&self, caller: &Caller, id: &str) -> HubResult<FeedView> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        let config = self.feed_config(id).await?;
        let state = self.feed_state(id).await?.0;
        Ok(view(&config, state))
    }

    /// Removes a feed (what it pulled stays).
    pub async fn remove_feed(&self, caller: &Caller, id: &str) -> HubResult<()> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        self.feed_config(id).await?;
        self.store
            .write_records(
                vec![
                    RecordWrite::delete(NS, config_key(id)),
                    RecordWrite::delete(NS, state_key(id)),
                ],
                now_micros(),
            )
            .await?;
        self.audit(&caller.account, "feed.remove", 0, serde_json::json!({"feed": id}))
            .await
    }

    pub(crate) async fn feed_config(&self, id: &str) -> HubResult<FeedConfig> {
        let record = self
            .store
            .record(NS, &config_key(id))
            .await?
            .ok_or(HubError::NotFound)?;
        parse_json(&record.body)
    }

    /// The state and its record version (for compare-and-swap).
    pub(crate) async fn feed_state(&self, id: &str) -> HubResult<(FeedState, Option<i64>)> {
        Ok(match self.store.record(NS, &state_key(id)).await? {
            Some(record) => (parse_json(&record.body)?, Some(record.version)),
            None => (FeedState::default(), None),
        })
    }

    /// The upstream of a stored feed, its credential opened.
    pub(crate) async fn feed_upstream(&self, config: &FeedConfig) -> HubResult<Upstream> {
        Ok(Upstream {
            url: config.url.clone(),
            credential: self
                .open_credential(
                    &config.auth_kind,
                    config.user.as_deref(),
                    config.sealed_secret.as_deref(),
                )
                .await?,
            ca_file: config.ca_file.clone(),
            client_certificate: config.client_certificate.clone(),
        })
    }

    /// (kind, user, sealed secret) of a credential, as feeds and pushes store it.
    pub(crate) async fn seal_credential(
        &self,
        credential: &FeedCredential,
    ) -> HubResult<(String, Option<String>, Option<String>)> {
        let key = self.store.secret("feed-credentials").await?;
        Ok(match credential {
            FeedCredential::None => ("none".to_owned(), None, None),
            FeedCredential::Basic { user, password } => (
                "basic".to_owned(),
                Some(user.clone()),
                Some(crate::feed_secret::seal(&key, password)?),
            ),
            FeedCredential::Bearer(token) => (
                "bearer".to_owned(),
                None,
                Some(crate::feed_secret::seal(&key, token)?),
            ),
        })
    }

    /// What `seal_credential` stored, opened.
    pub(crate) async fn open_credential(
        &self,
        kind: &str,
        user: Option<&str>,
        sealed: Option<&str>,
    ) -> HubResult<FeedCredential> {
        let secret = match sealed {
            Some(sealed) => Some(crate::feed_secret::open(
                &self.store.secret("feed-credentials").await?,
                sealed,
            )?),
            None => None,
        };
        Ok(match (kind, secret) {
            ("basic", Some(password)) => FeedCredential::Basic {
                user: user.unwrap_or_default().to_owned(),
                password,
            },
            ("bearer", Some(token)) => FeedCredential::Bearer(token),
            _ => FeedCredential::None,
        })
    }
}

pub(crate) fn json<T: Serialize>(value: &T) -> HubResult<String> {
    serde_json::to_string(value).map_err(|err| HubError::Internal(format!("feed record: {err}")))
}

fn view(config: &FeedConfig, state: FeedState) -> FeedView {
    let mut auth = config.auth_kind.clone();
    if config.client_certificate.is_some() {
        auth.push_str(if auth == "none" { "" } else { "+" });
        auth = auth.replace("none", "");
        auth.push_str("client-certificate");
    }
    let lag_seconds = state
        .last_success_micros
        .map(|at| (now_micros() - at).max(0) / 1_000_000);
    FeedView {
        id: config.id.clone(),
        collection: config.collection.clone(),
        api_root: config.api_root.clone(),
        url: config.url.clone(),
        account: config.account.clone(),
        auth,
        user: config.user.clone(),
        ca_file: config.ca_file.clone(),
        every_secs: config.every_secs,
        backfill_from: config.backfill_from.clone(),
        marking_map: config.marking_map.clone(),
        reconcile_every: config.reconcile_every,
        state,
        lag_seconds,
    }
}

impl Hub {
    /// Every feed's status, for `/metrics` and the scheduler (the transport shows only counts per random
    /// feed id; no authorization because nothing here names an upstream, account or collection to the scrape).
    pub async fn feed_statuses(&self) -> HubResult<Vec<FeedView>> {
        let configs = self
            .store
            .records(RecordScan::prefix(NS, "config/", MAX_FEEDS))
            .await?;
        let mut views = Vec::with_capacity(configs.len());
        for record in configs {
            let config: FeedConfig = parse_json(&record.body)?;
            let state = self.feed_state(&config.id).await?.0;
            views.push(view(&config, state));
        }
        Ok(views)
    }
}
