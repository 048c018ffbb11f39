//! What the hub tells about feedback and scores, and to whom (issue 15).
//!
//! - An indicator's score: to any caller who may read the indicator now (others: `NotFound`, as unknown).
//! - A producer's scorecard: to its own organisation's accounts and hub admins (a scorecard says how much an
//!   organisation shares, which an anonymous producer does not tell others).
//! - The feedback on a producer's own indicators: counts and each consumer's verdict and sightings, the
//!   consumer's organisation named only when its consent reveals it to the producer's organisation (as an
//!   object of that consumer would be; never the account).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use policy::anonymity::{Disclosure, ReaderClass, disclosure};
use policy::model::Consent;
use serde_json::{Value, json};

use super::{ScoreView, Scorecard, caller_producer, verdict_text};
use crate::sharing::parse_consent;
use crate::{Caller, Hub, HubError, HubResult};

/// How long a request waits for the first build of the scores.
const READY_WAIT: Duration = Duration::from_secs(30);
/// The most indicators listed in a producer's feedback view.
const MAX_LISTED: usize = 1000;

/// One consumer's feedback on one of the producer's indicators, as the producer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackOnMine {
    /// The consumer's organisation when its consent reveals it to the producer; `None`: anonymous.
    pub consumer_org: Option<String>,
    /// `true-positive`, `false-positive`, or none (sightings only).
    pub verdict: Option<&'static str>,
    /// Where the verdict came from (`api`, `ui`, `opinion`).
    pub source: Option<String>,
    /// Sightings counted.
    pub sightings: u32,
    /// The day (UTC, `YYYY-MM-DD`) of the newest verdict or sighting.
    pub day: Option<String>,
}

/// The feedback on one of the producer's indicators.
#[derive(Debug, Clone, PartialEq)]
pub struct ProducerFeedback {
    /// The indicator's stored id (the producer's own).
    pub indicator: String,
    /// Its score now.
    pub score: u8,
    /// True-positive verdicts and sighting consumers.
    pub true_positives: u64,
    /// False-positive verdicts.
    pub false_positives: u64,
    /// Sightings counted.
    pub sightings: u64,
    /// Each consumer's feedback (in a fixed, meaningless order: no account names, no times finer than a day).
    pub entries: Vec<FeedbackOnMine>,
}

impl ProducerFeedback {
    /// As JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "indicator": self.indicator,
            "score": self.score,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "sightings": self.sightings,
            "feedback": self.entries.iter().map(|e| json!({
                "consumer": e.consumer_org,
                "verdict": e.verdict,
                "source": e.source,
                "sightings": e.sightings,
                "day": e.day,
            })).collect::<Vec<_>>(),
        })
    }
}

impl ScoreView {
    /// As the API serves it, for the id the caller named.
    pub fn to_json(&self, id: &str) -> Value {
        json!({"id": id, "score": self.score, "explanation": self.explanation})
    }
}

impl Hub {
    /// The score of the indicator `id` as `caller` may read it (`NotFound` otherwise, as for unknown ids).
    pub async fn indicator_score(self: &Arc<Self>, caller: &Caller, id: &str) -> HubResult<ScoreView> {
        self.scores_ready(READY_WAIT).await?;
        let readable = self
            .readable_indicator(caller, id)
            .await?
            .ok_or(HubError::NotFound)?;
        let mut state = self.scores.lock();
        if !state.indicators.contains_key(&readable.stored_id)
            && let Some(facts) = &readable.facts
        {
            // Stored after the last event this node applied: its facts are at hand.
            state.indicators.insert(readable.stored_id.clone(), facts.clone());
        }
        state
            .score(&readable.stored_id, crate::now_micros())
            .ok_or(HubError::NotFound)
    }

    /// The scores of indicators by the ids a caller is served them by, for lists that already released
    /// them to that caller (search results, exports); ids the scores do not know yet are absent.
    pub fn scores_of_served<'a>(&self, served_ids: impl IntoIterator<Item = &'a str>) -> HashMap<String, u8> {
        let state = self.scores.lock();
        let now = crate::now_micros();
        served_ids
            .into_iter()
            .filter_map(|id| Some((id.to_owned(), state.score(state.stored_id(id), now)?.score)))
            .collect()
    }

    /// The scorecard of organisation `org` (its own accounts and hub admins; others `NotFound`).
    pub async fn scorecard(self: &Arc<Self>, caller: &Caller, org: &str) -> HubResult<Scorecard> {
        if !caller.is_admin && caller.org.as_deref() != Some(org) {
            return Err(HubError::NotFound);
        }
        self.scores_ready(READY_WAIT).await?;
        Ok(self.scores.lock().scorecard(org))
    }

    /// Every producer's scorecard (hub admins; `audit report`).
    pub async fn scorecards(self: &Arc<Self>, caller: &Caller) -> HubResult<Vec<Scorecard>> {
        if !caller.is_admin {
            return Err(HubError::Forbidden);
        }
        self.scores_ready(READY_WAIT).await?;
        let state = self.scores.lock();
        Ok(state.producers().iter().map(|org| state.scorecard(org)).collect())
    }

    /// Every producer's scorecard computed now from the store, without this node's worker (the command
    /// line's `audit report`): a build and one solve. Hub admins (and the operator) only.
    pub async fn scorecards_now(&self, caller: &Caller) -> HubResult<Vec<Scorecard>> {
        if !caller.is_admin {
            return Err(HubError::Forbidden);
        }
        let (mut built, _) = self.build_scores().await?;
        let snapshot = built.snapshot();
        let (snapshot, answer) = tokio::task::spawn_blocking(move || {
            let answer = snapshot.solve();
            (snapshot, answer)
        })
        .await
        .map_err(|err| HubError::Internal(format!("solving scores failed: {err}")))?;
        built.take_solution(&snapshot, &answer);
        Ok(built.producers().iter().map(|org| built.scorecard(org)).collect())
    }

    /// The feedback on the caller's organisation's indicators (the judged ones, at most `MAX_LISTED`).
    pub async fn feedback_on_mine(self: &Arc<Self>, caller: &Caller) -> HubResult<Vec<ProducerFeedback>> {
        self.scores_ready(READY_WAIT).await?;
        let me = caller_producer(caller);
        let directory = self.sharing_directory().await?;
        let my_government = directory
            .organisations
            .iter()
            .any(|o| caller.org.as_deref() == Some(o.name.as_str()) && o.government);
        let consent: HashMap<&str, Consent> = directory
            .organisations
            .iter()
            .map(|o| {
                (
                    o.name.as_str(),
                    parse_consent(&o.consent).unwrap_or(Consent::None),
                )
            })
            .collect();
        let reveals = |org: &Option<String>| -> Option<String> {
            let org = org.as_ref()?;
            let class = if caller.org.as_deref() == Some(org.as_str()) {
                ReaderClass::SubmitterOrganisation
            } else if my_government {
                ReaderClass::Government
            } else {
                ReaderClass::NonGovernment
            };
            let level = consent.get(org.as_str()).copied().unwrap_or(Consent::Everyone);
            (disclosure(level, class) == Disclosure::Reveal).then(|| org.clone())
        };
        let state = self.scores.lock();
        let now = crate::now_micros();
        let mut mine: Vec<&String> = state
            .feedback
            .keys()
            .filter(|id| state.indicators.get(*id).is_some_and(|f| f.producer == me))
            .collect();
        mine.sort();
        let mut answer = Vec::new();
        for id in mine.into_iter().take(MAX_LISTED) {
            let entries = state.feedback.get(id).map_or(&[][..], Vec::as_slice);
            let mut view = ProducerFeedback {
                indicator: id.clone(),
                score: state.score(id, now).map_or(0, |s| s.score),
                true_positives: 0,
                false_positives: 0,
                sightings: 0,
                entries: Vec::new(),
            };
            for entry in entries {
                match entry.effective() {
                    Some(true) => view.true_positives += 1,
                    Some(false) => view.false_positives += 1,
                    None => {}
                }
                view.sightings += u64::from(entry.sightings);
                let newest = entry.verdict_micros.max(entry.last_seen);
                view.entries.push(FeedbackOnMine {
                    consumer_org: reveals(&entry.org),
                    verdict: entry.verdict.map(verdict_text),
                    source: entry.verdict_source.clone(),
                    sightings: entry.sightings,
                    day: newest.map(day_of),
                });
            }
            // Sorted by what the producer may see, so the order does not follow account names.
            view.entries.sort_by(|a, b| {
                (&a.consumer_org, a.verdict, &a.day).cmp(&(&b.consumer_org, b.verdict, &b.day))
            });
            answer.push(view);
        }
        Ok(answer)
    }
}

/// `YYYY-MM-DD` of µs since the epoch.
fn day_of(micros: i64) -> String {
    let text = crate::event_read::taxii_timestamp(micros);
    text.get(..10).unwrap_or(&text).to_owned()
}
