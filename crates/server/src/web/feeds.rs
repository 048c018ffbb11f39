//! The feeds page (issue 17, docs/federation.md): every feed with its status — last success, last error in
//! words, objects pulled, lag — for hub admins.
//!
//! Invariant: the page reads through `Hub::list_feeds` with the signed-in caller, which authorizes (hub
//! administration); anyone else gets the same error page as for any refused admin page. No credential is
//! ever in a `FeedView`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::AppState;
use crate::web::pages::layout;
use crate::web::session;
use crate::web::view::Layout;
use crate::web::{WebError, page};

/// One feed as shown.
#[derive(Debug, Clone)]
pub(crate) struct FeedRow {
    pub(crate) id: String,
    pub(crate) url: String,
    pub(crate) collection: String,
    pub(crate) every: u64,
    pub(crate) last_success: String,
    pub(crate) status: String,
    pub(crate) pulled: u64,
    pub(crate) present: u64,
    pub(crate) failed: u64,
    pub(crate) lag: String,
    pub(crate) warnings: Vec<String>,
}

/// The feeds page.
#[derive(askama::Template)]
#[template(path = "feeds.html")]
pub(crate) struct FeedsPage {
    pub(crate) layout: Layout,
    pub(crate) feeds: Vec<FeedRow>,
}

fn instant(micros: Option<i64>) -> String {
    micros.map_or_else(
        || "never".to_owned(),
        |m| {
            taxii::timestamp::format_date_added(m)
                .chars()
                .take(19)
                .collect::<String>()
                + "Z"
        },
    )
}

pub(crate) async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let feeds = state.hub.list_feeds(&session.caller).await?;
    let rows = feeds
        .into_iter()
        .map(|feed| FeedRow {
            status: match (&feed.state.last_error, feed.state.runs) {
                (Some(error), _) => format!("failing: {error}"),
                (None, 0) => "not run yet".to_owned(),
                (None, _) => "ok".to_owned(),
            },
            last_success: instant(feed.state.last_success_micros),
            lag: feed
                .lag_seconds
                .map_or_else(|| "—".to_owned(), |s| format!("{s} s")),
            id: feed.id,
            url: feed.url,
            collection: feed.collection,
            every: feed.every_secs,
            pulled: feed.state.objects_pulled,
            present: feed.state.objects_present,
            failed: feed.state.objects_failed,
            warnings: feed.state.last_warnings,
        })
        .collect();
    page(&FeedsPage {
        layout: layout(&session, "Feeds"),
        feeds: rows,
    })
}
