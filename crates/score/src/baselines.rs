//! The peers' models, for comparison on the same data (issue 15 cites them):
//! - OpenCTI's decay: `base × (1 − (d/L)^(1/(3·pound)))`, d days since creation, L the lifetime of the kind
//!   (IP/URL 47 days), `pound` its steepness;
//! - MISP's polynomial ("NIDS simple decaying") model: `base × (1 − (t/τ)^(1/δ))`, t days since the last
//!   sighting (else creation), τ 120 days, δ 2;
//! - the same polynomial times the share of sightings that were not false positives, MISP's one model that
//!   counts them.
//!
//! Each clamps at 0 past its lifetime.

/// OpenCTI's decay of a base score `base` after `days` of a kind with lifetime `lifetime` days.
pub fn opencti(base: f64, days: f64, lifetime: f64, pound: f64) -> f64 {
    let ratio = (days.max(0.0) / lifetime.max(f64::MIN_POSITIVE)).min(1.0);
    base * (1.0 - ratio.powf(1.0 / (3.0 * pound.max(f64::MIN_POSITIVE))))
}

/// MISP's polynomial decay of `base` after `days` since the last sighting.
pub fn misp_polynomial(base: f64, days: f64, tau: f64, delta: f64) -> f64 {
    let ratio = (days.max(0.0) / tau.max(f64::MIN_POSITIVE)).min(1.0);
    base * (1.0 - ratio.powf(1.0 / delta.max(f64::MIN_POSITIVE)))
}

/// The polynomial decay times the share of true positives among the sightings (Laplace-smoothed).
pub fn misp_sightings(base: f64, days: f64, tau: f64, delta: f64, tp: f64, fp: f64) -> f64 {
    misp_polynomial(base, days, tau, delta) * (tp + 1.0) / (tp + fp + 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cited_landmarks_hold() {
        // MISP: base 80, τ 120, δ 2 reaches the threshold 30 after about 47 days without a sighting.
        let day = (0..200).find(|d| misp_polynomial(80.0, f64::from(*d), 120.0, 2.0) < 30.0);
        assert_eq!(day, Some(47));
        // OpenCTI: lifetime 47 days, the score is gone at the end of the lifetime.
        assert_eq!(opencti(100.0, 47.0, 47.0, 1.0), 0.0);
        assert!(opencti(100.0, 1.0, 47.0, 1.0) < 100.0);
        assert!(misp_sightings(80.0, 0.0, 120.0, 2.0, 0.0, 8.0) < 10.0);
    }
}
