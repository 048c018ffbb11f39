//! SSVC decisions with the CISA Coordinator decision table (CERT/CC `cisa:DT_CO` 2.0.3), loaded from its CSV
//! (`data/ssvc/cisa_coordinator_2_0_3.csv`, embedded byte-exact; any table of the same shape can be loaded with
//! `Table::parse`). The code knows the decision points' value names only to derive them from evidence; the
//! outcome of every combination comes from the table.
//!
//! Derivations (each input keeps where it came from):
//! - Exploitation: listed in KEV → active; sightings in the hub → active; indicators or a public proof of
//!   concept → public poc; otherwise none.
//! - Automatable: CVSS AV:N, AC:L, PR:N and UI:N (v3.x; v4.0 also needs AT:N) → yes; another vector → no; no
//!   vector → no, saying so.
//! - Technical Impact: total when confidentiality, integrity and availability impacts are all high (v3.x C/I/A;
//!   v4.0 VC/VI/VA), or when the scope changes (S:C; v4.0 any subsequent-system impact SC/SI/SA high) with high
//!   confidentiality and integrity impact; partial otherwise or without a vector.
//! - Mission & Well-Being: given by the caller (from the NCF and sector criticality of the organisation or
//!   asset), with its source.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::advisory::Kev;

/// The embedded CISA Coordinator table (CERT/CC SSVC data, MIT-style licence in `data/ssvc/LICENSE`).
pub const CISA_COORDINATOR_CSV: &str = include_str!("../data/ssvc/cisa_coordinator_2_0_3.csv");

/// A decision table: decision point columns, one outcome column, one row per combination.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Column headers of the decision points (`Exploitation v1.1.0`, …), in order.
    pub decision_points: Vec<String>,
    /// Header of the outcome column (`CISA Levels v1.1.0 (cisa)`).
    pub outcome: String,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The table's own row number (`row` column).
    pub row: usize,
    /// One value per decision point, as written.
    pub values: Vec<String>,
    pub outcome: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SsvcError {
    #[error("line {line}: {message}")]
    Table { line: usize, message: String },
    #[error("no row of the table has the values {0:?}")]
    NoRow(Vec<String>),
    #[error("unknown outcome {0:?}")]
    UnknownOutcome(String),
}

/// Splits one CSV line (RFC 4180 quoting; the tables quote headers that contain commas).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

impl Table {
    /// Reads a CERT/CC SSVC CSV table: `row`, one column per decision point, the outcome last.
    pub fn parse(text: &str) -> Result<Table, SsvcError> {
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let (_, header) = lines.next().ok_or(SsvcError::Table {
            line: 1,
            message: "empty table".into(),
        })?;
        let header = csv_fields(header.trim_end_matches('\r'));
        if header.len() < 3 || header[0] != "row" {
            return Err(SsvcError::Table {
                line: 1,
                message: "the header must be row, decision points…, outcome".into(),
            });
        }
        let n = header.len();
        let mut rows = Vec::new();
        for (i, line) in lines {
            let fields = csv_fields(line.trim_end_matches('\r'));
            if fields.len() != n {
                return Err(SsvcError::Table {
                    line: i + 1,
                    message: format!("{} fields, the header has {n}", fields.len()),
                });
            }
            let row = fields[0].trim().parse().map_err(|_| SsvcError::Table {
                line: i + 1,
                message: "the row number is not a number".into(),
            })?;
            rows.push(Row {
                row,
                values: fields[1..n - 1].to_vec(),
                outcome: fields[n - 1].clone(),
            });
        }
        Ok(Table {
            decision_points: header[1..n - 1].to_vec(),
            outcome: header[n - 1].clone(),
            rows,
        })
    }

    /// The embedded CISA Coordinator table.
    pub fn cisa_coordinator() -> &'static Table {
        static TABLE: OnceLock<Table> = OnceLock::new();
        // The embedded file is part of the source tree and checked by the tests, so failing here is a build defect.
        #[allow(clippy::expect_used)]
        TABLE.get_or_init(|| Table::parse(CISA_COORDINATOR_CSV).expect("the embedded SSVC table parses"))
    }

    /// The row with exactly these values (case-insensitive).
    pub fn lookup(&self, values: &[&str]) -> Option<&Row> {
        self.rows.iter().find(|r| {
            r.values.len() == values.len()
                && r.values
                    .iter()
                    .zip(values)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exploitation {
    None,
    PublicPoc,
    Active,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Automatable {
    No,
    Yes,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TechnicalImpact {
    Partial,
    Total,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissionImpact {
    Low,
    Medium,
    High,
}

impl Exploitation {
    /// The value as the table writes it.
    pub fn table_value(self) -> &'static str {
        match self {
            Exploitation::None => "none",
            Exploitation::PublicPoc => "public poc",
            Exploitation::Active => "active",
        }
    }
}

impl Automatable {
    pub fn table_value(self) -> &'static str {
        match self {
            Automatable::No => "no",
            Automatable::Yes => "yes",
        }
    }
}

impl TechnicalImpact {
    pub fn table_value(self) -> &'static str {
        match self {
            TechnicalImpact::Partial => "partial",
            TechnicalImpact::Total => "total",
        }
    }
}

impl MissionImpact {
    pub fn table_value(self) -> &'static str {
        match self {
            MissionImpact::Low => "low",
            MissionImpact::Medium => "medium",
            MissionImpact::High => "high",
        }
    }
}

/// A decision-point value and where it came from (shown beside every decision).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sourced<T> {
    pub value: T,
    pub source: String,
}

impl<T> Sourced<T> {
    pub fn new(value: T, source: impl Into<String>) -> Sourced<T> {
        Sourced {
            value,
            source: source.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    pub exploitation: Sourced<Exploitation>,
    pub automatable: Sourced<Automatable>,
    pub technical_impact: Sourced<TechnicalImpact>,
    pub mission: Sourced<MissionImpact>,
}

/// The CISA levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Outcome {
    #[serde(rename = "track")]
    Track,
    #[serde(rename = "track*")]
    TrackStar,
    #[serde(rename = "attend")]
    Attend,
    #[serde(rename = "act")]
    Act,
}

impl Outcome {
    pub fn parse(s: &str) -> Option<Outcome> {
        match s.trim().to_ascii_lowercase().as_str() {
            "track" => Some(Outcome::Track),
            "track*" => Some(Outcome::TrackStar),
            "attend" => Some(Outcome::Attend),
            "act" => Some(Outcome::Act),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Track => "track",
            Outcome::TrackStar => "track*",
            Outcome::Attend => "attend",
            Outcome::Act => "act",
        }
    }
}

/// A decision with the table row that gave it and the sourced inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub row: Row,
    pub inputs: Inputs,
}

/// Decides with the embedded CISA Coordinator table.
pub fn decide(inputs: Inputs) -> Result<Decision, SsvcError> {
    decide_with(Table::cisa_coordinator(), inputs)
}

/// Decides with a table whose decision points are Exploitation, Automatable, Technical Impact and Mission &
/// Well-Being, in that order.
pub fn decide_with(table: &Table, inputs: Inputs) -> Result<Decision, SsvcError> {
    let values = [
        inputs.exploitation.value.table_value(),
        inputs.automatable.value.table_value(),
        inputs.technical_impact.value.table_value(),
        inputs.mission.value.table_value(),
    ];
    let row = table
        .lookup(&values)
        .ok_or_else(|| SsvcError::NoRow(values.iter().map(|v| (*v).to_owned()).collect()))?
        .clone();
    let outcome =
        Outcome::parse(&row.outcome).ok_or_else(|| SsvcError::UnknownOutcome(row.outcome.clone()))?;
    Ok(Decision { outcome, row, inputs })
}

/// What the hub knows about exploitation besides KEV.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExploitEvidence {
    /// Sightings of exploitation recorded in the hub.
    pub sightings: usize,
    /// Indicators in the hub tied to the vulnerability.
    pub indicators: usize,
    /// A public proof of concept is known (e.g. an exploit reference).
    pub public_poc: bool,
}

pub fn derive_exploitation(kev: Option<&Kev>, evidence: &ExploitEvidence) -> Sourced<Exploitation> {
    if let Some(k) = kev {
        return Sourced::new(
            Exploitation::Active,
            format!(
                "CISA KEV catalogue {}: {} added {}",
                k.catalog_version, k.cve, k.date_added
            ),
        );
    }
    if evidence.sightings > 0 {
        return Sourced::new(
            Exploitation::Active,
            format!("{} sighting(s) of exploitation in the hub", evidence.sightings),
        );
    }
    if evidence.indicators > 0 {
        return Sourced::new(
            Exploitation::PublicPoc,
            format!("{} indicator(s) in the hub", evidence.indicators),
        );
    }
    if evidence.public_poc {
        return Sourced::new(Exploitation::PublicPoc, "public proof of concept known");
    }
    Sourced::new(
        Exploitation::None,
        "not in KEV; no sightings, indicators or public proof of concept in the hub",
    )
}

/// Mission & Well-Being from what the affected asset supports: each contribution (an NCF or sector tag of the
/// organisation or asset, rated by the caller) with its source; the highest wins and keeps its source (ties:
/// the first). No contribution → low, saying so.
pub fn derive_mission(contributions: &[Sourced<MissionImpact>]) -> Sourced<MissionImpact> {
    let mut best: Option<&Sourced<MissionImpact>> = None;
    for c in contributions {
        if best.is_none_or(|b| c.value > b.value) {
            best = Some(c);
        }
    }
    best.cloned().unwrap_or_else(|| {
        Sourced::new(
            MissionImpact::Low,
            "no National Critical Function or sector tag: low by default",
        )
    })
}

/// The decision for one finding: Exploitation from its KEV entry and the hub's evidence, Automatable and
/// Technical Impact from its CVSS vector, Mission & Well-Being from the caller (`derive_mission`).
pub fn decide_finding(
    finding: &crate::Finding,
    evidence: &ExploitEvidence,
    mission: Sourced<MissionImpact>,
) -> Result<Decision, SsvcError> {
    let vector = finding.cvss.as_deref();
    decide(Inputs {
        exploitation: derive_exploitation(finding.kev.as_ref(), evidence),
        automatable: derive_automatable(vector),
        technical_impact: derive_technical_impact(vector),
        mission,
    })
}

/// The metrics of a CVSS vector (`CVSS:3.1/AV:N/…`, `CVSS:4.0/…`, or a bare v2/v3 list).
fn metrics(vector: &str) -> Vec<(&str, &str)> {
    vector
        .split('/')
        .filter_map(|m| m.split_once(':'))
        .filter(|(k, _)| *k != "CVSS")
        .collect()
}

pub fn derive_automatable(cvss: Option<&str>) -> Sourced<Automatable> {
    let Some(vector) = cvss else {
        return Sourced::new(Automatable::No, "no CVSS vector: not shown to be automatable");
    };
    let m = metrics(vector);
    let is = |k: &str, v: &str| m.iter().any(|(a, b)| *a == k && *b == v);
    let v4 = vector.starts_with("CVSS:4");
    let yes = is("AV", "N") && is("AC", "L") && is("PR", "N") && is("UI", "N") && (!v4 || is("AT", "N"));
    let value = if yes { Automatable::Yes } else { Automatable::No };
    let why = if yes {
        "network, low complexity, no privileges, no user interaction"
    } else {
        "needs more than a network request"
    };
    Sourced::new(value, format!("CVSS {vector}: {why}"))
}

pub fn derive_technical_impact(cvss: Option<&str>) -> Sourced<TechnicalImpact> {
    let Some(vector) = cvss else {
        return Sourced::new(
            TechnicalImpact::Partial,
            "no CVSS vector: total control not shown",
        );
    };
    let m = metrics(vector);
    let high = |k: &str| m.iter().any(|(a, b)| *a == k && *b == "H");
    let total = if vector.starts_with("CVSS:4") {
        (high("VC") && high("VI") && high("VA"))
            || ((high("SC") || high("SI") || high("SA")) && high("VC") && high("VI"))
    } else {
        let changed = m.iter().any(|(a, b)| *a == "S" && *b == "C");
        (high("C") && high("I") && high("A")) || (changed && high("C") && high("I"))
    };
    let value = if total {
        TechnicalImpact::Total
    } else {
        TechnicalImpact::Partial
    };
    let why = if total {
        "high confidentiality, integrity and availability impact"
    } else {
        "impact below total control"
    };
    Sourced::new(value, format!("CVSS {vector}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_has_every_combination_once() {
        let t = Table::cisa_coordinator();
        assert_eq!(t.rows.len(), 36);
        assert_eq!(t.decision_points.len(), 4);
        for e in ["none", "public poc", "active"] {
            for a in ["no", "yes"] {
                for ti in ["partial", "total"] {
                    for m in ["low", "medium", "high"] {
                        assert!(t.lookup(&[e, a, ti, m]).is_some(), "{e} {a} {ti} {m}");
                    }
                }
            }
        }
    }

    #[test]
    fn log4shell_in_kev_on_a_high_mission_is_act() {
        let kev = Kev {
            cve: "CVE-2021-44228".into(),
            vendor: "Apache".into(),
            product: "Log4j2".into(),
            name: String::new(),
            date_added: "2021-12-10".into(),
            due_date: "2021-12-24".into(),
            known_ransomware: true,
            required_action: String::new(),
            catalog_version: "2025.08.25".into(),
        };
        let vector = Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
        let d = decide(Inputs {
            exploitation: derive_exploitation(Some(&kev), &ExploitEvidence::default()),
            automatable: derive_automatable(vector),
            technical_impact: derive_technical_impact(vector),
            mission: Sourced::new(MissionImpact::High, "NCF Supply Water"),
        })
        .unwrap();
        assert_eq!(d.outcome, Outcome::Act);
        assert_eq!(d.row.row, 35);
        assert!(d.inputs.exploitation.source.contains("KEV"));
        let none = decide(Inputs {
            exploitation: derive_exploitation(None, &ExploitEvidence::default()),
            automatable: derive_automatable(None),
            technical_impact: derive_technical_impact(None),
            mission: Sourced::new(MissionImpact::Low, "default"),
        })
        .unwrap();
        assert_eq!((none.outcome, none.row.row), (Outcome::Track, 0));
    }

    #[test]
    fn mission_takes_the_highest_contribution_and_its_source() {
        let m = derive_mission(&[
            Sourced::new(MissionImpact::Medium, "sector Water and Wastewater"),
            Sourced::new(MissionImpact::High, "NCF Supply Water"),
            Sourced::new(MissionImpact::High, "NCF Manage Wastewater"),
        ]);
        assert_eq!(
            (m.value, m.source.as_str()),
            (MissionImpact::High, "NCF Supply Water")
        );
        assert_eq!(derive_mission(&[]).value, MissionImpact::Low);
    }

    #[test]
    fn vectors_give_automatable_and_technical_impact() {
        let cases = [
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                Automatable::Yes,
                TechnicalImpact::Total,
            ),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
                Automatable::No,
                TechnicalImpact::Total,
            ),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:N",
                Automatable::Yes,
                TechnicalImpact::Total,
            ),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N",
                Automatable::Yes,
                TechnicalImpact::Partial,
            ),
            (
                "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
                Automatable::No,
                TechnicalImpact::Total,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                Automatable::Yes,
                TechnicalImpact::Total,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N",
                Automatable::No,
                TechnicalImpact::Partial,
            ),
            (
                "AV:N/AC:L/Au:N/C:P/I:P/A:P",
                Automatable::No,
                TechnicalImpact::Partial,
            ),
        ];
        for (v, a, t) in cases {
            assert_eq!(derive_automatable(Some(v)).value, a, "{v}");
            assert_eq!(derive_technical_impact(Some(v)).value, t, "{v}");
            assert!(derive_automatable(Some(v)).source.contains(v));
        }
    }
}
