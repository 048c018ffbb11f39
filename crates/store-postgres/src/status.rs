//! Status resources as rows: one row per status, its entries in four parallel arrays.
//!
//! Invariant: one row per status keeps ingest at one extra row per POST (not per object). Entry `n` of a
//! status is (`kinds[n]`, `ids[n]`, `versions[n]`, `messages[n]`), with kind 0 = success, 1 = failure,
//! 2 = pending, in that order; a message is NULL when absent. Arrays keep any text exactly.

use store::{StatusEntry, StatusRecord, StoreError, StoreResult};

/// The four arrays of one status.
#[derive(Debug, Default)]
pub(crate) struct PackedEntries<'a> {
    pub(crate) kinds: Vec<i16>,
    pub(crate) ids: Vec<&'a str>,
    pub(crate) versions: Vec<&'a str>,
    pub(crate) messages: Vec<Option<&'a str>>,
}

/// Packs the three lists of a status.
pub(crate) fn pack_entries(status: &StatusRecord) -> PackedEntries<'_> {
    let mut packed = PackedEntries::default();
    for (kind, entries) in [
        (0, &status.successes),
        (1, &status.failures),
        (2, &status.pendings),
    ] {
        for entry in entries {
            packed.kinds.push(kind);
            packed.ids.push(&entry.id);
            packed.versions.push(&entry.version);
            packed.messages.push(entry.message.as_deref());
        }
    }
    packed
}

/// Unpacks what `pack_entries` wrote into (successes, failures, pendings).
pub(crate) fn unpack_entries(
    kinds: Vec<i16>,
    ids: Vec<String>,
    versions: Vec<String>,
    messages: Vec<Option<String>>,
) -> StoreResult<[Vec<StatusEntry>; 3]> {
    let n_entries = kinds.len();
    if ids.len() != n_entries || versions.len() != n_entries || messages.len() != n_entries {
        return Err(StoreError::Backend(
            "a stored status has entry arrays of different lengths".to_owned(),
        ));
    }
    let mut lists: [Vec<StatusEntry>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let entries = ids.into_iter().zip(versions).zip(messages);
    for (kind, ((id, version), message)) in kinds.into_iter().zip(entries) {
        let list_idx = usize::try_from(kind).unwrap_or(2).min(2);
        lists[list_idx].push(StatusEntry { id, version, message });
    }
    Ok(lists)
}
