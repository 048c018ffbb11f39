//! The SQLite schema and its migrations, versioned by the `schema_version` table.
//!
//! Invariant: `MIGRATIONS[n]` turns schema version `n` into `n + 1`; migrations only ever get appended. Each
//! runs in the same `BEGIN IMMEDIATE` transaction as the version bump, so a crash leaves the old or the new
//! schema, never half of one. `tests.rs` migrates a populated schema 2 database.
//!
//! Layout choices (for 1 M+ objects): `objects` is a rowid table whose rows hold the exact bytes; the index
//! `objects_order (coll, date_added)` serves keyset paging, `objects_identity (coll, stix_id, version)` serves
//! `match[id]`, version selection and duplicate detection, and `objects_type` serves single-type filters.
//! `flags` caches "first version" (bit 0) and "last version" (bit 1) of each id so the default
//! `match[version]=last` walk needs no per-row subquery.
//!
//! Migration 2 (sharing policy, issue 6) adds organisations, communities, memberships, collection audiences,
//! account roles and per-object sharing facts; list-valued facts are newline-joined text (names and marking
//! ids never contain a newline), and the markings of objects stored before it are read from their bytes.
//!
//! Migration 3 (sharing policy, second slice) adds each object version's public id (the id the hub republishes
//! it under for anonymous submitters; indexed only where set), marking grants, community administrators and the PII review queue.
//! Migration 4 (audit log, issue 6) adds `audit_log` (the hash-chained entries, keyed by `seq`) and
//! `audit_head`, one row holding the entry count and last hash, moved only by `audit::append`.
//! Migration 5 (event stream, issue 13) adds `events` (the log; object events copy their version's row facts),
//! `event_log` (one row: the last position assigned and the first retained) and `subscriptions`.
//! Migration 6 (taking access back, issue 12) adds account `disabled`, `deleted` and `epoch`, token `id` and `expires`.
//! Migration 7 (webhooks, issue 13) adds `webhooks` (endpoints with their lease columns) and
//! `webhook_deliveries` (retries and dead letters, one row per endpoint and event position).
//!
//! Migration 8 (ownership, issue 12) adds each version's group (`grp`, see `store::plan`), keys
//! `objects_identity` by (coll, stix_id, grp, version), adds `object_owners` (the hub-wide claim of each
//! claimable id and of each public id, backfilled from the earliest version with a public id), recomputes the first/last bits per
//! group and the shadow bit (4), and copies the flags into object events (a shadow's events are released like it).

use rusqlite::Connection;

/// The current schema version.
pub(crate) const SCHEMA_VERSION: i64 = 10;

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE api_roots (
    seq INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT,
    max_content_length INTEGER NOT NULL
);
CREATE TABLE collections (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    api_root TEXT NOT NULL REFERENCES api_roots(name),
    title TEXT NOT NULL,
    description TEXT,
    alias TEXT,
    UNIQUE (api_root, alias)
);
CREATE TABLE objects (
    seq INTEGER PRIMARY KEY,
    coll INTEGER NOT NULL,
    date_added INTEGER NOT NULL,
    stix_id TEXT NOT NULL,
    object_type TEXT NOT NULL,
    version INTEGER NOT NULL,
    version_text TEXT,
    spec_version TEXT NOT NULL,
    revoked INTEGER NOT NULL,
    flags INTEGER NOT NULL,
    raw BLOB NOT NULL
);
CREATE UNIQUE INDEX objects_order ON objects (coll, date_added);
CREATE UNIQUE INDEX objects_identity ON objects (coll, stix_id, version);
CREATE INDEX objects_type ON objects (coll, object_type, date_added);
CREATE TABLE statuses (
    id TEXT PRIMARY KEY,
    api_root TEXT NOT NULL,
    account TEXT NOT NULL,
    request_timestamp INTEGER NOT NULL,
    entries TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX statuses_age ON statuses (request_timestamp);
CREATE TABLE accounts (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    org TEXT,
    is_admin INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE tokens (
    sha256 BLOB PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(name),
    created INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE grants (
    account TEXT NOT NULL,
    collection_id TEXT NOT NULL,
    can_read INTEGER NOT NULL,
    can_write INTEGER NOT NULL,
    PRIMARY KEY (account, collection_id)
) WITHOUT ROWID;
"#,
    r#"
CREATE TABLE organisations (
    name TEXT PRIMARY KEY,
    government INTEGER NOT NULL,
    consent TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE communities (
    name TEXT PRIMARY KEY,
    parent TEXT REFERENCES communities(name)
) WITHOUT ROWID;
CREATE TABLE community_members (
    community TEXT NOT NULL REFERENCES communities(name),
    org TEXT NOT NULL REFERENCES organisations(name),
    PRIMARY KEY (community, org)
) WITHOUT ROWID;
CREATE TABLE collection_audiences (
    collection_id TEXT NOT NULL REFERENCES collections(id),
    community TEXT NOT NULL REFERENCES communities(name),
    PRIMARY KEY (collection_id, community)
) WITHOUT ROWID;
ALTER TABLE accounts ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
UPDATE accounts SET role = 'hub-admin' WHERE is_admin;
ALTER TABLE objects ADD COLUMN submitter TEXT NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN submitter_org TEXT;
ALTER TABLE objects ADD COLUMN recipients TEXT NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN markings TEXT NOT NULL DEFAULT '';
UPDATE objects SET markings = coalesce((
    SELECT group_concat(value, char(10)) FROM json_each(CAST(raw AS TEXT), '$.object_marking_refs')
    WHERE type = 'text'), '')
WHERE instr(CAST(raw AS TEXT), '"object_marking_refs"') > 0 AND json_valid(CAST(raw AS TEXT));
"#,
    r#"
ALTER TABLE objects ADD COLUMN public_id TEXT;
CREATE INDEX objects_public_id ON objects (coll, public_id) WHERE public_id IS NOT NULL;
CREATE TABLE marking_grants (
    account TEXT NOT NULL REFERENCES accounts(name),
    marking_id TEXT NOT NULL,
    PRIMARY KEY (account, marking_id)
) WITHOUT ROWID;
CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    status_id TEXT NOT NULL,
    api_root TEXT NOT NULL,
    collection_id TEXT NOT NULL,
    account TEXT NOT NULL,
    submitter_org TEXT,
    recipients TEXT NOT NULL,
    created INTEGER NOT NULL,
    object_id TEXT NOT NULL,
    object_version TEXT NOT NULL,
    original TEXT NOT NULL,
    proposed TEXT NOT NULL,
    findings TEXT NOT NULL,
    state TEXT NOT NULL,
    reviewer TEXT,
    decided INTEGER,
    message TEXT
) WITHOUT ROWID;
CREATE INDEX reviews_state ON reviews (state, created);
CREATE TABLE community_admins (
    community TEXT NOT NULL REFERENCES communities(name),
    account TEXT NOT NULL REFERENCES accounts(name),
    PRIMARY KEY (community, account)
) WITHOUT ROWID;
"#,
    // Migration 4: the audit log (issue 6).
    r#"
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    at TEXT NOT NULL,
    n_objects INTEGER NOT NULL,
    details TEXT NOT NULL,
    hash BLOB NOT NULL
);
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n_entries INTEGER NOT NULL,
    last_hash BLOB NOT NULL
);
INSERT INTO audit_head (id, n_entries, last_hash) VALUES (1, 0, zeroblob(32));
"#,
    // Migration 5: the event log and subscriptions (issue 13).
    r#"
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    created INTEGER NOT NULL,
    collection_id TEXT,
    coll INTEGER,
    date_added INTEGER,
    stix_id TEXT,
    object_type TEXT,
    version_text TEXT,
    spec_version TEXT,
    submitter TEXT,
    submitter_org TEXT,
    recipients TEXT,
    markings TEXT,
    payload TEXT
);
CREATE TABLE event_log (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL,
    first_seq INTEGER NOT NULL
);
INSERT INTO event_log (id, last_seq, first_seq) VALUES (1, 0, 1);
CREATE TABLE event_trims (through_seq INTEGER PRIMARY KEY, from_created INTEGER NOT NULL);
CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(name),
    name TEXT NOT NULL,
    filter TEXT NOT NULL,
    created INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX subscriptions_account ON subscriptions (account, created);
"#,
    // Migration 6: taking access back (issue 12): disabled and deleted accounts, a per-account epoch that ends
    // sessions and cached credentials, token ids (not the secret) and expiry.
    r#"
ALTER TABLE accounts ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN id TEXT;
ALTER TABLE tokens ADD COLUMN expires INTEGER;
UPDATE tokens SET id = lower(hex(randomblob(8)));
CREATE UNIQUE INDEX tokens_id ON tokens (id);
CREATE INDEX tokens_account ON tokens (account);
"#,
    r#"
CREATE TABLE webhooks (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    account TEXT NOT NULL,
    url TEXT NOT NULL,
    secrets TEXT NOT NULL,
    collections TEXT NOT NULL,
    types TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    disabled_reason TEXT,
    position INTEGER NOT NULL,
    created_micros INTEGER NOT NULL,
    delivered INTEGER NOT NULL,
    failed_attempts INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    lease_gen INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_account ON webhooks (account, seq);
CREATE TABLE webhook_deliveries (
    endpoint TEXT NOT NULL,
    seq INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_micros INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    dead INTEGER NOT NULL,
    PRIMARY KEY (endpoint, seq)
) WITHOUT ROWID;
"#,
    // Migration 8: versions grouped by submitter, hub-wide owners of claimable ids (issue 12).
    r#"
ALTER TABLE events ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;
ALTER TABLE objects ADD COLUMN grp TEXT NOT NULL DEFAULT '';
UPDATE objects SET grp = CASE WHEN submitter_org IS NOT NULL THEN 'org:' || submitter_org
    ELSE 'account:' || submitter END;
DROP INDEX objects_identity;
CREATE UNIQUE INDEX objects_identity ON objects (coll, stix_id, grp, version);
CREATE TABLE object_owners (stix_id TEXT PRIMARY KEY, grp TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO object_owners (stix_id, grp)
    SELECT stix_id, grp FROM (SELECT stix_id, grp, row_number() OVER (PARTITION BY stix_id ORDER BY seq) AS n
        FROM objects WHERE public_id IS NOT NULL) WHERE n = 1;
INSERT OR IGNORE INTO object_owners (stix_id, grp)
    SELECT public_id, grp FROM (SELECT public_id, grp, row_number() OVER (PARTITION BY public_id ORDER BY seq) AS n
        FROM objects WHERE public_id IS NOT NULL) WHERE n = 1;
UPDATE objects SET flags =
    (CASE WHEN version = (SELECT min(p.version) FROM objects p
        WHERE p.coll = objects.coll AND p.stix_id = objects.stix_id AND p.grp = objects.grp) THEN 1 ELSE 0 END)
    | (CASE WHEN version = (SELECT max(p.version) FROM objects p
        WHERE p.coll = objects.coll AND p.stix_id = objects.stix_id AND p.grp = objects.grp) THEN 2 ELSE 0 END)
    | (CASE WHEN public_id IS NOT NULL AND EXISTS (SELECT 1 FROM object_owners w
        WHERE w.stix_id = objects.stix_id AND w.grp <> objects.grp) THEN 4 ELSE 0 END);
"#,
    // Migration 9: organisations' asset claims and the once-only notice keys of victim notification (issue 14).
    r#"
CREATE TABLE assets (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    org TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_micros INTEGER NOT NULL,
    verified_by TEXT,
    verified_micros INTEGER,
    UNIQUE (org, kind, value)
);
CREATE TABLE asset_notices (key TEXT PRIMARY KEY) WITHOUT ROWID;
"#,
    // Migration 10: hub-owned records (issues 15–18, `store::records`). BINARY collation keeps key order the
    // byte order the contract names.
    r#"
CREATE TABLE records (
    ns TEXT NOT NULL,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_micros INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (ns, key)
) WITHOUT ROWID;
"#,
];

/// Brings the database to `SCHEMA_VERSION`. Fails on a database newer than this binary.
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Brings the database to `target` (tests build older schemas with it).
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: Option<i64> =
        tx.query_row("SELECT max(version) FROM schema_version", [], |row| row.get(0))?;
    let current = current.unwrap_or(0);
    if current > SCHEMA_VERSION {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "database schema version {current} is newer than this stixhub ({SCHEMA_VERSION})"
        )));
    }
    for (version_idx, migration) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(current).unwrap_or(0))
        .take(usize::try_from(target - current).unwrap_or(0))
    {
        tx.execute_batch(migration)?;
        tx.execute("DELETE FROM schema_version", [])?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [version_idx as i64 + 1],
        )?;
    }
    tx.commit()
}

/// Pragmas every connection sets. `synchronous = FULL` makes a commit durable before `ingest` answers.
pub(crate) fn configure(conn: &Connection, cache_kib: i64) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
         PRAGMA temp_store = MEMORY; PRAGMA cache_size = -{cache_kib};"
    ))
}
