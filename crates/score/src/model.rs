//! One indicator's score, 0–100, and its explanation: one term per input, each with the numbers it used.
//!
//! score = 100 × P(good) × decay, where
//! - P(good) = (s·R + TP) / (s + TP + FP) (`consensus::posterior`): the producer's reliability R counted as s
//!   verdicts, updated by the indicator's own true and false positives, each weighted by its consumer's weight;
//! - decay = 2^(−d / h(kind)), d the days since the indicator was last refreshed (its newest weighted sighting,
//!   else its `valid_from`/creation), h the half-life of its observable kind. Sightings refresh, so an address
//!   still being seen stays trusted; one nobody has seen for months fades at its kind's pace.

use crate::Kind;
use crate::consensus::posterior;

/// The constants of the model (documented defaults, chosen from the peers' lifetimes, not fitted to data).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Days for a score to halve without a refresh, per kind.
    pub half_life_days: Vec<(Kind, f64)>,
    /// How many verdicts the producer's reliability counts for (see `consensus::Params::producer_strength`).
    pub producer_strength: f64,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            // Addresses and URLs move within weeks (OpenCTI's IP/URL lifetime is 47 days), names within
            // months, a hash means its file for good.
            half_life_days: vec![
                (Kind::Ip, 30.0),
                (Kind::Url, 30.0),
                (Kind::Domain, 90.0),
                (Kind::Email, 120.0),
                (Kind::FileHash, 365.0),
                (Kind::Other, 180.0),
            ],
            producer_strength: 2.0,
        }
    }
}

impl Params {
    /// The half-life of a kind (the `Other` one when a kind is missing).
    pub fn half_life(&self, kind: Kind) -> f64 {
        let find = |wanted: Kind| {
            self.half_life_days
                .iter()
                .find(|(k, _)| *k == wanted)
                .map(|(_, h)| *h)
        };
        find(kind)
            .or_else(|| find(Kind::Other))
            .unwrap_or(180.0)
            .max(f64::MIN_POSITIVE)
    }
}

/// What one indicator's score is computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inputs {
    /// Its observable kind.
    pub kind: Kind,
    /// Its producer's reliability (`consensus`), 0–1.
    pub producer_reliability: f64,
    /// Its weighted true positives.
    pub weighted_tp: f64,
    /// Its weighted false positives.
    pub weighted_fp: f64,
    /// Days since it was last refreshed (never negative).
    pub days_since_refresh: f64,
}

/// One term of an explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// What it is.
    pub name: &'static str,
    /// Its value.
    pub value: f64,
    /// The inputs it used, in words and numbers.
    pub inputs: String,
}

/// A score with its explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// 0–100.
    pub score: u8,
    /// The terms whose product (× 100) is the score.
    pub explanation: Vec<Term>,
}

/// The score of one indicator.
pub fn score(inputs: &Inputs, params: &Params) -> Score {
    let (value, good, decay) = raw(inputs, params);
    let half_life = params.half_life(inputs.kind);
    Score {
        score: (value * 100.0).round().clamp(0.0, 100.0) as u8,
        explanation: vec![
            Term {
                name: "good",
                value: good,
                inputs: format!(
                    "producer reliability {:.3} counted as {} verdicts, weighted true positives {:.2}, weighted false positives {:.2}",
                    inputs.producer_reliability,
                    params.producer_strength,
                    inputs.weighted_tp,
                    inputs.weighted_fp
                ),
            },
            Term {
                name: "decay",
                value: decay,
                inputs: format!(
                    "{:.1} days since the last refresh, half-life {half_life} days ({:?})",
                    inputs.days_since_refresh, inputs.kind
                ),
            },
        ],
    }
}

/// (score 0–1, P(good), decay): the unrounded score, for ranking.
pub fn raw(inputs: &Inputs, params: &Params) -> (f64, f64, f64) {
    let reliability = inputs.producer_reliability.clamp(0.0, 1.0);
    let good = posterior(
        reliability,
        params.producer_strength,
        inputs.weighted_tp.max(0.0),
        inputs.weighted_fp.max(0.0),
    );
    let days = inputs.days_since_refresh.max(0.0);
    let decay = (-days / params.half_life(inputs.kind) * std::f64::consts::LN_2).exp();
    let value = if (good * decay).is_finite() {
        good * decay
    } else {
        0.0
    };
    (value, good, decay)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(days: f64) -> Inputs {
        Inputs {
            kind: Kind::Ip,
            producer_reliability: 0.9,
            weighted_tp: 2.0,
            weighted_fp: 0.0,
            days_since_refresh: days,
        }
    }

    #[test]
    fn a_score_halves_over_its_kinds_half_life_and_explains_itself() {
        let params = Params::default();
        let fresh = score(&inputs(0.0), &params);
        let old = score(&inputs(30.0), &params);
        assert_eq!(fresh.score, 95);
        assert_eq!(old.score, 48);
        assert_eq!(fresh.explanation.len(), 2);
        assert!(
            old.explanation[1].inputs.contains("30.0 days"),
            "{:?}",
            old.explanation
        );
    }

    #[test]
    fn nonsense_inputs_give_a_bounded_score() {
        let weird = Inputs {
            kind: Kind::Other,
            producer_reliability: f64::NAN,
            weighted_tp: -5.0,
            weighted_fp: f64::INFINITY,
            days_since_refresh: -3.0,
        };
        assert!(score(&weird, &Params::default()).score <= 100);
    }
}
