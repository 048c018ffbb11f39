//! The admin REST API of the sharing model (issue 6): organisations, communities, members, community admins,
//! collection audiences, marking grants, the PII review queue and the private anonymity mapping.
//!
//! Invariant: every route authenticates like TAXII and calls one hub use case, which authorizes the caller
//! (delegated administration, `policy::admin`): hub admins may do everything, organisation and community admins
//! what they administer. Refusals are 403 with the rule's reason; unknown names are 404.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{MethodRouter, delete, get, post, put};
use hub::{Review, Verdict};
use serde_json::{Value, json};

use crate::AppState;
use crate::admin::{flag_field, json_response, parse_object, required_text, text_field};
use crate::auth::authenticate;
use crate::error::ApiError;

/// The sharing-model admin routes.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/admin/v1/organisations/", post(create_organisation)),
        ("/admin/v1/communities/", post(create_community)),
        ("/admin/v1/communities/{community}/members/", post(add_member)),
        (
            "/admin/v1/communities/{community}/members/{org}",
            delete(remove_member),
        ),
        ("/admin/v1/communities/{community}/admins/", post(add_admin)),
        (
            "/admin/v1/communities/{community}/admins/{account}",
            delete(remove_admin),
        ),
        ("/admin/v1/collections/{collection}/audience/", post(share)),
        (
            "/admin/v1/accounts/{account}/markings/{marking}",
            put(grant_marking).delete(revoke_marking),
        ),
        ("/admin/v1/reviews/", get(list_reviews)),
        ("/admin/v1/reviews/{review}", get(show_review)),
        ("/admin/v1/reviews/{review}/decision", post(decide_review)),
        (
            "/admin/v1/collections/{collection}/anonymity/{org}",
            get(anonymity_mapping),
        ),
    ]
}

async fn create_organisation(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = parse_object(&body)?;
    let name = required_text(&map, "name")?;
    let consent = text_field(&map, "consent")?.unwrap_or_else(|| "none".to_owned());
    let government = flag_field(&map, "government")?;
    state
        .hub
        .create_organisation(&caller, &name, &consent, government)
        .await?;
    let value = json!({ "name": name, "consent": consent, "government": government });
    Ok(json_response(StatusCode::CREATED, &value))
}

async fn create_community(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = parse_object(&body)?;
    let name = required_text(&map, "name")?;
    let parent = text_field(&map, "parent")?;
    state
        .hub
        .create_community(&caller, &name, parent.as_deref())
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "name": name, "parent": parent }),
    ))
}

async fn add_member(
    State(state): State<AppState>,
    Path(community): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let org = required_text(&parse_object(&body)?, "org")?;
    state.hub.add_community_member(&caller, &community, &org).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "community": community, "org": org }),
    ))
}

async fn remove_member(
    State(state): State<AppState>,
    Path((community, org)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    state
        .hub
        .remove_community_member(&caller, &community, &org)
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "community": community, "org": org, "removed": true }),
    ))
}

async fn remove_admin(
    State(state): State<AppState>,
    Path((community, account)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    state
        .hub
        .remove_community_admin(&caller, &community, &account)
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "community": community, "account": account, "removed": true }),
    ))
}

async fn add_admin(
    State(state): State<AppState>,
    Path(community): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let account = required_text(&parse_object(&body)?, "account")?;
    state
        .hub
        .add_community_admin(&caller, &community, &account)
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "community": community, "account": account }),
    ))
}

async fn share(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let community = required_text(&parse_object(&body)?, "community")?;
    let id = state
        .hub
        .share_collection(&caller, &collection, &community)
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "collection": id, "community": community }),
    ))
}

async fn set_marking(
    state: &AppState,
    headers: &HeaderMap,
    account: &str,
    marking: &str,
    granted: bool,
) -> Result<Response, ApiError> {
    let caller = authenticate(state, headers).await?;
    state
        .hub
        .set_marking_grant(&caller, account, marking, granted)
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "account": account, "marking": marking, "granted": granted }),
    ))
}

async fn grant_marking(
    State(state): State<AppState>,
    Path((account, marking)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    set_marking(&state, &headers, &account, &marking, true).await
}

async fn revoke_marking(
    State(state): State<AppState>,
    Path((account, marking)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    set_marking(&state, &headers, &account, &marking, false).await
}

/// A review as JSON (findings parsed back into an array).
pub(crate) fn review_json(review: &Review) -> Value {
    json!({
        "id": review.id,
        "status_id": review.status_id,
        "collection": review.collection.as_str(),
        "account": review.account,
        "organisation": review.submitter_org,
        "object_id": review.object_id,
        "object_version": review.object_version,
        "state": review.state.as_str(),
        "original": review.original,
        "proposed": review.proposed,
        "findings": serde_json::from_str::<Value>(&review.findings).unwrap_or(Value::Null),
        "reviewer": review.reviewer,
        "message": review.message,
    })
}

async fn list_reviews(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let reviews = state.hub.pending_reviews(&caller).await?;
    let items: Vec<Value> = reviews.iter().map(review_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "reviews": items })))
}

async fn show_review(
    State(state): State<AppState>,
    Path(review): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let review = state.hub.review(&caller, &review).await?;
    Ok(json_response(StatusCode::OK, &review_json(&review)))
}

/// `{"verdict": "approve"}`, `{"verdict": "edit", "object": {…}}` or `{"verdict": "reject", "reason": "…"}`.
async fn decide_review(
    State(state): State<AppState>,
    Path(review): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = parse_object(&body)?;
    let verdict = match required_text(&map, "verdict")?.as_str() {
        "approve" => Verdict::Approve,
        "edit" => match map.get("object") {
            Some(object @ Value::Object(_)) => Verdict::Edit(object.to_string()),
            _ => return Err(ApiError::BadRequest("an edit needs the edited object".to_owned())),
        },
        "reject" => Verdict::Reject(required_text(&map, "reason")?),
        other => {
            return Err(ApiError::BadRequest(format!(
                "verdict {other:?} is not one of approve, edit, reject"
            )));
        }
    };
    let decided = state.hub.decide_review(&caller, &review, verdict).await?;
    Ok(json_response(StatusCode::OK, &review_json(&decided)))
}

async fn anonymity_mapping(
    State(state): State<AppState>,
    Path((collection, org)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let mapping = state.hub.anonymity_mapping(&caller, &collection, &org).await?;
    let items: Vec<Value> = mapping
        .into_iter()
        .map(|(original, public)| json!({ "original": original, "public": public }))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "organisation": org, "mapping": items }),
    ))
}
