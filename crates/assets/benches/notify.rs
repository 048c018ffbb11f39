//! The pure part of victim notification at the issue-14 scale: 10,000 organisations × 100 assets indexed,
//! then 100,000 indicator patterns read for the values they involve and looked up. Prints the median of 5
//! runs. `cargo bench -p assets --bench notify` (release); the hub-level figure is in BENCHMARKS.md.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::{Duration, Instant};

use assets::{Asset, AssetIndex, AssetKind, probes_of_pattern};

const ORGS: u32 = 10_000;
const PER_ORG: u32 = 100;
const INDICATORS: u32 = 100_000;

fn org_assets(org: u32) -> Vec<Asset> {
    let mut out = Vec::with_capacity(PER_ORG as usize);
    for i in 0..PER_ORG {
        let n = org * PER_ORG + i;
        let (kind, text) = match i % 10 {
            0..=5 => (
                AssetKind::Cidr,
                format!("{}.{}.{}.0/24", 10 + (n >> 16) % 200, (n >> 8) & 255, n & 255),
            ),
            6 => (
                AssetKind::Cidr,
                format!("2001:{:x}:{:x}::/48", 0x0db8 + (n >> 16), n & 0xffff),
            ),
            7 => (AssetKind::Domain, format!("site{i}.org{org}.example")),
            8 => (AssetKind::EmailDomain, format!("mail{i}.org{org}.example")),
            _ => (AssetKind::Asn, format!("AS{}", 64_512 + n)),
        };
        if let Ok(asset) = Asset::parse(kind, &text) {
            out.push(asset);
        }
    }
    out
}

fn pattern(i: u32) -> String {
    // One in a hundred names an asset; the rest name addresses nobody claimed.
    if i.is_multiple_of(100) {
        let n = i * 7 % (ORGS * PER_ORG);
        format!(
            "[ipv4-addr:value = '{}.{}.{}.9'] OR [domain-name:value = 'www.site7.org{}.example']",
            10 + (n >> 16) % 200,
            (n >> 8) & 255,
            n & 255,
            n / PER_ORG
        )
    } else {
        format!(
            "[ipv4-addr:value = '220.{}.{}.{}'] OR [domain-name:value = 'bad{i}.invalid.example']",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        )
    }
}

fn main() {
    let started = Instant::now();
    let all: Vec<Asset> = (0..ORGS).flat_map(org_assets).collect();
    let index = AssetIndex::new(all);
    println!("index of {} assets built in {:?}", index.len(), started.elapsed());
    let patterns: Vec<String> = (0..INDICATORS).map(pattern).collect();
    let mut runs: Vec<Duration> = Vec::new();
    let mut hits = 0usize;
    for _ in 0..5 {
        let started = Instant::now();
        hits = 0;
        let mut found = Vec::new();
        for text in &patterns {
            for probe in probes_of_pattern(text) {
                found.clear();
                index.matches(&probe, &mut found);
                hits += found.len();
            }
        }
        runs.push(started.elapsed());
    }
    runs.sort();
    println!(
        "{INDICATORS} indicators against {} assets: median {:?} (runs {runs:?}), {hits} asset hits",
        index.len(),
        runs[runs.len() / 2]
    );
}
