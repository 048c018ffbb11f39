//! Reading a match request's body into observations: a STIX bundle (observed-data and SCOs) or a JSON array
//! of plain observables, each checked on its own so every malformed item gets its own error.
//!
//! Every input becomes a list of observed-data (with the SCOs they reference), which is what the matcher's
//! stream evaluates:
//! - a **plain observable** (array entry `i`) is one observation of that SCO, seen once at the time of the
//!   request; it is reported by its index `i`;
//! - in a **bundle**, each observed-data is an observation (reported by its id), and each SCO that no
//!   observed-data references is one observation of itself and the SCOs it references, seen at the time of
//!   the request (reported by its id). Other objects (indicators, identities, …) are not observations and
//!   are ignored.

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;
use serde_json::{Value, json};
use stix::vocab::ObjectFamily;
use stix_pattern::eval::Observation;

/// How the caller names an observation in the answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum ObservationRef {
    /// The 0-based index of an entry of a JSON array of observables.
    Index(usize),
    /// The id of an observed-data or SCO of a bundle.
    Id(String),
}

/// One malformed item of a match request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemProblem {
    /// The item: its array index (for a bundle: its index in `objects`).
    pub index: usize,
    /// Its id, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What is wrong, naming the property.
    pub message: String,
}

/// The observations of a request, ready for the stream.
#[derive(Debug, Default)]
pub(crate) struct Observations {
    /// Observed-data objects (the caller's, or one made per plain observable), in `first_observed` order.
    pub(crate) observed_data: Vec<Value>,
    /// How the caller names each of `observed_data`.
    pub(crate) refs: Vec<ObservationRef>,
    /// Every SCO by id.
    pub(crate) scos: HashMap<String, Value>,
}

/// Why a body cannot be matched.
#[derive(Debug)]
pub(crate) enum InputError {
    /// The body as a whole (not JSON, wrong shape, too many observations).
    Body(String),
    /// Items that are malformed, each with its problem.
    Items(Vec<ItemProblem>),
}

/// The most item problems reported (the count of the rest is given in the last one).
const MAX_PROBLEMS: usize = 100;

/// Reads a request body (already parsed as JSON) into observations, at most `max_observations` of them.
pub(crate) fn read_observations(
    body: Value,
    now: &str,
    max_observations: usize,
) -> Result<Observations, InputError> {
    match body {
        Value::Array(items) => {
            if items.len() > max_observations {
                return Err(too_many(items.len(), max_observations));
            }
            read_plain(items, now)
        }
        Value::Object(mut object) if object.get("type").and_then(Value::as_str) == Some("bundle") => {
            match object.remove("objects") {
                Some(Value::Array(objects)) => read_bundle(objects, now, max_observations),
                None => Ok(Observations::default()),
                Some(_) => Err(InputError::Body(
                    "the bundle's objects is not a JSON array".to_owned(),
                )),
            }
        }
        _ => Err(InputError::Body(
            "the body must be a STIX bundle or a JSON array of observables".to_owned(),
        )),
    }
}

fn too_many(n: usize, max: usize) -> InputError {
    InputError::Body(format!("{n} observations; at most {max} are matched per request"))
}

fn read_plain(items: Vec<Value>, now: &str) -> Result<Observations, InputError> {
    let mut problems = Vec::new();
    let mut out = Observations::default();
    out.observed_data.reserve(items.len());
    out.scos.reserve(items.len());
    for (index, mut item) in items.into_iter().enumerate() {
        if let Err(message) = check_observable(&item) {
            push_problem(&mut problems, index, item.get("id"), message);
            continue;
        }
        if let Some(id) = item.get("id") {
            let sco_type = item.get("type").and_then(Value::as_str).unwrap_or_default();
            if !id
                .as_str()
                .is_some_and(|id| id.starts_with(&format!("{sco_type}--")))
            {
                push_problem(
                    &mut problems,
                    index,
                    Some(id),
                    format!("id must be a {sco_type} id"),
                );
                continue;
            }
        }
        // Plain observables are matched by position; their own ids (if any) are replaced so two entries can
        // never collide.
        let sco_id = format!("x-match-observable--{index}");
        if let Some(object) = item.as_object_mut() {
            object.insert("id".to_owned(), Value::String(sco_id.clone()));
        }
        out.observed_data
            .push(observed_data_for(index, now, vec![sco_id.clone()]));
        out.refs.push(ObservationRef::Index(index));
        out.scos.insert(sco_id, item);
    }
    finish(out, problems)
}

fn read_bundle(objects: Vec<Value>, now: &str, max_observations: usize) -> Result<Observations, InputError> {
    let mut problems = Vec::new();
    let mut out = Observations::default();
    let mut observed = Vec::new();
    let mut bare = Vec::new();
    for (index, object) in objects.into_iter().enumerate() {
        let Some(object_type) = object.get("type").and_then(Value::as_str) else {
            push_problem(
                &mut problems,
                index,
                object.get("id"),
                "type is missing or not a string".to_owned(),
            );
            continue;
        };
        let Some(id) = object.get("id").and_then(Value::as_str).map(str::to_owned) else {
            push_problem(
                &mut problems,
                index,
                None,
                "id is missing or not a string".to_owned(),
            );
            continue;
        };
        if object_type == "observed-data" {
            observed.push((index, id, object));
            continue;
        }
        match stix::vocab::family_of(object_type) {
            Some(ObjectFamily::Observable) | None if !object_type.is_empty() => {}
            _ => continue,
        }
        if let Err(message) = check_observable(&object) {
            push_problem(&mut problems, index, Some(&Value::String(id)), message);
            continue;
        }
        if !id.starts_with(&format!("{object_type}--")) {
            push_problem(
                &mut problems,
                index,
                Some(&Value::String(id)),
                format!("id must be a {object_type} id"),
            );
            continue;
        }
        bare.push((index, id.clone()));
        out.scos.insert(id, object);
    }
    let mut referenced = HashSet::new();
    for (_, _, object) in &observed {
        for id in object
            .get("object_refs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = id.as_str() {
                referenced.insert(id.to_owned());
            }
        }
    }
    bare.retain(|(_, id)| !referenced.contains(id));
    let n_observations = observed.len() + bare.len();
    if n_observations > max_observations {
        return Err(too_many(n_observations, max_observations));
    }
    for (index, id, object) in observed {
        if let Err(err) = Observation::from_observed_data(&object, &out.scos) {
            push_problem(&mut problems, index, Some(&Value::String(id)), err.to_string());
            continue;
        }
        out.observed_data.push(object);
        out.refs.push(ObservationRef::Id(id));
    }
    for (index, id) in bare {
        let mut refs = vec![id.clone()];
        let mut next = 0;
        // The SCOs it references (transitively), so its `_ref` paths resolve inside its observation.
        while next < refs.len() && refs.len() <= 1000 {
            if let Some(sco) = out.scos.get(&refs[next]) {
                let mut found = Vec::new();
                collect_refs(sco, &mut found);
                for reference in found {
                    if out.scos.contains_key(&reference) && !refs.contains(&reference) {
                        refs.push(reference);
                    }
                }
            }
            next += 1;
        }
        out.observed_data.push(observed_data_for(index, now, refs));
        out.refs.push(ObservationRef::Id(id));
    }
    finish(out, problems)
}

/// The observations of objects a TAXII POST stored: each observed-data the evaluator accepts (named by its
/// id), with every other object of the posting as a possible referenced SCO. Bare SCOs are not observations
/// here: posting an SCO says it exists, not that it was seen.
pub(crate) fn posted_observations(objects: Vec<Value>) -> Observations {
    let mut out = Observations::default();
    let mut observed = Vec::new();
    for object in objects {
        let Some(id) = object.get("id").and_then(Value::as_str).map(str::to_owned) else {
            continue;
        };
        if object.get("type").and_then(Value::as_str) == Some("observed-data") {
            observed.push((id, object));
        } else {
            out.scos.insert(id, object);
        }
    }
    for (id, object) in observed {
        if Observation::from_observed_data(&object, &out.scos).is_ok() {
            out.observed_data.push(object);
            out.refs.push(ObservationRef::Id(id));
        }
    }
    finish(out, Vec::new()).unwrap_or_default()
}

fn finish(mut out: Observations, problems: Vec<ItemProblem>) -> Result<Observations, InputError> {
    if !problems.is_empty() {
        return Err(InputError::Items(problems));
    }
    // The stream's windows assume observations in `first_observed` order; the sort is stable, so equal
    // times keep the caller's order.
    let mut order: Vec<usize> = (0..out.observed_data.len()).collect();
    let first = |value: &Value| {
        value
            .get("first_observed")
            .and_then(Value::as_str)
            .and_then(matcher::time::Moment::parse_rfc3339)
    };
    let keys: Vec<_> = out.observed_data.iter().map(first).collect();
    order.sort_by_key(|idx| keys[*idx]);
    let mut observed_data = std::mem::take(&mut out.observed_data)
        .into_iter()
        .map(Some)
        .collect::<Vec<_>>();
    let mut refs = std::mem::take(&mut out.refs)
        .into_iter()
        .map(Some)
        .collect::<Vec<_>>();
    for idx in order {
        if let (Some(value), Some(reference)) = (observed_data[idx].take(), refs[idx].take()) {
            out.observed_data.push(value);
            out.refs.push(reference);
        }
    }
    Ok(out)
}

fn push_problem(problems: &mut Vec<ItemProblem>, index: usize, id: Option<&Value>, message: String) {
    if problems.len() < MAX_PROBLEMS {
        problems.push(ItemProblem {
            index,
            id: id.and_then(Value::as_str).map(str::to_owned),
            message,
        });
    }
}

/// An observed-data standing for one sighting of `refs` at `now`.
fn observed_data_for(index: usize, now: &str, refs: Vec<String>) -> Value {
    json!({
        "type": "observed-data",
        "id": format!("observed-data--x-match-{index}"),
        "first_observed": now,
        "last_observed": now,
        "number_observed": 1,
        "object_refs": refs,
    })
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    if let Some(object) = value.as_object() {
        for (name, property) in object {
            if name.ends_with("_ref") {
                out.extend(property.as_str().map(str::to_owned));
            } else if name.ends_with("_refs") {
                out.extend(
                    property
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_owned),
                );
            }
        }
    }
}

/// Checks one observable: a JSON object with a cyber-observable `type`, the properties STIX requires of that
/// type, and readable addresses for the IP types. The message names the property.
pub(crate) fn check_observable(item: &Value) -> Result<(), String> {
    let Some(object) = item.as_object() else {
        return Err("not a JSON object".to_owned());
    };
    let Some(sco_type) = object.get("type").and_then(Value::as_str) else {
        return Err("type is missing or not a string".to_owned());
    };
    let well_formed = (3..=250).contains(&sco_type.len())
        && sco_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !sco_type.starts_with('-')
        && !sco_type.ends_with('-')
        && !sco_type.contains("--");
    if !well_formed {
        return Err(format!("type {sco_type:?} is not a STIX type name"));
    }
    if let Some(spec) = stix::vocab::type_spec(sco_type) {
        if spec.family != ObjectFamily::Observable {
            return Err(format!("type {sco_type:?} is not a cyber-observable type"));
        }
        if let Some(missing) = spec
            .required
            .iter()
            .find(|property| !object.contains_key(**property))
        {
            return Err(format!("{missing} is required for {sco_type}"));
        }
    }
    let value = || object.get("value").and_then(Value::as_str);
    match sco_type {
        "ipv4-addr" if !value().is_some_and(|v| is_address(v, |a| a.parse::<Ipv4Addr>().is_ok(), 32)) => {
            Err("value is not an IPv4 address or CIDR block".to_owned())
        }
        "ipv6-addr" if !value().is_some_and(|v| is_address(v, |a| a.parse::<Ipv6Addr>().is_ok(), 128)) => {
            Err("value is not an IPv6 address or CIDR block".to_owned())
        }
        "domain-name" | "url" | "email-addr" | "mac-addr" | "mutex" if value().is_none_or(str::is_empty) => {
            Err("value must be a non-empty string".to_owned())
        }
        _ => Ok(()),
    }
}

fn is_address(text: &str, parses: impl Fn(&str) -> bool, max_prefix: u8) -> bool {
    match text.split_once('/') {
        None => parses(text),
        Some((address, prefix)) => {
            parses(address) && prefix.parse::<u8>().is_ok_and(|p| p <= max_prefix) && !prefix.starts_with('+')
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_observables_get_precise_errors() {
        let body = json!([
            {"type": "ipv4-addr", "value": "198.51.100.7"},
            {"type": "ipv4-addr", "value": "198.51.100.300"},
            "text",
            {"type": "indicator", "pattern": "[x:y = 1]"},
            {"type": "domain-name"},
            {"type": "ipv6-addr", "value": "2001:db8::/129"},
        ]);
        let Err(InputError::Items(problems)) = read_observations(body, "2026-01-01T00:00:00Z", 10) else {
            panic!("expected item problems");
        };
        let indexes: Vec<usize> = problems.iter().map(|p| p.index).collect();
        assert_eq!(indexes, vec![1, 2, 3, 4, 5]);
        assert!(problems[0].message.contains("IPv4"));
        assert!(problems[3].message.contains("value is required"));
    }

    #[test]
    fn too_many_observations_is_a_body_error() {
        let body = json!([{"type": "ipv4-addr", "value": "198.51.100.7"}, {"type": "ipv4-addr", "value": "198.51.100.8"}]);
        assert!(matches!(
            read_observations(body, "2026-01-01T00:00:00Z", 1),
            Err(InputError::Body(_))
        ));
    }

    #[test]
    fn bundles_report_observed_data_and_bare_scos_by_id() {
        let body = json!({"type": "bundle", "id": "bundle--1", "objects": [
            {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.7"},
            {"type": "ipv4-addr", "id": "ipv4-addr--2", "value": "198.51.100.8"},
            {"type": "observed-data", "id": "observed-data--1", "first_observed": "2025-01-01T00:00:00Z",
             "last_observed": "2025-01-01T00:00:00Z", "number_observed": 1, "object_refs": ["ipv4-addr--1"]},
            {"type": "identity", "id": "identity--1", "name": "x"}
        ]});
        let Ok(read) = read_observations(body, "2026-01-01T00:00:00Z", 10) else {
            panic!("expected observations");
        };
        assert_eq!(
            read.refs,
            vec![
                ObservationRef::Id("observed-data--1".to_owned()),
                ObservationRef::Id("ipv4-addr--2".to_owned())
            ]
        );
    }
}
