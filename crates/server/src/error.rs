//! `ApiError`: the one mapping from outcomes to HTTP responses.
//!
//! Invariants: every error body is a TAXII error resource with the TAXII 2.1 Content-Type; 401 carries
//! `WWW-Authenticate` (Basic and Bearer); 403/404 bodies are bland so they never hint at existence; 5xx
//! details are logged and replaced by a generic body; 4xx are not logged as errors.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hub::HubError;
use taxii::media::TAXII_MEDIA_TYPE;
use taxii::resources::ErrorResource;

/// Every way a request can fail.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// From a use case.
    Hub(HubError),
    /// No Accept value the endpoint can satisfy (406).
    NotAcceptable,
    /// A POST body media type the endpoint does not take (415).
    UnsupportedMediaType,
    /// The body exceeds the API root's `max_content_length` (413).
    PayloadTooLarge,
    /// A malformed request (400).
    BadRequest(String),
    /// No such route (404).
    NotFound,
    /// The route exists, the method does not (405).
    MethodNotAllowed,
    /// The caller's account used up its request rate (429 + `Retry-After`).
    TooManyRequests {
        /// Seconds until a request will be admitted again.
        retry_after_seconds: u64,
    },
    /// Too many requests in flight and waiting: shed at once (503 + `Retry-After`).
    Overloaded,
}

/// `Retry-After` on 503s: the store or the server should be back (or less busy) within a second or so.
const RETRY_AFTER_UNAVAILABLE_SECONDS: u64 = 1;

impl From<HubError> for ApiError {
    fn from(err: HubError) -> ApiError {
        ApiError::Hub(err)
    }
}

impl ApiError {
    fn status_and_description(&self) -> (StatusCode, Option<String>) {
        match self {
            ApiError::Hub(err) => match err {
                HubError::Unauthenticated => (StatusCode::UNAUTHORIZED, None),
                HubError::Forbidden => (StatusCode::FORBIDDEN, None),
                HubError::NotPermitted(reason) => (StatusCode::FORBIDDEN, Some(reason.clone())),
                HubError::NotFound => (StatusCode::NOT_FOUND, None),
                HubError::BadRequest(message) => (StatusCode::BAD_REQUEST, Some(message.clone())),
                HubError::Unprocessable(message) => (StatusCode::UNPROCESSABLE_ENTITY, Some(message.clone())),
                HubError::Conflict(message) => (StatusCode::CONFLICT, Some(message.clone())),
                HubError::Unavailable(_) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Some("the store is unavailable; retry later".to_owned()),
                ),
                // 413 is TAXII's for bodies over max_content_length only (a body under it must not get 413),
                // so a quota is "too many": 429, without Retry-After (waiting does not help).
                HubError::QuotaExceeded(message) => (StatusCode::TOO_MANY_REQUESTS, Some(message.clone())),
                HubError::TooManyAttempts { .. } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    Some("too many failed sign-ins; retry later".to_owned()),
                ),
                HubError::InsufficientStorage(_) => (
                    StatusCode::INSUFFICIENT_STORAGE,
                    Some("the server's storage is full; nothing was stored".to_owned()),
                ),
                HubError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, None),
            },
            ApiError::NotAcceptable => (
                StatusCode::NOT_ACCEPTABLE,
                Some(format!("this endpoint serves {TAXII_MEDIA_TYPE}")),
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Some(format!("send the body as {TAXII_MEDIA_TYPE}")),
            ),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Some("the body exceeds max_content_length".to_owned()),
            ),
            ApiError::BadRequest(message) => (StatusCode::BAD_REQUEST, Some(message.clone())),
            ApiError::NotFound => (StatusCode::NOT_FOUND, None),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, None),
            ApiError::TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                Some("request rate limit of this account exceeded".to_owned()),
            ),
            ApiError::Overloaded => (
                StatusCode::SERVICE_UNAVAILABLE,
                Some("the server is overloaded; retry later".to_owned()),
            ),
        }
    }

    /// Seconds for `Retry-After`, on the answers a retry can cure.
    fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            ApiError::TooManyRequests { retry_after_seconds }
            | ApiError::Hub(HubError::TooManyAttempts { retry_after_seconds }) => Some(*retry_after_seconds),
            ApiError::Overloaded | ApiError::Hub(HubError::Unavailable(_)) => {
                Some(RETRY_AFTER_UNAVAILABLE_SECONDS)
            }
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, description) = self.status_and_description();
        let retry_after = self.retry_after_seconds();
        match &self {
            // Shedding and an unreachable store are expected under overload or during a database restart:
            // a warning each, not an error.
            ApiError::Overloaded => tracing::debug!("request shed: overloaded"),
            ApiError::Hub(HubError::Unavailable(_)) => {
                tracing::warn!(error = ?self, status = status.as_u16(), "request failed")
            }
            _ if status.is_server_error() => {
                tracing::error!(error = ?self, status = status.as_u16(), "request failed")
            }
            _ => {}
        }
        let resource = ErrorResource {
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            description,
            http_status: status.as_u16().to_string(),
        };
        let body = serde_json::to_string(&resource).unwrap_or_else(|_| "{}".to_owned());
        let mut response = (status, [(header::CONTENT_TYPE, TAXII_MEDIA_TYPE)], body).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            let headers = response.headers_mut();
            headers.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"stixhub\""),
            );
            headers.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"stixhub\""),
            );
        }
        response
    }
}

/// The fallback for unknown paths.
pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// The fallback for known paths with an unsupported method.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
