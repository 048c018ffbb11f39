//! [`Observation`]: one observed-data object, its time interval and count, and the SCOs it references.
//!
//! Both forms of observed-data are read: STIX 2.1 `object_refs` (SCO ids resolved through the caller's map;
//! ids that do not resolve are ignored, as `stix2-matcher` does) and the deprecated embedded `objects`
//! dictionary (whose keys are the local ids that `_ref` properties use). When both are present,
//! `object_refs` wins.

use std::collections::HashMap;

use serde_json::Value;

use super::EvalError;
use crate::timestamp::{is_calendar_valid, stix_timestamp_nanos, truncate_to_micros};

/// One observed-data object prepared for matching.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// `first_observed`, nanoseconds since the epoch.
    pub(crate) first_observed: i128,
    /// `last_observed`, nanoseconds since the epoch.
    pub(crate) last_observed: i128,
    /// `number_observed` (≥ 1): how many observations this object stands for.
    pub(crate) number_observed: u64,
    /// The referenced SCOs, with the id a `_ref` uses to reach each one.
    pub(crate) objects: Vec<(String, Value)>,
}

impl Observation {
    /// Builds an observation from an observed-data object and the SCOs available by id.
    ///
    /// # Errors
    /// [`EvalError::InvalidObservation`] when `first_observed`, `last_observed` or `number_observed` is
    /// missing or malformed, `number_observed` is below 1, or there is neither `object_refs` nor `objects`.
    pub fn from_observed_data(
        observed_data: &Value,
        scos_by_id: &HashMap<String, Value>,
    ) -> Result<Observation, EvalError> {
        let invalid = |what: &str| EvalError::InvalidObservation(what.to_owned());
        let timestamp = |key: &str| -> Result<i128, EvalError> {
            let text = observed_data.get(key).and_then(Value::as_str);
            text.filter(|t| is_calendar_valid(t))
                .and_then(stix_timestamp_nanos)
                .map(truncate_to_micros)
                .ok_or_else(|| EvalError::InvalidObservation(format!("missing or malformed {key}")))
        };
        let first_observed = timestamp("first_observed")?;
        let last_observed = timestamp("last_observed")?;
        if last_observed < first_observed {
            return Err(invalid("last_observed is before first_observed"));
        }
        let number_observed = observed_data
            .get("number_observed")
            .and_then(Value::as_u64)
            .ok_or_else(|| invalid("missing or malformed number_observed"))?;
        if number_observed < 1 {
            return Err(invalid("number_observed must be at least 1"));
        }
        let objects = if let Some(refs) = observed_data.get("object_refs") {
            let refs = refs
                .as_array()
                .ok_or_else(|| invalid("object_refs is not a list"))?;
            let mut objects = Vec::with_capacity(refs.len());
            for id in refs {
                let id = id
                    .as_str()
                    .ok_or_else(|| invalid("object_refs holds a non-string"))?;
                if let Some(sco) = scos_by_id.get(id)
                    && !objects.iter().any(|(known, _): &(String, Value)| known == id)
                {
                    objects.push((id.to_owned(), sco.clone()));
                }
            }
            objects
        } else if let Some(embedded) = observed_data.get("objects") {
            let embedded = embedded
                .as_object()
                .ok_or_else(|| invalid("objects is not a dictionary"))?;
            embedded
                .iter()
                .map(|(key, sco)| (key.clone(), sco.clone()))
                .collect()
        } else {
            return Err(invalid("neither object_refs nor objects is present"));
        };
        Ok(Observation {
            first_observed,
            last_observed,
            number_observed,
            objects,
        })
    }

    /// Builds one observation per observed-data object among `objects` (e.g. a bundle's `objects`),
    /// resolving `object_refs` against the other objects of the slice that have an `id`.
    ///
    /// # Errors
    /// As [`Observation::from_observed_data`], for the first malformed observed-data.
    pub fn from_bundle_objects(objects: &[Value]) -> Result<Vec<Observation>, EvalError> {
        let is_observed_data =
            |object: &Value| object.get("type").and_then(Value::as_str) == Some("observed-data");
        let scos_by_id: HashMap<String, Value> = objects
            .iter()
            .filter(|object| !is_observed_data(object))
            .filter_map(|object| Some((object.get("id")?.as_str()?.to_owned(), object.clone())))
            .collect();
        objects
            .iter()
            .filter(|object| is_observed_data(object))
            .map(|object| Observation::from_observed_data(object, &scos_by_id))
            .collect()
    }

    /// `first_observed`, in nanoseconds since the epoch (truncated to microseconds).
    pub fn first_observed_nanos(&self) -> i128 {
        self.first_observed
    }

    /// `last_observed`, in nanoseconds since the epoch (truncated to microseconds).
    pub fn last_observed_nanos(&self) -> i128 {
        self.last_observed
    }

    /// `number_observed`: how many observations this object stands for.
    pub fn number_observed(&self) -> u64 {
        self.number_observed
    }

    /// The referenced SCOs with the local id a `_ref` uses for each (an `object_refs` id, or an embedded
    /// `objects` key).
    pub fn objects(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.objects.iter().map(|(id, object)| (id.as_str(), object))
    }

    /// The referenced SCO with local id `id`, if this observation has it (what `_ref` resolves to).
    pub fn object_by_id(&self, id: &str) -> Option<&Value> {
        self.objects
            .iter()
            .find(|(known, _)| known == id)
            .map(|(_, object)| object)
    }
}
