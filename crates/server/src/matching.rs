//! `POST /match/v1/`: which indicators the caller may read match the posted observations (issue 14,
//! docs/matching.md), authenticated like TAXII.
//!
//! The body is a STIX bundle or a JSON array of observables, at most `MAX_MATCH_BODY` bytes (413 beyond,
//! measured as it arrives). Answers: 200 `{"matches": [{"indicator", "observations"}], "observations": n}`;
//! 400 for a body that is not JSON, has the wrong shape or too many observations, and for malformed items,
//! each named in `errors` (`index`, `id`, `message`); 503 while the index is still being built.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use hub::MatchOutcome;

use crate::AppState;
use crate::auth::authenticate;
use crate::error::ApiError;
use crate::taxii::objects::read_body_within;

/// The largest match request body: 32 MiB (100,000 plain observables take about 6 MB).
pub const MAX_MATCH_BODY: u64 = 32 * 1024 * 1024;

/// The match route, written with its trailing slash.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![("/match/v1/", post(match_observations))]
}

async fn match_observations(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let bytes = read_body_within(body, &headers, MAX_MATCH_BODY).await?;
    let outcome = state.hub.match_observations(&caller, &bytes).await?;
    let (status, json) = match outcome {
        MatchOutcome::Matched(report) => (StatusCode::OK, serde_json::to_string(&report)),
        MatchOutcome::Malformed(problems) => (
            StatusCode::BAD_REQUEST,
            serde_json::to_string(&serde_json::json!({
                "title": "malformed observations",
                "http_status": "400",
                "description": format!("{} item(s) of the request are malformed; nothing was matched", problems.len()),
                "errors": problems,
            })),
        ),
    };
    let json = json.map_err(|err| ApiError::Hub(hub::HubError::Internal(err.to_string())))?;
    Ok((
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        json,
    )
        .into_response())
}
