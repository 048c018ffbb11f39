//! Confidence scores for indicators (issue 15): how likely an indicator is still good, from what its consumers
//! said about it and about its producer's other indicators, and from its age.
//!
//! - [`consensus`] weighs every verdict by the reporting consumer's own reliability, found by agreement with the
//!   others (a few rounds of a Dawid–Skene-like fixpoint), and derives each producer's reliability from the
//!   weighted verdicts on its indicators (a Beta mean): a consumer flooding false positives loses its weight
//!   instead of sinking a good producer.
//! - [`model`] turns one indicator's inputs into a score in 0–100 with an explanation, one term per input.
//! - [`baselines`] are the peers' age-only and sightings models, for comparison on the same data.
//! - [`auc`] measures how well a score ranks good indicators above bad ones.
//!
//! Boundary: pure (no I/O, no clock): callers pass ages in days and verdicts as plain numbers.

pub mod auc;
pub mod baselines;
pub mod consensus;
pub mod model;

/// The observable kinds whose indicators decay at different speeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// IPv4 or IPv6 addresses: reassigned quickly.
    Ip,
    /// URLs.
    Url,
    /// Domain names.
    Domain,
    /// E-mail addresses.
    Email,
    /// File hashes: a hash never stops meaning its file.
    FileHash,
    /// Anything else.
    Other,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 6] = [
        Kind::Ip,
        Kind::Url,
        Kind::Domain,
        Kind::Email,
        Kind::FileHash,
        Kind::Other,
    ];

    /// The kind of a STIX SCO type name.
    pub fn of_type(name: &str) -> Kind {
        match name {
            "ipv4-addr" | "ipv6-addr" => Kind::Ip,
            "url" => Kind::Url,
            "domain-name" => Kind::Domain,
            "email-addr" => Kind::Email,
            "file" => Kind::FileHash,
            _ => Kind::Other,
        }
    }
}

/// One consumer's verdict on one indicator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// The indicator (an index into the caller's table).
    pub indicator: u32,
    /// The consumer (an index; never a name: scores do not need to know who).
    pub consumer: u32,
    /// True positive (a sighting that was real) or false positive.
    pub true_positive: bool,
    /// When, in days on the caller's clock.
    pub day: f64,
}
