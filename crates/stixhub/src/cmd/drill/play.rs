//! Playing a scenario: the injects on their timeline (reports by `POST /incidents/v1/` with `exercise: true`,
//! indicators by TAXII POST carrying the EXERCISE marking), the responders' scripted acts once alerted, and
//! each stage's instant recorded in the report model as the hub answers or an event arrives.
//!
//! Instants are the drill machine's clock when the hub's answer (or event) arrived, except where the hub
//! states its own time for a case (`history[].at`), which is preferred: that is what the audit log records.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use drill::Scenario;
use drill::report::{InjectRecord, parse_rfc3339, rfc3339};
use drill::scenario::{InjectBody, OrgKind};
use serde_json::{Value, json};

use super::api::Api;
use super::setup::Provisioned;

/// Now, in µs since the epoch.
pub(crate) fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// What the run has learnt so far.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) records: Vec<InjectRecord>,
    by_case: HashMap<String, usize>,
    by_object: HashMap<String, usize>,
    by_inject: HashMap<String, usize>,
    /// Alerts that arrived before the report's answer named the case.
    early_alerts: HashMap<String, Vec<(String, i64)>>,
    /// Deliveries of objects the drill did not know yet (a share's answer still on its way).
    early_deliveries: HashMap<String, Vec<(String, i64)>>,
    pub(crate) notes: Vec<String>,
}

/// Shared by the run's tasks.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub(crate) api: Api,
    pub(crate) scenario: Arc<Scenario>,
    pub(crate) provisioned: Provisioned,
    pub(crate) speed: f64,
    state: Mutex<State>,
}

/// Milliseconds of scenario time as wall time.
fn scaled(ms: u64, speed: f64) -> Duration {
    Duration::from_secs_f64(ms as f64 / 1000.0 / speed)
}

impl Ctx {
    pub(crate) fn new(api: Api, scenario: Arc<Scenario>, provisioned: Provisioned, speed: f64) -> Ctx {
        let records = scenario
            .injects
            .iter()
            .map(|inject| {
                let planned = scaled(inject.at_ms, speed).as_millis();
                InjectRecord::new(
                    &scenario,
                    inject,
                    u64::try_from(planned).unwrap_or(u64::MAX),
                    speed,
                )
            })
            .collect();
        let by_inject = scenario
            .injects
            .iter()
            .enumerate()
            .map(|(index, inject)| (inject.id.clone(), index))
            .collect();
        Ctx {
            api,
            scenario,
            provisioned,
            speed,
            state: Mutex::new(State {
                by_inject,
                records,
                ..State::default()
            }),
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data (plain inserts): keep going.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn auth(&self, account: &str) -> Option<String> {
        self.provisioned.auth.get(account).cloned()
    }

    pub(crate) fn note(&self, note: String) {
        let mut state = self.state();
        if state.notes.len() < 1000 && !state.notes.contains(&note) {
            state.notes.push(note);
        }
    }

    fn error(&self, index: usize, error: String) {
        if let Some(record) = self.state().records.get_mut(index) {
            record.errors.push(error);
        }
    }

    /// A subscriber's stream carried object `id` at `at`.
    pub(crate) fn delivered(&self, subscriber: &str, id: &str, at: i64) {
        let mut state = self.state();
        match state.by_object.get(id).copied() {
            Some(index) => record_delivery(&mut state.records[index], subscriber, at),
            None => {
                if state.early_deliveries.len() < 100_000 {
                    state
                        .early_deliveries
                        .entry(id.to_owned())
                        .or_default()
                        .push((subscriber.to_owned(), at));
                }
            }
        }
    }

    /// A subscriber's stream carried an object tagged with inject `inject` at `at`.
    pub(crate) fn delivered_inject(&self, subscriber: &str, inject: &str, at: i64) {
        let mut state = self.state();
        if let Some(index) = state.by_inject.get(inject).copied() {
            record_delivery(&mut state.records[index], subscriber, at);
        }
    }

    /// Links object ids to an inject, taking deliveries that came first.
    fn link_objects(&self, index: usize, ids: &[String]) {
        let mut state = self.state();
        for id in ids {
            state.by_object.insert(id.clone(), index);
            if !state.records[index].object_ids.contains(id) {
                state.records[index].object_ids.push(id.clone());
            }
            for (subscriber, at) in state.early_deliveries.remove(id).unwrap_or_default() {
                record_delivery(&mut state.records[index], &subscriber, at);
            }
        }
    }

    /// A responder's stream carried an alert for `case` at `at`.
    pub(crate) fn alerted(self: &Arc<Self>, account: &str, case: &str, at: i64) {
        let index = {
            let mut state = self.state();
            match state.by_case.get(case).copied() {
                Some(index) => index,
                None => {
                    state
                        .early_alerts
                        .entry(case.to_owned())
                        .or_default()
                        .push((account.to_owned(), at));
                    return;
                }
            }
        };
        self.handle_alert(index, account, case, at);
    }

    fn handle_alert(self: &Arc<Self>, index: usize, account: &str, case: &str, at: i64) {
        let Some(org) = self.scenario.org_of(account) else {
            return;
        };
        let acts = {
            let mut state = self.state();
            let record = &mut state.records[index];
            record.stages.alerted = Some(record.stages.alerted.map_or(at, |a| a.min(at)));
            let eligible = org.kind == OrgKind::Responder
                && org.behaviour.as_ref().is_some_and(|b| {
                    b.jurisdictions
                        .as_ref()
                        .is_none_or(|list| list.contains(&record.jurisdiction))
                });
            if eligible && record.responder.is_none() {
                record.responder = Some(account.to_owned());
                true
            } else {
                false
            }
        };
        if acts {
            let ctx = self.clone();
            let (account, case) = (account.to_owned(), case.to_owned());
            tokio::spawn(async move { ctx.respond(index, account, case, at).await });
        }
    }

    /// The responder's script, timed from the alert.
    async fn respond(self: Arc<Self>, index: usize, account: String, case: String, alert_at: i64) {
        let Some(behaviour) = self.scenario.org_of(&account).and_then(|o| o.behaviour.clone()) else {
            return;
        };
        let Some(auth) = self.auth(&account) else { return };
        let mut steps: Vec<(u64, &str)> = vec![(behaviour.acknowledge_after_ms, "acknowledged")];
        if let Some(ms) = behaviour.triage_after_ms {
            steps.push((ms, "in-progress"));
        }
        if let Some(ms) = behaviour.share_after_ms {
            steps.push((ms, "share"));
        }
        if let Some(ms) = behaviour.resolve_after_ms {
            steps.push((ms, behaviour.outcome.as_str()));
        }
        steps.sort_by_key(|(ms, _)| *ms);
        let alert_instant =
            Instant::now() - Duration::from_micros(u64::try_from(now_us() - alert_at).unwrap_or(0));
        for (ms, step) in steps {
            tokio::time::sleep_until((alert_instant + scaled(ms, self.speed)).into()).await;
            let ok = if step == "share" {
                self.share(index, &auth, &case, &behaviour).await
            } else {
                self.transition(index, &auth, &case, step).await
            };
            if !ok {
                return;
            }
        }
    }

    async fn transition(&self, index: usize, auth: &str, case: &str, to: &str) -> bool {
        let path = format!("/incidents/v1/{case}/transition");
        let body = json!({"to": to, "note": "drill: scripted responder"});
        match self.api.call("POST", &path, auth, Some(&body)).await {
            Ok(reply) if reply.ok() => {
                let at = hub_time(&reply.body, Some(to)).unwrap_or_else(now_us);
                let mut state = self.state();
                let stages = &mut state.records[index].stages;
                match to {
                    "acknowledged" => stages.acknowledged = Some(at),
                    "in-progress" => stages.triaged = Some(at),
                    _ => stages.resolved = Some(at),
                }
                true
            }
            Ok(reply) => {
                self.error(index, reply.describe(&format!("moving the case to {to}")));
                false
            }
            Err(err) => {
                self.error(index, err);
                false
            }
        }
    }

    async fn share(
        &self,
        index: usize,
        auth: &str,
        case: &str,
        behaviour: &drill::scenario::Behaviour,
    ) -> bool {
        let Some(share) = &behaviour.share else {
            return true;
        };
        let Some(collection) = self.provisioned.collections.get(&share.collection) else {
            self.error(index, format!("no collection {}", share.collection));
            return false;
        };
        let path = format!("/incidents/v1/{case}/share");
        let body = json!({"communities": share.communities, "tlp": share.tlp, "collection": collection.id});
        match self.api.call("POST", &path, auth, Some(&body)).await {
            Ok(reply) if reply.ok() => {
                // The case records the share (its time is the hub's, as in the audit log) and its objects.
                let last = reply.body["shared"].as_array().and_then(|shares| shares.last());
                let at = last
                    .and_then(|share| share["at"].as_str())
                    .and_then(parse_rfc3339)
                    .unwrap_or_else(now_us);
                let ids = last.map_or_else(|| stix_ids(&reply.body), |share| stix_ids(&share["objects"]));
                self.link_objects(index, &ids);
                let mut state = self.state();
                let record = &mut state.records[index];
                record.stages.published = Some(at);
                if let Some(status) = reply.body["status_id"]
                    .as_str()
                    .or(reply.body["status"]["id"].as_str())
                {
                    record.status_ids.push(status.to_owned());
                }
                if reply.body["pending_review"].as_u64().is_some_and(|n| n > 0)
                    || reply.body["pending_review"]
                        .as_array()
                        .is_some_and(|a| !a.is_empty())
                {
                    record.review_note = Some("part of the share is held for PII review".to_owned());
                }
                true
            }
            Ok(reply) => {
                self.error(index, reply.describe("sharing the case"));
                false
            }
            Err(err) => {
                self.error(index, err);
                false
            }
        }
    }

    /// Submits inject `index`.
    pub(crate) async fn submit(self: Arc<Self>, index: usize) {
        let inject = self.scenario.injects[index].clone();
        let Some(auth) = self.auth(&inject.from) else {
            return;
        };
        match &inject.body {
            InjectBody::Report(report) => {
                let body = drill::inject::report_body(&inject, report, &rfc3339(now_us()));
                match self.api.call("POST", "/incidents/v1/", &auth, Some(&body)).await {
                    Ok(reply) if reply.ok() => {
                        let Some(case) = reply.body["id"].as_str().map(str::to_owned) else {
                            self.error(index, "the case answer has no id".to_owned());
                            return;
                        };
                        let at = hub_time(&reply.body, None).unwrap_or_else(now_us);
                        let early = {
                            let mut state = self.state();
                            state.by_case.insert(case.clone(), index);
                            let record = &mut state.records[index];
                            record.case_id = Some(case.clone());
                            record.stages.submitted = Some(at);
                            record.stages.reviewed = Some(at);
                            record.review_note = Some("case created (PII screened at intake)".to_owned());
                            state.early_alerts.remove(&case).unwrap_or_default()
                        };
                        for (account, alert_at) in early {
                            self.handle_alert(index, &account, &case, alert_at);
                        }
                    }
                    Ok(reply) => self.error(index, reply.describe("POST /incidents/v1/")),
                    Err(err) => self.error(index, err),
                }
            }
            InjectBody::Indicator(indicator) => {
                let Some(collection) = self.provisioned.collections.get(&indicator.collection) else {
                    self.error(index, format!("no collection {}", indicator.collection));
                    return;
                };
                let indicator_id = format!("indicator--{}", uuid::Uuid::new_v4());
                let bundle_id = format!("bundle--{}", uuid::Uuid::new_v4());
                let now = drill::report::rfc3339(now_us());
                // Milliseconds are enough for STIX timestamps and keep the ids' versions simple.
                let now = format!("{}Z", &now[..23.min(now.len().saturating_sub(1))]);
                let bundle =
                    drill::inject::indicator_bundle(&inject, indicator, &indicator_id, &bundle_id, &now);
                self.link_objects(index, std::slice::from_ref(&indicator_id));
                // Sent now: a subscriber may hear of it before the answer reaches the drill.
                let sent = now_us();
                match self
                    .api
                    .taxii_post(&collection.objects_path(), &auth, &bundle)
                    .await
                {
                    Ok(reply) if reply.ok() => {
                        let at = now_us();
                        let status = &reply.body;
                        let listed = |key: &str| {
                            status[key].as_array().is_some_and(|list| {
                                list.iter()
                                    .any(|entry| entry["id"].as_str() == Some(indicator_id.as_str()))
                            })
                        };
                        let mut state = self.state();
                        let record = &mut state.records[index];
                        record.stages.submitted = Some(sent);
                        if let Some(id) = status["id"].as_str() {
                            record.status_ids.push(id.to_owned());
                        }
                        if listed("successes") {
                            record.stages.reviewed = Some(at);
                            record.stages.published = Some(at);
                            record.review_note = Some("stored".to_owned());
                        } else if listed("pendings") {
                            record.review_note = Some("held for PII review".to_owned());
                        } else {
                            record
                                .errors
                                .push(format!("the indicator was refused: {}", reply.text));
                        }
                    }
                    Ok(reply) => self.error(index, reply.describe("TAXII POST")),
                    Err(err) => self.error(index, err),
                }
            }
        }
    }

    /// True when every inject has gone as far as the scenario scripts it.
    pub(crate) fn complete(&self) -> bool {
        let state = self.state();
        state
            .records
            .iter()
            .zip(&self.scenario.injects)
            .all(|(record, inject)| {
                if !record.errors.is_empty() {
                    return true;
                }
                let delivered = record
                    .expected_recipients
                    .iter()
                    .all(|s| record.deliveries.contains_key(s));
                match &inject.body {
                    InjectBody::Indicator(_) => record.stages.published.is_some() && delivered,
                    InjectBody::Report(_) => {
                        let Some(responder) = record.responder.as_deref() else {
                            return false;
                        };
                        let Some(behaviour) =
                            self.scenario.org_of(responder).and_then(|o| o.behaviour.as_ref())
                        else {
                            return true;
                        };
                        record.stages.acknowledged.is_some()
                            && (behaviour.triage_after_ms.is_none() || record.stages.triaged.is_some())
                            && (behaviour.share_after_ms.is_none()
                                || (record.stages.published.is_some() && delivered))
                            && (behaviour.resolve_after_ms.is_none() || record.stages.resolved.is_some())
                    }
                }
            })
    }

    /// Counts for the progress line: submitted, acknowledged, published, deliveries seen / expected.
    pub(crate) fn progress(&self) -> (usize, usize, usize, usize, usize) {
        let state = self.state();
        let mut out = (0, 0, 0, 0, 0);
        for record in &state.records {
            out.0 += usize::from(record.stages.submitted.is_some());
            out.1 += usize::from(record.stages.acknowledged.is_some());
            out.2 += usize::from(record.stages.published.is_some());
            out.3 += record
                .expected_recipients
                .iter()
                .filter(|s| record.deliveries.contains_key(*s))
                .count();
            out.4 += record.expected_recipients.len();
        }
        out
    }
}

fn record_delivery(record: &mut InjectRecord, subscriber: &str, at: i64) {
    let slot = record.deliveries.entry(subscriber.to_owned()).or_insert(at);
    *slot = (*slot).min(at);
}

/// The hub's own time for a case event: the last history entry (moving `to` this status, when given).
fn hub_time(case: &Value, to: Option<&str>) -> Option<i64> {
    let history = case["history"].as_array()?;
    let entry = match to {
        Some(to) => history.iter().rev().find(|h| h["to"].as_str() == Some(to))?,
        None => history.first()?,
    };
    parse_rfc3339(entry["at"].as_str()?)
}

/// Every STIX id (`type--uuid`) named anywhere in an answer, except marking-definitions and identities (those
/// are not what a share publishes for the subscribers to see first).
pub(crate) fn stix_ids(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(text) => {
                if let Some((kind, uuid)) = text.split_once("--")
                    && uuid.len() == 36
                    && !kind.is_empty()
                    && kind
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !matches!(kind, "marking-definition" | "identity" | "extension-definition")
                    && !out.contains(text)
                {
                    out.push(text.clone());
                }
            }
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    out
}
