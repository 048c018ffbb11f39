//! Feedback in the web UI (issue 15): the true-positive / false-positive buttons of an indicator's page
//! (`POST /ui/feedback`, CSRF-checked like every form) and `/ui/scorecard`, a producer's scorecard with the
//! feedback on its own indicators (consumers named only as their consent allows; hub admins see every
//! producer's scorecard).
//!
//! Invariant: everything goes through the hub with the signed-in caller (`Hub::give_feedback`,
//! `feedback_on_mine`, `scorecard(s)`), so an indicator the caller may not read is the same 404 as over REST.

use std::collections::HashMap;

use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use hub::{FeedbackSource, HubError};

use crate::AppState;
use crate::web::pages::layout;
use crate::web::session;
use crate::web::view::Layout;
use crate::web::{WebError, page};

/// One producer's scorecard as shown.
#[derive(Debug, Clone)]
pub(crate) struct CardRow {
    pub(crate) org: String,
    pub(crate) shared: u64,
    pub(crate) sighted: u64,
    pub(crate) true_positives: u64,
    pub(crate) false_positives: u64,
    pub(crate) fp_rate: String,
    pub(crate) median_to_sighting: String,
    pub(crate) reliability: String,
}

/// One consumer's feedback on one of the producer's indicators.
#[derive(Debug, Clone)]
pub(crate) struct EntryRow {
    pub(crate) consumer: String,
    pub(crate) verdict: String,
    pub(crate) source: String,
    pub(crate) sightings: u32,
    pub(crate) day: String,
}

/// One of the producer's judged indicators.
#[derive(Debug, Clone)]
pub(crate) struct JudgedRow {
    pub(crate) indicator: String,
    pub(crate) score: u8,
    pub(crate) true_positives: u64,
    pub(crate) false_positives: u64,
    pub(crate) sightings: u64,
    pub(crate) entries: Vec<EntryRow>,
}

/// `/ui/scorecard`.
#[derive(askama::Template)]
#[template(path = "scorecard.html")]
pub(crate) struct ScorecardPage {
    pub(crate) layout: Layout,
    pub(crate) cards: Vec<CardRow>,
    pub(crate) judged: Vec<JudgedRow>,
    pub(crate) message: String,
}

fn card_row(card: &hub::Scorecard) -> CardRow {
    let judged = card.true_positives + card.false_positives;
    CardRow {
        org: card.org.clone(),
        shared: card.shared,
        sighted: card.sighted,
        true_positives: card.true_positives,
        false_positives: card.false_positives,
        fp_rate: if judged == 0 {
            "–".to_owned()
        } else {
            format!("{:.0} %", 100.0 * card.false_positives as f64 / judged as f64)
        },
        median_to_sighting: card
            .median_hours_to_first_sighting
            .map_or_else(|| "–".to_owned(), |hours| format!("{hours:.1} h")),
        reliability: format!("{:.2}", card.reliability),
    }
}

pub(crate) async fn scorecard(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let caller = &session.caller;
    let cards = if caller.is_admin {
        state.hub.scorecards(caller).await?
    } else if let Some(org) = &caller.org {
        vec![state.hub.scorecard(caller, org).await?]
    } else {
        Vec::new()
    };
    let judged = state
        .hub
        .feedback_on_mine(caller)
        .await?
        .into_iter()
        .map(|item| JudgedRow {
            indicator: item.indicator,
            score: item.score,
            true_positives: item.true_positives,
            false_positives: item.false_positives,
            sightings: item.sightings,
            entries: item
                .entries
                .into_iter()
                .map(|entry| EntryRow {
                    consumer: entry
                        .consumer_org
                        .unwrap_or_else(|| "an anonymous consumer".to_owned()),
                    verdict: entry.verdict.unwrap_or("sighted").to_owned(),
                    source: entry.source.unwrap_or_else(|| "sighting".to_owned()),
                    sightings: entry.sightings,
                    day: entry.day.unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    page(&ScorecardPage {
        layout: layout(&session, "Scorecard"),
        cards: cards.iter().map(card_row).collect(),
        judged,
        message: if caller.org.is_none() && !caller.is_admin {
            "Your account belongs to no organisation, so it has no producer scorecard.".to_owned()
        } else {
            String::new()
        },
    })
}

/// The buttons of an indicator's page: `csrf`, `indicator` (the id the caller knows), `verdict`, `back` (the
/// page to return to, a `/ui/c/` path).
pub(crate) async fn give(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    session::check_csrf(&session.csrf, form.get("csrf").map_or("", String::as_str))?;
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let verdict = hub::parse_verdict(field("verdict"))
        .ok_or_else(|| WebError::BadRequest("verdict must be true-positive or false-positive".to_owned()))?;
    let indicator = field("indicator");
    if stix::id::StixId::parse(indicator).is_err() {
        return Err(WebError::BadRequest("indicator must be a STIX id".to_owned()));
    }
    state
        .hub
        .give_feedback(&session.caller, indicator, verdict, FeedbackSource::Ui)
        .await
        .map_err(|err| match err {
            HubError::NotPermitted(reason) => WebError::BadRequest(reason),
            other => WebError::Hub(other),
        })?;
    // Only back to a page of this UI (no open redirect).
    let back = field("back");
    let back = if back.starts_with("/ui/c/") && !back.contains("//") && !back.contains('\\') {
        back
    } else {
        "/ui/scorecard"
    };
    Ok(Redirect::to(back).into_response())
}
