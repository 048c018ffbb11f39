//! The asset REST API (issue 14) under `/assets/v1/`: organisations claim assets, verifiers verify them,
//! producers release hidden objects to their victims. Authenticated like TAXII; every rule is in the hub
//! (`Hub::claim_asset` and the rest), so an asset the caller may not act on is a 404 like an unknown one.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use serde_json::{Value, json};

use crate::AppState;
use crate::admin::{json_response, parse_object, text_field};
use crate::auth::authenticate;
use crate::error::ApiError;

/// Asset routes.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/assets/v1/", get(list).post(claim)),
        ("/assets/v1/pending/", get(pending)),
        ("/assets/v1/{id}", delete(remove)),
        ("/assets/v1/{id}/verify", post(verify)),
        ("/assets/v1/victim-tasks/{seq}/release", post(release)),
    ]
}

async fn claim(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = parse_object(&body)?;
    if let Some(unknown) = map
        .keys()
        .find(|k| !["kind", "value", "org"].contains(&k.as_str()))
    {
        return Err(ApiError::BadRequest(format!("unknown field {unknown:?}")));
    }
    let kind =
        text_field(&map, "kind")?.ok_or_else(|| ApiError::BadRequest("kind is required".to_owned()))?;
    let value =
        text_field(&map, "value")?.ok_or_else(|| ApiError::BadRequest("value is required".to_owned()))?;
    let org = text_field(&map, "org")?;
    let asset = state
        .hub
        .claim_asset(&caller, org.as_deref(), &kind, &value)
        .await?;
    Ok(json_response(StatusCode::CREATED, &asset.to_json()))
}

#[derive(Debug, serde::Deserialize)]
struct ListQuery {
    org: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let assets = state.hub.org_assets(&caller, query.org.as_deref()).await?;
    let items: Vec<Value> = assets.iter().map(hub::AssetView::to_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "assets": items })))
}

async fn pending(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let assets = state.hub.pending_assets(&caller).await?;
    let items: Vec<Value> = assets.iter().map(hub::AssetView::to_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "assets": items })))
}

async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let asset = state.hub.verify_asset(&caller, &id).await?;
    Ok(json_response(StatusCode::OK, &asset.to_json()))
}

async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    state.hub.remove_asset(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn release(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(seq): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    // A position that is not a number names no task: the same 404 as an unknown one.
    let seq: u64 = seq.parse().map_err(|_| ApiError::from(hub::HubError::NotFound))?;
    let released = state.hub.release_to_victim(&caller, seq).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"owner": released.owner, "recipients": released.recipients, "notified": released.notified}),
    ))
}
