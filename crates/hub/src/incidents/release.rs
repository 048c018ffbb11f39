//! Incident events on the event log, and their release per reader (called by `event_read` for every channel:
//! SSE, webhooks, e-mail).
//!
//! - `incident-alert` (a case reached responders: reported, or escalated to a tier): delivered only to the
//!   accounts its payload's audience names (the tier's organisations and accounts), and only while they may
//!   read the case. An alert with an empty audience (no rule reaches anybody) goes to hub admins.
//! - `incident-updated` (a transition, note, breach or share): delivered to whoever may read the case now.
//! - Both are decided at delivery time from the stored case: a purged case delivers nothing, and nobody
//!   outside the case's readers learns that an event existed (no frame, no id, no count).

use events::Candidate;
use incident::Case;
use serde_json::{Value, json};
use store::{EventRecord, NewEvent};

use super::{INCIDENT_ALERT, INCIDENT_UPDATED, caller_org};
use crate::event_read::{DeliveredEvent, EventReader};
use crate::{Hub, HubResult};

/// Whether `kind` is released by this module.
pub(crate) fn is_incident_kind(kind: &str) -> bool {
    kind == INCIDENT_ALERT || kind == INCIDENT_UPDATED
}

impl Hub {
    /// Appends the `incident-alert` of tier `tier` of `case`.
    pub(crate) async fn append_incident_alert(
        &self,
        case: &Case,
        tier: usize,
        escalated: bool,
    ) -> HubResult<()> {
        let (orgs, accounts) = match case.tiers.get(tier) {
            Some(t) => (t.orgs.clone(), t.accounts.clone()),
            None => (Vec::new(), Vec::new()),
        };
        let reaches_nobody = self.tier_accounts(case, tier).await?.is_empty();
        let payload = json!({
            "case": case.id,
            "tier": tier,
            "escalated": escalated,
            "unrouted": reaches_nobody,
            "audience": {"orgs": orgs, "accounts": accounts},
        });
        self.append_incident_event(INCIDENT_ALERT, payload).await
    }

    /// Appends the `incident-updated` event of `case` (`action`: `transition`, `note`, `breached`, `shared`).
    pub(crate) async fn append_incident_updated(&self, case: &Case, action: &str) -> HubResult<()> {
        let payload = json!({"case": case.id, "action": action, "status": case.status.as_str()});
        self.append_incident_event(INCIDENT_UPDATED, payload).await
    }

    async fn append_incident_event(&self, kind: &str, payload: Value) -> HubResult<()> {
        let event = NewEvent {
            kind: kind.to_owned(),
            collection: None,
            payload: payload.to_string(),
        };
        self.store.append_events(vec![event]).await?;
        self.events_committed();
        Ok(())
    }

    /// One incident event for one reader: `None` unless it may read the case now (see the module).
    pub(crate) async fn release_incident_event(
        &self,
        reader: &EventReader,
        record: &EventRecord,
    ) -> HubResult<Option<DeliveredEvent>> {
        let candidate = Candidate {
            collection: None,
            object_type: None,
            tlp: None,
            object: None,
            score: None,
        };
        if !reader.filter().matches(&candidate) {
            return Ok(None);
        }
        let Some(payload) = record
            .payload
            .as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
        else {
            return Ok(None);
        };
        let Some(id) = payload["case"].as_str() else {
            return Ok(None);
        };
        let caller = reader.caller();
        let Some((case, _)) = self.load_case(id).await? else {
            return Ok(None);
        };
        let org = caller_org(caller);
        if !case.may_read(&caller.account, &org, caller.is_admin) {
            return Ok(None);
        }
        if record.kind == INCIDENT_ALERT {
            let audience = &payload["audience"];
            let named = |key: &str, name: &str| {
                audience[key]
                    .as_array()
                    .is_some_and(|names| names.iter().any(|n| n.as_str() == Some(name)))
            };
            let addressed = named("accounts", &caller.account) || named("orgs", &org);
            let for_admins = payload["unrouted"] == true && caller.is_admin;
            if !addressed && !for_admins {
                return Ok(None);
            }
        }
        let data = json!({
            "seq": record.seq,
            "kind": record.kind,
            "collection": Value::Null,
            "case": case.summary_json(),
            "tier": payload["tier"],
            "escalated": payload["escalated"],
            "action": payload["action"],
        });
        Ok(Some(DeliveredEvent {
            seq: record.seq,
            kind: record.kind.clone(),
            json: data.to_string(),
            created_micros: record.created_micros,
        }))
    }
}
