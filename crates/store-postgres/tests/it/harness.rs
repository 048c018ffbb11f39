//! Fresh schemas for tests: `TestSchema` creates `t_<random>` and drops it (with everything in it) when
//! dropped; `SchemaStore` is a `PostgresStore` on such a schema that owns it.

use std::sync::Arc;

use async_trait::async_trait;
use store::{
    Access, Account, ApiRoot, Collection, CollectionId, IngestRequest, ObjectQuery, Page, StatusRecord,
    Store, StoreResult, TokenRecord, VersionSelector,
};
use store_postgres::PostgresStore;
use tokio_postgres::NoTls;

/// The variable naming the test database.
pub(crate) const DATABASE_URL_VAR: &str = "STIXHUB_TEST_DATABASE_URL";

/// The test database URL, or `None` after printing a skip line.
pub(crate) fn database_url(test: &str) -> Option<String> {
    match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("skipped {test}: {DATABASE_URL_VAR} is not set");
            None
        }
    }
}

/// A schema that exists for the life of this value.
#[derive(Debug)]
pub(crate) struct TestSchema {
    base_url: String,
    name: String,
}

impl TestSchema {
    /// Creates a fresh schema in the database at `base_url`.
    pub(crate) async fn create(base_url: &str) -> TestSchema {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        run_sql(base_url, &format!("CREATE SCHEMA {name}")).await;
        TestSchema {
            base_url: base_url.to_owned(),
            name,
        }
    }

    /// A URL whose connections use this schema.
    pub(crate) fn url(&self) -> String {
        let separator = if self.base_url.contains('?') { '&' } else { '?' };
        format!(
            "{}{separator}options=-csearch_path%3D{}",
            self.base_url, self.name
        )
    }

    /// The schema name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        // Drop cannot await; run the cleanup on its own thread and runtime so it also works inside a test's
        // runtime (and while unwinding from a failed assertion).
        let (base_url, name) = (self.base_url.clone(), self.name.clone());
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for schema cleanup");
            runtime.block_on(run_sql(
                &base_url,
                &format!("DROP SCHEMA IF EXISTS {name} CASCADE"),
            ));
        });
        let _ = cleanup.join();
    }
}

/// Runs `sql` on a one-off connection to `url`.
pub(crate) async fn run_sql(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .expect("the test database accepts connections");
    let connection = tokio::spawn(connection);
    client.batch_execute(sql).await.expect("test sql runs");
    drop(client);
    let _ = connection.await;
}

/// A fresh store in a fresh schema, or `None` (after a skip line) without a test database.
pub(crate) async fn fresh_store(test: &str) -> Option<Arc<dyn Store>> {
    let url = database_url(test)?;
    let schema = TestSchema::create(&url).await;
    let store = PostgresStore::connect(&schema.url())
        .await
        .expect("a fresh schema migrates");
    Some(Arc::new(SchemaStore {
        store,
        _schema: schema,
    }))
}

/// A `PostgresStore` that owns its schema: dropping it drops the schema.
#[derive(Debug)]
pub(crate) struct SchemaStore {
    store: PostgresStore,
    _schema: TestSchema,
}

#[async_trait]
impl Store for SchemaStore {
    async fn create_api_root(&self, api_root: ApiRoot) -> StoreResult<()> {
        self.store.create_api_root(api_root).await
    }
    async fn api_roots(&self) -> StoreResult<Vec<ApiRoot>> {
        self.store.api_roots().await
    }
    async fn create_collection(&self, collection: Collection) -> StoreResult<()> {
        self.store.create_collection(collection).await
    }
    async fn collections(&self, api_root: &str) -> StoreResult<Vec<Collection>> {
        self.store.collections(api_root).await
    }
    async fn collection(&self, api_root: &str, id_or_alias: &str) -> StoreResult<Option<Collection>> {
        self.store.collection(api_root, id_or_alias).await
    }
    async fn find_collection(&self, id_or_alias: &str) -> StoreResult<Option<Collection>> {
        self.store.find_collection(id_or_alias).await
    }
    async fn ingest(&self, request: IngestRequest) -> StoreResult<StatusRecord> {
        self.store.ingest(request).await
    }
    async fn query_objects(&self, query: ObjectQuery) -> StoreResult<Page> {
        self.store.query_objects(query).await
    }
    async fn object_exists(&self, collection: &CollectionId, object_id: &str) -> StoreResult<bool> {
        self.store.object_exists(collection, object_id).await
    }
    async fn delete_object(
        &self,
        collection: &CollectionId,
        object_id: &str,
        group: Option<String>,
        versions: VersionSelector,
        spec_versions: Vec<String>,
    ) -> StoreResult<u64> {
        self.store
            .delete_object(collection, object_id, group, versions, spec_versions)
            .await
    }
    async fn status(&self, api_root: &str, status_id: &str) -> StoreResult<Option<StatusRecord>> {
        self.store.status(api_root, status_id).await
    }
    async fn purge_statuses(&self, before_micros: i64) -> StoreResult<u64> {
        self.store.purge_statuses(before_micros).await
    }
    async fn create_account(&self, account: Account) -> StoreResult<()> {
        self.store.create_account(account).await
    }
    async fn account(&self, name: &str) -> StoreResult<Option<Account>> {
        self.store.account(name).await
    }
    async fn count_accounts(&self) -> StoreResult<u64> {
        self.store.count_accounts().await
    }
    async fn create_token(&self, token: TokenRecord) -> StoreResult<()> {
        self.store.create_token(token).await
    }
    async fn account_for_token(
        &self,
        token_sha256: &[u8; 32],
        now_micros: i64,
    ) -> StoreResult<Option<Account>> {
        self.store.account_for_token(token_sha256, now_micros).await
    }
    async fn accounts(&self) -> StoreResult<Vec<Account>> {
        self.store.accounts().await
    }
    async fn change_account(&self, name: &str, change: store::AccountChange) -> StoreResult<Account> {
        self.store.change_account(name, change).await
    }
    async fn tokens(&self, account: &str) -> StoreResult<Vec<TokenRecord>> {
        self.store.tokens(account).await
    }
    async fn find_token(&self, id: &str, sha256: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        self.store.find_token(id, sha256).await
    }
    async fn revoke_token(&self, id: &str, sha256: &[u8; 32]) -> StoreResult<Option<String>> {
        self.store.revoke_token(id, sha256).await
    }
    async fn remove_community_member(&self, community: &str, organisation: &str) -> StoreResult<()> {
        self.store.remove_community_member(community, organisation).await
    }
    async fn remove_community_admin(&self, community: &str, account: &str) -> StoreResult<()> {
        self.store.remove_community_admin(community, account).await
    }
    async fn set_access(&self, account: &str, collection: &CollectionId, access: Access) -> StoreResult<()> {
        self.store.set_access(account, collection, access).await
    }
    async fn access(&self, account: &str, collection: &CollectionId) -> StoreResult<Access> {
        self.store.access(account, collection).await
    }
    async fn create_organisation(&self, organisation: store::Organisation) -> StoreResult<()> {
        self.store.create_organisation(organisation).await
    }
    async fn create_community(&self, community: store::Community) -> StoreResult<()> {
        self.store.create_community(community).await
    }
    async fn add_community_member(&self, community: &str, organisation: &str) -> StoreResult<()> {
        self.store.add_community_member(community, organisation).await
    }
    async fn share_collection(&self, collection: &CollectionId, community: &str) -> StoreResult<()> {
        self.store.share_collection(collection, community).await
    }
    async fn sharing_directory(&self) -> StoreResult<store::SharingDirectory> {
        self.store.sharing_directory().await
    }
    async fn add_community_admin(&self, community: &str, account: &str) -> StoreResult<()> {
        self.store.add_community_admin(community, account).await
    }
    async fn set_marking_grant(&self, account: &str, marking_id: &str, granted: bool) -> StoreResult<()> {
        self.store.set_marking_grant(account, marking_id, granted).await
    }
    async fn ids_by_public_id(
        &self,
        collection: &CollectionId,
        ids: Vec<String>,
    ) -> StoreResult<Vec<(String, String)>> {
        self.store.ids_by_public_id(collection, ids).await
    }
    async fn object_owners(&self, ids: Vec<String>) -> StoreResult<Vec<(String, String)>> {
        self.store.object_owners(ids).await
    }
    async fn ids_submitted_by(
        &self,
        collection: &CollectionId,
        org: &str,
        ids: Vec<String>,
    ) -> StoreResult<Vec<String>> {
        self.store.ids_submitted_by(collection, org, ids).await
    }
    async fn reviews(&self, state: store::ReviewState, limit: usize) -> StoreResult<Vec<store::Review>> {
        self.store.reviews(state, limit).await
    }
    async fn review(&self, id: &str) -> StoreResult<Option<store::Review>> {
        self.store.review(id).await
    }
    async fn decide_review(&self, decision: store::ReviewDecision) -> StoreResult<store::Review> {
        self.store.decide_review(decision).await
    }
    async fn secret(&self, name: &str) -> StoreResult<[u8; 32]> {
        self.store.secret(name).await
    }
    async fn audit_head(&self) -> StoreResult<store::AuditHead> {
        self.store.audit_head().await
    }
    async fn append_audit(
        &self,
        expected: store::AuditHead,
        records: Vec<store::AuditRecord>,
    ) -> StoreResult<store::AuditHead> {
        self.store.append_audit(expected, records).await
    }
    async fn audit_entries(&self, from_seq: u64, limit: usize) -> StoreResult<Vec<store::AuditRecord>> {
        self.store.audit_entries(from_seq, limit).await
    }

    // ----- event log and subscriptions (issue 13) -----
    async fn append_events(&self, events: Vec<store::NewEvent>) -> StoreResult<u64> {
        self.store.append_events(events).await
    }
    async fn events_after(&self, after: u64, limit: usize) -> StoreResult<Vec<store::EventRecord>> {
        self.store.events_after(after, limit).await
    }
    async fn event_bounds(&self) -> StoreResult<store::EventBounds> {
        self.store.event_bounds().await
    }
    async fn trim_events(&self, retention: store::EventRetention) -> StoreResult<u64> {
        self.store.trim_events(retention).await
    }
    async fn trimmed_from(&self, after: u64) -> StoreResult<Option<i64>> {
        self.store.trimmed_from(after).await
    }
    async fn create_subscription(&self, subscription: store::SubscriptionRecord) -> StoreResult<()> {
        self.store.create_subscription(subscription).await
    }
    async fn subscriptions(&self, account: Option<String>) -> StoreResult<Vec<store::SubscriptionRecord>> {
        self.store.subscriptions(account).await
    }
    async fn delete_subscription(&self, id: &str) -> StoreResult<bool> {
        self.store.delete_subscription(id).await
    }

    async fn create_asset(&self, asset: store::AssetRecord) -> StoreResult<()> {
        self.store.create_asset(asset).await
    }
    async fn assets(&self, org: Option<String>) -> StoreResult<Vec<store::AssetRecord>> {
        self.store.assets(org).await
    }
    async fn asset(&self, id: &str) -> StoreResult<Option<store::AssetRecord>> {
        self.store.asset(id).await
    }
    async fn verify_asset(&self, id: &str, account: &str, micros: i64) -> StoreResult<bool> {
        self.store.verify_asset(id, account, micros).await
    }
    async fn delete_asset(&self, id: &str) -> StoreResult<bool> {
        self.store.delete_asset(id).await
    }
    async fn write_records(&self, writes: Vec<store::RecordWrite>, now_micros: i64) -> StoreResult<Vec<i64>> {
        self.store.write_records(writes, now_micros).await
    }
    async fn record(&self, ns: &str, key: &str) -> StoreResult<Option<store::Record>> {
        self.store.record(ns, key).await
    }
    async fn records(&self, scan: store::RecordScan) -> StoreResult<Vec<store::Record>> {
        self.store.records(scan).await
    }
    async fn claim_notices(&self, keys: Vec<String>) -> StoreResult<Vec<String>> {
        self.store.claim_notices(keys).await
    }
    async fn add_recipients(
        &self,
        collection: &store::CollectionId,
        date_added: i64,
        recipients: Vec<String>,
    ) -> StoreResult<bool> {
        self.store
            .add_recipients(collection, date_added, recipients)
            .await
    }

    // ----- operations: quotas and gauges (issue 8) -----
    async fn organisation_usage(&self, organisation: &str) -> StoreResult<store::Usage> {
        self.store.organisation_usage(organisation).await
    }
    async fn create_webhook(&self, endpoint: store::WebhookEndpoint) -> StoreResult<()> {
        self.store.create_webhook(endpoint).await
    }
    async fn webhooks(&self, account: Option<&str>) -> StoreResult<Vec<store::WebhookEndpoint>> {
        self.store.webhooks(account).await
    }
    async fn webhook(&self, id: &str) -> StoreResult<Option<store::WebhookEndpoint>> {
        self.store.webhook(id).await
    }
    async fn delete_webhook(&self, id: &str) -> StoreResult<bool> {
        self.store.delete_webhook(id).await
    }
    async fn set_webhook_secrets(&self, id: &str, secrets: Vec<store::WebhookSecret>) -> StoreResult<()> {
        self.store.set_webhook_secrets(id, secrets).await
    }
    async fn set_webhook_enabled(&self, id: &str, enabled: bool, reason: Option<String>) -> StoreResult<()> {
        self.store.set_webhook_enabled(id, enabled, reason).await
    }
    async fn acquire_webhook_lease(
        &self,
        id: &str,
        owner: &str,
        now: i64,
        until: i64,
    ) -> StoreResult<Option<u64>> {
        self.store.acquire_webhook_lease(id, owner, now, until).await
    }
    async fn record_webhook_progress(&self, progress: store::WebhookProgress) -> StoreResult<()> {
        self.store.record_webhook_progress(progress).await
    }
    async fn due_webhook_deliveries(
        &self,
        id: &str,
        now: i64,
        limit: usize,
    ) -> StoreResult<Vec<store::WebhookDelivery>> {
        self.store.due_webhook_deliveries(id, now, limit).await
    }
    async fn webhook_dead_letters(&self, id: &str, limit: usize) -> StoreResult<Vec<store::WebhookDelivery>> {
        self.store.webhook_dead_letters(id, limit).await
    }
    async fn replay_webhook_dead_letters(&self, id: &str, seqs: Vec<u64>, now: i64) -> StoreResult<u64> {
        self.store.replay_webhook_dead_letters(id, seqs, now).await
    }
    fn gauges(&self) -> Vec<store::Gauge> {
        self.store.gauges()
    }
}
