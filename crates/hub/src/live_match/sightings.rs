//! Observations posted to a collection by TAXII are matched too (issue 14): after the POST committed, the
//! observed-data it stored are matched against the indicators the *poster* may read (the same release as
//! `POST /match/v1/`), and each match becomes a STIX `sighting` stored in the same collection.
//!
//! The sighting: `created_by_ref` the hub's identity, `sighting_of_ref` the indicator under the id the poster
//! is served it by, `observed_data_refs` the matching observed-data, `first_seen`/`last_seen` their times,
//! `count` how many. It is stored as the poster's organisation's (so the poster can read and delete it) with
//! these markings — the visibility rule, chosen so that it never reveals more than the poster could read:
//! - TLP: the most restrictive of TLP:AMBER+STRICT, the indicator's TLP and the observations' TLP. So at most
//!   the poster's organisation sees it; when the indicator or an observation is TLP:RED, only the poster (the
//!   one account named as its recipient) and hub admins do.
//! - Every other marking of the indicator and of the observations is copied, so a reader also needs each
//!   grant the indicator or the observations need.
//!
//! Its id is derived (UUIDv5 under the hub's namespace) from the collection, the indicator and the
//! observed-data, and its `created`/`modified` from the observations, so posting the same observations again
//! stores nothing new. Failures are logged; they never fail the POST, whose objects are already committed.

use std::collections::BTreeSet;
use std::pin::Pin;

use serde_json::{Value, json};
use stix::markings::TlpLevel;

use super::input::{ObservationRef, posted_observations};
use crate::{Caller, Hub, HubResult};

/// TLP 2.0 AMBER+STRICT and RED, the two levels a sighting can carry.
const TLP_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

impl Hub {
    /// Matches the observed-data a POST stored (`posted`: the posting's objects, `stored`: the ids stored) for
    /// the poster and stores a sighting per match. Returns how many sightings were posted.
    ///
    /// Boxed (and declared `Send`): storing the sightings goes through ingest, which calls this.
    pub(crate) fn sight_posted<'a>(
        &'a self,
        caller: &'a Caller,
        api_root: &'a str,
        collection: &'a str,
        posted: Vec<Value>,
        stored: &'a BTreeSet<String>,
    ) -> Pin<Box<dyn Future<Output = HubResult<usize>> + Send + 'a>> {
        Box::pin(self.sight_posted_now(caller, api_root, collection, posted, stored))
    }

    async fn sight_posted_now(
        &self,
        caller: &Caller,
        api_root: &str,
        collection: &str,
        posted: Vec<Value>,
        stored: &BTreeSet<String>,
    ) -> HubResult<usize> {
        let posted: Vec<Value> = posted
            .into_iter()
            .filter(|object| {
                object.get("type").and_then(Value::as_str) != Some("observed-data")
                    || object
                        .get("id")
                        .and_then(Value::as_str)
                        .is_some_and(|id| stored.contains(id))
            })
            .collect();
        if !posted
            .iter()
            .any(|o| o.get("type").and_then(Value::as_str) == Some("observed-data"))
        {
            return Ok(0);
        }
        if !self.live_index.is_ready() {
            tracing::info!("posted observations not matched: the live indicator index is still being built");
            return Ok(0);
        }
        let observations = posted_observations(posted);
        let observed_by_id: std::collections::HashMap<String, Value> = observations
            .observed_data
            .iter()
            .filter_map(|o| Some((o.get("id")?.as_str()?.to_owned(), o.clone())))
            .collect();
        let found = self.match_prepared(caller, observations).await?;
        let collection_id = collection.to_owned();
        let mut sightings = Vec::new();
        for found in found {
            let observed: Vec<&Value> = found
                .public
                .observations
                .iter()
                .filter_map(|reference| match reference {
                    ObservationRef::Id(id) => observed_by_id.get(id),
                    ObservationRef::Index(_) => None,
                })
                .collect();
            if observed.is_empty() {
                continue;
            }
            sightings.push(self.sighting(
                &collection_id,
                &found.public.indicator,
                &found.markings,
                &observed,
            ));
        }
        let n = sightings.len();
        let red: Vec<Value> = sightings
            .iter()
            .filter(|(_, red)| *red)
            .map(|(s, _)| s.clone())
            .collect();
        let rest: Vec<Value> = sightings
            .into_iter()
            .filter(|(_, red)| !*red)
            .map(|(s, _)| s)
            .collect();
        for (batch, named) in [(rest, None), (red, Some(format!("account:{}", caller.account)))] {
            if batch.is_empty() {
                continue;
            }
            let body = json!({"objects": batch}).to_string();
            let status = self
                .add_objects_for(caller, api_root, collection, body, named.as_deref())
                .await?;
            if !status.failures.is_empty() {
                tracing::warn!(failures = ?status.failures, "sightings of posted observations were refused");
            }
        }
        Ok(n)
    }

    /// The sighting of `indicator` (served id, its markings) in `observed`; true when it is TLP:RED.
    fn sighting(
        &self,
        collection: &str,
        indicator: &str,
        markings: &[String],
        observed: &[&Value],
    ) -> (Value, bool) {
        let text = |o: &Value, property: &str| o.get(property).and_then(Value::as_str).map(str::to_owned);
        let mut ids: Vec<String> = observed.iter().filter_map(|o| text(o, "id")).collect();
        ids.sort();
        let first_seen = observed
            .iter()
            .filter_map(|o| text(o, "first_observed"))
            .min_by_key(|t| instant(t));
        let last_seen = observed
            .iter()
            .filter_map(|o| text(o, "last_observed"))
            .max_by_key(|t| instant(t));
        let modified = observed
            .iter()
            .filter_map(|o| text(o, "modified"))
            .max_by_key(|t| instant(t))
            .unwrap_or_else(|| "2000-01-01T00:00:00.000Z".to_owned());
        let mut level = TlpLevel::AmberStrict;
        let mut others = BTreeSet::new();
        let observation_markings = observed
            .iter()
            .flat_map(|o| {
                o.get("object_marking_refs")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .filter_map(Value::as_str)
            .map(str::to_owned);
        for marking in markings.iter().cloned().chain(observation_markings) {
            match policy::clearance::Marking::classify(&marking) {
                policy::clearance::Marking::Tlp(tlp) => level = level.max(tlp),
                policy::clearance::Marking::Other(id) => {
                    others.insert(id);
                }
            }
        }
        let red = level == TlpLevel::Red;
        let mut object_markings = vec![if red { TLP_RED } else { TLP_AMBER_STRICT }.to_owned()];
        object_markings.extend(others);
        let name = format!("{collection}|{indicator}|{}", ids.join(","));
        let id = uuid::Uuid::new_v5(&self.hub_identity.namespace, name.as_bytes());
        let mut sighting = json!({
            "type": "sighting",
            "spec_version": "2.1",
            "id": format!("sighting--{id}"),
            "created": modified,
            "modified": modified,
            "created_by_ref": self.hub_identity.identity_id,
            "sighting_of_ref": indicator,
            "observed_data_refs": ids,
            "count": observed.len(),
            "object_marking_refs": object_markings,
        });
        if let Some(first_seen) = first_seen {
            sighting["first_seen"] = Value::String(first_seen);
        }
        if let Some(last_seen) = last_seen {
            sighting["last_seen"] = Value::String(last_seen);
        }
        (sighting, red)
    }
}

fn instant(text: &str) -> i128 {
    stix::timestamp::Timestamp::parse(text).map_or(i128::MIN, |t| t.unix_nanos())
}
