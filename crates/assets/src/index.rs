//! `AssetIndex`: which of many assets an observable value falls in, without looking at every asset.
//!
//! - Networks, per address family: a hash per prefix length present (`(len, masked address)` → assets), so
//!   the assets *containing* a value are one lookup per prefix length no longer than the value's; and the
//!   assets sorted by first address, so the assets *inside* a value (an indicator naming a wider network)
//!   are one binary search and a walk over exactly those.
//! - Domains and e-mail domains: a hash of names; a value is looked up at each of its label boundaries
//!   (`a.b.example.org`, `b.example.org`, `example.org`, …), so the cost is its label count.
//! - AS numbers: a hash. Software: a hash per product (`Software::product_key`), then `covers`.
//!
//! Invariant: `matches` returns exactly the handles whose asset `contains_probe` the value (property test in
//! `tests.rs`), each once.

use std::collections::HashMap;

use crate::claim::{Asset, IpNet};
use crate::probe::Probe;

/// A handle: the position of the asset in the list the index was built from.
pub type Handle = u32;

#[derive(Debug, Default)]
struct NetFamily {
    by_prefix: HashMap<(u8, u128), Vec<Handle>>,
    prefixes: Vec<u8>,
    /// `(first address, prefix, handle)`, sorted.
    sorted: Vec<(u128, u8, Handle)>,
}

impl NetFamily {
    fn insert(&mut self, net: &IpNet, handle: Handle) {
        self.by_prefix
            .entry((net.prefix, net.start))
            .or_default()
            .push(handle);
        if !self.prefixes.contains(&net.prefix) {
            self.prefixes.push(net.prefix);
        }
        self.sorted.push((net.start, net.prefix, handle));
    }

    fn finish(&mut self) {
        self.prefixes.sort_unstable();
        self.sorted.sort_unstable();
    }

    fn matches(&self, net: &IpNet, out: &mut Vec<Handle>) {
        // Assets containing the value (prefix no longer than the value's).
        for &prefix in self.prefixes.iter().take_while(|&&p| p <= net.prefix) {
            if let Some(handles) = self
                .by_prefix
                .get(&(prefix, IpNet::masked(net.v6, net.start, prefix)))
            {
                out.extend_from_slice(handles);
            }
        }
        // Assets strictly inside the value (longer prefix, first address within it).
        if net.prefix < net.bits() {
            let from = self.sorted.partition_point(|(start, _, _)| *start < net.start);
            let end = net.end();
            for &(start, prefix, handle) in &self.sorted[from..] {
                if start > end {
                    break;
                }
                if prefix > net.prefix {
                    out.push(handle);
                }
            }
        }
    }
}

/// An index over a fixed list of assets.
#[derive(Debug, Default)]
pub struct AssetIndex {
    v4: NetFamily,
    v6: NetFamily,
    domains: HashMap<String, Vec<Handle>>,
    email_domains: HashMap<String, Vec<Handle>>,
    asns: HashMap<u32, Vec<Handle>>,
    software: HashMap<String, Vec<Handle>>,
    assets: Vec<Asset>,
}

impl AssetIndex {
    /// Indexes `assets`; handle `i` is `assets[i]`. (More than `u32::MAX` assets are not indexed.)
    pub fn new(assets: Vec<Asset>) -> AssetIndex {
        let mut index = AssetIndex::default();
        for (position, asset) in assets.iter().enumerate() {
            let Ok(handle) = Handle::try_from(position) else {
                break;
            };
            match asset {
                Asset::Cidr(net) if net.v6 => index.v6.insert(net, handle),
                Asset::Cidr(net) => index.v4.insert(net, handle),
                Asset::Domain(name) => index.domains.entry(name.clone()).or_default().push(handle),
                Asset::EmailDomain(name) => index.email_domains.entry(name.clone()).or_default().push(handle),
                Asset::Asn(number) => index.asns.entry(*number).or_default().push(handle),
                Asset::Software(software) => {
                    index
                        .software
                        .entry(software.product_key())
                        .or_default()
                        .push(handle);
                }
            }
        }
        index.v4.finish();
        index.v6.finish();
        index.assets = assets;
        index
    }

    /// How many assets it holds.
    pub fn len(&self) -> usize {
        self.assets.len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.assets.is_empty()
    }

    /// The asset behind a handle.
    pub fn asset(&self, handle: Handle) -> Option<&Asset> {
        self.assets.get(handle as usize)
    }

    /// Appends to `out` the handles of the assets `probe` falls in (each once per call).
    pub fn matches(&self, probe: &Probe, out: &mut Vec<Handle>) {
        let from = out.len();
        match probe {
            Probe::Ip(net) if net.v6 => self.v6.matches(net, out),
            Probe::Ip(net) => self.v4.matches(net, out),
            Probe::Domain(name) => suffix_matches(&self.domains, name, out),
            Probe::Email(address) => {
                if let Some(domain) = crate::claim::email_domain(address) {
                    suffix_matches(&self.email_domains, domain, out);
                }
            }
            Probe::Asn(number) => {
                if let Some(handles) = self.asns.get(number) {
                    out.extend_from_slice(handles);
                }
            }
            Probe::Software(software) => {
                if let Some(handles) = self.software.get(&software.product_key()) {
                    out.extend(handles.iter().copied().filter(|&handle| {
                        matches!(self.asset(handle), Some(Asset::Software(asset)) if asset.covers(software))
                    }));
                }
            }
        }
        let found = &mut out[from..];
        found.sort_unstable();
        let unique = {
            let mut kept = 0;
            for i in 0..found.len() {
                if i == 0 || found[i] != found[kept - 1] {
                    found[kept] = found[i];
                    kept += 1;
                }
            }
            kept
        };
        out.truncate(from + unique);
    }
}

/// Handles filed under `name` or any domain it is under.
fn suffix_matches(map: &HashMap<String, Vec<Handle>>, name: &str, out: &mut Vec<Handle>) {
    let mut rest = name;
    loop {
        if let Some(handles) = map.get(rest) {
            out.extend_from_slice(handles);
        }
        match rest.split_once('.') {
            Some((_, parent)) => rest = parent,
            None => break,
        }
    }
}
