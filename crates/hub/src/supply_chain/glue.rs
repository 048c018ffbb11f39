//! The one place the hub calls the `supply` crate (SBOM and advisory parsing, matching, the SSVC table),
//! turning its answers into the records this feature stores (`StoredEvaluation`) and the decisions it shows.
//!
//! Why a copy of the findings in our own shape: evaluations are stored, and the stored form must stay
//! readable when the crate's types grow; the interface's statuses are `affected` / `not_affected` (a VEX
//! `fixed` is not affected, `under_investigation` stays affected with its detail as the action).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use supply::ssvc::{Automatable, Exploitation, Inputs, MissionImpact, Sourced, TechnicalImpact};
use supply::{FindingStatus, KnowledgeBase};

/// What one SBOM document is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SbomInfo {
    /// `cyclonedx-1.5`, `spdx-SPDX-2.3`, …
    pub(crate) format: String,
    /// The document's own name, when it has one.
    pub(crate) name: Option<String>,
    /// How many components.
    pub(crate) components: usize,
    /// Parser diagnostics.
    pub(crate) diagnostics: Vec<String>,
}

/// What one knowledge document is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KnowledgeInfo {
    /// `osv`, `csaf`, `cyclonedx-vex`, `kev`.
    pub(crate) kind: String,
    /// Records it holds.
    pub(crate) records: usize,
}

/// One finding as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredFinding {
    pub(crate) component: String,
    pub(crate) vulnerability: String,
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
    #[serde(default)]
    pub(crate) advisories: Vec<String>,
    /// `affected` or `not_affected`.
    pub(crate) status: String,
    pub(crate) action: Option<String>,
    pub(crate) justification: Option<String>,
    pub(crate) kev: bool,
    pub(crate) kev_due: Option<String>,
    pub(crate) cvss: Option<String>,
}

/// A component not evaluated, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct NotEvaluated {
    pub(crate) component: String,
    pub(crate) reason: String,
}

/// The findings of one SBOM against the knowledge of one generation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredEvaluation {
    pub(crate) findings: Vec<StoredFinding>,
    pub(crate) not_evaluated: Vec<NotEvaluated>,
    pub(crate) generation: i64,
    pub(crate) evaluated_micros: i64,
}

/// The knowledge base built from every stored knowledge document.
#[derive(Default)]
pub(crate) struct Knowledge {
    base: KnowledgeBase,
}

impl std::fmt::Debug for Knowledge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Knowledge({} advisories)", self.base.advisory_count())
    }
}

/// Reads an SBOM (CycloneDX or SPDX JSON).
pub(crate) fn sbom_info(bytes: &[u8]) -> Result<SbomInfo, String> {
    let sbom = supply::sbom::parse(bytes).map_err(|err| err.to_string())?;
    let format = match sbom.format {
        supply::sbom::Format::CycloneDx => format!("cyclonedx-{}", sbom.spec_version),
        supply::sbom::Format::Spdx => sbom.spec_version.to_ascii_lowercase(),
    };
    Ok(SbomInfo {
        format,
        name: sbom.name,
        components: sbom.components.len(),
        diagnostics: sbom
            .diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect(),
    })
}

/// Reads a knowledge document (OSV, CSAF, CycloneDX VEX, KEV).
pub(crate) fn knowledge_info(bytes: &[u8]) -> Result<KnowledgeInfo, String> {
    let knowledge = supply::advisory::parse(bytes).map_err(|err| err.to_string())?;
    if knowledge.is_empty() {
        return Err("the document holds no advisory, VEX statement or KEV entry".to_owned());
    }
    let head: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    let kind = if knowledge.iter().all(|k| matches!(k, supply::Knowledge::Kev(_))) {
        "kev"
    } else if head.get("document").is_some() {
        "csaf"
    } else if head.get("bomFormat").is_some() {
        "cyclonedx-vex"
    } else {
        "osv"
    };
    Ok(KnowledgeInfo {
        kind: kind.to_owned(),
        records: knowledge.len(),
    })
}

/// A reason as people read it: `unknown_ecosystem (purl_type: x)`.
fn reason_text(reason: &supply::Reason) -> String {
    let value = serde_json::to_value(reason).unwrap_or(Value::Null);
    let name = value["reason"].as_str().unwrap_or("unknown").to_owned();
    let details: Vec<String> = value
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "reason")
        .map(|(k, v)| format!("{k}: {}", v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
        .collect();
    if details.is_empty() {
        name
    } else {
        format!("{name} ({})", details.join(", "))
    }
}

impl Knowledge {
    /// Builds the base from documents (unreadable ones are skipped: they were checked at import).
    pub(crate) fn build<'a>(docs: impl IntoIterator<Item = &'a [u8]>) -> Knowledge {
        let mut base = KnowledgeBase::new();
        for doc in docs {
            if let Ok(knowledge) = supply::advisory::parse(doc) {
                base.extend(knowledge);
            }
        }
        Knowledge { base }
    }

    /// Evaluates one SBOM.
    pub(crate) fn evaluate(
        &self,
        sbom: &[u8],
        generation: i64,
        now: i64,
    ) -> Result<StoredEvaluation, String> {
        let sbom = supply::sbom::parse(sbom).map_err(|err| err.to_string())?;
        let evaluation = self.base.evaluate(&sbom);
        let findings = evaluation
            .findings
            .into_iter()
            .map(|f| {
                let (status, action, justification) = match f.status {
                    FindingStatus::Affected { action } => ("affected", action, None),
                    FindingStatus::NotAffected {
                        justification,
                        detail,
                    } => {
                        let text = [justification, detail]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(": ");
                        ("not_affected", None, Some(text).filter(|t| !t.is_empty()))
                    }
                    FindingStatus::Fixed { detail } => (
                        "not_affected",
                        None,
                        Some(detail.map_or_else(|| "fixed".to_owned(), |d| format!("fixed: {d}"))),
                    ),
                    FindingStatus::UnderInvestigation { detail } => (
                        "affected",
                        Some(detail.map_or_else(
                            || "under investigation".to_owned(),
                            |d| format!("under investigation: {d}"),
                        )),
                        None,
                    ),
                };
                StoredFinding {
                    component: f.component,
                    vulnerability: f.vulnerability,
                    aliases: f.aliases,
                    advisories: f.advisories,
                    status: status.to_owned(),
                    action,
                    justification,
                    kev: f.kev.is_some(),
                    kev_due: f.kev.map(|k| k.due_date),
                    cvss: f.cvss,
                }
            })
            .collect();
        let not_evaluated = evaluation
            .not_evaluated
            .iter()
            .map(|n| NotEvaluated {
                component: n.component.clone(),
                reason: reason_text(&n.reason),
            })
            .collect();
        Ok(StoredEvaluation {
            findings,
            not_evaluated,
            generation,
            evaluated_micros: now,
        })
    }
}

/// The inputs of one SSVC decision, each with its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsvcInputs {
    pub(crate) exploitation: (String, String),
    pub(crate) automatable: (String, String),
    pub(crate) technical_impact: (String, String),
    pub(crate) mission: (String, String),
}

/// The CISA coordinator table's answer: (outcome, row).
pub(crate) fn ssvc_decide(inputs: &SsvcInputs) -> Option<(String, usize)> {
    let exploitation = match inputs.exploitation.0.as_str() {
        "active" => Exploitation::Active,
        "public poc" => Exploitation::PublicPoc,
        _ => Exploitation::None,
    };
    let automatable = if inputs.automatable.0 == "yes" {
        Automatable::Yes
    } else {
        Automatable::No
    };
    let technical_impact = if inputs.technical_impact.0 == "total" {
        TechnicalImpact::Total
    } else {
        TechnicalImpact::Partial
    };
    let mission = match inputs.mission.0.as_str() {
        "high" => MissionImpact::High,
        "medium" => MissionImpact::Medium,
        _ => MissionImpact::Low,
    };
    let decision = supply::ssvc::decide(Inputs {
        exploitation: Sourced::new(exploitation, inputs.exploitation.1.clone()),
        automatable: Sourced::new(automatable, inputs.automatable.1.clone()),
        technical_impact: Sourced::new(technical_impact, inputs.technical_impact.1.clone()),
        mission: Sourced::new(mission, inputs.mission.1.clone()),
    })
    .ok()?;
    Some((decision.outcome.as_str().to_owned(), decision.row.row))
}

/// Automatable and Technical Impact from a CVSS vector: ((value, source), (value, source)).
pub(crate) fn from_cvss(vector: Option<&str>) -> ((String, String), (String, String)) {
    let a = supply::ssvc::derive_automatable(vector);
    let t = supply::ssvc::derive_technical_impact(vector);
    (
        (a.value.table_value().to_owned(), a.source),
        (t.value.table_value().to_owned(), t.source),
    )
}
