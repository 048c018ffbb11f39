//! The one error type of the crate: what can be wrong with an indicator or an observation handed to the index.
//!
//! Matching itself never fails: a pattern the evaluator cannot decide is reported as not matching (and counted,
//! see `IndexStats::n_evaluation_errors`), so one bad indicator never hides the matches of the others.

/// Why an indicator or an observation was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MatcherError {
    /// The input is not a JSON object.
    #[error("{0} is not a JSON object")]
    NotAnObject(&'static str),
    /// The object's `type` is not the one expected here.
    #[error("expected an object of type `{expected}`, found `{found}`")]
    WrongType {
        /// The type this operation takes.
        expected: &'static str,
        /// The type found.
        found: String,
    },
    /// A required property is absent or not a string.
    #[error("`{property}` is missing or not a string")]
    MissingProperty {
        /// The property's name.
        property: &'static str,
    },
    /// A timestamp property does not have the STIX `YYYY-MM-DDTHH:MM:SS[.f]Z` form.
    #[error("`{property}` is not a STIX timestamp: `{text}`")]
    BadTimestamp {
        /// The property's name.
        property: &'static str,
        /// Its text.
        text: String,
    },
    /// The indicator's `pattern_type` is present and is not `stix`.
    #[error("pattern_type `{0}` is not `stix`")]
    NotAStixPattern(String),
    /// The pattern does not parse.
    #[error("invalid pattern: {0}")]
    InvalidPattern(String),
    /// The pattern uses a construct the evaluator cannot express (e.g. a look-around in `MATCHES`). Such an
    /// indicator is refused rather than indexed, so it can never silently fail to match.
    #[error("unsupported pattern: {0}")]
    Unsupported(String),
    /// The evaluator rejected an observed-data object (e.g. `number_observed` below 1).
    #[error("invalid observed-data: {0}")]
    InvalidObservation(String),
}
