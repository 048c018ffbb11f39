//! Who to believe: each consumer's weight from its agreement with the others, each producer's reliability from
//! the weighted verdicts on its indicators, each indicator's probability of being good from both.
//!
//! A fixpoint in the spirit of Dawid and Skene (1979), kept to one number per consumer: start by trusting every
//! consumer a little, estimate every indicator, re-weigh each consumer by how often its verdicts agree with the
//! estimates of the indicators it judged, and repeat a few rounds. A consumer that reports at random weighs about
//! nothing, one that contradicts the others weighs nothing (weights are clamped at zero, never negative, so a
//! liar cannot be inverted into evidence either), and a producer is judged by the weighted verdicts only.

use crate::Verdict;

/// The constants of the fixpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Rounds of re-weighing.
    pub rounds: usize,
    /// A consumer's prior agreement, as (agreeing, disagreeing) pseudo-verdicts: (3, 1) trusts a newcomer half.
    pub consumer_prior: (f64, f64),
    /// A producer's prior reliability, as Beta(alpha, beta) pseudo-counts of true and false positives.
    pub producer_prior: (f64, f64),
    /// How many verdicts the producer's reliability counts for when judging one of its indicators.
    pub producer_strength: f64,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            rounds: 5,
            consumer_prior: (3.0, 1.0),
            producer_prior: (1.0, 1.0),
            producer_strength: 2.0,
        }
    }
}

/// The fixpoint's answer.
#[derive(Debug, Clone, Default)]
pub struct Consensus {
    /// Per consumer: the weight of its verdicts, 0–1.
    pub consumer_weight: Vec<f64>,
    /// Per producer: the Beta mean of its weighted true and false positives.
    pub producer_reliability: Vec<f64>,
    /// Per indicator: weighted true positives.
    pub weighted_tp: Vec<f64>,
    /// Per indicator: weighted false positives.
    pub weighted_fp: Vec<f64>,
    /// Per indicator: the probability that it is good, from its producer and its own verdicts.
    pub good: Vec<f64>,
}

/// Solves the fixpoint. `producer_of[i]` is indicator `i`'s producer (< `n_producers`); every verdict's
/// indicator is < `producer_of.len()` and consumer < `n_consumers` (others are ignored).
pub fn solve(
    producer_of: &[u32],
    n_producers: usize,
    n_consumers: usize,
    verdicts: &[Verdict],
    params: &Params,
) -> Consensus {
    let n_indicators = producer_of.len();
    let verdicts: Vec<&Verdict> = verdicts
        .iter()
        .filter(|v| (v.indicator as usize) < n_indicators && (v.consumer as usize) < n_consumers)
        .collect();
    let (agree0, disagree0) = params.consumer_prior;
    let mut answer = Consensus {
        consumer_weight: vec![weight_of(agree0, agree0 + disagree0); n_consumers],
        ..Consensus::default()
    };
    for _ in 0..params.rounds.max(1) {
        answer.weighted_tp = vec![0.0; n_indicators];
        answer.weighted_fp = vec![0.0; n_indicators];
        for verdict in &verdicts {
            let weight = answer.consumer_weight[verdict.consumer as usize];
            let slot = if verdict.true_positive {
                &mut answer.weighted_tp
            } else {
                &mut answer.weighted_fp
            };
            slot[verdict.indicator as usize] += weight;
        }
        let (alpha, beta) = params.producer_prior;
        let mut tp = vec![alpha; n_producers];
        let mut all = vec![alpha + beta; n_producers];
        for (i, producer) in producer_of.iter().enumerate() {
            if let (Some(tp), Some(all)) = (tp.get_mut(*producer as usize), all.get_mut(*producer as usize)) {
                *tp += answer.weighted_tp[i];
                *all += answer.weighted_tp[i] + answer.weighted_fp[i];
            }
        }
        answer.producer_reliability = tp.iter().zip(&all).map(|(tp, all)| tp / all).collect();
        answer.good = (0..n_indicators)
            .map(|i| {
                let prior = answer
                    .producer_reliability
                    .get(producer_of[i] as usize)
                    .copied()
                    .unwrap_or(0.5);
                posterior(
                    prior,
                    params.producer_strength,
                    answer.weighted_tp[i],
                    answer.weighted_fp[i],
                )
            })
            .collect();
        let mut agree = vec![agree0; n_consumers];
        let mut seen = vec![agree0 + disagree0; n_consumers];
        for verdict in &verdicts {
            let good = answer.good[verdict.indicator as usize];
            agree[verdict.consumer as usize] += if verdict.true_positive { good } else { 1.0 - good };
            seen[verdict.consumer as usize] += 1.0;
        }
        answer.consumer_weight = agree.iter().zip(&seen).map(|(a, n)| weight_of(*a, *n)).collect();
    }
    answer
}

/// The probability an indicator is good: its producer's reliability counted as `strength` verdicts, updated by
/// its own weighted verdicts.
pub fn posterior(producer_reliability: f64, strength: f64, tp: f64, fp: f64) -> f64 {
    (strength * producer_reliability + tp) / (strength + tp + fp)
}

/// A consumer's weight from its agreement rate: 0 at chance (or worse), 1 when it always agrees.
fn weight_of(agree: f64, seen: f64) -> f64 {
    (2.0 * agree / seen - 1.0).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(indicator: u32, consumer: u32, true_positive: bool) -> Verdict {
        Verdict {
            indicator,
            consumer,
            true_positive,
            day: 0.0,
        }
    }

    #[test]
    fn a_consumer_contradicting_everyone_loses_its_weight_and_cannot_sink_a_good_producer() {
        // Producer 0: ten indicators, each confirmed by consumers 0..3; consumer 9 calls all of them false.
        let producer_of = vec![0; 10];
        let mut verdicts = Vec::new();
        for i in 0..10 {
            for c in 0..3 {
                verdicts.push(verdict(i, c, true));
            }
            verdicts.push(verdict(i, 9, false));
        }
        let answer = solve(&producer_of, 1, 10, &verdicts, &Params::default());
        assert_eq!(answer.consumer_weight[9], 0.0);
        assert!(answer.consumer_weight[0] > 0.8, "{:?}", answer.consumer_weight);
        assert!(answer.producer_reliability[0] > 0.9);
        assert!(answer.good.iter().all(|good| *good > 0.9));
    }

    #[test]
    fn a_producer_whose_indicators_are_refuted_is_unreliable_and_its_unjudged_indicators_inherit_it() {
        let producer_of = vec![0, 0, 0, 0, 1, 1];
        let verdicts: Vec<Verdict> = (0..3u32)
            .flat_map(|i| (0..3u32).map(move |c| verdict(i, c, false)))
            .chain((0..3u32).map(|c| verdict(4, c, true)))
            .collect();
        let answer = solve(&producer_of, 2, 3, &verdicts, &Params::default());
        assert!(
            answer.producer_reliability[0] < 0.2,
            "{:?}",
            answer.producer_reliability
        );
        assert!(answer.good[3] < 0.3 && answer.good[5] > 0.6, "{:?}", answer.good);
    }

    #[test]
    fn out_of_range_verdicts_are_ignored() {
        let answer = solve(
            &[0],
            1,
            1,
            &[verdict(7, 0, false), verdict(0, 5, false)],
            &Params::default(),
        );
        assert_eq!(answer.weighted_fp, vec![0.0]);
    }
}
