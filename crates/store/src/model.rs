//! The records a store keeps: API roots, collections, objects to add, statuses, accounts, tokens, rights.
//!
//! These are internal types, mapped by hand to TAXII resources in `hub`; they derive no serde.

use std::fmt;

use stix::timestamp::Timestamp;

/// A collection id: the text of a UUIDv4.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CollectionId(String);

impl CollectionId {
    /// Wraps an id the caller has checked (or generated) as a UUID.
    pub fn new(id: impl Into<String>) -> CollectionId {
        CollectionId(id.into())
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CollectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CollectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CollectionId({})", self.0)
    }
}

/// An API root: the URL path segment `name` holds its collections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoot {
    /// The path segment (`/{name}/`).
    pub name: String,
    /// Human-readable title.
    pub title: String,
    /// Optional description.
    pub description: Option<String>,
    /// The largest request body accepted, in bytes.
    pub max_content_length: u64,
}

/// A collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// Its UUIDv4.
    pub id: CollectionId,
    /// The API root holding it.
    pub api_root: String,
    /// Title.
    pub title: String,
    /// Optional description.
    pub description: Option<String>,
    /// Optional alias, unique within the API root.
    pub alias: Option<String>,
}

/// One valid object to store.
#[derive(Debug, Clone)]
pub struct NewObject {
    /// The STIX id.
    pub id: String,
    /// The STIX type.
    pub object_type: String,
    /// `modified`, else `created`; `None` for unversioned objects (most SCOs), which have one version.
    pub version: Option<Timestamp>,
    /// `spec_version`, `2.1` when absent.
    pub spec_version: String,
    /// `revoked: true`.
    pub revoked: bool,
    /// The exact bytes posted.
    pub raw: String,
    /// The marking-definition ids in its `object_marking_refs`, as posted (kept beside the bytes so that
    /// manifests and version lists can apply the sharing policy without reading the bytes).
    pub markings: Vec<String>,
    /// The id the hub republishes it under for readers its submitter stays anonymous to (sharing policy),
    /// kept so that `match[id]` and the object endpoints find it by that id. Set exactly for the types whose
    /// ids have owners: an object with a public id is claimable (`plan`), and stored as a shadow served under
    /// this id when another group owns its id.
    pub public_id: Option<String>,
}

/// One entry of a status list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// The object id (as posted).
    pub id: String,
    /// The object version (as posted, or `date_added` for an unversioned object).
    pub version: String,
    /// Why, for failures.
    pub message: Option<String>,
}

/// One POST's worth of objects.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    /// Target collection.
    pub collection: CollectionId,
    /// The API root the status belongs to.
    pub api_root: String,
    /// The new status id (UUIDv4).
    pub status_id: String,
    /// The account that posted.
    pub account: String,
    /// The posting account's organisation (the submitter organisation of every object stored), if any.
    pub submitter_org: Option<String>,
    /// The communities named as TLP:AMBER recipients of every object stored (sharing policy).
    pub recipients: Vec<String>,
    /// When the request arrived, in microseconds since the epoch.
    pub request_timestamp: i64,
    /// Valid objects, in posting order.
    pub objects: Vec<NewObject>,
    /// Objects refused before storage (invalid), in posting order.
    pub failures: Vec<StatusEntry>,
    /// Objects held for PII review: kept as reviews, listed in the status's `pendings`.
    pub pending: Vec<crate::review::PendingObject>,
}

/// A stored status resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRecord {
    /// Status id.
    pub id: String,
    /// API root it belongs to.
    pub api_root: String,
    /// Account that posted.
    pub account: String,
    /// Request time, microseconds since the epoch.
    pub request_timestamp: i64,
    /// Objects stored or already present.
    pub successes: Vec<StatusEntry>,
    /// Objects refused.
    pub failures: Vec<StatusEntry>,
    /// Objects held for review, until a reviewer decides.
    pub pendings: Vec<StatusEntry>,
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Unique name (the HTTP Basic user name).
    pub name: String,
    /// PHC-format password hash (argon2id); empty means no password login.
    pub password_hash: String,
    /// Organisation, if any.
    pub org: Option<String>,
    /// Every right on every collection.
    pub is_admin: bool,
    /// Sharing-policy role: `member`, `org-admin`, `community-admin` or `hub-admin` (the hub checks the text).
    pub role: String,
    /// Refused at sign-in and on every request until enabled again.
    pub disabled: bool,
    /// Bumped by every `AccountChange`: web sessions and cached credentials of an older epoch are void.
    pub epoch: i64,
}

/// A change to an account. Each one bumps the account's epoch, so its web sessions end and every node drops
/// its cached credentials for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChange {
    /// Refuse the account until enabled.
    Disable,
    /// Accept the account again.
    Enable,
    /// Delete the account: its tokens, grants, marking grants, community-admin roles and event subscriptions go
    /// with it; the name
    /// stays taken (the audit log and stored objects name it) and the account reads as absent.
    Delete,
    /// Replace the password hash (PHC string).
    Password(String),
    /// End the account's web sessions and nothing else (signing out).
    EndSessions,
}

/// A bearer token, kept only as its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// SHA-256 of the token text.
    pub sha256: [u8; 32],
    /// Owning account.
    pub account: String,
    /// When created, microseconds since the epoch.
    pub created_micros: i64,
    /// The token's public id (random, not derived from the secret): what lists show and revocation takes.
    pub id: String,
    /// When it stops working, microseconds since the epoch; `None`: never.
    pub expires_micros: Option<i64>,
}

/// Rights on one collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Access {
    /// May read objects.
    pub can_read: bool,
    /// May add objects.
    pub can_write: bool,
}
