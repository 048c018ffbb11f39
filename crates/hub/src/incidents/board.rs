//! The board: the cases a caller may see, and KPIs (median time to acknowledge, triage, resolve and share) per
//! jurisdiction and severity, computed from the same bounded list (`Hub::incidents`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::CaseQuery;
use crate::{Caller, Hub, HubResult};

/// KPIs of one (jurisdiction, severity).
#[derive(Debug, Clone, PartialEq)]
pub struct BoardKpi {
    /// The jurisdiction.
    pub jurisdiction: String,
    /// The severity.
    pub severity: String,
    /// How many cases.
    pub n_cases: usize,
    /// How many breached at least one timer.
    pub n_breached: usize,
    /// Median ms to acknowledge, triage, resolve, share (`None`: no case got there).
    pub median_ms: [Option<i64>; 4],
}

impl BoardKpi {
    /// As JSON.
    pub fn to_json(&self) -> Value {
        json!({"jurisdiction": self.jurisdiction, "severity": self.severity, "cases": self.n_cases,
               "breached": self.n_breached,
               "median_ms": {"acknowledge": self.median_ms[0], "triage": self.median_ms[1],
                             "resolve": self.median_ms[2], "share": self.median_ms[3]}})
    }
}

/// The board of one caller.
#[derive(Debug, Clone)]
pub struct IncidentBoard {
    /// Case summaries, newest first.
    pub cases: Vec<Value>,
    /// KPIs by jurisdiction then severity.
    pub kpis: Vec<BoardKpi>,
}

/// Per (jurisdiction, severity): cases, breached cases, and the times of each stage.
type Groups = BTreeMap<(String, String), (usize, usize, [Vec<i64>; 4])>;

const STAGES: [&str; 4] = ["acknowledge", "triage", "resolve", "share"];

fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(values[values.len() / 2])
}

impl Hub {
    /// The caller's board (exercise cases included only when `exercise` says so; `None`: all).
    pub async fn incident_board(&self, caller: &Caller, exercise: Option<bool>) -> HubResult<IncidentBoard> {
        let cases = self
            .incidents(
                caller,
                &CaseQuery {
                    status: None,
                    exercise,
                    limit: Some(super::MAX_LIST),
                },
            )
            .await?;
        let mut groups = Groups::new();
        for case in &cases {
            let key = (
                case["jurisdiction"].as_str().unwrap_or_default().to_owned(),
                case["severity"].as_str().unwrap_or_default().to_owned(),
            );
            let group = groups.entry(key).or_default();
            group.0 += 1;
            if case["breached"].as_array().is_some_and(|b| !b.is_empty()) {
                group.1 += 1;
            }
            for (i, stage) in STAGES.iter().enumerate() {
                if let Some(ms) = case["kpi_ms"][stage].as_i64() {
                    group.2[i].push(ms);
                }
            }
        }
        let kpis = groups
            .into_iter()
            .map(
                |((jurisdiction, severity), (n_cases, n_breached, mut times))| BoardKpi {
                    jurisdiction,
                    severity,
                    n_cases,
                    n_breached,
                    median_ms: [
                        median(&mut times[0]),
                        median(&mut times[1]),
                        median(&mut times[2]),
                        median(&mut times[3]),
                    ],
                },
            )
            .collect();
        Ok(IncidentBoard { cases, kpis })
    }
}
