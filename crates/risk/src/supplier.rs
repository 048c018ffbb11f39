//! A supplier's risk as STIX: per supplier (an `identity`), its products' findings summarised as
//! `vulnerability` objects, `related-to` relationships from the supplier, and one `note` that states the
//! summary (counts per SSVC outcome, KEV flags, per product), every object marked with the chosen TLP.
//!
//! Ids are deterministic (UUIDv5 over the supplier name and the CVE or advisory id) so a republished summary
//! is a new version of the same objects, not a second copy; `modified` is the caller's instant. The
//! objects enter the hub through the normal ingest, so validation, PII screening and TLP apply.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::plan::Tlp;

/// The namespace of the summary's UUIDv5 ids (a fixed random UUID).
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5f0c_2a8e_61d4_4b0e_9a35_7c1e_0b6d_92a4);

/// One finding of one of the supplier's products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierFinding {
    /// The product (as the SBOM was imported).
    pub product: String,
    /// The component (PURL or CPE).
    pub component: String,
    /// The CVE or advisory id.
    pub vulnerability: String,
    /// `affected` or `not_affected`.
    pub status: String,
    /// The SSVC outcome (`act`, `attend`, `track*`, `track`).
    pub outcome: String,
    /// In the KEV catalogue.
    pub kev: bool,
}

/// The TLP 2.0 marking-definition id of `tlp`.
pub fn marking_id(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    }
}

fn id(kind: &str, parts: &[&str]) -> String {
    format!(
        "{kind}--{}",
        uuid::Uuid::new_v5(&NAMESPACE, parts.join("\u{1f}").as_bytes())
    )
}

/// The STIX objects summarising `findings` of `supplier`'s products, at `now` (RFC 3339, ms precision).
/// Only affected findings become vulnerabilities; not-affected ones are counted in the note.
pub fn summary(supplier: &str, findings: &[SupplierFinding], tlp: Tlp, now: &str) -> Vec<Value> {
    let marking = [marking_id(tlp)];
    let identity_id = id("identity", &["supplier", supplier]);
    let mut objects = vec![json!({
        "type": "identity", "spec_version": "2.1", "id": identity_id, "created": now, "modified": now,
        "name": supplier, "identity_class": "organization", "object_marking_refs": marking,
    })];
    let mut vulns: BTreeMap<&str, Vec<&SupplierFinding>> = BTreeMap::new();
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut not_affected = 0;
    for f in findings {
        if f.status == "affected" {
            vulns.entry(f.vulnerability.as_str()).or_default().push(f);
            *outcomes.entry(f.outcome.to_ascii_lowercase()).or_default() += 1;
        } else {
            not_affected += 1;
        }
    }
    let mut refs = vec![identity_id.clone()];
    let mut lines = Vec::new();
    for (vuln, hits) in &vulns {
        let vuln_id = id("vulnerability", &[supplier, vuln]);
        let mut vuln_obj = json!({
            "type": "vulnerability", "spec_version": "2.1", "id": vuln_id, "created": now, "modified": now,
            "name": vuln, "object_marking_refs": marking,
        });
        if vuln.starts_with("CVE-") {
            vuln_obj["external_references"] = json!([{"source_name": "cve", "external_id": vuln}]);
        }
        objects.push(vuln_obj);
        let kev = hits.iter().any(|f| f.kev);
        let mut products: Vec<&str> = hits.iter().map(|f| f.product.as_str()).collect();
        products.sort_unstable();
        products.dedup();
        let worst = hits
            .iter()
            .map(|f| f.outcome.as_str())
            .max_by_key(|o| outcome_rank(o))
            .unwrap_or("track");
        let description = format!(
            "{vuln} affects {} of {supplier} (SSVC {worst}{})",
            products.join(", "),
            if kev { ", in CISA KEV" } else { "" }
        );
        let rel_id = id("relationship", &[supplier, vuln, "related-to"]);
        objects.push(json!({
            "type": "relationship", "spec_version": "2.1", "id": rel_id, "created": now, "modified": now,
            "relationship_type": "related-to", "source_ref": identity_id, "target_ref": vuln_id,
            "description": description, "object_marking_refs": marking,
        }));
        refs.push(vuln_id);
        refs.push(rel_id);
        lines.push(format!("- {description}"));
    }
    let counts: Vec<String> = outcomes.iter().map(|(o, n)| format!("{o}: {n}")).collect();
    let content = format!(
        "Supplier risk of {supplier}: {} affected finding(s) over {} vulnerabilit(ies) ({}); {} KEV; \
         {not_affected} not affected (VEX).\n{}",
        findings.len() - not_affected,
        vulns.len(),
        if counts.is_empty() {
            "none".to_owned()
        } else {
            counts.join(", ")
        },
        vulns.values().filter(|h| h.iter().any(|f| f.kev)).count(),
        lines.join("\n")
    );
    objects.push(json!({
        "type": "note", "spec_version": "2.1", "id": id("note", &[supplier, "summary"]), "created": now,
        "modified": now, "abstract": format!("Supplier risk summary: {supplier}"), "content": content,
        "object_refs": refs, "object_marking_refs": marking,
    }));
    objects
}

fn outcome_rank(outcome: &str) -> u8 {
    match outcome.to_ascii_lowercase().as_str() {
        "act" => 4,
        "attend" => 3,
        "track*" => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_links_every_affected_vulnerability_and_marks_everything() {
        let f = |v: &str, status: &str, outcome: &str, kev| SupplierFinding {
            product: "app".into(),
            component: "pkg:npm/x@1".into(),
            vulnerability: v.into(),
            status: status.into(),
            outcome: outcome.into(),
            kev,
        };
        let objects = summary(
            "ACME",
            &[
                f("CVE-2021-44228", "affected", "act", true),
                f("CVE-2020-1", "not_affected", "track", false),
            ],
            Tlp::Amber,
            "2026-12-07T00:00:00.000Z",
        );
        let types: Vec<&str> = objects.iter().map(|o| o["type"].as_str().unwrap()).collect();
        assert_eq!(types, vec!["identity", "vulnerability", "relationship", "note"]);
        assert!(
            objects
                .iter()
                .all(|o| o["object_marking_refs"][0] == marking_id(Tlp::Amber))
        );
        let note = &objects[3];
        assert!(note["content"].as_str().unwrap().contains("1 KEV"));
        assert_eq!(note["object_refs"].as_array().unwrap().len(), 3);
        let again = summary("ACME", &[], Tlp::Amber, "2026-12-08T00:00:00.000Z");
        assert_eq!(again[0]["id"], objects[0]["id"]);
    }
}
