//! The drill's ears: one event stream (`GET /events/v1/stream`) per subscriber and per responder account.
//! A subscriber's `object-added` events time delivery; a responder's `incident-alert` events time the alert
//! and set the scripted response going. Streams reconnect with `Last-Event-ID` if the hub drops them.

use std::sync::Arc;
use std::time::Duration;

use drill::sse::SseParser;
use serde_json::Value;
use tokio::sync::oneshot;

use super::play::{Ctx, now_us};

/// What one stream is for.
#[derive(Debug, Clone)]
pub(crate) struct Ear {
    /// The account listening.
    pub(crate) account: String,
    /// It is a subscriber (delivery is timed).
    pub(crate) subscriber: bool,
    /// It is a responder (alerts are acted on).
    pub(crate) responder: bool,
    /// Only this collection's events (a subscriber's filter).
    pub(crate) collection: Option<String>,
}

/// The case id an alert names, wherever the payload puts it.
pub(crate) fn case_id_of(data: &Value) -> Option<String> {
    let candidates = [
        &data["case"]["id"],
        &data["case_id"],
        &data["case"],
        &data["incident"]["id"],
        &data["incident_id"],
        &data["id"],
    ];
    candidates
        .into_iter()
        .find_map(|value| value.as_str())
        .map(str::to_owned)
}

/// The inject id in a text the drill wrote (`… (drill inject ID) …`).
pub(crate) fn inject_tag(text: &str) -> Option<&str> {
    let start = text.find(drill::inject::INJECT_TAG)? + drill::inject::INJECT_TAG.len();
    let rest = &text[start..];
    let end = rest.find(')')?;
    Some(&rest[..end])
}

/// Listens until the task is aborted; `ready` fires once the first connection is open.
pub(crate) async fn listen(ctx: Arc<Ctx>, ear: Ear, ready: oneshot::Sender<Result<(), String>>) {
    let mut ready = Some(ready);
    let mut last_id: Option<String> = None;
    let Some(auth) = ctx.auth(&ear.account) else {
        if let Some(ready) = ready.take() {
            let _ = ready.send(Err(format!("no credentials for {}", ear.account)));
        }
        return;
    };
    let mut path = "/events/v1/stream".to_owned();
    if let Some(collection) = &ear.collection {
        path.push_str(&format!("?collection={collection}"));
    }
    let url = ctx.api.url(&path);
    loop {
        let mut headers = vec![
            ("authorization", auth.clone()),
            ("accept", "text/event-stream".to_owned()),
        ];
        if let Some(id) = &last_id {
            headers.push(("last-event-id", id.clone()));
        }
        let opened = server::open_stream(&url, &headers, Duration::from_secs(30)).await;
        let mut stream = match opened {
            Ok(stream) if stream.status == 200 => stream,
            Ok(stream) => {
                let message = format!("the event stream of {} answered {}", ear.account, stream.status);
                match ready.take() {
                    Some(ready) => {
                        let _ = ready.send(Err(message));
                        return;
                    }
                    None => {
                        ctx.note(message);
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                }
            }
            Err(err) => {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(Err(err));
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        if let Some(ready) = ready.take() {
            let _ = ready.send(Ok(()));
        }
        let mut parser = SseParser::default();
        while let Some(chunk) = stream.chunks.recv().await {
            let Ok(chunk) = chunk else { break };
            for event in parser.push(&chunk) {
                if event.id.is_some() {
                    last_id.clone_from(&event.id);
                }
                let Ok(data) = serde_json::from_str::<Value>(&event.data) else {
                    continue;
                };
                let kind = data["kind"]
                    .as_str()
                    .or(event.event.as_deref())
                    .unwrap_or_default();
                let at = now_us();
                match kind {
                    "object-added" if ear.subscriber => {
                        // An anonymous submitter's objects are served under republished ids: the inject id the
                        // drill wrote into the text identifies them whatever their id.
                        let object = &data["object"];
                        let tagged = ["description", "name"]
                            .into_iter()
                            .find_map(|key| object[key].as_str().and_then(inject_tag));
                        match (tagged, object["id"].as_str().or(data["id"].as_str())) {
                            (Some(inject), _) => ctx.delivered_inject(&ear.account, inject, at),
                            (None, Some(id)) => ctx.delivered(&ear.account, id, at),
                            (None, None) => {}
                        }
                    }
                    "incident-alert" if ear.responder => {
                        if let Some(case) = case_id_of(&data) {
                            ctx.alerted(&ear.account, &case, at);
                        }
                    }
                    _ => {}
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
