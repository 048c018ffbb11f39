//! The risk pages (issue 18): `/ui/risk` (the ranked register with a bar chart), a function's page (its
//! score decomposed by kind and organisation, its trend as a line chart, its contributors and joint action
//! plans), a finding with its SSVC decision and the sources of every input, SBOM upload with the findings
//! list (SSVC outcomes, KEV flags, "not evaluated, why"), and a plan's page (commit actions, change status).
//!
//! Invariant: every page reads and writes through hub use cases with the signed-in caller; what the caller may
//! not see is the same 404 page as what does not exist. Charts are inline SVG built here from numbers and
//! escaped labels only (the page's CSP allows no inline style or script).

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hub::{FindingView, PlanView, Register};

use crate::AppState;
use crate::web::pages::layout;
use crate::web::session;
use crate::web::view::{Layout, escape_html};
use crate::web::{WebError, page};

fn esc(text: &str) -> String {
    let mut out = String::new();
    escape_html(text, &mut out);
    out
}

/// A horizontal bar chart: one bar per (label, value).
fn bar_chart(bars: &[(String, u64)]) -> String {
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let height = 24 * bars.len().max(1) + 8;
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="Risk score per function" width="640" height="{height}" viewBox="0 0 640 {height}" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = 4 + i * 24;
        let width = 380 * value / max;
        svg.push_str(&format!(
            r##"<text x="0" y="{}" font-size="12" fill="#222">{}</text><rect x="220" y="{y}" width="{width}" height="18" fill="#b5461f"/><text x="{}" y="{}" font-size="12" fill="#222">{value}</text>"##,
            y + 14,
            esc(&label.chars().take(32).collect::<String>()),
            226 + width,
            y + 14
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// A line chart of (µs, score) points, oldest first.
fn line_chart(points: &[(i64, u64)]) -> String {
    let (w, h) = (640.0, 160.0);
    let max = points.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let n = points.len().max(2) as f64 - 1.0;
    let coords: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| {
            format!(
                "{:.1},{:.1}",
                20.0 + (w - 40.0) * i as f64 / n,
                h - 20.0 - (h - 40.0) * *v as f64 / max
            )
        })
        .collect();
    format!(
        r##"<svg class="chart" role="img" aria-label="Score over time" width="640" height="160" viewBox="0 0 640 160" xmlns="http://www.w3.org/2000/svg"><line x1="20" y1="140" x2="620" y2="140" stroke="#888"/><polyline fill="none" stroke="#b5461f" stroke-width="2" points="{}"/><text x="20" y="14" font-size="12" fill="#222">max {}</text></svg>"##,
        coords.join(" "),
        max as u64
    )
}

/// One register row.
pub(crate) struct RegisterRow {
    pub(crate) rank: usize,
    pub(crate) function: String,
    pub(crate) name: String,
    pub(crate) status: String,
    pub(crate) score: u64,
    pub(crate) findings: u64,
    pub(crate) activity: u64,
    pub(crate) plans: String,
}

/// `/ui/risk`.
#[derive(askama::Template)]
#[template(path = "risk.html")]
pub(crate) struct RegisterPage {
    pub(crate) layout: Layout,
    pub(crate) rows: Vec<RegisterRow>,
    pub(crate) chart: String,
    pub(crate) organisations: String,
    pub(crate) unnamed: usize,
    pub(crate) intel_complete: bool,
}

fn register_rows(register: &Register) -> Vec<RegisterRow> {
    register
        .entries
        .iter()
        .map(|e| RegisterRow {
            rank: e.entry.rank,
            function: e.entry.function.clone(),
            name: e.entry.name.clone(),
            status: match e.name_status {
                Some(hub_status) => serde_json::to_value(hub_status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                None => "not in catalogue".to_owned(),
            },
            score: e.entry.score,
            findings: e.entry.findings_points,
            activity: e.entry.activity_points,
            plans: e
                .plans
                .iter()
                .map(|(_, title, done, total, overdue)| {
                    format!("{title}: {done}/{total} done, {overdue} overdue")
                })
                .collect::<Vec<_>>()
                .join("; "),
        })
        .collect()
}

/// `GET /ui/risk`.
pub(crate) async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let register = state.hub.register(&session.caller).await?;
    let bars: Vec<(String, u64)> = register
        .entries
        .iter()
        .map(|e| (e.entry.name.clone(), e.entry.score))
        .collect();
    page(&RegisterPage {
        layout: layout(&session, "Risk register"),
        rows: register_rows(&register),
        chart: bar_chart(&bars),
        organisations: register.organisations.join(", "),
        unnamed: register.unnamed_functions,
        intel_complete: register.intel_complete,
    })
}

/// `GET /ui/risk/register.csv`.
pub(crate) async fn register_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let register = state.hub.register(&session.caller).await?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        register.to_csv(),
    )
        .into_response())
}

/// One contributor row.
pub(crate) struct ContributorRow {
    pub(crate) org: String,
    pub(crate) kind: String,
    pub(crate) points: u64,
    pub(crate) label: String,
    pub(crate) link: String,
}

/// A function's page.
#[derive(askama::Template)]
#[template(path = "risk_function.html")]
pub(crate) struct FunctionPage {
    pub(crate) layout: Layout,
    pub(crate) function: String,
    pub(crate) name: String,
    pub(crate) score: u64,
    pub(crate) by_kind: Vec<(String, u64)>,
    pub(crate) by_org: Vec<(String, u64)>,
    pub(crate) contributors: Vec<ContributorRow>,
    pub(crate) trend: String,
    pub(crate) plans: Vec<(String, String, String)>,
    pub(crate) error: String,
}

/// `GET /ui/risk/register/{function}`.
pub(crate) async fn function(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(function): Path<String>,
) -> Result<Response, WebError> {
    function_page(&state, &headers, &function, String::new()).await
}

async fn function_page(
    state: &AppState,
    headers: &HeaderMap,
    function: &str,
    error: String,
) -> Result<Response, WebError> {
    let session = session::current(state, headers).await?;
    let register = state.hub.register(&session.caller).await?;
    let entry = register
        .entries
        .into_iter()
        .find(|e| e.entry.function == function)
        .ok_or(WebError::from(hub::HubError::NotFound))?;
    let by_kind = entry.entry.by_kind.iter().map(|(k, n)| (k.clone(), *n)).collect();
    let by_org = entry.entry.by_org.iter().map(|(k, n)| (k.clone(), *n)).collect();
    page(&FunctionPage {
        layout: layout(&session, format!("Risk: {}", entry.entry.name)),
        function: entry.entry.function.clone(),
        name: entry.entry.name.clone(),
        score: entry.entry.score,
        by_kind,
        by_org,
        contributors: entry
            .entry
            .contributors
            .iter()
            .map(|c| ContributorRow {
                org: c.org.clone(),
                kind: c.kind.as_str().to_owned(),
                points: c.points,
                label: c.label.clone(),
                link: c.link.clone(),
            })
            .collect(),
        trend: line_chart(&entry.trend),
        plans: entry
            .plans
            .iter()
            .map(|(id, title, done, total, overdue)| {
                (
                    id.clone(),
                    title.clone(),
                    format!("{done}/{total} done, {overdue} overdue"),
                )
            })
            .collect(),
        error,
    })
}

/// A finding with its decision.
#[derive(askama::Template)]
#[template(path = "risk_finding.html")]
pub(crate) struct FindingPage {
    pub(crate) layout: Layout,
    pub(crate) f: FindingRow,
    pub(crate) back: String,
}

/// A finding as shown.
pub(crate) struct FindingRow {
    pub(crate) link: String,
    pub(crate) org: String,
    pub(crate) product: String,
    pub(crate) component: String,
    pub(crate) vulnerability: String,
    pub(crate) aliases: String,
    pub(crate) advisories: String,
    pub(crate) status: String,
    pub(crate) statement: String,
    pub(crate) kev: bool,
    pub(crate) kev_due: String,
    pub(crate) cvss: String,
    pub(crate) outcome: String,
    pub(crate) row: String,
    pub(crate) inputs: Vec<(String, String, String, Vec<String>)>,
    pub(crate) stix: Vec<(String, String)>,
}

fn finding_row(f: &FindingView, link: String) -> FindingRow {
    let mut stix = Vec::new();
    if let Some(e) = &f.evidence {
        for (kind, set) in [
            ("vulnerability", &e.vulnerabilities),
            ("indicator", &e.indicators),
            ("sighting", &e.sightings),
        ] {
            stix.extend(set.iter().map(|r| (format!("{kind} {}", r.id), r.link())));
        }
    }
    FindingRow {
        link,
        org: f.org.clone(),
        product: f.product.clone().unwrap_or_default(),
        component: f.component.clone(),
        vulnerability: f.vulnerability.clone(),
        aliases: f.aliases.join(", "),
        advisories: f.advisories.join(", "),
        status: f.status.clone(),
        statement: f
            .action
            .clone()
            .or_else(|| f.justification.clone())
            .unwrap_or_default(),
        kev: f.kev,
        kev_due: f.kev_due.clone().unwrap_or_default(),
        cvss: f.cvss.clone().unwrap_or_default(),
        outcome: f
            .ssvc
            .as_ref()
            .map_or_else(|| "none".to_owned(), |d| d.outcome.clone()),
        row: f
            .ssvc
            .as_ref()
            .map_or_else(String::new, |d| format!("{} row {}", d.table, d.row)),
        inputs: f
            .ssvc
            .iter()
            .flat_map(|d| d.inputs.iter())
            .map(|i| {
                (
                    i.point.clone(),
                    i.value.clone(),
                    i.source.clone(),
                    i.links.clone(),
                )
            })
            .collect(),
        stix,
    }
}

/// `GET /ui/risk/register/{function}/findings/{org}/{sbom}/{index}`.
pub(crate) async fn register_finding(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((function, org, sbom, index)): Path<(String, String, String, String)>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let index: usize = index
        .parse()
        .map_err(|_| WebError::from(hub::HubError::NotFound))?;
    let finding = state
        .hub
        .register_finding(&session.caller, &org, &sbom, index)
        .await?;
    page(&FindingPage {
        layout: layout(&session, format!("Finding {}", finding.vulnerability)),
        f: finding_row(&finding, String::new()),
        back: format!("/ui/risk/register/{function}"),
    })
}

/// One SBOM as listed.
pub(crate) struct SbomRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) product: String,
    pub(crate) format: String,
    pub(crate) components: usize,
    pub(crate) affected: usize,
    pub(crate) not_affected: usize,
    pub(crate) not_evaluated: usize,
    pub(crate) diagnostics: Vec<String>,
}

fn sbom_row(s: &hub::SbomSummary) -> SbomRow {
    SbomRow {
        id: s.id.clone(),
        name: s.name.clone().unwrap_or_else(|| s.id.clone()),
        product: s.product.clone().unwrap_or_default(),
        format: s.format.clone(),
        components: s.components,
        affected: s.counts.0,
        not_affected: s.counts.1,
        not_evaluated: s.counts.2,
        diagnostics: s.diagnostics.clone(),
    }
}

/// The SBOM list and upload form.
#[derive(askama::Template)]
#[template(path = "risk_sboms.html")]
pub(crate) struct SbomsPage {
    pub(crate) layout: Layout,
    pub(crate) sboms: Vec<SbomRow>,
    pub(crate) message: String,
    pub(crate) error: String,
}

/// `GET /ui/risk/sboms`.
pub(crate) async fn sboms(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    sboms_page(&state, &headers, String::new(), String::new()).await
}

async fn sboms_page(
    state: &AppState,
    headers: &HeaderMap,
    message: String,
    error: String,
) -> Result<Response, WebError> {
    let session = session::current(state, headers).await?;
    let sboms = match session.caller.org.as_deref() {
        Some(_) => state.hub.sboms(&session.caller, None).await?,
        None => Vec::new(),
    };
    let sboms = sboms.iter().map(sbom_row).collect();
    page(&SbomsPage {
        layout: layout(&session, "SBOMs"),
        sboms,
        message,
        error,
    })
}

/// `POST /ui/risk/sboms`: `content` (the SBOM JSON), `product`.
pub(crate) async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    session::check_csrf(&session.csrf, form.get("csrf").map_or("", String::as_str))?;
    let field = |name: &str| {
        form.get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let upload = hub::SbomUpload {
        org: None,
        product: field("product"),
        name: field("name"),
        body: form.get("content").cloned().unwrap_or_default().into_bytes(),
    };
    match state.hub.import_sbom(&session.caller, upload).await {
        Ok(summary) => Ok(Redirect::to(&format!("/ui/risk/sboms/{}", summary.id)).into_response()),
        Err(hub::HubError::BadRequest(problem)) => sboms_page(&state, &headers, String::new(), problem).await,
        Err(other) => Err(other.into()),
    }
}

/// One SBOM's findings.
#[derive(askama::Template)]
#[template(path = "risk_sbom.html")]
pub(crate) struct SbomPage {
    pub(crate) layout: Layout,
    pub(crate) sbom: SbomRow,
    pub(crate) findings: Vec<FindingRow>,
    pub(crate) not_evaluated: Vec<(String, usize)>,
}

/// `GET /ui/risk/sboms/{id}`.
pub(crate) async fn sbom(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let sbom = state.hub.sbom(&session.caller, &id).await?;
    let (findings, missing) = state
        .hub
        .findings(&session.caller, Some(&sbom.org), Some(&id))
        .await?;
    let mut reasons: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (_, _, reason) in missing {
        *reasons.entry(reason).or_default() += 1;
    }
    let findings = findings
        .iter()
        .map(|f| finding_row(f, format!("/ui/risk/sboms/{id}/findings/{}", f.index)))
        .collect();
    page(&SbomPage {
        layout: layout(
            &session,
            format!("SBOM {}", sbom.name.as_deref().unwrap_or(&sbom.id)),
        ),
        sbom: sbom_row(&sbom),
        findings,
        not_evaluated: reasons.into_iter().collect(),
    })
}

/// `GET /ui/risk/sboms/{id}/findings/{index}`.
pub(crate) async fn sbom_finding(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, index)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let index: usize = index
        .parse()
        .map_err(|_| WebError::from(hub::HubError::NotFound))?;
    let sbom = state.hub.sbom(&session.caller, &id).await?;
    let (findings, _) = state
        .hub
        .findings(&session.caller, Some(&sbom.org), Some(&id))
        .await?;
    let finding = findings
        .iter()
        .find(|f| f.index == index)
        .ok_or(WebError::from(hub::HubError::NotFound))?;
    page(&FindingPage {
        layout: layout(&session, format!("Finding {}", finding.vulnerability)),
        f: finding_row(finding, String::new()),
        back: format!("/ui/risk/sboms/{id}"),
    })
}

/// One action as shown.
pub(crate) struct ActionRow {
    pub(crate) id: String,
    pub(crate) org: String,
    pub(crate) owner: String,
    pub(crate) description: String,
    pub(crate) due: String,
    pub(crate) status: String,
    pub(crate) overdue: bool,
    pub(crate) mine: bool,
}

/// A plan's page.
#[derive(askama::Template)]
#[template(path = "risk_plan.html")]
pub(crate) struct PlanPage {
    pub(crate) layout: Layout,
    pub(crate) id: String,
    pub(crate) function: String,
    pub(crate) title: String,
    pub(crate) summary: String,
    pub(crate) progress: String,
    pub(crate) actions: Vec<ActionRow>,
    pub(crate) error: String,
}

/// `GET /ui/risk/plans/{id}`.
pub(crate) async fn plan(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let plan = state.hub.plan(&session.caller, &id).await?;
    plan_page(&session, plan, String::new())
}

fn plan_page(session: &session::Session, plan: PlanView, error: String) -> Result<Response, WebError> {
    let own = session.caller.org.clone().unwrap_or_default();
    let p = &plan.plan;
    page(&PlanPage {
        layout: layout(session, format!("Plan: {}", p.title)),
        id: p.id.clone(),
        function: p.function.clone(),
        title: p.title.clone(),
        summary: format!(
            "{}, shared with {}, opened by {}",
            p.tlp.label(),
            p.community,
            p.org
        ),
        progress: format!(
            "{}/{} done, {} overdue",
            plan.done,
            p.actions.len(),
            plan.overdue.len()
        ),
        actions: p
            .actions
            .iter()
            .map(|a| ActionRow {
                id: a.id.clone(),
                org: a.org.clone(),
                owner: a.owner.clone(),
                description: a.description.clone(),
                due: a.due.clone(),
                status: a.status.as_str().to_owned(),
                overdue: plan.overdue.contains(&a.id),
                mine: a.org == own,
            })
            .collect(),
        error,
    })
}

/// `POST /ui/risk/plans` (new plan: `function`, `title`, `tlp`, `community`) and
/// `POST /ui/risk/plans/{id}` (`action=add`: `owner`, `description`, `due`; `action=status`: `id`, `status`).
pub(crate) async fn plan_act(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Option<Path<String>>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    session::check_csrf(&session.csrf, form.get("csrf").map_or("", String::as_str))?;
    let field = |name: &str| form.get(name).map_or(String::new(), |v| v.trim().to_owned());
    let caller = &session.caller;
    let outcome = match path {
        None => {
            let new = hub::NewPlan {
                function: field("function"),
                title: field("title"),
                tlp: field("tlp"),
                community: field("community"),
            };
            match state.hub.create_plan(caller, new).await {
                Ok(plan) => {
                    return Ok(Redirect::to(&format!("/ui/risk/plans/{}", plan.plan.id)).into_response());
                }
                Err(hub::HubError::BadRequest(problem)) => {
                    return function_page(&state, &headers, &field("function"), problem).await;
                }
                Err(other) => return Err(other.into()),
            }
        }
        Some(Path(id)) => match field("action").as_str() {
            "add" => {
                let new = hub::NewAction {
                    owner: field("owner"),
                    description: field("description"),
                    due: field("due"),
                };
                state.hub.add_action(caller, &id, new).await
            }
            "status" => {
                state
                    .hub
                    .set_action_status(caller, &id, &field("id"), &field("status"))
                    .await
            }
            _ => state.hub.plan(caller, &id).await,
        }
        .map_err(|err| (id, err)),
    };
    match outcome {
        Ok(plan) => plan_page(&session, plan, String::new()),
        Err((id, hub::HubError::BadRequest(problem))) => {
            let plan = state.hub.plan(caller, &id).await?;
            plan_page(&session, plan, problem)
        }
        Err((_, other)) => Err(other.into()),
    }
}

/// `/ui/static/risk.js`.
pub(crate) const SCRIPT: &str = include_str!("../../templates/static/risk.js");
