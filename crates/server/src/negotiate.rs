//! Accept and Content-Type checks (406 / 415), delegating the rules to `taxii::media`.

use axum::http::{HeaderMap, header};
use taxii::media::{AcceptProfile, accept_is_satisfiable, content_type_is_taxii_21};

use crate::error::ApiError;

/// 406 unless the response media type satisfies Accept.
pub(crate) fn require_accept(headers: &HeaderMap, profile: AcceptProfile) -> Result<(), ApiError> {
    let accept = header_text(headers, header::ACCEPT);
    if accept_is_satisfiable(accept.as_deref(), profile) {
        Ok(())
    } else {
        Err(ApiError::NotAcceptable)
    }
}

/// 415 unless a POST body is declared as TAXII 2.1.
pub(crate) fn require_taxii_body(headers: &HeaderMap) -> Result<(), ApiError> {
    let content_type = header_text(headers, header::CONTENT_TYPE);
    if content_type_is_taxii_21(content_type.as_deref()) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

/// All values of a header joined by commas (Accept may be split across lines).
fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}
