//! [`IndicatorRecord`]: the parts of a STIX indicator the index uses, read from its JSON form.
//!
//! Only what matching needs is kept: the id, the version (`modified`), the validity window, whether it is
//! revoked, and the parsed pattern. Everything else of the indicator stays with the caller.

use serde_json::Value;
use stix_pattern::ast::{ComparisonExpr, ObservationExpr, Pattern};

use crate::error::MatcherError;
use crate::time::Moment;

/// One version of an indicator, ready for the index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRecord {
    /// The indicator's `id` (`indicator--…`).
    pub id: String,
    /// Its `modified` (or, when absent, `created`): which of two versions is newer.
    pub modified: Moment,
    /// `valid_from`: before this the indicator matches nothing. `None` means "always".
    pub valid_from: Option<Moment>,
    /// `valid_until` (exclusive): from this moment on the indicator matches nothing.
    pub valid_until: Option<Moment>,
    /// `revoked`: a revoked indicator is removed and never comes back.
    pub revoked: bool,
    /// The `pattern` text (parsed when the record is inserted; the index keeps only the text, about a third
    /// of the memory of the tree, and parses it again for the few indicators that are candidates).
    pub pattern: String,
}

impl IndicatorRecord {
    /// Reads an indicator object.
    ///
    /// # Errors
    /// When the object is not an indicator, lacks `id`, `pattern` or a version timestamp, has a malformed
    /// timestamp, or a `pattern_type` other than `stix`. (The pattern is checked by the insertion.)
    pub fn from_json(indicator: &Value) -> Result<IndicatorRecord, MatcherError> {
        let object = indicator
            .as_object()
            .ok_or(MatcherError::NotAnObject("the indicator"))?;
        let string = |property: &'static str| object.get(property).and_then(Value::as_str);
        let object_type = string("type").ok_or(MatcherError::MissingProperty { property: "type" })?;
        if object_type != "indicator" {
            return Err(MatcherError::WrongType {
                expected: "indicator",
                found: object_type.to_owned(),
            });
        }
        let id = string("id").ok_or(MatcherError::MissingProperty { property: "id" })?;
        if let Some(pattern_type) = string("pattern_type")
            && pattern_type != "stix"
        {
            return Err(MatcherError::NotAStixPattern(pattern_type.to_owned()));
        }
        let timestamp = |property: &'static str| -> Result<Option<Moment>, MatcherError> {
            match string(property) {
                None => Ok(None),
                Some(text) => Moment::parse(text)
                    .map(Some)
                    .ok_or_else(|| MatcherError::BadTimestamp {
                        property,
                        text: text.to_owned(),
                    }),
            }
        };
        let modified = match timestamp("modified")? {
            Some(modified) => modified,
            None => timestamp("created")?.ok_or(MatcherError::MissingProperty { property: "modified" })?,
        };
        let pattern_text = string("pattern").ok_or(MatcherError::MissingProperty { property: "pattern" })?;

        Ok(IndicatorRecord {
            id: id.to_owned(),
            modified,
            valid_from: timestamp("valid_from")?,
            valid_until: timestamp("valid_until")?,
            revoked: object.get("revoked").and_then(Value::as_bool).unwrap_or(false),
            pattern: pattern_text.to_owned(),
        })
    }
}

/// Parses a pattern text for the index.
pub(crate) fn parse_pattern(text: &str) -> Result<Pattern, MatcherError> {
    stix_pattern::parse(text).map_err(|errors| {
        let message = errors
            .first()
            .map_or_else(|| "unknown error".to_owned(), ToString::to_string);
        MatcherError::InvalidPattern(message)
    })
}

/// The observation expressions (`[…]`) of a pattern, left to right; a leaf's position is its number.
pub(crate) fn leaves(pattern: &Pattern) -> Vec<&ComparisonExpr> {
    let mut out = Vec::new();
    collect_leaves(&pattern.expression, &mut out);
    out
}

fn collect_leaves<'a>(expr: &'a ObservationExpr, out: &mut Vec<&'a ComparisonExpr>) {
    match expr {
        ObservationExpr::Observation(comparison) => out.push(comparison),
        ObservationExpr::And(left, right)
        | ObservationExpr::Or(left, right)
        | ObservationExpr::FollowedBy(left, right) => {
            collect_leaves(left, out);
            collect_leaves(right, out);
        }
        ObservationExpr::Qualified(inner, _) => collect_leaves(inner, out),
    }
}
