//! Operator configuration of incidents: routing rules, timers per severity, extra categories (hub admins,
//! through `Hub::authorize`; audited). A rule that reaches no existing account is stored but flagged: its
//! answer says so, `list` shows it, and hub admins get an `incident-route-flag` event.

use incident::routing::{RouteRule, rule_from_json};
use incident::taxonomy::{Category, Taxonomy, check_category_id};
use incident::timers::{StageSeconds, TimerPolicy};
use incident::{FieldError, Severity};
use serde_json::{Value, json};
use store::{NewEvent, RecordScan, RecordWrite};

use super::{INCIDENT_ROUTE_FLAG, IncidentError, IncidentResult, NS_ROUTE};
use crate::{AdminAction, Caller, Hub, HubError, HubResult};

/// The most routing rules.
pub(crate) const MAX_RULES: usize = 1000;
const TIMERS_KEY: &str = "timers";

impl Hub {
    /// The routing rules, in id order.
    pub(crate) async fn route_rules(&self) -> HubResult<Vec<RouteRule>> {
        let records = self
            .store
            .records(RecordScan::prefix(NS_ROUTE, "rule/", MAX_RULES))
            .await?;
        Ok(records
            .iter()
            .filter_map(|r| serde_json::from_str(&r.body).ok())
            .collect())
    }

    /// The categories in force (built-in and the operator's).
    pub async fn incident_taxonomy(&self) -> HubResult<Taxonomy> {
        let records = self
            .store
            .records(RecordScan::prefix(NS_ROUTE, "category/", 1000))
            .await?;
        Ok(Taxonomy::with_custom(
            records
                .iter()
                .filter_map(|r| serde_json::from_str::<Category>(&r.body).ok()),
        ))
    }

    /// The timers per severity in force.
    pub async fn incident_timer_policy(&self) -> HubResult<TimerPolicy> {
        Ok(match self.store.record(NS_ROUTE, TIMERS_KEY).await? {
            Some(record) => serde_json::from_str(&record.body).unwrap_or_default(),
            None => TimerPolicy::default(),
        })
    }

    /// Sets the timers of one severity (hub admins). Applies to cases reported from now on.
    pub async fn set_incident_timers(
        &self,
        caller: &Caller,
        severity: Severity,
        seconds: StageSeconds,
    ) -> HubResult<TimerPolicy> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        seconds.check().map_err(HubError::BadRequest)?;
        let mut policy = self.incident_timer_policy().await?;
        policy.set(severity, seconds);
        let body = serde_json::to_string(&policy).map_err(|err| HubError::Internal(err.to_string()))?;
        self.store
            .write_records(
                vec![RecordWrite::put(NS_ROUTE, TIMERS_KEY, body)],
                crate::now_micros(),
            )
            .await?;
        self.audit(
            &caller.account,
            "incident.timers",
            0,
            json!({"severity": severity.as_str(), "acknowledge": seconds.acknowledge,
                   "triage": seconds.triage, "resolve": seconds.resolve}),
        )
        .await?;
        Ok(policy)
    }

    /// Adds an operator category (hub admins).
    pub async fn add_incident_category(
        &self,
        caller: &Caller,
        id: &str,
        name: &str,
        description: &str,
    ) -> HubResult<()> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        check_category_id(id).map_err(HubError::BadRequest)?;
        if Taxonomy::is_built_in(id) {
            return Err(HubError::Conflict(format!("{id} is a built-in category")));
        }
        if name.trim().is_empty() || name.len() > 200 || description.len() > 1000 {
            return Err(HubError::BadRequest(
                "a category needs a name (≤ 200 bytes) and a description ≤ 1000".to_owned(),
            ));
        }
        let category = Category {
            id: id.to_owned(),
            name: name.trim().to_owned(),
            description: description.trim().to_owned(),
            custom: true,
        };
        let body = serde_json::to_string(&category).map_err(|err| HubError::Internal(err.to_string()))?;
        self.store
            .write_records(
                vec![RecordWrite::put(NS_ROUTE, format!("category/{id}"), body)],
                crate::now_micros(),
            )
            .await?;
        self.audit(
            &caller.account,
            "incident.category.add",
            0,
            json!({"id": id, "name": name}),
        )
        .await
    }

    /// Adds a routing rule from its JSON (hub admins). Answers the rule with `matches_nobody` and `problems`.
    pub async fn add_route_rule(&self, caller: &Caller, body: &Value) -> IncidentResult<Value> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        let mut rule = rule_from_json(body).map_err(IncidentError::Invalid)?;
        let taxonomy = self.incident_taxonomy().await?;
        let unknown: Vec<FieldError> = rule
            .categories
            .iter()
            .enumerate()
            .filter(|(_, c)| taxonomy.get(c).is_none())
            .map(|(i, _)| FieldError::new(format!("categories[{i}]"), "not a category of the taxonomy"))
            .collect();
        if !unknown.is_empty() {
            return Err(IncidentError::Invalid(unknown));
        }
        if self.route_rules().await?.len() >= MAX_RULES {
            return Err(HubError::Conflict(format!("at most {MAX_RULES} routing rules")).into());
        }
        rule.id = uuid::Uuid::new_v4().to_string();
        let body = serde_json::to_string(&rule).map_err(|err| HubError::Internal(err.to_string()))?;
        self.store
            .write_records(
                vec![
                    RecordWrite::put(NS_ROUTE, format!("rule/{}", rule.id), body)
                        .expecting(store::Expect::Absent),
                ],
                crate::now_micros(),
            )
            .await?;
        let view = self.rule_view(&rule).await?;
        self.audit(&caller.account, "incident.route.add", 0, view.clone())
            .await?;
        if view["matches_nobody"] == true {
            let event = NewEvent {
                kind: INCIDENT_ROUTE_FLAG.to_owned(),
                collection: None,
                payload: json!({"rule": rule.id, "problems": view["problems"],
                                "message": "this routing rule reaches no account"})
                .to_string(),
            };
            self.store.append_events(vec![event]).await?;
            self.events_committed();
        }
        Ok(view)
    }

    /// Every routing rule with its problems (hub admins).
    pub async fn list_route_rules(&self, caller: &Caller) -> HubResult<Vec<Value>> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        let mut out = Vec::new();
        for rule in self.route_rules().await? {
            out.push(self.rule_view(&rule).await?);
        }
        Ok(out)
    }

    /// Removes a routing rule (hub admins); open cases keep the responders they were routed to.
    pub async fn remove_route_rule(&self, caller: &Caller, id: &str) -> HubResult<()> {
        self.authorize(caller, AdminAction::HubAdministration).await?;
        let key = format!("rule/{id}");
        if id.contains('/') || self.store.record(NS_ROUTE, &key).await?.is_none() {
            return Err(HubError::NotFound);
        }
        self.store
            .write_records(vec![RecordWrite::delete(NS_ROUTE, key)], crate::now_micros())
            .await?;
        self.audit(&caller.account, "incident.route.remove", 0, json!({"rule": id}))
            .await
    }

    /// A rule as shown, with what it names that does not exist and whether it reaches any account.
    async fn rule_view(&self, rule: &RouteRule) -> HubResult<Value> {
        let accounts = self.store.accounts().await?;
        let directory = self.sharing_directory().await?;
        let (orgs, named_accounts) = rule.named();
        let mut problems = Vec::new();
        for org in &orgs {
            if !directory.organisations.iter().any(|o| o.name == *org) {
                problems.push(format!("organisation {org} does not exist"));
            } else if !accounts
                .iter()
                .any(|a| !a.disabled && a.org.as_deref() == Some(*org))
            {
                problems.push(format!("organisation {org} has no enabled account"));
            }
        }
        for name in &named_accounts {
            if !accounts.iter().any(|a| !a.disabled && a.name == *name) {
                problems.push(format!("account {name} does not exist or is disabled"));
            }
        }
        let reaches = accounts.iter().any(|a| {
            !a.disabled
                && (named_accounts.contains(a.name.as_str())
                    || a.org.as_deref().is_some_and(|org| orgs.contains(org)))
        });
        let mut view = serde_json::to_value(rule).map_err(|err| HubError::Internal(err.to_string()))?;
        view["matches_nobody"] = (!reaches).into();
        view["problems"] = problems.into();
        Ok(view)
    }
}
