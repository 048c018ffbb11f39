//! The admin REST API for taking access back (issue 12): accounts (list, disable, enable, delete, password),
//! the caller's own password, tokens (list, revoke).
//!
//! Invariant: like every admin route, each authenticates like TAXII and calls one hub use case, which
//! authorizes the caller (`policy::admin::may_manage_account` and hub administration); refusals are 403,
//! unknown accounts and tokens 404. Token secrets are never listed: tokens are named by their ids.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{MethodRouter, delete, post, put};
use serde_json::{Value, json};

use crate::AppState;
use crate::admin::{json_response, parse_object, required_text};
use crate::auth::authenticate;
use crate::error::ApiError;

/// The account and token routes (listing accounts and tokens hangs on `admin`'s collection routes).
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/admin/v1/accounts/{account}", delete(delete_account)),
        ("/admin/v1/accounts/{account}/disable", post(disable_account)),
        ("/admin/v1/accounts/{account}/enable", post(enable_account)),
        ("/admin/v1/accounts/{account}/password", put(set_password)),
        ("/admin/v1/password", put(change_own_password)),
        ("/admin/v1/tokens/{token_id}", delete(revoke_token_by_id)),
        ("/admin/v1/tokens/revoke", post(revoke_token)),
    ]
}

/// Microseconds since the epoch as RFC 3339 (UTC, microseconds).
pub(crate) fn rfc3339_micros(micros: i64) -> String {
    stix::timestamp::Timestamp::from_unix_nanos(i128::from(micros) * 1000, 6)
        .as_str()
        .to_owned()
}

/// `GET /admin/v1/accounts/`: every account, without password hashes.
pub(crate) async fn list_accounts(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let accounts = state.hub.list_accounts(&caller).await?;
    let items: Vec<Value> = accounts
        .iter()
        .map(|account| {
            json!({
                "name": account.name,
                "org": account.org,
                "role": account.role,
                "disabled": account.disabled,
            })
        })
        .collect();
    Ok(json_response(StatusCode::OK, &json!({ "accounts": items })))
}

/// `GET /admin/v1/accounts/{account}/tokens/`: the account's tokens by id.
pub(crate) async fn list_tokens(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let tokens = state.hub.list_tokens(&caller, &account).await?;
    let items: Vec<Value> = tokens
        .iter()
        .map(|token| {
            json!({
                "id": token.id,
                "created": rfc3339_micros(token.created_micros),
                "expires": token.expires_micros.map(rfc3339_micros),
                "expired": token.expired,
            })
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "account": account, "tokens": items }),
    ))
}

async fn delete_account(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    state.hub.delete_account(&caller, &account).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "name": account, "deleted": true }),
    ))
}

async fn set_disabled(
    state: &AppState,
    headers: &HeaderMap,
    account: &str,
    disabled: bool,
) -> Result<Response, ApiError> {
    let caller = authenticate(state, headers).await?;
    state.hub.set_account_disabled(&caller, account, disabled).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "name": account, "disabled": disabled }),
    ))
}

async fn disable_account(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    set_disabled(&state, &headers, &account, true).await
}

async fn enable_account(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    set_disabled(&state, &headers, &account, false).await
}

/// `PUT /admin/v1/accounts/{account}/password` with `{"password": …}`: an administrator's reset.
async fn set_password(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let password = required_text(&parse_object(&body)?, "password")?;
    state.hub.set_password(&caller, &account, &password).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "name": account, "password_changed": true }),
    ))
}

/// `PUT /admin/v1/password` with `{"current": …, "new": …}`: the caller's own password.
async fn change_own_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = parse_object(&body)?;
    let (current, new) = (required_text(&map, "current")?, required_text(&map, "new")?);
    state.hub.change_own_password(&caller, &current, &new).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "name": caller.account, "password_changed": true }),
    ))
}

async fn revoked(state: &AppState, headers: &HeaderMap, token_or_id: &str) -> Result<Response, ApiError> {
    let caller = authenticate(state, headers).await?;
    let account = state.hub.revoke_token(&caller, token_or_id).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "account": account, "revoked": true }),
    ))
}

/// `DELETE /admin/v1/tokens/{id}`: revokes a token by id.
async fn revoke_token_by_id(
    State(state): State<AppState>,
    Path(token_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    revoked(&state, &headers, &token_id).await
}

/// `POST /admin/v1/tokens/revoke` with `{"token": TOKEN_OR_ID}`: a secret never goes in a URL (or a log).
async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let token = required_text(&parse_object(&body)?, "token")?;
    revoked(&state, &headers, &token).await
}
