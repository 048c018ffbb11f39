//! Feedback and scores over REST (issue 15, docs/feedback.md), authenticated like TAXII (Basic or Bearer;
//! the per-account rate limit applies):
//!
//! - `POST /feedback/v1/` `{"indicator": ID, "verdict": "true-positive" | "false-positive"}` → 200 with the
//!   verdict recorded and the indicator's score; 404 (the bland TAXII error, as for an unknown id) for every
//!   indicator the caller may not read; 403 for the caller's own organisation's indicators.
//! - `GET /feedback/v1/mine`: the feedback on the caller's organisation's indicators (consumers anonymous
//!   unless their consent reveals them).
//! - `GET /scores/v1/indicators/{id}` → `{"id", "score", "explanation"}`, gated like a read.
//! - `GET /scores/v1/producers/` (hub admins: every producer; others: their own organisation) and
//!   `GET /scores/v1/producers/{org}`: scorecards.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use hub::FeedbackSource;
use serde_json::{Value, json};

use crate::AppState;
use crate::admin::{json_response, parse_object, required_text};
use crate::auth::authenticate;
use crate::error::ApiError;

/// Feedback and score routes.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/feedback/v1/", post(give)),
        ("/feedback/v1/mine", get(mine)),
        ("/scores/v1/indicators/{id}", get(indicator_score)),
        ("/scores/v1/producers/", get(scorecards)),
        ("/scores/v1/producers/{org}", get(scorecard)),
    ]
}

/// Reads a feedback body: `indicator` (a STIX indicator id) and `verdict`, nothing else.
pub(crate) fn parse_feedback(body: &[u8]) -> Result<(String, bool), ApiError> {
    let map = parse_object(body)?;
    if let Some(unknown) = map
        .keys()
        .find(|k| !["indicator", "verdict"].contains(&k.as_str()))
    {
        return Err(ApiError::BadRequest(format!("unknown field {unknown:?}")));
    }
    let indicator = required_text(&map, "indicator")?;
    if !indicator.starts_with("indicator--") || stix::id::StixId::parse(&indicator).is_err() {
        return Err(ApiError::BadRequest(
            "indicator must be a STIX indicator id (indicator--UUID)".to_owned(),
        ));
    }
    let verdict = required_text(&map, "verdict")?;
    let verdict = hub::parse_verdict(&verdict).ok_or_else(|| {
        ApiError::BadRequest("verdict must be \"true-positive\" or \"false-positive\"".to_owned())
    })?;
    Ok((indicator, verdict))
}

async fn give(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let (indicator, verdict) = parse_feedback(&body)?;
    let receipt = state
        .hub
        .give_feedback(&caller, &indicator, verdict, FeedbackSource::Api)
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"indicator": receipt.indicator, "verdict": receipt.verdict, "score": receipt.score}),
    ))
}

async fn mine(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let views = state.hub.feedback_on_mine(&caller).await?;
    let items: Vec<Value> = views.iter().map(hub::ProducerFeedback::to_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "indicators": items })))
}

async fn indicator_score(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let score = state.hub.indicator_score(&caller, &id).await?;
    Ok(json_response(StatusCode::OK, &score.to_json(&id)))
}

async fn scorecards(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let cards = if caller.is_admin {
        state.hub.scorecards(&caller).await?
    } else {
        let Some(org) = caller.org.clone() else {
            return Ok(json_response(StatusCode::OK, &json!({"producers": []})));
        };
        vec![state.hub.scorecard(&caller, &org).await?]
    };
    let items: Vec<Value> = cards.iter().map(hub::Scorecard::to_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "producers": items })))
}

async fn scorecard(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let card = state.hub.scorecard(&caller, &org).await?;
    Ok(json_response(StatusCode::OK, &card.to_json()))
}
