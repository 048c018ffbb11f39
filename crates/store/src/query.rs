//! Reading objects: `ObjectQuery`, version selection, keyset positions and pages.
//!
//! Semantics every backend implements (and `store-tests` checks), in the order medallion applies them:
//! 1. rows = versions in `collection` whose id is in `ids` (if any), type in `types` (if any), `date_added`
//!    strictly after `added_after` (if any) and spec version in `spec_versions` (if any);
//! 2. version selection per id over those rows: `first` = smallest version instant, `last` = largest,
//!    `exact` = equal instants; the selected rows are the union; `All` keeps every row;
//! 3. keep rows strictly after `after` (a `Position`), order by `date_added` ascending, return at most
//!    `limit`, and say whether more rows follow.
//!
//! Unversioned objects have exactly one version, which is both first and last; TAXII shows it as the row's
//! `date_added`, so an `exact` instant equal to that `date_added` selects it (reads and `delete_object`).

use stix::timestamp::Timestamp;

use crate::model::CollectionId;

/// Which versions of each object to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSelector {
    /// Every version.
    All,
    /// The union of the first, the last and the exact versions asked for.
    Pick {
        /// The oldest version.
        first: bool,
        /// The newest version (TAXII's default).
        last: bool,
        /// Versions equal (as instants) to one of these.
        exact: Vec<Timestamp>,
    },
}

impl VersionSelector {
    /// TAXII's default: the newest version of each object.
    pub fn last() -> VersionSelector {
        VersionSelector::Pick {
            first: false,
            last: true,
            exact: Vec::new(),
        }
    }
}

/// A keyset position: the `date_added` (µs) of the last row a page returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position(pub i64);

/// What a query returns per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// Everything, including the object's bytes.
    Full,
    /// Everything but the bytes (manifest and versions).
    Manifest,
}

/// One page request.
#[derive(Debug, Clone)]
pub struct ObjectQuery {
    /// The collection read.
    pub collection: CollectionId,
    /// `match[id]` (ORed); empty = any.
    pub ids: Vec<String>,
    /// `match[type]` (ORed); empty = any.
    pub types: Vec<String>,
    /// Strictly after this `date_added` (µs).
    pub added_after: Option<i64>,
    /// `match[spec_version]` (ORed); empty = any.
    pub spec_versions: Vec<String>,
    /// Version selection.
    pub versions: VersionSelector,
    /// Resume strictly after this position.
    pub after: Option<Position>,
    /// Page size, at least 1.
    pub limit: usize,
    /// With or without the bytes.
    pub projection: Projection,
}

/// One stored version of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// STIX id.
    pub id: String,
    /// STIX type.
    pub object_type: String,
    /// When added, µs since the epoch; unique per collection.
    pub date_added: i64,
    /// The version as written in the object; `None` for unversioned objects.
    pub version: Option<String>,
    /// Spec version.
    pub spec_version: String,
    /// The exact bytes, with `Projection::Full`.
    pub raw: Option<String>,
    /// What the sharing policy needs to know about this version (with both projections).
    pub sharing: ObjectSharing,
}

/// The sharing facts stored with one object version at ingest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectSharing {
    /// The account that posted it (empty for versions stored before the sharing policy existed).
    pub submitter: String,
    /// That account's organisation when it posted, if it had one.
    pub submitter_org: Option<String>,
    /// The communities named as its TLP:AMBER recipients.
    pub recipients: Vec<String>,
    /// The marking-definition ids in its `object_marking_refs`.
    pub markings: Vec<String>,
    /// A version of an id another group owns: served under its public id outside its submitter's group.
    pub shadow: bool,
}

impl StoredObject {
    /// The position just after this row.
    pub fn position(&self) -> Position {
        Position(self.date_added)
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Rows, ascending by `date_added`.
    pub records: Vec<StoredObject>,
    /// More rows match after the last one.
    pub more: bool,
}
