//! IP networks and the CIDR containment index.
//!
//! An [`IpNet`] is an address family, a prefix length and the address with its host bits cleared, so two
//! spellings of one network (`10.0.0.1/8`, `10.0.0.0/8`) are equal. A bare address is a full-length prefix.
//!
//! [`CidrIndex`] answers two questions per (object path):
//! - *subset*: which constants contain this value (`value ISSUBSET c`, and `=` with an IP constant). Constants
//!   are kept in one hash map keyed by (path, family, prefix length, masked address); a query probes one key
//!   per prefix length in use for that path and family, at most 33 (IPv4) or 129 (IPv6) probes.
//! - *superset*: which constants lie inside this value (`value ISSUPERSET c`). Constants are kept in a
//!   B-tree ordered by (path, family, start address); a query walks the range of starts inside the value.
//!
//! Invariant: both answers are supersets of the true answer (the caller confirms every candidate), and no
//! true answer is ever missing: a value and a constant with the same text always parse to the same network.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::postings::{Posting, PostingMap, Postings, key_hash};

/// An IPv4 or IPv6 network with its host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct IpNet {
    /// 4 or 6.
    family: u8,
    /// Prefix length, 0..=32 or 0..=128.
    len: u8,
    /// The address (IPv4 in the low 32 bits), host bits cleared.
    addr: u128,
}

impl IpNet {
    /// Parses `a.b.c.d`, `a.b.c.d/len`, `a.b.c.d/m.m.m.m` (a contiguous netmask), `v6` and `v6/len`.
    pub(crate) fn parse(text: &str) -> Option<IpNet> {
        let (addr_text, len_text) = match text.split_once('/') {
            Some((addr_text, len_text)) => (addr_text, Some(len_text)),
            None => (text, None),
        };
        if let Ok(v4) = addr_text.parse::<Ipv4Addr>() {
            let len = match len_text {
                None => 32,
                Some(len_text) => parse_v4_prefix(len_text)?,
            };
            return Some(IpNet::new(4, len, u128::from(u32::from(v4))));
        }
        let v6 = addr_text.parse::<Ipv6Addr>().ok()?;
        let len = match len_text {
            None => 128,
            Some(len_text) => parse_decimal_prefix(len_text, 128)?,
        };
        Some(IpNet::new(6, len, u128::from(v6)))
    }

    fn new(family: u8, len: u8, addr: u128) -> IpNet {
        IpNet {
            family,
            len,
            addr: mask(family, addr, len),
        }
    }

    fn width(self) -> u8 {
        if self.family == 4 { 32 } else { 128 }
    }

    /// The last address inside the network.
    fn end(self) -> u128 {
        let host_bits = u32::from(self.width() - self.len);
        if host_bits == 0 {
            self.addr
        } else {
            self.addr | (u128::MAX >> (128 - host_bits))
        }
    }

    /// How many bits of the address are host bits; fewer is more selective.
    pub(crate) fn host_bits(self) -> u8 {
        self.width() - self.len
    }
}

fn parse_decimal_prefix(text: &str, max: u8) -> Option<u8> {
    // Any run of digits, as the evaluator reads it (`/032` is 32).
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let len: u32 = text.parse().ok()?;
    u8::try_from(len).ok().filter(|len| *len <= max)
}

fn parse_v4_prefix(text: &str) -> Option<u8> {
    if let Some(len) = parse_decimal_prefix(text, 32) {
        return Some(len);
    }
    let mask_bits = u32::from(text.parse::<Ipv4Addr>().ok()?);
    // A netmask must be contiguous ones then zeros (Python's ipaddress also takes a hostmask; that form is
    // left out, so such constants fall back to full evaluation and such values are not indexed).
    let len = mask_bits.leading_ones();
    (mask_bits.checked_shl(len).unwrap_or(0) == 0).then_some(len as u8)
}

fn mask(family: u8, addr: u128, len: u8) -> u128 {
    let width: u32 = if family == 4 { 32 } else { 128 };
    let host_bits = width - u32::from(len);
    if host_bits >= 128 {
        0
    } else {
        (addr >> host_bits) << host_bits
    }
}

/// The CIDR constants of every indexed path.
#[derive(Debug, Default)]
pub(crate) struct CidrIndex {
    subset: PostingMap,
    /// For each (path, family): how many subset constants use each prefix length.
    subset_lens: hashbrown::HashMap<(u32, u8), [u32; 129]>,
    superset: BTreeMap<(u32, u8, u128, u8), Postings>,
}

impl CidrIndex {
    pub(crate) fn insert_subset(&mut self, path_id: u32, net: IpNet, posting: Posting) {
        self.subset.insert(subset_key(path_id, net), posting);
        self.subset_lens.entry((path_id, net.family)).or_insert([0; 129])[usize::from(net.len)] += 1;
    }

    pub(crate) fn remove_subset(&mut self, path_id: u32, net: IpNet, posting: Posting) {
        self.subset.remove(subset_key(path_id, net), posting);
        if let Some(counts) = self.subset_lens.get_mut(&(path_id, net.family)) {
            let count = &mut counts[usize::from(net.len)];
            *count = count.saturating_sub(1);
        }
    }

    pub(crate) fn insert_superset(&mut self, path_id: u32, net: IpNet, posting: Posting) {
        self.superset
            .entry((path_id, net.family, net.addr, net.len))
            .or_default()
            .push(posting);
    }

    pub(crate) fn remove_superset(&mut self, path_id: u32, net: IpNet, posting: Posting) {
        let key = (path_id, net.family, net.addr, net.len);
        if let Some(postings) = self.superset.get_mut(&key) {
            postings.remove(posting);
            if postings.is_empty() {
                self.superset.remove(&key);
            }
        }
    }

    /// Adds to `out` every subset constant of `path_id` that may contain `value`.
    pub(crate) fn containing(&self, path_id: u32, value: IpNet, out: &mut Vec<Posting>) {
        let Some(counts) = self.subset_lens.get(&(path_id, value.family)) else {
            return;
        };
        for len in 0..=value.len {
            if counts[usize::from(len)] == 0 {
                continue;
            }
            let probe = IpNet::new(value.family, len, value.addr);
            if let Some(postings) = self.subset.get(subset_key(path_id, probe)) {
                out.extend_from_slice(postings.as_slice());
            }
        }
    }

    /// Adds to `out` every superset constant of `path_id` that may lie inside `value`.
    pub(crate) fn inside(&self, path_id: u32, value: IpNet, out: &mut Vec<Posting>) {
        let start = (path_id, value.family, value.addr, 0u8);
        let end = (path_id, value.family, value.end(), u8::MAX);
        for ((_, _, _, len), postings) in self.superset.range(start..=end) {
            if *len >= value.len {
                out.extend_from_slice(postings.as_slice());
            }
        }
    }
}

fn subset_key(path_id: u32, net: IpNet) -> u64 {
    let mut bytes = [0u8; 18];
    bytes[0] = net.family;
    bytes[1] = net.len;
    bytes[2..].copy_from_slice(&net.addr.to_le_bytes());
    key_hash(path_id, 0xC1, &bytes)
}

#[cfg(test)]
mod tests;
