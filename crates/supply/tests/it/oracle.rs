//! Differential tests (issue 18) against the reference Python libraries, run when `STIXHUB_ORACLE_PYTHON` names
//! a python with them (`scripts/oracle-venv.sh`; CI sets it), otherwise a skip line:
//! - version ranges: every SEMVER/ECOSYSTEM range of the shipped OSV records × versions generated from its
//!   events (each event version, its neighbours and a pre-release of it), evaluated by us and by the OSV
//!   algorithm over `univers` versions; plus pairwise ordering of generated versions for PyPI, Go, RPM,
//!   Debian and Alpine, which the shipped records do not cover;
//! - SBOM parsing: component (group, name, version, purl) multisets of every sample vs `cyclonedx-python-lib`
//!   and `spdx-tools`;
//! - SSVC: every row of the CISA Coordinator table vs the `ssvc` package.
//!
//! Known disagreements are listed, each with its reason, in `tests/oracle/disagreements.tsv`; an unlisted
//! disagreement fails, and so does a listed one that no longer occurs (the file stays true).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use supply::advisory::Knowledge;
use supply::ssvc::{Automatable, Exploitation, Inputs, MissionImpact, Sourced, Table, TechnicalImpact};
use supply::versions::{Event, RangeKind, Scheme, Version};

use crate::{osv_files, reference};

fn python() -> Option<std::ffi::OsString> {
    let p = std::env::var_os("STIXHUB_ORACLE_PYTHON");
    if p.is_none() {
        eprintln!(
            "skipped: set STIXHUB_ORACLE_PYTHON (scripts/oracle-venv.sh) to run the supply-chain oracles"
        );
    }
    p
}

fn oracle(python: &std::ffi::OsStr, request: &Value) -> Vec<Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/supply_oracle.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write request");
    let out = child.wait_with_output().expect("oracle output");
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("oracle prints JSON");
    v["answers"].as_array().expect("answers").clone()
}

/// `tests/oracle/disagreements.tsv`: test, scheme, input, ours, theirs, reason.
fn listed(test: &str) -> BTreeSet<(String, String, String, String)> {
    let text = include_str!("../oracle/disagreements.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() >= 6 && f[0] == test)
                .then(|| (f[1].to_owned(), f[2].to_owned(), f[3].to_owned(), f[4].to_owned()))
        })
        .collect()
}

fn check(test: &str, found: BTreeSet<(String, String, String, String)>) {
    let expected = listed(test);
    let unlisted: Vec<_> = found.difference(&expected).collect();
    let stale: Vec<_> = expected.difference(&found).collect();
    let rows: Vec<String> = unlisted
        .iter()
        .map(|(s, i, o, t)| format!("{test}\t{s}\t{i}\t{o}\t{t}\tWHY"))
        .collect();
    assert!(
        unlisted.is_empty(),
        "unlisted disagreements with the oracle:\n{}",
        rows.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed disagreements that no longer occur: {stale:?}"
    );
}

fn scheme_name(s: Scheme, go: bool) -> &'static str {
    match s {
        Scheme::Semver if go => "go",
        Scheme::Semver => "semver",
        Scheme::Pep440 => "pep440",
        Scheme::Maven => "maven",
        Scheme::Composer => "composer",
        Scheme::Rpm => "rpm",
        Scheme::Debian => "debian",
        Scheme::Alpine => "alpine",
    }
}

/// Versions around `v`: itself, the last number ±1, a pre-release of it.
fn neighbours(scheme: Scheme, v: &str) -> Vec<String> {
    let mut out = vec![v.to_owned()];
    let bytes = v.as_bytes();
    if let Some(end) = bytes.iter().rposition(u8::is_ascii_digit) {
        let start = bytes[..end]
            .iter()
            .rposition(|b| !b.is_ascii_digit())
            .map_or(0, |i| i + 1);
        if let Ok(n) = v[start..=end].parse::<u64>() {
            out.push(format!("{}{}{}", &v[..start], n + 1, &v[end + 1..]));
            if n > 0 {
                out.push(format!("{}{}{}", &v[..start], n - 1, &v[end + 1..]));
            }
        }
    }
    let pre = match scheme {
        Scheme::Semver if !v.contains('-') => Some(format!("{v}-rc.1")),
        Scheme::Maven | Scheme::Composer if !v.contains('-') => Some(format!("{v}-beta1")),
        Scheme::Pep440 => Some(format!("{v}rc1")),
        Scheme::Rpm | Scheme::Debian => Some(format!("{v}~rc1")),
        Scheme::Alpine => Some(format!("{v}_rc1")),
        _ => None,
    };
    out.extend(pre);
    out
}

#[test]
fn version_ranges_agree_with_univers() {
    let Some(python) = python() else { return };
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for file in osv_files() {
        for k in supply::advisory::parse(&std::fs::read(&file).expect("read")).expect("record") {
            let Knowledge::Advisory(a) = k else { continue };
            for aff in &a.affected {
                let Some(eco) = Scheme::for_ecosystem(&aff.ecosystem) else {
                    continue;
                };
                for r in &aff.ranges {
                    if r.kind == RangeKind::Git {
                        continue;
                    }
                    let scheme = r.scheme(eco);
                    let compiled = r.compile(eco).expect("every shipped range compiles");
                    let mut versions: Vec<String> = r
                        .events
                        .iter()
                        .filter(|e| e.version() != "0" && e.version() != "*")
                        .flat_map(|e| neighbours(scheme, e.version()))
                        .collect();
                    versions.extend(["0.0.1".to_owned(), "999.0.0".to_owned()]);
                    versions.sort();
                    versions.dedup();
                    let events: Vec<(&str, &str)> = r
                        .events
                        .iter()
                        .map(|e| match e {
                            Event::Introduced(v) => ("introduced", v.as_str()),
                            Event::Fixed(v) => ("fixed", v.as_str()),
                            Event::LastAffected(v) => ("last_affected", v.as_str()),
                            Event::Limit(v) => ("limit", v.as_str()),
                        })
                        .collect();
                    let go = aff.ecosystem == "Go";
                    ours.push((
                        scheme_name(scheme, go),
                        versions
                            .iter()
                            .map(|v| match Version::parse(scheme, v) {
                                Ok(p) => Value::Bool(compiled.contains(&p)),
                                Err(_) => Value::String("error".into()),
                            })
                            .collect::<Vec<_>>(),
                        format!("{}:{}", a.id, aff.name),
                        events
                            .iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                            .join(","),
                        versions.clone(),
                    ));
                    cases.push(
                        json!({"scheme": scheme_name(scheme, go), "events": events, "versions": versions}),
                    );
                }
            }
        }
    }
    assert!(cases.len() >= 120, "{} ranges", cases.len());
    let theirs = oracle(&python, &json!({"task": "ranges", "cases": cases}));
    let mut found = BTreeSet::new();
    let mut compared = 0;
    for ((scheme, mine, _id, events, versions), theirs) in ours.iter().zip(&theirs) {
        for ((m, t), v) in mine.iter().zip(theirs.as_array().expect("answers")).zip(versions) {
            compared += 1;
            let t = if t.as_str().is_some_and(|s| s.starts_with("error")) {
                &Value::String("error".into())
            } else {
                t
            };
            if m != t {
                found.insert((
                    (*scheme).to_owned(),
                    format!("{events} @ {v}"),
                    m.to_string(),
                    t.to_string(),
                ));
            }
        }
    }
    eprintln!(
        "version ranges: {} ranges, {compared} decisions compared, {} disagreements",
        cases.len(),
        found.len()
    );
    check("ranges", found);
}

#[test]
fn version_ordering_agrees_with_univers_for_schemes_without_shipped_records() {
    let Some(python) = python() else { return };
    let lists: [(Scheme, bool, &[&str]); 5] = [
        (
            Scheme::Alpine,
            false,
            &[
                "3.0.4-r0",
                "3.0.4-r1",
                "3.0.4_rc1-r0",
                "3.0.4_p1",
                "3.0.4",
                "1.1",
                "1.02",
                "1.2.10",
                "1.2.9",
                "1.2a",
                "1.2b_p2",
                "1.2_alpha",
                "1.2_beta3",
                "1.2_pre1",
                "2.36.1-r2",
                "1.0.0_beta1_p2",
            ],
        ),
        (
            Scheme::Pep440,
            false,
            &[
                "1.0.dev1",
                "1.0a1",
                "1.0a2.dev1",
                "1.0b1",
                "1.0rc1",
                "1.0",
                "1.0.post1",
                "1.0.post1.dev2",
                "1.0.1",
                "1!0.5",
                "2.0",
                "1.0+local.1",
                "1.0+abc",
                "v1.1",
                "1.1.0",
                "1.10",
                "1.9",
            ],
        ),
        (
            Scheme::Semver,
            true,
            &[
                "v1.2.3",
                "v1.2.4",
                "v1.2.4-rc.1",
                "v1.2.4-rc.2",
                "v1.2.4-beta",
                "v0.0.0-20200101000000-abcdef123456",
                "v1.10.0",
                "v1.9.9",
                "v2.0.0+incompatible",
            ],
        ),
        (
            Scheme::Rpm,
            false,
            &[
                "4.2.46-31.el7",
                "4.2.45-5.el7_0.2",
                "4.2.46-34.el7",
                "1:1.0.2k-16.el7",
                "1:1.0.2k-19.el7",
                "1.0.2k-16.el7",
                "1.0~rc1-1",
                "1.0-1",
                "1.0^git1-1",
                "1.0a-1",
                "1.0.1-1",
                "2.02-0.86.el7.centos",
            ],
        ),
        (
            Scheme::Debian,
            false,
            &[
                "1.0-1",
                "1.0-1ubuntu1",
                "1.0~rc1-1",
                "1:0.9-1",
                "2.7.4-0ubuntu1.6",
                "2.7.4-0ubuntu1.10",
                "1.0+dfsg-1",
                "1.0-1+deb10u1",
                "1.0-1+b1",
                "7.74.0-1.3+deb11u7",
            ],
        ),
    ];
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for (scheme, go, list) in lists {
        for a in list {
            for b in list {
                let mine = match (Version::parse(scheme, a), Version::parse(scheme, b)) {
                    (Ok(x), Ok(y)) => json!(x.cmp(&y) as i8),
                    _ => json!("error"),
                };
                ours.push((scheme_name(scheme, go), format!("{a} vs {b}"), mine));
                cases.push(json!({"scheme": scheme_name(scheme, go), "a": a, "b": b}));
            }
        }
    }
    let theirs = oracle(&python, &json!({"task": "order", "cases": cases}));
    let mut found = BTreeSet::new();
    for ((scheme, input, mine), t) in ours.iter().zip(&theirs) {
        let t = if t.as_str().is_some_and(|s| s.starts_with("error")) {
            json!("error")
        } else {
            t.clone()
        };
        if *mine != t {
            found.insert((
                (*scheme).to_owned(),
                input.clone(),
                mine.to_string(),
                t.to_string(),
            ));
        }
    }
    eprintln!(
        "version ordering: {} pairs, {} disagreements",
        cases.len(),
        found.len()
    );
    check("order", found);
}

#[test]
fn sbom_parsing_agrees_with_cyclonedx_python_lib_and_spdx_tools() {
    let Some(python) = python() else { return };
    let files = [
        "sbom/cyclonedx-1.5-centos-7.json",
        "sbom/cyclonedx-1.6-laravel-7.12.0.json",
        "sbom/spdx-2.3-acme-app.spdx.json",
        "sbom/spdx-2.3-elasticsearch-8.9.1-bitnami.spdx.json",
        "sbom/spdx-2.3-rust-hello-server.spdx.json",
        "sbom/vex-cyclonedx/jackson-bom.cdx-1.3.json",
    ];
    let paths: Vec<String> = files
        .iter()
        .map(|f| reference().join(f).to_string_lossy().into_owned())
        .collect();
    let theirs = oracle(&python, &json!({"task": "sbom", "files": paths}));
    let mut found = BTreeSet::new();
    for (file, t) in files.iter().zip(&theirs) {
        let s = crate::sbom(file);
        if let Some(e) = t.get("error") {
            // The library refuses the document; we read it: allowed only when listed, and we must say what is
            // wrong with it in a diagnostic.
            let paths: Vec<&str> = s
                .diagnostics
                .iter()
                .filter(|d| d.component.is_none())
                .map(|d| d.path.as_str())
                .collect();
            assert!(
                !paths.is_empty(),
                "{file}: the oracle refuses it ({e}) and we say nothing"
            );
            found.insert((
                "sbom".to_owned(),
                (*file).to_owned(),
                format!("read, diagnostic at {}", paths.join(" ")),
                "refused".to_owned(),
            ));
            continue;
        }
        let norm =
            |p: Option<&str>| p.map(|p| supply::purl::Purl::parse(p).map_or(p.to_owned(), |x| x.to_string()));
        let mut mine: BTreeMap<String, usize> = BTreeMap::new();
        for c in &s.components {
            let key = json!([c.group, c.name, c.version, norm(c.purl.as_deref())]).to_string();
            *mine.entry(key).or_default() += 1;
        }
        let mut their: BTreeMap<String, usize> = BTreeMap::new();
        for c in t["components"].as_array().expect("components") {
            let key = json!([c[0], c[1], c[2], norm(c[3].as_str())]).to_string();
            *their.entry(key).or_default() += 1;
        }
        for k in mine.keys().chain(their.keys()).collect::<BTreeSet<_>>() {
            let (m, t) = (
                mine.get(k).copied().unwrap_or(0),
                their.get(k).copied().unwrap_or(0),
            );
            if m != t {
                found.insert((
                    "sbom".to_owned(),
                    format!("{file} {k}"),
                    m.to_string(),
                    t.to_string(),
                ));
            }
        }
    }
    check("sbom", found);
}

#[test]
fn ssvc_outcomes_agree_with_the_ssvc_package_on_every_row() {
    let Some(python) = python() else { return };
    let table = Table::cisa_coordinator();
    let rows: Vec<&Vec<String>> = table.rows.iter().map(|r| &r.values).collect();
    let theirs = oracle(&python, &json!({"task": "ssvc", "rows": rows}));
    let parse = |v: &str| -> Inputs {
        let f: Vec<&str> = v.split(',').collect();
        Inputs {
            exploitation: Sourced::new(
                match f[0] {
                    "none" => Exploitation::None,
                    "public poc" => Exploitation::PublicPoc,
                    _ => Exploitation::Active,
                },
                "test",
            ),
            automatable: Sourced::new(
                if f[1] == "yes" {
                    Automatable::Yes
                } else {
                    Automatable::No
                },
                "test",
            ),
            technical_impact: Sourced::new(
                if f[2] == "total" {
                    TechnicalImpact::Total
                } else {
                    TechnicalImpact::Partial
                },
                "test",
            ),
            mission: Sourced::new(
                match f[3] {
                    "low" => MissionImpact::Low,
                    "medium" => MissionImpact::Medium,
                    _ => MissionImpact::High,
                },
                "test",
            ),
        }
    };
    let mut found = BTreeSet::new();
    for (row, t) in table.rows.iter().zip(&theirs) {
        let d = supply::ssvc::decide(parse(&row.values.join(","))).expect("every row decides");
        assert_eq!(d.row.row, row.row);
        let t = t.as_str().unwrap_or("none");
        if d.outcome.as_str() != t {
            found.insert((
                "cisa".to_owned(),
                format!("row {}: {}", row.row, row.values.join(",")),
                d.outcome.as_str().to_owned(),
                t.to_owned(),
            ));
        }
    }
    assert_eq!(theirs.len(), 36);
    check("ssvc", found);
}
