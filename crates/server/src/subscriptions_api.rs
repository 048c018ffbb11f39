//! Subscriptions over REST: `/events/v1/subscriptions/` for the caller's own, `/admin/v1/subscriptions/` for
//! hub admins (anyone's), and `/admin/v1/events/stats` (delivery counters and lag per subscription).
//!
//! Invariant: handlers parse and render only; ownership and filter checks are the hub's
//! (`Hub::create_subscription`, `Hub::check_event_filter`). A filter problem is a 400 naming the field.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use hub::{Caller, EventFilter, Subscription};
use serde_json::{Value, json};

use crate::AppState;
use crate::admin::{json_response, parse_object, required_text, text_field};
use crate::auth::authenticate;
use crate::error::ApiError;

/// The routes (mounted with and without their trailing slash).
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/events/v1/stream/", get(crate::event_stream::stream)),
        ("/events/v1/subscriptions/", get(list_own).post(create_own)),
        ("/events/v1/subscriptions/{id}/", get(show).delete(remove)),
        ("/admin/v1/subscriptions/", get(admin_list).post(admin_create)),
        ("/admin/v1/subscriptions/{id}/", get(show).delete(remove)),
        ("/admin/v1/events/stats", get(stats)),
    ]
}

/// A subscription as JSON.
pub(crate) fn subscription_json(subscription: &Subscription) -> Value {
    json!({
        "id": subscription.id,
        "account": subscription.account,
        "name": subscription.name,
        "filter": subscription.filter,
        "created": stix::timestamp::Timestamp::from_unix_nanos(i128::from(subscription.created_micros) * 1000, 6).as_str(),
    })
}

fn filter_of(map: &serde_json::Map<String, Value>) -> Result<EventFilter, ApiError> {
    match map.get("filter") {
        None | Some(Value::Null) => Ok(EventFilter::default()),
        Some(value) => serde_json::from_value(value.clone())
            .map_err(|err| ApiError::BadRequest(format!("filter: {err}"))),
    }
}

async fn create(state: &AppState, actor: &Caller, account: &str, body: &[u8]) -> Result<Response, ApiError> {
    let map = parse_object(body)?;
    let name = text_field(&map, "name")?.unwrap_or_default();
    let filter = filter_of(&map)?;
    let subscription = state
        .hub
        .create_subscription(actor, account, &name, filter)
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &subscription_json(&subscription),
    ))
}

async fn list_own(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let subscriptions = state.hub.subscriptions(&caller, None).await?;
    let list: Vec<Value> = subscriptions.iter().map(subscription_json).collect();
    Ok(json_response(StatusCode::OK, &json!({"subscriptions": list})))
}

async fn create_own(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let account = caller.account.clone();
    create(&state, &caller, &account, &body).await
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let subscription = state.hub.subscription(&caller, &id).await?;
    Ok(json_response(StatusCode::OK, &subscription_json(&subscription)))
}

async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    state.hub.delete_subscription(&caller, &id).await?;
    Ok(json_response(StatusCode::OK, &json!({"deleted": id})))
}

async fn admin_caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let caller = authenticate(state, headers).await?;
    state.hub.require_admin(&caller)?;
    Ok(caller)
}

async fn admin_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let caller = admin_caller(&state, &headers).await?;
    let account = query
        .as_deref()
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("account=")))
        .unwrap_or("*");
    let subscriptions = state.hub.subscriptions(&caller, Some(account)).await?;
    let list: Vec<Value> = subscriptions.iter().map(subscription_json).collect();
    Ok(json_response(StatusCode::OK, &json!({"subscriptions": list})))
}

async fn admin_create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = admin_caller(&state, &headers).await?;
    let map = parse_object(&body)?;
    let account = required_text(&map, "account")?;
    create(&state, &caller, &account, &body).await
}

/// `GET /admin/v1/events/stats`: the log's range and, per subscription (and per account for ad-hoc streams),
/// open streams, deliveries, failures and lag (newest position − newest delivered) on this node.
async fn stats(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    admin_caller(&state, &headers).await?;
    let latest = state.hub.latest_event();
    let rows: Vec<Value> = state
        .hub
        .subscription_stats()
        .iter()
        .map(|s| {
            json!({
                "key": s.key,
                "account": s.account,
                "streams": s.streams,
                "delivered_seq": s.delivered_seq,
                "lag": latest.saturating_sub(s.delivered_seq),
                "deliveries": s.deliveries,
                "failures": s.failures,
            })
        })
        .collect();
    let bus = match state.hub.event_bus_connected() {
        None => Value::Null,
        Some(connected) => json!({"connected": connected}),
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "latest": latest,
            "oldest": state.hub.oldest_event(),
            "bus": bus,
            "subscriptions": rows,
        }),
    ))
}
