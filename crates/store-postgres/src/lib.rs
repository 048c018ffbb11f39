//! `PostgresStore`: the scale-out `Store` backend (`stixhub serve --database postgres://…`).
//!
//! Invariant: several `stixhub` processes may share one database; everything that must be consistent across
//! them lives in PostgreSQL, never in process memory. Each write is one transaction; object writes take the
//! per-collection lock described in `objects`, which makes `date_added` follow commit order across processes
//! (standards §5 trap 18). The schema is migrated at connect under an advisory lock (see `schema`). Objects
//! are stored as their exact bytes (`bytea`). Driver errors become `StoreError` only in `error`.
//!
//! The database and schema come from the URL: `postgres://user@host:port/db`, plus
//! `?options=-csearch_path%3Dname` to use a schema other than `public` (it must exist). TLS is not
//! supported yet: use a loopback or otherwise trusted network.

mod accounts;
mod admin;
mod assets;
mod audit;
mod error;
mod events;
mod objects;
mod read;
mod records;
mod review;
mod schema;
mod sharing;
mod status;
mod webhook;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use store::{
    Access, Account, AccountChange, ApiRoot, Collection, CollectionId, IngestRequest, ObjectQuery, Page,
    StatusRecord, Store, StoreError, StoreResult, TokenRecord, VersionSelector,
};
use tokio_postgres::NoTls;

use crate::error::from_pool;

/// Connections per process unless the caller asks for another number.
pub const DEFAULT_MAX_CONNECTIONS: usize = 16;

/// A transaction idle this long is ended by the server. A writer holds its collection's clock row until it
/// commits, so a frozen process (stopped, or cut off without a TCP reset) must not block every other node's
/// writes to that collection for longer than this; no transaction of ours waits on the client that long.
const IDLE_IN_TRANSACTION_TIMEOUT_MS: u32 = 60_000;

/// How long a caller waits for a free connection, and for a new one to open, before `Unavailable`.
const POOL_TIMEOUT: Duration = Duration::from_secs(30);

/// The PostgreSQL store: a connection pool over one database schema.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.pool.status();
        f.debug_struct("PostgresStore")
            .field("max_connections", &status.max_size)
            .field("open_connections", &status.size)
            .finish()
    }
}

impl PostgresStore {
    /// Connects to `url` with `DEFAULT_MAX_CONNECTIONS` connections and migrates the schema.
    pub async fn connect(url: &str) -> StoreResult<PostgresStore> {
        PostgresStore::connect_with_max_connections(url, DEFAULT_MAX_CONNECTIONS).await
    }

    /// Connects to `url` with at most `max_connections` connections and migrates the schema.
    pub async fn connect_with_max_connections(
        url: &str,
        max_connections: usize,
    ) -> StoreResult<PostgresStore> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|err| StoreError::Backend(format!("invalid database url: {err}")))?;
        if config.get_application_name().is_none() {
            config.application_name("stixhub");
        }
        let options = session_options(config.get_options());
        config.options(&options);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_TIMEOUT))
            .create_timeout(Some(POOL_TIMEOUT))
            .build()
            .map_err(|err| StoreError::Backend(format!("cannot build the connection pool: {err}")))?;
        let store = PostgresStore { pool };
        let mut client = store.client().await?;
        schema::migrate(&mut client).await?;
        Ok(store)
    }

    /// The schema version recorded in the database.
    pub async fn schema_version(&self) -> StoreResult<i32> {
        schema::recorded_version(&self.client().await?).await
    }

    /// The value of server setting `name` on this store's connections (for diagnostics and tests).
    pub async fn session_setting(&self, name: &str) -> StoreResult<String> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT current_setting($1)", &[&name])
            .await
            .map_err(error::from_pg)?;
        error::column(&row, 0)
    }

    /// The schema version this binary migrates to.
    pub fn current_schema_version() -> i32 {
        schema::SCHEMA_VERSION
    }

    async fn client(&self) -> StoreResult<deadpool_postgres::Client> {
        self.pool.get().await.map_err(from_pool)
    }
}

/// The server options of every connection: the URL's own (e.g. `-csearch_path=…`), then ours.
fn session_options(url_options: Option<&str>) -> String {
    let ours = format!("-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT_MS}");
    match url_options {
        Some(options) if !options.trim().is_empty() => format!("{options} {ours}"),
        _ => ours,
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn create_api_root(&self, api_root: ApiRoot) -> StoreResult<()> {
        admin::create_api_root(&self.client().await?, &api_root).await
    }

    async fn api_roots(&self) -> StoreResult<Vec<ApiRoot>> {
        admin::api_roots(&self.client().await?).await
    }

    async fn create_collection(&self, collection: Collection) -> StoreResult<()> {
        admin::create_collection(&mut self.client().await?, &collection).await
    }

    async fn collections(&self, api_root: &str) -> StoreResult<Vec<Collection>> {
        admin::collections(&self.client().await?, api_root).await
    }

    async fn collection(&self, api_root: &str, id_or_alias: &str) -> StoreResult<Option<Collection>> {
        admin::collection(&self.client().await?, Some(api_root), id_or_alias).await
    }

    async fn find_collection(&self, id_or_alias: &str) -> StoreResult<Option<Collection>> {
        admin::collection(&self.client().await?, None, id_or_alias).await
    }

    async fn ingest(&self, request: IngestRequest) -> StoreResult<StatusRecord> {
        objects::ingest(&mut self.client().await?, request).await
    }

    async fn query_objects(&self, query: ObjectQuery) -> StoreResult<Page> {
        read::query_objects(&self.client().await?, &query).await
    }

    async fn object_exists(&self, collection: &CollectionId, object_id: &str) -> StoreResult<bool> {
        read::object_exists(&self.client().await?, collection, object_id).await
    }

    async fn delete_object(
        &self,
        collection: &CollectionId,
        object_id: &str,
        group: Option<String>,
        versions: VersionSelector,
        spec_versions: Vec<String>,
    ) -> StoreResult<u64> {
        objects::delete(
            &mut self.client().await?,
            collection,
            object_id,
            group.as_deref(),
            &versions,
            &spec_versions,
        )
        .await
    }

    async fn status(&self, api_root: &str, status_id: &str) -> StoreResult<Option<StatusRecord>> {
        admin::status(&self.client().await?, api_root, status_id).await
    }

    async fn purge_statuses(&self, before_micros: i64) -> StoreResult<u64> {
        admin::purge_statuses(&self.client().await?, before_micros).await
    }

    async fn create_account(&self, account: Account) -> StoreResult<()> {
        admin::create_account(&self.client().await?, &account).await
    }

    async fn account(&self, name: &str) -> StoreResult<Option<Account>> {
        admin::account(&self.client().await?, name).await
    }

    async fn count_accounts(&self) -> StoreResult<u64> {
        admin::count_accounts(&self.client().await?).await
    }

    async fn create_token(&self, token: TokenRecord) -> StoreResult<()> {
        admin::create_token(&self.client().await?, &token).await
    }

    async fn account_for_token(
        &self,
        token_sha256: &[u8; 32],
        now_micros: i64,
    ) -> StoreResult<Option<Account>> {
        admin::account_for_token(&self.client().await?, token_sha256, now_micros).await
    }

    async fn accounts(&self) -> StoreResult<Vec<Account>> {
        accounts::accounts(&self.client().await?).await
    }

    async fn change_account(&self, name: &str, change: AccountChange) -> StoreResult<Account> {
        accounts::change_account(&mut self.client().await?, name, &change).await
    }

    async fn tokens(&self, account: &str) -> StoreResult<Vec<TokenRecord>> {
        accounts::tokens(&self.client().await?, account).await
    }

    async fn find_token(&self, id: &str, sha256: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        accounts::find_token(&self.client().await?, id, sha256).await
    }

    async fn revoke_token(&self, id: &str, sha256: &[u8; 32]) -> StoreResult<Option<String>> {
        accounts::revoke_token(&self.client().await?, id, sha256).await
    }

    async fn set_access(&self, account: &str, collection: &CollectionId, access: Access) -> StoreResult<()> {
        admin::set_access(&self.client().await?, account, collection, access).await
    }

    async fn access(&self, account: &str, collection: &CollectionId) -> StoreResult<Access> {
        admin::access(&self.client().await?, account, collection).await
    }

    async fn create_organisation(&self, organisation: store::Organisation) -> StoreResult<()> {
        sharing::create_organisation(&self.client().await?, &organisation).await
    }

    async fn create_community(&self, community: store::Community) -> StoreResult<()> {
        sharing::create_community(&self.client().await?, &community).await
    }

    async fn add_community_member(&self, community: &str, organisation: &str) -> StoreResult<()> {
        sharing::add_community_member(&self.client().await?, community, organisation).await
    }

    async fn share_collection(&self, collection: &CollectionId, community: &str) -> StoreResult<()> {
        sharing::share_collection(&self.client().await?, collection, community).await
    }

    async fn sharing_directory(&self) -> StoreResult<store::SharingDirectory> {
        sharing::sharing_directory(&self.client().await?).await
    }

    async fn add_community_admin(&self, community: &str, account: &str) -> StoreResult<()> {
        sharing::add_community_admin(&self.client().await?, community, account).await
    }

    async fn remove_community_member(&self, community: &str, organisation: &str) -> StoreResult<()> {
        let client = self.client().await?;
        sharing::remove_from_community(&client, "community_members", "org", community, organisation).await
    }

    async fn remove_community_admin(&self, community: &str, account: &str) -> StoreResult<()> {
        let client = self.client().await?;
        sharing::remove_from_community(&client, "community_admins", "account", community, account).await
    }

    async fn set_marking_grant(&self, account: &str, marking_id: &str, granted: bool) -> StoreResult<()> {
        sharing::set_marking_grant(&self.client().await?, account, marking_id, granted).await
    }

    async fn ids_by_public_id(
        &self,
        collection: &CollectionId,
        ids: Vec<String>,
    ) -> StoreResult<Vec<(String, String)>> {
        sharing::ids_by_public_id(&self.client().await?, collection, &ids).await
    }

    async fn object_owners(&self, ids: Vec<String>) -> StoreResult<Vec<(String, String)>> {
        sharing::object_owners(&self.client().await?, &ids).await
    }

    async fn ids_submitted_by(
        &self,
        collection: &CollectionId,
        org: &str,
        ids: Vec<String>,
    ) -> StoreResult<Vec<String>> {
        sharing::ids_submitted_by(&self.client().await?, collection, org, &ids).await
    }

    async fn reviews(&self, state: store::ReviewState, limit: usize) -> StoreResult<Vec<store::Review>> {
        review::list(&self.client().await?, state, limit).await
    }

    async fn review(&self, id: &str) -> StoreResult<Option<store::Review>> {
        review::get(&self.client().await?, id, false).await
    }

    async fn decide_review(&self, decision: store::ReviewDecision) -> StoreResult<store::Review> {
        review::decide(&mut self.client().await?, decision).await
    }

    async fn secret(&self, name: &str) -> StoreResult<[u8; 32]> {
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|err| StoreError::Backend(format!("no randomness: {err}")))?;
        admin::secret(&self.client().await?, name, &fresh).await
    }

    async fn audit_head(&self) -> StoreResult<store::AuditHead> {
        audit::head(&self.client().await?).await
    }

    async fn append_audit(
        &self,
        expected: store::AuditHead,
        records: Vec<store::AuditRecord>,
    ) -> StoreResult<store::AuditHead> {
        audit::append(&mut self.client().await?, &expected, &records).await
    }

    async fn audit_entries(&self, from_seq: u64, limit: usize) -> StoreResult<Vec<store::AuditRecord>> {
        audit::entries(&self.client().await?, from_seq, limit).await
    }

    // ----- event log and subscriptions (issue 13) -----

    async fn append_events(&self, events: Vec<store::NewEvent>) -> StoreResult<u64> {
        events::append(&mut self.client().await?, &events).await
    }

    async fn events_after(&self, after: u64, limit: usize) -> StoreResult<Vec<store::EventRecord>> {
        events::after(&self.client().await?, after, limit).await
    }

    async fn event_bounds(&self) -> StoreResult<store::EventBounds> {
        events::bounds(&self.client().await?).await
    }

    async fn trim_events(&self, retention: store::EventRetention) -> StoreResult<u64> {
        events::trim(&mut self.client().await?, retention).await
    }

    async fn trimmed_from(&self, after: u64) -> StoreResult<Option<i64>> {
        events::trimmed_from(&self.client().await?, after).await
    }

    async fn create_subscription(&self, subscription: store::SubscriptionRecord) -> StoreResult<()> {
        events::create_subscription(&self.client().await?, &subscription).await
    }

    async fn subscriptions(&self, account: Option<String>) -> StoreResult<Vec<store::SubscriptionRecord>> {
        events::subscriptions(&self.client().await?, account.as_deref()).await
    }

    async fn delete_subscription(&self, id: &str) -> StoreResult<bool> {
        events::delete_subscription(&self.client().await?, id).await
    }

    // ----- assets and victim notification (issue 14) -----

    async fn create_asset(&self, asset: store::AssetRecord) -> StoreResult<()> {
        assets::create(&self.client().await?, &asset).await
    }

    async fn assets(&self, org: Option<String>) -> StoreResult<Vec<store::AssetRecord>> {
        assets::list(&self.client().await?, org.as_deref()).await
    }

    async fn asset(&self, id: &str) -> StoreResult<Option<store::AssetRecord>> {
        assets::get(&self.client().await?, id).await
    }

    async fn verify_asset(&self, id: &str, account: &str, micros: i64) -> StoreResult<bool> {
        assets::verify(&self.client().await?, id, account, micros).await
    }

    async fn delete_asset(&self, id: &str) -> StoreResult<bool> {
        assets::delete(&self.client().await?, id).await
    }

    async fn write_records(&self, writes: Vec<store::RecordWrite>, now_micros: i64) -> StoreResult<Vec<i64>> {
        records::write(&mut self.client().await?, &writes, now_micros).await
    }

    async fn record(&self, ns: &str, key: &str) -> StoreResult<Option<store::Record>> {
        records::get(&self.client().await?, ns, key).await
    }

    async fn records(&self, scan: store::RecordScan) -> StoreResult<Vec<store::Record>> {
        records::scan(&self.client().await?, &scan).await
    }

    async fn claim_notices(&self, keys: Vec<String>) -> StoreResult<Vec<String>> {
        assets::claim_notices(&self.client().await?, &keys).await
    }

    async fn add_recipients(
        &self,
        collection: &CollectionId,
        date_added: i64,
        recipients: Vec<String>,
    ) -> StoreResult<bool> {
        assets::add_recipients(&mut self.client().await?, collection, date_added, &recipients).await
    }

    // ----- operations: quotas and gauges (issue 8) -----

    async fn organisation_usage(&self, organisation: &str) -> StoreResult<store::Usage> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT count(*), coalesce(sum(octet_length(raw)), 0)::bigint FROM objects \
                 WHERE submitter_org = $1",
                &[&organisation],
            )
            .await
            .map_err(error::from_pg)?;
        let objects: i64 = error::column(&row, 0)?;
        let bytes: i64 = error::column(&row, 1)?;
        Ok(store::Usage {
            objects: u64::try_from(objects).unwrap_or(0),
            bytes: u64::try_from(bytes).unwrap_or(0),
        })
    }

    // ----- webhooks (issue 13) -----

    async fn create_webhook(&self, endpoint: store::WebhookEndpoint) -> StoreResult<()> {
        webhook::create(&self.client().await?, &endpoint).await
    }

    async fn webhooks(&self, account: Option<&str>) -> StoreResult<Vec<store::WebhookEndpoint>> {
        webhook::list(&self.client().await?, account).await
    }

    async fn webhook(&self, id: &str) -> StoreResult<Option<store::WebhookEndpoint>> {
        webhook::get(&self.client().await?, id).await
    }

    async fn delete_webhook(&self, id: &str) -> StoreResult<bool> {
        webhook::delete(&mut self.client().await?, id).await
    }

    async fn set_webhook_secrets(&self, id: &str, secrets: Vec<store::WebhookSecret>) -> StoreResult<()> {
        webhook::set_secrets(&self.client().await?, id, &secrets).await
    }

    async fn set_webhook_enabled(&self, id: &str, enabled: bool, reason: Option<String>) -> StoreResult<()> {
        webhook::set_enabled(&self.client().await?, id, enabled, reason.as_deref()).await
    }

    async fn acquire_webhook_lease(
        &self,
        id: &str,
        owner: &str,
        now_micros: i64,
        until_micros: i64,
    ) -> StoreResult<Option<u64>> {
        webhook::acquire_lease(&self.client().await?, id, owner, now_micros, until_micros).await
    }

    async fn record_webhook_progress(&self, progress: store::WebhookProgress) -> StoreResult<()> {
        webhook::record(&mut self.client().await?, &progress).await
    }

    async fn due_webhook_deliveries(
        &self,
        id: &str,
        now_micros: i64,
        limit: usize,
    ) -> StoreResult<Vec<store::WebhookDelivery>> {
        webhook::due(&self.client().await?, id, now_micros, limit).await
    }

    async fn webhook_dead_letters(&self, id: &str, limit: usize) -> StoreResult<Vec<store::WebhookDelivery>> {
        webhook::dead_letters(&self.client().await?, id, limit).await
    }

    async fn replay_webhook_dead_letters(
        &self,
        id: &str,
        seqs: Vec<u64>,
        now_micros: i64,
    ) -> StoreResult<u64> {
        webhook::replay(&self.client().await?, id, &seqs, now_micros).await
    }

    fn gauges(&self) -> Vec<store::Gauge> {
        let status = self.pool.status();
        vec![
            store::Gauge {
                name: "stixhub_store_postgres_connections",
                help: "Open PostgreSQL connections of this process.",
                value: status.size as f64,
            },
            store::Gauge {
                name: "stixhub_store_postgres_connections_idle",
                help: "Open PostgreSQL connections not in use.",
                value: status.available as f64,
            },
            store::Gauge {
                name: "stixhub_store_postgres_waiting",
                help: "Store calls waiting for a PostgreSQL connection.",
                value: status.waiting as f64,
            },
            store::Gauge {
                name: "stixhub_store_postgres_max_connections",
                help: "The PostgreSQL connection pool's size limit.",
                value: status.max_size as f64,
            },
        ]
    }
}
