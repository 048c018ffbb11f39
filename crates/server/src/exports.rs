//! `GET /exports/v1/{collection}/{format}`: detection exports (docs/exports.md), authenticated like TAXII.
//!
//! Invariants: the request is checked (credentials, query, format, read access) before the first byte, so
//! every refusal is a proper status (400, 401, 404 — a collection the caller cannot read answers exactly like
//! one that does not exist); after that the body streams chunk by chunk from the hub's walk, ending with the
//! trailer of counts. A failure mid-stream cuts the body short: an export without its trailer is incomplete.

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use hub::{ExportRequest, ExportStream};

use crate::AppState;
use crate::auth::authenticate;
use crate::error::ApiError;
use crate::taxii::TaxiiPath;

/// The export route, written with its trailing slash.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![("/exports/v1/{collection}/{format}/", get(export))]
}

async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    TaxiiPath((collection, format)): TaxiiPath<(String, String)>,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let mut request = parse_query(raw_query.as_deref()).map_err(ApiError::BadRequest)?;
    request.format = format;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("localhost");
    request.hub_url = format!("http://{host}");
    let stream = state.hub.export_start(&caller, &collection, &request).await?;
    let media_type = stream.media_type();
    let chunks = futures_util::stream::unfold(stream, |mut stream: ExportStream| async move {
        match stream.next_chunk().await {
            Ok(Some(chunk)) => Some((Ok::<Bytes, hub::HubError>(Bytes::from(chunk)), stream)),
            Ok(None) => None,
            Err(err) => {
                tracing::warn!(error = %err, "export cut short");
                Some((Err(err), stream))
            }
        }
    });
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, media_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(chunks),
    )
        .into_response())
}

/// The query: `type` (repeatable), `min_confidence`, `min_score` (the hub's score, issue 15), `added_after`, `include_expired`, `include_revoked`,
/// `warninglists`. Unknown or repeated parameters are refused (a typo must not silently widen an export).
pub(crate) fn parse_query(raw: Option<&str>) -> Result<ExportRequest, String> {
    let mut request = ExportRequest::default();
    let mut seen = std::collections::BTreeSet::new();
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |text| taxii::query::percent_decode(text).map_err(|err| err.to_string());
        let (name, value) = (decode(name)?, decode(value)?);
        if name != "type" && !seen.insert(name.clone()) {
            return Err(format!("{name} given twice"));
        }
        let flag = |value: &str| match value {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(format!("{name} must be true or false, not {other:?}")),
        };
        match name.as_str() {
            "type" => request.types.push(value),
            "min_confidence" => {
                let n: u8 = value
                    .parse()
                    .map_err(|_| format!("min_confidence must be 0 to 100, not {value:?}"))?;
                request.min_confidence = Some(n);
            }
            "min_score" => {
                let n: u8 = value
                    .parse()
                    .ok()
                    .filter(|n| *n <= 100)
                    .ok_or_else(|| format!("min_score must be 0 to 100, not {value:?}"))?;
                request.min_score = Some(n);
            }
            "added_after" => {
                let micros = taxii::timestamp::parse_added_after(&value)
                    .map_err(|_| format!("added_after must be a timestamp, not {value:?}"))?;
                request.added_after = Some(micros);
            }
            "include_expired" => request.include_expired = flag(&value)?,
            "include_revoked" => request.include_revoked = flag(&value)?,
            "warninglists" => request.warninglists = value,
            other => return Err(format!("unknown parameter {other:?}")),
        }
    }
    Ok(request)
}
