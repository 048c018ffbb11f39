//! Planning one ingest in memory: duplicates, revocation, first/last flags and `date_added`, with no I/O.
//!
//! Invariant: given the rows already stored for the posted ids (read under the collection's write lock), the
//! plan is exactly what inserting the objects one by one would do: an object equal (as an instant) to a
//! stored or earlier posted version is a success that stores nothing; a new version of a revoked id is a
//! failure; otherwise it gets `date_added = max(now, previous + 1)` and the first/last bits of its id are
//! moved. Bits of rows posted in this request are fixed here; bits of stored rows are cleared by the caller
//! from `clear_first` and `clear_last`.

use std::collections::{BTreeSet, HashMap};

use stix::timestamp::Timestamp;
use store::{NewObject, StatusEntry};

/// The `version` column of objects that have no version (one version only).
pub(crate) const UNVERSIONED: i64 = i64::MIN;
/// Flag bit: the oldest version of its id.
pub(crate) const FIRST: i16 = 1;
/// Flag bit: the newest version of its id.
pub(crate) const LAST: i16 = 2;

/// A version already stored, as read under the collection lock.
#[derive(Debug, Clone)]
pub(crate) struct StoredVersion {
    pub(crate) stix_id: String,
    pub(crate) version: i64,
    pub(crate) date_added: i64,
    pub(crate) revoked: bool,
}

/// One row to insert.
#[derive(Debug, Clone)]
pub(crate) struct PlannedRow {
    pub(crate) date_added: i64,
    pub(crate) object: NewObject,
    pub(crate) version: i64,
    pub(crate) flags: i16,
}

/// What one ingest does.
#[derive(Debug, Default)]
pub(crate) struct IngestPlan {
    /// Rows to insert, in `date_added` order.
    pub(crate) rows: Vec<PlannedRow>,
    /// Ids whose stored rows lose the FIRST bit.
    pub(crate) clear_first: BTreeSet<String>,
    /// Ids whose stored rows lose the LAST bit.
    pub(crate) clear_last: BTreeSet<String>,
    /// Status successes, in posting order.
    pub(crate) successes: Vec<StatusEntry>,
    /// Status failures: the hub's, then the store's, in posting order.
    pub(crate) failures: Vec<StatusEntry>,
    /// The collection's last `date_added` after this ingest.
    pub(crate) last_date_added: i64,
}

#[derive(Debug, Clone, Copy)]
enum Origin {
    Stored,
    Planned(usize),
}

#[derive(Debug, Clone, Copy)]
struct KnownVersion {
    version: i64,
    date_added: i64,
    revoked: bool,
    origin: Origin,
}

/// The `date_added` (microseconds) an unversioned object must have for `version` to name its one version: an
/// unversioned object's version is shown as its `date_added`. `None` below microsecond precision.
pub(crate) fn unversioned_date_added(version: &Timestamp) -> Option<i64> {
    let nanos = version.unix_nanos();
    if nanos % 1000 == 0 {
        i64::try_from(nanos / 1000).ok()
    } else {
        None
    }
}

/// The key an exact `match[version]` compares with a row's: its version, or for an unversioned row its
/// `date_added` in nanoseconds (the instant shown as its version).
pub(crate) fn exact_key(version: i64, date_added: i64) -> i64 {
    if version == UNVERSIONED {
        date_added.saturating_mul(1000)
    } else {
        version
    }
}

/// The `version` column for a version instant (nanoseconds, clamped to the i64 range above `UNVERSIONED`).
pub(crate) fn version_key(version: &Timestamp) -> i64 {
    let nanos = version.unix_nanos();
    i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN + 1 } else { i64::MAX })
}

/// A TAXII timestamp (six fraction digits) for microseconds since the epoch.
pub(crate) fn taxii_micros(micros: i64) -> String {
    Timestamp::from_unix_nanos(i128::from(micros) * 1000, 6)
        .as_str()
        .to_owned()
}

/// Plans the insertion of `objects` after `stored` (the stored versions of their ids), at clock `now` (µs)
/// in a collection whose last `date_added` is `last_date_added`. `failures` are the hub's refusals.
pub(crate) fn plan_ingest(
    objects: Vec<NewObject>,
    failures: Vec<StatusEntry>,
    stored: Vec<StoredVersion>,
    now: i64,
    last_date_added: i64,
) -> IngestPlan {
    let mut known: HashMap<String, Vec<KnownVersion>> = HashMap::new();
    for row in stored {
        known.entry(row.stix_id).or_default().push(KnownVersion {
            version: row.version,
            date_added: row.date_added,
            revoked: row.revoked,
            origin: Origin::Stored,
        });
    }
    let mut plan = IngestPlan {
        successes: Vec::with_capacity(objects.len()),
        failures,
        last_date_added,
        ..IngestPlan::default()
    };
    for object in objects {
        let version = object.version.as_ref().map_or(UNVERSIONED, version_key);
        let version_text = |date_added: i64| match &object.version {
            Some(version) => version.as_str().to_owned(),
            None => taxii_micros(date_added),
        };
        let versions = known.entry(object.id.clone()).or_default();
        if let Some(same) = versions.iter().find(|known| known.version == version) {
            plan.successes.push(StatusEntry {
                id: object.id,
                version: version_text(same.date_added),
                message: None,
            });
            continue;
        }
        if versions.iter().any(|known| known.revoked) {
            plan.failures.push(StatusEntry {
                id: object.id.clone(),
                version: version_text(now),
                message: Some("the object is revoked; revocation is final".to_owned()),
            });
            continue;
        }
        let is_first = versions.iter().all(|known| version < known.version);
        let is_last = versions.iter().all(|known| version > known.version);
        for known in versions.iter() {
            for (moved, bit, cleared) in [
                (is_first, FIRST, &mut plan.clear_first),
                (is_last, LAST, &mut plan.clear_last),
            ] {
                if !moved {
                    continue;
                }
                match known.origin {
                    Origin::Stored => {
                        cleared.insert(object.id.clone());
                    }
                    Origin::Planned(row_idx) => {
                        if let Some(row) = plan.rows.get_mut(row_idx) {
                            row.flags &= !bit;
                        }
                    }
                }
            }
        }
        let date_added = now.max(plan.last_date_added.saturating_add(1));
        plan.last_date_added = date_added;
        versions.push(KnownVersion {
            version,
            date_added,
            revoked: object.revoked,
            origin: Origin::Planned(plan.rows.len()),
        });
        plan.successes.push(StatusEntry {
            id: object.id.clone(),
            version: version_text(date_added),
            message: None,
        });
        let flags = if is_first { FIRST } else { 0 } | if is_last { LAST } else { 0 };
        plan.rows.push(PlannedRow {
            date_added,
            object,
            version,
            flags,
        });
    }
    plan
}

#[cfg(test)]
mod tests;
