//! The supply-chain and risk REST API (issue 18) under `/risk/v1/`: tags and the function catalogue, SBOM
//! intake and findings, vulnerability knowledge, the register (JSON and CSV), joint action plans and
//! supplier risk as STIX. Authenticated like TAXII; every rule is in the hub, so an SBOM, finding, plan or
//! organisation the caller may not see is a 404 exactly like an unknown one.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde_json::{Value, json};

use crate::AppState;
use crate::admin::{json_response, parse_object, required_text, text_field};
use crate::auth::authenticate;
use crate::error::ApiError;

/// Risk routes.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/risk/v1/register", get(register)),
        ("/risk/v1/register.csv", get(register_csv)),
        (
            "/risk/v1/register/{function}/findings/{org}/{sbom}/{index}",
            get(register_finding),
        ),
        ("/risk/v1/catalogue", get(catalogue)),
        ("/risk/v1/catalogue/functions", post(load_functions)),
        ("/risk/v1/tags", get(tags).put(set_tags)),
        (
            "/risk/v1/sboms",
            get(sboms)
                .post(import_sbom)
                .layer(DefaultBodyLimit::max(hub::MAX_SBOM_BYTES)),
        ),
        ("/risk/v1/sboms/{id}", get(sbom).delete(delete_sbom)),
        ("/risk/v1/sboms/{id}/findings", get(sbom_findings)),
        ("/risk/v1/findings", get(findings)),
        (
            "/risk/v1/knowledge",
            post(import_knowledge).layer(DefaultBodyLimit::max(hub::MAX_KNOWLEDGE_BYTES)),
        ),
        ("/risk/v1/plans", get(plans).post(create_plan)),
        ("/risk/v1/plans/{id}", get(plan)),
        ("/risk/v1/plans/{id}/actions", post(add_action)),
        ("/risk/v1/plans/{id}/actions/{action}", post(set_action)),
        ("/risk/v1/suppliers/preview", post(supplier_preview)),
        ("/risk/v1/suppliers/publish", post(supplier_publish)),
    ]
}

#[derive(Debug, serde::Deserialize)]
struct OrgQuery {
    org: Option<String>,
    product: Option<String>,
    name: Option<String>,
    function: Option<String>,
}

fn only_fields(map: &serde_json::Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(unknown) => Err(ApiError::BadRequest(format!("unknown field {unknown:?}"))),
        None => Ok(()),
    }
}

fn text_list(map: &serde_json::Map<String, Value>, key: &str) -> Result<Vec<String>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ApiError::BadRequest(format!("{key} must be an array of strings")))
            })
            .collect(),
        Some(_) => Err(ApiError::BadRequest(format!("{key} must be an array of strings"))),
    }
}

async fn register(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let register = state.hub.register(&caller).await?;
    Ok(json_response(StatusCode::OK, &register.to_json()))
}

async fn register_csv(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let register = state.hub.register(&caller).await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"risk-register.csv\"",
            ),
        ],
        register.to_csv(),
    )
        .into_response())
}

async fn register_finding(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((function, org, sbom, index)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let _ = function;
    let index: usize = index
        .parse()
        .map_err(|_| ApiError::from(hub::HubError::NotFound))?;
    let finding = state.hub.register_finding(&caller, &org, &sbom, index).await?;
    Ok(json_response(StatusCode::OK, &finding.to_json()))
}

async fn catalogue(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    authenticate(&state, &headers).await?;
    let catalogue = state.hub.risk_catalogue().await?;
    let value = serde_json::to_value(&catalogue).unwrap_or(Value::Null);
    Ok(json_response(
        StatusCode::OK,
        &json!({"sectors": value["sectors"], "functions": value["functions"], "expected": catalogue.expected,
            "unnamed": catalogue.unnamed()}),
    ))
}

async fn load_functions(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let list: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::BadRequest("the body must be JSON".to_owned()))?;
    let catalogue = state.hub.load_functions(&caller, &list).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"functions": catalogue.functions.len(), "unnamed": catalogue.unnamed()}),
    ))
}

async fn tags(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<OrgQuery>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let tags = state.hub.org_tags(&caller, query.org.as_deref()).await?;
    Ok(json_response(StatusCode::OK, &tags.to_json()))
}

async fn set_tags(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = parse_object(&body)?;
    only_fields(&map, &["org", "asset", "product", "sectors", "functions"])?;
    let target = match (text_field(&map, "asset")?, text_field(&map, "product")?) {
        (None, None) => hub::TagTarget::Organisation,
        (Some(asset), None) => hub::TagTarget::Asset(asset),
        (None, Some(product)) => hub::TagTarget::Product(product),
        (Some(_), Some(_)) => {
            return Err(ApiError::BadRequest(
                "asset, product: name one of them".to_owned(),
            ));
        }
    };
    let org = text_field(&map, "org")?;
    let (sectors, functions) = (text_list(&map, "sectors")?, text_list(&map, "functions")?);
    let tags = state
        .hub
        .set_tags(&caller, org.as_deref(), target, &sectors, &functions)
        .await?;
    Ok(json_response(StatusCode::OK, &tags.to_json()))
}

async fn import_sbom(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<OrgQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let upload = hub::SbomUpload {
        org: query.org,
        product: query.product,
        name: query.name,
        body: body.to_vec(),
    };
    let summary = state.hub.import_sbom(&caller, upload).await?;
    Ok(json_response(StatusCode::CREATED, &summary.to_json()))
}

async fn sboms(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<OrgQuery>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let sboms = state.hub.sboms(&caller, query.org.as_deref()).await?;
    let items: Vec<Value> = sboms.iter().map(hub::SbomSummary::to_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "sboms": items })))
}

async fn sbom(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let sbom = state.hub.sbom(&caller, &id).await?;
    Ok(json_response(StatusCode::OK, &sbom.to_json()))
}

async fn delete_sbom(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    state.hub.delete_sbom(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn findings_json(findings: &[hub::FindingView], missing: &[(String, String, String)]) -> Value {
    json!({
        "findings": findings.iter().map(hub::FindingView::to_json).collect::<Vec<_>>(),
        "not_evaluated": missing.iter().map(|(sbom, component, reason)| json!({
            "sbom": sbom, "component": component, "reason": reason,
        })).collect::<Vec<_>>(),
    })
}

async fn sbom_findings(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let sbom = state.hub.sbom(&caller, &id).await?;
    let (findings, missing) = state.hub.findings(&caller, Some(&sbom.org), Some(&id)).await?;
    Ok(json_response(StatusCode::OK, &findings_json(&findings, &missing)))
}

async fn findings(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<OrgQuery>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let (findings, missing) = state.hub.findings(&caller, query.org.as_deref(), None).await?;
    Ok(json_response(StatusCode::OK, &findings_json(&findings, &missing)))
}

async fn import_knowledge(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<OrgQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let name = query.name.unwrap_or_else(|| "upload".to_owned());
    let summary = state
        .hub
        .import_knowledge(&caller, vec![(name, body.to_vec())])
        .await?;
    let documents: Vec<Value> = summary
        .documents
        .iter()
        .map(|d| json!({"name": d.name, "kind": d.kind, "records": d.records, "error": d.error}))
        .collect();
    let status = if summary.documents.iter().all(|d| d.error.is_some()) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(json_response(
        status,
        &json!({"documents": documents, "generation": summary.generation,
            "sboms_reevaluated": summary.sboms_reevaluated, "findings": summary.findings}),
    ))
}

async fn plans(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<OrgQuery>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let plans = state.hub.plans(&caller, query.function.as_deref()).await?;
    let items: Vec<Value> = plans.iter().map(hub::PlanView::to_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "plans": items })))
}

async fn create_plan(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = parse_object(&body)?;
    only_fields(&map, &["function", "title", "tlp", "community"])?;
    let new = hub::NewPlan {
        function: required_text(&map, "function")?,
        title: required_text(&map, "title")?,
        tlp: required_text(&map, "tlp")?,
        community: required_text(&map, "community")?,
    };
    let plan = state.hub.create_plan(&caller, new).await?;
    Ok(json_response(StatusCode::CREATED, &plan.to_json()))
}

async fn plan(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let plan = state.hub.plan(&caller, &id).await?;
    Ok(json_response(StatusCode::OK, &plan.to_json()))
}

async fn add_action(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = parse_object(&body)?;
    only_fields(&map, &["owner", "description", "due"])?;
    let new = hub::NewAction {
        owner: required_text(&map, "owner")?,
        description: required_text(&map, "description")?,
        due: required_text(&map, "due")?,
    };
    let plan = state.hub.add_action(&caller, &id, new).await?;
    Ok(json_response(StatusCode::CREATED, &plan.to_json()))
}

async fn set_action(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let map = parse_object(&body)?;
    only_fields(&map, &["status"])?;
    let status = required_text(&map, "status")?;
    let plan = state
        .hub
        .set_action_status(&caller, &id, &action, &status)
        .await?;
    Ok(json_response(StatusCode::OK, &plan.to_json()))
}

struct SupplierRequest {
    supplier: String,
    products: Vec<String>,
    tlp: String,
    map: serde_json::Map<String, Value>,
}

fn supplier_request(body: &[u8], extra: &[&str]) -> Result<SupplierRequest, ApiError> {
    let map = parse_object(body)?;
    let mut allowed = vec!["supplier", "products", "tlp"];
    allowed.extend_from_slice(extra);
    only_fields(&map, &allowed)?;
    Ok(SupplierRequest {
        supplier: required_text(&map, "supplier")?,
        products: text_list(&map, "products")?,
        tlp: required_text(&map, "tlp")?,
        map,
    })
}

async fn supplier_preview(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let r = supplier_request(&body, &[])?;
    let objects = state
        .hub
        .supplier_risk(&caller, None, &r.supplier, &r.products, &r.tlp)
        .await?;
    Ok(json_response(StatusCode::OK, &json!({ "objects": objects })))
}

async fn supplier_publish(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let r = supplier_request(&body, &["api_root", "collection", "recipients"])?;
    let api_root = match text_field(&r.map, "api_root")? {
        Some(root) => root,
        None => hub::DEFAULT_API_ROOT.to_owned(),
    };
    let collection = required_text(&r.map, "collection")?;
    let recipients = text_field(&r.map, "recipients")?;
    let (objects, status) = state
        .hub
        .publish_supplier_risk(
            &caller,
            &r.supplier,
            &r.products,
            &r.tlp,
            (&api_root, &collection),
            recipients.as_deref(),
        )
        .await?;
    let status = serde_json::to_value(&status).unwrap_or(Value::Null);
    Ok(json_response(
        StatusCode::OK,
        &json!({ "objects": objects, "status": status }),
    ))
}
