//! [`ObservedData`]: an observed-data object read just far enough to find candidates (its time interval,
//! count and SCOs), without copying anything.
//!
//! It reads the two forms the evaluator reads (`stix_pattern::eval::Observation`), with the same rules:
//! `object_refs` resolved through the caller's map (unresolved ids ignored, duplicates once), else the
//! deprecated embedded `objects` dictionary; `_ref` ids resolve only to SCOs of this observation.

use std::collections::HashMap;

use serde_json::Value;

use crate::error::MatcherError;
use crate::time::Moment;

/// One observed-data object and its SCOs, borrowed.
#[derive(Debug, Clone)]
pub(crate) struct ObservedData<'v> {
    pub(crate) id: Option<&'v str>,
    pub(crate) first_observed: Moment,
    pub(crate) last_observed: Moment,
    /// `(local id, SCO)` pairs.
    pub(crate) objects: Vec<(&'v str, &'v Value)>,
}

impl<'v> ObservedData<'v> {
    pub(crate) fn read(
        observed_data: &'v Value,
        scos_by_id: &'v HashMap<String, Value>,
    ) -> Result<ObservedData<'v>, MatcherError> {
        let object = observed_data
            .as_object()
            .ok_or(MatcherError::NotAnObject("the observed-data"))?;
        let timestamp = |property: &'static str| -> Result<Moment, MatcherError> {
            let text = object
                .get(property)
                .and_then(Value::as_str)
                .ok_or(MatcherError::MissingProperty { property })?;
            Moment::parse_rfc3339(text).ok_or_else(|| MatcherError::BadTimestamp {
                property,
                text: text.to_owned(),
            })
        };
        let first_observed = timestamp("first_observed")?;
        let last_observed = timestamp("last_observed")?;
        let mut objects: Vec<(&'v str, &'v Value)> = Vec::new();
        if let Some(refs) = object.get("object_refs").and_then(Value::as_array) {
            for id in refs.iter().filter_map(Value::as_str) {
                if let Some((known_id, sco)) = scos_by_id.get_key_value(id)
                    && !objects.iter().any(|(seen, _)| *seen == id)
                {
                    objects.push((known_id.as_str(), sco));
                }
            }
        } else if let Some(embedded) = object.get("objects").and_then(Value::as_object) {
            objects.extend(embedded.iter().map(|(key, sco)| (key.as_str(), sco)));
        }
        Ok(ObservedData {
            id: object.get("id").and_then(Value::as_str),
            first_observed,
            last_observed,
            objects,
        })
    }

    /// The SCO of this observation with local id `id`.
    pub(crate) fn resolve(&self, id: &str) -> Option<&'v Value> {
        self.objects
            .iter()
            .find(|(known, _)| *known == id)
            .map(|(_, sco)| *sco)
    }
}
