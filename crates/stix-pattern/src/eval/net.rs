//! CIDR containment for `ISSUBSET` / `ISSUPERSET`, IPv4 and IPv6.
//!
//! An address is a network with a full-length prefix. `a` is inside `b` when both are the same family,
//! `b`'s prefix is not longer than `a`'s, and they agree on `b`'s prefix bits (equal networks count).
//! Text that is not an address or CIDR (or mixes families) makes the test false. `stix2-matcher` handles
//! IPv4 only and raises on anything else; it also rejects a `/0` prefix, which this accepts.

use std::net::IpAddr;

/// A network: address bits (IPv4 in the low 32 bits) and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    is_v6: bool,
    bits: u128,
    prefix: u32,
}

fn parse_network(text: &str) -> Option<Network> {
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (text, None),
    };
    let address: IpAddr = address.parse().ok()?;
    let (is_v6, bits, max_prefix) = match address {
        IpAddr::V4(v4) => (false, u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (true, u128::from(v6), 128),
    };
    let prefix = match prefix {
        None => max_prefix,
        Some(digits) => {
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            digits.parse::<u32>().ok().filter(|p| *p <= max_prefix)?
        }
    };
    Some(Network { is_v6, bits, prefix })
}

fn mask(is_v6: bool, prefix: u32) -> u128 {
    let width = if is_v6 { 128 } else { 32 };
    if prefix == 0 {
        return 0;
    }
    let all = if is_v6 { u128::MAX } else { u128::from(u32::MAX) };
    (all >> (width - prefix)) << (width - prefix)
}

/// Whether the address or network `inner` lies inside the network `outer`.
pub(crate) fn is_within(inner: &str, outer: &str) -> bool {
    let (Some(inner), Some(outer)) = (parse_network(inner), parse_network(outer)) else {
        return false;
    };
    if inner.is_v6 != outer.is_v6 || outer.prefix > inner.prefix {
        return false;
    }
    let mask = mask(outer.is_v6, outer.prefix);
    inner.bits & mask == outer.bits & mask
}
