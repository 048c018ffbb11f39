//! [`IndexState`]: the `matcher` index of the indicators in force now, with the versions that are not yet in
//! force (waiting for their `valid_from`) and the schedule of entries and expiries.
//!
//! Keys: a stored version belongs to a (collection, id, submitter group) — the unit the store's version rules
//! apply to — so the index knows it by [`index_key`], and two organisations' versions of one id (or one
//! indicator in two collections) are two entries, each released on its own facts.
//!
//! Rules (issue 14): the newest version (by `modified`) of a key is the one that counts; it is in the index
//! when it is not revoked, its pattern is a STIX pattern the engine accepts, `valid_from ≤ now` and
//! `now < valid_until`. A version not yet valid is held aside and enters at its `valid_from`; one in force
//! leaves at its `valid_until`. A newer version that cannot be in force (revoked, expired, unmatchable)
//! still removes the older one.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use matcher::index::IndicatorIndex;
use matcher::indicator::IndicatorRecord;
use matcher::time::Moment;

/// Separates the parts of an index key (a control character no collection id, group or STIX id holds).
const KEY_SEPARATOR: char = '\u{1f}';

/// The index key of a stored version: its collection, its submitter group (`store::plan::submitter_group`)
/// and its STIX id.
pub(crate) fn index_key(collection: &str, group: &str, id: &str) -> String {
    format!("{collection}{KEY_SEPARATOR}{group}{KEY_SEPARATOR}{id}")
}

/// The (collection, group, id) of an index key.
pub(crate) fn split_key(key: &str) -> Option<(&str, &str, &str)> {
    let mut parts = key.splitn(3, KEY_SEPARATOR);
    Some((parts.next()?, parts.next()?, parts.next()?))
}

/// What is due at a scheduled moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    /// A held-aside version reaches its `valid_from`.
    Enter,
    /// A version in force reaches its `valid_until`.
    Leave,
}

/// One scheduled change: at `.0` (epoch ns), `.2` for the version `.3` of key `.1`.
type Scheduled = Reverse<(i128, String, Due, Moment)>;

/// The live index's contents.
#[derive(Debug, Default)]
pub(crate) struct IndexState {
    pub(crate) index: IndicatorIndex,
    /// Versions newer than anything in force for their key, waiting for their `valid_from`.
    pending: HashMap<String, IndicatorRecord>,
    /// The newest version seen of keys that left (expired, unmatchable), so an older version arriving later
    /// does not come back in their place.
    retired: HashMap<String, Moment>,
    /// Keys with a revoked version: STIX revocation cannot be undone, so no later version comes back.
    revoked: std::collections::HashSet<String>,
    schedule: BinaryHeap<Scheduled>,
    /// Versions whose pattern the engine refuses (counted, logged at debug).
    pub(crate) n_unmatchable: u64,
}

impl IndexState {
    /// The newest version known for `key`: in force, waiting, or retired.
    fn newest(&self, key: &str) -> Option<Moment> {
        [
            self.index.version_in_force(key),
            self.pending.get(key).map(|record| record.modified),
            self.retired.get(key).copied(),
        ]
        .into_iter()
        .flatten()
        .max()
    }

    /// Versions waiting for their `valid_from`.
    pub(crate) fn n_pending(&self) -> usize {
        self.pending.len()
    }

    /// Applies one stored version of the indicator `key` (its `record.id` is replaced by the key).
    pub(crate) fn apply(&mut self, key: String, mut record: IndicatorRecord, now: Moment) {
        if self.revoked.contains(&key) || self.newest(&key).is_some_and(|newest| record.modified <= newest) {
            return;
        }
        self.pending.remove(&key);
        self.retired.remove(&key);
        record.id.clone_from(&key);
        let modified = record.modified;
        if record.revoked {
            self.index.remove(&key);
            self.revoked.insert(key);
            return;
        }
        if record.valid_until.is_some_and(|until| until <= now) {
            self.index.remove(&key);
            self.retired.insert(key, modified);
            return;
        }
        if let Some(from) = record.valid_from.filter(|from| *from > now) {
            self.index.remove(&key);
            self.schedule
                .push(Reverse((from.epoch_nanos(), key.clone(), Due::Enter, modified)));
            self.pending.insert(key, record);
            return;
        }
        let until = record.valid_until;
        // Remove first: an unmatchable newer version must not leave the older one in force.
        self.index.remove(&key);
        match self.index.insert(record) {
            Ok(_) => {
                if let Some(until) = until {
                    self.schedule
                        .push(Reverse((until.epoch_nanos(), key, Due::Leave, modified)));
                }
            }
            Err(err) => {
                self.n_unmatchable += 1;
                tracing::debug!(key = %key, error = %err, "indicator not indexed: the engine refuses its pattern");
                self.retired.insert(key, modified);
            }
        }
    }

    /// Forgets `key` entirely (its versions were deleted); the caller re-applies what the store still holds.
    pub(crate) fn forget(&mut self, key: &str) {
        self.index.remove(key);
        self.pending.remove(key);
        self.retired.remove(key);
        self.revoked.remove(key);
    }

    /// The next scheduled moment, if any.
    pub(crate) fn next_due(&self) -> Option<i128> {
        self.schedule.peek().map(|Reverse((at, ..))| *at)
    }

    /// Carries out everything scheduled at or before `now`; returns how many changes it made.
    pub(crate) fn run_due(&mut self, now: Moment) -> usize {
        let mut n_changes = 0;
        while let Some(Reverse((at, ..))) = self.schedule.peek() {
            if *at > now.epoch_nanos() {
                break;
            }
            let Some(Reverse((_, key, due, modified))) = self.schedule.pop() else {
                break;
            };
            match due {
                Due::Enter => {
                    if self.pending.get(&key).is_some_and(|r| r.modified == modified)
                        && let Some(record) = self.pending.remove(&key)
                    {
                        // Re-applied as now valid (it may also have expired meanwhile).
                        self.apply(key, record, now);
                        n_changes += 1;
                    }
                }
                Due::Leave => {
                    if self.index.version_in_force(&key) == Some(modified) {
                        self.index.remove(&key);
                        self.retired.insert(key, modified);
                        n_changes += 1;
                    }
                }
            }
        }
        n_changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(modified: i128, from: Option<i128>, until: Option<i128>, revoked: bool) -> IndicatorRecord {
        IndicatorRecord {
            id: "indicator--x".to_owned(),
            modified: Moment::from_epoch_nanos(modified),
            valid_from: from.map(Moment::from_epoch_nanos),
            valid_until: until.map(Moment::from_epoch_nanos),
            revoked,
            pattern: "[ipv4-addr:value = '198.51.100.7']".to_owned(),
        }
    }

    #[test]
    fn versions_replace_expire_and_enter_on_schedule() {
        let mut state = IndexState::default();
        let key = index_key("c", "org:a", "indicator--x");
        let now = Moment::from_epoch_nanos(100);
        state.apply(key.clone(), record(1, None, Some(150), false), now);
        assert_eq!(
            state.index.version_in_force(&key),
            Some(Moment::from_epoch_nanos(1))
        );
        // An older version changes nothing.
        state.apply(key.clone(), record(0, None, None, false), now);
        assert_eq!(
            state.index.version_in_force(&key),
            Some(Moment::from_epoch_nanos(1))
        );
        // It leaves at valid_until.
        state.run_due(Moment::from_epoch_nanos(150));
        assert_eq!(state.index.version_in_force(&key), None);
        // A newer version valid from 200 waits, then enters.
        state.apply(
            key.clone(),
            record(2, Some(200), None, false),
            Moment::from_epoch_nanos(160),
        );
        assert_eq!(state.index.version_in_force(&key), None);
        assert_eq!(state.next_due(), Some(200));
        state.run_due(Moment::from_epoch_nanos(200));
        assert_eq!(
            state.index.version_in_force(&key),
            Some(Moment::from_epoch_nanos(2))
        );
        // A revoked version removes it for good.
        state.apply(key.clone(), record(3, None, None, true), now);
        state.apply(key.clone(), record(4, None, None, false), now);
        assert_eq!(state.index.version_in_force(&key), None);
        assert_eq!(split_key(&key), Some(("c", "org:a", "indicator--x")));
    }

    #[test]
    fn an_unmatchable_newer_version_removes_the_older_one() {
        let mut state = IndexState::default();
        let key = index_key("c", "org:a", "indicator--x");
        let now = Moment::from_epoch_nanos(100);
        state.apply(key.clone(), record(1, None, None, false), now);
        let mut bad = record(2, None, None, false);
        bad.pattern = "[ipv4-addr:value = ".to_owned();
        state.apply(key.clone(), bad, now);
        assert_eq!(state.index.version_in_force(&key), None);
        assert_eq!(state.n_unmatchable, 1);
    }
}
