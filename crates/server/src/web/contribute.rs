//! Contribute: paste or upload a STIX bundle, or a plain list of observables that the hub turns into
//! indicators with a chosen TLP; "Check" shows the validation diagnostics inline without storing anything,
//! "Submit" posts through `Hub::add_objects` (the TAXII ingest path) and shows the resulting status.
//!
//! The audience of a contribution is its collection's: TLP:AMBER objects go to the communities the chosen
//! collection is shared with (frozen at ingest, see `hub::sharing`), which the form lists per collection.

use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use crate::AppState;
use crate::web::pages::{layout, visible_collections};
use crate::web::session::{self, Session};
use crate::web::{WebError, page};

/// One collection the caller may write to.
#[derive(Debug, Clone)]
pub(crate) struct TargetOption {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

/// The contribute page, empty or with the outcome of a check or a submission.
#[derive(askama::Template)]
#[template(path = "contribute.html")]
pub(crate) struct ContributePage {
    pub(crate) layout: crate::web::view::Layout,
    pub(crate) targets: Vec<TargetOption>,
    pub(crate) mode: String,
    pub(crate) tlp: String,
    pub(crate) content: String,
    /// Problems found (shown inline, each on its own line).
    pub(crate) problems: Vec<String>,
    /// A one-line outcome ("12 objects are valid", "stored 12 of 12").
    pub(crate) outcome: String,
    pub(crate) stored: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ContributeForm {
    csrf: String,
    target: String,
    mode: String,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    content: String,
    action: String,
}

async fn targets(state: &AppState, session: &Session, selected: &str) -> Result<Vec<TargetOption>, WebError> {
    let mut targets = Vec::new();
    for (api_root, collection) in visible_collections(state, session).await? {
        if !collection.can_write {
            continue;
        }
        let audience = state
            .hub
            .collection_audience(&session.caller, &api_root, &collection.id)
            .await?;
        let audience = if audience.is_empty() {
            "no community (only readers of the collection)".to_owned()
        } else {
            audience.join(", ")
        };
        let value = format!("{api_root}/{}", collection.id);
        targets.push(TargetOption {
            selected: value == selected,
            label: format!("{} — shared with {audience}", collection.title),
            value,
        });
    }
    Ok(targets)
}

pub(crate) async fn form(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    page(&ContributePage {
        targets: targets(&state, &session, "").await?,
        layout: layout(&session, "Contribute"),
        mode: "bundle".to_owned(),
        tlp: "amber".to_owned(),
        content: String::new(),
        problems: Vec::new(),
        outcome: String::new(),
        stored: false,
    })
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ContributeForm>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    session::check_csrf(&session.csrf, &form.csrf)?;
    let (api_root, collection) = form
        .target
        .split_once('/')
        .ok_or_else(|| WebError::BadRequest("choose a collection".to_owned()))?;
    let mut problems = Vec::new();
    let envelope = if form.mode == "observables" {
        let tlp = hub::parse_tlp(&form.tlp)?;
        match hub::indicators_from_observables(&form.content, tlp) {
            Ok(envelope) => Some(envelope),
            Err(lines) => {
                problems.extend(
                    lines
                        .into_iter()
                        .map(|problem| format!("line {}: {}", problem.line, problem.message)),
                );
                None
            }
        }
    } else {
        Some(form.content.clone())
    };
    let mut outcome = String::new();
    let mut stored = false;
    if let Some(envelope) = envelope {
        match hub::check_document(envelope.as_bytes()) {
            Ok(check) => {
                problems.extend(check.problems);
                outcome = format!(
                    "{} object{} valid, {} refused; {} would be redacted, {} held for PII review.",
                    check.n_valid,
                    if check.n_valid == 1 { " is" } else { "s are" },
                    problems.len(),
                    check.n_redacted,
                    check.n_held_for_review
                );
            }
            Err(err) => problems.push(err.to_string()),
        }
        if form.action == "submit" && problems.is_empty() {
            let status = state
                .hub
                .add_objects(&session.caller, api_root, collection, envelope.into_bytes())
                .await?;
            problems.extend(
                status.failures.iter().map(|failure| {
                    format!("{}: {}", failure.id, failure.message.clone().unwrap_or_default())
                }),
            );
            outcome = format!(
                "Stored {} of {} objects; {} held for PII review (status {}).",
                status.success_count, status.total_count, status.pending_count, status.id
            );
            stored = true;
        }
    }
    page(&ContributePage {
        targets: targets(&state, &session, &form.target).await?,
        layout: layout(&session, "Contribute"),
        mode: form.mode,
        tlp: form.tlp,
        // After a successful submission the form is cleared, so a reload cannot post twice by accident.
        content: if stored && problems.is_empty() {
            String::new()
        } else {
            form.content
        },
        problems,
        outcome,
        stored,
    })
}
