//! The admin REST API (JSON) and its OpenAPI document: the same operations as the admin CLI.
//!
//! Invariant: every admin route authenticates like TAXII (Basic or Bearer) and then requires an admin
//! account (`Hub::require_admin`); the OpenAPI document (`openapi.json`, hand-written) is public and lists
//! exactly the routes below.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use hub::{AdminAction, Caller, NewAccount, NewCollection, Rights};
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::authenticate;
use crate::error::ApiError;

const OPENAPI: &str = include_str!("openapi.json");

/// Admin routes.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/admin/v1/openapi.json", get(openapi)),
        ("/admin/v1/collections/", post(create_collection)),
        ("/admin/v1/accounts/", post(create_account)),
        ("/admin/v1/accounts/{account}/tokens/", post(create_token)),
        ("/admin/v1/grants/", post(grant)),
        ("/admin/v1/audit/", get(audit_entries)),
        ("/admin/v1/audit/verify", get(audit_verify)),
        ("/admin/v1/audit/report", get(audit_report)),
    ]
    .into_iter()
    .chain(crate::admin_sharing::routes())
    .collect()
}

async fn openapi() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}

pub(crate) fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

async fn admin_caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let caller = authenticate(state, headers).await?;
    state.hub.require_admin(&caller)?;
    Ok(caller)
}

pub(crate) fn parse_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::BadRequest("the body must be a JSON object".to_owned())),
    }
}

pub(crate) fn text_field(
    map: &serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<String>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ApiError::BadRequest(format!("{key} must be a string"))),
    }
}

pub(crate) fn required_text(map: &serde_json::Map<String, Value>, key: &str) -> Result<String, ApiError> {
    text_field(map, key)?.ok_or_else(|| ApiError::BadRequest(format!("{key} is required")))
}

pub(crate) fn flag_field(map: &serde_json::Map<String, Value>, key: &str) -> Result<bool, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(flag)) => Ok(*flag),
        Some(_) => Err(ApiError::BadRequest(format!("{key} must be a boolean"))),
    }
}

async fn create_collection(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = admin_caller(&state, &headers).await?;
    let map = parse_object(&body)?;
    let new = NewCollection {
        title: required_text(&map, "title")?,
        alias: text_field(&map, "alias")?,
        description: text_field(&map, "description")?,
        api_root: text_field(&map, "api_root")?,
    };
    let created = state.hub.create_collection(&caller, new).await?;
    let value = serde_json::to_value(&created).map_err(|err| hub::HubError::Internal(err.to_string()))?;
    Ok(json_response(StatusCode::CREATED, &value))
}

/// Hub admins create any account; organisation admins create accounts of their own organisation (delegated
/// administration, `hub::AdminAction::CreateAccount`).
async fn create_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = parse_object(&body)?;
    let new = NewAccount {
        name: required_text(&map, "name")?,
        password: required_text(&map, "password")?,
        org: text_field(&map, "org")?,
        role: text_field(&map, "role")?,
    };
    let action = match &new.org {
        Some(org) => AdminAction::CreateAccount {
            org,
            role: new.role.as_deref().unwrap_or("member"),
        },
        None => AdminAction::HubAdministration,
    };
    state.hub.authorize(&caller, action).await?;
    let name = new.name.clone();
    state.hub.create_account(&caller, new).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "name": name })))
}

async fn create_token(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = admin_caller(&state, &headers).await?;
    let token = state.hub.create_token(&caller, &account).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "account": account, "token": token }),
    ))
}

async fn grant(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let caller = admin_caller(&state, &headers).await?;
    let map = parse_object(&body)?;
    let account = required_text(&map, "account")?;
    let collection = required_text(&map, "collection")?;
    let (read, write) = (flag_field(&map, "read")?, flag_field(&map, "write")?);
    let add = if read || write {
        Rights {
            can_read: read,
            can_write: write,
        }
    } else {
        Rights {
            can_read: true,
            can_write: true,
        }
    };
    let collection_id = state.hub.grant(&caller, &account, &collection, add).await?;
    let value = json!({ "account": account, "collection": collection_id, "read": add.can_read, "write": add.can_write });
    Ok(json_response(StatusCode::OK, &value))
}

/// `GET /admin/v1/audit/?from_seq=N&limit=N`: entries as stored, ascending; `next_seq` resumes after them.
async fn audit_entries(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = admin_caller(&state, &headers).await?;
    let query = query.unwrap_or_default();
    let number = |key: &str, default: u64| -> Result<u64, ApiError> {
        let value = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find_map(|(name, value)| (name == key).then_some(value));
        value.map_or(Ok(default), |text| {
            text.parse()
                .map_err(|_| ApiError::BadRequest(format!("{key} must be a non-negative integer")))
        })
    };
    let from_seq = number("from_seq", 0)?;
    let limit = usize::try_from(number("limit", 100)?).unwrap_or(hub::AUDIT_MAX_LIST);
    let entries = state.hub.audit_entries(&caller, from_seq, limit).await?;
    let next_seq = entries.last().map_or(from_seq, |entry| entry.seq + 1);
    let entries: Vec<Value> = entries.iter().map(hub::AuditLogEntry::to_json).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "entries": entries, "next_seq": next_seq }),
    ))
}

/// `GET /admin/v1/audit/verify`: whether the chain is intact, and the first break.
async fn audit_verify(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    admin_caller(&state, &headers).await?;
    let verification = state.hub.verify_audit().await?;
    Ok(json_response(StatusCode::OK, &verification.to_json()))
}

/// `GET /admin/v1/audit/report`: transparency counts per organisation.
async fn audit_report(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    admin_caller(&state, &headers).await?;
    let report = state.hub.audit_report().await?;
    Ok(json_response(StatusCode::OK, &report.to_json()))
}
