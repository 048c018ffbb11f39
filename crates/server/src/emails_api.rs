//! The e-mail destination REST API (issue 13) under `/events/v1/emails/`: authenticated like TAXII; an
//! account manages the destinations of its own subscriptions, a hub admin anyone's (`?account=NAME` or `*` on
//! the list). Dead letters and replay are the webhooks' handlers (both are push endpoints). Another
//! account's and unknown ids are both 404.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use hub::EmailDestination;
use serde_json::{Value, json};

use crate::AppState;
use crate::admin::{json_response, parse_object, text_field};
use crate::auth::authenticate;
use crate::error::ApiError;
use crate::webhooks::{dead_letters, replay};

/// E-mail routes.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/events/v1/emails/", get(list).post(create)),
        ("/events/v1/emails/{id}", get(show).delete(remove)),
        ("/events/v1/emails/{id}/dead-letters", get(dead_letters)),
        ("/events/v1/emails/{id}/replay", post(replay)),
    ]
}

pub(crate) fn email_json(email: &EmailDestination) -> Value {
    json!({
        "id": email.id,
        "account": email.account,
        "subscription": email.subscription,
        "address": email.address,
        "mode": if email.digest.is_some() { "digest" } else { "each" },
        "digest_seconds": email.digest.map(|d| d.as_secs()),
        "enabled": email.enabled,
        "disabled_reason": email.disabled_reason,
        "position": email.position,
        "delivered": email.delivered,
        "failed_attempts": email.failed_attempts,
        "pending": email.pending,
        "dead_letters": email.dead,
    })
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = parse_object(&body)?;
    if let Some(unknown) = map
        .keys()
        .find(|k| !["subscription", "address", "digest_seconds"].contains(&k.as_str()))
    {
        return Err(ApiError::BadRequest(format!("unknown field {unknown:?}")));
    }
    let required = |key: &str| ApiError::BadRequest(format!("{key} is required"));
    let subscription = text_field(&map, "subscription")?.ok_or_else(|| required("subscription"))?;
    let address = text_field(&map, "address")?.ok_or_else(|| required("address"))?;
    let digest = match map.get("digest_seconds") {
        None | Some(Value::Null) => None,
        Some(value) => Some(std::time::Duration::from_secs(value.as_u64().ok_or_else(
            || ApiError::BadRequest("digest_seconds must be a whole number of seconds".to_owned()),
        )?)),
    };
    let created = state
        .hub
        .create_email(&caller, &subscription, &address, digest)
        .await?;
    Ok(json_response(StatusCode::CREATED, &email_json(&created)))
}

#[derive(Debug, serde::Deserialize)]
struct ListQuery {
    account: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let emails = state.hub.emails(&caller, query.account.as_deref()).await?;
    let items: Vec<Value> = emails.iter().map(email_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "emails": items })))
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let email = state.hub.email(&caller, &id).await?;
    Ok(json_response(StatusCode::OK, &email_json(&email)))
}

async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    state.hub.delete_email(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
