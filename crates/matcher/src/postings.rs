//! Posting lists: which (indicator, observation leaf) pairs an index key points to.
//!
//! Index keys are 64-bit hashes of (path id, value kind, value bytes). Two different values may share a hash;
//! that only adds a candidate, which full evaluation then rejects, so the index stores no key text at all.
//! This keeps a million exact-value entries to a few tens of megabytes.

use std::hash::{BuildHasher, Hasher};

/// One indexed leaf: the indicator's slot and the observation expression (`[…]`) inside its pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Posting {
    pub(crate) slot: u32,
    pub(crate) leaf: u32,
}

/// A small list of postings: most keys point to one leaf, so the first is kept inline.
#[derive(Debug, Clone, Default)]
pub(crate) struct Postings {
    items: Vec<Posting>,
}

impl Postings {
    pub(crate) fn push(&mut self, posting: Posting) {
        if self.items.capacity() == 0 {
            self.items.reserve_exact(1);
        }
        self.items.push(posting);
    }

    /// Removes one occurrence of `posting`, if present.
    pub(crate) fn remove(&mut self, posting: Posting) {
        if let Some(position) = self.items.iter().position(|item| *item == posting) {
            self.items.swap_remove(position);
            if self.items.is_empty() {
                self.items = Vec::new();
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub(crate) fn as_slice(&self) -> &[Posting] {
        &self.items
    }
}

/// A map from a precomputed 64-bit key hash to postings.
#[derive(Debug, Default)]
pub(crate) struct PostingMap {
    map: hashbrown::HashMap<u64, Postings, BuildIdentity>,
}

impl PostingMap {
    pub(crate) fn insert(&mut self, key: u64, posting: Posting) {
        self.map.entry(key).or_default().push(posting);
    }

    pub(crate) fn remove(&mut self, key: u64, posting: Posting) {
        if let Some(postings) = self.map.get_mut(&key) {
            postings.remove(posting);
            if postings.is_empty() {
                self.map.remove(&key);
            }
        }
    }

    pub(crate) fn get(&self, key: u64) -> Option<&Postings> {
        self.map.get(&key)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

/// The index's key: a hash of the path id, a value-kind tag and the value's bytes. The seed is fixed so
/// keys are the same in every process (useful when comparing runs), and foldhash is fast on short strings.
pub(crate) fn key_hash(path_id: u32, tag: u8, bytes: &[u8]) -> u64 {
    let mut hasher = foldhash::quality::FixedState::with_seed(0x5713_c0de_1dea_5eed).build_hasher();
    hasher.write_u32(path_id);
    hasher.write_u8(tag);
    hasher.write(bytes);
    hasher.finish()
}

/// A hasher for keys that already are good hashes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BuildIdentity;

impl BuildHasher for BuildIdentity {
    type Hasher = IdentityHasher;

    fn build_hasher(&self) -> IdentityHasher {
        IdentityHasher(0)
    }
}

/// Passes a `u64` through unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}
