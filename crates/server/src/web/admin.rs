//! Administration pages: the sharing directory (organisations, communities, memberships, audiences), the
//! accounts with their tokens, and forms for the admin use cases (organisations, communities, members,
//! accounts, collections, grants, shares, tokens; disabling, deleting, revoking).
//!
//! Invariants: the page holds no access rule: each action calls one hub use case with the signed-in caller,
//! which authorizes it (`policy::admin`), and a refusal is the 403 page (the overview itself is the hub's
//! `directory`, for hub admins). A new token is shown once and never stored in the clear.

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
    /// Accounts with their tokens: (name, org, role, disabled, token ids).
    pub(crate) accounts: Vec<AccountRow>,
}

/// One account on the administration page.
#[derive(Debug, Clone)]
pub(crate) struct AccountRow {
    pub(crate) name: String,
    pub(crate) org: String,
    pub(crate) role: String,
    pub(crate) disabled: bool,
    /// (token id, expiry or "never", expired).
    pub(crate) tokens: Vec<(String, String, bool)>,
}

/// The most accounts listed with their tokens.
const MAX_LISTED_ACCOUNTS: usize = 500;

async fn account_rows(state: &AppState, session: &Session) -> Result<Vec<AccountRow>, hub::HubError> {
    let mut rows = Vec::new();
    for account in state
        .hub
        .list_accounts(&session.caller)
        .await?
        .into_iter()
        .take(MAX_LISTED_ACCOUNTS)
    {
        let tokens = state
            .hub
            .list_tokens(&session.caller, &account.name)
            .await?
            .into_iter()
            .map(|token| {
                let expires = token
                    .expires_micros
                    .map_or_else(|| "never".to_owned(), crate::admin_accounts::rfc3339_micros);
                (token.id, expires, token.expired)
            })
            .collect();
        rows.push(AccountRow {
            name: account.name,
            org: account.org.unwrap_or_default(),
            role: account.role,
            disabled: account.disabled,
            tokens,
        });
    }
    Ok(rows)
}

async fn render(
    state: &AppState,
    session: &Session,
    message: String,
    error: String,
    token: String,
) -> Result<Response, WebError> {
    // After an action by a delegated admin (org or community admin) the hub-wide lists are not theirs to see:
    // the page then shows the forms and the outcome only.
    let directory = match state.hub.directory(&session.caller).await {
        Err(hub::HubError::Forbidden | hub::HubError::NotPermitted(_))
            if !message.is_empty() || !error.is_empty() =>
        {
            hub::Directory::default()
        }
        other => other?,
    };
    let accounts = match account_rows(state, session).await {
        Err(hub::HubError::Forbidden | hub::HubError::NotPermitted(_)) => Vec::new(),
        other => other?,
    };
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
        accounts,
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
        "token" => {
            let expires_in = match field("expires_days").parse::<u64>() {
                Ok(days) if days > 0 => Some(std::time::Duration::from_secs(days * 86_400)),
                _ => None,
            };
            hub.create_token_expiring(caller, field("account"), expires_in)
                .await
                .map(|created| {
                    token = created.token;
                    format!(
                        "Created token {} for {}. Copy it now: it is not shown again.",
                        created.id,
                        field("account")
                    )
                })
        }
        "revoke-token" => hub
            .revoke_token(caller, field("token"))
            .await
            .map(|account| format!("Revoked a token of {account}.")),
        "disable" => hub
            .set_account_disabled(caller, field("account"), true)
            .await
            .map(|()| format!("Disabled {}; its sessions ended.", field("account"))),
        "enable" => hub
            .set_account_disabled(caller, field("account"), false)
            .await
            .map(|()| format!("Enabled {}.", field("account"))),
        "delete" => hub
            .delete_account(caller, field("account"))
            .await
            .map(|()| format!("Deleted {}.", field("account"))),
        "revoke-grant" => {
            let rights = Rights {
                can_read: field("read") == "on",
                can_write: field("write") == "on",
            };
            hub.revoke_grant(caller, field("account"), field("collection"), rights)
                .await
                .map(|id| format!("Took rights of {} on {id} away.", field("account")))
        }
        "remove-member" => hub
            .remove_community_member(caller, field("community"), field("organisation"))
            .await
            .map(|()| {
                format!(
                    "{} is no longer a member of {}.",
                    field("organisation"),
                    field("community")
                )
            }),
        _ => return Err(WebError::Hub(hub::HubError::NotFound)),
    };
    match outcome {
        Ok(message) => render(&state, &session, message, String::new(), token).await,
        // A refusal is the 403 page and an unknown name the 404 page: the answers of the admin REST API.
        Err(err @ (hub::HubError::Forbidden | hub::HubError::NotPermitted(_) | hub::HubError::NotFound)) => {
            Err(WebError::Hub(err))
        }
        Err(err) => render(&state, &session, String::new(), describe(&err), String::new()).await,
    }
}

fn describe(err: &hub::HubError) -> String {
    match err {
        hub::HubError::BadRequest(message) | hub::HubError::Conflict(message) => message.clone(),
        other => other.to_string(),
    }
}
