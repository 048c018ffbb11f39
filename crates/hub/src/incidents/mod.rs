//! Election-Day incident cases (issue 16): reports become cases, routed to responders with timers, worked on
//! a board, and shared as cleaned STIX through the normal ingest. The rules are in the pure `incident` crate;
//! here they meet the store (records), the event log, the audit log and the ingest.
//!
//! Invariants:
//! - **Who may see a case** is `incident::Case::may_read` (the reporter's organisation, the responders routed
//!   to it so far, hub admins), asked at every read, list, transition, share and event delivery. Anyone else
//!   gets `NotFound`, exactly as for an id that never existed.
//! - **Storage.** A case is one record (`incident`/`case/{id}`), written by compare-and-swap, together (same
//!   batch) with its index entries (`incident-index`: `all/`, `org/{org}/`, `account/{account}/`, each
//!   `{newest-first time}/{id}` with the case summary as body, one per reader it may have; readers are only
//!   ever added) and its next timer deadline (`incident-timer`: `{deadline}/{id}`). Lists read only the
//!   caller's own index prefixes, so they cannot reach another organisation's cases.
//! - **Free text** (title, description, notes) is PII-redacted with `policy::pii` before it is stored, with
//!   the report's observables as threat context, as ingest does; every finding is redacted (a case has no
//!   review queue).
//! - Every report, transition, escalation, share, routing change and purge is audited; every report and
//!   transition appends an event (`incident-alert`, `incident-updated`), released per reader at delivery time
//!   (`release`). The case is written before its event, so an event never names a case that is not stored.

mod board;
mod from_taxii;
mod release;
mod routes;
mod share;
mod timers;

pub(crate) use release::is_incident_kind;

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use incident::case::Origin;
use incident::{Case, FieldError, Report, Status};
use serde_json::{Value, json};
use store::{Expect, RecordScan, RecordWrite};

use crate::{Caller, Hub, HubError, HubResult};

pub use board::{BoardKpi, IncidentBoard};

/// The case records.
pub(crate) const NS_CASE: &str = "incident";
/// Per-reader index entries of cases.
pub(crate) const NS_INDEX: &str = "incident-index";
/// Next timer deadlines.
pub(crate) const NS_TIMER: &str = "incident-timer";
/// Routing rules, timer policy, operator categories.
pub(crate) const NS_ROUTE: &str = "incident-route";

/// Event kind: a case reached responders (created, or escalated to a new tier).
pub const INCIDENT_ALERT: &str = "incident-alert";
/// Event kind: a case changed (transition, note, share, breach).
pub const INCIDENT_UPDATED: &str = "incident-updated";
/// Event kind: a routing rule that names nobody, or a case no rule routes (hub admins only).
pub const INCIDENT_ROUTE_FLAG: &str = "incident-route-flag";
/// The actor of timer escalations in the audit log and the history.
pub(crate) const INCIDENT_TIMER_ACTOR: &str = "hub";

/// The most cases one list answers.
pub(crate) const MAX_LIST: usize = 500;
/// How many times a case update is retried when another writer moved it first.
const CAS_ATTEMPTS: usize = 8;

/// The clock incidents read (injectable, so tests can move time; the default is the system clock).
pub trait IncidentClock: Send + Sync + std::fmt::Debug {
    /// Now, µs since the epoch.
    fn now_micros(&self) -> i64;
}

#[derive(Debug)]
struct SystemClock;

impl IncidentClock for SystemClock {
    fn now_micros(&self) -> i64 {
        crate::now_micros()
    }
}

/// The hub's incident state on this node: the clock and the timer task's wake-up.
#[derive(Debug)]
pub(crate) struct IncidentState {
    clock: RwLock<Arc<dyn IncidentClock>>,
    wake: tokio::sync::Notify,
    /// STIX incident ids `share_incident` is publishing now (not reports: see `from_taxii`).
    publishing: std::sync::Mutex<BTreeSet<String>>,
}

impl Default for IncidentState {
    fn default() -> IncidentState {
        IncidentState {
            clock: RwLock::new(Arc::new(SystemClock)),
            wake: tokio::sync::Notify::new(),
            publishing: std::sync::Mutex::default(),
        }
    }
}

/// Why an incident use case did not succeed: bad fields (HTTP 400 with the list), or a hub outcome.
#[derive(Debug, Clone)]
pub enum IncidentError {
    /// Field-level problems; nothing was stored.
    Invalid(Vec<FieldError>),
    /// Any other outcome.
    Hub(HubError),
}

impl std::fmt::Display for IncidentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IncidentError::Invalid(errors) => {
                let parts: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                write!(f, "invalid: {}", parts.join("; "))
            }
            IncidentError::Hub(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for IncidentError {}

impl From<HubError> for IncidentError {
    fn from(err: HubError) -> IncidentError {
        IncidentError::Hub(err)
    }
}

impl From<store::StoreError> for IncidentError {
    fn from(err: store::StoreError) -> IncidentError {
        IncidentError::Hub(err.into())
    }
}

/// Result of the incident use cases.
pub type IncidentResult<T> = Result<T, IncidentError>;

/// A list query.
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    /// Only cases in this status.
    pub status: Option<Status>,
    /// Only exercise (`Some(true)`) or real (`Some(false)`) cases.
    pub exercise: Option<bool>,
    /// At most this many (capped at `MAX_LIST`; default 100).
    pub limit: Option<usize>,
}

/// The organisation a caller reports and reads cases as: its organisation, or `account:NAME` for an account
/// without one (its own organisation, as in the sharing model; written without the sharing model's NUL
/// prefix, which PostgreSQL text keys cannot hold).
pub(crate) fn caller_org(caller: &Caller) -> String {
    match &caller.org {
        Some(org) => org.clone(),
        None => format!("account:{}", caller.account),
    }
}

/// A name inside a record key: `/` and `%` escaped so one name's prefix never covers another's.
fn key_part(name: &str) -> String {
    name.replace('%', "%25").replace('/', "%2F").replace('\0', "%00")
}

fn newest_first(created_micros: i64) -> String {
    format!("{:020}", i64::MAX - created_micros.max(0))
}

fn timer_key(deadline_micros: i64, id: &str) -> String {
    format!("{:020}/{id}", deadline_micros.max(0))
}

/// Every index key of a case (one per kind of reader it has now).
fn index_keys(case: &Case) -> Vec<String> {
    let at = newest_first(case.created_micros);
    let mut keys = vec![
        format!("all/{at}/{}", case.id),
        format!("org/{}/{at}/{}", key_part(&case.reporter_org), case.id),
    ];
    let (orgs, accounts) = case.responders();
    keys.extend(
        orgs.iter()
            .map(|org| format!("org/{}/{at}/{}", key_part(org), case.id)),
    );
    keys.extend(
        accounts
            .iter()
            .map(|account| format!("account/{}/{at}/{}", key_part(account), case.id)),
    );
    if case.exercise {
        keys.push(format!("exercise/{}", case.id));
    }
    keys.sort();
    keys.dedup();
    keys
}

/// Whether a path id can be a case id at all (a UUID), so odd input never reaches a key.
fn plausible_id(id: &str) -> bool {
    id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

impl Hub {
    /// Replaces the clock incidents read (tests move time with it).
    pub fn set_incident_clock(&self, clock: Arc<dyn IncidentClock>) {
        if let Ok(mut slot) = self.incidents.clock.write() {
            *slot = clock;
        }
        self.incidents.wake.notify_one();
    }

    /// Now, by the incident clock.
    pub(crate) fn incident_now(&self) -> i64 {
        self.incidents
            .clock
            .read()
            .map_or_else(|_| crate::now_micros(), |clock| clock.now_micros())
    }

    /// A case with its record version, if it exists.
    pub(crate) async fn load_case(&self, id: &str) -> HubResult<Option<(Case, i64)>> {
        if !plausible_id(id) {
            return Ok(None);
        }
        let Some(record) = self.store.record(NS_CASE, &format!("case/{id}")).await? else {
            return Ok(None);
        };
        let case: Case = serde_json::from_str(&record.body)
            .map_err(|err| HubError::Internal(format!("a stored case is unreadable: {err}")))?;
        Ok(Some((case, record.version)))
    }

    /// A case `caller` may read, else `NotFound` (hidden and absent alike).
    pub(crate) async fn readable_case(&self, caller: &Caller, id: &str) -> HubResult<(Case, i64)> {
        let org = caller_org(caller);
        match self.load_case(id).await? {
            Some((case, version)) if case.may_read(&caller.account, &org, caller.is_admin) => {
                Ok((case, version))
            }
            _ => Err(HubError::NotFound),
        }
    }

    /// Writes a case (new when `version` is `None`) with its index entries and its timer entry.
    pub(crate) async fn save_case(
        &self,
        case: &Case,
        version: Option<i64>,
        old: Option<&Case>,
    ) -> HubResult<()> {
        let body = serde_json::to_string(case)
            .map_err(|err| HubError::Internal(format!("a case does not serialise: {err}")))?;
        let summary = case.summary_json().to_string();
        let expect = version.map_or(Expect::Absent, Expect::Version);
        let mut writes = vec![RecordWrite::put(NS_CASE, format!("case/{}", case.id), body).expecting(expect)];
        writes.extend(
            index_keys(case)
                .into_iter()
                .map(|key| RecordWrite::put(NS_INDEX, key, summary.clone())),
        );
        let old_timer = old.and_then(|c| c.next_deadline().map(|d| timer_key(d, &c.id)));
        let new_timer = case.next_deadline().map(|d| timer_key(d, &case.id));
        if old_timer != new_timer {
            if let Some(key) = old_timer {
                writes.push(RecordWrite::delete(NS_TIMER, key));
            }
            if let Some(key) = &new_timer {
                writes.push(RecordWrite::put(NS_TIMER, key.clone(), case.id.clone()));
            }
        }
        self.store.write_records(writes, crate::now_micros()).await?;
        if new_timer.is_some() {
            self.incidents.wake.notify_one();
        }
        Ok(())
    }

    /// Files a report as a case for `caller` (`source`: `rest`, `web`, `taxii`) and alerts its responders.
    /// Answers the case as `Case::to_json` shows it.
    pub async fn report_incident(
        &self,
        caller: &Caller,
        body: &Value,
        source: &str,
    ) -> IncidentResult<Value> {
        let case = self.file_report(caller, body, source, None).await?;
        Ok(case.to_json())
    }

    /// `report_incident`, returning the case itself (`stix_incident`: the STIX id of a TAXII report).
    pub(crate) async fn file_report(
        &self,
        caller: &Caller,
        body: &Value,
        source: &str,
        stix_incident: Option<&str>,
    ) -> IncidentResult<Case> {
        let taxonomy = self.incident_taxonomy().await?;
        let mut report =
            incident::validate::validate_report(body, &taxonomy).map_err(IncidentError::Invalid)?;
        let org = caller_org(caller);
        if let Some(jurisdiction) = &report.jurisdiction
            && *jurisdiction != org
        {
            let directory = self.sharing_directory().await?;
            if !directory.organisations.iter().any(|o| o.name == *jurisdiction) {
                return Err(IncidentError::Invalid(vec![FieldError::new(
                    "jurisdiction",
                    "no organisation of this name",
                )]));
            }
        }
        let n_redacted = redact_report(&mut report);
        let jurisdiction = report.jurisdiction.clone().unwrap_or_else(|| org.clone());
        let rules = self.route_rules().await?;
        let routing = incident::routing::route(&rules, &jurisdiction, &report.category, report.severity);
        let policy = self.incident_timer_policy().await?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = self.incident_now();
        let origin = Origin {
            id: &id,
            account: &caller.account,
            org: &org,
            source,
            stix_incident,
            now_micros: now,
        };
        let mut case = Case::new(report, &origin, routing, &policy);
        let reached = self.tier_accounts(&case, 0).await?;
        if reached.is_empty() {
            case.history.push(incident::HistoryEntry {
                at_micros: now,
                actor: INCIDENT_TIMER_ACTOR.to_owned(),
                action: "unrouted".to_owned(),
                from: None,
                to: None,
                note: Some("no routing rule reaches any account; hub admins were alerted".to_owned()),
            });
        }
        self.save_case(&case, None, None).await?;
        self.audit(
            &caller.account,
            "incident.report",
            0,
            json!({"case": case.id, "org": org, "jurisdiction": case.jurisdiction, "category": case.category,
                   "severity": case.severity.as_str(), "exercise": case.exercise, "source": source,
                   "rules": case.rules, "n_redacted": n_redacted}),
        )
        .await?;
        self.append_incident_alert(&case, 0, false).await?;
        Ok(case)
    }

    /// The case `id` as `caller` may see it (`NotFound` when it may not).
    pub async fn incident(&self, caller: &Caller, id: &str) -> HubResult<Value> {
        let (case, _) = self.readable_case(caller, id).await?;
        Ok(case.to_json())
    }

    /// The case `id` as `caller` may see it, and whether it may act on it (transition, share).
    pub async fn incident_for(&self, caller: &Caller, id: &str) -> HubResult<(Value, bool)> {
        let (case, _) = self.readable_case(caller, id).await?;
        let may_act = case.may_act(&caller.account, &caller_org(caller), caller.is_admin);
        Ok((case.to_json(), may_act))
    }

    /// The cases `caller` may see, newest first (summaries), filtered, bounded by `MAX_LIST`.
    pub async fn incidents(&self, caller: &Caller, query: &CaseQuery) -> HubResult<Vec<Value>> {
        let limit = query.limit.unwrap_or(100).clamp(1, MAX_LIST);
        let org = caller_org(caller);
        let prefixes = if caller.is_admin {
            vec!["all/".to_owned()]
        } else {
            vec![
                format!("org/{}/", key_part(&org)),
                format!("account/{}/", key_part(&caller.account)),
            ]
        };
        // Entries per prefix are newest first; merge them by key suffix (time then id), filtering as we go.
        let mut entries: Vec<(String, Value)> = Vec::new();
        let mut seen = BTreeSet::new();
        for prefix in prefixes {
            let mut after: Option<String> = None;
            let mut n_matched = 0;
            // Bounded: at most 20 pages of the caller's own entries.
            for _ in 0..20 {
                let mut scan = RecordScan::prefix(NS_INDEX, prefix.clone(), MAX_LIST);
                scan.after = after.clone();
                let page = self.store.records(scan).await?;
                let Some(last) = page.last() else { break };
                after = Some(last.key.clone());
                let n_page = page.len();
                for record in page {
                    let suffix = record.key[prefix.len()..].to_owned();
                    let Ok(summary) = serde_json::from_str::<Value>(&record.body) else {
                        continue;
                    };
                    if !summary_matches(&summary, query) {
                        continue;
                    }
                    if seen.insert(summary["id"].as_str().unwrap_or_default().to_owned()) {
                        entries.push((suffix, summary));
                        n_matched += 1;
                    }
                }
                if n_matched >= limit || n_page < MAX_LIST {
                    break;
                }
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.truncate(limit);
        Ok(entries.into_iter().map(|(_, summary)| summary).collect())
    }

    /// Moves a case to `to` (responders and hub admins), with an optional note and assignee; audited, and an
    /// `incident-updated` event for every reader of the case.
    pub async fn transition_incident(
        &self,
        caller: &Caller,
        id: &str,
        to: &str,
        note: Option<&str>,
        assignee: Option<&str>,
    ) -> IncidentResult<Value> {
        let Some(to) = Status::parse(to).filter(|s| *s != Status::New) else {
            // Checked after visibility, so a bad body on a hidden id still answers 404.
            self.readable_case(caller, id).await?;
            return Err(IncidentError::Invalid(vec![FieldError::new(
                "to",
                "must be acknowledged, in-progress, resolved or false-alarm",
            )]));
        };
        let note = note.map(|n| n.trim()).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > 2000) {
            self.readable_case(caller, id).await?;
            return Err(IncidentError::Invalid(vec![FieldError::new(
                "note",
                "must be at most 2000 characters",
            )]));
        }
        let note = note.map(|n| redact_text(n, &[]));
        let assignee = assignee
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned);
        for _ in 0..CAS_ATTEMPTS {
            let (mut case, version) = self.readable_case(caller, id).await?;
            if !case.may_act(&caller.account, &caller_org(caller), caller.is_admin) {
                return Err(HubError::Forbidden.into());
            }
            let old = case.clone();
            let from = case.status;
            case.transition(
                to,
                &caller.account,
                note.clone(),
                assignee.clone(),
                self.incident_now(),
            )
            .map_err(|err| HubError::Conflict(err.to_string()))?;
            match self.save_case(&case, Some(version), Some(&old)).await {
                Ok(()) => {}
                Err(HubError::Conflict(_)) => continue,
                Err(err) => return Err(err.into()),
            }
            self.audit(
                &caller.account,
                "incident.transition",
                0,
                json!({"case": case.id, "from": from.as_str(), "to": to.as_str(), "assignee": case.assignee,
                       "exercise": case.exercise}),
            )
            .await?;
            self.append_incident_updated(&case, if from == to { "note" } else { "transition" })
                .await?;
            return Ok(case.to_json());
        }
        Err(HubError::Unavailable("the case kept changing; retry".to_owned()).into())
    }

    /// Removes every exercise case (drills), with its index and timer entries; hub admins only. Audited.
    /// Returns how many cases were removed.
    pub async fn purge_exercise_cases(&self, caller: &Caller) -> HubResult<u64> {
        crate::delegation::require_hub_admin(caller)?;
        let mut n_removed = 0u64;
        loop {
            let page = self
                .store
                .records(RecordScan::prefix(NS_INDEX, "exercise/", 200))
                .await?;
            if page.is_empty() {
                break;
            }
            for record in page {
                let id = record.key.trim_start_matches("exercise/").to_owned();
                let mut writes = vec![RecordWrite::delete(NS_INDEX, record.key.clone())];
                if let Some((case, _)) = self.load_case(&id).await? {
                    writes.push(RecordWrite::delete(NS_CASE, format!("case/{id}")));
                    writes.extend(
                        index_keys(&case)
                            .into_iter()
                            .map(|k| RecordWrite::delete(NS_INDEX, k)),
                    );
                    if let Some(deadline) = case.next_deadline() {
                        writes.push(RecordWrite::delete(NS_TIMER, timer_key(deadline, &id)));
                    }
                    n_removed += 1;
                }
                writes.sort_by(|a, b| (&a.ns, &a.key).cmp(&(&b.ns, &b.key)));
                writes.dedup_by(|a, b| a.ns == b.ns && a.key == b.key);
                self.store.write_records(writes, crate::now_micros()).await?;
            }
        }
        self.audit(
            &caller.account,
            "incident.purge-exercise",
            0,
            json!({"n_cases": n_removed}),
        )
        .await?;
        Ok(n_removed)
    }

    /// The accounts tier `tier` of `case` reaches now (existing, enabled).
    pub(crate) async fn tier_accounts(&self, case: &Case, tier: usize) -> HubResult<Vec<String>> {
        let Some(tier) = case.tiers.get(tier) else {
            return Ok(Vec::new());
        };
        let accounts = self.store.accounts().await?;
        Ok(accounts
            .iter()
            .filter(|a| !a.disabled)
            .filter(|a| {
                tier.accounts.contains(&a.name) || a.org.as_ref().is_some_and(|org| tier.orgs.contains(org))
            })
            .map(|a| a.name.clone())
            .collect())
    }
}

fn summary_matches(summary: &Value, query: &CaseQuery) -> bool {
    query
        .status
        .is_none_or(|s| summary["status"].as_str() == Some(s.as_str()))
        && query
            .exercise
            .is_none_or(|e| summary["exercise"].as_bool() == Some(e))
}

/// Redacts the free text of a report, with its observables as threat context. Returns the number of findings.
fn redact_report(report: &mut Report) -> usize {
    let context: Vec<&str> = report.observables.iter().map(|o| o.value.as_str()).collect();
    let mut n = 0;
    for text in [&mut report.title, &mut report.description] {
        let (redacted, found) = redact_counting(text, &context);
        *text = redacted;
        n += found;
    }
    n
}

/// `text` with its personal data replaced by placeholders (`[REDACTED:email]`), as ingest does.
pub(crate) fn redact_text(text: &str, context: &[&str]) -> String {
    redact_counting(text, context).0
}

fn redact_counting(text: &str, context: &[&str]) -> (String, usize) {
    let mut threat = policy::pii::ThreatContext::new();
    for value in context {
        threat.add(value);
    }
    let findings = policy::pii::find_in_text(text, &threat);
    (policy::pii::redact_text(text, &findings), findings.len())
}

#[cfg(test)]
mod tests;
