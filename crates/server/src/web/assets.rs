//! `/ui/assets` (issue 14): an organisation's admins claim and remove its assets; verifiers (community
//! admins of its communities, hub admins) see the claims waiting for them, with the overlapping claims of
//! other organisations, and verify them.
//!
//! Invariant: the page reads and writes only through the hub with the signed-in caller (`Hub::org_assets`,
//! `pending_assets`, `claim_asset`, `verify_asset`, `remove_asset`); an ordinary member sees an empty page
//! with the reason, never another organisation's claims.

use std::collections::HashMap;

use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use hub::AssetView;

use crate::AppState;
use crate::web::pages::layout;
use crate::web::session;
use crate::web::view::Layout;
use crate::web::{WebError, page};

/// One claim as shown.
#[derive(Debug, Clone)]
pub(crate) struct AssetRow {
    pub(crate) id: String,
    pub(crate) org: String,
    pub(crate) kind: String,
    pub(crate) value: String,
    pub(crate) verified: bool,
    pub(crate) overlaps: String,
}

fn rows(assets: &[AssetView]) -> Vec<AssetRow> {
    assets
        .iter()
        .map(|a| AssetRow {
            id: a.id.clone(),
            org: a.org.clone(),
            kind: a.kind.clone(),
            value: a.value.clone(),
            verified: a.verified_by.is_some(),
            overlaps: a
                .overlaps
                .iter()
                .map(|o| format!("{} ({})", o.value, o.org))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect()
}

/// The assets page.
#[derive(askama::Template)]
#[template(path = "assets.html")]
pub(crate) struct AssetsPage {
    pub(crate) layout: Layout,
    pub(crate) own: Vec<AssetRow>,
    pub(crate) pending: Vec<AssetRow>,
    pub(crate) may_manage: bool,
    pub(crate) message: String,
    pub(crate) error: String,
}

/// `GET /ui/assets`.
pub(crate) async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    assets_page(&state, &headers, String::new(), String::new()).await
}

async fn assets_page(
    state: &AppState,
    headers: &HeaderMap,
    message: String,
    error: String,
) -> Result<Response, WebError> {
    let session = session::current(state, headers).await?;
    let caller = &session.caller;
    let (own, may_manage) = match caller.org.as_deref() {
        Some(org) => match state.hub.org_assets(caller, Some(org)).await {
            Ok(assets) => (rows(&assets), true),
            Err(hub::HubError::NotPermitted(_) | hub::HubError::Forbidden | hub::HubError::NotFound) => {
                (Vec::new(), false)
            }
            Err(other) => return Err(other.into()),
        },
        None => (Vec::new(), false),
    };
    let pending = rows(&state.hub.pending_assets(caller).await?);
    page(&AssetsPage {
        layout: layout(&session, "Assets"),
        own,
        pending,
        may_manage,
        message,
        error,
    })
}

/// `POST /ui/assets`: `action=claim` (`kind`, `value`), `action=verify` or `action=remove` (`id`).
pub(crate) async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    session::check_csrf(&session.csrf, form.get("csrf").map_or("", String::as_str))?;
    let field = |name: &str| form.get(name).map_or("", |value| value.trim());
    let caller = &session.caller;
    let outcome = match field("action") {
        "claim" => state
            .hub
            .claim_asset(caller, None, field("kind"), field("value"))
            .await
            .map(|a| {
                format!(
                    "Claimed {} {} (unverified until an admin verifies it).",
                    a.kind, a.value
                )
            }),
        "verify" => state
            .hub
            .verify_asset(caller, field("id"))
            .await
            .map(|a| format!("Verified {} {} of {}.", a.kind, a.value, a.org)),
        "remove" => state
            .hub
            .remove_asset(caller, field("id"))
            .await
            .map(|()| "Asset removed.".to_owned()),
        _ => return Ok(Redirect::to("/ui/assets").into_response()),
    };
    match outcome {
        Ok(message) => assets_page(&state, &headers, message, String::new()).await,
        Err(hub::HubError::BadRequest(problem) | hub::HubError::Conflict(problem)) => {
            assets_page(&state, &headers, String::new(), problem).await
        }
        Err(hub::HubError::NotPermitted(reason)) => {
            assets_page(&state, &headers, String::new(), reason).await
        }
        Err(other) => Err(other.into()),
    }
}
