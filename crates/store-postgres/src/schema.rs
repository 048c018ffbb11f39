//! The PostgreSQL schema and its numbered migrations, versioned by the `schema_version` table.
//!
//! Migration 2 (sharing policy, issue 6) adds organisations, communities, memberships, collection audiences,
//! account roles and per-object sharing facts (list-valued facts newline-joined, as in SQLite); the markings
//! of objects stored before it are read from their bytes. Migration 3 adds each version's public id (the id
//! the hub republishes it under for anonymous submitters), marking grants, community administrators and the PII review queue.
//!
//! Migration 4 (audit log, issue 6) adds `audit_log` (the hash-chained entries, keyed by `seq`) and
//! `audit_head`, one row holding the entry count and last hash; its row lock serialises appends across
//! processes (see `audit`).
//!
//! Migration 5 (event stream, issue 13) adds `events`, `event_log` (one row: the last position assigned and the
//! first retained; its row lock assigns positions in commit order, see `events`) and `subscriptions`.
//! Migration 7 (webhooks, issue 13) adds `webhooks` (endpoints with their lease columns) and
//! `webhook_deliveries` (retries and dead letters, one row per endpoint and event position).
//!
//! Migration 8 (ownership, issue 12) adds each version's group (`grp`, see `store::plan`), keys
//! `objects_identity` by (coll, stix_id, grp, version), adds `object_owners` (the hub-wide claim of each
//! claimable id and of each public id, backfilled from the earliest version with a public id), recomputes the first/last bits per
//! group and the shadow bit (4), and copies the flags into object events (a shadow's events are released like it).
//!
//! Invariant: `MIGRATIONS[n]` turns schema version `n` into `n + 1`; migrations are only ever appended. All
//! of them run in one transaction that first takes a transaction-scoped advisory lock keyed by the current
//! schema, so two `stixhub` processes starting at once on an empty database migrate it exactly once (the
//! second waits, then finds the work done), and a crash leaves the old or the new schema, never half of one.
//!
//! Layout choices (for 1 M+ objects per collection):
//! - `objects` is keyed by `(coll, date_added)`, which is also the keyset paging order; `objects_identity
//!   (coll, stix_id, version)` serves `match[id]`, version selection and duplicate detection; `objects_type`
//!   serves single-type filters. The exact bytes live in `raw` (`bytea`, so no encoding can alter them).
//! - `flags` caches "first version" (bit 0) and "last version" (bit 1) of each (id, group), and "shadow"
//!   (bit 2, see `store::plan`), so the default
//!   `match[version]=last` walk needs no per-row subquery.
//! - `collection_clocks` holds the last `date_added` of each collection. Its row is the per-collection write
//!   lock: every transaction that writes objects locks it first (see `objects`).

use deadpool_postgres::GenericClient;
use store::{StoreError, StoreResult};

use crate::error::from_pg;

/// The current schema version.
pub(crate) const SCHEMA_VERSION: i32 = 10;

/// The first key of the advisory lock taken while migrating ("stix" in ASCII); the second key is a hash
/// of the schema name, so tests in different schemas migrate in parallel.
const MIGRATION_LOCK_CLASS: i32 = 0x7374_6978;

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (
    key text PRIMARY KEY,
    value bytea NOT NULL
);
CREATE TABLE api_roots (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    title text NOT NULL,
    description text,
    max_content_length bigint NOT NULL
);
CREATE TABLE collections (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    api_root text NOT NULL REFERENCES api_roots (name),
    title text NOT NULL,
    description text,
    alias text,
    UNIQUE (api_root, alias)
);
CREATE TABLE collection_clocks (
    coll bigint PRIMARY KEY REFERENCES collections (seq),
    last_date_added bigint NOT NULL
) WITH (fillfactor = 50);
CREATE TABLE objects (
    coll bigint NOT NULL,
    date_added bigint NOT NULL,
    stix_id text NOT NULL,
    object_type text NOT NULL,
    version bigint NOT NULL,
    version_text text,
    spec_version text NOT NULL,
    revoked boolean NOT NULL,
    flags smallint NOT NULL,
    raw bytea NOT NULL,
    PRIMARY KEY (coll, date_added)
);
CREATE UNIQUE INDEX objects_identity ON objects (coll, stix_id, version);
CREATE INDEX objects_type ON objects (coll, object_type, date_added);
CREATE TABLE statuses (
    id text PRIMARY KEY,
    api_root text NOT NULL,
    account text NOT NULL,
    request_timestamp bigint NOT NULL,
    kinds smallint[] NOT NULL,
    ids text[] NOT NULL,
    versions text[] NOT NULL,
    messages text[] NOT NULL
);
CREATE INDEX statuses_age ON statuses (request_timestamp);
CREATE TABLE accounts (
    name text PRIMARY KEY,
    password_hash text NOT NULL,
    org text,
    is_admin boolean NOT NULL
);
CREATE TABLE tokens (
    sha256 bytea PRIMARY KEY,
    account text NOT NULL REFERENCES accounts (name),
    created bigint NOT NULL
);
CREATE TABLE grants (
    account text NOT NULL REFERENCES accounts (name),
    collection_id text NOT NULL,
    can_read boolean NOT NULL,
    can_write boolean NOT NULL,
    PRIMARY KEY (account, collection_id)
);
"#,
    r#"
CREATE TABLE organisations (
    name text PRIMARY KEY,
    government boolean NOT NULL,
    consent text NOT NULL
);
CREATE TABLE communities (
    name text PRIMARY KEY,
    parent text REFERENCES communities (name)
);
CREATE TABLE community_members (
    community text NOT NULL REFERENCES communities (name),
    org text NOT NULL REFERENCES organisations (name),
    PRIMARY KEY (community, org)
);
CREATE TABLE collection_audiences (
    collection_id text NOT NULL REFERENCES collections (id),
    community text NOT NULL REFERENCES communities (name),
    PRIMARY KEY (collection_id, community)
);
ALTER TABLE accounts ADD COLUMN role text NOT NULL DEFAULT 'member';
UPDATE accounts SET role = 'hub-admin' WHERE is_admin;
ALTER TABLE objects ADD COLUMN submitter text NOT NULL DEFAULT '',
    ADD COLUMN submitter_org text,
    ADD COLUMN recipients text NOT NULL DEFAULT '',
    ADD COLUMN markings text NOT NULL DEFAULT '';
UPDATE objects SET markings = coalesce((
    SELECT string_agg(m, E'\n') FROM json_array_elements_text(
        CASE WHEN json_typeof(convert_from(raw, 'UTF8')::json -> 'object_marking_refs') = 'array'
        THEN convert_from(raw, 'UTF8')::json -> 'object_marking_refs' ELSE '[]'::json END) AS m), '')
WHERE convert_from(raw, 'UTF8') LIKE '%"object_marking_refs"%';
"#,
    r#"
ALTER TABLE objects ADD COLUMN public_id text;
CREATE INDEX objects_public_id ON objects (coll, public_id) WHERE public_id IS NOT NULL;
CREATE TABLE marking_grants (
    account text NOT NULL REFERENCES accounts (name),
    marking_id text NOT NULL,
    PRIMARY KEY (account, marking_id)
);
CREATE TABLE reviews (
    id text PRIMARY KEY,
    status_id text NOT NULL,
    api_root text NOT NULL,
    collection_id text NOT NULL,
    account text NOT NULL,
    submitter_org text,
    recipients text NOT NULL,
    created bigint NOT NULL,
    object_id text NOT NULL,
    object_version text NOT NULL,
    original text NOT NULL,
    proposed text NOT NULL,
    findings text NOT NULL,
    state text NOT NULL,
    reviewer text,
    decided bigint,
    message text
);
CREATE INDEX reviews_state ON reviews (state, created);
CREATE TABLE community_admins (
    community text NOT NULL REFERENCES communities (name),
    account text NOT NULL REFERENCES accounts (name),
    PRIMARY KEY (community, account)
);
"#,
    // Migration 4: the audit log (issue 6).
    r#"
CREATE TABLE audit_log (
    seq bigint PRIMARY KEY,
    actor text NOT NULL,
    action text NOT NULL,
    at text NOT NULL,
    n_objects bigint NOT NULL,
    details text NOT NULL,
    hash bytea NOT NULL
);
CREATE TABLE audit_head (
    id smallint PRIMARY KEY CHECK (id = 1),
    n_entries bigint NOT NULL,
    last_hash bytea NOT NULL
);
INSERT INTO audit_head (id, n_entries, last_hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
"#,
    // Migration 5: the event log and subscriptions (issue 13).
    r#"
CREATE TABLE events (
    seq bigint PRIMARY KEY,
    kind text NOT NULL,
    created bigint NOT NULL,
    collection_id text,
    coll bigint,
    date_added bigint,
    stix_id text,
    object_type text,
    version_text text,
    spec_version text,
    submitter text,
    submitter_org text,
    recipients text,
    markings text,
    payload text
);
CREATE TABLE event_log (
    id smallint PRIMARY KEY CHECK (id = 1),
    last_seq bigint NOT NULL,
    first_seq bigint NOT NULL
);
INSERT INTO event_log (id, last_seq, first_seq) VALUES (1, 0, 1);
CREATE TABLE event_trims (through_seq bigint PRIMARY KEY, from_created bigint NOT NULL);
CREATE TABLE subscriptions (
    id text PRIMARY KEY,
    account text NOT NULL REFERENCES accounts(name),
    name text NOT NULL,
    filter text NOT NULL,
    created bigint NOT NULL
);
CREATE INDEX subscriptions_account ON subscriptions (account, created);
"#,
    // Migration 6: taking access back (issue 12): disabled and deleted accounts, a per-account epoch that ends
    // sessions and cached credentials, token ids (not the secret) and expiry.
    r#"
ALTER TABLE accounts ADD COLUMN disabled boolean NOT NULL DEFAULT false;
ALTER TABLE accounts ADD COLUMN deleted boolean NOT NULL DEFAULT false;
ALTER TABLE accounts ADD COLUMN epoch bigint NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN id text;
ALTER TABLE tokens ADD COLUMN expires bigint;
UPDATE tokens SET id = substr(md5(random()::text || encode(sha256, 'hex')), 1, 16);
CREATE UNIQUE INDEX tokens_id ON tokens (id);
CREATE INDEX tokens_account ON tokens (account);
"#,
    // Migration 7: webhook endpoints with their lease columns, and their retries and dead letters (issue 13).
    r#"
CREATE TABLE webhooks (
    seq bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    account text NOT NULL,
    url text NOT NULL,
    secrets text NOT NULL,
    collections text NOT NULL,
    types text NOT NULL,
    enabled boolean NOT NULL,
    disabled_reason text,
    position bigint NOT NULL,
    created_micros bigint NOT NULL,
    delivered bigint NOT NULL,
    failed_attempts bigint NOT NULL,
    lease_owner text,
    lease_until bigint NOT NULL DEFAULT 0,
    lease_gen bigint NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_account ON webhooks (account, seq);
CREATE TABLE webhook_deliveries (
    endpoint text NOT NULL,
    seq bigint NOT NULL,
    attempts integer NOT NULL,
    next_attempt_micros bigint NOT NULL,
    last_error text NOT NULL,
    dead boolean NOT NULL,
    PRIMARY KEY (endpoint, seq)
);
"#,
    // Migration 8: versions grouped by submitter, hub-wide owners of claimable ids (issue 12).
    r#"
ALTER TABLE events ADD COLUMN flags smallint NOT NULL DEFAULT 0;
ALTER TABLE objects ADD COLUMN grp text NOT NULL DEFAULT '';
UPDATE objects SET grp = CASE WHEN submitter_org IS NOT NULL THEN 'org:' || submitter_org
    ELSE 'account:' || submitter END;
DROP INDEX objects_identity;
CREATE UNIQUE INDEX objects_identity ON objects (coll, stix_id, grp, version);
CREATE TABLE object_owners (stix_id text PRIMARY KEY, grp text NOT NULL);
INSERT INTO object_owners (stix_id, grp)
    SELECT DISTINCT ON (stix_id) stix_id, grp FROM objects WHERE public_id IS NOT NULL
    ORDER BY stix_id, date_added, coll;
INSERT INTO object_owners (stix_id, grp)
    SELECT DISTINCT ON (public_id) public_id, grp FROM objects WHERE public_id IS NOT NULL
    ORDER BY public_id, date_added, coll
ON CONFLICT (stix_id) DO NOTHING;
UPDATE objects o SET flags = (CASE WHEN o.version = g.min_version THEN 1 ELSE 0 END)
    | (CASE WHEN o.version = g.max_version THEN 2 ELSE 0 END)
    | (CASE WHEN o.public_id IS NOT NULL AND EXISTS (SELECT 1 FROM object_owners w
        WHERE w.stix_id = o.stix_id AND w.grp <> o.grp) THEN 4 ELSE 0 END)
FROM (SELECT coll, stix_id, grp, min(version) AS min_version, max(version) AS max_version
    FROM objects GROUP BY coll, stix_id, grp) g
WHERE g.coll = o.coll AND g.stix_id = o.stix_id AND g.grp = o.grp;
"#,
    // Migration 9: organisations' asset claims and the once-only notice keys of victim notification (issue 14).
    r#"
CREATE TABLE assets (
    seq bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    org text NOT NULL,
    kind text NOT NULL,
    value text NOT NULL,
    created_by text NOT NULL,
    created_micros bigint NOT NULL,
    verified_by text,
    verified_micros bigint,
    UNIQUE (org, kind, value)
);
CREATE TABLE asset_notices (key text PRIMARY KEY);
"#,
    // Migration 10: hub-owned records (issues 15–18, `store::records`). COLLATE "C" makes key order the byte
    // order the contract names, whatever the database's collation.
    r#"
CREATE TABLE records (
    ns text NOT NULL,
    key text COLLATE "C" NOT NULL,
    version bigint NOT NULL,
    updated_micros bigint NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (ns, key)
);
"#,
];

/// Brings the current schema (the first of `search_path`) to `SCHEMA_VERSION`. Fails on a database
/// migrated by a newer stixhub.
pub(crate) async fn migrate(client: &mut deadpool_postgres::Client) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(from_pg)?;
    let schema: Option<String> = tx
        .query_one("SELECT current_schema()", &[])
        .await
        .map_err(from_pg)?
        .get(0);
    let Some(schema) = schema else {
        return Err(StoreError::Backend(
            "no schema to create tables in: the first schema of search_path does not exist".to_owned(),
        ));
    };
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&MIGRATION_LOCK_CLASS, &schema],
    )
    .await
    .map_err(from_pg)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        .await
        .map_err(from_pg)?;
    let current: Option<i32> = tx
        .query_one("SELECT max(version) FROM schema_version", &[])
        .await
        .map_err(from_pg)?
        .get(0);
    let current = current.unwrap_or(0);
    if current > SCHEMA_VERSION {
        return Err(StoreError::Backend(format!(
            "database schema version {current} is newer than this stixhub ({SCHEMA_VERSION})"
        )));
    }
    let n_applied = usize::try_from(current).unwrap_or(0);
    for (migration_idx, migration) in MIGRATIONS.iter().enumerate().skip(n_applied) {
        tx.batch_execute(migration).await.map_err(from_pg)?;
        let version = i32::try_from(migration_idx + 1).unwrap_or(i32::MAX);
        tx.execute("DELETE FROM schema_version", &[])
            .await
            .map_err(from_pg)?;
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&version])
            .await
            .map_err(from_pg)?;
        tracing::info!(schema = %schema, version, "migrated postgresql schema");
    }
    tx.commit().await.map_err(from_pg)
}

/// The schema version recorded in the database (0 before the first migration).
pub(crate) async fn recorded_version(client: &impl GenericClient) -> StoreResult<i32> {
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
        .await
        .map_err(from_pg)?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let version: Option<i32> = client
        .query_one("SELECT max(version) FROM schema_version", &[])
        .await
        .map_err(from_pg)?
        .get(0);
    Ok(version.unwrap_or(0))
}
