//! `TimedStore`: a `Store` decorator that times every call, per operation, for the server's `/metrics`
//! (`stixhub_store_operation_duration_seconds`). `Hub::new` wraps whatever store it is given, so both backends
//! are measured the same way.
//!
//! Invariants: the decorator changes no behaviour (every call is forwarded as is, errors included); a new
//! `Store` method is forwarded here too (the compiler insists) under its own operation label; no lock is held
//! across an `.await`.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use store::{
    Access, Account, AccountChange, ApiRoot, AuditHead, AuditRecord, Collection, CollectionId, Community,
    IngestRequest, ObjectQuery, Organisation, Page, Review, ReviewDecision, ReviewState, SharingDirectory,
    StatusRecord, Store, StoreError, StoreResult, TokenRecord, Usage, VersionSelector,
};

/// Upper bounds (seconds) of the store latency buckets; `+Inf` is implied. Finer than the HTTP ones: most
/// store calls take well under a millisecond.
pub const STORE_LATENCY_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The latency histogram and failure count of one store operation, since start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreOperationStats {
    /// The `Store` method name.
    pub operation: &'static str,
    /// Calls at or under each bound of `STORE_LATENCY_BUCKETS` (cumulative, as Prometheus wants).
    pub bucket_counts: [u64; STORE_LATENCY_BUCKETS.len()],
    /// Calls.
    pub count: u64,
    /// Their total duration.
    pub sum_seconds: f64,
    /// Calls that failed for a reason other than "not found" or "conflict" (store down, full, broken).
    pub failures: u64,
}

/// Per-operation statistics, shared by the decorator and whoever renders them.
#[derive(Debug, Default)]
pub(crate) struct StoreTimings {
    operations: Mutex<BTreeMap<&'static str, StoreOperationStats>>,
}

impl StoreTimings {
    fn record(&self, operation: &'static str, elapsed: Duration, failed: bool) {
        let seconds = elapsed.as_secs_f64();
        let mut operations = self
            .operations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let stats = operations
            .entry(operation)
            .or_insert_with(|| StoreOperationStats {
                operation,
                ..StoreOperationStats::default()
            });
        for (bucket_idx, upper) in STORE_LATENCY_BUCKETS.iter().enumerate() {
            if seconds <= *upper {
                stats.bucket_counts[bucket_idx] += 1;
            }
        }
        stats.count += 1;
        stats.sum_seconds += seconds;
        if failed {
            stats.failures += 1;
        }
    }

    /// Every operation called so far, by name.
    pub(crate) fn snapshot(&self) -> Vec<StoreOperationStats> {
        self.operations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }
}

/// The decorator.
#[derive(Debug)]
pub(crate) struct TimedStore {
    inner: Arc<dyn Store>,
    timings: Arc<StoreTimings>,
}

impl TimedStore {
    pub(crate) fn new(inner: Arc<dyn Store>, timings: Arc<StoreTimings>) -> TimedStore {
        TimedStore { inner, timings }
    }

    async fn timed<T>(
        &self,
        operation: &'static str,
        call: impl Future<Output = StoreResult<T>> + Send,
    ) -> StoreResult<T> {
        let started = Instant::now();
        let outcome = call.await;
        let failed = matches!(
            outcome,
            Err(StoreError::Unavailable(_) | StoreError::StorageFull(_) | StoreError::Backend(_))
        );
        self.timings.record(operation, started.elapsed(), failed);
        outcome
    }
}

#[async_trait]
impl Store for TimedStore {
    async fn create_api_root(&self, api_root: ApiRoot) -> StoreResult<()> {
        self.timed("create_api_root", self.inner.create_api_root(api_root))
            .await
    }

    async fn api_roots(&self) -> StoreResult<Vec<ApiRoot>> {
        self.timed("api_roots", self.inner.api_roots()).await
    }

    async fn create_collection(&self, collection: Collection) -> StoreResult<()> {
        self.timed("create_collection", self.inner.create_collection(collection))
            .await
    }

    async fn collections(&self, api_root: &str) -> StoreResult<Vec<Collection>> {
        self.timed("collections", self.inner.collections(api_root)).await
    }

    async fn collection(&self, api_root: &str, id_or_alias: &str) -> StoreResult<Option<Collection>> {
        self.timed("collection", self.inner.collection(api_root, id_or_alias))
            .await
    }

    async fn find_collection(&self, id_or_alias: &str) -> StoreResult<Option<Collection>> {
        self.timed("find_collection", self.inner.find_collection(id_or_alias))
            .await
    }

    async fn ingest(&self, request: IngestRequest) -> StoreResult<StatusRecord> {
        self.timed("ingest", self.inner.ingest(request)).await
    }

    async fn query_objects(&self, query: ObjectQuery) -> StoreResult<Page> {
        self.timed("query_objects", self.inner.query_objects(query)).await
    }

    async fn object_exists(&self, collection: &CollectionId, object_id: &str) -> StoreResult<bool> {
        self.timed("object_exists", self.inner.object_exists(collection, object_id))
            .await
    }

    async fn delete_object(
        &self,
        collection: &CollectionId,
        object_id: &str,
        group: Option<String>,
        versions: VersionSelector,
        spec_versions: Vec<String>,
    ) -> StoreResult<u64> {
        self.timed(
            "delete_object",
            self.inner
                .delete_object(collection, object_id, group, versions, spec_versions),
        )
        .await
    }

    async fn status(&self, api_root: &str, status_id: &str) -> StoreResult<Option<StatusRecord>> {
        self.timed("status", self.inner.status(api_root, status_id)).await
    }

    async fn purge_statuses(&self, before_micros: i64) -> StoreResult<u64> {
        self.timed("purge_statuses", self.inner.purge_statuses(before_micros))
            .await
    }

    async fn create_account(&self, account: Account) -> StoreResult<()> {
        self.timed("create_account", self.inner.create_account(account))
            .await
    }

    async fn account(&self, name: &str) -> StoreResult<Option<Account>> {
        self.timed("account", self.inner.account(name)).await
    }

    async fn count_accounts(&self) -> StoreResult<u64> {
        self.timed("count_accounts", self.inner.count_accounts()).await
    }

    async fn create_token(&self, token: TokenRecord) -> StoreResult<()> {
        self.timed("create_token", self.inner.create_token(token)).await
    }

    async fn account_for_token(
        &self,
        token_sha256: &[u8; 32],
        now_micros: i64,
    ) -> StoreResult<Option<Account>> {
        self.timed(
            "account_for_token",
            self.inner.account_for_token(token_sha256, now_micros),
        )
        .await
    }

    async fn accounts(&self) -> StoreResult<Vec<Account>> {
        self.timed("accounts", self.inner.accounts()).await
    }

    async fn change_account(&self, name: &str, change: AccountChange) -> StoreResult<Account> {
        self.timed("change_account", self.inner.change_account(name, change))
            .await
    }

    async fn tokens(&self, account: &str) -> StoreResult<Vec<TokenRecord>> {
        self.timed("tokens", self.inner.tokens(account)).await
    }

    async fn find_token(&self, id: &str, sha256: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        self.timed("find_token", self.inner.find_token(id, sha256)).await
    }

    async fn revoke_token(&self, id: &str, sha256: &[u8; 32]) -> StoreResult<Option<String>> {
        self.timed("revoke_token", self.inner.revoke_token(id, sha256))
            .await
    }

    async fn set_access(&self, account: &str, collection: &CollectionId, access: Access) -> StoreResult<()> {
        self.timed("set_access", self.inner.set_access(account, collection, access))
            .await
    }

    async fn access(&self, account: &str, collection: &CollectionId) -> StoreResult<Access> {
        self.timed("access", self.inner.access(account, collection)).await
    }

    async fn create_organisation(&self, organisation: Organisation) -> StoreResult<()> {
        self.timed(
            "create_organisation",
            self.inner.create_organisation(organisation),
        )
        .await
    }

    async fn create_community(&self, community: Community) -> StoreResult<()> {
        self.timed("create_community", self.inner.create_community(community))
            .await
    }

    async fn add_community_member(&self, community: &str, organisation: &str) -> StoreResult<()> {
        self.timed(
            "add_community_member",
            self.inner.add_community_member(community, organisation),
        )
        .await
    }

    async fn share_collection(&self, collection: &CollectionId, community: &str) -> StoreResult<()> {
        self.timed(
            "share_collection",
            self.inner.share_collection(collection, community),
        )
        .await
    }

    async fn sharing_directory(&self) -> StoreResult<SharingDirectory> {
        self.timed("sharing_directory", self.inner.sharing_directory())
            .await
    }

    async fn add_community_admin(&self, community: &str, account: &str) -> StoreResult<()> {
        self.timed(
            "add_community_admin",
            self.inner.add_community_admin(community, account),
        )
        .await
    }

    async fn remove_community_member(&self, community: &str, organisation: &str) -> StoreResult<()> {
        self.timed(
            "remove_community_member",
            self.inner.remove_community_member(community, organisation),
        )
        .await
    }

    async fn remove_community_admin(&self, community: &str, account: &str) -> StoreResult<()> {
        self.timed(
            "remove_community_admin",
            self.inner.remove_community_admin(community, account),
        )
        .await
    }

    async fn set_marking_grant(&self, account: &str, marking_id: &str, granted: bool) -> StoreResult<()> {
        self.timed(
            "set_marking_grant",
            self.inner.set_marking_grant(account, marking_id, granted),
        )
        .await
    }

    async fn ids_by_public_id(
        &self,
        collection: &CollectionId,
        ids: Vec<String>,
    ) -> StoreResult<Vec<(String, String)>> {
        self.timed("ids_by_public_id", self.inner.ids_by_public_id(collection, ids))
            .await
    }

    async fn object_owners(&self, ids: Vec<String>) -> StoreResult<Vec<(String, String)>> {
        self.timed("object_owners", self.inner.object_owners(ids)).await
    }

    async fn ids_submitted_by(
        &self,
        collection: &CollectionId,
        org: &str,
        ids: Vec<String>,
    ) -> StoreResult<Vec<String>> {
        self.timed(
            "ids_submitted_by",
            self.inner.ids_submitted_by(collection, org, ids),
        )
        .await
    }

    async fn reviews(&self, state: ReviewState, limit: usize) -> StoreResult<Vec<Review>> {
        self.timed("reviews", self.inner.reviews(state, limit)).await
    }

    async fn review(&self, id: &str) -> StoreResult<Option<Review>> {
        self.timed("review", self.inner.review(id)).await
    }

    async fn decide_review(&self, decision: ReviewDecision) -> StoreResult<Review> {
        self.timed("decide_review", self.inner.decide_review(decision))
            .await
    }

    async fn secret(&self, name: &str) -> StoreResult<[u8; 32]> {
        self.timed("secret", self.inner.secret(name)).await
    }

    async fn audit_head(&self) -> StoreResult<AuditHead> {
        self.timed("audit_head", self.inner.audit_head()).await
    }

    async fn append_audit(&self, expected: AuditHead, records: Vec<AuditRecord>) -> StoreResult<AuditHead> {
        self.timed("append_audit", self.inner.append_audit(expected, records))
            .await
    }

    async fn audit_entries(&self, from_seq: u64, limit: usize) -> StoreResult<Vec<AuditRecord>> {
        self.timed("audit_entries", self.inner.audit_entries(from_seq, limit))
            .await
    }

    async fn append_events(&self, events: Vec<store::NewEvent>) -> StoreResult<u64> {
        self.timed("append_events", self.inner.append_events(events))
            .await
    }

    async fn events_after(&self, after: u64, limit: usize) -> StoreResult<Vec<store::EventRecord>> {
        self.timed("events_after", self.inner.events_after(after, limit))
            .await
    }

    async fn event_bounds(&self) -> StoreResult<store::EventBounds> {
        self.timed("event_bounds", self.inner.event_bounds()).await
    }

    async fn trim_events(&self, retention: store::EventRetention) -> StoreResult<u64> {
        self.timed("trim_events", self.inner.trim_events(retention)).await
    }

    async fn trimmed_from(&self, after: u64) -> StoreResult<Option<i64>> {
        self.timed("trimmed_from", self.inner.trimmed_from(after)).await
    }

    async fn create_subscription(&self, subscription: store::SubscriptionRecord) -> StoreResult<()> {
        self.timed(
            "create_subscription",
            self.inner.create_subscription(subscription),
        )
        .await
    }

    async fn subscriptions(&self, account: Option<String>) -> StoreResult<Vec<store::SubscriptionRecord>> {
        self.timed("subscriptions", self.inner.subscriptions(account))
            .await
    }

    async fn delete_subscription(&self, id: &str) -> StoreResult<bool> {
        self.timed("delete_subscription", self.inner.delete_subscription(id))
            .await
    }

    async fn create_asset(&self, asset: store::AssetRecord) -> StoreResult<()> {
        self.timed("create_asset", self.inner.create_asset(asset)).await
    }

    async fn assets(&self, org: Option<String>) -> StoreResult<Vec<store::AssetRecord>> {
        self.timed("assets", self.inner.assets(org)).await
    }

    async fn asset(&self, id: &str) -> StoreResult<Option<store::AssetRecord>> {
        self.timed("asset", self.inner.asset(id)).await
    }

    async fn verify_asset(&self, id: &str, account: &str, micros: i64) -> StoreResult<bool> {
        self.timed("verify_asset", self.inner.verify_asset(id, account, micros))
            .await
    }

    async fn delete_asset(&self, id: &str) -> StoreResult<bool> {
        self.timed("delete_asset", self.inner.delete_asset(id)).await
    }

    async fn write_records(&self, writes: Vec<store::RecordWrite>, now_micros: i64) -> StoreResult<Vec<i64>> {
        self.timed("write_records", self.inner.write_records(writes, now_micros))
            .await
    }

    async fn record(&self, ns: &str, key: &str) -> StoreResult<Option<store::Record>> {
        self.timed("record", self.inner.record(ns, key)).await
    }

    async fn records(&self, scan: store::RecordScan) -> StoreResult<Vec<store::Record>> {
        self.timed("records", self.inner.records(scan)).await
    }

    async fn claim_notices(&self, keys: Vec<String>) -> StoreResult<Vec<String>> {
        self.timed("claim_notices", self.inner.claim_notices(keys)).await
    }

    async fn add_recipients(
        &self,
        collection: &store::CollectionId,
        date_added: i64,
        recipients: Vec<String>,
    ) -> StoreResult<bool> {
        self.timed(
            "add_recipients",
            self.inner.add_recipients(collection, date_added, recipients),
        )
        .await
    }

    async fn organisation_usage(&self, organisation: &str) -> StoreResult<Usage> {
        self.timed("organisation_usage", self.inner.organisation_usage(organisation))
            .await
    }

    async fn create_webhook(&self, endpoint: store::WebhookEndpoint) -> StoreResult<()> {
        self.timed("create_webhook", self.inner.create_webhook(endpoint))
            .await
    }

    async fn webhooks(&self, account: Option<&str>) -> StoreResult<Vec<store::WebhookEndpoint>> {
        self.timed("webhooks", self.inner.webhooks(account)).await
    }

    async fn webhook(&self, id: &str) -> StoreResult<Option<store::WebhookEndpoint>> {
        self.timed("webhook", self.inner.webhook(id)).await
    }

    async fn delete_webhook(&self, id: &str) -> StoreResult<bool> {
        self.timed("delete_webhook", self.inner.delete_webhook(id)).await
    }

    async fn set_webhook_secrets(&self, id: &str, secrets: Vec<store::WebhookSecret>) -> StoreResult<()> {
        self.timed("set_webhook_secrets", self.inner.set_webhook_secrets(id, secrets))
            .await
    }

    async fn set_webhook_enabled(&self, id: &str, enabled: bool, reason: Option<String>) -> StoreResult<()> {
        self.timed(
            "set_webhook_enabled",
            self.inner.set_webhook_enabled(id, enabled, reason),
        )
        .await
    }

    async fn acquire_webhook_lease(
        &self,
        id: &str,
        owner: &str,
        now_micros: i64,
        until_micros: i64,
    ) -> StoreResult<Option<u64>> {
        self.timed(
            "acquire_webhook_lease",
            self.inner
                .acquire_webhook_lease(id, owner, now_micros, until_micros),
        )
        .await
    }

    async fn record_webhook_progress(&self, progress: store::WebhookProgress) -> StoreResult<()> {
        self.timed(
            "record_webhook_progress",
            self.inner.record_webhook_progress(progress),
        )
        .await
    }

    async fn due_webhook_deliveries(
        &self,
        id: &str,
        now_micros: i64,
        limit: usize,
    ) -> StoreResult<Vec<store::WebhookDelivery>> {
        self.timed(
            "due_webhook_deliveries",
            self.inner.due_webhook_deliveries(id, now_micros, limit),
        )
        .await
    }

    async fn webhook_dead_letters(&self, id: &str, limit: usize) -> StoreResult<Vec<store::WebhookDelivery>> {
        self.timed("webhook_dead_letters", self.inner.webhook_dead_letters(id, limit))
            .await
    }

    async fn replay_webhook_dead_letters(
        &self,
        id: &str,
        seqs: Vec<u64>,
        now_micros: i64,
    ) -> StoreResult<u64> {
        self.timed(
            "replay_webhook_dead_letters",
            self.inner.replay_webhook_dead_letters(id, seqs, now_micros),
        )
        .await
    }

    fn gauges(&self) -> Vec<store::Gauge> {
        self.inner.gauges()
    }
}
