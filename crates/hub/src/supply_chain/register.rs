//! The ranked register for one reader (issue 18 part 4): per National Critical Function, the findings
//! (weighted by SSVC outcome) and threat activity (sightings of their CVEs, victim notifications on assets
//! supporting the function) of the organisations the reader may see (`risk::visibility`), the overdue
//! actions of the plans it reads, and the trend from stored snapshots counted over the same organisations.
//!
//! Which function a finding counts for: the functions its organisation and its SBOM's product are tagged
//! with. A victim notification counts for the functions of its asset (its organisation's when the asset is
//! untagged). Snapshots store per-organisation scores, so a reader's trend never includes an organisation
//! it may not see.

use std::collections::{BTreeMap, BTreeSet};

use risk::register::{Contributor, Entry, Kind, Snapshot, rank, trend};
use risk::visibility::{Consent, Owner, Viewer, may_see};
use serde_json::{Value, json};
use store::Expect;

use super::intel::CveIntel;
use super::plans::today as plans_today;
use super::tags::AllTags;
use super::{NS_SNAPSHOTS, put, scan};
use crate::delegation::require_hub_admin;
use crate::{Caller, Hub, HubResult};

/// Events examined for victim notifications (the newest).
const EVENT_WINDOW: u64 = 20_000;
/// Snapshots shown in a trend (the newest).
const TREND_POINTS: usize = 60;

/// One function of a reader's register.
#[derive(Debug, Clone)]
pub struct RegisterEntry {
    /// The ranked entry (score, contributors).
    pub entry: Entry,
    /// The function's name status (`sourced`, `operator`), `None` when no longer in the catalogue.
    pub name_status: Option<risk::NameStatus>,
    /// Trend: (µs, score) oldest first, then now.
    pub trend: Vec<(i64, u64)>,
    /// Plans on this function the reader reads: (id, title, done, total, overdue).
    pub plans: Vec<(String, String, usize, usize, usize)>,
}

/// A reader's register.
#[derive(Debug, Clone)]
pub struct Register {
    /// Functions, highest risk first.
    pub entries: Vec<RegisterEntry>,
    /// Organisations whose contributions are counted.
    pub organisations: Vec<String>,
    /// Functions of the set not yet named in the catalogue.
    pub unnamed_functions: usize,
    /// False when the threat-intelligence scan stopped at its budget.
    pub intel_complete: bool,
}

impl Register {
    /// The JSON form of `GET /risk/v1/register`.
    pub fn to_json(&self) -> Value {
        json!({
            "organisations": self.organisations,
            "unnamed_functions": self.unnamed_functions,
            "intel_complete": self.intel_complete,
            "functions": self.entries.iter().map(|e| json!({
                "rank": e.entry.rank,
                "function": e.entry.function,
                "name": e.entry.name,
                "name_status": e.name_status,
                "score": e.entry.score,
                "findings_points": e.entry.findings_points,
                "activity_points": e.entry.activity_points,
                "by_org": e.entry.by_org,
                "by_kind": e.entry.by_kind,
                "contributors": e.entry.contributors,
                "trend": e.trend.iter().map(|(at, score)| json!({
                    "at": crate::event_read::taxii_timestamp(*at), "score": score,
                })).collect::<Vec<_>>(),
                "plans": e.plans.iter().map(|(id, title, done, total, overdue)| json!({
                    "id": id, "title": title, "done": done, "total": total, "overdue": overdue,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }

    /// The CSV form: one line per contributor (`rank,function,name,score,org,kind,points,label,link`).
    pub fn to_csv(&self) -> String {
        let mut out = String::from("rank,function,name,score,org,kind,points,label,link\n");
        for e in &self.entries {
            let head = format!(
                "{},{},{},{}",
                e.entry.rank,
                csv(&e.entry.function),
                csv(&e.entry.name),
                e.entry.score
            );
            if e.entry.contributors.is_empty() {
                out.push_str(&format!("{head},,,,,\n"));
            }
            for c in &e.entry.contributors {
                out.push_str(&format!(
                    "{head},{},{},{},{},{}\n",
                    csv(&c.org),
                    c.kind.as_str(),
                    c.points,
                    csv(&c.label),
                    csv(&c.link)
                ));
            }
        }
        out
    }
}

/// One CSV field (quoted when needed; a leading formula character is neutralised for spreadsheets).
fn csv(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn consent(text: &str) -> Consent {
    match text {
        "everyone" => Consent::Everyone,
        "government" => Consent::Government,
        _ => Consent::None,
    }
}

impl Hub {
    /// The communities `org` is a direct member of, and those with their ancestors.
    pub(crate) async fn community_sets(&self, org: &str) -> HubResult<(BTreeSet<String>, BTreeSet<String>)> {
        let directory = self.sharing_directory().await?;
        let direct: BTreeSet<String> = directory
            .members
            .iter()
            .filter(|(_, o)| o == org)
            .map(|(c, _)| c.clone())
            .collect();
        let parents: BTreeMap<&str, Option<&str>> = directory
            .communities
            .iter()
            .map(|c| (c.name.as_str(), c.parent.as_deref()))
            .collect();
        let mut effective = BTreeSet::new();
        for community in &direct {
            let mut at = Some(community.as_str());
            // The directory refuses cycles; the bound only guards a corrupt store.
            for _ in 0..64 {
                let Some(name) = at else { break };
                if !effective.insert(name.to_owned()) {
                    break;
                }
                at = parents.get(name).copied().flatten();
            }
        }
        Ok((direct, effective))
    }

    /// The organisations whose contributions `caller` sees, among `candidates`.
    pub(crate) async fn visible_orgs(
        &self,
        caller: &Caller,
        candidates: &BTreeSet<String>,
    ) -> HubResult<BTreeSet<String>> {
        let directory = self.sharing_directory().await?;
        let government = |org: &str| {
            directory
                .organisations
                .iter()
                .any(|o| o.name == org && o.government)
        };
        let viewer = Viewer {
            org: caller.org.clone(),
            government: caller.org.as_deref().is_some_and(government),
            hub_admin: require_hub_admin(caller).is_ok(),
            direct_communities: match caller.org.as_deref() {
                Some(org) => self.community_sets(org).await?.0,
                None => BTreeSet::new(),
            },
        };
        let mut visible = BTreeSet::new();
        for org in candidates {
            let consent = directory
                .organisations
                .iter()
                .find(|o| &o.name == org)
                .map_or(Consent::None, |o| consent(&o.consent));
            let (_, effective) = self.community_sets(org).await?;
            let owner = Owner {
                org,
                consent,
                effective_communities: &effective,
            };
            if may_see(&viewer, &owner) {
                visible.insert(org.clone());
            }
        }
        Ok(visible)
    }

    /// Every contributor of the organisations in `orgs` (findings with their SSVC outcomes as `intel`
    /// decides them, sightings of their CVEs, victim notifications).
    async fn contributors(
        &self,
        orgs: &BTreeSet<String>,
        tags: &AllTags,
        intel: &CveIntel,
    ) -> HubResult<Vec<Contributor>> {
        let mut out = Vec::new();
        let mut sighted: BTreeSet<(String, String)> = BTreeSet::new();
        for org in orgs {
            let org_tags = tags.of(org);
            for finding in self.decided_findings(org, tags, intel).await? {
                if finding.status != "affected" {
                    continue;
                }
                let mut functions = org_tags.tags.functions.clone();
                if let Some(product) = &finding.product
                    && let Some(p) = org_tags.products.get(product)
                {
                    functions.extend(p.functions.iter().cloned());
                }
                let Some(kind) = finding.ssvc.as_ref().and_then(|d| Kind::of_outcome(&d.outcome)) else {
                    continue;
                };
                for function in &functions {
                    let label = format!(
                        "{} in {} ({}): SSVC {}{}",
                        finding.vulnerability,
                        finding.component,
                        finding.product.as_deref().unwrap_or("no product"),
                        finding.ssvc.as_ref().map_or("", |d| d.outcome.as_str()),
                        if finding.kev { ", KEV" } else { "" }
                    );
                    out.push(Contributor::new(
                        function,
                        org,
                        kind,
                        label,
                        finding.link(function),
                    ));
                    for sighting in finding.evidence.iter().flat_map(|e| e.sightings.iter()) {
                        if sighted.insert((function.clone(), sighting.id.clone())) {
                            let label = format!("sighting of {} ({})", finding.vulnerability, sighting.id);
                            out.push(Contributor::new(
                                function,
                                org,
                                Kind::Sighting,
                                label,
                                sighting.link(),
                            ));
                        }
                    }
                }
            }
        }
        out.extend(self.notification_contributors(orgs, tags).await?);
        Ok(out)
    }

    /// Victim notifications (the newest `EVENT_WINDOW` events) on assets of `orgs`, per function.
    async fn notification_contributors(
        &self,
        orgs: &BTreeSet<String>,
        tags: &AllTags,
    ) -> HubResult<Vec<Contributor>> {
        let bounds = self.store.event_bounds().await?;
        let mut after = bounds
            .latest
            .saturating_sub(EVENT_WINDOW)
            .max(bounds.first.saturating_sub(1));
        let mut out = Vec::new();
        loop {
            let events = self.store.events_after(after, 1000).await?;
            let Some(last) = events.last() else { break };
            after = last.seq;
            for event in &events {
                if event.kind != crate::victims::NOTIFICATION {
                    continue;
                }
                let payload: Value = event
                    .payload
                    .as_deref()
                    .and_then(|p| serde_json::from_str(p).ok())
                    .unwrap_or(Value::Null);
                let Some(org) = payload["audience"]["orgs"][0].as_str() else {
                    continue;
                };
                if !orgs.contains(org) {
                    continue;
                }
                let org_tags = tags.of(org);
                let asset = payload["asset"]["id"].as_str().unwrap_or_default();
                let functions = match org_tags.assets.get(asset) {
                    Some(t) if !t.functions.is_empty() => t.functions.clone(),
                    _ => org_tags.tags.functions.clone(),
                };
                for function in functions {
                    let label = format!(
                        "victim notification on {} {}",
                        payload["asset"]["kind"].as_str().unwrap_or("asset"),
                        payload["asset"]["value"].as_str().unwrap_or(asset)
                    );
                    out.push(Contributor::new(
                        &function,
                        org,
                        Kind::VictimNotification,
                        label,
                        "/ui/alerts".into(),
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The register as `caller` may see it.
    pub async fn register(&self, caller: &Caller) -> HubResult<Register> {
        let catalogue = self.risk_catalogue().await?;
        let tags = self.all_tags().await?;
        let mut candidates: BTreeSet<String> = tags.orgs.keys().cloned().collect();
        candidates.extend(self.sbom_orgs().await?);
        let orgs = self.visible_orgs(caller, &candidates).await?;
        let intel = self.cve_intel(caller).await?;
        let mut contributors = self.contributors(&orgs, &tags, &intel).await?;
        let plans = self.plans(caller, None).await?;
        let today = plans_today();
        for view in &plans {
            for action in view.plan.overdue(&today) {
                let label = format!(
                    "overdue action of {} (plan {:?}): {} due {}",
                    action.org, view.plan.title, action.owner, action.due
                );
                let link = format!("/ui/risk/plans/{}", view.plan.id);
                contributors.push(Contributor::new(
                    &view.plan.function,
                    &action.org,
                    Kind::OverdueAction,
                    label,
                    link,
                ));
            }
        }
        let tagged: BTreeSet<String> = orgs
            .iter()
            .flat_map(|o| {
                let t = tags.of(o);
                let mut all = t.tags.functions.clone();
                all.extend(
                    t.products
                        .values()
                        .chain(t.assets.values())
                        .flat_map(|p| p.functions.iter().cloned()),
                );
                all
            })
            .collect();
        let snapshots = self.snapshots().await?;
        let now = crate::now_micros();
        let entries = rank(&catalogue, &tagged, contributors)
            .into_iter()
            .map(|entry| {
                let mut points = trend(&snapshots, &entry.function, |o| orgs.contains(o));
                points.push((now, entry.score));
                let plans = plans
                    .iter()
                    .filter(|p| p.plan.function == entry.function)
                    .map(|p| {
                        (
                            p.plan.id.clone(),
                            p.plan.title.clone(),
                            p.done,
                            p.plan.actions.len(),
                            p.overdue.len(),
                        )
                    })
                    .collect();
                RegisterEntry {
                    name_status: catalogue.function(&entry.function).map(|f| f.status),
                    entry,
                    trend: points,
                    plans,
                }
            })
            .collect();
        self.audit_read_register(caller, orgs.len()).await?;
        Ok(Register {
            entries,
            organisations: orgs.into_iter().collect(),
            unnamed_functions: catalogue.unnamed(),
            intel_complete: intel.complete,
        })
    }

    async fn audit_read_register(&self, caller: &Caller, n_orgs: usize) -> HubResult<()> {
        self.audit_read(
            caller,
            0,
            json!({"read": "risk.register", "organisations": n_orgs}),
        )
        .await
    }

    /// The newest stored snapshots, oldest first.
    async fn snapshots(&self) -> HubResult<Vec<Snapshot>> {
        let all = scan::<Snapshot>(self, NS_SNAPSHOTS, "").await?;
        let skip = all.len().saturating_sub(TREND_POINTS);
        Ok(all.into_iter().skip(skip).map(|(_, s)| s).collect())
    }

    /// Stores a snapshot of every organisation's contributions (as the operator sees them) and announces
    /// overdue actions; returns the number of contributors. Run periodically by `serve` and by
    /// `stixhub risk snapshot`.
    pub async fn take_risk_snapshot(&self) -> HubResult<usize> {
        let operator = Caller::operator();
        let tags = self.all_tags().await?;
        let mut orgs: BTreeSet<String> = tags.orgs.keys().cloned().collect();
        orgs.extend(self.sbom_orgs().await?);
        let intel = self.cve_intel(&operator).await?;
        let contributors = self.contributors(&orgs, &tags, &intel).await?;
        let now = crate::now_micros();
        let snapshot = Snapshot::of(now, &contributors);
        // One point per hour: every node (and the command line) writes the hour's point, the last one wins.
        let key = format!("{:020}", now - now.rem_euclid(3_600_000_000));
        self.store
            .write_records(vec![put(NS_SNAPSHOTS, &key, &snapshot, Expect::Any)?], now)
            .await?;
        self.announce_overdue_actions().await?;
        self.audit(
            crate::HUB_ACTOR,
            "risk.snapshot",
            0,
            json!({"contributors": contributors.len()}),
        )
        .await?;
        Ok(contributors.len())
    }

    /// Takes a snapshot every `period` until the process ends (errors are logged, the loop goes on).
    pub async fn run_risk_snapshots(&self, period: std::time::Duration) {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(err) = self.take_risk_snapshot().await {
                tracing::warn!(error = %err, "risk snapshot failed");
            }
        }
    }
}
