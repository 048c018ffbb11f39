//! This node's scoring state (issue 15): every indicator's facts, every piece of feedback, and the last
//! consensus (consumer weights, producer reliabilities). Derived data only: it is rebuilt from the objects and
//! the `feedback` records at start and kept current from the event log (`worker`).
//!
//! A score is computed when asked, from the indicator's own feedback weighted by the *last* consensus: a new
//! verdict moves its indicator's score at once, while the weights it changes (the consumer's, the producer's)
//! follow at the next solve, at most `SOLVE_EVERY` later. Solving is the expensive part (every verdict, a few
//! rounds), so it runs off the request path, on a snapshot.

use std::collections::HashMap;

use score::consensus::{self, Consensus};
use score::model::{self, Inputs};
use score::{Kind, Verdict};
use serde_json::{Value, json};

/// Microseconds in a day.
const DAY_MICROS: f64 = 86_400_000_000.0;

/// What one indicator's score needs of the indicator itself.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IndicatorFacts {
    /// Its producer: the submitting organisation (`account:NAME` for an account without one).
    pub(crate) producer: String,
    /// Its observable kind (from the first object path of its pattern).
    pub(crate) kind: Kind,
    /// `valid_from` (else `created`), µs.
    pub(crate) base_micros: i64,
    /// `valid_until`, µs.
    pub(crate) valid_until: Option<i64>,
    /// Revoked by its producer.
    pub(crate) revoked: bool,
    /// When the hub first stored it, µs (time to first sighting counts from here).
    pub(crate) shared_micros: i64,
    /// The collection its newest version was seen in (where its `indicator-expired` event is released).
    pub(crate) collection: String,
}

/// One consumer's feedback on one indicator: its verdict (API, web UI or STIX opinion) and its sightings.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Feedback {
    /// The consumer account.
    pub(crate) account: String,
    /// The consumer's organisation.
    pub(crate) org: Option<String>,
    /// The verdict: true positive or false positive.
    pub(crate) verdict: Option<bool>,
    /// Where the verdict came from (`api`, `ui`, `opinion`).
    pub(crate) verdict_source: Option<String>,
    /// When the verdict was given, µs.
    pub(crate) verdict_micros: Option<i64>,
    /// The consumer's sightings: how many objects, first and last seen, µs.
    pub(crate) sightings: u32,
    pub(crate) first_seen: Option<i64>,
    pub(crate) last_seen: Option<i64>,
}

impl Feedback {
    /// The verdict the consensus counts: an explicit verdict, else a sighting is a true positive.
    pub(crate) fn effective(&self) -> Option<bool> {
        self.verdict.or((self.sightings > 0).then_some(true))
    }
}

/// An indicator's score and its explanation, as the API serves it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreView {
    /// 0–100.
    pub score: u8,
    /// One JSON object per term: `term`, `value`, `inputs` (numbers), `description`.
    pub explanation: Vec<Value>,
}

/// A producer's scorecard.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scorecard {
    /// The organisation.
    pub org: String,
    /// Indicators it shared (newest versions the hub holds).
    pub shared: u64,
    /// Of those, sighted by another organisation at least once.
    pub sighted: u64,
    /// Consumers' true-positive verdicts and sightings on its indicators.
    pub true_positives: u64,
    /// Consumers' false-positive verdicts on its indicators.
    pub false_positives: u64,
    /// Median hours from sharing to the first sighting, over its sighted indicators.
    pub median_hours_to_first_sighting: Option<f64>,
    /// Its reliability from the weighted verdicts (the consensus' Beta mean), 0–1.
    pub reliability: f64,
}

impl Scorecard {
    /// As JSON (rates are `null` before any verdict).
    pub fn to_json(&self) -> Value {
        let judged = self.true_positives + self.false_positives;
        let rate = |n: u64| (judged > 0).then(|| n as f64 / judged as f64);
        json!({
            "org": self.org,
            "shared": self.shared,
            "sighted": self.sighted,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "true_positive_rate": rate(self.true_positives),
            "false_positive_rate": rate(self.false_positives),
            "median_hours_to_first_sighting": self.median_hours_to_first_sighting,
            "reliability": self.reliability,
        })
    }
}

/// Interns names as dense indexes (the consensus works on indexes).
#[derive(Debug, Default)]
pub(crate) struct Names {
    index: HashMap<String, u32>,
    pub(crate) names: Vec<String>,
}

impl Names {
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        if let Some(ix) = self.index.get(name) {
            return *ix;
        }
        let ix = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.index.insert(name.to_owned(), ix);
        self.names.push(name.to_owned());
        ix
    }
}

/// The scoring state.
#[derive(Debug, Default)]
pub(crate) struct ScoreState {
    pub(crate) indicators: HashMap<String, IndicatorFacts>,
    /// Feedback per indicator id, one entry per consumer account.
    pub(crate) feedback: HashMap<String, Vec<Feedback>>,
    /// Consumer weights by account (absent: a newcomer's prior weight).
    pub(crate) weights: HashMap<String, f64>,
    /// Producer reliabilities by organisation (absent: the prior mean).
    pub(crate) reliability: HashMap<String, f64>,
    /// Feedback changed since the last solve.
    pub(crate) dirty: bool,
    /// Republished (public) id → stored id, for lists that hold served ids (search, exports).
    pub(crate) aliases: HashMap<String, String>,
    /// Indicators whose `indicator-expired` event was appended (by any node).
    pub(crate) announced: std::collections::HashSet<String>,
}

/// One indicator's inputs, as the score and the expiry check both need them.
struct Evaluated {
    inputs: Inputs,
    n_tp: u32,
    n_fp: u32,
    n_sightings: u32,
    revoked: bool,
    past_valid_until: bool,
}

/// What one solve works on: a copy of the verdicts, so the state is not locked while it runs.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    producer_of: Vec<u32>,
    producers: Names,
    consumers: Names,
    verdicts: Vec<Verdict>,
}

impl ScoreState {
    /// Replaces one indicator's feedback (as read from the records).
    pub(crate) fn set_feedback(&mut self, indicator: &str, entries: Vec<Feedback>) {
        if entries.is_empty() {
            self.feedback.remove(indicator);
        } else {
            self.feedback.insert(indicator.to_owned(), entries);
        }
        self.dirty = true;
    }

    /// The newcomer's weight: the consumer prior's (see `consensus::Params::consumer_prior`).
    fn prior_weight() -> f64 {
        let (agree, disagree) = consensus::Params::default().consumer_prior;
        (2.0 * agree / (agree + disagree) - 1.0).clamp(0.0, 1.0)
    }

    /// The prior reliability of a producer nobody judged yet.
    fn prior_reliability() -> f64 {
        let (alpha, beta) = consensus::Params::default().producer_prior;
        alpha / (alpha + beta)
    }

    pub(crate) fn weight(&self, account: &str) -> f64 {
        self.weights
            .get(account)
            .copied()
            .unwrap_or_else(Self::prior_weight)
    }

    pub(crate) fn reliability_of(&self, producer: &str) -> f64 {
        self.reliability
            .get(producer)
            .copied()
            .unwrap_or_else(Self::prior_reliability)
    }

    /// The verdicts to solve, copied out. A producer's verdicts on its own indicators never count.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let mut snapshot = Snapshot::default();
        let mut indicator_ix: HashMap<&str, u32> = HashMap::with_capacity(self.indicators.len());
        for (id, facts) in &self.indicators {
            let ix = u32::try_from(snapshot.producer_of.len()).unwrap_or(u32::MAX);
            snapshot
                .producer_of
                .push(snapshot.producers.intern(&facts.producer));
            indicator_ix.insert(id.as_str(), ix);
        }
        for (id, entries) in &self.feedback {
            let Some(ix) = indicator_ix.get(id.as_str()) else {
                continue;
            };
            for entry in entries {
                if let Some(true_positive) = entry.effective() {
                    snapshot.verdicts.push(Verdict {
                        indicator: *ix,
                        consumer: snapshot.consumers.intern(&entry.account),
                        true_positive,
                        day: 0.0,
                    });
                }
            }
        }
        snapshot
    }

    /// Takes the answer of a solve of `snapshot`.
    pub(crate) fn take_solution(&mut self, snapshot: &Snapshot, answer: &Consensus) {
        self.weights = snapshot
            .consumers
            .names
            .iter()
            .cloned()
            .zip(answer.consumer_weight.iter().copied())
            .collect();
        self.reliability = snapshot
            .producers
            .names
            .iter()
            .cloned()
            .zip(answer.producer_reliability.iter().copied())
            .collect();
    }

    fn evaluate(&self, facts: &IndicatorFacts, indicator: &str, now_micros: i64) -> Evaluated {
        let entries = self.feedback.get(indicator).map_or(&[][..], Vec::as_slice);
        let (mut tp, mut fp, mut n_tp, mut n_fp) = (0.0, 0.0, 0u32, 0u32);
        let mut refreshed = facts.base_micros;
        let mut n_sightings = 0u32;
        for entry in entries {
            let weight = self.weight(&entry.account);
            match entry.effective() {
                Some(true) => {
                    tp += weight;
                    n_tp += 1;
                }
                Some(false) => {
                    fp += weight;
                    n_fp += 1;
                }
                None => {}
            }
            n_sightings = n_sightings.saturating_add(entry.sightings);
            // Only a consumer the consensus believes refreshes the indicator.
            if weight > 0.0
                && let Some(seen) = entry.last_seen
            {
                refreshed = refreshed.max(seen);
            }
        }
        Evaluated {
            inputs: Inputs {
                kind: facts.kind,
                producer_reliability: self.reliability_of(&facts.producer),
                weighted_tp: tp,
                weighted_fp: fp,
                days_since_refresh: ((now_micros - refreshed) as f64 / DAY_MICROS).max(0.0),
            },
            n_tp,
            n_fp,
            n_sightings,
            revoked: facts.revoked,
            past_valid_until: facts.valid_until.is_some_and(|until| until <= now_micros),
        }
    }

    /// The indicators that should be announced expired now (not yet announced): `(id, collection, reason,
    /// score)`, reason `revoked`, `valid_until` or `score` (below `threshold`).
    pub(crate) fn expiring(&self, now_micros: i64, threshold: u8) -> Vec<(String, String, &'static str, u8)> {
        let params = model::Params::default();
        let mut due = Vec::new();
        for (id, facts) in &self.indicators {
            if self.announced.contains(id) {
                continue;
            }
            let evaluated = self.evaluate(facts, id, now_micros);
            let score = (model::raw(&evaluated.inputs, &params).0 * 100.0)
                .round()
                .clamp(0.0, 100.0) as u8;
            let reason = if evaluated.revoked {
                "revoked"
            } else if evaluated.past_valid_until {
                "valid_until"
            } else if score < threshold {
                "score"
            } else {
                continue;
            };
            let score = if reason == "score" { score } else { 0 };
            due.push((id.clone(), facts.collection.clone(), reason, score));
        }
        due
    }

    /// The score of `indicator` at `now_micros`; `None` when the state does not know it.
    pub(crate) fn score(&self, indicator: &str, now_micros: i64) -> Option<ScoreView> {
        let facts = self.indicators.get(indicator)?;
        let Evaluated {
            inputs,
            n_tp,
            n_fp,
            n_sightings,
            revoked,
            past_valid_until,
        } = self.evaluate(facts, indicator, now_micros);
        let (tp, fp, days, reliability) = (
            inputs.weighted_tp,
            inputs.weighted_fp,
            inputs.days_since_refresh,
            inputs.producer_reliability,
        );
        let params = model::Params::default();
        let computed = model::score(&inputs, &params);
        let expired = revoked || past_valid_until;
        let mut explanation: Vec<Value> = Vec::with_capacity(3);
        for term in &computed.explanation {
            let numbers = match term.name {
                "good" => json!({
                    "producer_reliability": reliability,
                    "producer_strength": params.producer_strength,
                    "weighted_true_positives": tp,
                    "weighted_false_positives": fp,
                    "true_positive_reports": n_tp,
                    "false_positive_reports": n_fp,
                }),
                _ => json!({
                    "kind": format!("{:?}", facts.kind).to_lowercase(),
                    "days_since_refresh": days,
                    "half_life_days": params.half_life(facts.kind),
                    "sightings": n_sightings,
                }),
            };
            explanation.push(json!({
                "term": term.name,
                "value": term.value,
                "inputs": numbers,
                "description": term.inputs,
            }));
        }
        explanation.push(json!({
            "term": "valid",
            "value": if expired { 0.0 } else { 1.0 },
            "inputs": {"revoked": revoked, "valid_until_passed": past_valid_until},
            "description": if expired { "revoked or past its valid_until: scored 0" } else { "in force" },
        }));
        Some(ScoreView {
            score: if expired { 0 } else { computed.score },
            explanation,
        })
    }

    /// The scorecard of `org` as a producer.
    pub(crate) fn scorecard(&self, org: &str) -> Scorecard {
        let mut card = Scorecard {
            org: org.to_owned(),
            reliability: self.reliability_of(org),
            ..Scorecard::default()
        };
        let mut hours = Vec::new();
        for (id, facts) in &self.indicators {
            if facts.producer != org {
                continue;
            }
            card.shared += 1;
            let entries = self.feedback.get(id).map_or(&[][..], Vec::as_slice);
            let mut first: Option<i64> = None;
            for entry in entries {
                match entry.effective() {
                    Some(true) => card.true_positives += 1,
                    Some(false) => card.false_positives += 1,
                    None => {}
                }
                if entry.sightings > 0 {
                    let seen = entry.first_seen.unwrap_or(facts.shared_micros);
                    first = Some(first.map_or(seen, |f| f.min(seen)));
                }
            }
            if let Some(first) = first {
                card.sighted += 1;
                hours.push(((first - facts.shared_micros).max(0)) as f64 / 3_600_000_000.0);
            }
        }
        card.median_hours_to_first_sighting = median(&mut hours);
        card
    }

    /// The stored id of an id some reader is served.
    pub(crate) fn stored_id<'a>(&'a self, served: &'a str) -> &'a str {
        self.aliases.get(served).map_or(served, String::as_str)
    }

    /// Every producer the state knows, sorted.
    pub(crate) fn producers(&self) -> Vec<String> {
        let mut all: Vec<String> = self.indicators.values().map(|f| f.producer.clone()).collect();
        all.sort();
        all.dedup();
        all
    }
}

impl Snapshot {
    /// Solves the consensus (CPU-bound: run it off the async runtime).
    pub(crate) fn solve(&self) -> Consensus {
        consensus::solve(
            &self.producer_of,
            self.producers.names.len(),
            self.consumers.names.len(),
            &self.verdicts,
            &consensus::Params::default(),
        )
    }
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// The observable kind of an indicator's pattern: the object type of its first comparison.
pub(crate) fn kind_of_pattern(pattern: &str) -> Kind {
    let Some(start) = pattern.find('[') else {
        return Kind::Other;
    };
    let rest = pattern[start + 1..].trim_start();
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Kind::of_type(&name)
}

/// The facts of an indicator from its bytes, or `None` when they are not an indicator.
pub(crate) fn facts_of(
    raw: &str,
    producer: String,
    shared_micros: i64,
    collection: &str,
) -> Option<IndicatorFacts> {
    let value: Value = serde_json::from_str(raw).ok()?;
    if value.get("type")?.as_str()? != "indicator" {
        return None;
    }
    let micros = |field: &str| {
        let text = value.get(field)?.as_str()?;
        let parsed = stix::timestamp::Timestamp::parse(text).ok()?;
        i64::try_from(parsed.unix_nanos() / 1000).ok()
    };
    Some(IndicatorFacts {
        producer,
        kind: value
            .get("pattern")
            .and_then(Value::as_str)
            .map_or(Kind::Other, kind_of_pattern),
        base_micros: micros("valid_from")
            .or_else(|| micros("created"))
            .unwrap_or(shared_micros),
        valid_until: micros("valid_until"),
        revoked: value.get("revoked").and_then(Value::as_bool).unwrap_or(false),
        shared_micros,
        collection: collection.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(producer: &str) -> IndicatorFacts {
        IndicatorFacts {
            producer: producer.to_owned(),
            kind: Kind::Ip,
            base_micros: 0,
            valid_until: None,
            revoked: false,
            shared_micros: 0,
            collection: "c".to_owned(),
        }
    }

    fn verdict(account: &str, tp: bool) -> Feedback {
        Feedback {
            account: account.to_owned(),
            verdict: Some(tp),
            ..Feedback::default()
        }
    }

    #[test]
    fn a_false_positive_lowers_the_score_at_once_and_the_solve_moves_the_producer() {
        let mut state = ScoreState::default();
        state.indicators.insert("indicator--a".into(), facts("good-org"));
        state.indicators.insert("indicator--b".into(), facts("good-org"));
        let before = state.score("indicator--a", 0).expect("known").score;
        state.set_feedback("indicator--a", vec![verdict("c1", false)]);
        let after = state.score("indicator--a", 0).expect("known").score;
        assert!(after < before, "{before} -> {after}");
        let snapshot = state.snapshot();
        let answer = snapshot.solve();
        state.take_solution(&snapshot, &answer);
        assert!(state.reliability_of("good-org") < 0.5);
        let card = state.scorecard("good-org");
        assert_eq!(
            (card.shared, card.false_positives, card.true_positives),
            (2, 1, 0)
        );
    }

    #[test]
    fn expired_and_revoked_indicators_score_zero() {
        let mut state = ScoreState::default();
        let mut gone = facts("p");
        gone.valid_until = Some(10);
        state.indicators.insert("indicator--x".into(), gone);
        assert_eq!(state.score("indicator--x", 11).expect("known").score, 0);
        assert!(state.score("indicator--x", 5).expect("known").score > 0);
        assert!(state.expiring(5, 20).is_empty());
        let due = state.expiring(11, 20);
        assert_eq!(
            due,
            vec![("indicator--x".to_owned(), "c".to_owned(), "valid_until", 0)]
        );
        state.announced.insert("indicator--x".to_owned());
        assert!(state.expiring(11, 20).is_empty());
    }

    #[test]
    fn pattern_kinds() {
        assert_eq!(kind_of_pattern("[ipv4-addr:value = '1.2.3.4']"), Kind::Ip);
        assert_eq!(kind_of_pattern("([ url:value = 'x'])"), Kind::Url);
        assert_eq!(kind_of_pattern("[file:hashes.MD5 = 'x']"), Kind::FileHash);
        assert_eq!(kind_of_pattern("nonsense"), Kind::Other);
    }
}
