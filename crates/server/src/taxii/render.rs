//! Rendering TAXII responses: the media type on everything, the date headers on list pages.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hub::ListedObject;
use serde::Serialize;
use taxii::media::TAXII_MEDIA_TYPE;
use taxii::timestamp::format_date_added;

use crate::error::ApiError;

/// The first-date header of list pages.
pub(crate) const DATE_ADDED_FIRST: &str = "X-TAXII-Date-Added-First";
/// The last-date header of list pages.
pub(crate) const DATE_ADDED_LAST: &str = "X-TAXII-Date-Added-Last";

/// A TAXII response with a body already serialised.
pub(crate) fn taxii_body(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, TAXII_MEDIA_TYPE)], body).into_response()
}

/// A TAXII response serialising `resource`.
pub(crate) fn taxii_json<T: Serialize>(status: StatusCode, resource: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_string(resource)
        .map_err(|err| ApiError::Hub(hub::HubError::Internal(format!("serialising a response: {err}"))))?;
    Ok(taxii_body(status, body))
}

/// A 200 list page with `X-TAXII-Date-Added-First/Last` taken from its rows. An empty page has no first or
/// last row and carries neither header (as medallion; a client must not read a date that was not served).
pub(crate) fn list_page(body: String, records: &[ListedObject]) -> Response {
    let mut response = taxii_body(StatusCode::OK, body);
    if let (Some(first), Some(last)) = (records.first(), records.last()) {
        for (name, micros) in [
            (DATE_ADDED_FIRST, first.date_added),
            (DATE_ADDED_LAST, last.date_added),
        ] {
            if let Ok(value) = HeaderValue::from_str(&format_date_added(micros)) {
                response.headers_mut().insert(name, value);
            }
        }
    }
    response
}

/// The version a manifest record or versions list shows: the object's, or `date_added` when it has none.
pub(crate) fn version_text(record: &ListedObject) -> String {
    record
        .version
        .clone()
        .unwrap_or_else(|| format_date_added(record.date_added))
}
