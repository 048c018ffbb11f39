//! The `Store` trait: everything the hub persists, behind one object-safe async interface.
//!
//! Invariant: no SQL and no driver types here; `store` depends on `stix` only. Every backend (`store-sqlite`,
//! `store-postgres`) implements `Store` and passes the one conformance suite in `store-tests`, which is the
//! executable form of the contract documented on each method below.
//!
//! Contract highlights a backend must keep:
//! - `date_added` is whole microseconds, unique and strictly increasing per collection, and follows commit
//!   order: a reader that has seen `date_added = t` will never later see a new row with `date_added <= t`.
//!   It is assigned inside the writing transaction.
//! - Objects are kept as their exact bytes; `raw` comes back byte-identical.
//! - Version rules (`plan`) apply per (id, submitter group): a version is `(id, group, version instant)`;
//!   posting an existing version of one's group again stores nothing new (success); once a stored version
//!   of an id in a group is revoked, no new version of that id is accepted from that group. Another group's
//!   versions never change what a write answers.
//! - A claimable id (posted with a `public_id`) is owned hub-wide by the first group that stored it; every
//!   other group's versions of it are flagged shadows (`ObjectSharing::shadow`), decided inside the ingest
//!   transaction so concurrent first claims (several processes) agree.
//! - `ingest` returns only after the objects and the status are durable (committed).
//! - Every stored version keeps the sharing facts given at ingest (`ObjectSharing`), returned with both
//!   projections; versions stored before those facts existed read as submitted by `""` with no organisation,
//!   no recipients, and the markings found in their bytes.

mod assets;
mod audit;
mod error;
mod events;
mod model;
mod operations;
pub mod plan;
mod query;
mod records;
mod review;
mod sharing;
mod webhook;

use async_trait::async_trait;

pub use crate::assets::AssetRecord;
pub use crate::audit::{AuditHead, AuditRecord};
pub use crate::error::{EntityKind, StoreError};
pub use crate::events::{
    EventBounds, EventRecord, EventRetention, NewEvent, OBJECT_ADDED, OBJECT_DELETED, SubscriptionRecord,
};
pub use crate::model::{
    Access, Account, AccountChange, ApiRoot, Collection, CollectionId, IngestRequest, NewObject, StatusEntry,
    StatusRecord, TokenRecord,
};
pub use crate::operations::{Gauge, Usage};
pub use crate::query::{
    ObjectQuery, ObjectSharing, Page, Position, Projection, StoredObject, VersionSelector,
};
pub use crate::records::{Expect, Record, RecordScan, RecordWrite, expectation_failed, expectation_holds};
pub use crate::review::{PendingObject, Review, ReviewDecision, ReviewOutcome, ReviewState};
pub use crate::sharing::{Community, Organisation, SharingDirectory};
pub use crate::webhook::{DeliveryUpdate, WebhookDelivery, WebhookEndpoint, WebhookProgress, WebhookSecret};

/// Result of every store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Persistence for API roots, collections, objects, statuses, accounts, tokens and grants.
///
/// Implementations are shared as `Arc<dyn Store>`; every method may be called concurrently.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    // ----- API roots and collections -----

    /// Creates an API root. `Conflict` when the name exists.
    async fn create_api_root(&self, api_root: ApiRoot) -> StoreResult<()>;

    /// All API roots, in creation order (the first is the discovery default).
    async fn api_roots(&self) -> StoreResult<Vec<ApiRoot>>;

    /// Creates a collection. `Conflict` when the id exists or the alias is taken in its API root;
    /// `NotFound(ApiRoot)` when the API root does not exist.
    async fn create_collection(&self, collection: Collection) -> StoreResult<()>;

    /// The collections of an API root, in creation order (a stable order, as TAXII requires).
    async fn collections(&self, api_root: &str) -> StoreResult<Vec<Collection>>;

    /// The collection of `api_root` whose id or alias is `id_or_alias`.
    async fn collection(&self, api_root: &str, id_or_alias: &str) -> StoreResult<Option<Collection>>;

    /// The collection with this id or alias in any API root (for the admin CLI). An id wins over an alias.
    async fn find_collection(&self, id_or_alias: &str) -> StoreResult<Option<Collection>>;

    // ----- objects -----

    /// Stores the valid objects of one POST and its status in one transaction, assigning `date_added` in
    /// commit order, and returns the status once committed. Each object is a success (new, or an exact
    /// version already present) or a failure (a new version of a revoked id). `request.failures` (objects the
    /// hub refused before storage) are kept in the status as they are.
    async fn ingest(&self, request: IngestRequest) -> StoreResult<StatusRecord>;

    /// One page of object versions, ascending by `date_added`; see `ObjectQuery` for the semantics.
    async fn query_objects(&self, query: ObjectQuery) -> StoreResult<Page>;

    /// True when the collection holds at least one version of `object_id`.
    async fn object_exists(&self, collection: &CollectionId, object_id: &str) -> StoreResult<bool>;

    /// Deletes the versions of `object_id` selected by `versions` and `spec_versions` (empty = any) and
    /// returns how many were deleted. Selection is as in `query_objects`, per group over that object's
    /// versions in `group` (`plan::submitter_group`), or in every group when `None`.
    async fn delete_object(
        &self,
        collection: &CollectionId,
        object_id: &str,
        group: Option<String>,
        versions: VersionSelector,
        spec_versions: Vec<String>,
    ) -> StoreResult<u64>;

    // ----- statuses -----

    /// The status `status_id` of `api_root`, if kept.
    async fn status(&self, api_root: &str, status_id: &str) -> StoreResult<Option<StatusRecord>>;

    /// Forgets statuses whose request is older than `before_micros`; returns how many.
    async fn purge_statuses(&self, before_micros: i64) -> StoreResult<u64>;

    // ----- accounts, tokens, grants -----

    /// Creates an account. `Conflict` when the name exists.
    async fn create_account(&self, account: Account) -> StoreResult<()>;

    /// The account named `name`.
    async fn account(&self, name: &str) -> StoreResult<Option<Account>>;

    /// How many accounts exist.
    async fn count_accounts(&self) -> StoreResult<u64>;

    /// Stores a bearer token's hash. `NotFound(Account)` when the account does not exist.
    async fn create_token(&self, token: TokenRecord) -> StoreResult<()>;

    /// The account owning the token whose SHA-256 is `token_sha256`, unless the token expired at `now_micros`
    /// or was revoked, or the account was deleted. (A disabled account is returned; the hub refuses it.)
    async fn account_for_token(
        &self,
        token_sha256: &[u8; 32],
        now_micros: i64,
    ) -> StoreResult<Option<Account>>;

    /// Every account that is not deleted, by name.
    async fn accounts(&self) -> StoreResult<Vec<Account>>;

    /// Applies `change` to the account `name` and bumps its epoch; returns the account as changed.
    /// `NotFound(Account)` for an unknown or deleted account.
    async fn change_account(&self, name: &str, change: AccountChange) -> StoreResult<Account>;

    /// The live tokens of `account` (expired ones included, revoked ones are gone), oldest first.
    async fn tokens(&self, account: &str) -> StoreResult<Vec<TokenRecord>>;

    /// The token whose id is `id` or whose SHA-256 is `sha256`, expired or not.
    async fn find_token(&self, id: &str, sha256: &[u8; 32]) -> StoreResult<Option<TokenRecord>>;

    /// Revokes (deletes) the token whose id is `id` or whose SHA-256 is `sha256`; returns its account, or
    /// `None` when no such token exists.
    async fn revoke_token(&self, id: &str, sha256: &[u8; 32]) -> StoreResult<Option<String>>;

    /// Sets (replaces) an account's rights on a collection. `NotFound` for an unknown account or collection.
    async fn set_access(&self, account: &str, collection: &CollectionId, access: Access) -> StoreResult<()>;

    /// An account's rights on a collection (none when no grant exists).
    async fn access(&self, account: &str, collection: &CollectionId) -> StoreResult<Access>;

    // ----- sharing policy (issue 6) -----

    /// Creates an organisation. `Conflict` when the name exists.
    async fn create_organisation(&self, organisation: Organisation) -> StoreResult<()>;

    /// Creates a community. `Conflict` when the name exists; `NotFound(Community)` when the parent does not
    /// exist. (A new community has no children, so no cycle can form.)
    async fn create_community(&self, community: Community) -> StoreResult<()>;

    /// Makes an organisation a direct member of a community (again: no change). `NotFound(Community)` or
    /// `NotFound(Organisation)` for unknown names.
    async fn add_community_member(&self, community: &str, organisation: &str) -> StoreResult<()>;

    /// Shares a collection with a community: adds it to the collection's audience (again: no change).
    /// `NotFound(Collection)` or `NotFound(Community)` for unknown ones.
    async fn share_collection(&self, collection: &CollectionId, community: &str) -> StoreResult<()>;

    /// The whole sharing directory (small: organisations, communities, memberships, audiences, marking
    /// grants).
    async fn sharing_directory(&self) -> StoreResult<SharingDirectory>;

    /// Names an account an administrator of a community (again: no change). `NotFound(Community)` or
    /// `NotFound(Account)` for unknown names.
    async fn add_community_admin(&self, community: &str, account: &str) -> StoreResult<()>;

    /// Removes an organisation from a community's direct members (not a member: no change).
    /// `NotFound(Community)` for an unknown community.
    async fn remove_community_member(&self, community: &str, organisation: &str) -> StoreResult<()>;

    /// Stops an account administering a community (not an admin: no change). `NotFound(Community)` for an
    /// unknown community.
    async fn remove_community_admin(&self, community: &str, account: &str) -> StoreResult<()>;

    /// Clears (`granted`) or stops clearing an account for a marking-definition id. `NotFound(Account)` for an
    /// unknown account. Idempotent.
    async fn set_marking_grant(&self, account: &str, marking_id: &str, granted: bool) -> StoreResult<()>;

    /// `(public id, stored id)` for each of `ids` that is the public id of a version in `collection`.
    async fn ids_by_public_id(
        &self,
        collection: &CollectionId,
        ids: Vec<String>,
    ) -> StoreResult<Vec<(String, String)>>;

    /// `(id, owning group)` for each of `ids` that a group owns (hub-wide, see `plan`).
    async fn object_owners(&self, ids: Vec<String>) -> StoreResult<Vec<(String, String)>>;

    /// Those of `ids` that have a version in `collection` submitted by organisation `org`.
    async fn ids_submitted_by(
        &self,
        collection: &CollectionId,
        org: &str,
        ids: Vec<String>,
    ) -> StoreResult<Vec<String>>;

    // ----- PII review queue -----

    /// Reviews in `state`, oldest first, at most `limit`.
    async fn reviews(&self, state: ReviewState, limit: usize) -> StoreResult<Vec<Review>>;

    /// The review `id`.
    async fn review(&self, id: &str) -> StoreResult<Option<Review>>;

    /// Decides a pending review (see `review` module docs) and returns it as decided. `NotFound(Review)` for
    /// an unknown id, `Conflict` when it was already decided.
    async fn decide_review(&self, decision: ReviewDecision) -> StoreResult<Review>;

    // ----- secrets -----

    /// A 32-byte random secret named `name`, created on first use and then stable for the life of the store
    /// (so every process on one store derives the same keys, e.g. for `next` cursors).
    async fn secret(&self, name: &str) -> StoreResult<[u8; 32]>;

    // ----- audit log -----

    /// The head of the audit log (`AuditHead::EMPTY` before the first append).
    async fn audit_head(&self) -> StoreResult<AuditHead>;

    /// Appends `records` (their `seq`s must run from `expected.n_entries` without gaps) and moves the head to
    /// the last one, in one transaction, only if the head is still `expected`; otherwise `Conflict` and
    /// nothing is written (the caller re-reads the head and re-chains). Returns the new head.
    async fn append_audit(&self, expected: AuditHead, records: Vec<AuditRecord>) -> StoreResult<AuditHead>;

    /// Up to `limit` entries with `seq >= from_seq`, ascending by `seq`, as stored (not checked).
    async fn audit_entries(&self, from_seq: u64, limit: usize) -> StoreResult<Vec<AuditRecord>>;

    // ----- event log and subscriptions (issue 13; contract in `events`) -----

    /// Appends events of kinds other than the object events (which `ingest` and `delete_object` write
    /// themselves) in one transaction; returns the position of the last one (of the newest event when
    /// `events` is empty).
    async fn append_events(&self, events: Vec<NewEvent>) -> StoreResult<u64>;

    /// Up to `limit` events with `seq > after`, ascending, all committed.
    async fn events_after(&self, after: u64, limit: usize) -> StoreResult<Vec<EventRecord>>;

    /// The retained range of the log.
    async fn event_bounds(&self) -> StoreResult<EventBounds>;

    /// Removes the events `retention` lets go; returns how many.
    async fn trim_events(&self, retention: EventRetention) -> StoreResult<u64>;

    /// For a reader whose last position `after` is behind retention (`after + 1 < first`): when the oldest
    /// event it missed was written (µs), as recorded by the trim that removed it; `None` when no trim recorded
    /// it (resync from the beginning).
    async fn trimmed_from(&self, after: u64) -> StoreResult<Option<i64>>;

    /// Stores a subscription. `Conflict` when the id exists, `NotFound(Account)` for an unknown account.
    async fn create_subscription(&self, subscription: SubscriptionRecord) -> StoreResult<()>;

    /// The subscriptions of `account` (all when `None`), oldest first.
    async fn subscriptions(&self, account: Option<String>) -> StoreResult<Vec<SubscriptionRecord>>;

    /// Removes a subscription; false when there was none with this id.
    async fn delete_subscription(&self, id: &str) -> StoreResult<bool>;

    // ----- assets and victim notification (issue 14; contract in `assets`) -----

    /// Stores an asset claim. `Conflict` when the id exists or the organisation already claims this kind and
    /// value; `NotFound(Organisation)` for an unknown organisation.
    async fn create_asset(&self, asset: AssetRecord) -> StoreResult<()>;

    /// The assets of `org` (every asset when `None`), oldest first.
    async fn assets(&self, org: Option<String>) -> StoreResult<Vec<AssetRecord>>;

    /// The asset `id`.
    async fn asset(&self, id: &str) -> StoreResult<Option<AssetRecord>>;

    /// Marks an asset verified by `account` at `micros` (already verified: unchanged); false for an unknown id.
    async fn verify_asset(&self, id: &str, account: &str, micros: i64) -> StoreResult<bool>;

    /// Removes an asset; false when there was none with this id.
    async fn delete_asset(&self, id: &str) -> StoreResult<bool>;

    /// Records each of `keys` once ever (in one transaction) and returns those this call recorded.
    async fn claim_notices(&self, keys: Vec<String>) -> StoreResult<Vec<String>>;

    /// Adds `recipients` to the version of `collection` added at `date_added`; false when there is no such
    /// version.
    async fn add_recipients(
        &self,
        collection: &CollectionId,
        date_added: i64,
        recipients: Vec<String>,
    ) -> StoreResult<bool>;

    // ----- hub-owned records (issues 15–18; contract in `store::records`) -----

    /// Applies every write or none, in one transaction; a failed expectation is `Conflict`. Returns each
    /// write's new version (0 for a delete).
    async fn write_records(&self, writes: Vec<RecordWrite>, now_micros: i64) -> StoreResult<Vec<i64>>;

    /// One record, if it exists.
    async fn record(&self, ns: &str, key: &str) -> StoreResult<Option<Record>>;

    /// One namespace's records under a prefix, in key order (see `RecordScan`).
    async fn records(&self, scan: RecordScan) -> StoreResult<Vec<Record>>;

    // ----- operations: quotas and gauges (issue 8) -----

    /// What the accounts of `organisation` have stored, over every collection: object versions and their bytes
    /// (as submitted; versions deleted since are not counted). A full count: callers cache it.
    async fn organisation_usage(&self, organisation: &str) -> StoreResult<Usage>;

    // ----- webhooks (issue 13; see the `webhook` module) -----

    /// Creates a webhook endpoint (its counters and position as given). `Conflict` when the id exists,
    /// `NotFound(Account)` for an unknown account.
    async fn create_webhook(&self, endpoint: WebhookEndpoint) -> StoreResult<()>;

    /// The endpoints of `account` (every endpoint when `None`), in creation order, with their counts.
    async fn webhooks(&self, account: Option<&str>) -> StoreResult<Vec<WebhookEndpoint>>;

    /// The endpoint `id`.
    async fn webhook(&self, id: &str) -> StoreResult<Option<WebhookEndpoint>>;

    /// Deletes an endpoint with its deliveries; false when it did not exist.
    async fn delete_webhook(&self, id: &str) -> StoreResult<bool>;

    /// Replaces an endpoint's secrets (rotation). `NotFound(Webhook)` for an unknown id.
    async fn set_webhook_secrets(&self, id: &str, secrets: Vec<WebhookSecret>) -> StoreResult<()>;

    /// Enables or disables an endpoint (with a reason when disabling). `NotFound(Webhook)` for an unknown id.
    async fn set_webhook_enabled(&self, id: &str, enabled: bool, reason: Option<String>) -> StoreResult<()>;

    /// Takes or renews the endpoint's delivery lease for `owner` until `until_micros` (compare-and-swap; see
    /// the `webhook` module). Returns the lease generation, or `None` when another owner holds an unexpired
    /// lease or the endpoint does not exist.
    async fn acquire_webhook_lease(
        &self,
        id: &str,
        owner: &str,
        now_micros: i64,
        until_micros: i64,
    ) -> StoreResult<Option<u64>>;

    /// Applies one delivery round under the lease generation it was made with; `Conflict` (nothing written)
    /// when the lease has moved on, `NotFound(Webhook)` when the endpoint is gone.
    async fn record_webhook_progress(&self, progress: WebhookProgress) -> StoreResult<()>;

    /// Deliveries of an endpoint that are not dead and due at `now_micros`, by position, at most `limit`.
    async fn due_webhook_deliveries(
        &self,
        id: &str,
        now_micros: i64,
        limit: usize,
    ) -> StoreResult<Vec<WebhookDelivery>>;

    /// The endpoint's dead letters, by position, at most `limit`.
    async fn webhook_dead_letters(&self, id: &str, limit: usize) -> StoreResult<Vec<WebhookDelivery>>;

    /// Puts dead letters back in the queue (all of the endpoint's when `seqs` is empty), due at `now_micros`
    /// with no attempts counted; returns how many.
    async fn replay_webhook_dead_letters(
        &self,
        id: &str,
        seqs: Vec<u64>,
        now_micros: i64,
    ) -> StoreResult<u64>;

    /// The backend's queue depths and pool sizes, for metrics. Cheap and non-blocking (no I/O).
    fn gauges(&self) -> Vec<Gauge> {
        Vec::new()
    }
}
