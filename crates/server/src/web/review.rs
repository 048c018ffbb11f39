//! The PII review queue for reviewers: postings whose redaction the hub was unsure of wait here. Each review
//! shows its findings highlighted in the posted text, the redacted copy the hub proposes, and three decisions:
//! approve the proposal, approve an edited copy, or reject with a reason (`Hub::decide_review`).
//!
//! Invariant: who may review is the hub's rule (`Hub::pending_reviews`, `Hub::review`); a review the caller
//! may not decide is the same 404 as a missing one. The posted text (personal data) is shown only here.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use hub::{Review, Verdict};
use serde::Deserialize;
use serde_json::Value;
use taxii::timestamp::format_date_added;

use crate::AppState;
use crate::web::pages::layout;
use crate::web::session;
use crate::web::view::{Layout, escape_html};
use crate::web::{WebError, page};

/// One finding, with the text around it highlighted.
#[derive(Debug, Clone)]
pub(crate) struct FindingRow {
    pub(crate) json_path: String,
    pub(crate) kind: String,
    pub(crate) confidence: u64,
    /// The property's text with the finding in `<mark>` (escaped HTML).
    pub(crate) context_html: String,
}

/// One review in the list.
#[derive(Debug, Clone)]
pub(crate) struct ReviewRow {
    pub(crate) href: String,
    pub(crate) object_id: String,
    pub(crate) account: String,
    pub(crate) posted: String,
    pub(crate) kinds: String,
}

/// The queue.
#[derive(askama::Template)]
#[template(path = "reviews.html")]
pub(crate) struct ReviewsPage {
    pub(crate) layout: Layout,
    pub(crate) reviews: Vec<ReviewRow>,
    pub(crate) message: String,
}

/// One review.
#[derive(askama::Template)]
#[template(path = "review.html")]
pub(crate) struct ReviewPage {
    pub(crate) layout: Layout,
    pub(crate) id: String,
    pub(crate) object_id: String,
    pub(crate) account: String,
    pub(crate) posted: String,
    pub(crate) state: &'static str,
    pub(crate) findings: Vec<FindingRow>,
    pub(crate) proposed: String,
    pub(crate) error: String,
}

fn findings_of(review: &Review) -> Vec<FindingRow> {
    let original: Value = serde_json::from_str(&review.original).unwrap_or(Value::Null);
    let findings: Vec<Value> = serde_json::from_str(&review.findings).unwrap_or_default();
    findings
        .iter()
        .map(|finding| {
            let json_path = finding["json_path"].as_str().unwrap_or("").to_owned();
            let (start, end) = (
                finding["start"].as_u64().unwrap_or(0),
                finding["end"].as_u64().unwrap_or(0),
            );
            let text = value_at(&original, &json_path)
                .and_then(Value::as_str)
                .unwrap_or("");
            FindingRow {
                kind: finding["kind"].as_str().unwrap_or("").to_owned(),
                confidence: finding["confidence"].as_u64().unwrap_or(0),
                context_html: highlighted(text, start, end),
                json_path,
            }
        })
        .collect()
}

/// `text` escaped, with bytes `start..end` in `<mark>` (offsets off a character boundary mark nothing).
fn highlighted(text: &str, start: u64, end: u64) -> String {
    let (start, end) = (
        usize::try_from(start).unwrap_or(0),
        usize::try_from(end).unwrap_or(0),
    );
    let mut html = String::new();
    match (text.get(..start), text.get(start..end), text.get(end..)) {
        (Some(before), Some(found), Some(after)) if start < end => {
            escape_html(before, &mut html);
            html.push_str("<mark>");
            escape_html(found, &mut html);
            html.push_str("</mark>");
            escape_html(after, &mut html);
        }
        _ => escape_html(text, &mut html),
    }
    html
}

/// The value at a finding's path: `$`, then `.key`, `[index]` or `['key']` steps.
fn value_at<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    let mut rest = path.strip_prefix('$')?;
    let mut current = root;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("['") {
            let (key, tail) = after.split_once("']")?;
            current = current.get(key)?;
            rest = tail;
        } else if let Some(after) = rest.strip_prefix('[') {
            let (index, tail) = after.split_once(']')?;
            current = current.get(index.parse::<usize>().ok()?)?;
            rest = tail;
        } else if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            current = current.get(&after[..end])?;
            rest = &after[end..];
        } else {
            return None;
        }
    }
    Some(current)
}

fn row_of(review: &Review) -> ReviewRow {
    let findings: Vec<Value> = serde_json::from_str(&review.findings).unwrap_or_default();
    let mut kinds: Vec<&str> = findings.iter().filter_map(|f| f["kind"].as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    ReviewRow {
        href: format!("/ui/reviews/{}", crate::web::view::encode_segment(&review.id)),
        object_id: review.object_id.clone(),
        account: review.account.clone(),
        posted: format_date_added(review.created_micros),
        kinds: kinds.join(", "),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    done: String,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let reviews = state.hub.pending_reviews(&session.caller).await?;
    // Fixed messages only: nothing from the address is echoed.
    let message = match query.done.as_str() {
        "approved" => "Approved: the object is stored and shared.",
        "rejected" => "Rejected: the object will not be stored.",
        _ => "",
    };
    page(&ReviewsPage {
        layout: layout(&session, "PII review"),
        reviews: reviews.iter().map(row_of).collect(),
        message: message.to_owned(),
    })
}

fn review_page(session: &session::Session, review: &Review, error: String) -> Result<Response, WebError> {
    // The proposal, indented for editing (property order kept).
    let proposed = serde_json::from_str::<Value>(&review.proposed)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| review.proposed.clone());
    page(&ReviewPage {
        layout: layout(session, format!("Review of {}", review.object_id)),
        id: review.id.clone(),
        object_id: review.object_id.clone(),
        account: review.account.clone(),
        posted: format_date_added(review.created_micros),
        state: review.state.as_str(),
        findings: findings_of(review),
        proposed,
        error,
    })
}

pub(crate) async fn show(
    State(state): State<AppState>,
    Path(review_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let review = state.hub.review(&session.caller, &review_id).await?;
    review_page(&session, &review, String::new())
}

#[derive(Debug, Deserialize)]
pub(crate) struct DecisionForm {
    csrf: String,
    decision: String,
    #[serde(default)]
    edited: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn decide(
    State(state): State<AppState>,
    Path(review_id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    session::check_csrf(&session.csrf, &form.csrf)?;
    let verdict = match form.decision.as_str() {
        "approve" => Verdict::Approve,
        "edit" => Verdict::Edit(form.edited),
        "reject" => Verdict::Reject(form.reason),
        other => return Err(WebError::BadRequest(format!("{other:?} is not a decision"))),
    };
    match state
        .hub
        .decide_review(&session.caller, &review_id, verdict)
        .await
    {
        Ok(decided) => {
            Ok(Redirect::to(&format!("/ui/reviews?done={}", decided.state.as_str())).into_response())
        }
        Err(hub::HubError::BadRequest(message) | hub::HubError::Conflict(message)) => {
            let review = state.hub.review(&session.caller, &review_id).await?;
            review_page(&session, &review, message)
        }
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_values_by_path_and_marks_the_finding() {
        let root = serde_json::json!({"content": "Reported by Dana.", "refs": [{"d": "x"}], "ext": {"a-b": {"k": "v"}}});
        assert_eq!(
            value_at(&root, "$.content").and_then(Value::as_str),
            Some("Reported by Dana.")
        );
        assert_eq!(value_at(&root, "$.refs[0].d").and_then(Value::as_str), Some("x"));
        assert_eq!(
            value_at(&root, "$.ext['a-b'].k").and_then(Value::as_str),
            Some("v")
        );
        assert_eq!(
            highlighted("Reported by Dana.", 12, 16),
            "Reported by <mark>Dana</mark>."
        );
        assert_eq!(highlighted("<b>", 5, 9), "&lt;b&gt;");
    }
}
