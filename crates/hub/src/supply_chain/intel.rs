//! The threat intelligence around CVEs, as one reader is served it: STIX `vulnerability` objects naming a
//! CVE (by `name` or a `cve` external reference), indicators that mention it (in their text or through a
//! relationship with such a vulnerability) and sightings of either. Findings link to these by CVE id, and
//! SSVC's Exploitation reads them.
//!
//! Every row comes through `Hub::scan_released` for the caller, so nothing here rests on an object the caller
//! may not read. The work is bounded (`INTEL_BUDGET` newest rows per collection, `INTEL_TOTAL` in all); the
//! answer says when it is incomplete.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;
use store::{ObjectQuery, Projection, VersionSelector};

use crate::released::Visit;
use crate::{Caller, Hub, HubResult};

/// Released rows examined per collection (the newest ones).
const INTEL_BUDGET: usize = 5_000;
/// Released rows examined in all.
const INTEL_TOTAL: usize = 50_000;
/// Ids kept per CVE and kind.
const MAX_IDS: usize = 20;

const TYPES: [&str; 4] = ["vulnerability", "indicator", "sighting", "relationship"];

/// One object found, with where to open it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IntelRef {
    /// Its API root.
    pub api_root: String,
    /// Its collection id.
    pub collection: String,
    /// Its STIX id.
    pub id: String,
}

impl IntelRef {
    /// The web UI path of the object.
    pub fn link(&self) -> String {
        format!("/ui/c/{}/{}/objects/{}/", self.api_root, self.collection, self.id)
    }
}

/// What the reader is served about one CVE.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CveEvidence {
    /// `vulnerability` objects naming it.
    pub vulnerabilities: BTreeSet<IntelRef>,
    /// Indicators that mention it.
    pub indicators: BTreeSet<IntelRef>,
    /// Sightings of those (or sightings that mention it).
    pub sightings: BTreeSet<IntelRef>,
}

/// The reader's evidence per CVE (upper case).
#[derive(Debug, Clone, Default)]
pub(crate) struct CveIntel {
    /// Per CVE.
    pub(crate) by_cve: HashMap<String, CveEvidence>,
    /// False when a budget stopped the scan.
    pub(crate) complete: bool,
}

impl CveIntel {
    /// The evidence on `cve` (any case).
    pub(crate) fn get(&self, cve: &str) -> Option<&CveEvidence> {
        self.by_cve.get(&cve.to_ascii_uppercase())
    }
}

/// The CVE ids (upper case) in `text`.
pub(crate) fn cves_in(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut found = BTreeSet::new();
    let mut i = 0;
    while i + 13 <= bytes.len() {
        if bytes[i..i + 4].eq_ignore_ascii_case(b"cve-") {
            let year = &bytes[i + 4..i + 8];
            let mut end = i + 9;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            if year.iter().all(u8::is_ascii_digit) && bytes[i + 8] == b'-' && end - (i + 9) >= 4 {
                found.insert(text[i..end].to_ascii_uppercase());
                i = end;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// The CVEs a vulnerability object names.
fn vulnerability_cves(object: &Value) -> BTreeSet<String> {
    let mut cves = object["name"].as_str().map(cves_in).unwrap_or_default();
    for reference in object["external_references"].as_array().into_iter().flatten() {
        if reference["source_name"]
            .as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("cve"))
            && let Some(id) = reference["external_id"].as_str()
        {
            cves.extend(cves_in(id));
        }
    }
    cves
}

#[derive(Default)]
struct Scan {
    vulns: HashMap<String, BTreeSet<String>>,
    indicators: HashMap<String, BTreeSet<String>>,
    sightings: Vec<(IntelRef, Option<String>, BTreeSet<String>)>,
    links: Vec<(String, String)>,
    refs: HashMap<String, IntelRef>,
}

impl Hub {
    /// The evidence about every CVE in the threat intelligence `caller` is served.
    pub(crate) async fn cve_intel(&self, caller: &Caller) -> HubResult<CveIntel> {
        let mut scan = Scan::default();
        let mut complete = true;
        let mut n_total = 0;
        for (root, target) in self.readable_collections(caller).await? {
            if n_total >= INTEL_TOTAL {
                complete = false;
                break;
            }
            let view = self.sharing_view(caller, &target).await?;
            let start = self.tail_start(&target, INTEL_BUDGET).await?;
            let query = ObjectQuery {
                collection: target.id.clone(),
                ids: Vec::new(),
                types: TYPES.iter().map(|t| (*t).to_owned()).collect(),
                added_after: start,
                spec_versions: Vec::new(),
                versions: VersionSelector::last(),
                after: None,
                limit: INTEL_BUDGET,
                projection: Projection::Full,
            };
            let mut n_scanned = 0;
            let stopped = self
                .scan_released(&view, query, 250, |released| {
                    n_scanned += 1;
                    n_total += 1;
                    let at = IntelRef {
                        api_root: root.clone(),
                        collection: target.id.to_string(),
                        id: released.id.clone(),
                    };
                    if let Some(raw) = released.raw.as_deref() {
                        scan.visit(&released.object_type, raw, at);
                    }
                    Ok(if n_scanned >= INTEL_BUDGET || n_total >= INTEL_TOTAL {
                        Visit::Stop
                    } else {
                        Visit::Continue
                    })
                })
                .await?;
            if stopped || start.is_some() {
                complete = false;
            }
        }
        Ok(CveIntel {
            by_cve: scan.finish(),
            complete,
        })
    }
}

impl Scan {
    fn visit(&mut self, object_type: &str, raw: &str, at: IntelRef) {
        let Ok(object) = serde_json::from_str::<Value>(raw) else {
            return;
        };
        match object_type {
            "vulnerability" => {
                let cves = vulnerability_cves(&object);
                if !cves.is_empty() {
                    self.vulns.insert(at.id.clone(), cves);
                }
            }
            "indicator" => {
                self.indicators.insert(at.id.clone(), cves_in(raw));
            }
            "sighting" => {
                let of = object["sighting_of_ref"].as_str().map(str::to_owned);
                let text = format!("{} {}", object["description"], object["name"]);
                self.sightings.push((at.clone(), of, cves_in(&text)));
            }
            "relationship" => {
                if let (Some(s), Some(t)) = (object["source_ref"].as_str(), object["target_ref"].as_str()) {
                    self.links.push((s.to_owned(), t.to_owned()));
                }
            }
            _ => {}
        }
        self.refs.insert(at.id.clone(), at);
    }

    fn finish(mut self) -> HashMap<String, CveEvidence> {
        // An indicator linked to a CVE's vulnerability (either direction) mentions that CVE.
        for (s, t) in &self.links {
            for (indicator, vuln) in [(s, t), (t, s)] {
                if let (Some(cves), Some(mentioned)) =
                    (self.vulns.get(vuln), self.indicators.get_mut(indicator))
                {
                    mentioned.extend(cves.iter().cloned());
                }
            }
        }
        let mut out: BTreeMap<String, CveEvidence> = BTreeMap::new();
        for (id, cves) in &self.vulns {
            for cve in cves {
                push(
                    &mut out.entry(cve.clone()).or_default().vulnerabilities,
                    self.refs.get(id),
                );
            }
        }
        for (id, cves) in &self.indicators {
            for cve in cves {
                push(
                    &mut out.entry(cve.clone()).or_default().indicators,
                    self.refs.get(id),
                );
            }
        }
        for (at, of, mut cves) in std::mem::take(&mut self.sightings) {
            if let Some(of) = of {
                cves.extend(self.vulns.get(&of).into_iter().flatten().cloned());
                cves.extend(self.indicators.get(&of).into_iter().flatten().cloned());
            }
            for cve in cves {
                push(&mut out.entry(cve).or_default().sightings, Some(&at));
            }
        }
        out.into_iter().collect()
    }
}

fn push(set: &mut BTreeSet<IntelRef>, at: Option<&IntelRef>) {
    if let Some(at) = at
        && set.len() < MAX_IDS
    {
        set.insert(at.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cve_ids_in_text() {
        let found = cves_in("exploits cve-2021-44228 and CVE-2020-1234567, not CVE-21-1 or CVE-2020-12");
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            vec!["CVE-2020-1234567", "CVE-2021-44228"]
        );
    }

    #[test]
    fn sightings_of_linked_indicators_count_for_the_cve() {
        let mut scan = Scan::default();
        let at = |id: &str| IntelRef {
            api_root: "r".into(),
            collection: "c".into(),
            id: id.into(),
        };
        scan.visit("vulnerability", r#"{"name":"Log4Shell","external_references":[{"source_name":"cve","external_id":"CVE-2021-44228"}]}"#, at("vulnerability--1"));
        scan.visit(
            "indicator",
            r#"{"pattern":"[ipv4-addr:value = '1.2.3.4']"}"#,
            at("indicator--1"),
        );
        scan.visit(
            "relationship",
            r#"{"source_ref":"indicator--1","target_ref":"vulnerability--1"}"#,
            at("relationship--1"),
        );
        scan.visit(
            "sighting",
            r#"{"sighting_of_ref":"indicator--1"}"#,
            at("sighting--1"),
        );
        let out = scan.finish();
        let e = &out["CVE-2021-44228"];
        assert_eq!(e.vulnerabilities.len(), 1);
        assert_eq!(e.indicators.len(), 1);
        assert_eq!(e.sightings.iter().next().unwrap().id, "sighting--1");
    }
}
