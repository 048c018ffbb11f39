//! Feedback and confidence (issue 15, docs/feedback.md): consumers say whether an indicator was a true or a
//! false positive, their sightings and STIX opinions count too, and every indicator gets a score.
//!
//! - **Intake** (`Hub::give_feedback`, `POST /feedback/v1/`, the web UI): only a caller who may read the
//!   indicator *now*, through the release gate, may judge it; any other id — hidden, unknown, another
//!   organisation's private one, not an indicator — is the same `NotFound`. One verdict per consumer account
//!   and indicator (a new one replaces it); a producer's verdicts on its own indicators are refused. Each
//!   verdict is audited (`feedback.give`) and stored in the records namespace `feedback` under
//!   `i/{indicator}/{account}` (the indicator by its stored id, so a republished id and the original meet).
//! - **STIX** (`stix_feedback`): a `sighting` posted through TAXII whose `sighting_of_ref` names an indicator
//!   its poster may read is a true-positive sighting (it also refreshes the score); an `opinion` whose
//!   `object_refs` name such indicators is a verdict (agree/strongly-agree: true positive, disagree/
//!   strongly-disagree: false positive, neutral: nothing). Read from the event log; the objects' bytes are
//!   never touched.
//! - **Scores** (`state`, `worker`): derived, rebuildable, per node; see there.
//! - **Secrecy:** who gave which verdict is stored for the consensus only. A producer sees the feedback on its
//!   own indicators with the consumer's organisation named only when that organisation's consent reveals it
//!   to the producer (`policy::anonymity::disclosure`, as for objects); nobody else sees it at all.
//!   The `feedback` event that wakes other nodes names the indicator and its producer, never the consumer.

mod expiry;
pub(crate) mod state;
mod stix_feedback;
mod views;
mod worker;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use serde_json::json;
use store::{NewEvent, RecordScan, RecordWrite};
use tokio::sync::watch;

use crate::{Caller, Hub, HubError, HubResult};

pub use self::expiry::{EXPIRE_BELOW, EXPIRED_EVENT};
pub use self::state::{ScoreView, Scorecard};
pub use self::views::{FeedbackOnMine, ProducerFeedback};

/// The records namespace of feedback.
pub(crate) const NS_FEEDBACK: &str = "feedback";
/// The records namespace of derived scoring data (the last consensus).
pub(crate) const NS_SCORES: &str = "scores";
/// The event kind that tells every node an indicator's feedback changed.
pub const FEEDBACK_EVENT: &str = "feedback";
/// The audit action of a verdict.
pub const FEEDBACK_AUDIT: &str = "feedback.give";
/// The most feedback records read per indicator (one per consumer account).
const MAX_FEEDBACK_PER_INDICATOR: usize = 100_000;

/// Where a verdict came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackSource {
    /// `POST /feedback/v1/`.
    Api,
    /// The web UI's buttons.
    Ui,
    /// A STIX opinion.
    Opinion,
}

impl FeedbackSource {
    fn as_str(self) -> &'static str {
        match self {
            FeedbackSource::Api => "api",
            FeedbackSource::Ui => "ui",
            FeedbackSource::Opinion => "opinion",
        }
    }
}

/// A verdict from its API text.
pub fn parse_verdict(text: &str) -> Option<bool> {
    match text {
        "true-positive" => Some(true),
        "false-positive" => Some(false),
        _ => None,
    }
}

fn verdict_text(true_positive: bool) -> &'static str {
    if true_positive {
        "true-positive"
    } else {
        "false-positive"
    }
}

/// One stored feedback record (`feedback` namespace).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct FeedbackRecord {
    pub(crate) indicator: String,
    pub(crate) account: String,
    #[serde(default)]
    pub(crate) org: Option<String>,
    #[serde(default)]
    pub(crate) verdict: Option<bool>,
    #[serde(default)]
    pub(crate) verdict_source: Option<String>,
    #[serde(default)]
    pub(crate) verdict_micros: Option<i64>,
    /// The STIX sightings counted, by id (bounded: see `stix_feedback`).
    #[serde(default)]
    pub(crate) sighting_ids: BTreeSet<String>,
    #[serde(default)]
    pub(crate) sightings: u32,
    #[serde(default)]
    pub(crate) first_seen: Option<i64>,
    #[serde(default)]
    pub(crate) last_seen: Option<i64>,
}

impl FeedbackRecord {
    fn to_feedback(&self) -> state::Feedback {
        state::Feedback {
            account: self.account.clone(),
            org: self.org.clone(),
            verdict: self.verdict,
            verdict_source: self.verdict_source.clone(),
            verdict_micros: self.verdict_micros,
            sightings: self.sightings,
            first_seen: self.first_seen,
            last_seen: self.last_seen,
        }
    }
}

fn record_key(indicator: &str, account: &str) -> String {
    format!("i/{indicator}/{account}")
}

/// An indicator a caller may read, found by the id the caller knows it by.
#[derive(Debug, Clone)]
pub(crate) struct Readable {
    /// Its stored id (the producer's original).
    pub(crate) stored_id: String,
    /// Its producer (`producer_of`).
    pub(crate) producer: String,
    /// Its facts, from the stored bytes.
    pub(crate) facts: Option<state::IndicatorFacts>,
}

/// The producer name of a stored version: its organisation, or `account:NAME` without one.
pub(crate) fn producer_of(submitter: &str, submitter_org: Option<&str>) -> String {
    submitter_org.map_or_else(|| format!("account:{submitter}"), str::to_owned)
}

/// The consumer name a caller is counted under as a producer would be (so "own indicator" is one test).
fn caller_producer(caller: &Caller) -> String {
    producer_of(&caller.account, caller.org.as_deref())
}

/// This node's feedback and scoring state.
#[derive(Debug)]
pub(crate) struct Scores {
    pub(crate) state: Mutex<state::ScoreState>,
    /// Whether the worker runs.
    running: std::sync::atomic::AtomicBool,
    /// Set once the first build is done.
    ready: watch::Sender<bool>,
}

impl Default for Scores {
    fn default() -> Scores {
        Scores {
            state: Mutex::default(),
            running: std::sync::atomic::AtomicBool::new(false),
            ready: watch::Sender::new(false),
        }
    }
}

impl Scores {
    pub(crate) fn lock(&self) -> MutexGuard<'_, state::ScoreState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a verdict did.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackReceipt {
    /// The indicator, as the caller named it.
    pub indicator: String,
    /// The verdict recorded.
    pub verdict: &'static str,
    /// The indicator's score now.
    pub score: Option<u8>,
}

impl Hub {
    /// Finds the indicator `id` as `caller` may read it now (any collection it may read, under the id it is
    /// served by), through the release gate; `None` for hidden, unknown and non-indicator ids alike.
    pub(crate) async fn readable_indicator(&self, caller: &Caller, id: &str) -> HubResult<Option<Readable>> {
        if !id.starts_with("indicator--") || stix::id::StixId::parse(id).is_err() {
            return Ok(None);
        }
        for (_, collection) in self.readable_collections(caller).await? {
            let mut view = self.sharing_view(caller, &collection).await?;
            view.wanted_ids = Some(BTreeSet::from([id.to_owned()]));
            let ids = self.ids_to_query(&collection, &[id.to_owned()]).await?;
            let page = self
                .store
                .query_objects(worker::indicator_query(&collection.id, ids, 16))
                .await?;
            let republish = self.republish_facts(&view, &page.records).await?;
            for stored in page.records {
                let stored_id = stored.id.clone();
                let producer =
                    producer_of(&stored.sharing.submitter, stored.sharing.submitter_org.as_deref());
                let facts = stored.raw.as_deref().and_then(|raw| {
                    state::facts_of(raw, producer.clone(), stored.date_added, collection.id.as_str())
                });
                let facts_for = republish.get(&stored.date_added);
                if self.release_one(&view, stored, facts_for)?.is_some() {
                    return Ok(Some(Readable {
                        stored_id,
                        producer,
                        facts,
                    }));
                }
            }
        }
        Ok(None)
    }

    /// Records `caller`'s verdict on the indicator it knows as `indicator` (see the module). `NotFound` for
    /// every id the caller may not read; `NotPermitted` for its own organisation's indicators.
    pub async fn give_feedback(
        self: &Arc<Self>,
        caller: &Caller,
        indicator: &str,
        true_positive: bool,
        source: FeedbackSource,
    ) -> HubResult<FeedbackReceipt> {
        self.start_scores();
        let readable = self
            .readable_indicator(caller, indicator)
            .await?
            .ok_or(HubError::NotFound)?;
        if readable.producer == caller_producer(caller) {
            return Err(HubError::NotPermitted(
                "feedback on your own organisation's indicators does not count".to_owned(),
            ));
        }
        let now = crate::now_micros();
        self.update_feedback_record(&readable.stored_id, caller, |record| {
            record.verdict = Some(true_positive);
            record.verdict_source = Some(source.as_str().to_owned());
            record.verdict_micros = Some(now);
        })
        .await?;
        self.announce_feedback(&readable).await?;
        self.audit(
            &caller.account,
            FEEDBACK_AUDIT,
            1,
            json!({
                "indicator": indicator,
                "verdict": verdict_text(true_positive),
                "source": source.as_str(),
                "org": caller.org,
            }),
        )
        .await?;
        let score = self.refresh_indicator(&readable).await?;
        Ok(FeedbackReceipt {
            indicator: indicator.to_owned(),
            verdict: verdict_text(true_positive),
            score,
        })
    }

    /// Reads, changes and writes `caller`'s feedback record on `stored_id` (compare-and-swap, retried).
    pub(crate) async fn update_feedback_record(
        &self,
        stored_id: &str,
        caller: &Caller,
        change: impl Fn(&mut FeedbackRecord),
    ) -> HubResult<()> {
        let key = record_key(stored_id, &caller.account);
        for _ in 0..8 {
            let current = self.store.record(NS_FEEDBACK, &key).await?;
            let (mut record, expect) = match &current {
                Some(found) => (
                    serde_json::from_str::<FeedbackRecord>(&found.body).unwrap_or_default(),
                    store::Expect::Version(found.version),
                ),
                None => (FeedbackRecord::default(), store::Expect::Absent),
            };
            record.indicator = stored_id.to_owned();
            record.account.clone_from(&caller.account);
            record.org.clone_from(&caller.org);
            let before = record.clone();
            change(&mut record);
            if current.is_some() && record == before {
                return Ok(());
            }
            let body = serde_json::to_string(&record).map_err(|err| HubError::Internal(err.to_string()))?;
            match self
                .store
                .write_records(
                    vec![RecordWrite::put(NS_FEEDBACK, key.clone(), body).expecting(expect)],
                    crate::now_micros(),
                )
                .await
            {
                Ok(_) => return Ok(()),
                Err(store::StoreError::Conflict(_)) => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(HubError::Unavailable(
            "feedback record kept changing; retry".to_owned(),
        ))
    }

    /// Appends the event that tells every node (and the producer's subscribers) that feedback on an
    /// indicator changed. It names the indicator and its producer only.
    async fn announce_feedback(&self, readable: &Readable) -> HubResult<()> {
        let audience = if readable.producer.starts_with("account:") {
            json!({"accounts": [readable.producer.trim_start_matches("account:")]})
        } else {
            json!({"orgs": [readable.producer]})
        };
        let payload = json!({"indicator": readable.stored_id, "audience": audience});
        self.store
            .append_events(vec![NewEvent {
                kind: FEEDBACK_EVENT.to_owned(),
                collection: None,
                payload: payload.to_string(),
            }])
            .await?;
        Ok(())
    }

    /// Re-reads one indicator's feedback into this node's state; returns its score now.
    pub(crate) async fn refresh_indicator(&self, readable: &Readable) -> HubResult<Option<u8>> {
        let entries = self.feedback_of(&readable.stored_id).await?;
        let mut state = self.scores.lock();
        if let Some(facts) = &readable.facts {
            state.indicators.insert(readable.stored_id.clone(), facts.clone());
        }
        state.set_feedback(&readable.stored_id, entries);
        Ok(state
            .score(&readable.stored_id, crate::now_micros())
            .map(|s| s.score))
    }

    /// The stored feedback on one indicator.
    pub(crate) async fn feedback_of(&self, stored_id: &str) -> HubResult<Vec<state::Feedback>> {
        let records = self
            .store
            .records(RecordScan::prefix(
                NS_FEEDBACK,
                format!("i/{stored_id}/"),
                MAX_FEEDBACK_PER_INDICATOR,
            ))
            .await?;
        Ok(records
            .iter()
            .filter_map(|r| serde_json::from_str::<FeedbackRecord>(&r.body).ok())
            .map(|r| r.to_feedback())
            .collect())
    }
}
