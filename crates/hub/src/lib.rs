//! The hub's use cases: ingest, reads, catalog (discovery, API roots, collections), accounts, tokens, grants
//! and statuses. Async, transport-agnostic: no axum, no SQL, no HTTP status codes.
//!
//! Invariants:
//! - Every object read leaves through `Hub::scan_released` (in `released`), the one reader of released rows,
//!   where the sharing policy (issue 6, `release`) filters per object version. Nothing else hands stored
//!   objects out.
//! - A status says an object was stored only after the store committed it.
//! - Every write, delete, admin action and collection read is recorded in the audit log (`audit`): writes and
//!   admin actions before the use case returns, reads through a buffer flushed in batches.
//! - Whether a collection, object or status exists is never revealed to a caller without rights on it: such
//!   callers get `NotFound`, exactly as for things that do not exist.

mod accounts;
mod admin;
mod asset_claims;
mod audit;
mod audit_report;
mod auth;
mod catalog;
mod contribute;
mod correlate;
mod cursor;
mod delegation;
mod digest_rounds;
mod email;
mod error;
mod event_read;
mod event_share;
mod event_tail;
mod export;
mod feed_push;
mod feed_reconcile;
mod feed_run;
mod feed_secret;
mod feedback;
mod feeds;
mod health;
mod incidents;
mod ingest;
mod live_index;
mod live_match;
mod login_limits;
mod marked;
mod ownership;
mod quota;
mod read;
mod release;
mod released;
mod review;
mod search;
mod sharing;
mod subscriptions;
mod supply_chain;
mod timing;
mod transfer;
mod victim_release;
mod victims;
mod webhook_worker;
mod webhooks;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use store::Store;

pub use crate::accounts::{NewToken, TokenInfo};
pub use crate::admin::{
    ADMIN_ACCOUNT, Bootstrap, DEFAULT_API_ROOT, DEFAULT_COLLECTION_ALIAS, NewAccount, NewCollection, Rights,
};
pub use crate::asset_claims::{AssetOverlap, AssetView, MAX_ASSETS_PER_ORG};
pub use crate::audit::{AUDIT_FLUSH_PERIOD, HUB_ACTOR, OPERATOR_ACTOR};
pub use crate::audit_report::{
    AUDIT_MAX_LIST, AuditBreak, AuditLogEntry, AuditReport, AuditVerification, OrgTransparency,
};
pub use crate::auth::{ACCOUNT_STALENESS, Caller};
pub use crate::contribute::{
    DocumentCheck, ObservableProblem, check_document, indicators_from_observables, parse_tlp,
};
pub use crate::correlate::{CORRELATE_BUDGET, CollectionHits, Correlation, MAX_RELATED, Related};
pub use crate::delegation::AdminAction;
pub use crate::email::{DIGEST_RANGE, EmailDestination, MailSender};
pub use crate::error::HubError;
pub use crate::event_read::{DeliveredEvent, EventBatch, EventReader};
pub use crate::event_share::{SharedBatch, SharedReader};
pub use crate::event_tail::{EventBus, EventsConfig};
pub use crate::export::{ExportConfig, ExportRequest, ExportStream};
pub use crate::feed_push::{PushFailure, TaxiiPush};
pub use crate::feed_run::{FEED_PAGE_SIZE, FeedRun, MAX_PAGES_PER_RUN};
pub use crate::feedback::{
    EXPIRE_BELOW, EXPIRED_EVENT, FEEDBACK_AUDIT, FEEDBACK_EVENT, FeedbackOnMine, FeedbackReceipt,
    FeedbackSource, ProducerFeedback, ScoreView, Scorecard, parse_verdict,
};
pub use crate::feeds::{
    FeedCredential, FeedSource, FeedState, FeedView, MAX_FEEDS, MIN_EVERY_SECS, NewFeed, Upstream,
    UpstreamManifest, UpstreamPage, UpstreamQuery,
};
pub use crate::incidents::{
    BoardKpi, CaseQuery, INCIDENT_ALERT, INCIDENT_ROUTE_FLAG, INCIDENT_UPDATED, IncidentBoard, IncidentClock,
    IncidentError, IncidentResult,
};
pub use incident::FieldError as IncidentFieldError;
pub use incident::timers::{StageSeconds, TimerPolicy};

/// A case status from its text form (`new`, `acknowledged`, `in-progress`, `resolved`, `false-alarm`).
pub fn parse_case_status(text: &str) -> Option<incident::Status> {
    incident::Status::parse(text)
}

/// A severity from its text form (`low`, `medium`, `high`, `critical`).
pub fn parse_severity(text: &str) -> Option<incident::Severity> {
    incident::Severity::parse(text)
}
pub use crate::live_index::LiveIndexStats;
pub use crate::live_match::{IndicatorMatch, ItemProblem, MatchOutcome, MatchReport, ObservationRef};
pub use crate::login_limits::{FailureBudget, LoginLimits};
pub use crate::marked::{MARKED_MAX, MarkedObject};
pub use crate::ownership::CREATOR_ONLY;
pub use crate::quota::{Quota, QuotaConfig};
pub use crate::read::{ListKind, ListPage, ListedObject};
pub use crate::review::Verdict;
pub use crate::search::{
    COUNT_BUDGET, CollectionCounts, RelationshipLink, Relationships, SCAN_BUDGET, SearchHit, SearchPage,
    SearchQuery, TlpFilter, tlp_of_markings,
};
pub use crate::sharing::{Directory, parse_consent, parse_role};
pub use crate::subscriptions::{Subscription, SubscriptionStats};
pub use crate::supply_chain::{
    DecisionView, FindingView, KnowledgeImport, KnowledgeSummary, MAX_KNOWLEDGE_BYTES, MAX_SBOM_BYTES,
    NewAction, NewPlan, PlanView, Register, RegisterEntry, SbomSummary, SbomUpload, TagTarget, TagsView,
};
pub use crate::timing::{STORE_LATENCY_BUCKETS, StoreOperationStats};
pub use crate::victim_release::VictimRelease;
pub use crate::victims::{NOTIFICATION, TASK, VICTIM_ACTOR, VictimCounts};
pub use crate::webhook_worker::WebhookDeliveryConfig;
pub use crate::webhooks::{
    DEFAULT_ROTATION_GRACE, FailedDelivery, NewWebhook, Webhook, WebhookSender, WebhookTotals,
    WebhookWithSecret,
};
pub use events::{Filter as EventFilter, FilterError as EventFilterError};
pub use store::{Review, ReviewState};

/// The default byte budget of a TAXII page (`HubConfig::max_page_bytes`).
pub const DEFAULT_MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

/// Result of every use case.
pub type HubResult<T> = Result<T, HubError>;

/// Tunables, passed explicitly (no globals).
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Discovery title.
    pub title: String,
    /// Page size when the client gives no `limit`.
    pub default_page_size: usize,
    /// The largest page served, whatever `limit` asks.
    pub max_page_size: usize,
    /// The most bytes of objects one TAXII page carries (a page always carries at least one object, however
    /// large); `more` and `next` stay exact when a page ends at this budget.
    pub max_page_bytes: usize,
    /// How long a verified password stays cached (standards §5 trap 17). Whatever this is, the account behind a
    /// cached credential is re-read at least every `auth::ACCOUNT_STALENESS` (1 s), so a disabled, deleted or
    /// re-passworded account or a revoked token is refused on every node within that time.
    pub credential_cache_ttl: Duration,
    /// Failed sign-in limits and the bound on password hashing (issue 12, `login_limits`).
    pub login_limits: LoginLimits,
    /// How long a status resource is kept after its request (at least 24 h).
    pub status_retention: Duration,
    /// `max_content_length` of API roots the hub creates.
    pub default_max_content_length: u64,
    /// Storage quotas per organisation (issue 8); none by default.
    pub quotas: QuotaConfig,
    /// The audit chain's keys (issue 12), oldest first, the last one current; empty: the chain is unkeyed.
    /// They live outside the store (the binary reads a key file), so a rewrite of the store cannot forge it.
    pub audit_keys: Vec<policy::audit::ChainKey>,
    /// How long the sharing directory (organisations, communities, audiences, grants) is reused between
    /// requests. Changes made through this hub invalidate it at once; changes made by another node or by the
    /// command line are seen within this time.
    pub sharing_cache_ttl: Duration,
    /// The event stream: retention, the in-memory tail, polling (issue 13).
    pub events: EventsConfig,
    /// Detection exports (issue 14): the hub's sid range.
    pub exports: ExportConfig,
    /// The most observations one match request may hold (issue 14, `POST /match/v1/`).
    pub max_match_observations: usize,
}

impl Default for HubConfig {
    fn default() -> HubConfig {
        HubConfig {
            title: "stixhub".to_owned(),
            default_page_size: 1000,
            max_page_size: 10_000,
            max_page_bytes: DEFAULT_MAX_PAGE_BYTES,
            credential_cache_ttl: Duration::from_secs(60),
            login_limits: LoginLimits::default(),
            status_retention: Duration::from_secs(48 * 3600),
            default_max_content_length: 64 * 1024 * 1024,
            quotas: QuotaConfig::default(),
            sharing_cache_ttl: Duration::from_secs(1),
            events: EventsConfig::default(),
            exports: ExportConfig::default(),
            max_match_observations: 100_000,
            audit_keys: Vec::new(),
        }
    }
}

/// The hub: the use cases over one store.
#[derive(Debug)]
pub struct Hub {
    store: Arc<dyn Store>,
    config: HubConfig,
    credentials: auth::CredentialCache,
    /// Failed sign-ins per name and address, and the password-hashing permits.
    login: login_limits::LoginGuard,
    cursor_key: [u8; 32],
    /// Requests answered `NotFound` because the caller lacks rights on an existing collection (for metrics).
    policy_denials: AtomicU64,
    hub_identity: policy::anonymity::HubIdentity,
    /// Latency per store operation (issue 8; the store above is wrapped in `timing::TimedStore`).
    store_timings: Arc<timing::StoreTimings>,
    /// Cached per-organisation usage, for quotas (issue 8).
    usage: quota::UsageCache,
    /// The sharing directory with the time it was read (see `HubConfig::sharing_cache_ttl`).
    directory_cache: std::sync::Mutex<Option<(std::time::Instant, Arc<store::SharingDirectory>)>>,
    /// The audit log's appending side: cached head and buffered read entries (issue 6, `audit`).
    audit_log: audit::AuditLog,
    /// This node's tail of the event log (issue 13, `event_tail`).
    event_tail: event_tail::EventTail,
    /// Releases shared by streams of the same caller and filter (issue 13, `event_share`).
    shared_readers: event_share::SharedReaders,
    /// Delivery counters per subscription, on this node (issue 13, `subscriptions`).
    subscription_stats: subscriptions::StatsTable,
    /// The verified-asset index of victim notification (issue 14, `victims`).
    victims: victims::VictimState,
    /// This node's live indicator index (issue 14, `live_index`).
    live_index: Arc<live_index::LiveIndex>,
    /// The vulnerability knowledge base of the current generation (issue 18, `supply_chain`).
    knowledge_cache: supply_chain::KnowledgeCache,
    /// This node's feedback scores (issue 15, `feedback`).
    scores: feedback::Scores,
    /// Incident cases: the clock and the timer task's wake-up (issue 16, `incidents`).
    incidents: incidents::IncidentState,
}

impl Hub {
    /// Builds the hub over `store`, loading (or creating) the store's cursor key.
    pub async fn new(store: Arc<dyn Store>, config: HubConfig) -> HubResult<Hub> {
        let store_timings = Arc::new(timing::StoreTimings::default());
        let store: Arc<dyn Store> = Arc::new(timing::TimedStore::new(store, Arc::clone(&store_timings)));
        let cursor_key = store.secret("cursor-key").await?;
        let hub_identity = release::hub_identity(&store.secret("hub-identity").await?);
        let mut cache_key = [0u8; 32];
        getrandom::fill(&mut cache_key).map_err(|err| HubError::Internal(format!("no randomness: {err}")))?;
        let credentials = tokio::task::spawn_blocking({
            let ttl = config.credential_cache_ttl;
            move || auth::CredentialCache::new(cache_key, ttl)
        })
        .await
        .map_err(|err| HubError::Internal(format!("credential cache set-up failed: {err}")))??;
        let login = login_limits::LoginGuard::new(&config.login_limits);
        Ok(Hub {
            store,
            config,
            credentials,
            login,
            cursor_key,
            policy_denials: AtomicU64::new(0),
            hub_identity,
            store_timings,
            usage: quota::UsageCache::default(),
            directory_cache: std::sync::Mutex::new(None),
            audit_log: audit::AuditLog::default(),
            event_tail: event_tail::EventTail::default(),
            shared_readers: event_share::SharedReaders::default(),
            subscription_stats: subscriptions::StatsTable::default(),
            victims: victims::VictimState::default(),
            live_index: Arc::default(),
            knowledge_cache: supply_chain::KnowledgeCache::default(),
            scores: feedback::Scores::default(),
            incidents: incidents::IncidentState::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &HubConfig {
        &self.config
    }

    /// Forgets statuses older than the retention period; returns how many.
    pub async fn purge_expired_statuses(&self) -> HubResult<u64> {
        let retention = i64::try_from(self.config.status_retention.as_micros()).unwrap_or(i64::MAX);
        Ok(self
            .store
            .purge_statuses(now_micros().saturating_sub(retention))
            .await?)
    }
}

/// Microseconds since the epoch, now.
pub(crate) fn now_micros() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests;
