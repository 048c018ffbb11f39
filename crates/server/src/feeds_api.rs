//! The feeds REST API (issue 17, docs/federation.md) under `/admin/v1/feeds/`, and the feed series of
//! `/metrics`. Authenticated like the admin API; every call is a hub use case that authorizes (hub admins).
//! A credential is write-only: accepted in the body of a POST, never in an answer.

use std::fmt::Write as _;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use hub::{FeedCredential, FeedView, NewFeed};
use serde_json::{Value, json};

use crate::AppState;
use crate::admin::{json_response, parse_object, text_field};
use crate::auth::authenticate;
use crate::error::ApiError;

/// Feed routes.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/admin/v1/feeds/", get(list).post(create)),
        ("/admin/v1/feeds/{id}", get(show).delete(remove)),
        ("/admin/v1/feeds/{id}/run", post(run)),
    ]
}

const FIELDS: &[&str] = &[
    "collection",
    "url",
    "user",
    "password",
    "token",
    "every",
    "ca_file",
    "client_cert",
    "client_key",
    "backfill_from",
    "marking_map",
    "account",
    "reconcile_every",
];

fn number(map: &serde_json::Map<String, Value>, key: &str, default: u64) -> Result<u64, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_u64()
            .ok_or_else(|| ApiError::BadRequest(format!("{key} must be a non-negative integer"))),
    }
}

fn new_feed(map: &serde_json::Map<String, Value>) -> Result<NewFeed, ApiError> {
    if let Some(unknown) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::BadRequest(format!("unknown field {unknown:?}")));
    }
    let required =
        |key: &str| text_field(map, key)?.ok_or_else(|| ApiError::BadRequest(format!("{key} is required")));
    let credential = match (
        text_field(map, "user")?,
        text_field(map, "password")?,
        text_field(map, "token")?,
    ) {
        (Some(user), Some(password), None) => FeedCredential::Basic { user, password },
        (None, None, Some(token)) => FeedCredential::Bearer(token),
        (None, None, None) => FeedCredential::None,
        _ => {
            return Err(ApiError::BadRequest(
                "credential: give user and password, or token, or neither".to_owned(),
            ));
        }
    };
    let client_certificate = match (text_field(map, "client_cert")?, text_field(map, "client_key")?) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => {
            return Err(ApiError::BadRequest(
                "client_cert and client_key go together".to_owned(),
            ));
        }
    };
    let marking_map = match map.get("marking_map") {
        None | Some(Value::Null) => Default::default(),
        Some(Value::Object(pairs)) => pairs
            .iter()
            .map(|(from, to)| to.as_str().map(|to| (from.clone(), to.to_owned())))
            .collect::<Option<_>>()
            .ok_or_else(|| ApiError::BadRequest("marking_map values must be strings".to_owned()))?,
        Some(_) => return Err(ApiError::BadRequest("marking_map must be an object".to_owned())),
    };
    Ok(NewFeed {
        collection: required("collection")?,
        url: required("url")?,
        credential,
        ca_file: text_field(map, "ca_file")?,
        client_certificate,
        every_secs: number(map, "every", 300)?,
        backfill_from: text_field(map, "backfill_from")?,
        marking_map,
        account: text_field(map, "account")?,
        reconcile_every: u32::try_from(number(map, "reconcile_every", 10)?)
            .map_err(|_| ApiError::BadRequest("reconcile_every is too large".to_owned()))?,
    })
}

fn feed_json(feed: &FeedView) -> Value {
    serde_json::to_value(feed).unwrap_or(Value::Null)
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let new = new_feed(&parse_object(&body)?)?;
    let id = state.hub.add_feed(&caller, new).await?;
    let feed = state.hub.feed(&caller, &id).await?;
    Ok(json_response(StatusCode::CREATED, &feed_json(&feed)))
}

async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let feeds = state.hub.list_feeds(&caller).await?;
    let items: Vec<Value> = feeds.iter().map(feed_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "feeds": items })))
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let feed = state.hub.feed(&caller, &id).await?;
    Ok(json_response(StatusCode::OK, &feed_json(&feed)))
}

async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    state.hub.remove_feed(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Pulls once now; 200 with the run's counts, or 502 with the failure in words (the upstream's fault).
async fn run(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let Some(source) = state.feed_source.clone() else {
        return Err(ApiError::Hub(hub::HubError::Unavailable(
            "this server runs no feeds".to_owned(),
        )));
    };
    match state.hub.run_feed(&caller, source.as_ref(), &id).await {
        Ok(run) => Ok(json_response(
            StatusCode::OK,
            &serde_json::to_value(&run).unwrap_or(Value::Null),
        )),
        Err(hub::HubError::Unavailable(reason)) => Ok(json_response(
            StatusCode::BAD_GATEWAY,
            &json!({"title": "the feed run failed", "description": reason, "http_status": "502"}),
        )),
        Err(err) => Err(err.into()),
    }
}

/// One metric: name, type, help, and its value for a feed (`None`: no sample).
type Series = (
    &'static str,
    &'static str,
    &'static str,
    fn(&FeedView) -> Option<i64>,
);

/// Per-feed series (issue 17), labelled by the feed's random id only (no URL, account or collection: the
/// scrape is unauthenticated).
pub(crate) async fn render_feeds(state: &AppState) -> String {
    let Ok(feeds) = state.hub.feed_statuses().await else {
        return String::new();
    };
    let mut text = String::new();
    let series: [Series; 7] = [
        (
            "stixhub_feed_objects_pulled_total",
            "counter",
            "Object versions a feed stored.",
            |f| i64::try_from(f.state.objects_pulled).ok(),
        ),
        (
            "stixhub_feed_objects_present_total",
            "counter",
            "Versions a feed received that were already here.",
            |f| i64::try_from(f.state.objects_present).ok(),
        ),
        (
            "stixhub_feed_objects_failed_total",
            "counter",
            "Versions a feed received that ingest refused.",
            |f| i64::try_from(f.state.objects_failed).ok(),
        ),
        (
            "stixhub_feed_failed_runs_total",
            "counter",
            "Feed runs that failed.",
            |f| i64::try_from(f.state.failed_runs).ok(),
        ),
        (
            "stixhub_feed_up",
            "gauge",
            "1 when the feed's last run succeeded.",
            |f| Some(i64::from(f.state.last_error.is_none() && f.state.runs > 0)),
        ),
        (
            "stixhub_feed_last_success_timestamp_seconds",
            "gauge",
            "When a run last reached the upstream's end.",
            |f| f.state.last_success_micros.map(|m| m / 1_000_000),
        ),
        (
            "stixhub_feed_lag_seconds",
            "gauge",
            "Seconds since a run last reached the upstream's end.",
            |f| f.lag_seconds,
        ),
    ];
    for (name, kind, help, value) in series {
        let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for feed in &feeds {
            if let Some(value) = value(feed) {
                let _ = writeln!(text, "{name}{{feed=\"{}\"}} {value}", feed.id);
            }
        }
    }
    text
}
