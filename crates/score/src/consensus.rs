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
///
/// Speed (1 M indicators, 3.3 M verdicts in BENCHMARKS.md): the verdicts are grouped by indicator once
/// (a counting sort into compact 8-byte entries), so every round is two sequential passes over them — one
/// summing each indicator's weighted verdicts, one crediting each consumer's agreement — instead of random
/// accesses into per-indicator arrays; a consumer's verdict count does not change between rounds and is
/// counted once.
pub fn solve(
    producer_of: &[u32],
    n_producers: usize,
    n_consumers: usize,
    verdicts: &[Verdict],
    params: &Params,
) -> Consensus {
    let n_indicators = producer_of.len();
    let grouped = Grouped::new(n_indicators, n_consumers, verdicts);
    let (agree0, disagree0) = params.consumer_prior;
    let mut seen = vec![agree0 + disagree0; n_consumers];
    for entry in &grouped.entries {
        seen[entry.consumer()] += 1.0;
    }
    let mut answer = Consensus {
        consumer_weight: vec![weight_of(agree0, agree0 + disagree0); n_consumers],
        weighted_tp: vec![0.0; n_indicators],
        weighted_fp: vec![0.0; n_indicators],
        good: vec![0.0; n_indicators],
        ..Consensus::default()
    };
    let (alpha, beta) = params.producer_prior;
    let mut producer_tp = vec![0.0; n_producers];
    let mut producer_all = vec![0.0; n_producers];
    let mut agree = vec![0.0; n_consumers];
    for _ in 0..params.rounds.max(1) {
        producer_tp.fill(alpha);
        producer_all.fill(alpha + beta);
        for (i, producer) in producer_of.iter().enumerate() {
            let (mut tp, mut fp) = (0.0, 0.0);
            for entry in grouped.of(i) {
                let weight = answer.consumer_weight[entry.consumer()];
                if entry.true_positive() {
                    tp += weight;
                } else {
                    fp += weight;
                }
            }
            answer.weighted_tp[i] = tp;
            answer.weighted_fp[i] = fp;
            if let (Some(ptp), Some(pall)) = (
                producer_tp.get_mut(*producer as usize),
                producer_all.get_mut(*producer as usize),
            ) {
                *ptp += tp;
                *pall += tp + fp;
            }
        }
        answer.producer_reliability = producer_tp
            .iter()
            .zip(&producer_all)
            .map(|(tp, all)| tp / all)
            .collect();
        agree.fill(agree0);
        for (i, producer) in producer_of.iter().enumerate() {
            let prior = answer
                .producer_reliability
                .get(*producer as usize)
                .copied()
                .unwrap_or(0.5);
            let good = posterior(
                prior,
                params.producer_strength,
                answer.weighted_tp[i],
                answer.weighted_fp[i],
            );
            answer.good[i] = good;
            for entry in grouped.of(i) {
                agree[entry.consumer()] += if entry.true_positive() { good } else { 1.0 - good };
            }
        }
        for ((weight, a), n) in answer.consumer_weight.iter_mut().zip(&agree).zip(&seen) {
            *weight = weight_of(*a, *n);
        }
    }
    answer
}

/// One verdict in 8 bytes: the consumer in the low 31 bits of `packed`, the verdict in the top bit.
#[derive(Debug, Clone, Copy)]
struct Entry {
    packed: u32,
}

impl Entry {
    const TRUE_POSITIVE: u32 = 1 << 31;

    fn consumer(self) -> usize {
        (self.packed & !Self::TRUE_POSITIVE) as usize
    }

    fn true_positive(self) -> bool {
        self.packed & Self::TRUE_POSITIVE != 0
    }
}

/// The verdicts grouped by indicator (compressed sparse rows): indicator `i`'s are
/// `entries[starts[i]..starts[i + 1]]`.
struct Grouped {
    starts: Vec<u32>,
    entries: Vec<Entry>,
}

impl Grouped {
    fn new(n_indicators: usize, n_consumers: usize, verdicts: &[Verdict]) -> Grouped {
        let usable = |v: &Verdict| {
            (v.indicator as usize) < n_indicators
                && (v.consumer as usize) < n_consumers
                && v.consumer < Entry::TRUE_POSITIVE
        };
        let mut starts = vec![0u32; n_indicators + 1];
        for verdict in verdicts.iter().filter(|v| usable(v)) {
            starts[verdict.indicator as usize + 1] += 1;
        }
        for i in 0..n_indicators {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut entries = vec![Entry { packed: 0 }; starts[n_indicators] as usize];
        for verdict in verdicts.iter().filter(|v| usable(v)) {
            let slot = &mut next[verdict.indicator as usize];
            entries[*slot as usize] = Entry {
                packed: verdict.consumer
                    | if verdict.true_positive {
                        Entry::TRUE_POSITIVE
                    } else {
                        0
                    },
            };
            *slot += 1;
        }
        Grouped { starts, entries }
    }

    fn of(&self, indicator: usize) -> &[Entry] {
        &self.entries[self.starts[indicator] as usize..self.starts[indicator + 1] as usize]
    }
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
