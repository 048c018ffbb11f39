//! The subscription filter: its JSON form, its checks and its matching.
//!
//! Semantics (docs/events.md): every list is "any of", and an empty list does not restrict; the lists are
//! ANDed. `tlp_max` drops objects whose most restrictive TLP marking is above it (objects without a TLP
//! marking pass). `labels` and the `*_types` vocabularies look at the served object's bytes, so an event
//! without bytes (a deletion) never matches a filter that sets them. Events of other kinds (no object) are
//! matched on `collections` only. `assets: true` is "my organisation's assets" (issue 14): only the asset
//! kinds (`ASSET_KINDS`: victim notifications for the subscriber's organisation, and the victim-found tasks of
//! a producer) pass; without it those kinds pass like any other kind.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stix::markings::TlpLevel;

/// The open-vocabulary properties a filter may restrict (STIX 2.1 `*_types` properties).
pub const VOCABULARY_PROPERTIES: &[&str] = &[
    "indicator_types",
    "infrastructure_types",
    "malware_types",
    "report_types",
    "threat_actor_types",
    "tool_types",
];

/// The event kinds of victim notification (issue 14), the only ones a filter with `assets: true` passes.
pub const ASSET_KINDS: &[&str] = &["victim-notification", "victim-found"];

/// The most entries one list may hold.
const MAX_ENTRIES: usize = 100;
/// The longest entry.
const MAX_ENTRY_LEN: usize = 250;

/// What a subscriber asks to be told about.
// Unknown fields land in `vocabularies` (serde cannot deny them beside `flatten`) and `validate` refuses them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Collection ids; empty = every collection the subscriber may read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<String>,
    /// STIX types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    /// The highest TLP level delivered (`clear`, `green`, `amber`, `amber+strict`, `red`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlp_max: Option<String>,
    /// Any of these `labels`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Per `*_types` property (see `VOCABULARY_PROPERTIES`): any of these values.
    #[serde(flatten)]
    pub vocabularies: BTreeMap<String, Vec<String>>,
    /// Only events about the subscriber organisation's assets (`ASSET_KINDS`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub assets: bool,
    /// Deliver TLP:RED and TLP:AMBER+STRICT objects thin (id and link only).
    #[serde(default, skip_serializing_if = "is_false")]
    pub thin_restricted: bool,
    /// Indicators only with at least this hub score (issue 15, 0–100); other types are not affected, and an
    /// indicator whose score is not known yet does not pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_score: Option<u8>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// A filter problem, naming the field (as a JSON path into the filter) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FilterError {
    /// The offending field, e.g. `types[2]`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn problem(field: impl Into<String>, message: impl Into<String>) -> FilterError {
    FilterError {
        field: field.into(),
        message: message.into(),
    }
}

/// A TLP level by name (`white` is TLP 1.0's `clear`).
pub fn parse_tlp(text: &str) -> Option<TlpLevel> {
    match text.to_ascii_lowercase().as_str() {
        "clear" | "white" => Some(TlpLevel::Clear),
        "green" => Some(TlpLevel::Green),
        "amber" => Some(TlpLevel::Amber),
        "amber+strict" => Some(TlpLevel::AmberStrict),
        "red" => Some(TlpLevel::Red),
        _ => None,
    }
}

/// One event as a filter sees it: the object as served to the subscriber.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The collection id, if the event concerns one.
    pub collection: Option<&'a str>,
    /// The STIX type, for object events.
    pub object_type: Option<&'a str>,
    /// The most restrictive TLP marking of the served object.
    pub tlp: Option<TlpLevel>,
    /// The served object, when it has bytes.
    pub object: Option<&'a Value>,
    /// An indicator's hub score, when the filter asks for one (`needs_score`) and it is known.
    pub score: Option<u8>,
}

impl Filter {
    /// Parses and checks a filter's JSON.
    pub fn from_json(text: &str) -> Result<Filter, FilterError> {
        let filter: Filter = serde_json::from_str(text).map_err(|err| problem("filter", err.to_string()))?;
        filter.validate()?;
        Ok(filter)
    }

    /// Checks every field; the first problem names its field.
    pub fn validate(&self) -> Result<(), FilterError> {
        check_list(
            "collections",
            &self.collections,
            is_uuid,
            "not a collection id (a UUID)",
        )?;
        check_list("types", &self.types, is_stix_type, "not a STIX type name")?;
        if let Some(tlp) = &self.tlp_max
            && parse_tlp(tlp).is_none()
        {
            return Err(problem(
                "tlp_max",
                format!("unknown TLP level {tlp:?} (clear, green, amber, amber+strict or red)"),
            ));
        }
        if self.min_score.is_some_and(|score| score > 100) {
            return Err(problem("min_score", "must be 0 to 100"));
        }
        check_list("labels", &self.labels, |l| !l.trim().is_empty(), "an empty label")?;
        for (property, values) in &self.vocabularies {
            if !VOCABULARY_PROPERTIES.contains(&property.as_str()) {
                return Err(problem(
                    property.as_str(),
                    format!(
                        "unknown field (vocabularies: {})",
                        VOCABULARY_PROPERTIES.join(", ")
                    ),
                ));
            }
            check_list(property, values, is_vocabulary_term, "not a vocabulary term")?;
        }
        Ok(())
    }

    /// The `tlp_max` level (checked by `validate`).
    pub fn tlp_ceiling(&self) -> Option<TlpLevel> {
        self.tlp_max.as_deref().and_then(parse_tlp)
    }

    /// Whether events of `kind` may pass at all (`assets: true` admits only the asset kinds).
    pub fn admits_kind(&self, kind: &str) -> bool {
        !self.assets || ASSET_KINDS.contains(&kind)
    }

    /// Whether the event passes the filter.
    pub fn matches(&self, candidate: &Candidate<'_>) -> bool {
        if !self.collections.is_empty()
            && !candidate
                .collection
                .is_some_and(|c| self.collections.iter().any(|wanted| wanted == c))
        {
            return false;
        }
        let Some(object_type) = candidate.object_type else {
            return true;
        };
        if !self.types.is_empty() && !self.types.iter().any(|t| t == object_type) {
            return false;
        }
        if let (Some(ceiling), Some(tlp)) = (self.tlp_ceiling(), candidate.tlp)
            && tlp > ceiling
        {
            return false;
        }
        if let Some(minimum) = self.min_score
            && object_type == "indicator"
            && candidate.score.is_none_or(|score| score < minimum)
        {
            return false;
        }
        if !self.needs_bytes() {
            return true;
        }
        let Some(object) = candidate.object else {
            return false;
        };
        if !self.labels.is_empty() && !any_of(object, "labels", &self.labels) {
            return false;
        }
        self.vocabularies
            .iter()
            .all(|(property, wanted)| wanted.is_empty() || any_of(object, property, wanted))
    }

    /// Whether matching looks into the object's bytes (`labels` or a vocabulary is set): without that, a caller
    /// need not parse the object to match it.
    pub fn needs_bytes(&self) -> bool {
        !self.labels.is_empty() || self.vocabularies.values().any(|v| !v.is_empty())
    }

    /// Whether matching an indicator needs its hub score (`min_score` is set).
    pub fn needs_score(&self) -> bool {
        self.min_score.is_some()
    }

    /// Whether an object at `tlp` is delivered thin to this subscriber.
    pub fn delivers_thin(&self, tlp: Option<TlpLevel>) -> bool {
        self.thin_restricted && matches!(tlp, Some(TlpLevel::Red | TlpLevel::AmberStrict))
    }
}

/// True when the string array `object[property]` holds one of `wanted`.
fn any_of(object: &Value, property: &str, wanted: &[String]) -> bool {
    object
        .get(property)
        .and_then(Value::as_array)
        .is_some_and(|values| {
            values
                .iter()
                .filter_map(Value::as_str)
                .any(|value| wanted.iter().any(|w| w == value))
        })
}

fn check_list(
    field: &str,
    values: &[String],
    valid: impl Fn(&str) -> bool,
    message: &str,
) -> Result<(), FilterError> {
    if values.len() > MAX_ENTRIES {
        return Err(problem(field, format!("at most {MAX_ENTRIES} entries")));
    }
    for (idx, value) in values.iter().enumerate() {
        if value.len() > MAX_ENTRY_LEN {
            return Err(problem(
                format!("{field}[{idx}]"),
                format!("longer than {MAX_ENTRY_LEN} bytes"),
            ));
        }
        if !valid(value) {
            return Err(problem(
                format!("{field}[{idx}]"),
                format!("{message}: {value:?}"),
            ));
        }
    }
    Ok(())
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(idx, c)| match idx {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// STIX 2.1 type names: lowercase ASCII letters, digits and `-`, 3–250 characters.
fn is_stix_type(text: &str) -> bool {
    (3..=250).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
        && !text.contains("--")
}

fn is_vocabulary_term(text: &str) -> bool {
    !text.is_empty() && !text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(json: &str) -> Result<Filter, FilterError> {
        Filter::from_json(json)
    }

    #[test]
    fn bad_fields_are_named() {
        let cases = [
            (r#"{"types":["indicator","Bad Type"]}"#, "types[1]"),
            (r#"{"collections":["nope"]}"#, "collections[0]"),
            (r#"{"tlp_max":"purple"}"#, "tlp_max"),
            (r#"{"labels":[" "]}"#, "labels[0]"),
            (r#"{"colour_types":["x"]}"#, "colour_types"),
            (r#"{"malware_types":[""]}"#, "malware_types[0]"),
            (r#"{"types":"indicator"}"#, "filter"),
        ];
        for (json, field) in cases {
            assert_eq!(filter(json).expect_err(json).field, field, "{json}");
        }
        assert!(filter("{}").is_ok());
    }

    #[test]
    fn lists_are_any_of_and_anded() {
        let f = filter(
            r#"{"types":["indicator"],"tlp_max":"amber","labels":["x","y"],"indicator_types":["malicious-activity"]}"#,
        )
        .expect("valid");
        let object: Value = serde_json::from_str(
            r#"{"type":"indicator","labels":["y"],"indicator_types":["malicious-activity","anomalous-activity"]}"#,
        )
        .expect("json");
        let mut candidate = Candidate {
            collection: Some("c"),
            object_type: Some("indicator"),
            tlp: Some(TlpLevel::Green),
            object: Some(&object),
            score: None,
        };
        assert!(f.matches(&candidate));
        candidate.tlp = Some(TlpLevel::Red);
        assert!(!f.matches(&candidate), "above the ceiling");
        candidate.tlp = None;
        assert!(f.matches(&candidate), "unmarked passes the ceiling");
        candidate.object = None;
        assert!(!f.matches(&candidate), "no bytes, byte filters set");
        candidate.object_type = Some("malware");
        assert!(!f.matches(&candidate));
        let kinds = Candidate {
            collection: Some("c"),
            object_type: None,
            tlp: None,
            object: None,
            score: None,
        };
        assert!(f.matches(&kinds), "other kinds: collections only");
    }

    #[test]
    fn min_score_keeps_known_indicators_at_or_above_it_and_leaves_other_types_alone() {
        let f = filter(r#"{"min_score":60}"#).expect("valid");
        assert!(f.needs_score());
        let mut candidate = Candidate {
            collection: Some("c"),
            object_type: Some("indicator"),
            tlp: None,
            object: None,
            score: Some(60),
        };
        assert!(f.matches(&candidate));
        candidate.score = Some(59);
        assert!(!f.matches(&candidate));
        candidate.score = None;
        assert!(!f.matches(&candidate), "unknown score");
        candidate.object_type = Some("malware");
        assert!(f.matches(&candidate));
        assert_eq!(
            filter(r#"{"min_score":101}"#).expect_err("101").field,
            "min_score"
        );
    }

    #[test]
    fn assets_admits_only_asset_kinds() {
        let mine = filter(r#"{"assets":true}"#).expect("valid");
        assert!(mine.admits_kind("victim-notification"));
        assert!(!mine.admits_kind("object-added"));
        assert!(Filter::default().admits_kind("victim-notification"));
        assert!(Filter::default().admits_kind("object-added"));
    }

    #[test]
    fn thin_only_for_red_and_amber_strict_by_choice() {
        let thin = filter(r#"{"thin_restricted":true}"#).expect("valid");
        assert!(thin.delivers_thin(Some(TlpLevel::Red)));
        assert!(thin.delivers_thin(Some(TlpLevel::AmberStrict)));
        assert!(!thin.delivers_thin(Some(TlpLevel::Amber)));
        assert!(!Filter::default().delivers_thin(Some(TlpLevel::Red)));
    }

    #[test]
    fn round_trips_through_json() {
        let f = filter(r#"{"types":["indicator"],"malware_types":["ransomware"],"thin_restricted":true}"#)
            .expect("valid");
        let text = serde_json::to_string(&f).expect("serialise");
        assert_eq!(Filter::from_json(&text).expect("again"), f);
    }
}
