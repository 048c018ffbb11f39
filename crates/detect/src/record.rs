//! The few indicator properties an export reads, borrowed from the object's JSON, and the filters on them.
//!
//! An export reads stored objects that already passed validation, so this is a lenient, borrowed view
//! (serde into `Cow`s, no tree): it costs a fraction of a full parse, which matters at a million indicators.

use std::borrow::Cow;

use serde::Deserialize;
use stix::timestamp::Timestamp;

use crate::observable::{ObservableKind, SkipReason};

/// The label an indicator carries to be exported even when a warninglist names one of its values
/// (docs/exports.md: the producer knows better than a list of popular or special-use values).
pub const WARNINGLIST_OVERRIDE_LABEL: &str = "stixhub:warninglist-override";

/// One indicator as an export sees it.
#[derive(Debug, Clone, Deserialize)]
pub struct IndicatorRecord<'a> {
    /// `type` (anything but `indicator` is skipped).
    #[serde(rename = "type", borrow)]
    pub object_type: Cow<'a, str>,
    /// `id`, as the caller knows it (the served copy's id under anonymity).
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// `name`.
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    /// `pattern`.
    #[serde(borrow, default)]
    pub pattern: Option<Cow<'a, str>>,
    /// `pattern_type`.
    #[serde(borrow, default)]
    pub pattern_type: Option<Cow<'a, str>>,
    /// `created`.
    #[serde(borrow, default)]
    pub created: Option<Cow<'a, str>>,
    /// `modified`.
    #[serde(borrow, default)]
    pub modified: Option<Cow<'a, str>>,
    /// `valid_from`.
    #[serde(borrow, default)]
    pub valid_from: Option<Cow<'a, str>>,
    /// `valid_until`.
    #[serde(borrow, default)]
    pub valid_until: Option<Cow<'a, str>>,
    /// `revoked`.
    #[serde(default)]
    pub revoked: bool,
    /// `confidence` (0–100).
    #[serde(default)]
    pub confidence: Option<u64>,
    /// `labels`.
    #[serde(borrow, default)]
    pub labels: Vec<Cow<'a, str>>,
}

impl<'a> IndicatorRecord<'a> {
    /// Reads the view from an object's JSON text.
    pub fn from_json(text: &'a str) -> Result<IndicatorRecord<'a>, SkipReason> {
        serde_json::from_str(text).map_err(|_| SkipReason::NotAnIndicator)
    }

    /// True when the producer asked for its values to be exported despite warninglists.
    pub fn overrides_warninglists(&self) -> bool {
        self.labels
            .iter()
            .any(|label| label == WARNINGLIST_OVERRIDE_LABEL)
    }

    /// `modified`, else `created`, in whole seconds since the epoch (0 when absent or unreadable).
    pub fn version_seconds(&self) -> i64 {
        seconds_of(self.modified.as_deref().or(self.created.as_deref()))
    }

    /// `created` in whole seconds since the epoch (0 when absent).
    pub fn created_seconds(&self) -> i64 {
        seconds_of(self.created.as_deref())
    }
}

fn seconds_of(text: Option<&str>) -> i64 {
    text.and_then(|t| Timestamp::parse(t).ok())
        .map(|t| i64::try_from(t.unix_nanos().div_euclid(1_000_000_000)).unwrap_or(0))
        .unwrap_or(0)
}

/// Why an indicator is left out on purpose (counted apart from skips: nothing is wrong with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FilterReason {
    /// `revoked: true`.
    Revoked,
    /// `valid_until` is past.
    Expired,
    /// `valid_from` is in the future.
    NotYetValid,
    /// `confidence` below the minimum, or absent while a minimum is asked.
    LowConfidence,
    /// None of its values is of a requested type.
    Type,
    /// The hub's confidence score (issue 15) below the export's minimum.
    LowScore,
}

impl FilterReason {
    /// The text the export's trailer prints.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterReason::Revoked => "revoked",
            FilterReason::Expired => "expired (valid_until past)",
            FilterReason::NotYetValid => "not yet valid (valid_from in the future)",
            FilterReason::LowConfidence => "confidence below the minimum or absent",
            FilterReason::Type => "no value of the requested types",
            FilterReason::LowScore => "hub score below the minimum",
        }
    }
}

/// Which indicators and values an export keeps.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Keep only values of these kinds; empty keeps every kind.
    pub kinds: Vec<ObservableKind>,
    /// Keep only indicators valid at this instant (ns since the epoch); `None` keeps expired and future ones.
    pub valid_at: Option<i128>,
    /// Keep revoked indicators too.
    pub include_revoked: bool,
    /// Keep only indicators whose `confidence` is at least this.
    pub min_confidence: Option<u8>,
}

impl Filter {
    /// The default of every export: valid at `now`, not revoked, any kind, any confidence.
    pub fn current(now_nanos: i128) -> Filter {
        Filter {
            kinds: Vec::new(),
            valid_at: Some(now_nanos),
            include_revoked: false,
            min_confidence: None,
        }
    }

    /// Why the indicator is left out, judged on its properties alone (the kinds are checked per value).
    pub fn rejects(&self, record: &IndicatorRecord<'_>) -> Option<FilterReason> {
        if record.revoked && !self.include_revoked {
            return Some(FilterReason::Revoked);
        }
        if let Some(now) = self.valid_at {
            let instant = |text: &Option<Cow<'_, str>>| {
                text.as_deref()
                    .and_then(|t| Timestamp::parse(t).ok())
                    .map(|t| t.unix_nanos())
            };
            if instant(&record.valid_from).is_some_and(|from| from > now) {
                return Some(FilterReason::NotYetValid);
            }
            if instant(&record.valid_until).is_some_and(|until| until <= now) {
                return Some(FilterReason::Expired);
            }
        }
        if let Some(minimum) = self.min_confidence
            && record.confidence.is_none_or(|c| c < u64::from(minimum))
        {
            return Some(FilterReason::LowConfidence);
        }
        None
    }

    /// True when values of `kind` are kept.
    pub fn keeps(&self, kind: ObservableKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}
