//! The caller's webhooks (issue 13): each with its state, counters and the reason it was disabled, and the
//! failed deliveries (dead letters and retries) of those that have any.
//!
//! Invariant: the page reads through `Hub::webhooks` and `Hub::webhook_failures` with the signed-in caller, so
//! it shows the caller's own webhooks only (hub admins see every account's).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::AppState;
use crate::web::pages::layout;
use crate::web::session;
use crate::web::view::Layout;
use crate::web::{WebError, page};

/// Failed deliveries shown per webhook.
const FAILURES_SHOWN: usize = 20;

/// One webhook as shown.
#[derive(Debug, Clone)]
pub(crate) struct WebhookRow {
    pub(crate) id: String,
    pub(crate) account: String,
    pub(crate) url: String,
    pub(crate) state: String,
    pub(crate) delivered: u64,
    pub(crate) failed_attempts: u64,
    pub(crate) pending: u64,
    pub(crate) dead: u64,
    pub(crate) failures: Vec<FailureRow>,
}

/// One failed delivery as shown.
#[derive(Debug, Clone)]
pub(crate) struct FailureRow {
    pub(crate) seq: u64,
    pub(crate) attempts: u32,
    pub(crate) last_error: String,
    pub(crate) dead: bool,
}

/// The webhooks page.
#[derive(askama::Template)]
#[template(path = "webhooks.html")]
pub(crate) struct WebhooksPage {
    pub(crate) layout: Layout,
    pub(crate) webhooks: Vec<WebhookRow>,
}

pub(crate) async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let caller = &session.caller;
    let scope = if caller.is_admin { Some("*") } else { None };
    let mut rows = Vec::new();
    for webhook in state.hub.webhooks(caller, scope).await? {
        let mut failures = Vec::new();
        if webhook.dead > 0 {
            failures.extend(
                state
                    .hub
                    .webhook_failures(caller, &webhook.id, true, FAILURES_SHOWN)
                    .await?,
            );
        }
        if webhook.pending > 0 {
            failures.extend(
                state
                    .hub
                    .webhook_failures(caller, &webhook.id, false, FAILURES_SHOWN)
                    .await?,
            );
        }
        let state_text = if webhook.enabled {
            "enabled".to_owned()
        } else {
            format!(
                "disabled: {}",
                webhook.disabled_reason.as_deref().unwrap_or("no reason given")
            )
        };
        rows.push(WebhookRow {
            id: webhook.id,
            account: webhook.account,
            url: webhook.url,
            state: state_text,
            delivered: webhook.delivered,
            failed_attempts: webhook.failed_attempts,
            pending: webhook.pending,
            dead: webhook.dead,
            failures: failures
                .into_iter()
                .map(|f| FailureRow {
                    seq: f.seq,
                    attempts: f.attempts,
                    last_error: f.last_error,
                    dead: f.dead,
                })
                .collect(),
        });
    }
    page(&WebhooksPage {
        layout: layout(&session, "Webhooks"),
        webhooks: rows,
    })
}
