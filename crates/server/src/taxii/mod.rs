//! The TAXII 2.1 routes (standards §1.1), one module per surface.

mod catalog;
pub(crate) mod objects;
mod render;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::routing::{MethodRouter, get};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;

/// `Path`, whose rejection (a segment that is not UTF-8 once percent-decoded) is a TAXII error (400 with the
/// TAXII media type), not axum's plain-text answer.
pub(crate) struct TaxiiPath<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for TaxiiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(TaxiiPath(value)),
            Err(_) => Err(ApiError::BadRequest("malformed path".to_owned())),
        }
    }
}

/// Every TAXII route, written with its trailing slash.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/taxii2/", get(catalog::discovery)),
        ("/{api_root}/", get(catalog::api_root)),
        ("/{api_root}/status/{status_id}/", get(catalog::status)),
        ("/{api_root}/collections/", get(catalog::collections)),
        ("/{api_root}/collections/{collection}/", get(catalog::collection)),
        (
            "/{api_root}/collections/{collection}/manifest/",
            get(objects::manifest),
        ),
        (
            "/{api_root}/collections/{collection}/objects/",
            get(objects::objects).post(objects::add_objects),
        ),
        (
            "/{api_root}/collections/{collection}/objects/{object_id}/",
            get(objects::object).delete(objects::delete_object),
        ),
        (
            "/{api_root}/collections/{collection}/objects/{object_id}/versions/",
            get(objects::versions),
        ),
    ]
}
