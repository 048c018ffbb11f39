//! Reading credentials from `Authorization` (HTTP Basic and Bearer) or, without that header, the verified TLS
//! client certificate of the connection. Verification, failed sign-in limits and the bound on password hashing
//! are the hub's; this module hands it the client's address (`CLIENT_ADDR`, the TCP peer: a proxy in front of
//! the hub makes every client one address, see docs/taxii-server.md, "Failed sign-ins").

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hub::{Caller, HubError};

use crate::AppState;
use crate::error::ApiError;
use crate::tls::CLIENT_CERT_ACCOUNT;

tokio::task_local! {
    /// The TCP peer address of the connection serving this request (set by both accept loops).
    pub(crate) static CLIENT_ADDR: std::net::IpAddr;
}

/// The client address of the request being served, when it came through an accept loop.
pub(crate) fn client_addr() -> Option<std::net::IpAddr> {
    CLIENT_ADDR.try_with(|addr| *addr).ok()
}

/// The caller of a request, or 401; 429 when the caller's account used up its request rate.
pub(crate) async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let caller = authenticate_credentials(state, headers).await?;
    state.admission.check_rate(&caller.account)?;
    Ok(caller)
}

async fn authenticate_credentials(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let unauthenticated = || ApiError::Hub(HubError::Unauthenticated);
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        // No Authorization header: a verified client certificate (TLS only) authenticates instead.
        let account = CLIENT_CERT_ACCOUNT
            .try_with(Clone::clone)
            .ok()
            .flatten()
            .ok_or_else(unauthenticated)?;
        return Ok(state.hub.authenticate_certificate(&account).await?);
    };
    let value = value.to_str().map_err(|_| unauthenticated())?;
    let (scheme, credentials) = value.trim().split_once(' ').ok_or_else(unauthenticated)?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD.decode(credentials).map_err(|_| unauthenticated())?;
        let decoded = String::from_utf8(decoded).map_err(|_| unauthenticated())?;
        let (name, password) = decoded.split_once(':').ok_or_else(unauthenticated)?;
        Ok(state
            .hub
            .authenticate_basic_from(name, password, client_addr())
            .await?)
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Ok(state
            .hub
            .authenticate_bearer_from(credentials, client_addr())
            .await?)
    } else {
        Err(unauthenticated())
    }
}
