//! The feedback simulation of issue 15: producers of varying quality (some noisy, some stale), consumers of
//! varying reliability (some malicious), indicators with a known truth; the AUC of "still good at the end" for
//! the hub's score and the peers' baselines, on one run, with and without the malicious consumers.
//!
//! `cargo run --release -p score --example simulate -- [--seed N] [--producers N] [--consumers N]
//!  [--indicators N] [--malicious FRACTION] [--days N]` (defaults: 1, 50, 500, 100000, 0.05, 365).
//! Parameters and the model are documented in BENCHMARKS.md ("Feedback and scores").

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line report

use std::time::Instant;

use score::auc::auc;
use score::baselines::{misp_polynomial, misp_sightings, opencti};
use score::consensus::{self, Params};
use score::model::{self, Inputs};
use score::{Kind, Verdict};

/// SplitMix64: a small, seeded, reproducible generator (no dependency).
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }
    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
}

struct Config {
    seed: u64,
    producers: usize,
    consumers: usize,
    indicators: usize,
    malicious: f64,
    days: f64,
}

struct Producer {
    quality: f64,
    stale: bool,
    claimed: f64,
}

struct Indicator {
    producer: u32,
    kind: Kind,
    created: f64,
    real: bool,
    lifetime: f64,
}

fn main() {
    let config = parse_args();
    println!(
        "seed {} · {} producers · {} consumers ({:.0} % malicious) · {} indicators · {} days",
        config.seed,
        config.producers,
        config.consumers,
        config.malicious * 100.0,
        config.indicators,
        config.days
    );
    let with = run(&config, config.malicious);
    let without = run(&config, 0.0);
    println!("{:<28} {:>10} {:>14}", "model", "AUC", "AUC, honest");
    for ((name, auc_with), (_, auc_without)) in with.iter().zip(&without) {
        println!("{name:<28} {auc_with:>10.4} {auc_without:>14.4}");
    }
    let best_baseline = with[1..].iter().map(|(_, a)| *a).fold(0.0, f64::max);
    println!(
        "hub − best baseline: {:+.4} (target ≥ +0.05); malicious consumers cost the hub {:.4} AUC (target ≤ 0.02)",
        with[0].1 - best_baseline,
        without[0].1 - with[0].1
    );
}

/// One run: (model name, AUC) for the hub and each baseline.
fn run(config: &Config, malicious: f64) -> Vec<(&'static str, f64)> {
    let mut rng = Rng(config.seed);
    let producers: Vec<Producer> = (0..config.producers)
        .map(|p| {
            // A fifth noisy (mostly wrong), a fifth stale (right once, but long past), the rest decent to good.
            let (quality, stale) = match p % 5 {
                0 => (rng.range(0.1, 0.4), false),
                1 => (rng.range(0.6, 0.95), true),
                _ => (rng.range(0.6, 0.98), false),
            };
            // What producers claim says nothing of their quality: the baselines' base score.
            Producer {
                quality,
                stale,
                claimed: rng.range(50.0, 100.0),
            }
        })
        .collect();
    let indicators: Vec<Indicator> = (0..config.indicators)
        .map(|_| {
            let producer = rng.below(producers.len());
            let kind = match rng.below(20) {
                0..=7 => Kind::Ip,
                8..=12 => Kind::Domain,
                13..=15 => Kind::Url,
                16..=18 => Kind::FileHash,
                _ => Kind::Email,
            };
            // True lifetimes (not the model's half-lives): addresses weeks, names months, hashes years.
            let mean = match kind {
                Kind::Ip => 45.0,
                Kind::Url => 40.0,
                Kind::Domain => 120.0,
                Kind::Email => 150.0,
                _ => 1000.0,
            };
            let stale_factor = if producers[producer].stale { 0.15 } else { 1.0 };
            Indicator {
                producer: producer as u32,
                kind,
                created: rng.range(0.0, config.days),
                real: rng.unit() < producers[producer].quality,
                lifetime: rng.exponential(mean) * stale_factor,
            }
        })
        .collect();
    // Consumers: reliability 0.65–0.98; activity such that an indicator gets about 3 verdicts on average.
    let n_malicious = (config.consumers as f64 * malicious).round() as usize;
    let per_consumer = 3.0 * config.indicators as f64 / config.consumers as f64;
    let mut verdicts = Vec::new();
    for consumer in 0..config.consumers {
        let is_malicious = consumer < n_malicious;
        let reliability = rng.range(0.65, 0.98);
        let activity = per_consumer * rng.range(0.2, 1.8) * if is_malicious { 3.0 } else { 1.0 };
        for _ in 0..activity.round() as usize {
            let i = rng.below(indicators.len());
            let indicator = &indicators[i];
            let day = rng.range(indicator.created, config.days);
            let good_then = indicator.real && day - indicator.created < indicator.lifetime;
            let true_positive = if is_malicious {
                false
            } else if rng.unit() < reliability {
                good_then
            } else {
                !good_then
            };
            verdicts.push(Verdict {
                indicator: i as u32,
                consumer: consumer as u32,
                true_positive,
                day,
            });
        }
    }
    let truth: Vec<bool> = indicators
        .iter()
        .map(|i| i.real && config.days - i.created < i.lifetime)
        .collect();

    let started = Instant::now();
    let producer_of: Vec<u32> = indicators.iter().map(|i| i.producer).collect();
    let solved = consensus::solve(
        &producer_of,
        producers.len(),
        config.consumers,
        &verdicts,
        &Params::default(),
    );
    // The newest sighting with weight refreshes an indicator.
    let mut refreshed: Vec<f64> = indicators.iter().map(|i| i.created).collect();
    let (mut tp, mut fp) = (vec![0.0f64; indicators.len()], vec![0.0f64; indicators.len()]);
    let mut last_sighting: Vec<f64> = refreshed.clone();
    for verdict in &verdicts {
        let i = verdict.indicator as usize;
        if verdict.true_positive {
            tp[i] += 1.0;
            last_sighting[i] = last_sighting[i].max(verdict.day);
            if solved.consumer_weight[verdict.consumer as usize] > 0.0 {
                refreshed[i] = refreshed[i].max(verdict.day);
            }
        } else {
            fp[i] += 1.0;
        }
    }
    let params = model::Params::default();
    let hub: Vec<f64> = indicators
        .iter()
        .enumerate()
        .map(|(i, indicator)| {
            let inputs = Inputs {
                kind: indicator.kind,
                producer_reliability: solved.producer_reliability[indicator.producer as usize],
                weighted_tp: solved.weighted_tp[i],
                weighted_fp: solved.weighted_fp[i],
                days_since_refresh: config.days - refreshed[i],
            };
            model::raw(&inputs, &params).0
        })
        .collect();
    let elapsed = started.elapsed();
    eprintln!(
        "hub scores of {} indicators from {} verdicts in {:.3} s (malicious {:.0} %)",
        indicators.len(),
        verdicts.len(),
        elapsed.as_secs_f64(),
        malicious * 100.0
    );
    let base = |i: &Indicator| producers[i.producer as usize].claimed;
    let opencti_lifetime = |kind: Kind| match kind {
        Kind::Ip | Kind::Url => 47.0,
        Kind::Domain | Kind::Email => 180.0,
        _ => 365.0,
    };
    let opencti_scores: Vec<f64> = indicators
        .iter()
        .map(|i| opencti(base(i), config.days - i.created, opencti_lifetime(i.kind), 1.0))
        .collect();
    let misp_scores: Vec<f64> = indicators
        .iter()
        .enumerate()
        .map(|(n, i)| misp_polynomial(base(i), config.days - last_sighting[n], 120.0, 2.0))
        .collect();
    let sightings_scores: Vec<f64> = indicators
        .iter()
        .enumerate()
        .map(|(n, i)| misp_sightings(base(i), config.days - last_sighting[n], 120.0, 2.0, tp[n], fp[n]))
        .collect();
    let score = |scores: &[f64]| auc(scores, &truth).unwrap_or(0.5);
    vec![
        ("hub (reliability + decay)", score(&hub)),
        ("OpenCTI decay", score(&opencti_scores)),
        ("MISP polynomial decay", score(&misp_scores)),
        ("MISP with false positives", score(&sightings_scores)),
    ]
}

fn parse_args() -> Config {
    let mut config = Config {
        seed: 1,
        producers: 50,
        consumers: 500,
        indicators: 100_000,
        malicious: 0.05,
        days: 365.0,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or_default();
        let bad = || -> ! {
            eprintln!("simulate: {} needs a number, got {value:?}", pair[0]);
            std::process::exit(2)
        };
        match pair[0].as_str() {
            "--seed" => config.seed = value.parse().unwrap_or_else(|_| bad()),
            "--producers" => config.producers = value.parse().unwrap_or_else(|_| bad()),
            "--consumers" => config.consumers = value.parse().unwrap_or_else(|_| bad()),
            "--indicators" => config.indicators = value.parse().unwrap_or_else(|_| bad()),
            "--malicious" => config.malicious = value.parse().unwrap_or_else(|_| bad()),
            "--days" => config.days = value.parse().unwrap_or_else(|_| bad()),
            other => {
                eprintln!("simulate: unknown option {other}");
                std::process::exit(2)
            }
        }
    }
    config
}
