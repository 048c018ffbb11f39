//! The TAXII 2.1 routes (standards §1.1), one module per surface.

mod catalog;
mod objects;
mod render;

use axum::routing::{MethodRouter, get};

use crate::AppState;

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
