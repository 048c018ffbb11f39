//! Web sessions and CSRF protection.
//!
//! A session is a signed cookie: `base64url("v2" | account | epoch | expiry | csrf) "." base64url(HMAC-SHA256)`
//! keyed by the store secret `web-session-key` (`Hub::web_session_key`), so every `serve` node on one
//! PostgreSQL database accepts the sessions any of them issued and no session table is needed. `epoch` is the
//! account's epoch when the session began (`Hub::session_epoch`): signing out, a password change, disabling
//! and deleting bump it, and `Hub::session_caller` refuses a session of an older epoch, on every node within
//! `hub::ACCOUNT_STALENESS` (1 s).
//!
//! Invariants:
//! - The cookie is `HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure` whenever the server runs TLS. Over plain
//!   HTTP (loopback or behind a TLS-terminating proxy) `Secure` is left off, or browsers would drop the cookie.
//! - Every state-changing form carries the session's CSRF token, compared in constant time; the sign-in form,
//!   which has no session yet, uses a double-submit token (a random cookie echoed in a hidden field).
//! - Signing out clears the cookie and ends every session of the account (all its browsers): a copied cookie
//!   stops working. Sessions also end at `SESSION_LIFETIME`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use hub::{Caller, HubError};
use sha2::Sha256;

use crate::AppState;
use crate::web::WebError;

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "stixhub_session";
/// The sign-in form's double-submit cookie.
pub(crate) const LOGIN_COOKIE: &str = "stixhub_login";
/// How long a session lasts (a working day).
pub(crate) const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// A signed-in browser.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// Who it is, as the hub's use cases take it.
    pub(crate) caller: Caller,
    /// The token every form of this session must echo.
    pub(crate) csrf: String,
}

/// A fresh random token (128 bits, base64url).
pub(crate) fn random_token() -> Result<String, WebError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|err| WebError::Hub(HubError::Internal(format!("no randomness: {err}"))))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

fn mac(key: &[u8; 32], payload: &[u8]) -> Result<Hmac<Sha256>, WebError> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .map_err(|err| WebError::Hub(HubError::Internal(format!("session key: {err}"))))?;
    mac.update(payload);
    Ok(mac)
}

/// The `Set-Cookie` value of a new session for `account`.
pub(crate) async fn issue(state: &AppState, account: &str) -> Result<(HeaderValue, String), WebError> {
    let key = state.web.session_key(&state.hub).await?;
    let epoch = state.hub.session_epoch(account).await?;
    let csrf = random_token()?;
    let expiry = unix_now() + SESSION_LIFETIME.as_secs();
    let payload = format!("v2|{account}|{epoch}|{expiry}|{csrf}");
    let signature = mac(&key, payload.as_bytes())?.finalize().into_bytes();
    let value = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(signature)
    );
    let cookie = cookie_header(state, SESSION_COOKIE, &value, Some(SESSION_LIFETIME.as_secs()))?;
    Ok((cookie, csrf))
}

/// The `Set-Cookie` value that removes a cookie.
pub(crate) fn clear(state: &AppState, name: &str) -> Result<HeaderValue, WebError> {
    cookie_header(state, name, "", Some(0))
}

/// A `Set-Cookie` value with the flags every stixhub cookie has.
pub(crate) fn cookie_header(
    state: &AppState,
    name: &str,
    value: &str,
    max_age: Option<u64>,
) -> Result<HeaderValue, WebError> {
    let secure = if state.web.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let max_age = max_age.map_or(String::new(), |seconds| format!("; Max-Age={seconds}"));
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{max_age}"
    ))
    .map_err(|_| WebError::BadRequest("a cookie value was not valid".to_owned()))
}

/// The value of cookie `name` in the request, if any.
pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value)
}

/// The session of a request, or `WebError::SignIn` when there is none (or it is forged or expired).
pub(crate) async fn current(state: &AppState, headers: &HeaderMap) -> Result<Session, WebError> {
    let value = cookie(headers, SESSION_COOKIE).ok_or(WebError::SignIn)?;
    let (payload, signature) = value.split_once('.').ok_or(WebError::SignIn)?;
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| WebError::SignIn)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| WebError::SignIn)?;
    let key = state.web.session_key(&state.hub).await?;
    mac(&key, &payload)?
        .verify_slice(&signature)
        .map_err(|_| WebError::SignIn)?;
    let payload = String::from_utf8(payload).map_err(|_| WebError::SignIn)?;
    // An account name may contain '|'; the epoch, expiry and token cannot, so they are split off the end.
    let rest = payload.strip_prefix("v2|").ok_or(WebError::SignIn)?;
    let (rest, csrf) = rest.rsplit_once('|').ok_or(WebError::SignIn)?;
    let (rest, expiry) = rest.rsplit_once('|').ok_or(WebError::SignIn)?;
    let (account, epoch) = rest.rsplit_once('|').ok_or(WebError::SignIn)?;
    let expiry: u64 = expiry.parse().map_err(|_| WebError::SignIn)?;
    let epoch: i64 = epoch.parse().map_err(|_| WebError::SignIn)?;
    if expiry <= unix_now() {
        return Err(WebError::SignIn);
    }
    let caller = state
        .hub
        .session_caller(account, epoch)
        .await
        .map_err(|err| match err {
            HubError::Unauthenticated | HubError::NotFound => WebError::SignIn,
            other => WebError::Hub(other),
        })?;
    Ok(Session {
        caller,
        csrf: csrf.to_owned(),
    })
}

/// Checks a submitted CSRF token against the expected one, in constant time.
pub(crate) fn check_csrf(expected: &str, submitted: &str) -> Result<(), WebError> {
    let (expected, submitted) = (expected.as_bytes(), submitted.as_bytes());
    let differences = expected
        .iter()
        .zip(submitted)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if expected.is_empty() || expected.len() != submitted.len() || differences != 0 {
        return Err(WebError::Csrf);
    }
    Ok(())
}
