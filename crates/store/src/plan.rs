//! The one ingest plan both backends apply: STIX/TAXII version rules and object ownership, in memory, no SQL.
//!
//! **Groups.** Every stored version belongs to the *group* of its submitter (`submitter_group`: the
//! organisation, or the account when it has none). Version rules apply per (collection, STIX id, group): an
//! organisation's versions are never compared with, replaced by, revoked by or hidden behind another
//! organisation's. So a writer's answers never depend on another group's rows, which it may not see (the
//! no-oracle invariant in ARCHITECTURE.md).
//!
//! **Ownership.** An object posted with a `public_id` (the hub passes one for every type it can republish
//! under a minted id) is *claimable*: the first group to store a version of its id owns the id hub-wide
//! (the backend's `object_owners` table, written in the ingest transaction). A version stored by any other
//! group is a *shadow* (`SHADOW` flag): the hub serves it under the id as posted only to its own group, and to
//! everyone else under its `public_id`, so no reader sees two groups' versions under one id. A public id the
//! hub serves a group's object under is claimed for that group too, so nobody can give a republished id a
//! version of its own. An owner's versions from an account without an organisation are never served under a
//! public id, so they keep none (`group_republishable`). (Refusing a
//! version of an id the writer can see is the hub's decision, taken before the store is called.)
//!
//! Invariant: given the rows of the submitter's group already stored for the posted ids (read under the
//! collection's write lock) and the owners of those ids, the plan is exactly what inserting the objects one
//! by one would do: an object equal (as an instant) to a stored or earlier posted version of its group is a
//! success that stores nothing; a new version of an id its group revoked is a failure; otherwise it gets
//! `date_added = max(now, previous + 1)` and the first/last bits of its (id, group) are moved. Bits of rows
//! posted in this request are fixed here; bits of stored rows are cleared by the backend from `clear_first`
//! and `clear_last` (within the group).

use std::collections::{BTreeSet, HashMap};

use stix::timestamp::Timestamp;

use crate::model::{NewObject, StatusEntry};
use crate::query::VersionSelector;

/// The `version` column of objects that have no version (one version only).
pub const UNVERSIONED: i64 = i64::MIN;
/// Flag bit: the oldest version of its (id, group).
pub const FIRST: i16 = 1;
/// Flag bit: the newest version of its (id, group).
pub const LAST: i16 = 2;
/// Flag bit: a version of an id another group owns (served under its public id outside its group).
pub const SHADOW: i16 = 4;

/// The group a submitter's versions belong to: `org:NAME`, or `account:NAME` for an account without one.
pub fn submitter_group(account: &str, org: Option<&str>) -> String {
    match org {
        Some(org) => format!("org:{org}"),
        None => format!("account:{account}"),
    }
}

/// Whether versions of `group` may be served under their public id although they are not shadows: an
/// organisation's may (its consent can withhold its name from some readers, now or after a later change of
/// consent), an account without an organisation is always named (consent is an organisation's), so its versions
/// are served under a public id only as shadows. Where this is false the plan stores no public id and claims
/// none for an owner's versions: nobody is ever served that id, and a random-keyed index entry per object is
/// what makes an ingest several times slower (BENCHMARKS.md, "Wave 2 against wave 1").
pub fn group_republishable(group: &str) -> bool {
    !group.starts_with("account:")
}

/// The `date_added` (microseconds) an unversioned object must have for `version` to name its one version: an
/// unversioned object's version is shown as its `date_added`. `None` below microsecond precision.
pub fn unversioned_date_added(version: &Timestamp) -> Option<i64> {
    let nanos = version.unix_nanos();
    if nanos % 1000 == 0 {
        i64::try_from(nanos / 1000).ok()
    } else {
        None
    }
}

/// The key an exact `match[version]` compares with a row's: its version, or for an unversioned row its
/// `date_added` in nanoseconds (the instant shown as its version).
pub fn exact_key(version: i64, date_added: i64) -> i64 {
    if version == UNVERSIONED {
        date_added.saturating_mul(1000)
    } else {
        version
    }
}

/// The `version` column for a version instant (nanoseconds, clamped to the i64 range above `UNVERSIONED`).
pub fn version_key(version: &Timestamp) -> i64 {
    let nanos = version.unix_nanos();
    i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN + 1 } else { i64::MAX })
}

/// A TAXII timestamp (six fraction digits) for microseconds since the epoch.
pub fn taxii_micros(micros: i64) -> String {
    Timestamp::from_unix_nanos(i128::from(micros) * 1000, 6)
        .as_str()
        .to_owned()
}

/// A version of the submitter's group already stored, as read under the collection lock.
#[derive(Debug, Clone)]
pub struct StoredVersion {
    /// STIX id.
    pub stix_id: String,
    /// `version` column.
    pub version: i64,
    /// µs.
    pub date_added: i64,
    /// `revoked: true`.
    pub revoked: bool,
}

/// One row to insert.
#[derive(Debug, Clone)]
pub struct PlannedRow {
    /// µs, unique in the collection.
    pub date_added: i64,
    /// The object.
    pub object: NewObject,
    /// `version` column.
    pub version: i64,
    /// `FIRST`, `LAST`, `SHADOW` bits.
    pub flags: i16,
}

/// What one ingest needs to know besides the objects.
#[derive(Debug)]
pub struct PlanInput<'a> {
    /// The submitter's group (`submitter_group`).
    pub group: &'a str,
    /// The stored versions of the posted ids in `group` (other groups' rows play no part).
    pub stored: Vec<StoredVersion>,
    /// The owning group of each posted claimable id that has one.
    pub owners: HashMap<String, String>,
    /// The clock, µs.
    pub now: i64,
    /// The collection's last `date_added`.
    pub last_date_added: i64,
}

/// What one ingest does.
#[derive(Debug, Default)]
pub struct IngestPlan {
    /// Rows to insert, in `date_added` order.
    pub rows: Vec<PlannedRow>,
    /// Ids whose stored rows in the group lose the FIRST bit.
    pub clear_first: BTreeSet<String>,
    /// Ids whose stored rows in the group lose the LAST bit.
    pub clear_last: BTreeSet<String>,
    /// Ids to claim for the group if nobody owns them (sorted): claimable ids nobody owned, and the public
    /// ids of the versions stored under them (an id served for the group's object is the group's).
    pub claims: BTreeSet<String>,
    /// Status successes, in posting order.
    pub successes: Vec<StatusEntry>,
    /// Status failures: the hub's, then the store's, in posting order.
    pub failures: Vec<StatusEntry>,
    /// The collection's last `date_added` after this ingest.
    pub last_date_added: i64,
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

/// Plans the insertion of `objects` (valid, in posting order) after `failures` (the hub's refusals).
pub fn plan_ingest(objects: Vec<NewObject>, failures: Vec<StatusEntry>, input: PlanInput<'_>) -> IngestPlan {
    let PlanInput {
        group,
        stored,
        mut owners,
        now,
        last_date_added,
    } = input;
    let republishable = group_republishable(group);
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
    for mut object in objects {
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
        let mut claimed_now = false;
        let shadow = object.public_id.is_some() && {
            let owner = owners.entry(object.id.clone()).or_insert_with(|| {
                plan.claims.insert(object.id.clone());
                claimed_now = true;
                group.to_owned()
            });
            owner != group
        };
        if !shadow && !republishable {
            // Never served under its public id (see `group_republishable`): neither stored nor claimed.
            object.public_id = None;
        }
        if (claimed_now || shadow)
            && let Some(public_id) = &object.public_id
        {
            // The id others are served this version under is the group's too: nobody else may version it.
            plan.claims.insert(public_id.clone());
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
        let flags = if is_first { FIRST } else { 0 }
            | if is_last { LAST } else { 0 }
            | if shadow { SHADOW } else { 0 };
        plan.rows.push(PlannedRow {
            date_added,
            object,
            version,
            flags,
        });
    }
    plan
}

/// One stored version of one (id, group), as a delete sees it.
#[derive(Debug, Clone)]
pub struct DeleteCandidate {
    /// `version` column.
    pub version: i64,
    /// µs.
    pub date_added: i64,
    /// Spec version.
    pub spec_version: String,
    /// Current flags.
    pub flags: i16,
}

/// What deleting from one (id, group) does.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeletePlan {
    /// Indexes (into the candidates) of the rows to delete.
    pub doomed: Vec<usize>,
    /// Indexes of surviving rows whose flags change, with their new flags.
    pub reflagged: Vec<(usize, i16)>,
}

/// Plans a delete over the rows of one (id, group): `selector` and `spec_versions` (empty = any) pick as in
/// `ObjectQuery`, and the survivors' first/last bits are repaired (the shadow bit kept).
pub fn plan_delete(
    rows: &[DeleteCandidate],
    selector: &VersionSelector,
    spec_versions: &[String],
) -> DeletePlan {
    let candidates: Vec<usize> = (0..rows.len())
        .filter(|&idx| spec_versions.is_empty() || spec_versions.contains(&rows[idx].spec_version))
        .collect();
    let doomed: Vec<usize> = match selector {
        VersionSelector::All => candidates,
        VersionSelector::Pick { first, last, exact } => {
            let min = candidates.iter().map(|&idx| rows[idx].version).min();
            let max = candidates.iter().map(|&idx| rows[idx].version).max();
            let exact: Vec<i64> = exact.iter().map(version_key).collect();
            candidates
                .into_iter()
                .filter(|&idx| {
                    let row = &rows[idx];
                    (*first && Some(row.version) == min)
                        || (*last && Some(row.version) == max)
                        || exact.contains(&exact_key(row.version, row.date_added))
                })
                .collect()
        }
    };
    let survivors: Vec<usize> = (0..rows.len()).filter(|idx| !doomed.contains(idx)).collect();
    let min = survivors.iter().map(|&idx| rows[idx].version).min();
    let max = survivors.iter().map(|&idx| rows[idx].version).max();
    let reflagged = survivors
        .into_iter()
        .filter_map(|idx| {
            let row = &rows[idx];
            let flags = (row.flags & SHADOW)
                | if Some(row.version) == min { FIRST } else { 0 }
                | if Some(row.version) == max { LAST } else { 0 };
            (flags != row.flags).then_some((idx, flags))
        })
        .collect();
    DeletePlan { doomed, reflagged }
}

#[cfg(test)]
mod tests;
