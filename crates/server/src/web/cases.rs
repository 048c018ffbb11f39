//! The incident pages (issue 16): `/ui/board` (the caller's cases, live over `/ui/events`, with KPIs per
//! jurisdiction and severity and an inline SVG chart) and `/ui/incidents/{id}` (one case: timers, history,
//! shares; responders acknowledge, move and publish it there).
//!
//! Invariant: both read and act only through the hub with the signed-in caller; a case the caller may not read
//! is the same 404 page as an unknown id.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use hub::IncidentError;
use serde_json::{Value, json};

use crate::AppState;
use crate::web::pages::{layout, visible_collections};
use crate::web::session;
use crate::web::view::Layout;
use crate::web::{WebError, page};

/// One case row of the board.
#[derive(Debug, Clone)]
pub(crate) struct CaseRow {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) severity: String,
    pub(crate) status: String,
    pub(crate) jurisdiction: String,
    pub(crate) created: String,
    pub(crate) tier: u64,
    pub(crate) breached: String,
    pub(crate) next_deadline: String,
    pub(crate) exercise: bool,
}

/// One KPI row.
#[derive(Debug, Clone)]
pub(crate) struct KpiRow {
    pub(crate) jurisdiction: String,
    pub(crate) severity: String,
    pub(crate) cases: usize,
    pub(crate) breached: usize,
    pub(crate) times: [String; 4],
}

/// One bar of the chart.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) y: usize,
    pub(crate) width: u64,
    pub(crate) value: String,
}

/// The board page.
#[derive(askama::Template)]
#[template(path = "board.html")]
pub(crate) struct BoardPage {
    pub(crate) layout: Layout,
    pub(crate) cases: Vec<CaseRow>,
    pub(crate) kpis: Vec<KpiRow>,
    pub(crate) bars: Vec<Bar>,
    pub(crate) chart_height: usize,
}

/// `12s`, `4m 05s`, `2h 10m`; "—" for none.
pub(crate) fn human_ms(ms: Option<i64>) -> String {
    let Some(ms) = ms else { return "—".to_owned() };
    let s = ms / 1000;
    match s {
        s if s < 60 => format!("{}.{:01}s", s, (ms % 1000) / 100),
        s if s < 3600 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

fn case_row(case: &Value) -> CaseRow {
    CaseRow {
        id: text(case, "id"),
        title: text(case, "title"),
        severity: text(case, "severity"),
        status: text(case, "status"),
        jurisdiction: text(case, "jurisdiction"),
        created: text(case, "created"),
        tier: case["tier"].as_u64().unwrap_or(0),
        breached: case["breached"]
            .as_array()
            .map(|b| b.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
            .unwrap_or_default(),
        next_deadline: text(case, "next_deadline"),
        exercise: case["exercise"].as_bool().unwrap_or(false),
    }
}

/// `GET /ui/board`.
pub(crate) async fn board(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let board = state.hub.incident_board(&session.caller, None).await?;
    let kpis: Vec<KpiRow> = board
        .kpis
        .iter()
        .map(|k| KpiRow {
            jurisdiction: k.jurisdiction.clone(),
            severity: k.severity.clone(),
            cases: k.n_cases,
            breached: k.n_breached,
            times: k.median_ms.map(human_ms),
        })
        .collect();
    // The chart: median time to acknowledge per (jurisdiction, severity), scaled to the longest.
    let longest = board
        .kpis
        .iter()
        .filter_map(|k| k.median_ms[0])
        .max()
        .unwrap_or(1)
        .max(1);
    let bars: Vec<Bar> = board
        .kpis
        .iter()
        .filter_map(|k| k.median_ms[0].map(|ms| (k, ms)))
        .enumerate()
        .map(|(i, (k, ms))| Bar {
            label: format!("{} · {}", k.jurisdiction, k.severity),
            y: i * 24,
            width: u64::try_from(ms.max(0) * 300 / longest).unwrap_or(0).max(2),
            value: human_ms(Some(ms)),
        })
        .collect();
    page(&BoardPage {
        layout: layout(&session, "Incident board"),
        cases: board.cases.iter().map(case_row).collect(),
        kpis,
        chart_height: bars.len() * 24 + 4,
        bars,
    })
}

/// One line of history.
#[derive(Debug, Clone)]
pub(crate) struct HistoryRow {
    pub(crate) at: String,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) change: String,
    pub(crate) note: String,
}

/// The case page.
#[derive(askama::Template)]
#[template(path = "incident.html")]
pub(crate) struct CasePage {
    pub(crate) layout: Layout,
    pub(crate) case: CaseRow,
    pub(crate) category: String,
    pub(crate) description: String,
    pub(crate) assignee: String,
    pub(crate) reporter_org: String,
    pub(crate) systems: String,
    pub(crate) observables: Vec<String>,
    pub(crate) timers: Vec<(String, String, String)>,
    pub(crate) history: Vec<HistoryRow>,
    pub(crate) shares: Vec<String>,
    pub(crate) kpis: Vec<(String, String)>,
    pub(crate) may_act: bool,
    pub(crate) next: Vec<String>,
    pub(crate) collections: Vec<(String, String)>,
    pub(crate) message: String,
    pub(crate) error: String,
}

async fn case_page(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    message: String,
    error: String,
) -> Result<Response, WebError> {
    let session = session::current(state, headers).await?;
    let (case, may_act) = state.hub.incident_for(&session.caller, id).await?;
    let list = |key: &str, f: &dyn Fn(&Value) -> String| -> Vec<String> {
        case[key]
            .as_array()
            .map(|items| items.iter().map(f).collect())
            .unwrap_or_default()
    };
    let timers = ["acknowledge", "triage", "resolve"]
        .into_iter()
        .map(|stage| {
            let t = &case["timers"][stage];
            (stage.to_owned(), text(t, "deadline"), text(t, "state"))
        })
        .collect();
    let history = case["history"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|h| HistoryRow {
                    at: text(h, "at"),
                    actor: text(h, "actor"),
                    action: text(h, "action"),
                    change: match (h["from"].as_str(), h["to"].as_str()) {
                        (Some(from), Some(to)) => format!("{from} → {to}"),
                        (None, Some(to)) => to.to_owned(),
                        _ => String::new(),
                    },
                    note: text(h, "note"),
                })
                .collect()
        })
        .unwrap_or_default();
    let status = text(&case, "status");
    let next = match status.as_str() {
        "new" => vec!["acknowledged", "false-alarm"],
        "acknowledged" => vec!["in-progress", "resolved", "false-alarm"],
        "in-progress" => vec!["resolved", "false-alarm"],
        _ => Vec::new(),
    };
    let mut collections = Vec::new();
    if may_act {
        for (_, collection) in visible_collections(state, &session).await? {
            if collection.can_write {
                collections.push((collection.id.clone(), collection.title.clone()));
            }
        }
    }
    let kpis = ["acknowledge", "triage", "resolve", "share"]
        .into_iter()
        .map(|k| (k.to_owned(), human_ms(case["kpi_ms"][k].as_i64())))
        .collect();
    page(&CasePage {
        layout: layout(&session, text(&case, "title")),
        case: case_row(&case),
        category: text(&case, "category"),
        description: text(&case, "description"),
        assignee: text(&case, "assignee"),
        reporter_org: text(&case, "reporter_org"),
        systems: list("systems", &|v| v.as_str().unwrap_or_default().to_owned()).join(", "),
        observables: list("observables", &|o| {
            format!("{} {}", text(o, "type"), text(o, "value"))
        }),
        timers,
        history,
        shares: list("shared", &|s| {
            format!(
                "{} by {}: TLP:{} to {} ({} objects{})",
                text(s, "at"),
                text(s, "actor"),
                text(s, "tlp").to_ascii_uppercase(),
                s["communities"]
                    .as_array()
                    .map(|c| c.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default(),
                s["objects"].as_array().map_or(0, Vec::len),
                if s["jurisdiction_named"] == true {
                    ", jurisdiction named"
                } else {
                    ", jurisdiction withheld"
                },
            )
        }),
        kpis,
        may_act,
        next: next.into_iter().map(str::to_owned).collect(),
        collections,
        message,
        error,
    })
}

/// `GET /ui/incidents/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    case_page(&state, &headers, &id, String::new(), String::new()).await
}

/// `POST /ui/incidents/{id}`: `action=transition` (`to`, `note`, `assignee`) or `action=share` (`communities`
/// comma-separated, `tlp`, `collection`).
pub(crate) async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    session::check_csrf(&session.csrf, form.get("csrf").map_or("", String::as_str))?;
    let field = |name: &str| form.get(name).map_or("", |v| v.trim());
    let optional = |name: &str| Some(field(name)).filter(|v| !v.is_empty());
    let outcome = match field("action") {
        "transition" => state
            .hub
            .transition_incident(
                &session.caller,
                &id,
                field("to"),
                optional("note"),
                optional("assignee"),
            )
            .await
            .map(|case| format!("The case is now {}.", case["status"].as_str().unwrap_or_default())),
        "share" => {
            let communities: Vec<&str> = field("communities")
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            let body =
                json!({"communities": communities, "tlp": field("tlp"), "collection": field("collection")});
            state
                .hub
                .share_incident(&session.caller, &id, &body)
                .await
                .map(|_| "Published.".to_owned())
        }
        _ => return Ok(Redirect::to(&format!("/ui/incidents/{id}")).into_response()),
    };
    match outcome {
        Ok(message) => case_page(&state, &headers, &id, message, String::new()).await,
        Err(IncidentError::Invalid(errors)) => {
            let text: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            case_page(&state, &headers, &id, String::new(), text.join("; ")).await
        }
        Err(IncidentError::Hub(
            hub::HubError::Conflict(problem)
            | hub::HubError::BadRequest(problem)
            | hub::HubError::Unprocessable(problem),
        )) => case_page(&state, &headers, &id, String::new(), problem).await,
        Err(IncidentError::Hub(hub::HubError::Forbidden)) => {
            case_page(
                &state,
                &headers,
                &id,
                String::new(),
                "Only responders may do that.".to_owned(),
            )
            .await
        }
        Err(IncidentError::Hub(err)) => Err(err.into()),
    }
}
