//! Alerts and subscriptions in the web UI: `/ui/alerts` (events as they arrive, over `EventSource` on
//! `/ui/events`, the session-cookie twin of `/events/v1/stream`), `/ui/subscriptions` (the caller's saved
//! filters and their e-mail destinations; for hub admins also this node's delivery counters and lag).
//!
//! Invariant: both read only through the hub with the signed-in caller; `/ui/events` is the same stream as the
//! API (`event_stream::open`), so the release gate and the filter checks are the same.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use hub::EventFilter;

use crate::AppState;
use crate::web::pages::layout;
use crate::web::session;
use crate::web::view::Layout;
use crate::web::{WebError, page};

/// One subscription as listed.
#[derive(Debug, Clone)]
pub(crate) struct SubscriptionRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) filter: String,
}

/// One e-mail destination as listed.
#[derive(Debug, Clone)]
pub(crate) struct EmailRow {
    pub(crate) id: String,
    pub(crate) address: String,
    pub(crate) subscription: String,
    pub(crate) mode: String,
    pub(crate) state: String,
    pub(crate) delivered: u64,
    pub(crate) pending: u64,
    pub(crate) dead: u64,
}

/// This node's counters for one subscription or ad-hoc stream (admins).
#[derive(Debug, Clone)]
pub(crate) struct StatsRow {
    pub(crate) key: String,
    pub(crate) account: String,
    pub(crate) streams: u64,
    pub(crate) deliveries: u64,
    pub(crate) failures: u64,
    pub(crate) lag: u64,
}

/// The alerts page.
#[derive(askama::Template)]
#[template(path = "alerts.html")]
pub(crate) struct AlertsPage {
    pub(crate) layout: Layout,
    pub(crate) subscriptions: Vec<SubscriptionRow>,
    pub(crate) stream_url: String,
}

/// The subscriptions page.
#[derive(askama::Template)]
#[template(path = "subscriptions.html")]
pub(crate) struct SubscriptionsPage {
    pub(crate) layout: Layout,
    pub(crate) subscriptions: Vec<SubscriptionRow>,
    pub(crate) message: String,
    pub(crate) error: String,
    pub(crate) stats: Vec<StatsRow>,
    pub(crate) latest: u64,
    pub(crate) emails: Vec<EmailRow>,
}

fn rows(subscriptions: &[hub::Subscription]) -> Vec<SubscriptionRow> {
    subscriptions
        .iter()
        .map(|s| SubscriptionRow {
            id: s.id.clone(),
            name: s.name.clone(),
            filter: serde_json::to_string(&s.filter).unwrap_or_default(),
        })
        .collect()
}

/// `GET /ui/alerts[?subscription=ID]`.
pub(crate) async fn alerts(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let subscriptions = state.hub.subscriptions(&session.caller, None).await?;
    let chosen = query
        .as_deref()
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("subscription=")))
        .filter(|id| subscriptions.iter().any(|s| s.id == *id));
    let stream_url = match chosen {
        Some(id) => format!("/ui/events?subscription={id}"),
        None => "/ui/events".to_owned(),
    };
    page(&AlertsPage {
        layout: layout(&session, "Alerts"),
        subscriptions: rows(&subscriptions),
        stream_url,
    })
}

/// `GET /ui/events`: the event stream for the signed-in account.
pub(crate) async fn events(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    Ok(
        crate::event_stream::open(&state.hub, session.caller, &headers, query.as_deref())
            .await
            .into_response(),
    )
}

/// `GET /ui/subscriptions`.
pub(crate) async fn subscriptions(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    subscriptions_page(&state, &headers, String::new(), String::new()).await
}

async fn subscriptions_page(
    state: &AppState,
    headers: &HeaderMap,
    message: String,
    error: String,
) -> Result<Response, WebError> {
    let session = session::current(state, headers).await?;
    let subscriptions = state.hub.subscriptions(&session.caller, None).await?;
    let latest = state.hub.latest_event();
    let stats = if session.caller.is_admin {
        state
            .hub
            .subscription_stats()
            .into_iter()
            .map(|s| StatsRow {
                lag: latest.saturating_sub(s.delivered_seq),
                key: s.key,
                account: s.account,
                streams: s.streams,
                deliveries: s.deliveries,
                failures: s.failures,
            })
            .collect()
    } else {
        Vec::new()
    };
    let names: HashMap<&str, &str> = subscriptions
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    let emails = state
        .hub
        .emails(&session.caller, None)
        .await?
        .into_iter()
        .map(|e| EmailRow {
            subscription: names
                .get(e.subscription.as_str())
                .map_or(e.subscription.clone(), |n| (*n).to_owned()),
            mode: e.digest.map_or_else(
                || "each event".to_owned(),
                |d| format!("digest every {} s", d.as_secs()),
            ),
            state: e
                .disabled_reason
                .clone()
                .unwrap_or_else(|| "delivering".to_owned()),
            id: e.id,
            address: e.address,
            delivered: e.delivered,
            pending: e.pending,
            dead: e.dead,
        })
        .collect();
    page(&SubscriptionsPage {
        layout: layout(&session, "Subscriptions"),
        subscriptions: rows(&subscriptions),
        message,
        error,
        stats,
        latest,
        emails,
    })
}

fn list(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `POST /ui/subscriptions`: `action=create` (name and filter fields) or `action=delete` (`id`).
pub(crate) async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    session::check_csrf(&session.csrf, form.get("csrf").map_or("", String::as_str))?;
    let field = |name: &str| form.get(name).map_or("", |value| value.trim());
    let caller = &session.caller;
    let outcome = match field("action") {
        "delete" => state
            .hub
            .delete_subscription(caller, field("id"))
            .await
            .map(|()| "Subscription removed.".to_owned()),
        "create" => {
            let mut filter = EventFilter {
                collections: list(field("collections")),
                types: list(field("types")),
                tlp_max: Some(field("tlp_max").to_owned()).filter(|t| !t.is_empty()),
                labels: list(field("labels")),
                thin_restricted: field("thin") == "on",
                ..EventFilter::default()
            };
            let indicator_types = list(field("indicator_types"));
            if !indicator_types.is_empty() {
                filter
                    .vocabularies
                    .insert("indicator_types".to_owned(), indicator_types);
            }
            create_with_email(
                &state,
                caller,
                field("name"),
                filter,
                field("email"),
                field("digest"),
            )
            .await
        }
        "delete-email" => state
            .hub
            .delete_email(caller, field("id"))
            .await
            .map(|()| "E-mail destination removed.".to_owned()),
        _ => return Ok(Redirect::to("/ui/subscriptions").into_response()),
    };
    match outcome {
        Ok(message) => subscriptions_page(&state, &headers, message, String::new()).await,
        Err(hub::HubError::BadRequest(problem)) => {
            subscriptions_page(&state, &headers, String::new(), problem).await
        }
        Err(other) => Err(other.into()),
    }
}

/// A subscription, and its e-mail destination when an address is given (both checked before either is
/// stored, so a bad address or interval leaves nothing behind).
async fn create_with_email(
    state: &AppState,
    caller: &hub::Caller,
    name: &str,
    filter: EventFilter,
    email: &str,
    digest: &str,
) -> Result<String, hub::HubError> {
    let bad = |text: String| hub::HubError::BadRequest(text);
    let digest = match digest {
        "" => None,
        text => Some(webhook::parse_duration(text).map_err(|err| bad(format!("digest: {err}")))?),
    };
    if !email.is_empty() {
        mail::Address::parse(email).map_err(|err| bad(format!("e-mail: {err}")))?;
    }
    let subscription = state
        .hub
        .create_subscription(caller, &caller.account, name, filter)
        .await?;
    if email.is_empty() {
        return Ok(format!("Subscription {} created.", subscription.id));
    }
    state
        .hub
        .create_email(caller, &subscription.id, email, digest)
        .await?;
    Ok(format!(
        "Subscription {} created; its events are mailed to {email}.",
        subscription.id
    ))
}
