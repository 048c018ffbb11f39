//! `impl Store for SqliteStore`: each trait method hands its work to the writer thread or to the reader pool and
//! calls the module that holds its SQL (kept apart from `lib.rs`, which opens the store, so each stays short).

use async_trait::async_trait;
use rusqlite::Connection;
use store::{
    Access, Account, AccountChange, ApiRoot, Collection, CollectionId, IngestRequest, ObjectQuery, Page,
    StatusRecord, Store, StoreError, StoreResult, TokenRecord, VersionSelector,
};

use crate::writer::{self, WriteOutput};
use crate::{
    SqliteStore, accounts, admin, assets, audit, events, objects, operations, read, records, review, sharing,
    webhook,
};

#[async_trait]
impl Store for SqliteStore {
    async fn create_api_root(&self, api_root: ApiRoot) -> StoreResult<()> {
        self.write_done(move |conn| admin::create_api_root(conn, &api_root))
            .await
    }

    async fn api_roots(&self) -> StoreResult<Vec<ApiRoot>> {
        self.readers.read(admin::api_roots).await
    }

    async fn create_collection(&self, collection: Collection) -> StoreResult<()> {
        self.write_done(move |conn| admin::create_collection(conn, &collection))
            .await
    }

    async fn collections(&self, api_root: &str) -> StoreResult<Vec<Collection>> {
        let api_root = api_root.to_owned();
        self.readers
            .read(move |conn| admin::collections(conn, &api_root))
            .await
    }

    async fn collection(&self, api_root: &str, id_or_alias: &str) -> StoreResult<Option<Collection>> {
        let (api_root, id_or_alias) = (api_root.to_owned(), id_or_alias.to_owned());
        self.readers
            .read(move |conn| admin::collection(conn, Some(&api_root), &id_or_alias))
            .await
    }

    async fn find_collection(&self, id_or_alias: &str) -> StoreResult<Option<Collection>> {
        let id_or_alias = id_or_alias.to_owned();
        self.readers
            .read(move |conn| admin::collection(conn, None, &id_or_alias))
            .await
    }

    async fn ingest(&self, request: IngestRequest) -> StoreResult<StatusRecord> {
        let work = Box::new(move |conn: &Connection| objects::ingest(conn, request).map(WriteOutput::Status));
        match self.writer.write(work).await? {
            WriteOutput::Status(status) => Ok(status),
            other => Err(StoreError::Backend(format!(
                "writer answered {other:?} to an ingest"
            ))),
        }
    }

    async fn query_objects(&self, query: ObjectQuery) -> StoreResult<Page> {
        self.readers
            .read(move |conn| read::query_objects(conn, &query))
            .await
    }

    async fn object_exists(&self, collection: &CollectionId, object_id: &str) -> StoreResult<bool> {
        let (collection, object_id) = (collection.clone(), object_id.to_owned());
        self.readers
            .read(move |conn| read::object_exists(conn, &collection, &object_id))
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
        let (collection, object_id) = (collection.clone(), object_id.to_owned());
        self.write_count(move |conn| {
            objects::delete(
                conn,
                &collection,
                &object_id,
                group.as_deref(),
                &versions,
                &spec_versions,
            )
        })
        .await
    }

    async fn status(&self, api_root: &str, status_id: &str) -> StoreResult<Option<StatusRecord>> {
        let (api_root, status_id) = (api_root.to_owned(), status_id.to_owned());
        self.readers
            .read(move |conn| admin::status(conn, &api_root, &status_id))
            .await
    }

    async fn purge_statuses(&self, before_micros: i64) -> StoreResult<u64> {
        self.write_count(move |conn| admin::purge_statuses(conn, before_micros))
            .await
    }

    async fn create_account(&self, account: Account) -> StoreResult<()> {
        self.write_done(move |conn| admin::create_account(conn, &account))
            .await
    }

    async fn account(&self, name: &str) -> StoreResult<Option<Account>> {
        let name = name.to_owned();
        self.readers.read(move |conn| admin::account(conn, &name)).await
    }

    async fn count_accounts(&self) -> StoreResult<u64> {
        self.readers.read(admin::count_accounts).await
    }

    async fn create_token(&self, token: TokenRecord) -> StoreResult<()> {
        self.write_done(move |conn| admin::create_token(conn, &token))
            .await
    }

    async fn account_for_token(
        &self,
        token_sha256: &[u8; 32],
        now_micros: i64,
    ) -> StoreResult<Option<Account>> {
        let token_sha256 = *token_sha256;
        self.readers
            .read(move |conn| admin::account_for_token(conn, &token_sha256, now_micros))
            .await
    }

    async fn accounts(&self) -> StoreResult<Vec<Account>> {
        self.readers.read(accounts::accounts).await
    }

    async fn change_account(&self, name: &str, change: AccountChange) -> StoreResult<Account> {
        let owned = name.to_owned();
        self.write_done(move |conn| accounts::change_account(conn, &owned, &change))
            .await?;
        let owned = name.to_owned();
        // A deleted account reads as absent: answer with what it was, disabled.
        let changed = self
            .readers
            .read(move |conn| admin::account(conn, &owned))
            .await?;
        Ok(changed.unwrap_or_else(|| Account {
            name: name.to_owned(),
            password_hash: String::new(),
            org: None,
            is_admin: false,
            role: "member".to_owned(),
            disabled: true,
            epoch: 0,
        }))
    }

    async fn tokens(&self, account: &str) -> StoreResult<Vec<TokenRecord>> {
        let account = account.to_owned();
        self.readers
            .read(move |conn| accounts::tokens(conn, &account))
            .await
    }

    async fn find_token(&self, id: &str, sha256: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        let (id, sha256) = (id.to_owned(), *sha256);
        self.readers
            .read(move |conn| accounts::find_token(conn, &id, &sha256))
            .await
    }

    async fn revoke_token(&self, id: &str, sha256: &[u8; 32]) -> StoreResult<Option<String>> {
        let owner = self.find_token(id, sha256).await?.map(|token| token.account);
        let (id, sha256) = (id.to_owned(), *sha256);
        let deleted = self
            .write_count(move |conn| accounts::revoke_token(conn, &id, &sha256))
            .await?;
        Ok(owner.filter(|_| deleted > 0))
    }

    async fn set_access(&self, account: &str, collection: &CollectionId, access: Access) -> StoreResult<()> {
        let (account, collection) = (account.to_owned(), collection.clone());
        self.write_done(move |conn| admin::set_access(conn, &account, &collection, access))
            .await
    }

    async fn access(&self, account: &str, collection: &CollectionId) -> StoreResult<Access> {
        let (account, collection) = (account.to_owned(), collection.clone());
        self.readers
            .read(move |conn| admin::access(conn, &account, &collection))
            .await
    }

    async fn create_organisation(&self, organisation: store::Organisation) -> StoreResult<()> {
        self.write_done(move |conn| sharing::create_organisation(conn, &organisation))
            .await
    }

    async fn create_community(&self, community: store::Community) -> StoreResult<()> {
        self.write_done(move |conn| sharing::create_community(conn, &community))
            .await
    }

    async fn add_community_member(&self, community: &str, organisation: &str) -> StoreResult<()> {
        let (community, organisation) = (community.to_owned(), organisation.to_owned());
        self.write_done(move |conn| sharing::add_community_member(conn, &community, &organisation))
            .await
    }

    async fn share_collection(&self, collection: &CollectionId, community: &str) -> StoreResult<()> {
        let (collection, community) = (collection.clone(), community.to_owned());
        self.write_done(move |conn| sharing::share_collection(conn, &collection, &community))
            .await
    }

    async fn sharing_directory(&self) -> StoreResult<store::SharingDirectory> {
        self.readers.read(sharing::sharing_directory).await
    }

    async fn add_community_admin(&self, community: &str, account: &str) -> StoreResult<()> {
        let (community, account) = (community.to_owned(), account.to_owned());
        self.write_done(move |conn| sharing::add_community_admin(conn, &community, &account))
            .await
    }

    async fn remove_community_member(&self, community: &str, organisation: &str) -> StoreResult<()> {
        let (community, organisation) = (community.to_owned(), organisation.to_owned());
        self.write_done(move |conn| sharing::remove_community_member(conn, &community, &organisation))
            .await
    }

    async fn remove_community_admin(&self, community: &str, account: &str) -> StoreResult<()> {
        let (community, account) = (community.to_owned(), account.to_owned());
        self.write_done(move |conn| sharing::remove_community_admin(conn, &community, &account))
            .await
    }

    async fn set_marking_grant(&self, account: &str, marking_id: &str, granted: bool) -> StoreResult<()> {
        let (account, marking_id) = (account.to_owned(), marking_id.to_owned());
        self.write_done(move |conn| sharing::set_marking_grant(conn, &account, &marking_id, granted))
            .await
    }

    async fn ids_by_public_id(
        &self,
        collection: &CollectionId,
        ids: Vec<String>,
    ) -> StoreResult<Vec<(String, String)>> {
        let collection = collection.clone();
        self.readers
            .read(move |conn| sharing::ids_by_public_id(conn, &collection, &ids))
            .await
    }

    async fn object_owners(&self, ids: Vec<String>) -> StoreResult<Vec<(String, String)>> {
        self.readers
            .read(move |conn| sharing::object_owners(conn, &ids))
            .await
    }

    async fn ids_submitted_by(
        &self,
        collection: &CollectionId,
        org: &str,
        ids: Vec<String>,
    ) -> StoreResult<Vec<String>> {
        let (collection, org) = (collection.clone(), org.to_owned());
        self.readers
            .read(move |conn| sharing::ids_submitted_by(conn, &collection, &org, &ids))
            .await
    }

    async fn reviews(&self, state: store::ReviewState, limit: usize) -> StoreResult<Vec<store::Review>> {
        self.readers
            .read(move |conn| review::list(conn, state, limit))
            .await
    }

    async fn review(&self, id: &str) -> StoreResult<Option<store::Review>> {
        let id = id.to_owned();
        self.readers.read(move |conn| review::get(conn, &id)).await
    }

    async fn decide_review(&self, decision: store::ReviewDecision) -> StoreResult<store::Review> {
        let work = Box::new(move |conn: &Connection| {
            review::decide(conn, decision).map(|review| WriteOutput::Review(Box::new(review)))
        });
        match self.writer.write(work).await? {
            WriteOutput::Review(review) => Ok(*review),
            other => Err(StoreError::Backend(format!(
                "writer answered {other:?} to a review decision"
            ))),
        }
    }

    async fn secret(&self, name: &str) -> StoreResult<[u8; 32]> {
        let name = name.to_owned();
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|err| StoreError::Backend(format!("no randomness: {err}")))?;
        self.write_done({
            let name = name.clone();
            move |conn| admin::insert_secret_if_missing(conn, &name, &fresh)
        })
        .await?;
        self.readers.read(move |conn| admin::secret(conn, &name)).await
    }

    async fn audit_head(&self) -> StoreResult<store::AuditHead> {
        self.readers.read(audit::head).await
    }

    async fn append_audit(
        &self,
        expected: store::AuditHead,
        records: Vec<store::AuditRecord>,
    ) -> StoreResult<store::AuditHead> {
        let work = Box::new(move |conn: &Connection| {
            audit::append(conn, &expected, &records).map(WriteOutput::AuditHead)
        });
        match self.writer.write(work).await? {
            WriteOutput::AuditHead(head) => Ok(head),
            other => Err(StoreError::Backend(format!(
                "writer answered {other:?} to an audit append"
            ))),
        }
    }

    async fn audit_entries(&self, from_seq: u64, limit: usize) -> StoreResult<Vec<store::AuditRecord>> {
        self.readers
            .read(move |conn| audit::entries(conn, from_seq, limit))
            .await
    }

    // ----- event log and subscriptions (issue 13) -----

    async fn append_events(&self, events: Vec<store::NewEvent>) -> StoreResult<u64> {
        self.write_count(move |conn| events::append(conn, &events)).await
    }

    async fn events_after(&self, after: u64, limit: usize) -> StoreResult<Vec<store::EventRecord>> {
        self.readers
            .read(move |conn| events::after(conn, after, limit))
            .await
    }

    async fn event_bounds(&self) -> StoreResult<store::EventBounds> {
        self.readers.read(events::bounds).await
    }

    async fn trim_events(&self, retention: store::EventRetention) -> StoreResult<u64> {
        self.write_count(move |conn| events::trim(conn, retention)).await
    }

    async fn trimmed_from(&self, after: u64) -> StoreResult<Option<i64>> {
        self.readers
            .read(move |conn| events::trimmed_from(conn, after))
            .await
    }

    async fn create_subscription(&self, subscription: store::SubscriptionRecord) -> StoreResult<()> {
        self.write_done(move |conn| events::create_subscription(conn, &subscription))
            .await
    }

    async fn subscriptions(&self, account: Option<String>) -> StoreResult<Vec<store::SubscriptionRecord>> {
        self.readers
            .read(move |conn| events::subscriptions(conn, account.as_deref()))
            .await
    }

    async fn delete_subscription(&self, id: &str) -> StoreResult<bool> {
        let id = id.to_owned();
        Ok(self
            .write_count(move |conn| events::delete_subscription(conn, &id))
            .await?
            > 0)
    }

    // ----- assets and victim notification (issue 14) -----

    async fn create_asset(&self, asset: store::AssetRecord) -> StoreResult<()> {
        self.write_done(move |conn| assets::create(conn, &asset)).await
    }

    async fn assets(&self, org: Option<String>) -> StoreResult<Vec<store::AssetRecord>> {
        self.readers
            .read(move |conn| assets::list(conn, org.as_deref()))
            .await
    }

    async fn asset(&self, id: &str) -> StoreResult<Option<store::AssetRecord>> {
        let id = id.to_owned();
        self.readers.read(move |conn| assets::get(conn, &id)).await
    }

    async fn verify_asset(&self, id: &str, account: &str, micros: i64) -> StoreResult<bool> {
        let (id, account) = (id.to_owned(), account.to_owned());
        Ok(self
            .write_count(move |conn| assets::verify(conn, &id, &account, micros))
            .await?
            > 0)
    }

    async fn delete_asset(&self, id: &str) -> StoreResult<bool> {
        let id = id.to_owned();
        Ok(self.write_count(move |conn| assets::delete(conn, &id)).await? > 0)
    }

    async fn write_records(&self, writes: Vec<store::RecordWrite>, now_micros: i64) -> StoreResult<Vec<i64>> {
        match self
            .writer
            .write(Box::new(move |conn| {
                records::write(conn, &writes, now_micros).map(WriteOutput::Versions)
            }))
            .await?
        {
            WriteOutput::Versions(versions) => Ok(versions),
            other => Err(StoreError::Backend(format!(
                "writer answered {other:?} to records"
            ))),
        }
    }

    async fn record(&self, ns: &str, key: &str) -> StoreResult<Option<store::Record>> {
        let (ns, key) = (ns.to_owned(), key.to_owned());
        self.readers.read(move |conn| records::get(conn, &ns, &key)).await
    }

    async fn records(&self, scan: store::RecordScan) -> StoreResult<Vec<store::Record>> {
        self.readers.read(move |conn| records::scan(conn, &scan)).await
    }

    async fn claim_notices(&self, keys: Vec<String>) -> StoreResult<Vec<String>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        match self
            .writer
            .write(Box::new(move |conn| {
                assets::claim_notices(conn, &keys).map(WriteOutput::Keys)
            }))
            .await?
        {
            WriteOutput::Keys(keys) => Ok(keys),
            other => Err(StoreError::Backend(format!(
                "writer answered {other:?} to notice keys"
            ))),
        }
    }

    async fn add_recipients(
        &self,
        collection: &CollectionId,
        date_added: i64,
        recipients: Vec<String>,
    ) -> StoreResult<bool> {
        let collection = collection.clone();
        Ok(self
            .write_count(move |conn| assets::add_recipients(conn, &collection, date_added, &recipients))
            .await?
            > 0)
    }

    // ----- operations: quotas and gauges (issue 8) -----

    async fn organisation_usage(&self, organisation: &str) -> StoreResult<store::Usage> {
        let organisation = organisation.to_owned();
        self.readers
            .read(move |conn| operations::organisation_usage(conn, &organisation))
            .await
    }

    // ----- webhooks (issue 13) -----

    async fn create_webhook(&self, endpoint: store::WebhookEndpoint) -> StoreResult<()> {
        self.write_done(move |conn| webhook::create(conn, &endpoint))
            .await
    }

    async fn webhooks(&self, account: Option<&str>) -> StoreResult<Vec<store::WebhookEndpoint>> {
        let account = account.map(str::to_owned);
        self.readers
            .read(move |conn| webhook::list(conn, account.as_deref()))
            .await
    }

    async fn webhook(&self, id: &str) -> StoreResult<Option<store::WebhookEndpoint>> {
        let id = id.to_owned();
        self.readers.read(move |conn| webhook::get(conn, &id)).await
    }

    async fn delete_webhook(&self, id: &str) -> StoreResult<bool> {
        let id = id.to_owned();
        Ok(self.write_count(move |conn| webhook::delete(conn, &id)).await? > 0)
    }

    async fn set_webhook_secrets(&self, id: &str, secrets: Vec<store::WebhookSecret>) -> StoreResult<()> {
        let id = id.to_owned();
        self.write_done(move |conn| webhook::set_secrets(conn, &id, &secrets))
            .await
    }

    async fn set_webhook_enabled(&self, id: &str, enabled: bool, reason: Option<String>) -> StoreResult<()> {
        let id = id.to_owned();
        self.write_done(move |conn| webhook::set_enabled(conn, &id, enabled, reason.as_deref()))
            .await
    }

    async fn acquire_webhook_lease(
        &self,
        id: &str,
        owner: &str,
        now_micros: i64,
        until_micros: i64,
    ) -> StoreResult<Option<u64>> {
        let (id, owner) = (id.to_owned(), owner.to_owned());
        let generation = self
            .write_count(move |conn| webhook::acquire_lease(conn, &id, &owner, now_micros, until_micros))
            .await?;
        Ok((generation > 0).then_some(generation))
    }

    async fn record_webhook_progress(&self, progress: store::WebhookProgress) -> StoreResult<()> {
        self.write_done(move |conn| webhook::record(conn, &progress))
            .await
    }

    async fn due_webhook_deliveries(
        &self,
        id: &str,
        now_micros: i64,
        limit: usize,
    ) -> StoreResult<Vec<store::WebhookDelivery>> {
        let id = id.to_owned();
        self.readers
            .read(move |conn| webhook::due(conn, &id, now_micros, limit))
            .await
    }

    async fn webhook_dead_letters(&self, id: &str, limit: usize) -> StoreResult<Vec<store::WebhookDelivery>> {
        let id = id.to_owned();
        self.readers
            .read(move |conn| webhook::dead_letters(conn, &id, limit))
            .await
    }

    async fn replay_webhook_dead_letters(
        &self,
        id: &str,
        seqs: Vec<u64>,
        now_micros: i64,
    ) -> StoreResult<u64> {
        let id = id.to_owned();
        self.write_count(move |conn| webhook::replay(conn, &id, &seqs, now_micros))
            .await
    }

    fn gauges(&self) -> Vec<store::Gauge> {
        vec![
            store::Gauge {
                name: "stixhub_store_sqlite_writer_queue_depth",
                help: "Write jobs waiting for the SQLite writer thread.",
                value: self.writer.queue_depth() as f64,
            },
            store::Gauge {
                name: "stixhub_store_sqlite_reads_in_progress",
                help: "SQLite reads running (at most 8; more wait for a turn).",
                value: self.readers.reads_in_progress() as f64,
            },
            store::Gauge {
                name: "stixhub_store_sqlite_writer_queue_capacity",
                help: "Write jobs the SQLite writer queue holds before callers wait for room.",
                value: writer::QUEUE_CAPACITY as f64,
            },
        ]
    }
}
