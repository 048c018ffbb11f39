//! The collection content endpoints: manifest, objects (GET, POST), object (GET, DELETE), versions.
//!
//! Invariant: a POST body is measured as it streams (chunked bodies have no Content-Length) and refused with
//! 413 past the API root's `max_content_length`; a body at or under the limit is always read.

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hub::{ListKind, ListPage};
use taxii::media::{AcceptProfile, STIX_MEDIA_TYPE};
use taxii::query::ListParams;
use taxii::resources::{ManifestRecord, ManifestResource, VersionsResource, envelope_json};
use taxii::timestamp::format_date_added;

use crate::AppState;
use crate::auth::authenticate;
use crate::error::ApiError;
use crate::negotiate::{require_accept, require_taxii_body};
use crate::taxii::TaxiiPath;
use crate::taxii::render::{list_page, taxii_body, taxii_json, version_text};

type CollectionPath = TaxiiPath<(String, String)>;
type ObjectPath = TaxiiPath<(String, String, String)>;

async fn page_for(
    state: &AppState,
    headers: &HeaderMap,
    profile: AcceptProfile,
    (api_root, collection): (&str, &str),
    kind: ListKind,
    raw_query: Option<&str>,
) -> Result<ListPage, ApiError> {
    let caller = authenticate(state, headers).await?;
    require_accept(headers, profile)?;
    let params = ListParams::parse(raw_query).map_err(|err| ApiError::BadRequest(err.to_string()))?;
    Ok(state
        .hub
        .list(&caller, api_root, collection, kind, &params)
        .await?)
}

fn envelope_page(page: &ListPage) -> Response {
    let raws = page.records.iter().map(|r| r.raw.as_deref().unwrap_or("null"));
    list_page(
        envelope_json(page.more, page.next.as_deref(), raws),
        &page.records,
    )
}

pub(crate) async fn objects(
    State(state): State<AppState>,
    TaxiiPath((api_root, collection)): CollectionPath,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let target = (api_root.as_str(), collection.as_str());
    let page = page_for(
        &state,
        &headers,
        AcceptProfile::Taxii,
        target,
        ListKind::Objects,
        query.as_deref(),
    )
    .await?;
    Ok(envelope_page(&page))
}

pub(crate) async fn object(
    State(state): State<AppState>,
    TaxiiPath((api_root, collection, object_id)): ObjectPath,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let target = (api_root.as_str(), collection.as_str());
    let kind = ListKind::Object(object_id);
    let page = page_for(
        &state,
        &headers,
        AcceptProfile::Taxii,
        target,
        kind,
        query.as_deref(),
    )
    .await?;
    Ok(envelope_page(&page))
}

pub(crate) async fn manifest(
    State(state): State<AppState>,
    TaxiiPath((api_root, collection)): CollectionPath,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let target = (api_root.as_str(), collection.as_str());
    let profile = AcceptProfile::TaxiiOrStix;
    let page = page_for(
        &state,
        &headers,
        profile,
        target,
        ListKind::Manifest,
        query.as_deref(),
    )
    .await?;
    let records = page
        .records
        .iter()
        .map(|record| ManifestRecord {
            id: record.id.clone(),
            date_added: format_date_added(record.date_added),
            version: version_text(record),
            media_type: Some(if record.spec_version == "2.1" {
                STIX_MEDIA_TYPE.to_owned()
            } else {
                format!("application/stix+json;version={}", record.spec_version)
            }),
        })
        .collect();
    let more = (page.more || !page.records.is_empty()).then_some(page.more);
    let resource = ManifestResource {
        more,
        next: page.next.clone(),
        objects: records,
    };
    let body = serde_json::to_string(&resource).map_err(|err| hub::HubError::Internal(err.to_string()))?;
    Ok(list_page(body, &page.records))
}

pub(crate) async fn versions(
    State(state): State<AppState>,
    TaxiiPath((api_root, collection, object_id)): ObjectPath,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let target = (api_root.as_str(), collection.as_str());
    let kind = ListKind::Versions(object_id);
    let page = page_for(
        &state,
        &headers,
        AcceptProfile::Taxii,
        target,
        kind,
        query.as_deref(),
    )
    .await?;
    let resource = VersionsResource {
        more: (page.more || !page.records.is_empty()).then_some(page.more),
        next: page.next.clone(),
        versions: page.records.iter().map(version_text).collect(),
    };
    let body = serde_json::to_string(&resource).map_err(|err| hub::HubError::Internal(err.to_string()))?;
    Ok(list_page(body, &page.records))
}

/// The request header naming recipients on a POST of objects (see docs/taxii-server.md).
const RECIPIENTS_HEADER: &str = "stixhub-recipients";

pub(crate) async fn add_objects(
    State(state): State<AppState>,
    TaxiiPath((api_root, collection)): CollectionPath,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    require_accept(&headers, AcceptProfile::Taxii)?;
    require_taxii_body(&headers)?;
    let max_content_length = state.hub.max_content_length(&api_root).await?;
    let bytes = read_body_within(body, &headers, max_content_length).await?;
    // A stixhub extension: who receives TLP:AMBER (organisations, communities) and TLP:RED (accounts).
    let named = match headers.get(RECIPIENTS_HEADER) {
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| ApiError::BadRequest(format!("{RECIPIENTS_HEADER} must be ASCII")))?
                .to_owned(),
        ),
        None => None,
    };
    let status = state
        .hub
        .add_objects_for(&caller, &api_root, &collection, bytes, named.as_deref())
        .await?;
    state.metrics.record_objects_ingested(status.success_count);
    taxii_json(StatusCode::ACCEPTED, &status)
}

pub(crate) async fn delete_object(
    State(state): State<AppState>,
    TaxiiPath((api_root, collection, object_id)): ObjectPath,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    require_accept(&headers, AcceptProfile::Taxii)?;
    let params = ListParams::parse(query.as_deref()).map_err(|err| ApiError::BadRequest(err.to_string()))?;
    state
        .hub
        .delete_object(&caller, &api_root, &collection, &object_id, &params)
        .await?;
    Ok(taxii_body(StatusCode::OK, String::new()))
}

/// Reads a body of at most `max_content_length` bytes, measuring what actually arrives.
pub(crate) async fn read_body_within(
    body: Body,
    headers: &HeaderMap,
    max_content_length: u64,
) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max_content_length) {
        return Err(ApiError::PayloadTooLarge);
    }
    let limit = usize::try_from(max_content_length).unwrap_or(usize::MAX);
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => Err(ApiError::PayloadTooLarge),
        Err(err) => Err(ApiError::BadRequest(format!("the body could not be read: {err}"))),
    }
}
