//! The HTTP surface: TAXII 2.1 routes, the admin REST API with its OpenAPI document, the web UI under `/ui/`
//! (`web`), `/healthz`, `/readyz`, `/metrics` (`metrics`, which also gives each request an id and a span),
//! limits and back-pressure (`limits`, `connections`), and the one mapping from hub outcomes to HTTP
//! (`error::ApiError`).
//!
//! Invariants:
//! - Handlers hold no SQL and no storage types; they parse HTTP, call one `Hub` use case, and render.
//! - Every TAXII response, errors included, carries `application/taxii+json;version=2.1`.
//! - Every route answers with and without its trailing slash (curl users omit it).
//! - `serve(listener, state, shutdown)`: the caller owns the socket and the shutdown signal; on shutdown the
//!   server stops accepting and finishes the requests in flight. `serve_tls` is the same over TLS (`tls`).
//! - Overload is answered, never waited out: beyond `Limits` a request gets 503 or 429 with `Retry-After`.

mod admin;
mod admin_accounts;
mod admin_sharing;
mod assets_api;
mod auth;
mod client;
mod connections;
mod emails_api;
mod error;
mod event_stream;
mod exports;
mod feedback_api;
mod feeds_api;
mod incidents_api;
mod limits;
mod matching;
mod metrics;
mod negotiate;
mod risk_api;
mod smtp_client;
mod subscriptions_api;
mod taxii;
mod tls;
mod web;
mod webhook_client;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};
use hub::Hub;

pub use crate::client::{ClientAnswer, StreamAnswer, open_stream, post_json, request_json};
pub use crate::connections::serve;
pub use crate::limits::{Limits, RateLimit};
pub use crate::matching::MAX_MATCH_BODY;
pub use crate::smtp_client::{SmtpMailer, SmtpSettings, StartTls};
pub use crate::tls::{
    ClientAuth, TlsConfigSource, TlsError, TlsFiles, client_identity, load_tls_config, read_certs, serve_tls,
};
pub use crate::webhook_client::{DEFAULT_WEBHOOK_TIMEOUT, HttpWebhookSender};

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    hub: Arc<Hub>,
    metrics: Arc<metrics::Metrics>,
    web: Arc<web::WebState>,
    admission: Arc<limits::Admission>,
    /// Checks new webhook targets (the same sender the delivery worker uses, so the same SSRF rule).
    webhook_sender: Arc<dyn hub::WebhookSender>,
    /// Pulls feeds for `POST /admin/v1/feeds/{id}/run` (issue 17); `None`: such runs answer 503.
    feed_source: Option<Arc<dyn hub::FeedSource>>,
}

impl AppState {
    /// State over a hub, with the default `Limits`.
    pub fn new(hub: Arc<Hub>) -> AppState {
        AppState::with_limits(hub, Limits::default())
    }

    /// State over a hub, with these limits.
    pub fn with_limits(hub: Arc<Hub>, limits: Limits) -> AppState {
        AppState {
            hub,
            metrics: Arc::new(metrics::Metrics::default()),
            web: Arc::new(web::WebState::default()),
            admission: Arc::new(limits::Admission::new(limits)),
            webhook_sender: Arc::new(HttpWebhookSender::new(false, DEFAULT_WEBHOOK_TIMEOUT)),
            feed_source: None,
        }
    }

    /// This state with the webhook sender of the delivery worker (its `--allow-private-webhooks` choice).
    pub fn with_webhook_sender(mut self, sender: Arc<dyn hub::WebhookSender>) -> AppState {
        self.webhook_sender = sender;
        self
    }

    /// This state with the feed source `serve` pulls feeds with (issue 17).
    pub fn with_feed_source(mut self, source: Arc<dyn hub::FeedSource>) -> AppState {
        self.feed_source = Some(source);
        self
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::metrics));
    for (path, method_router) in taxii::routes()
        .into_iter()
        .chain(admin::routes())
        .chain(exports::routes())
        .chain(matching::routes())
        .chain(subscriptions_api::routes())
        .chain(webhooks::routes())
        .chain(emails_api::routes())
        .chain(assets_api::routes())
        .chain(risk_api::routes())
        .chain(feedback_api::routes())
        .chain(feeds_api::routes())
        .chain(incidents_api::routes())
    {
        router = route_with_and_without_slash(router, path, method_router);
    }
    router
        .merge(web::routes())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::admit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::observe,
        ))
        .with_state(state)
}

fn route_with_and_without_slash(
    router: Router<AppState>,
    path: &'static str,
    method_router: MethodRouter<AppState>,
) -> Router<AppState> {
    let method_router = method_router.fallback(error::method_not_allowed);
    match path.strip_suffix('/') {
        Some(bare) if !bare.is_empty() => router
            .route(path, method_router.clone())
            .route(bare, method_router),
        _ => router.route(path, method_router),
    }
}

async fn healthz() -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "{\"status\":\"ok\"}",
    )
}

/// `GET /readyz`: 200 when the store answers a cheap read, 503 otherwise (load balancers take the node out).
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.hub.check_ready().await {
        // The event bus is not needed to serve (the log is polled without it): reported, never "not ready".
        Ok(()) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            match state.hub.event_bus_connected() {
                None => "{\"status\":\"ready\"}",
                Some(true) => "{\"status\":\"ready\",\"event_bus\":\"connected\"}",
                Some(false) => "{\"status\":\"ready\",\"event_bus\":\"disconnected\"}",
            },
        ),
        Err(err) => {
            tracing::warn!(error = %err, "not ready: the store does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"status\":\"unavailable\"}",
            )
        }
    }
}
