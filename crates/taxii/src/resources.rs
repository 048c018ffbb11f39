//! The TAXII 2.1 resources (§4–5 of the specification) as they appear on the wire.
//!
//! Invariant: lists are never serialised empty (the key is omitted), optional properties are omitted when
//! absent, and an empty envelope is `{}`. Objects inside an envelope are written as their exact stored bytes:
//! `envelope_json` splices raw JSON and never re-serialises an object.

use serde::{Deserialize, Serialize};

/// The discovery resource (`GET /taxii2/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    /// Required human-readable name.
    pub title: String,
    /// Optional description.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// Optional contact information.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub contact: Option<String>,
    /// The default API root; one of `api_roots`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub default: Option<String>,
    /// API root URLs, relative (starting with one `/`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub api_roots: Vec<String>,
}

/// The API root resource (`GET {api-root}/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiRootResource {
    /// Required name.
    pub title: String,
    /// Optional description.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// Supported TAXII versions (media types).
    pub versions: Vec<String>,
    /// The largest request body accepted, in bytes.
    pub max_content_length: u64,
}

/// A collection resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionResource {
    /// The collection's UUIDv4.
    pub id: String,
    /// Required name.
    pub title: String,
    /// Optional description.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// Optional alias, unique within the API root.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alias: Option<String>,
    /// Whether the caller may read.
    pub can_read: bool,
    /// Whether the caller may write.
    pub can_write: bool,
    /// Media types of the objects held.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub media_types: Vec<String>,
}

/// The collections resource; serialises as `{}` when there are none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionsResource {
    /// The collections the caller may see.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub collections: Vec<CollectionResource>,
}

/// One manifest record: one version of one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRecord {
    /// The object id.
    pub id: String,
    /// When this version was added to the collection (six fraction digits).
    pub date_added: String,
    /// The version (`modified`, else `created`, else `date_added` for unversioned objects).
    pub version: String,
    /// The object's media type.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub media_type: Option<String>,
}

/// The manifest resource; serialises as `{}` when empty and complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestResource {
    /// More records are available; `None` only for an empty, complete result (serialised as `{}`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub more: Option<bool>,
    /// The cursor for the next page (always set when `more`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub next: Option<String>,
    /// The records of this page.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub objects: Vec<ManifestRecord>,
}

/// The versions resource; serialises as `{}` when empty and complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionsResource {
    /// More versions are available; `None` only for an empty, complete result (serialised as `{}`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub more: Option<bool>,
    /// The cursor for the next page (always set when `more`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub next: Option<String>,
    /// Version timestamps, by `date_added`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub versions: Vec<String>,
}

/// One entry of a status resource's successes, failures or pendings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusDetail {
    /// The object id (as posted; may be empty when the object had none).
    pub id: String,
    /// The object version (as posted).
    pub version: String,
    /// Why it failed, or a note.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message: Option<String>,
}

/// The status resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResource {
    /// The status id (UUIDv4).
    pub id: String,
    /// `complete` or `pending`.
    pub status: String,
    /// When the request was received (six fraction digits).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub request_timestamp: Option<String>,
    /// Objects in the request.
    pub total_count: u64,
    /// Objects stored (or already present).
    pub success_count: u64,
    /// The stored objects.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub successes: Vec<StatusDetail>,
    /// Objects refused.
    pub failure_count: u64,
    /// The refused objects and why.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub failures: Vec<StatusDetail>,
    /// Objects not yet processed.
    pub pending_count: u64,
    /// The pending objects.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub pendings: Vec<StatusDetail>,
}

/// The error resource. It never says whether a resource the caller may not see exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResource {
    /// A short human-readable summary.
    pub title: String,
    /// More detail.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// The HTTP status code, as a string.
    pub http_status: String,
}

/// An envelope posted to `objects/`: only `objects` is read, each kept as exact bytes.
#[derive(Debug, Deserialize)]
pub struct EnvelopeIn<'a> {
    /// The posted objects; absent means none.
    #[serde(borrow, default)]
    pub objects: Option<Vec<&'a serde_json::value::RawValue>>,
}

/// Writes an envelope from raw object JSON: `{}` when there is nothing and no more.
pub fn envelope_json<'a>(
    more: bool,
    next: Option<&str>,
    objects: impl ExactSizeIterator<Item = &'a str>,
) -> String {
    if objects.len() == 0 && !more {
        return "{}".to_owned();
    }
    let mut capacity = 64;
    let objects: Vec<&str> = objects.inspect(|o| capacity += o.len() + 1).collect();
    let mut out = String::with_capacity(capacity);
    out.push('{');
    out.push_str(if more { "\"more\":true" } else { "\"more\":false" });
    if let Some(next) = next {
        out.push_str(",\"next\":");
        out.push_str(&serde_json::Value::from(next).to_string());
    }
    if !objects.is_empty() {
        out.push_str(",\"objects\":[");
        for (object_idx, object) in objects.iter().enumerate() {
            if object_idx > 0 {
                out.push(',');
            }
            out.push_str(object);
        }
        out.push(']');
    }
    out.push('}');
    out
}
