//! The web UI under `/ui/`: server-rendered HTML (askama templates in `crates/server/templates/`, checked at
//! compile time), one small stylesheet and one small script embedded in the binary (no CDN, nothing fetched at
//! run time), signed-cookie sessions (`session`).
//!
//! Invariants:
//! - Every page reads and writes through the hub's use cases with the signed-in `Caller`, exactly as TAXII
//!   does, so the one policy gate (`Hub::scan_released`) decides what a page may show. No access rule is
//!   implemented here.
//! - Something a caller may not see is answered with the same 404 page as something that does not exist.
//! - Every POST carries a CSRF token (`session::check_csrf`).
//! - Every response carries `Server-Timing: app;dur=…` (server time in ms), which the benchmark reads.

mod admin;
mod alerts;
mod assets;
mod audit;
mod cases;
mod contribute;
mod feedback;
mod feeds;
mod pages;
mod password;
mod report;
mod review;
mod risk;
pub(crate) mod session;
mod view;
mod webhooks;

use std::time::Instant;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hub::{Hub, HubError};
use tokio::sync::OnceCell;

use crate::AppState;

/// The largest body the contribute form takes (a large bundle pasted or uploaded).
const MAX_FORM_BYTES: usize = 64 * 1024 * 1024;

const STYLESHEET: &str = include_str!("../../templates/static/app.css");
const SCRIPT: &str = include_str!("../../templates/static/app.js");
const ALERTS_SCRIPT: &str = include_str!("../../templates/static/alerts.js");
const BOARD_SCRIPT: &str = include_str!("../../templates/static/board.js");

/// Web-specific state shared by every request.
#[derive(Debug, Default)]
pub(crate) struct WebState {
    session_key: OnceCell<[u8; 32]>,
    secure_cookies: std::sync::atomic::AtomicBool,
}

impl WebState {
    /// The session signing key, loaded from the store once.
    pub(crate) async fn session_key(&self, hub: &Hub) -> Result<[u8; 32], WebError> {
        Ok(*self.session_key.get_or_try_init(|| hub.web_session_key()).await?)
    }

    /// Whether cookies get the `Secure` flag (the server runs TLS).
    pub(crate) fn secure_cookies(&self) -> bool {
        self.secure_cookies.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Called by `serve_tls`: cookies travel only over HTTPS from now on.
    pub(crate) fn require_secure_cookies(&self) {
        self.secure_cookies
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Every way a page can fail, rendered as an HTML page (never the TAXII error resource).
#[derive(Debug)]
pub(crate) enum WebError {
    /// From a use case.
    Hub(HubError),
    /// No valid session: redirect to the sign-in page.
    SignIn,
    /// A form without the right CSRF token.
    Csrf,
    /// A malformed form or query.
    BadRequest(String),
    /// A page template failed (a bug).
    Render(askama::Error),
}

impl From<HubError> for WebError {
    fn from(err: HubError) -> WebError {
        match err {
            HubError::Unauthenticated => WebError::SignIn,
            other => WebError::Hub(other),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(err: askama::Error) -> WebError {
        WebError::Render(err)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            WebError::SignIn => return Redirect::to("/ui/login").into_response(),
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "The form had expired or did not come from this site. Go back, reload the page and try again."
                    .to_owned(),
            ),
            WebError::BadRequest(message) => (StatusCode::BAD_REQUEST, message.clone()),
            WebError::Render(err) => {
                tracing::error!(error = %err, "a page template failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong.".to_owned(),
                )
            }
            WebError::Hub(err) => match err {
                HubError::Unauthenticated => return Redirect::to("/ui/login").into_response(),
                HubError::Forbidden => (
                    StatusCode::FORBIDDEN,
                    "You are not allowed to do that.".to_owned(),
                ),
                HubError::NotPermitted(reason) => (StatusCode::FORBIDDEN, format!("Not permitted: {reason}.")),
                HubError::NotFound => (
                    StatusCode::NOT_FOUND,
                    "There is nothing here, or nothing you may see.".to_owned(),
                ),
                HubError::BadRequest(message)
                | HubError::Unprocessable(message)
                | HubError::Conflict(message) => (StatusCode::BAD_REQUEST, message.clone()),
                HubError::QuotaExceeded(message) => (StatusCode::TOO_MANY_REQUESTS, message.clone()),
                HubError::TooManyAttempts {
                    retry_after_seconds,
                } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("Too many failed attempts. Try again in {retry_after_seconds} seconds."),
                ),
                HubError::InsufficientStorage(_) => (
                    StatusCode::INSUFFICIENT_STORAGE,
                    "The hub is out of storage; nothing was stored.".to_owned(),
                ),
                HubError::Unavailable(_) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The hub is busy; try again shortly.".to_owned(),
                ),
                HubError::Internal(_) => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong.".to_owned(),
                ),
            },
        };
        if status.is_server_error() {
            tracing::error!(error = ?self, status = status.as_u16(), "page failed");
        }
        let page = view::ErrorPage {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("Error"),
            message,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| "<!doctype html><title>Error</title><p>Error</p>".to_owned());
        html(status, body)
    }
}

/// An HTML response.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
    let headers = response.headers_mut();
    // Pages are per account: never cached by shared caches, never framed, scripts only from here.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; form-action 'self'",
        ),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// Renders a template as a 200 page.
pub(crate) fn page<T: Template>(template: &T) -> Result<Response, WebError> {
    Ok(html(StatusCode::OK, template.render()?))
}

/// The UI routes (mounted by `crate::router`).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/") }))
        .route("/ui", get(|| async { Redirect::to("/ui/") }))
        .route("/ui/", get(pages::dashboard))
        .route("/ui/login", get(pages::login_form).post(pages::login))
        .route("/ui/logout", post(pages::logout))
        .route("/ui/search", get(pages::search_all))
        .route("/ui/c/{api_root}/{collection}/", get(pages::browse))
        .route(
            "/ui/c/{api_root}/{collection}/objects/{object_id}/",
            get(pages::object),
        )
        .route(
            "/ui/c/{api_root}/{collection}/objects/{object_id}/raw",
            get(pages::object_raw),
        )
        .route(
            "/ui/contribute",
            get(contribute::form)
                .post(contribute::submit)
                .layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route("/ui/reviews", get(review::list))
        .route("/ui/reviews/{review_id}", get(review::show).post(review::decide))
        .route("/ui/admin", get(admin::overview))
        .route("/ui/password", get(password::form).post(password::change))
        .route("/ui/audit", get(audit::overview))
        .route("/ui/webhooks", get(webhooks::list))
        .route("/ui/feeds", get(feeds::list))
        .route("/ui/assets", get(assets::list).post(assets::act))
        .route("/ui/risk", get(risk::register))
        .route("/ui/risk/register.csv", get(risk::register_csv))
        .route("/ui/risk/register/{function}", get(risk::function))
        .route(
            "/ui/risk/register/{function}/findings/{org}/{sbom}/{index}",
            get(risk::register_finding),
        )
        .route(
            "/ui/risk/sboms",
            get(risk::sboms)
                .post(risk::upload)
                .layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route("/ui/risk/sboms/{id}", get(risk::sbom))
        .route("/ui/risk/sboms/{id}/findings/{index}", get(risk::sbom_finding))
        .route("/ui/risk/plans", post(risk::plan_act))
        .route("/ui/risk/plans/{id}", get(risk::plan).post(risk::plan_act))
        .route("/ui/static/risk.js", get(risk_script))
        .route("/ui/feedback", post(feedback::give))
        .route("/ui/scorecard", get(feedback::scorecard))
        .route("/ui/admin/{action}", post(admin::act))
        .route("/ui/static/app.css", get(stylesheet))
        .route("/ui/static/app.js", get(script))
        .route("/ui/static/alerts.js", get(alerts_script))
        .route("/ui/static/board.js", get(board_script))
        .route("/ui/report", get(report::form).post(report::submit))
        .route("/ui/board", get(cases::board))
        .route("/ui/incidents/{id}", get(cases::show).post(cases::act))
        .route("/ui/alerts", get(alerts::alerts))
        .route("/ui/events", get(alerts::events))
        .route("/ui/subscriptions", get(alerts::subscriptions).post(alerts::act))
        .layer(axum::middleware::from_fn(server_timing))
}

async fn stylesheet() -> Response {
    static_asset("text/css; charset=utf-8", STYLESHEET)
}

async fn script() -> Response {
    static_asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn risk_script() -> Response {
    static_asset("text/javascript; charset=utf-8", risk::SCRIPT)
}

async fn alerts_script() -> Response {
    static_asset("text/javascript; charset=utf-8", ALERTS_SCRIPT)
}

async fn board_script() -> Response {
    static_asset("text/javascript; charset=utf-8", BOARD_SCRIPT)
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Adds `Server-Timing: app;dur=MS`: the time the server spent on the request.
async fn server_timing(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut response = next.run(request).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = HeaderValue::from_str(&format!("app;dur={elapsed_ms:.2}")) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}
