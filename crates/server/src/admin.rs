//! The admin REST API (JSON) and its OpenAPI document: the same operations as the admin CLI.
//!
//! Invariant: every admin route authenticates like TAXII (Basic or Bearer) and calls one hub use case, which
//! authorizes the caller itself (`Hub::authorize`, `policy::admin`); the server holds no access rule and maps
//! the hub's refusals to 403. The OpenAPI document (`openapi.json`, hand-written) is public and lists exactly
//! the routes below (and those of `admin_sharing` and `admin_accounts`).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use hub::{NewAccount, NewCollection, Rights};
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
        (
            "/admin/v1/accounts/",
            get(crate::admin_accounts::list_accounts).post(create_account),
        ),
        (
            "/admin/v1/accounts/{account}/tokens/",
            get(crate::admin_accounts::list_tokens).post(create_token),
        ),
        ("/admin/v1/grants/", post(grant)),
        ("/admin/v1/audit/", get(audit_entries)),
        ("/admin/v1/audit/verify", get(audit_verify)),
        ("/admin/v1/audit/report", get(audit_report)),
    ]
    .into_iter()
    .chain(crate::admin_sharing::routes())
    .chain(crate::admin_accounts::routes())
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
    let caller = authenticate(&state, &headers).await?;
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

/// Hub admins create any account; organisation admins create accounts of their own organisation (the hub
/// decides, `hub::AdminAction::CreateAccount`).
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
    let name = new.name.clone();
    state.hub.create_account(&caller, new).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "name": name })))
}

/// Body (optional): `{"expires_in": SECONDS}`.
async fn create_token(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let expires_in = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match parse_object(&body)?.get("expires_in") {
            None | Some(Value::Null) => None,
            Some(Value::Number(seconds)) => {
                Some(std::time::Duration::from_secs(seconds.as_u64().ok_or_else(
                    || ApiError::BadRequest("expires_in must be a whole number of seconds".to_owned()),
                )?))
            }
            Some(_) => {
                return Err(ApiError::BadRequest(
                    "expires_in must be a whole number of seconds".to_owned(),
                ));
            }
        }
    };
    let created = state
        .hub
        .create_token_expiring(&caller, &account, expires_in)
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({
            "account": account,
            "token": created.token,
            "id": created.id,
            "expires": created.expires_micros.map(crate::admin_accounts::rfc3339_micros),
        }),
    ))
}

/// `{"account", "collection", "read"?, "write"?, "revoke"?}`: adds the rights named (both when none is), or
/// with `"revoke": true` takes them away.
async fn grant(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = parse_object(&body)?;
    let account = required_text(&map, "account")?;
    let collection = required_text(&map, "collection")?;
    let (read, write) = (flag_field(&map, "read")?, flag_field(&map, "write")?);
    let rights = if read || write {
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
    if flag_field(&map, "revoke")? {
        let collection_id = state
            .hub
            .revoke_grant(&caller, &account, &collection, rights)
            .await?;
        let value = json!({ "account": account, "collection": collection_id, "revoked": {
            "read": rights.can_read, "write": rights.can_write } });
        return Ok(json_response(StatusCode::OK, &value));
    }
    let collection_id = state.hub.grant(&caller, &account, &collection, rights).await?;
    let value = json!({ "account": account, "collection": collection_id, "read": rights.can_read, "write": rights.can_write });
    Ok(json_response(StatusCode::OK, &value))
}

/// `GET /admin/v1/audit/?from_seq=N&limit=N`: entries as stored, ascending; `next_seq` resumes after them.
async fn audit_entries(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
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
    let caller = authenticate(&state, &headers).await?;
    let verification = state.hub.verify_audit_as(&caller).await?;
    Ok(json_response(StatusCode::OK, &verification.to_json()))
}

/// `GET /admin/v1/audit/report`: transparency counts per organisation.
async fn audit_report(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let report = state.hub.audit_report_as(&caller).await?;
    Ok(json_response(StatusCode::OK, &report.to_json()))
}
