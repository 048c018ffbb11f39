//! Matching benchmark (issue 18, BENCHMARKS.md): a 10,000-component SBOM against 100,000 OSV records, and a
//! 1,000-SBOM portfolio re-evaluated after a KEV update. The data is generated deterministically from the
//! shipped records (`../shared/reference/osv/{ghsa,bitnami}`, or `$STIXHUB_REFERENCE/osv`): record k is shipped
//! record k mod 88 with its packages renamed `NAME-s` (s = k div 88), and component j is one of the sample SBOMs'
//! vulnerable components renamed with suffix j mod 1,137, so every component meets the records of its package.
//!
//! `cargo bench -p supply --bench match` (release); prints medians of 5 runs (3 for the full portfolio).

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::path::PathBuf;
use std::time::Instant;

use serde_json::Value;
use supply::advisory::{self, Knowledge};
use supply::{Component, KnowledgeBase, Sbom};

fn reference() -> PathBuf {
    std::env::var_os("STIXHUB_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"))
}

fn shipped_records() -> Vec<Value> {
    let mut out = Vec::new();
    for dir in ["ghsa", "bitnami"] {
        let mut files: Vec<_> = std::fs::read_dir(reference().join("osv").join(dir))
            .expect("the shipped OSV records")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            out.push(serde_json::from_slice(&std::fs::read(f).expect("read")).expect("json"));
        }
    }
    out
}

/// The sample components that meet the shipped records (purl without version, OSV name, version).
const COMPONENTS: [(&str, &str); 10] = [
    ("pkg:npm/elliptic", "6.5.2"),
    ("pkg:maven/com.fasterxml.jackson.core/jackson-databind", "2.10.0"),
    ("pkg:composer/laravel/framework", "v7.30.6"),
    ("pkg:composer/guzzlehttp/psr7", "1.9.0"),
    ("pkg:cargo/hyper", "0.14.0"),
    ("pkg:cargo/tokio", "1.19.2"),
    ("pkg:bitnami/elasticsearch", "8.9.1"),
    ("pkg:maven/org.apache.logging.log4j/log4j-core", "2.14.1"),
    ("pkg:maven/org.elasticsearch/elasticsearch", "8.9.1"),
    ("pkg:composer/symfony/http-kernel", "v5.4.16"),
];

fn knowledge_base(records: &[Value], n: usize) -> KnowledgeBase {
    let mut kb = KnowledgeBase::new();
    for k in 0..n {
        let mut r = records[k % records.len()].clone();
        let suffix = k / records.len();
        r["id"] = Value::String(format!("{}-{k}", r["id"].as_str().unwrap_or("X")));
        if let Some(affected) = r["affected"].as_array_mut() {
            for a in affected {
                if let Some(pkg) = a.get_mut("package").and_then(Value::as_object_mut) {
                    let name = pkg.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
                    pkg.insert("name".into(), Value::String(format!("{name}-{suffix}")));
                    pkg.remove("purl");
                }
            }
        }
        kb.extend(advisory::parse(r.to_string().as_bytes()).expect("a generated record parses"));
    }
    kb
}

fn sbom(n: usize, offset: usize, suffixes: usize) -> Sbom {
    let components = (0..n)
        .map(|j| {
            let (base, version) = COMPONENTS[j % COMPONENTS.len()];
            let s = (j + offset) % suffixes;
            Component {
                name: format!("c{j}"),
                version: Some(version.to_owned()),
                purl: Some(format!("{base}-{s}@{version}")),
                ..Component::default()
            }
        })
        .collect();
    Sbom {
        format: supply::sbom::Format::CycloneDx,
        spec_version: "1.6".into(),
        name: Some("bench".into()),
        version: Some("1".into()),
        subject: None,
        serial: None,
        components,
        diagnostics: Vec::new(),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// CPU time of this (single) thread in seconds, from `/proc/thread-self/schedstat` (the machine is shared, so
/// wall time alone overstates the work); 0 where unavailable.
fn cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<f64>().ok()))
        .map_or(0.0, |ns| ns / 1e9)
}

/// Runs `f` `runs` times; medians of wall and CPU seconds, and the last result.
fn measure<T>(runs: usize, mut f: impl FnMut(usize) -> T) -> (f64, f64, T) {
    let (mut walls, mut cpus) = (Vec::new(), Vec::new());
    let mut last = None;
    for i in 0..runs {
        let (t, c) = (Instant::now(), cpu());
        last = Some(f(i));
        walls.push(t.elapsed().as_secs_f64());
        cpus.push(cpu() - c);
    }
    (median(walls), median(cpus), last.expect("runs > 0"))
}

fn main() {
    let records = shipped_records();
    let n_records: usize = 100_000;
    let suffixes = n_records.div_ceil(records.len());
    let (build, build_cpu, mut kb) = measure(1, |_| knowledge_base(&records, n_records));
    let kev_text = std::fs::read(reference().join("kev/known_exploited_vulnerabilities.json")).expect("KEV");
    let kev: Vec<_> = advisory::parse(&kev_text)
        .expect("KEV parses")
        .into_iter()
        .filter_map(|k| if let Knowledge::Kev(k) = k { Some(k) } else { None })
        .collect();
    kb.replace_kev(kev.clone());
    let big = sbom(10_000, 0, suffixes);
    let (wall, cpu_s, e) = measure(5, |_| kb.evaluate(&big));
    println!(
        "knowledge base: {n_records} records parsed and indexed in {build:.2} s wall / {build_cpu:.2} s CPU"
    );
    println!(
        "10,000 components x {n_records} records: median {wall:.3} s wall / {cpu_s:.3} s CPU; {} findings, {} not evaluated",
        e.findings.len(),
        e.not_evaluated.len()
    );
    // Components per portfolio SBOM: 500 by default; `SUPPLY_BENCH_COMPONENTS=100` gives the ~100 components per
    // project of the Dependency-Track site the issue cites (114 projects, ~11 k components).
    let per_sbom: usize = std::env::var("SUPPLY_BENCH_COMPONENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let portfolio: Vec<Sbom> = (0..1_000).map(|i| sbom(per_sbom, i * 7, suffixes)).collect();
    // A KEV update: the catalogue minus its newest entry, then the full catalogue again.
    let update = |round: usize| {
        if round.is_multiple_of(2) {
            kev[1..].to_vec()
        } else {
            kev.clone()
        }
    };
    let mut kb_full = kb;
    let (wall, cpu_s, total) = measure(3, |round| {
        kb_full.replace_kev(update(round));
        portfolio
            .iter()
            .map(|s| {
                kb_full
                    .evaluate(s)
                    .findings
                    .iter()
                    .filter(|f| f.kev.is_some())
                    .count()
            })
            .sum::<usize>()
    });
    println!(
        "1,000 SBOMs x {per_sbom} components fully re-evaluated after a KEV update: median {wall:.3} s wall / {cpu_s:.3} s CPU, {total} KEV findings"
    );
    let mut evaluations: Vec<_> = portfolio.iter().map(|s| kb_full.evaluate(s)).collect();
    let (wall, cpu_s, total) = measure(5, |round| {
        kb_full.replace_kev(update(round));
        let mut n = 0;
        for e in &mut evaluations {
            kb_full.refresh_kev(e);
            n += e.findings.iter().filter(|f| f.kev.is_some()).count();
        }
        n
    });
    println!(
        "1,000 SBOMs x {per_sbom} components, KEV re-attached (refresh_kev) after a KEV update: median {wall:.3} s wall / {cpu_s:.3} s CPU, {total} KEV findings"
    );
}
