//! A case: a report with its routing, timers, history and shares, and the state machine.
//!
//! Allowed transitions (anything else is refused, and nothing changes):
//!
//! | from | to |
//! | --- | --- |
//! | `new` | `acknowledged`, `false-alarm` |
//! | `acknowledged` | `in-progress`, `resolved`, `false-alarm` |
//! | `in-progress` | `resolved`, `false-alarm` |
//! | any open status | itself (a note or a new assignee, without a change of status) |
//!
//! `resolved` and `false-alarm` are final. Who may read a case (the reporter's organisation, the responders
//! routed to it so far, hub admins) and who may act on it (responders and hub admins) are decided here too,
//! so every transport and channel asks the same function.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::model::{Observable, Report, Severity, Status, System};
use crate::routing::{Routing, Tier};
use crate::time::format_rfc3339;
use crate::timers::{Stage, Timer, TimerPolicy, TimerState};

/// One line of a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When, µs since the epoch.
    pub at_micros: i64,
    /// The account (or `hub` for timers).
    pub actor: String,
    /// `reported`, `transition`, `note`, `escalated`, `breached`, `shared`, `unrouted`.
    pub action: String,
    /// The status (or tier) before.
    pub from: Option<String>,
    /// The status (or tier) after.
    pub to: Option<String>,
    /// Free text (PII-redacted by the hub).
    pub note: Option<String>,
}

/// One publication of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRecord {
    /// When, µs since the epoch.
    pub at_micros: i64,
    /// Who published.
    pub actor: String,
    /// The collection it went to.
    pub collection: String,
    /// The ids of the published objects (the incident first).
    pub objects: Vec<String>,
    /// The communities it was addressed to.
    pub communities: Vec<String>,
    /// The TLP level.
    pub tlp: String,
    /// Whether the reporting jurisdiction was named in it.
    pub jurisdiction_named: bool,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// Not allowed from the current status.
    NotAllowed {
        /// The current status.
        from: Status,
        /// The asked status.
        to: Status,
    },
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransitionError::NotAllowed { from, to } => write!(
                f,
                "a case that is {} cannot become {}",
                from.as_str(),
                to.as_str()
            ),
        }
    }
}

/// Whether `from → to` is allowed (see the module's table).
pub fn transition_allowed(from: Status, to: Status) -> bool {
    use Status::{Acknowledged, FalseAlarm, InProgress, New, Resolved};
    matches!(
        (from, to),
        (New, Acknowledged | FalseAlarm)
            | (Acknowledged, InProgress | Resolved | FalseAlarm)
            | (InProgress, Resolved | FalseAlarm)
    ) || (from == to && !from.is_closed())
}

/// A case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Its id (a UUID).
    pub id: String,
    /// What happened.
    pub title: String,
    /// The category id.
    pub category: String,
    /// The severity.
    pub severity: Severity,
    /// Free text, PII-redacted.
    pub description: String,
    /// Where it is.
    pub status: Status,
    /// The jurisdiction (organisation) it concerns.
    pub jurisdiction: String,
    /// The reporting organisation.
    pub reporter_org: String,
    /// The reporting account.
    pub reporter_account: String,
    /// Who works on it.
    pub assignee: Option<String>,
    /// Reported at, µs.
    pub created_micros: i64,
    /// When it happened, µs (as reported).
    pub occurred_micros: Option<i64>,
    /// A drill's case.
    pub exercise: bool,
    /// Observables.
    pub observables: Vec<Observable>,
    /// Systems.
    pub systems: Vec<System>,
    /// `rest`, `web` or `taxii`.
    pub source: String,
    /// The STIX incident it came from (TAXII reports).
    pub stix_incident: Option<String>,
    /// The matching routing rules.
    pub rules: Vec<String>,
    /// The responders by tier.
    pub tiers: Vec<Tier>,
    /// The highest tier alerted so far.
    pub tier: usize,
    /// The timers.
    pub timers: Vec<Timer>,
    /// Everything that happened, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Publications.
    pub shared: Vec<ShareRecord>,
}

/// Who reported, and how, for `Case::new`.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    /// The case id.
    pub id: &'a str,
    /// The reporting account.
    pub account: &'a str,
    /// The reporting organisation.
    pub org: &'a str,
    /// `rest`, `web` or `taxii`.
    pub source: &'a str,
    /// The STIX incident id, for TAXII reports.
    pub stix_incident: Option<&'a str>,
    /// Now, µs.
    pub now_micros: i64,
}

impl Case {
    /// A new case from a validated (and redacted) report.
    pub fn new(report: Report, origin: &Origin<'_>, routing: Routing, policy: &TimerPolicy) -> Case {
        let jurisdiction = report.jurisdiction.unwrap_or_else(|| origin.org.to_owned());
        let timers = policy.timers(report.severity, origin.now_micros);
        Case {
            id: origin.id.to_owned(),
            title: report.title,
            category: report.category,
            severity: report.severity,
            description: report.description,
            status: Status::New,
            jurisdiction,
            reporter_org: origin.org.to_owned(),
            reporter_account: origin.account.to_owned(),
            assignee: None,
            created_micros: origin.now_micros,
            occurred_micros: report.occurred_micros,
            exercise: report.exercise,
            observables: report.observables,
            systems: report.systems,
            source: origin.source.to_owned(),
            stix_incident: origin.stix_incident.map(str::to_owned),
            rules: routing.rules,
            tiers: routing.tiers,
            tier: 0,
            timers,
            history: vec![HistoryEntry {
                at_micros: origin.now_micros,
                actor: origin.account.to_owned(),
                action: "reported".to_owned(),
                from: None,
                to: Some(Status::New.as_str().to_owned()),
                note: None,
            }],
            shared: Vec::new(),
        }
    }

    /// The responders alerted so far (tiers 0 to `tier`): organisations and accounts.
    pub fn responders(&self) -> (BTreeSet<&str>, BTreeSet<&str>) {
        let tiers = self.tiers.iter().take(self.tier + 1);
        let mut orgs = BTreeSet::new();
        let mut accounts = BTreeSet::new();
        for tier in tiers {
            orgs.extend(tier.orgs.iter().map(String::as_str));
            accounts.extend(tier.accounts.iter().map(String::as_str));
        }
        (orgs, accounts)
    }

    /// Whether `account` (of `org`) is a responder of the case now.
    pub fn is_responder(&self, account: &str, org: &str) -> bool {
        let (orgs, accounts) = self.responders();
        orgs.contains(org) || accounts.contains(account)
    }

    /// Whether `account` (of `org`) may read the case: its reporting organisation, its responders, hub admins.
    pub fn may_read(&self, account: &str, org: &str, is_admin: bool) -> bool {
        is_admin || self.reporter_org == org || self.is_responder(account, org)
    }

    /// Whether `account` may transition, assign and share the case: responders and hub admins.
    pub fn may_act(&self, account: &str, org: &str, is_admin: bool) -> bool {
        is_admin || self.is_responder(account, org)
    }

    /// Moves the case to `to` (see the module's table), recording the actor, the note and the assignee, and
    /// marking the timers the new status meets.
    pub fn transition(
        &mut self,
        to: Status,
        actor: &str,
        note: Option<String>,
        assignee: Option<String>,
        now_micros: i64,
    ) -> Result<(), TransitionError> {
        let from = self.status;
        if !transition_allowed(from, to) {
            return Err(TransitionError::NotAllowed { from, to });
        }
        if let Some(assignee) = &assignee {
            self.assignee = Some(assignee.clone());
        }
        self.status = to;
        for timer in &mut self.timers {
            if timer.state == TimerState::Pending && timer.stage.reached(to) {
                timer.state = TimerState::Met;
                timer.at_micros = Some(now_micros);
            }
        }
        let action = if from == to { "note" } else { "transition" };
        let note = match (note, assignee) {
            (Some(note), Some(assignee)) => Some(format!("{note} (assigned to {assignee})")),
            (Some(note), None) => Some(note),
            (None, Some(assignee)) => Some(format!("assigned to {assignee}")),
            (None, None) => None,
        };
        self.history.push(HistoryEntry {
            at_micros: now_micros,
            actor: actor.to_owned(),
            action: action.to_owned(),
            from: Some(from.as_str().to_owned()),
            to: Some(to.as_str().to_owned()),
            note,
        });
        Ok(())
    }

    /// The earliest deadline of a pending timer.
    pub fn next_deadline(&self) -> Option<i64> {
        self.timers
            .iter()
            .filter(|t| t.state == TimerState::Pending)
            .map(|t| t.deadline_micros)
            .min()
    }

    /// Marks every pending timer whose deadline is at or before `now_micros` breached and escalates one tier
    /// per breach while there is a next tier. Returns the stages breached and the tier reached when it moved.
    pub fn breach_due(&mut self, now_micros: i64) -> (Vec<Stage>, Option<usize>) {
        let mut breached = Vec::new();
        let before = self.tier;
        for i in 0..self.timers.len() {
            let timer = &mut self.timers[i];
            if timer.state != TimerState::Pending || timer.deadline_micros > now_micros {
                continue;
            }
            timer.state = TimerState::Breached;
            timer.at_micros = Some(now_micros);
            let stage = timer.stage;
            breached.push(stage);
            self.history.push(HistoryEntry {
                at_micros: now_micros,
                actor: "hub".to_owned(),
                action: "breached".to_owned(),
                from: None,
                to: None,
                note: Some(format!("{} deadline passed", stage.as_str())),
            });
            if self.tier + 1 < self.tiers.len() {
                self.tier += 1;
                self.history.push(HistoryEntry {
                    at_micros: now_micros,
                    actor: "hub".to_owned(),
                    action: "escalated".to_owned(),
                    from: Some(format!("tier {}", self.tier - 1)),
                    to: Some(format!("tier {}", self.tier)),
                    note: Some(format!("{} deadline breached", stage.as_str())),
                });
            }
        }
        (breached, (self.tier != before).then_some(self.tier))
    }

    /// When the case first reached `stage`, µs after the report (for the KPIs).
    pub fn time_to(&self, stage: Stage) -> Option<i64> {
        let reached = self.history.iter().find(|entry| {
            entry.action == "transition"
                && entry
                    .to
                    .as_deref()
                    .and_then(Status::parse)
                    .is_some_and(|status| stage.reached(status))
        })?;
        Some(reached.at_micros - self.created_micros)
    }

    /// µs from the report to its first publication.
    pub fn time_to_share(&self) -> Option<i64> {
        self.shared.first().map(|s| s.at_micros - self.created_micros)
    }

    /// Milliseconds from the report to each stage reached so far (`null`: not yet).
    pub fn kpi_ms(&self) -> Value {
        let ms = |micros: Option<i64>| micros.map(|m| m / 1000);
        json!({
            "acknowledge": ms(self.time_to(Stage::Acknowledge)),
            "triage": ms(self.time_to(Stage::Triage)),
            "resolve": ms(self.time_to(Stage::Resolve)),
            "share": ms(self.time_to_share()),
        })
    }

    /// The case as the REST API and the board show it (instants as RFC 3339 UTC).
    pub fn to_json(&self) -> Value {
        let timers: serde_json::Map<String, Value> = self
            .timers
            .iter()
            .map(|t| {
                (
                    t.stage.as_str().to_owned(),
                    json!({
                        "deadline": format_rfc3339(t.deadline_micros),
                        "state": t.state.as_str(),
                        "met": t.state == TimerState::Met,
                        "breached": t.state == TimerState::Breached,
                        "at": t.at_micros.map(format_rfc3339),
                    }),
                )
            })
            .collect();
        let history: Vec<Value> = self
            .history
            .iter()
            .map(|h| {
                json!({"at": format_rfc3339(h.at_micros), "actor": h.actor, "action": h.action,
                       "from": h.from, "to": h.to, "note": h.note})
            })
            .collect();
        let shared: Vec<Value> = self
            .shared
            .iter()
            .map(|s| {
                json!({"at": format_rfc3339(s.at_micros), "actor": s.actor, "collection": s.collection,
                       "bundle": s.objects.first(), "objects": s.objects, "communities": s.communities,
                       "tlp": s.tlp, "jurisdiction_named": s.jurisdiction_named})
            })
            .collect();
        let (orgs, accounts) = self.responders();
        json!({
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "severity": self.severity.as_str(),
            "description": self.description,
            "status": self.status.as_str(),
            "jurisdiction": self.jurisdiction,
            "reporter_org": self.reporter_org,
            "assignee": self.assignee,
            "created": format_rfc3339(self.created_micros),
            "occurred": self.occurred_micros.map(format_rfc3339),
            "exercise": self.exercise,
            "observables": self.observables,
            "systems": self.systems,
            "source": self.source,
            "stix_incident": self.stix_incident,
            "routing": {"rules": self.rules, "tier": self.tier, "tiers": self.tiers,
                        "responders": {"orgs": orgs, "accounts": accounts}},
            "timers": timers,
            "kpi_ms": self.kpi_ms(),
            "history": history,
            "shared": shared,
        })
    }

    /// A short form for events and lists.
    pub fn summary_json(&self) -> Value {
        let breached: Vec<&str> = self
            .timers
            .iter()
            .filter(|t| t.state == TimerState::Breached)
            .map(|t| t.stage.as_str())
            .collect();
        json!({
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "severity": self.severity.as_str(),
            "status": self.status.as_str(),
            "jurisdiction": self.jurisdiction,
            "created": format_rfc3339(self.created_micros),
            "exercise": self.exercise,
            "tier": self.tier,
            "breached": breached,
            "next_deadline": self.next_deadline().map(format_rfc3339),
            "assignee": self.assignee,
            "kpi_ms": self.kpi_ms(),
            "link": format!("/incidents/v1/{}", self.id),
        })
    }
}

#[cfg(test)]
mod tests;
