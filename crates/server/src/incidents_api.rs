//! The incident REST API (issue 16) under `/incidents/v1/`, authenticated like TAXII (Basic or Bearer). Every
//! rule is the hub's (`Hub::report_incident` and the rest): a case the caller may not read is a 404 exactly
//! like an unknown id. Field-level problems answer 400 with `{"errors": [{"field", "message"}]}`; every
//! other failure is the usual error resource. Contract: docs/incidents.md.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use hub::{CaseQuery, IncidentError};
use serde_json::{Value, json};

use crate::AppState;
use crate::admin::json_response;
use crate::auth::authenticate;
use crate::error::ApiError;

/// The largest report, transition or share body.
pub(crate) const MAX_INCIDENT_BODY: usize = 256 * 1024;

/// Incident routes.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/incidents/v1/", get(list).post(report)),
        ("/incidents/v1/categories/", get(categories).post(add_category)),
        ("/incidents/v1/board/", get(board)),
        ("/incidents/v1/routes/", get(list_routes).post(add_route)),
        ("/incidents/v1/routes/{id}", delete(remove_route)),
        ("/incidents/v1/timers/", get(timers).post(set_timers)),
        ("/incidents/v1/exercise/purge", post(purge_exercise)),
        ("/incidents/v1/{id}", get(show)),
        ("/incidents/v1/{id}/transition", post(transition)),
        ("/incidents/v1/{id}/share", post(share)),
    ]
}

/// The 400 of field-level problems.
pub(crate) fn invalid_response(errors: &[hub::IncidentFieldError]) -> Response {
    let items: Vec<Value> = errors
        .iter()
        .map(|e| json!({"field": e.field, "message": e.message}))
        .collect();
    json_response(StatusCode::BAD_REQUEST, &json!({ "errors": items }))
}

fn outcome(result: Result<Value, IncidentError>, status: StatusCode) -> Response {
    match result {
        Ok(value) => json_response(status, &value),
        Err(IncidentError::Invalid(errors)) => invalid_response(&errors),
        Err(IncidentError::Hub(err)) => ApiError::Hub(err).into_response(),
    }
}

/// Why a body is not a JSON value to work on.
enum BadBody {
    /// Over `MAX_INCIDENT_BODY` (413).
    TooLarge,
    /// Not JSON (400, as a field-level error of the whole body).
    NotJson(String),
}

impl BadBody {
    fn into_response(self) -> Response {
        match self {
            BadBody::TooLarge => ApiError::PayloadTooLarge.into_response(),
            BadBody::NotJson(message) => invalid_response(&[hub::IncidentFieldError::new("", message)]),
        }
    }
}

/// The body as JSON.
fn json_body(body: &Bytes) -> Result<Value, BadBody> {
    if body.len() > MAX_INCIDENT_BODY {
        return Err(BadBody::TooLarge);
    }
    serde_json::from_slice(body).map_err(|err| BadBody::NotJson(format!("the body is not JSON: {err}")))
}

async fn report(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let value = match json_body(&body) {
        Ok(value) => value,
        Err(bad) => return Ok(bad.into_response()),
    };
    Ok(outcome(
        state.hub.report_incident(&caller, &value, "rest").await,
        StatusCode::CREATED,
    ))
}

/// `status=`, `exercise=true|false`, `limit=` (repeated keys: the last wins).
fn case_query(raw: Option<&str>) -> Result<CaseQuery, ApiError> {
    let mut query = CaseQuery::default();
    for (key, value) in form_pairs(raw.unwrap_or("")) {
        match key.as_str() {
            "status" => {
                query.status =
                    Some(hub::parse_case_status(&value).ok_or_else(|| {
                        ApiError::BadRequest(format!("status {value:?} is not a case status"))
                    })?);
            }
            "exercise" => {
                query.exercise = Some(match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(ApiError::BadRequest("exercise must be true or false".to_owned())),
                });
            }
            "limit" => {
                query.limit = Some(
                    value
                        .parse()
                        .map_err(|_| ApiError::BadRequest("limit must be a positive integer".to_owned()))?,
                );
            }
            other => return Err(ApiError::BadRequest(format!("unknown parameter {other:?}"))),
        }
    }
    Ok(query)
}

/// `key=value` pairs of a query string, percent-decoded (`+` is a space, as forms send it).
pub(crate) fn form_pairs(raw: &str) -> Vec<(String, String)> {
    let decode = |text: &str| {
        let text = text.replace('+', " ");
        crate::event_stream::percent_decode(&text).unwrap_or(text)
    };
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let query = case_query(raw.as_deref())?;
    let cases = state.hub.incidents(&caller, &query).await?;
    Ok(json_response(StatusCode::OK, &json!({ "cases": cases })))
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let case = state.hub.incident(&caller, &id).await?;
    Ok(json_response(StatusCode::OK, &case))
}

async fn transition(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let value = match json_body(&body) {
        Ok(value) => value,
        Err(bad) => {
            // A hidden case answers 404 whatever the body.
            state.hub.incident(&caller, &id).await?;
            return Ok(bad.into_response());
        }
    };
    let text = |key: &str| value.get(key).and_then(Value::as_str);
    let to = text("to").unwrap_or("");
    Ok(outcome(
        state
            .hub
            .transition_incident(&caller, &id, to, text("note"), text("assignee"))
            .await,
        StatusCode::OK,
    ))
}

async fn share(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let value = match json_body(&body) {
        Ok(value) => value,
        Err(bad) => {
            state.hub.incident(&caller, &id).await?;
            return Ok(bad.into_response());
        }
    };
    Ok(outcome(
        state.hub.share_incident(&caller, &id, &value).await,
        StatusCode::OK,
    ))
}

async fn categories(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    authenticate(&state, &headers).await?;
    let taxonomy = state.hub.incident_taxonomy().await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "categories": taxonomy.categories() }),
    ))
}

async fn add_category(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = crate::admin::parse_object(&body)?;
    let id = crate::admin::required_text(&map, "id")?;
    let name = crate::admin::required_text(&map, "name")?;
    let description = crate::admin::text_field(&map, "description")?.unwrap_or_default();
    state
        .hub
        .add_incident_category(&caller, &id, &name, &description)
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"id": id, "name": name}),
    ))
}

async fn board(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let query = case_query(raw.as_deref())?;
    let board = state.hub.incident_board(&caller, query.exercise).await?;
    let kpis: Vec<Value> = board.kpis.iter().map(hub::BoardKpi::to_json).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"cases": board.cases, "kpis": kpis}),
    ))
}

async fn list_routes(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let rules = state.hub.list_route_rules(&caller).await?;
    Ok(json_response(StatusCode::OK, &json!({ "rules": rules })))
}

async fn add_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let value = match json_body(&body) {
        Ok(value) => value,
        Err(bad) => return Ok(bad.into_response()),
    };
    Ok(outcome(
        state.hub.add_route_rule(&caller, &value).await,
        StatusCode::CREATED,
    ))
}

async fn remove_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    state.hub.remove_route_rule(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn timers(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    authenticate(&state, &headers).await?;
    let policy = state.hub.incident_timer_policy().await?;
    Ok(json_response(StatusCode::OK, &json!(policy)))
}

async fn set_timers(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = crate::admin::parse_object(&body)?;
    let severity = crate::admin::required_text(&map, "severity")?;
    let severity = hub::parse_severity(&severity)
        .ok_or_else(|| ApiError::BadRequest("severity must be low, medium, high or critical".to_owned()))?;
    let seconds = |key: &str| {
        map.get(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| ApiError::BadRequest(format!("{key} must be a number of seconds")))
    };
    let stage = hub::StageSeconds {
        acknowledge: seconds("acknowledge")?,
        triage: seconds("triage")?,
        resolve: seconds("resolve")?,
    };
    let policy = state.hub.set_incident_timers(&caller, severity, stage).await?;
    Ok(json_response(StatusCode::OK, &json!(policy)))
}

async fn purge_exercise(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let removed = state.hub.purge_exercise_cases(&caller).await?;
    Ok(json_response(StatusCode::OK, &json!({ "removed": removed })))
}
