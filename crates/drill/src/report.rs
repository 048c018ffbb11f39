//! The after-action report's model: each inject's stages with their instants (µs since the epoch), the
//! deadlines that applied, and per-jurisdiction summaries computed from them. `drill run` fills the stages as
//! the hub answers and events arrive; `render` and `html` write it out.
//!
//! Stages, in order: `submitted` (the hub created the case, or the drill sent the TAXII POST), `reviewed` (redaction/review
//! done: the TAXII status says success, or the case exists), `alerted` (a responder received the
//! `incident-alert` event), `acknowledged`, `triaged` (in progress), `published` (the cleaned bundle or the
//! indicator is stored and released), `delivered` (per subscriber: its event stream carried it), `resolved`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::scenario::{Deadlines, Inject, Scenario};

/// When each stage of one inject happened (µs since the epoch); `None`: it did not (yet).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stages {
    /// The hub accepted it.
    pub submitted: Option<i64>,
    /// Redaction or review done.
    pub reviewed: Option<i64>,
    /// A responder was alerted.
    pub alerted: Option<i64>,
    /// Acknowledged.
    pub acknowledged: Option<i64>,
    /// In progress.
    pub triaged: Option<i64>,
    /// Published (shared, or the indicator stored).
    pub published: Option<i64>,
    /// Resolved or false alarm.
    pub resolved: Option<i64>,
}

/// One inject as the drill saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InjectRecord {
    /// The inject's id in the scenario.
    pub id: String,
    /// `report` or `indicator`.
    pub kind: String,
    /// The submitting organisation.
    pub jurisdiction: String,
    /// The submitting account.
    pub from: String,
    /// Planned offset from the start (ms, after `speed`).
    pub planned_ms: u64,
    /// The case id (reports).
    pub case_id: Option<String>,
    /// STIX ids published (the indicator, or the shared bundle's objects).
    pub object_ids: Vec<String>,
    /// TAXII status ids of the POSTs.
    pub status_ids: Vec<String>,
    /// The stages.
    pub stages: Stages,
    /// What review/redaction said (e.g. `success`, `pending review`).
    pub review_note: Option<String>,
    /// The responder account that acted.
    pub responder: Option<String>,
    /// Subscribers expected to receive it.
    pub expected_recipients: Vec<String>,
    /// When each subscriber's stream carried it.
    pub deliveries: BTreeMap<String, i64>,
    /// Deadlines from the scenario's expectations.
    pub deadlines: Deadlines,
    /// What went wrong.
    pub errors: Vec<String>,
}

impl InjectRecord {
    /// A fresh record for an inject played at `speed` (its deadlines are scaled like the timeline).
    pub fn new(scenario: &Scenario, inject: &Inject, planned_ms: u64, speed: f64) -> InjectRecord {
        InjectRecord {
            id: inject.id.clone(),
            kind: inject.kind().to_owned(),
            jurisdiction: inject.org.clone(),
            from: inject.from.clone(),
            planned_ms,
            case_id: None,
            object_ids: Vec::new(),
            status_ids: Vec::new(),
            stages: Stages::default(),
            review_note: None,
            responder: None,
            expected_recipients: crate::audience::expected_recipients(scenario, inject),
            deliveries: BTreeMap::new(),
            deadlines: scenario.deadlines(inject).scaled(speed),
            errors: Vec::new(),
        }
    }

    fn since_submitted(&self, at: Option<i64>) -> Option<u64> {
        let (start, at) = (self.stages.submitted?, at?);
        // Instants from two clocks (the hub's, the drill's) may be a hair out of order: never negative.
        Some(u64::try_from((at - start).max(0) / 1000).unwrap_or(0))
    }

    /// Submitted → acknowledged (ms).
    pub fn time_to_respond_ms(&self) -> Option<u64> {
        self.since_submitted(self.stages.acknowledged)
    }

    /// Submitted → published (ms).
    pub fn time_to_share_ms(&self) -> Option<u64> {
        self.since_submitted(self.stages.published)
    }

    /// Submitted → resolved (ms).
    pub fn time_to_resolve_ms(&self) -> Option<u64> {
        self.since_submitted(self.stages.resolved)
    }

    /// Submitted → the last expected subscriber's delivery (ms); `None` unless every expected one got it.
    pub fn time_to_deliver_ms(&self) -> Option<u64> {
        if self.expected_recipients.is_empty() {
            return None;
        }
        let mut last = None;
        for subscriber in &self.expected_recipients {
            let at = *self.deliveries.get(subscriber)?;
            last = Some(last.map_or(at, |l: i64| l.max(at)));
        }
        self.since_submitted(last)
    }

    /// Each deadline that applies and whether it was met.
    pub fn verdicts(&self) -> Vec<Verdict> {
        let mut out = Vec::new();
        for (what, deadline, actual) in [
            (
                "acknowledge",
                self.deadlines.acknowledge_ms,
                self.time_to_respond_ms(),
            ),
            ("share", self.deadlines.share_ms, self.time_to_share_ms()),
            ("resolve", self.deadlines.resolve_ms, self.time_to_resolve_ms()),
            ("deliver", self.deadlines.deliver_ms, self.time_to_deliver_ms()),
        ] {
            if let Some(deadline_ms) = deadline {
                out.push(Verdict {
                    what,
                    deadline_ms,
                    actual_ms: actual,
                    met: actual.is_some_and(|ms| ms <= deadline_ms),
                });
            }
        }
        out
    }
}

/// One deadline's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// `acknowledge`, `share`, `resolve`, `deliver`.
    pub what: &'static str,
    /// The deadline (ms from submission).
    pub deadline_ms: u64,
    /// How long it took (`None`: it never happened).
    pub actual_ms: Option<u64>,
    /// Met.
    pub met: bool,
}

/// How the report's instants compare with the hub's audit log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditCheck {
    /// Stage instants that had an audit entry to compare with.
    pub compared: u64,
    /// Of those, within the tolerance.
    pub agreed: u64,
    /// The largest difference seen (ms).
    pub max_difference_ms: f64,
    /// The tolerance (ms).
    pub tolerance_ms: f64,
    /// Stages with no audit entry found (one line each).
    pub unmatched: Vec<String>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// The hub's URL.
    pub url: String,
    /// When the drill started (µs since the epoch).
    pub started: i64,
    /// When it finished.
    pub finished: i64,
    /// Time compression.
    pub speed: f64,
    /// The subscribers listened to.
    pub subscribers: Vec<String>,
    /// Every inject.
    pub injects: Vec<InjectRecord>,
    /// Problems of the run as a whole.
    pub notes: Vec<String>,
    /// The comparison with the audit log, when made.
    pub audit: Option<AuditCheck>,
}

/// Per-jurisdiction figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JurisdictionSummary {
    /// The organisation.
    pub jurisdiction: String,
    /// Injects submitted by it.
    pub injects: usize,
    /// Of those, incident reports (time to respond and to share are over these).
    pub reports: usize,
    /// Median time to deliver to every expected subscriber (reports and indicators).
    pub deliver_median_ms: Option<u64>,
    /// Median time to respond (ms).
    pub respond_median_ms: Option<u64>,
    /// Worst time to respond.
    pub respond_max_ms: Option<u64>,
    /// Median time to share.
    pub share_median_ms: Option<u64>,
    /// Worst time to share.
    pub share_max_ms: Option<u64>,
    /// The tightest acknowledge deadline of its injects.
    pub acknowledge_deadline_ms: Option<u64>,
    /// The tightest share deadline of its injects.
    pub share_deadline_ms: Option<u64>,
    /// Deadlines met.
    pub met: usize,
    /// Deadlines missed.
    pub missed: usize,
}

/// The median of some figures (the lower middle for an even count).
pub fn median(values: &mut [u64]) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    values.get((values.len() - 1) / 2).copied()
}

impl Report {
    /// Figures per jurisdiction, in name order.
    pub fn jurisdictions(&self) -> Vec<JurisdictionSummary> {
        let mut by: BTreeMap<&str, Vec<&InjectRecord>> = BTreeMap::new();
        for record in &self.injects {
            by.entry(record.jurisdiction.as_str()).or_default().push(record);
        }
        by.into_iter()
            .map(|(jurisdiction, records)| {
                let reports: Vec<&&InjectRecord> = records.iter().filter(|r| r.kind == "report").collect();
                let mut respond: Vec<u64> = reports.iter().filter_map(|r| r.time_to_respond_ms()).collect();
                let mut share: Vec<u64> = reports.iter().filter_map(|r| r.time_to_share_ms()).collect();
                let mut deliver: Vec<u64> = records.iter().filter_map(|r| r.time_to_deliver_ms()).collect();
                let verdicts: Vec<Verdict> = records.iter().flat_map(|r| r.verdicts()).collect();
                JurisdictionSummary {
                    jurisdiction: jurisdiction.to_owned(),
                    injects: records.len(),
                    reports: reports.len(),
                    deliver_median_ms: median(&mut deliver),
                    respond_max_ms: respond.iter().copied().max(),
                    respond_median_ms: median(&mut respond),
                    share_max_ms: share.iter().copied().max(),
                    share_median_ms: median(&mut share),
                    acknowledge_deadline_ms: reports.iter().filter_map(|r| r.deadlines.acknowledge_ms).min(),
                    share_deadline_ms: reports.iter().filter_map(|r| r.deadlines.share_ms).min(),
                    met: verdicts.iter().filter(|v| v.met).count(),
                    missed: verdicts.iter().filter(|v| !v.met).count(),
                }
            })
            .collect()
    }

    /// Deadlines met and missed over the whole drill.
    pub fn totals(&self) -> (usize, usize) {
        let verdicts: Vec<Verdict> = self.injects.iter().flat_map(InjectRecord::verdicts).collect();
        let met = verdicts.iter().filter(|v| v.met).count();
        (met, verdicts.len() - met)
    }
}

/// An instant as RFC 3339 with microseconds.
pub fn rfc3339(micros: i64) -> String {
    stix::timestamp::Timestamp::from_unix_nanos(i128::from(micros) * 1000, 6)
        .as_str()
        .to_owned()
}

/// An RFC 3339 timestamp as µs since the epoch.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let timestamp = stix::timestamp::Timestamp::parse(text).ok()?;
    i64::try_from(timestamp.unix_nanos().div_euclid(1000)).ok()
}
