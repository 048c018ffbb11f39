//! Findings as shown, each with its SSVC decision (the CISA coordinator table) and where every input came
//! from: Exploitation from the KEV catalogue and the sightings and indicators about the CVE the reader is
//! served (`intel`); Automatable and Technical Impact from the advisory's CVSS vector; Mission and Well-Being
//! from the sector and NCF tags of the organisation and the SBOM's product (`risk::mission`).
//!
//! Decisions are made when findings are read, so a new sighting or tag changes them at once, and each reader
//! gets the decision its own view of the hub supports.

use serde::Serialize;
use serde_json::{Value, json};

use super::glue::{NotEvaluated, SsvcInputs, StoredFinding, from_cvss, ssvc_decide};
use super::intel::{CveEvidence, CveIntel};
use super::tags::AllTags;
use crate::{Caller, Hub, HubResult};

/// One input of a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionInput {
    /// The decision point (`exploitation`, `automatable`, `technical_impact`, `mission_wellbeing`).
    pub point: String,
    /// Its value.
    pub value: String,
    /// Where it came from.
    pub source: String,
    /// Objects behind it (UI paths).
    pub links: Vec<String>,
}

/// An SSVC decision with its row and sourced inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionView {
    /// `track`, `track*`, `attend`, `act`.
    pub outcome: String,
    /// The row of the CISA coordinator table (0-based, as the table numbers them).
    pub row: usize,
    /// The table.
    pub table: &'static str,
    /// The inputs.
    pub inputs: Vec<DecisionInput>,
}

/// One finding as shown.
#[derive(Debug, Clone)]
pub struct FindingView {
    /// The organisation.
    pub org: String,
    /// The SBOM id.
    pub sbom: String,
    /// Its index in the SBOM's findings.
    pub index: usize,
    /// The SBOM's product.
    pub product: Option<String>,
    /// Component (PURL or CPE).
    pub component: String,
    /// CVE or advisory id.
    pub vulnerability: String,
    /// Other ids.
    pub aliases: Vec<String>,
    /// Advisories that said so.
    pub advisories: Vec<String>,
    /// `affected` / `not_affected`.
    pub status: String,
    /// VEX action statement (affected).
    pub action: Option<String>,
    /// VEX justification (not affected).
    pub justification: Option<String>,
    /// In KEV.
    pub kev: bool,
    /// KEV due date.
    pub kev_due: Option<String>,
    /// CVSS vector.
    pub cvss: Option<String>,
    /// The decision (`None` when the table gave none).
    pub ssvc: Option<DecisionView>,
    /// STIX objects about its CVEs the reader is served.
    pub evidence: Option<CveEvidence>,
}

impl FindingView {
    /// The UI path that shows this finding to a register reader through `function`.
    pub fn link(&self, function: &str) -> String {
        format!(
            "/ui/risk/register/{function}/findings/{}/{}/{}",
            self.org, self.sbom, self.index
        )
    }

    /// The JSON form (REST, CLI `--json`).
    pub fn to_json(&self) -> Value {
        let refs = |set: Option<&std::collections::BTreeSet<super::intel::IntelRef>>| -> Vec<Value> {
            set.into_iter()
                .flatten()
                .map(|r| json!({"id": r.id, "api_root": r.api_root, "collection": r.collection, "link": r.link()}))
                .collect()
        };
        let e = self.evidence.as_ref();
        json!({
            "org": self.org, "sbom": self.sbom, "index": self.index, "product": self.product,
            "component": self.component, "vulnerability": self.vulnerability, "aliases": self.aliases,
            "advisories": self.advisories, "status": self.status, "action": self.action,
            "justification": self.justification, "kev": self.kev, "kev_due": self.kev_due, "cvss": self.cvss,
            "ssvc": self.ssvc,
            "stix": {
                "vulnerabilities": refs(e.map(|e| &e.vulnerabilities)),
                "indicators": refs(e.map(|e| &e.indicators)),
                "sightings": refs(e.map(|e| &e.sightings)),
            },
        })
    }

    /// The CVE ids of this finding.
    fn cves(&self) -> Vec<String> {
        std::iter::once(&self.vulnerability)
            .chain(&self.aliases)
            .flat_map(|id| super::intel::cves_in(id))
            .collect()
    }
}

fn merged(intel: &CveIntel, cves: &[String]) -> Option<CveEvidence> {
    let mut out = CveEvidence::default();
    for cve in cves {
        if let Some(e) = intel.get(cve) {
            out.vulnerabilities.extend(e.vulnerabilities.iter().cloned());
            out.indicators.extend(e.indicators.iter().cloned());
            out.sightings.extend(e.sightings.iter().cloned());
        }
    }
    (out != CveEvidence::default()).then_some(out)
}

fn input(point: &str, (value, source): (String, String), links: Vec<String>) -> DecisionInput {
    DecisionInput {
        point: point.to_owned(),
        value,
        source,
        links,
    }
}

/// Decides one finding.
fn decide(finding: &FindingView, mission: (String, String)) -> Option<DecisionView> {
    let e = finding.evidence.as_ref();
    let sightings: Vec<String> = e
        .iter()
        .flat_map(|e| e.sightings.iter().map(|r| r.link()))
        .collect();
    let indicators: Vec<String> = e
        .iter()
        .flat_map(|e| e.indicators.iter().map(|r| r.link()))
        .collect();
    let (exploitation, links) = if finding.kev {
        let due = finding
            .kev_due
            .as_deref()
            .map(|d| format!(", due {d}"))
            .unwrap_or_default();
        (
            (
                "active".to_owned(),
                format!("CISA KEV catalogue lists {}{due}", finding.vulnerability),
            ),
            Vec::new(),
        )
    } else if !sightings.is_empty() {
        (
            (
                "active".to_owned(),
                format!("{} sighting(s) in the hub of objects about it", sightings.len()),
            ),
            sightings,
        )
    } else if !indicators.is_empty() {
        (
            (
                "public poc".to_owned(),
                format!("{} indicator(s) in the hub mention it", indicators.len()),
            ),
            indicators,
        )
    } else {
        (
            (
                "none".to_owned(),
                "not in KEV; no sighting or indicator in the hub mentions it".to_owned(),
            ),
            Vec::new(),
        )
    };
    let (automatable, technical_impact) = from_cvss(finding.cvss.as_deref());
    let inputs = SsvcInputs {
        exploitation: exploitation.clone(),
        automatable: automatable.clone(),
        technical_impact: technical_impact.clone(),
        mission: mission.clone(),
    };
    let (outcome, row) = ssvc_decide(&inputs)?;
    Some(DecisionView {
        outcome,
        row,
        table: "CISA coordinator 2.0.3",
        inputs: vec![
            input("exploitation", exploitation, links),
            input("automatable", automatable, Vec::new()),
            input("technical_impact", technical_impact, Vec::new()),
            input("mission_wellbeing", mission, Vec::new()),
        ],
    })
}

impl Hub {
    /// Every finding of `org`'s SBOMs, decided against `intel` and `tags`.
    pub(crate) async fn decided_findings(
        &self,
        org: &str,
        tags: &AllTags,
        intel: &CveIntel,
    ) -> HubResult<Vec<FindingView>> {
        Ok(self.decided(org, tags, intel).await?.0)
    }

    async fn decided(
        &self,
        org: &str,
        tags: &AllTags,
        intel: &CveIntel,
    ) -> HubResult<(Vec<FindingView>, Vec<(String, NotEvaluated)>)> {
        let org_tags = tags.of(org);
        let mut findings = Vec::new();
        let mut not_evaluated = Vec::new();
        for (sbom, evaluation) in self.evaluations(org).await? {
            let empty = risk::Tags::default();
            let product_tags = sbom
                .product
                .as_deref()
                .and_then(|p| org_tags.products.get(p))
                .unwrap_or(&empty);
            let mission = risk::mission::derive(org, &org_tags.tags, sbom.product.as_deref(), product_tags);
            for (index, f) in evaluation.findings.into_iter().enumerate() {
                let StoredFinding {
                    component,
                    vulnerability,
                    aliases,
                    advisories,
                    status,
                    action,
                    justification,
                    kev,
                    kev_due,
                    cvss,
                } = f;
                let mut view = FindingView {
                    org: org.to_owned(),
                    sbom: sbom.id.clone(),
                    index,
                    product: sbom.product.clone(),
                    component,
                    vulnerability,
                    aliases,
                    advisories,
                    status,
                    action,
                    justification,
                    kev,
                    kev_due,
                    cvss,
                    ssvc: None,
                    evidence: None,
                };
                view.evidence = merged(intel, &view.cves());
                view.ssvc = decide(&view, (mission.value.as_str().to_owned(), mission.source.clone()));
                findings.push(view);
            }
            not_evaluated.extend(evaluation.not_evaluated.into_iter().map(|n| (sbom.id.clone(), n)));
        }
        Ok((findings, not_evaluated))
    }

    /// The findings of `org` (the caller's own when `None`), of one SBOM or all, with their decisions as the
    /// caller's view of the hub supports them, and the components not evaluated with why: (sbom, component,
    /// reason).
    pub async fn findings(
        &self,
        caller: &Caller,
        org: Option<&str>,
        sbom: Option<&str>,
    ) -> HubResult<(Vec<FindingView>, Vec<(String, String, String)>)> {
        let org = self.org_scope(caller, org)?;
        if let Some(id) = sbom {
            let summary = self.sbom(caller, id).await?;
            if summary.org != org {
                return Err(crate::HubError::NotFound);
            }
        }
        let tags = self.all_tags().await?;
        let intel = self.cve_intel(caller).await?;
        let (mut findings, mut missing) = self.decided(&org, &tags, &intel).await?;
        if let Some(id) = sbom {
            findings.retain(|f| f.sbom == id);
            missing.retain(|(s, _)| s == id);
        }
        self.audit_read(
            caller,
            0,
            json!({"read": "sbom.findings", "org": org, "findings": findings.len()}),
        )
        .await?;
        Ok((
            findings,
            missing
                .into_iter()
                .map(|(s, n)| (s, n.component, n.reason))
                .collect(),
        ))
    }

    /// One finding of a register contributor: shown when the caller sees `org` in its register.
    pub async fn register_finding(
        &self,
        caller: &Caller,
        org: &str,
        sbom: &str,
        index: usize,
    ) -> HubResult<FindingView> {
        let candidates = std::iter::once(org.to_owned()).collect();
        if !self.visible_orgs(caller, &candidates).await?.contains(org) {
            return Err(crate::HubError::NotFound);
        }
        let tags = self.all_tags().await?;
        let intel = self.cve_intel(caller).await?;
        self.decided_findings(org, &tags, &intel)
            .await?
            .into_iter()
            .find(|f| f.sbom == sbom && f.index == index)
            .ok_or(crate::HubError::NotFound)
    }
}
