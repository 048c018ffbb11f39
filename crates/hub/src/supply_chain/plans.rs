//! Joint action plans (issue 18 part 6): for a function of the register, organisations commit actions
//! (owner, due date, status), shared with a community under TLP (`risk::plan` holds who reads what).
//!
//! Events: each change appends one `action-plan` event and each action found overdue one
//! `action-overdue` event (once per action), without a collection, naming as audience the organisations
//! that read the plan when the event is written (`event_read` delivers such events to those organisations'
//! accounts and to hub admins). A plan the caller may not read answers `NotFound` like an unknown id.

use std::collections::BTreeSet;

use risk::plan::{Action, Plan, PlanReader, Status, Tlp, check_due, check_text};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::{Expect, NewEvent};

use super::{NS_PLANS, key_part, put, read, scan};
use crate::delegation::require_hub_admin;
use crate::{Caller, Hub, HubError, HubResult};

/// A new plan.
#[derive(Debug, Clone)]
pub struct NewPlan {
    /// The function it addresses.
    pub function: String,
    /// Its title.
    pub title: String,
    /// Its TLP (`clear`, `green`, `amber`, `amber+strict`, `red`).
    pub tlp: String,
    /// The community it is shared with.
    pub community: String,
}

/// A new action.
#[derive(Debug, Clone)]
pub struct NewAction {
    /// Its owner.
    pub owner: String,
    /// What will be done.
    pub description: String,
    /// Due date `YYYY-MM-DD`.
    pub due: String,
}

/// The stored plan with the overdue flags already announced.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    plan: Plan,
    #[serde(default)]
    overdue_announced: BTreeSet<String>,
}

/// A plan as shown: with its progress and overdue actions on the day it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanView {
    /// The plan.
    pub plan: Plan,
    /// Actions done.
    pub done: usize,
    /// Ids of overdue actions.
    pub overdue: Vec<String>,
}

impl PlanView {
    fn of(plan: Plan, today: &str) -> PlanView {
        let overdue = plan.overdue(today).map(|a| a.id.clone()).collect();
        let (done, _) = plan.progress();
        PlanView { plan, done, overdue }
    }

    /// The JSON form of the REST API.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.plan.id, "function": self.plan.function, "title": self.plan.title,
            "tlp": self.plan.tlp.label(), "community": self.plan.community, "org": self.plan.org,
            "created": crate::event_read::taxii_timestamp(self.plan.created_micros),
            "progress": {"done": self.done, "total": self.plan.actions.len(), "overdue": self.overdue.len()},
            "actions": self.plan.actions.iter().map(|a| json!({
                "id": a.id, "org": a.org, "owner": a.owner, "description": a.description, "due": a.due,
                "status": a.status.as_str(), "overdue": self.overdue.contains(&a.id),
                "updated": crate::event_read::taxii_timestamp(a.updated_micros),
            })).collect::<Vec<_>>(),
        })
    }
}

/// Today, `YYYY-MM-DD` (UTC).
pub(crate) fn today() -> String {
    crate::event_read::taxii_timestamp(crate::now_micros())[..10].to_owned()
}

fn bad(err: risk::RiskError) -> HubError {
    HubError::BadRequest(err.to_string())
}

impl Hub {
    /// How plans see `caller`.
    async fn plan_reader(&self, caller: &Caller) -> HubResult<PlanReader> {
        let (direct, effective) = match caller.org.as_deref() {
            Some(org) => self.community_sets(org).await?,
            None => (BTreeSet::new(), BTreeSet::new()),
        };
        Ok(PlanReader {
            org: caller.org.clone(),
            hub_admin: require_hub_admin(caller).is_ok(),
            direct,
            effective,
        })
    }

    /// The organisations that read `plan` now (the audience of its events).
    async fn plan_audience(&self, plan: &Plan) -> HubResult<Vec<String>> {
        let directory = self.sharing_directory().await?;
        let mut orgs = Vec::new();
        for org in &directory.organisations {
            let (direct, effective) = self.community_sets(&org.name).await?;
            let reader = PlanReader {
                org: Some(org.name.clone()),
                hub_admin: false,
                direct,
                effective,
            };
            if plan.readable_by(&reader) {
                orgs.push(org.name.clone());
            }
        }
        Ok(orgs)
    }

    async fn plan_event(&self, kind: &str, plan: &Plan, details: Value) -> HubResult<()> {
        let payload = json!({
            "audience": {"orgs": self.plan_audience(plan).await?},
            "plan": {"id": plan.id, "function": plan.function, "title": plan.title, "tlp": plan.tlp.label()},
            "change": details,
        });
        self.store
            .append_events(vec![NewEvent {
                kind: kind.to_owned(),
                collection: None,
                payload: payload.to_string(),
            }])
            .await?;
        self.events_committed();
        Ok(())
    }

    /// Opens a plan for a function, shared with a community the caller's organisation belongs to.
    pub async fn create_plan(&self, caller: &Caller, new: NewPlan) -> HubResult<PlanView> {
        let org = caller
            .org
            .clone()
            .ok_or_else(|| HubError::BadRequest("org: your account has no organisation".into()))?;
        let tlp = Tlp::parse(&new.tlp).map_err(bad)?;
        check_text("title", &new.title, 200).map_err(bad)?;
        if self.risk_catalogue().await?.function(&new.function).is_none() {
            return Err(HubError::BadRequest(format!(
                "function: unknown National Critical Function {:?}",
                new.function
            )));
        }
        let (_, effective) = self.community_sets(&org).await?;
        if !effective.contains(&new.community) && require_hub_admin(caller).is_err() {
            return Err(HubError::BadRequest(format!(
                "community: {:?} is not a community of your organisation",
                new.community
            )));
        }
        let plan = Plan {
            id: uuid::Uuid::new_v4().to_string(),
            function: new.function,
            title: new.title.trim().to_owned(),
            tlp,
            community: new.community,
            org,
            created_micros: crate::now_micros(),
            actions: Vec::new(),
        };
        let stored = Stored {
            plan: plan.clone(),
            overdue_announced: BTreeSet::new(),
        };
        self.store
            .write_records(
                vec![put(NS_PLANS, &key_part(&plan.id), &stored, Expect::Absent)?],
                crate::now_micros(),
            )
            .await?;
        self.audit(
            &caller.account,
            "risk.plan.create",
            0,
            json!({"plan": plan.id, "function": plan.function}),
        )
        .await?;
        self.plan_event("action-plan", &plan, json!({"created": true}))
            .await?;
        Ok(PlanView::of(plan, &today()))
    }

    /// The plans `caller` reads, for one function or all.
    pub async fn plans(&self, caller: &Caller, function: Option<&str>) -> HubResult<Vec<PlanView>> {
        let reader = self.plan_reader(caller).await?;
        let today = today();
        Ok(scan::<Stored>(self, NS_PLANS, "")
            .await?
            .into_iter()
            .map(|(_, s)| s.plan)
            .filter(|p| function.is_none_or(|f| p.function == f) && p.readable_by(&reader))
            .map(|p| PlanView::of(p, &today))
            .collect())
    }

    /// One plan (`NotFound` when absent or not readable).
    pub async fn plan(&self, caller: &Caller, id: &str) -> HubResult<PlanView> {
        let (stored, _) = self.readable_plan(caller, id).await?;
        Ok(PlanView::of(stored.plan, &today()))
    }

    async fn readable_plan(&self, caller: &Caller, id: &str) -> HubResult<(Stored, i64)> {
        let reader = self.plan_reader(caller).await?;
        match read::<Stored>(self, NS_PLANS, &key_part(id)).await? {
            Some((stored, version)) if stored.plan.readable_by(&reader) => Ok((stored, version)),
            _ => Err(HubError::NotFound),
        }
    }

    /// Commits an action of the caller's organisation to a plan it reads.
    pub async fn add_action(&self, caller: &Caller, plan_id: &str, new: NewAction) -> HubResult<PlanView> {
        let org = caller
            .org
            .clone()
            .ok_or_else(|| HubError::BadRequest("org: your account has no organisation".into()))?;
        check_text("owner", &new.owner, 200).map_err(bad)?;
        check_text("description", &new.description, 2000).map_err(bad)?;
        check_due(&new.due).map_err(bad)?;
        let (mut stored, version) = self.readable_plan(caller, plan_id).await?;
        if stored.plan.actions.len() >= risk::plan::MAX_ACTIONS {
            return Err(HubError::BadRequest(format!(
                "actions: a plan holds at most {} actions",
                risk::plan::MAX_ACTIONS
            )));
        }
        let action = Action {
            id: uuid::Uuid::new_v4().to_string(),
            org,
            owner: new.owner.trim().to_owned(),
            description: new.description.trim().to_owned(),
            due: new.due,
            status: Status::Open,
            updated_micros: crate::now_micros(),
        };
        stored.plan.actions.push(action.clone());
        self.store
            .write_records(
                vec![put(
                    NS_PLANS,
                    &key_part(plan_id),
                    &stored,
                    Expect::Version(version),
                )?],
                crate::now_micros(),
            )
            .await?;
        self.audit(
            &caller.account,
            "risk.plan.action",
            0,
            json!({"plan": plan_id, "action": action.id}),
        )
        .await?;
        let change = json!({"action": action.id, "org": action.org, "due": action.due, "status": "open"});
        self.plan_event("action-plan", &stored.plan, change).await?;
        Ok(PlanView::of(stored.plan, &today()))
    }

    /// Sets the status of an action of the caller's organisation.
    pub async fn set_action_status(
        &self,
        caller: &Caller,
        plan_id: &str,
        action_id: &str,
        status: &str,
    ) -> HubResult<PlanView> {
        let status = Status::parse(status).map_err(bad)?;
        let (mut stored, version) = self.readable_plan(caller, plan_id).await?;
        let admin = require_hub_admin(caller).is_ok();
        let action = stored
            .plan
            .actions
            .iter_mut()
            .find(|a| a.id == action_id)
            .ok_or(HubError::NotFound)?;
        if !admin && caller.org.as_deref() != Some(action.org.as_str()) {
            return Err(HubError::Forbidden);
        }
        action.status = status;
        action.updated_micros = crate::now_micros();
        let change = json!({"action": action.id, "org": action.org, "status": status.as_str()});
        self.store
            .write_records(
                vec![put(
                    NS_PLANS,
                    &key_part(plan_id),
                    &stored,
                    Expect::Version(version),
                )?],
                crate::now_micros(),
            )
            .await?;
        self.audit(
            &caller.account,
            "risk.plan.status",
            0,
            json!({"plan": plan_id, "action": action_id, "status": status.as_str()}),
        )
        .await?;
        self.plan_event("action-plan", &stored.plan, change).await?;
        Ok(PlanView::of(stored.plan, &today()))
    }

    /// Appends one `action-overdue` event per action that became overdue since the last round; returns how
    /// many. Run by the hub's periodic risk task and by `stixhub risk snapshot`.
    pub async fn announce_overdue_actions(&self) -> HubResult<usize> {
        let today = today();
        let mut n = 0;
        for (key, scanned) in scan::<Stored>(self, NS_PLANS, "").await? {
            if scanned
                .plan
                .overdue(&today)
                .all(|a| scanned.overdue_announced.contains(&a.id))
            {
                continue;
            }
            // Re-read under compare-and-swap: a node that lost the race announces nothing (the winner did).
            let Some((mut stored, version)) = read::<Stored>(self, NS_PLANS, &key).await? else {
                continue;
            };
            let fresh: Vec<Action> = stored
                .plan
                .overdue(&today)
                .filter(|a| !stored.overdue_announced.contains(&a.id))
                .cloned()
                .collect();
            stored
                .overdue_announced
                .extend(fresh.iter().map(|a| a.id.clone()));
            let written = self
                .store
                .write_records(
                    vec![put(NS_PLANS, &key, &stored, Expect::Version(version))?],
                    crate::now_micros(),
                )
                .await;
            if written.is_err() {
                continue;
            }
            for action in &fresh {
                let change = json!({"action": action.id, "org": action.org, "owner": action.owner, "due": action.due, "status": action.status.as_str()});
                self.plan_event("action-overdue", &stored.plan, change).await?;
                n += 1;
            }
        }
        Ok(n)
    }
}
