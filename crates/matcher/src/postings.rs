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

/// A list of postings. Most keys point to one leaf, so one posting is kept inline (no allocation).
#[derive(Debug, Clone, Default)]
pub(crate) enum Postings {
    #[default]
    Empty,
    One(Posting),
    Many(Vec<Posting>),
}

impl Postings {
    pub(crate) fn push(&mut self, posting: Posting) {
        *self = match std::mem::take(self) {
            Postings::Empty => Postings::One(posting),
            Postings::One(first) => Postings::Many(vec![first, posting]),
            Postings::Many(mut items) => {
                items.push(posting);
                Postings::Many(items)
            }
        };
    }

    /// Removes one occurrence of `posting`, if present.
    pub(crate) fn remove(&mut self, posting: Posting) {
        match self {
            Postings::Empty => {}
            Postings::One(first) => {
                if *first == posting {
                    *self = Postings::Empty;
                }
            }
            Postings::Many(items) => {
                if let Some(position) = items.iter().position(|item| *item == posting) {
                    items.swap_remove(position);
                }
                match items.as_slice() {
                    [] => *self = Postings::Empty,
                    [only] => *self = Postings::One(*only),
                    _ => {}
                }
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Postings::Empty)
    }

    pub(crate) fn as_slice(&self) -> &[Posting] {
        match self {
            Postings::Empty => &[],
            Postings::One(first) => std::slice::from_ref(first),
            Postings::Many(items) => items,
        }
    }
}

/// A map from a precomputed 64-bit key hash to postings, with a Bloom filter in front.
///
/// Most SCOs hit nothing, and with a million keys the map is tens of megabytes, so a lookup that misses
/// would usually cost a trip to main memory. The filter (12 bits per key, one 64-byte block per key) stays
/// in cache and answers most misses alone. It is rebuilt from the map's keys when the map outgrows it or
/// when removals have left many stale bits (amortized O(1) per change).
#[derive(Debug, Default)]
pub(crate) struct PostingMap {
    map: hashbrown::HashMap<u64, Postings, BuildIdentity>,
    filter: KeyFilter,
}

impl PostingMap {
    pub(crate) fn insert(&mut self, key: u64, posting: Posting) {
        self.map.entry(key).or_default().push(posting);
        if self.map.len() > self.filter.capacity() {
            self.filter = KeyFilter::with_capacity(self.map.len() * 2, self.map.keys());
        } else {
            self.filter.insert(key);
        }
    }

    pub(crate) fn reserve(&mut self, additional: usize) {
        self.map.reserve(additional);
        let wanted = self.map.len() + additional;
        if wanted > self.filter.capacity() {
            self.filter = KeyFilter::with_capacity(wanted, self.map.keys());
        }
    }

    pub(crate) fn remove(&mut self, key: u64, posting: Posting) {
        if let Some(postings) = self.map.get_mut(&key) {
            postings.remove(posting);
            if postings.is_empty() {
                self.map.remove(&key);
                self.filter.n_stale += 1;
                if self.filter.n_stale > self.filter.capacity() / 2 {
                    self.filter = KeyFilter::with_capacity(self.filter.capacity(), self.map.keys());
                }
            }
        }
    }

    pub(crate) fn get(&self, key: u64) -> Option<&Postings> {
        if !self.filter.may_contain(key) {
            return None;
        }
        self.map.get(&key)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

/// A blocked Bloom filter over key hashes: each key sets 4 bits in one 512-bit block.
#[derive(Debug, Default)]
struct KeyFilter {
    /// `n_blocks * 8` words; empty means "no filter" (everything may be present).
    words: Vec<u64>,
    n_stale: usize,
}

impl KeyFilter {
    const BITS_PER_KEY: usize = 12;

    fn with_capacity<'k>(n_keys: usize, keys: impl Iterator<Item = &'k u64>) -> KeyFilter {
        let n_blocks = (n_keys.max(64) * KeyFilter::BITS_PER_KEY)
            .div_ceil(512)
            .next_power_of_two();
        let mut filter = KeyFilter {
            words: vec![0; n_blocks * 8],
            n_stale: 0,
        };
        for key in keys {
            filter.insert(*key);
        }
        filter
    }

    fn capacity(&self) -> usize {
        self.words.len() * 64 / KeyFilter::BITS_PER_KEY
    }

    /// The block's first word and the 4 bit positions (0..512) a key sets.
    fn locate(&self, key: u64) -> (usize, [u32; 4]) {
        let n_blocks = self.words.len() / 8;
        let block = ((key >> 40) as usize) & (n_blocks - 1);
        let bits = [
            (key & 511) as u32,
            ((key >> 9) & 511) as u32,
            ((key >> 18) & 511) as u32,
            ((key >> 27) & 511) as u32,
        ];
        (block * 8, bits)
    }

    fn insert(&mut self, key: u64) {
        if self.words.is_empty() {
            return;
        }
        let (base, bits) = self.locate(key);
        for bit in bits {
            self.words[base + (bit / 64) as usize] |= 1 << (bit % 64);
        }
    }

    fn may_contain(&self, key: u64) -> bool {
        if self.words.is_empty() {
            return true;
        }
        let (base, bits) = self.locate(key);
        bits.iter()
            .all(|bit| self.words[base + (bit / 64) as usize] & (1 << (bit % 64)) != 0)
    }
}

/// The index's key: a hash of the path id, a value-kind tag and the value's bytes. The seed is fixed so
/// keys are the same in every process (useful when comparing runs), and foldhash is fast on short strings.
pub(crate) fn key_hash(path_id: u32, tag: u8, bytes: &[u8]) -> u64 {
    let mut hasher = foldhash::fast::FixedState::with_seed(0x5713_c0de_1dea_5eed).build_hasher();
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

#[cfg(test)]
mod tests;
