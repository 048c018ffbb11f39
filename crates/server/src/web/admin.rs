//! Administration pages: the sharing directory (organisations, communities, memberships, audiences) and forms
//! for the admin use cases (organisations, communities, members, accounts, collections, grants, shares,
//! tokens), for hub administrators only.
//!
//! Invariant: every handler checks `Hub::require_admin` (through `Hub::directory`) before anything else, the
//! same check the admin REST API makes; a new token is shown once and never stored in the clear.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use hub::{NewAccount, NewCollection, Rights};

use crate::AppState;
use crate::web::pages::{layout, visible_collections};
use crate::web::session::{self, Session};
use crate::web::{WebError, page};

/// The administration page.
#[derive(askama::Template)]
#[template(path = "admin.html")]
pub(crate) struct AdminPage {
    pub(crate) layout: crate::web::view::Layout,
    pub(crate) directory: hub::Directory,
    pub(crate) collections: Vec<(String, String, String)>,
    pub(crate) message: String,
    pub(crate) error: String,
    pub(crate) token: String,
}

async fn render(
    state: &AppState,
    session: &Session,
    message: String,
    error: String,
    token: String,
) -> Result<Response, WebError> {
    let directory = state.hub.directory(&session.caller).await?;
    let collections = visible_collections(state, session)
        .await?
        .into_iter()
        .map(|(api_root, c)| (api_root, c.id, c.title))
        .collect();
    page(&AdminPage {
        layout: layout(session, "Administration"),
        directory,
        collections,
        message,
        error,
        token,
    })
}

pub(crate) async fn overview(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    render(&state, &session, String::new(), String::new(), String::new()).await
}

pub(crate) async fn act(
    State(state): State<AppState>,
    Path(action): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    session::check_csrf(&session.csrf, form.get("csrf").map_or("", String::as_str))?;
    state.hub.require_admin(&session.caller)?;
    let field = |name: &str| form.get(name).map_or("", |value| value.trim());
    let optional = |name: &str| Some(field(name).to_owned()).filter(|value| !value.is_empty());
    let hub = &state.hub;
    // The acting account: the hub checks what it may do and records it in the audit log.
    let caller = &session.caller;
    let mut token = String::new();
    let outcome: Result<String, hub::HubError> = match action.as_str() {
        "organisation" => hub
            .create_organisation(
                caller,
                field("name"),
                field("consent"),
                field("government") == "on",
            )
            .await
            .map(|()| format!("Created organisation {}.", field("name"))),
        "community" => hub
            .create_community(caller, field("name"), optional("parent").as_deref())
            .await
            .map(|()| format!("Created community {}.", field("name"))),
        "member" => hub
            .add_community_member(caller, field("community"), field("organisation"))
            .await
            .map(|()| {
                format!(
                    "{} is now a member of {}.",
                    field("organisation"),
                    field("community")
                )
            }),
        "account" => hub
            .create_account(
                caller,
                NewAccount {
                    name: field("name").to_owned(),
                    password: form.get("password").cloned().unwrap_or_default(),
                    org: optional("organisation"),
                    role: optional("role"),
                },
            )
            .await
            .map(|()| format!("Created account {}.", field("name"))),
        "collection" => hub
            .create_collection(
                caller,
                NewCollection {
                    title: field("title").to_owned(),
                    alias: optional("alias"),
                    description: optional("description"),
                    api_root: None,
                },
            )
            .await
            .map(|created| format!("Created collection {} ({}).", created.title, created.id)),
        "grant" => {
            let rights = Rights {
                can_read: field("read") == "on",
                can_write: field("write") == "on",
            };
            hub.grant(caller, field("account"), field("collection"), rights)
                .await
                .map(|id| format!("Granted {} rights on {id}.", field("account")))
        }
        "share" => hub
            .share_collection(caller, field("collection"), field("community"))
            .await
            .map(|id| format!("Collection {id} is now shared with {}.", field("community"))),
        "token" => hub.create_token(caller, field("account")).await.map(|created| {
            token = created;
            format!(
                "Created a token for {}. Copy it now: it is not shown again.",
                field("account")
            )
        }),
        _ => return Err(WebError::Hub(hub::HubError::NotFound)),
    };
    match outcome {
        Ok(message) => render(&state, &session, message, String::new(), token).await,
        Err(err) => render(&state, &session, String::new(), describe(&err), String::new()).await,
    }
}

fn describe(err: &hub::HubError) -> String {
    match err {
        hub::HubError::NotFound => "No such organisation, community, account or collection.".to_owned(),
        hub::HubError::BadRequest(message)
        | hub::HubError::Conflict(message)
        | hub::HubError::NotPermitted(message) => message.clone(),
        other => other.to_string(),
    }
}
