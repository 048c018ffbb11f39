//! The webhook REST API (issue 13) under `/events/v1/webhooks/`: authenticated like TAXII; an account manages
//! its own webhooks, a hub admin anyone's (`"account"` in the body, `?account=NAME` or `*` on the list).
//!
//! Invariant: a new webhook's target is checked by the same sender that delivers (`WebhookSender::check_target`,
//! the SSRF guard with this server's `--allow-private-webhooks`), so a refused target is a 400 naming the
//! address class, never a webhook that can only fail. Another account's and unknown ids are both 404.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use hub::{FailedDelivery, NewWebhook, Webhook, WebhookWithSecret};
use serde_json::{Value, json};

use crate::AppState;
use crate::admin::{json_response, parse_object, text_field};
use crate::auth::authenticate;
use crate::error::ApiError;

/// How long the previous secret keeps signing after a rotation through the API.
const ROTATION_GRACE: std::time::Duration = hub::DEFAULT_ROTATION_GRACE;

/// Webhook routes.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/events/v1/webhooks/", get(list).post(create)),
        ("/events/v1/webhooks/{id}", get(show).delete(remove)),
        ("/events/v1/webhooks/{id}/rotate", post(rotate)),
        ("/events/v1/webhooks/{id}/dead-letters", get(dead_letters)),
        ("/events/v1/webhooks/{id}/replay", post(replay)),
    ]
}

pub(crate) fn webhook_json(webhook: &Webhook) -> Value {
    json!({
        "id": webhook.id,
        "account": webhook.account,
        "url": webhook.url,
        "collections": webhook.collections,
        "types": webhook.types,
        "enabled": webhook.enabled,
        "disabled_reason": webhook.disabled_reason,
        "position": webhook.position,
        "delivered": webhook.delivered,
        "failed_attempts": webhook.failed_attempts,
        "pending": webhook.pending,
        "dead_letters": webhook.dead,
        "live_secrets": webhook.live_secrets,
    })
}

fn with_secret(created: &WebhookWithSecret) -> Value {
    let mut value = webhook_json(&created.webhook);
    value["secret"] = created.secret.clone().into();
    value
}

fn string_list(map: &serde_json::Map<String, Value>, key: &str) -> Result<Vec<String>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ApiError::BadRequest(format!("{key} must be an array of strings"))),
        Some(_) => Err(ApiError::BadRequest(format!("{key} must be an array of strings"))),
    }
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
        .find(|k| !["url", "account", "collections", "types"].contains(&k.as_str()))
    {
        return Err(ApiError::BadRequest(format!("unknown field {unknown:?}")));
    }
    let url = text_field(&map, "url")?.ok_or_else(|| ApiError::BadRequest("url is required".to_owned()))?;
    let account = text_field(&map, "account")?.unwrap_or_else(|| caller.account.clone());
    let new = NewWebhook {
        url,
        collections: string_list(&map, "collections")?,
        types: string_list(&map, "types")?,
    };
    webhook::Target::parse(&new.url).map_err(|err| ApiError::BadRequest(err.to_string()))?;
    let created = state
        .hub
        .create_webhook(&caller, &account, new, Some(&*state.webhook_sender))
        .await?;
    Ok(json_response(StatusCode::CREATED, &with_secret(&created)))
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
    let webhooks = state.hub.webhooks(&caller, query.account.as_deref()).await?;
    let items: Vec<Value> = webhooks.iter().map(webhook_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "webhooks": items })))
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let webhook = state.hub.webhook(&caller, &id).await?;
    Ok(json_response(StatusCode::OK, &webhook_json(&webhook)))
}

async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    state.hub.delete_webhook(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn rotate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let rotated = state
        .hub
        .rotate_webhook_secret(&caller, &id, ROTATION_GRACE)
        .await?;
    Ok(json_response(StatusCode::OK, &with_secret(&rotated)))
}

fn failure_json(row: &FailedDelivery) -> Value {
    json!({"seq": row.seq, "attempts": row.attempts, "last_error": row.last_error, "dead": row.dead})
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct FailureQuery {
    #[serde(default)]
    pending: bool,
}

pub(crate) async fn dead_letters(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<FailureQuery>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let rows = state
        .hub
        .webhook_failures(&caller, &id, !query.pending, 1000)
        .await?;
    let items: Vec<Value> = rows.iter().map(failure_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "deliveries": items })))
}

pub(crate) async fn replay(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let seqs = if body.is_empty() {
        Vec::new()
    } else {
        let map = parse_object(&body)?;
        match map.get("seqs") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(Value::as_u64)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| ApiError::BadRequest("seqs must be an array of positions".to_owned()))?,
            Some(_) => {
                return Err(ApiError::BadRequest(
                    "seqs must be an array of positions".to_owned(),
                ));
            }
        }
    };
    let replayed = state.hub.replay_webhook(&caller, &id, seqs).await?;
    Ok(json_response(StatusCode::OK, &json!({ "replayed": replayed })))
}
