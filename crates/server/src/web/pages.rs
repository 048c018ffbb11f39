//! The reading pages: sign-in and sign-out, the dashboard, a collection's browser and search, one object.
//!
//! Invariant: each handler resolves the session, then calls hub use cases with its `Caller` (the same ones
//! TAXII uses: `collections`, `search`, `list`, `relationships`), so what a page shows is what TAXII would
//! serve that account.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, extract::RawQuery};
use hub::{ListKind, SearchQuery, TlpFilter};
use serde::Deserialize;
use taxii::query::ListParams;
use taxii::timestamp::format_date_added;

use crate::AppState;
use crate::web::session::{self, LOGIN_COOKIE, SESSION_COOKIE, Session};
use crate::web::view::{
    Badge, BrowsePage, CollectionCard, DashboardPage, HitRow, Layout, LinkRow, LoginPage,
    OBJECT_PAGE_MAX_BYTES, ObjectPage, RelatedRow, ScoreBox, SearchAllPage, SearchGroup, TYPE_OPTIONS,
    VersionRow, collection_href, object_href, object_json_html,
};
use crate::web::{WebError, html, page};

/// Hits per browse page.
const PAGE_SIZE: usize = 50;
/// Recent additions per collection on the dashboard.
const N_RECENT: usize = 8;

/// The layout of a signed-in page.
pub(crate) fn layout(session: &Session, title: impl Into<String>) -> Layout {
    Layout {
        title: title.into(),
        account: session.caller.account.clone(),
        is_admin: session.caller.is_admin,
        csrf: session.csrf.clone(),
    }
}

pub(crate) async fn login_form(State(state): State<AppState>) -> Result<Response, WebError> {
    login_page(&state, StatusCode::OK, String::new(), String::new())
}

fn login_page(
    state: &AppState,
    status: StatusCode,
    error: String,
    name: String,
) -> Result<Response, WebError> {
    let login_token = session::random_token()?;
    let template = LoginPage {
        layout: Layout {
            title: "Sign in".to_owned(),
            ..Layout::default()
        },
        login_token: login_token.clone(),
        error,
        name,
    };
    let mut response = html(status, askama::Template::render(&template)?);
    let cookie = session::cookie_header(state, LOGIN_COOKIE, &login_token, None)?;
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    name: String,
    password: String,
    login_token: String,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let expected = session::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    session::check_csrf(expected, &form.login_token)?;
    // The same credential check as HTTP Basic on TAXII, under the same failed sign-in limits.
    let client = crate::auth::client_addr();
    let caller = match state
        .hub
        .authenticate_basic_from(&form.name, &form.password, client)
        .await
    {
        Ok(caller) => caller,
        Err(hub::HubError::Unauthenticated) => {
            return login_page(
                &state,
                StatusCode::UNAUTHORIZED,
                "That account name and password do not match.".to_owned(),
                form.name,
            );
        }
        Err(hub::HubError::TooManyAttempts { retry_after_seconds }) => {
            let mut response = login_page(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too many failed sign-ins. Try again in {retry_after_seconds} seconds."),
                form.name,
            )?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after_seconds.into());
            return Ok(response);
        }
        Err(err) => return Err(err.into()),
    };
    let (cookie, _csrf) = session::issue(&state, &caller.account).await?;
    let mut response = Redirect::to("/ui/").into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, cookie);
    headers.append(header::SET_COOKIE, session::clear(&state, LOGIN_COOKIE)?);
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    session::check_csrf(&session.csrf, &form.csrf)?;
    // Signing out ends the account's sessions on every node (a copied cookie stops working too).
    state.hub.end_sessions(&session.caller).await?;
    let mut response = Redirect::to("/ui/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, session::clear(&state, SESSION_COOKIE)?);
    Ok(response)
}

/// The collections the caller may use, with the API root of each: `(api_root, collection resource)`.
pub(crate) async fn visible_collections(
    state: &AppState,
    session: &Session,
) -> Result<Vec<(String, taxii::resources::CollectionResource)>, WebError> {
    let discovery = state.hub.discovery(&session.caller).await?;
    let mut found = Vec::new();
    for url in discovery.api_roots {
        let api_root = url.trim_matches('/').to_owned();
        for collection in state
            .hub
            .collections(&session.caller, &api_root)
            .await?
            .collections
        {
            found.push((api_root.clone(), collection));
        }
    }
    Ok(found)
}

pub(crate) async fn dashboard(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let mut collections = Vec::new();
    for (api_root, collection) in visible_collections(&state, &session).await? {
        let mut card = CollectionCard {
            title: collection.title.clone(),
            href: collection_href(&api_root, &collection.id),
            api_root: api_root.clone(),
            can_read: collection.can_read,
            can_write: collection.can_write,
            total: 0,
            complete: true,
            by_type: Vec::new(),
            by_tlp: Vec::new(),
            recent: Vec::new(),
        };
        if collection.can_read {
            let counts = state
                .hub
                .collection_counts(&session.caller, &api_root, &collection.id)
                .await?;
            card.total = counts.total;
            card.complete = counts.complete;
            card.by_type = counts.by_type.into_iter().collect();
            card.by_type
                .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            card.by_tlp = counts
                .by_tlp
                .into_iter()
                .rev()
                .map(|(tlp, n)| (Badge::of(tlp), n))
                .collect();
            card.recent = state
                .hub
                .recent_additions(&session.caller, &api_root, &collection.id, N_RECENT)
                .await?
                .into_iter()
                .map(|hit| HitRow::of(&api_root, &collection.id, hit))
                .collect();
        }
        collections.push(card);
    }
    page(&DashboardPage {
        layout: layout(&session, "Dashboard"),
        collections,
        count_budget: hub::COUNT_BUDGET,
        // Items awaiting this user's review (empty for those who may not review).
        // Only reviewers have a queue (the hub refuses everyone else).
        n_reviews: match state.hub.pending_review_count(&session.caller).await {
            Ok(n) => n,
            Err(hub::HubError::Forbidden | hub::HubError::NotPermitted(_)) => 0,
            Err(err) => return Err(err.into()),
        },
    })
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct BrowseQuery {
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type")]
    object_type: String,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    added_after: String,
    #[serde(default)]
    next: String,
}

pub(crate) async fn browse(
    State(state): State<AppState>,
    Path((api_root, collection)): Path<(String, String)>,
    Query(form): Query<BrowseQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let resource = state
        .hub
        .collection(&session.caller, &api_root, &collection)
        .await?;
    let tlp = match form.tlp.as_str() {
        "" => None,
        "none" => Some(TlpFilter::Unmarked),
        level => Some(TlpFilter::Level(hub::parse_tlp(level)?)),
    };
    let added_after = match form.added_after.trim() {
        "" => None,
        date => Some(start_of_day_micros(date)?),
    };
    let query = SearchQuery {
        types: if form.object_type.is_empty() {
            Vec::new()
        } else {
            vec![form.object_type.clone()]
        },
        tlp,
        added_after,
        text: form.q.clone(),
        next: (!form.next.is_empty()).then(|| form.next.clone()),
        limit: PAGE_SIZE,
    };
    let found = state
        .hub
        .search(&session.caller, &api_root, &resource.id, &query)
        .await?;
    let action = collection_href(&api_root, &resource.id);
    let next_href = found.next.as_ref().map(|next| {
        let pairs = [
            ("q", form.q.as_str()),
            ("type", form.object_type.as_str()),
            ("tlp", form.tlp.as_str()),
            ("added_after", form.added_after.as_str()),
            ("next", next.as_str()),
        ];
        format!("{action}?{}", query_string(&pairs))
    });
    let mut hits: Vec<HitRow> = found
        .hits
        .into_iter()
        .map(|hit| HitRow::of(&api_root, &resource.id, hit))
        .collect();
    HitRow::add_scores(&state.hub, &mut hits);
    page(&BrowsePage {
        layout: layout(&session, resource.title.clone()),
        collection_title: resource.title.clone(),
        q: form.q,
        object_type: form.object_type,
        tlp: form.tlp,
        added_after: form.added_after,
        type_options: TYPE_OPTIONS.to_vec(),
        hits,
        next_href,
        n_scanned: found.n_scanned,
        first_page: form.next.is_empty(),
        action,
    })
}

pub(crate) async fn object(
    State(state): State<AppState>,
    Path((api_root, collection, object_id)): Path<(String, String, String)>,
    RawQuery(_query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let caller = &session.caller;
    let resource = state.hub.collection(caller, &api_root, &collection).await?;
    let params = ListParams::parse(None).map_err(|err| WebError::BadRequest(err.to_string()))?;
    // Both reads go through the release gate: hidden and absent objects are the same 404.
    let newest = state
        .hub
        .list(
            caller,
            &api_root,
            &resource.id,
            ListKind::Object(object_id.clone()),
            &params,
        )
        .await?;
    let versions = state
        .hub
        .list(
            caller,
            &api_root,
            &resource.id,
            ListKind::Versions(object_id.clone()),
            &params,
        )
        .await?;
    let raw = newest
        .records
        .last()
        .and_then(|record| record.raw.clone())
        .ok_or(WebError::Hub(hub::HubError::NotFound))?;
    let value: serde_json::Value =
        serde_json::from_str(&raw).map_err(|err| hub::HubError::Internal(err.to_string()))?;
    let markings: Vec<&str> = value
        .get("object_marking_refs")
        .and_then(serde_json::Value::as_array)
        .map(|refs| refs.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    let mut badges: Vec<Badge> = markings
        .iter()
        .filter_map(|id| stix::markings::predefined_tlp(id).map(|tlp| Badge::of(Some(tlp.level))))
        .collect();
    if badges.is_empty() {
        badges.push(Badge::of(None));
    }
    let relationships = state
        .hub
        .relationships(caller, &api_root, &resource.id, &object_id)
        .await?;
    let n_versions = versions.records.len();
    let version_rows = versions
        .records
        .iter()
        .enumerate()
        .rev()
        .map(|(idx, record)| VersionRow {
            version: record
                .version
                .clone()
                .unwrap_or_else(|| "(unversioned)".to_owned()),
            added: format_date_added(record.date_added),
            spec_version: record.spec_version.clone(),
            newest: idx + 1 == n_versions,
        })
        .collect();
    let links = relationships
        .links
        .into_iter()
        .map(|link| LinkRow {
            other_title: link.other_name.unwrap_or_else(|| link.other_id.clone()),
            outgoing: link.outgoing,
            other_href: object_href(&api_root, &resource.id, &link.other_id),
            via_href: object_href(&api_root, &resource.id, &link.via_id),
            kind: link.kind,
            other_id: link.other_id,
        })
        .collect();
    let correlation = state
        .hub
        .correlate(caller, &api_root, &resource.id, &object_id)
        .await?;
    let related = correlation
        .related
        .into_iter()
        .map(|related| RelatedRow {
            shared: related.shared.join(", "),
            collection_title: related.collection_title,
            hit: HitRow::of(&related.api_root, &related.collection, related.hit),
        })
        .collect();
    let object_type = object_id
        .split_once("--")
        .map_or_else(String::new, |(t, _)| t.to_owned());
    let too_large = (raw.len() > OBJECT_PAGE_MAX_BYTES).then(|| {
        format!(
            "This {object_type} is {} bytes of JSON with {} top-level properties: too large to show here.",
            raw.len(),
            value.as_object().map_or(0, serde_json::Map::len)
        )
    });
    let title = value
        .get("name")
        .and_then(serde_json::Value::as_str)
        .map_or_else(|| object_id.clone(), str::to_owned);
    // An indicator's score (issue 15): none while the scores are still being built.
    let score = if object_type == "indicator" {
        state
            .hub
            .indicator_score(caller, &object_id)
            .await
            .ok()
            .map(|view| ScoreBox::of(&view))
    } else {
        None
    };
    let here = object_href(&api_root, &resource.id, &object_id);
    page(&ObjectPage {
        score,
        here,
        layout: layout(&session, title),
        collection_title: resource.title.clone(),
        collection_href: collection_href(&api_root, &resource.id),
        json_html: if too_large.is_none() {
            object_json_html(&raw, &api_root, &resource.id)
        } else {
            String::new()
        },
        too_large,
        download_href: format!("{}raw", object_href(&api_root, &resource.id, &object_id)),
        id: object_id,
        object_type,
        badges,
        versions: version_rows,
        links,
        links_complete: relationships.complete,
        shared_values: correlation.values,
        related,
        related_complete: correlation.complete,
        media_type: "application/stix+json;version=2.1",
    })
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SearchAllQuery {
    #[serde(default)]
    q: String,
}

/// A text search across every collection the caller may read: each collection's first hits, with a link to
/// that collection's own paged search.
pub(crate) async fn search_all(
    State(state): State<AppState>,
    Query(form): Query<SearchAllQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let q = form.q.trim().to_owned();
    if q.is_empty() {
        return Ok(Redirect::to("/ui/").into_response());
    }
    let groups = state
        .hub
        .search_everywhere(&session.caller, &q)
        .await?
        .into_iter()
        .map(|found| {
            let action = collection_href(&found.api_root, &found.collection);
            let mut hits: Vec<HitRow> = found
                .page
                .hits
                .into_iter()
                .map(|hit| HitRow::of(&found.api_root, &found.collection, hit))
                .collect();
            HitRow::add_scores(&state.hub, &mut hits);
            SearchGroup {
                more_href: format!("{action}?{}", query_string(&[("q", q.as_str())])),
                more: found.page.next.is_some(),
                hits,
                title: found.title,
            }
        })
        .collect();
    page(&SearchAllPage {
        layout: layout(&session, "Search"),
        q,
        groups,
    })
}

/// The newest version of an object as the caller is served it, as a JSON download: the same gate as the
/// object page (hidden and absent are the same 404).
pub(crate) async fn object_raw(
    State(state): State<AppState>,
    Path((api_root, collection, object_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let caller = &session.caller;
    let resource = state.hub.collection(caller, &api_root, &collection).await?;
    let params = ListParams::parse(None).map_err(|err| WebError::BadRequest(err.to_string()))?;
    let newest = state
        .hub
        .list(
            caller,
            &api_root,
            &resource.id,
            ListKind::Object(object_id),
            &params,
        )
        .await?;
    let raw = newest
        .records
        .into_iter()
        .last()
        .and_then(|record| record.raw)
        .ok_or(WebError::Hub(hub::HubError::NotFound))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/stix+json;version=2.1"),
            (header::CONTENT_DISPOSITION, "attachment"),
        ],
        raw,
    )
        .into_response())
}

/// `YYYY-MM-DD` (an HTML date input) as µs since the epoch at 00:00 UTC.
fn start_of_day_micros(date: &str) -> Result<i64, WebError> {
    let invalid = || WebError::BadRequest(format!("{date:?} is not a date (YYYY-MM-DD)"));
    let timestamp = stix::timestamp::Timestamp::parse(&format!("{date}T00:00:00Z")).map_err(|_| invalid())?;
    i64::try_from(timestamp.unix_nanos() / 1000).map_err(|_| invalid())
}

/// `a=b&c=d`, percent-encoded, leaving out empty values.
pub(crate) fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", crate::web::view::encode_segment(value)))
        .collect::<Vec<_>>()
        .join("&")
}
