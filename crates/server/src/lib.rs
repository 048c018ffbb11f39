//! The HTTP surface: TAXII 2.1 routes, the admin REST API with its OpenAPI document, `/healthz`, and the one
//! mapping from hub outcomes to HTTP (`error::ApiError`).
//!
//! Invariants:
//! - Handlers hold no SQL and no storage types; they parse HTTP, call one `Hub` use case, and render.
//! - Every TAXII response, errors included, carries `application/taxii+json;version=2.1`.
//! - Every route answers with and without its trailing slash (curl users omit it).
//! - `serve(listener, state, shutdown)`: the caller owns the socket and the shutdown signal; on shutdown the
//!   server stops accepting and finishes the requests in flight.

mod admin;
mod auth;
mod error;
mod negotiate;
mod taxii;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};
use hub::Hub;
use tokio::net::TcpListener;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    hub: Arc<Hub>,
}

impl AppState {
    /// State over a hub.
    pub fn new(hub: Arc<Hub>) -> AppState {
        AppState { hub }
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new().route("/healthz", get(healthz));
    for (path, method_router) in taxii::routes().into_iter().chain(admin::routes()) {
        router = route_with_and_without_slash(router, path, method_router);
    }
    router.fallback(error::not_found).with_state(state)
}

/// Serves `router(state)` on `listener` until `shutdown` completes, then drains requests in flight.
pub async fn serve<F>(listener: TcpListener, state: AppState, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
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
