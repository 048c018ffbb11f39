//! The event stream over server-sent events: `GET /events/v1/stream` (Basic or Bearer, like TAXII) and its twin
//! `GET /ui/events` for the web UI (the session cookie), both over `Hub::read_events`.
//!
//! Invariants:
//! - Each frame is one event as `Hub::read_events` released it to this caller at delivery time: `id:` is its
//!   position, `data:` its JSON. Hidden events produce nothing (no frame, no id).
//! - Streams of one caller with one filter share each event's release (`Hub::read_events_shared`): the gate
//!   runs once per event for all of them, not once per connection.
//! - A stream never blocks ingest: it waits on the hub's `watch` of the newest position and reads the node's
//!   ring (or the store's log when it has fallen behind). Frames are produced only as fast as the client reads
//!   them, so a slow client holds one small batch in memory, never a backlog.
//! - A comment (`: keep-alive`) goes out after 15 s without a frame, so proxies keep the connection.
//! - `Last-Event-ID` resumes after that position; without it the stream starts at the newest event.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::Stream;
use hub::{Caller, EventFilter, Hub, SharedReader};

use crate::AppState;
use crate::auth::authenticate;
use crate::error::ApiError;

/// The heartbeat period (the issue asks for at most 15 s).
const HEARTBEAT: Duration = Duration::from_secs(15);
/// Events read per batch for one stream.
const BATCH: usize = 100;

/// `GET /events/v1/stream`.
pub(crate) async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    open(&state.hub, caller, &headers, query.as_deref()).await
}

/// What a stream request asks: a subscription, or ad-hoc filters.
struct StreamRequest {
    subscription: Option<String>,
    collections: Vec<String>,
    types: Vec<String>,
    thin: bool,
}

fn parse_query(query: Option<&str>) -> Result<StreamRequest, ApiError> {
    let mut request = StreamRequest {
        subscription: None,
        collections: Vec::new(),
        types: Vec::new(),
        thin: false,
    };
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value)
            .ok_or_else(|| ApiError::BadRequest(format!("{key}: not valid percent-encoded UTF-8")))?;
        match key {
            "collection" => request.collections.push(value),
            "type" => request.types.push(value),
            "subscription" if request.subscription.is_none() => request.subscription = Some(value),
            "thin" if value == "restricted" => request.thin = true,
            "thin" => {
                return Err(ApiError::BadRequest(
                    "thin: the only value is \"restricted\" (RED and AMBER+STRICT as id and link)".to_owned(),
                ));
            }
            other => {
                return Err(ApiError::BadRequest(format!(
                    "{other}: unknown parameter (collection, type, subscription, thin)"
                )));
            }
        }
    }
    if request.subscription.is_some() && (!request.collections.is_empty() || !request.types.is_empty()) {
        return Err(ApiError::BadRequest(
            "subscription: give a subscription or collection/type filters, not both".to_owned(),
        ));
    }
    Ok(request)
}

pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while idx < bytes.len() {
        match bytes[idx] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(idx + 1..idx + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                idx += 3;
            }
            b'+' => {
                out.push(b' ');
                idx += 1;
            }
            byte => {
                out.push(byte);
                idx += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Opens a stream for an authenticated caller (shared by the API and the UI twin).
pub(crate) async fn open(
    hub: &Arc<Hub>,
    caller: Caller,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    let request = parse_query(query)?;
    let (key, filter) = match &request.subscription {
        Some(id) => {
            let subscription = hub.subscription(&caller, id).await?;
            let mut filter = subscription.filter;
            filter.thin_restricted |= request.thin;
            (subscription.id, filter)
        }
        None => {
            let filter = EventFilter {
                collections: request.collections,
                types: request.types,
                thin_restricted: request.thin,
                ..EventFilter::default()
            };
            (format!("adhoc:{}", caller.account), filter)
        }
    };
    hub.check_event_filter(&caller, &filter).await?;
    hub.start_event_tail();
    let after = match headers.get("last-event-id") {
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
            .ok_or_else(|| ApiError::BadRequest("Last-Event-ID: not a position".to_owned()))?,
        None => hub.refresh_events().await?,
    };
    if after > hub.refresh_events().await? {
        return Err(ApiError::BadRequest(
            "Last-Event-ID: beyond the newest event".to_owned(),
        ));
    }
    let account = caller.account.clone();
    hub.record_stream(&key, &account, true);
    let state = StreamState {
        hub: Arc::clone(hub),
        reader: hub.shared_reader(caller, filter),
        after,
        watch: hub.watch_events(),
        pending: VecDeque::new(),
        key,
        account,
    };
    Ok(Sse::new(frames(state))
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("keep-alive"))
        .into_response())
}

struct StreamState {
    hub: Arc<Hub>,
    reader: Arc<SharedReader>,
    after: u64,
    watch: tokio::sync::watch::Receiver<u64>,
    pending: VecDeque<Event>,
    key: String,
    account: String,
}

impl Drop for StreamState {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            // The client went away with frames still to send.
            self.hub.record_delivery_failure(&self.key, &self.account);
        }
        self.hub.record_stream(&self.key, &self.account, false);
    }
}

fn frames(state: StreamState) -> impl Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(event) = state.pending.pop_front() {
                return Some((Ok(event), state));
            }
            match state
                .hub
                .read_events_shared(&state.reader, state.after, BATCH)
                .await
            {
                Ok(batch) => {
                    let moved = batch.next_after != state.after;
                    state.after = batch.next_after;
                    let n = batch.events.len() as u64;
                    state.pending.extend(
                        batch
                            .events
                            .into_iter()
                            .map(|e| Event::default().id(e.seq.to_string()).data(&e.json)),
                    );
                    if moved || n > 0 {
                        state
                            .hub
                            .record_delivery(&state.key, &state.account, state.after, n);
                        continue;
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "event stream read failed; the client will reconnect");
                    state.hub.record_delivery_failure(&state.key, &state.account);
                    return None;
                }
            }
            // Caught up: wait for a newer position (the keep-alive covers the silence).
            let after = state.after;
            if state.watch.wait_for(|latest| *latest > after).await.is_err() {
                return None;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_parse_or_name_the_parameter() {
        let request = parse_query(Some("collection=a&type=indicator&type=malware&thin=restricted")).unwrap();
        assert_eq!(request.collections, vec!["a"]);
        assert_eq!(request.types, vec!["indicator", "malware"]);
        assert!(request.thin);
        for (query, field) in [
            ("colour=red", "colour"),
            ("thin=all", "thin"),
            ("subscription=x&type=indicator", "subscription"),
            ("type=%ZZ", "type"),
        ] {
            let Err(ApiError::BadRequest(message)) = parse_query(Some(query)) else {
                panic!("{query} accepted");
            };
            assert!(message.starts_with(field), "{query}: {message}");
        }
    }
}
