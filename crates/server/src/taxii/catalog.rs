//! Discovery, API root, collections, collection and status endpoints.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use taxii::media::AcceptProfile;

use crate::AppState;
use crate::auth::authenticate;
use crate::error::ApiError;
use crate::negotiate::require_accept;
use crate::taxii::TaxiiPath;
use crate::taxii::render::taxii_json;

pub(crate) async fn discovery(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    require_accept(&headers, AcceptProfile::Taxii)?;
    taxii_json(StatusCode::OK, &state.hub.discovery(&caller).await?)
}

pub(crate) async fn api_root(
    State(state): State<AppState>,
    TaxiiPath(api_root): TaxiiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    require_accept(&headers, AcceptProfile::Taxii)?;
    taxii_json(StatusCode::OK, &state.hub.api_root(&caller, &api_root).await?)
}

pub(crate) async fn status(
    State(state): State<AppState>,
    TaxiiPath((api_root, status_id)): TaxiiPath<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    require_accept(&headers, AcceptProfile::Taxii)?;
    taxii_json(
        StatusCode::OK,
        &state.hub.status(&caller, &api_root, &status_id).await?,
    )
}

pub(crate) async fn collections(
    State(state): State<AppState>,
    TaxiiPath(api_root): TaxiiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    require_accept(&headers, AcceptProfile::Taxii)?;
    taxii_json(StatusCode::OK, &state.hub.collections(&caller, &api_root).await?)
}

pub(crate) async fn collection(
    State(state): State<AppState>,
    TaxiiPath((api_root, collection)): TaxiiPath<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    require_accept(&headers, AcceptProfile::Taxii)?;
    taxii_json(
        StatusCode::OK,
        &state.hub.collection(&caller, &api_root, &collection).await?,
    )
}
